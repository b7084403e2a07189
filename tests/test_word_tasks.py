"""The WordNet categories task and the script that rebuilds its shipped data."""

from __future__ import annotations

from w2s_edu.devtools.build_wordnet_data import build
from w2s_edu.tasks.registry import get_task
from w2s_edu.tasks.words import wordnet_nouns


def test_shipped_nouns_cover_ten_categories():
    nouns = wordnet_nouns()
    categories = {c for _, c in nouns}
    assert len(nouns) > 9000 and len(categories) == 10
    assert ("rutabaga", "food") in nouns or ("rutabaga", "plant") in nouns


def test_statements_read_naturally_and_each_noun_appears_once():
    ds = get_task("categories")
    texts = ds["text"]
    assert all(t.endswith(".") and " is a kind of " in t for t in texts)
    assert all(t.startswith("An ") == (s[0] in "aeiou") for t, s in zip(texts, ds["subject"]))
    assert len(set(ds["subject"])) == len(ds)


def test_builder_parses_the_wordnet_format(tmp_path):
    # A miniature WordNet in the real file formats.
    (tmp_path / "data.noun").write_text(
        "  1 This license header line starts with two spaces\n"
        "00000001 13 n 01 rutabaga 0 000 | a root vegetable\n"
        "00000002 05 n 01 dog 0 000 | a domestic animal\n"
        "00000003 18 n 01 dog 0 000 | a person (informal)\n"
        "00000004 15 n 01 Paris 0 000 | a city\n"
        "00000005 05 n 01 ox 0 000 | an animal\n"
        "00000006 09 n 01 idea 0 000 | a thought (cognition: not a category we use)\n"
        "00000007 06 n 01 hammer 0 000 | a tool\n"
        "00000008 20 n 01 hammer 0 000 | a plant?\n"
        "00000009 13 n 01 hammer 0 000 | food?\n")
    (tmp_path / "index.noun").write_text(
        "  1 license header\n"
        "rutabaga n 1 0 1 0 00000001\n"
        "dog n 2 1 @ 2 1 00000002 00000003\n"          # first sense animal, half of its senses
        "paris n 1 0 1 0 00000004\n"                   # a proper name: dropped
        "ox n 1 0 1 0 00000005\n"                      # shorter than three letters: dropped
        "idea n 1 0 1 0 00000006\n"                    # a category we do not use: dropped
        "hammer n 3 0 3 0 00000007 00000008 00000009\n")  # first sense is a minority: dropped
    assert build(tmp_path) == [("dog", "animal"), ("rutabaga", "food")]
