"""Rebuild ``w2s_edu/data/wordnet_categories.tsv.gz`` from a WordNet 3.0 database.

    apt-get install wordnet-base          # Debian/Ubuntu: the database lands in /usr/share/wordnet
    python -m w2s_edu.devtools.build_wordnet_data [--wordnet /usr/share/wordnet]

The shipped file lists common, unambiguous English nouns with their WordNet category (the
"lexicographer file" of its senses): a noun qualifies when it is one lowercase word, not a proper
name (capitalised in WordNet), and its most frequent sense's category holds at least half of its
noun senses. Each category keeps at most 1,200 nouns, the most common (by SemCor sense-tag counts)
first. WordNet 3.0 Copyright 2006 by Princeton University; the
license travels with the data in ``w2s_edu/data/WORDNET_LICENSE``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import re
from pathlib import Path

# WordNet's fixed lexicographer-file numbers for nouns -> the category word used in statements.
CATEGORIES = {
    4: "activity", 5: "animal", 6: "man-made object", 8: "body part", 12: "feeling", 13: "food",
    15: "place", 18: "person", 20: "plant", 27: "substance",
}
WORD = re.compile(r"[a-z]{3,}")
PER_CATEGORY = 1200  # common words (tagged in SemCor) first, then a fixed arbitrary order
OUT = Path(__file__).resolve().parents[1] / "data" / "wordnet_categories.tsv.gz"


def build(wordnet: Path, per_category: int = PER_CATEGORY) -> list[tuple[str, str]]:
    lex_of_offset, capitalised = {}, set()
    for line in (wordnet / "data.noun").read_text(errors="replace").splitlines():
        if line.startswith("  "):
            continue  # license header
        # offset lex_filenum ss_type w_cnt(hex) word lex_id [word lex_id...] ...
        parts = line.split(" ")
        lex_of_offset[parts[0]] = int(parts[1])
        words = parts[4:4 + 2 * int(parts[3], 16):2]
        capitalised.update((parts[0], w.lower()) for w in words if w != w.lower())
    candidates: dict[str, list[tuple[int, str, str]]] = {c: [] for c in CATEGORIES.values()}
    for line in (wordnet / "index.noun").read_text(errors="replace").splitlines():
        if line.startswith("  "):
            continue
        # lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
        parts = line.split()
        lemma, n_senses, n_ptrs = parts[0], int(parts[2]), int(parts[3])
        tagged = int(parts[5 + n_ptrs])
        lexfiles = [lex_of_offset[o] for o in parts[6 + n_ptrs:6 + n_ptrs + n_senses]]
        first = lexfiles[0]  # senses are listed most frequent first
        proper = (parts[6 + n_ptrs], lemma) in capitalised  # "Russia", "Dendrocolaptidae"
        if WORD.fullmatch(lemma) and not proper and first in CATEGORIES and lexfiles.count(first) * 2 >= len(lexfiles):
            rank = hashlib.sha256(lemma.encode()).hexdigest()  # a fixed, arbitrary order
            candidates[CATEGORIES[first]].append((-tagged, rank, lemma))
    rows = []
    for category, words in candidates.items():
        rows += [(lemma, category) for _, _, lemma in sorted(words)[:per_category]]
    return sorted(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wordnet", default="/usr/share/wordnet", type=Path)
    args = parser.parse_args()
    rows = build(args.wordnet)
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as f:  # mtime varies; content does not
        f.write("word\tcategory\n")
        f.writelines(f"{w}\t{c}\n" for w, c in rows)
    counts = {}
    for _, c in rows:
        counts[c] = counts.get(c, 0) + 1
    print(f"wrote {len(rows)} nouns to {OUT}: {counts}")


if __name__ == "__main__":
    main()
