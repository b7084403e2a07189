"""Malformed source rows of the paper's datasets: each is a clear error naming the dataset, split, row and
field, or is skipped and counted in one warning; never a silently wrong label. No network anywhere.

Every case corrupts row 2 of 40 rows in the hub schema (:func:`w2s_edu.tasks.leaks.synthetic_rows`: the real
columns and types, random words as content) in one way, then formats them.
"""

from __future__ import annotations

import warnings

import pytest

from w2s_edu.tasks import paper as hub
from w2s_edu.tasks.leaks import synthetic_rows
from w2s_edu.tasks.pairs import hh_pairs
from w2s_edu.tasks.rows import MalformedRowError, SkippedRowsWarning

N_ROWS, BAD = 40, 2
ERROR, SKIP = "error", "skip"


# A corruption changes the row in place, or returns what replaces it.
def _set(**values):
    return lambda row: row.update(values)


def _drop(column):
    return lambda row: row.__delitem__(column)


def _set_in(column, key, value):
    return lambda row: row[column].__setitem__(key, value)


def _unparsable_hh(row):
    row["rejected"] = "\n\nHuman: something else entirely\n\nAssistant: no"


# (dataset, split, field, corruption, what the user gets)
CASES = [
    ("boolq", "train", "answer", _set(answer="True"), ERROR),  # bool("False") is True: every label was 1
    ("boolq", "test", "answer", _set(answer="False"), ERROR),
    ("boolq", "train", "answer", _set(answer=None), SKIP),
    ("social_i_qa", "train", "label", _set(label="0"), ERROR),  # hub labels are "1".."3"; "0" picked answerC
    ("social_i_qa", "test", "label", _set(label=2), ERROR),  # an int where the hub has a string
    ("social_i_qa", "train", "answerB", _set(answerB=None), SKIP),
    ("sciq", "train", "correct_answer", _set(correct_answer=None), SKIP),  # was "A: None", true
    ("sciq", "test", "correct_answer", _set(correct_answer="   "), SKIP),
    ("sciq", "train", "distractor2", _drop("distractor2"), ERROR),  # a column missing from a later row: KeyError
    ("cosmos_qa", "train", "label", _set(label=7), ERROR),  # was KeyError 'answer7'
    ("cosmos_qa", "train", "label", _set(label="2"), ERROR),
    ("cosmos_qa", "test", "label", _set(label=-1), SKIP),  # the hub's "no label"
    ("quail", "train", "correct_answer_id", _set(correct_answer_id=4), ERROR),  # was IndexError
    ("quail", "train", "answers", _set(answers="not a list"), ERROR),
    ("hellaswag", "train", "label", _set(label="9"), ERROR),  # was IndexError
    ("hellaswag", "test", "label", _set(label=""), SKIP),
    ("hellaswag", "train", "endings", _set(endings=None), SKIP),
    ("openbookqa", "train", "answerKey", _set(answerKey="E"), ERROR),  # was ValueError: 'E' is not in list
    ("quartz", "train", "choices", _set_in("choices", "label", ["A"]), ERROR),
    ("piqa", "train", "label", _set(label=2), ERROR),
    ("piqa", "test", "label", _set(label=None), SKIP),  # was TypeError: int(None)
    ("dream", "train", "answer", _set(answer="nothing of the kind"), ERROR),
    ("dream", "train", "choice[1]", _set_in("choice", 1, None), SKIP),
    ("dream", "test", "dialogue", _set(dialogue="M: one string, not a list"), ERROR),
    ("anthropic_hh", "train", "rejected", _unparsable_hh, SKIP),  # was skipped without a word
    ("anthropic_hh", "train", "chosen", _set(chosen=5), ERROR),
    ("ethics_utilitarianism", "train", "less_pleasant", lambda r: r.update(less_pleasant=r["baseline"]), SKIP),
    ("ethics_virtue", "train", "scenario", _set(scenario="a scenario without its trait"), ERROR),
    ("ethics_justice", "test", "label", _set(label=2), ERROR),
    ("anli_r2", "train", "label", _set(label=5), ERROR),
    ("cola", "train", "label", _set(label=-1), SKIP),
    ("mc_taco", "train", "label", _set(label="yes"), ERROR),
    ("multirc", "train", "idx.question", lambda r: r["idx"].__delitem__("question"), ERROR),
    ("wic", "test", "label", _set(label=True), ERROR),
    ("twitter_sentiment", "train", "label", _set(label=2), ERROR),
    ("paws", "train", "id", _set(id="x7"), ERROR),
    ("amazon_polarity", "train", "content", _set(content=None), SKIP),
    ("sst2", "train", "(row)", lambda r: ["not", "a", "dict"], ERROR),
]


def _rows(name, corrupt):
    rows = synthetic_rows(name, N_ROWS, seed=7)
    replaced = corrupt(rows[BAD])
    if replaced is not None:
        rows[BAD] = replaced
    return rows


def _n_examples(name, rows, split):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkippedRowsWarning)
        return len(hub.format_rows(name, rows, split=split))


def test_the_table_covers_enough_cases_and_datasets():
    assert len(CASES) >= 15 and len({c[0] for c in CASES}) >= 15
    assert {c[4] for c in CASES} == {ERROR, SKIP}


@pytest.mark.parametrize("name, split, field, corrupt, outcome", CASES,
                         ids=[f"{c[0]}-{c[2]}-{c[4]}-{k}" for k, c in enumerate(CASES)])
def test_a_malformed_row_is_named_or_skipped_with_one_warning(name, split, field, corrupt, outcome):
    rows = _rows(name, corrupt)
    where = f"{name} (split {split!r})"
    if outcome == ERROR:
        with pytest.raises(MalformedRowError) as err:
            hub.format_rows(name, rows, split=split)
        assert isinstance(err.value, ValueError)
        assert (err.value.dataset, err.value.split, err.value.row, err.value.field) == (name, split, BAD, field)
        assert str(err.value).startswith(f"{where}, row {BAD}, field {field!r}: "), str(err.value)
        return
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        ds = hub.format_rows(name, rows, split=split)
    skipped = [w for w in record if issubclass(w.category, SkippedRowsWarning)]
    assert len(skipped) == 1, [str(w.message) for w in record]
    message = str(skipped[0].message)
    assert message.startswith(f"{where}: skipped 1 of {N_ROWS} row(s)"), message
    assert f"row {BAD} field {field!r}" in message, message
    assert len(ds) == _n_examples(name, rows[:BAD] + rows[BAD + 1:], split)  # the row gave nothing


def test_many_skipped_rows_give_one_warning_that_counts_them():
    rows = synthetic_rows("sciq", N_ROWS, seed=7)
    for i in (3, 9, 11):
        rows[i]["distractor1" if i == 9 else "correct_answer"] = None
    with pytest.warns(SkippedRowsWarning) as record:
        ds = hub.format_rows("sciq", rows, split="test")
    assert len(record) == 1 and len(ds) == 2 * (N_ROWS - 3)
    message = str(record[0].message)
    assert "skipped 3 of 40" in message and "3 x missing value" in message
    assert "row 3 field 'correct_answer', row 9 field 'distractor1', row 11 field 'correct_answer'" in message


def test_a_dream_answer_with_a_trailing_space_is_still_the_right_answer():
    rows = synthetic_rows("dream", N_ROWS, seed=7)
    right = rows[BAD]["answer"]
    rows[BAD]["answer"] = right + " "  # the hub's answer and its choice differ by whitespace
    ds = hub.format_rows("dream", rows)
    mine = [(t, y) for t, y in zip(ds["text"], ds["label"]) if t.startswith("Dialogue:\n" + rows[BAD]["dialogue"][0])
            and rows[BAD]["question"] in t]
    assert sorted(y for _, y in mine) == [0, 1]
    assert [y for t, y in mine if t.endswith("Answer: " + right)] == [1]  # never emitted as a false example


def test_string_booleans_never_become_true_labels():
    rows = [{**row, "answer": str(row["answer"])} for row in synthetic_rows("boolq", N_ROWS, seed=7)]
    with pytest.raises(MalformedRowError, match=r"boolq \(split 'train'\), row 0, field 'answer': .*'(True|False)'"):
        hub.format_rows("boolq", rows)


@pytest.mark.parametrize("name, corrupt, says", [
    ("boolq", lambda row: row.update(answer=True), "give 40 true and 0 false"),
    ("hellaswag", lambda row: row.update(label=""), "40 x no label"),
    ("cola", lambda row: row.update(label=-1), "0 true and 0 false"),
])
def test_a_split_without_one_class_says_so(name, corrupt, says):
    rows = synthetic_rows(name, N_ROWS, seed=7)
    for row in rows:
        corrupt(row)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkippedRowsWarning)
        with pytest.raises(ValueError, match="a task needs both classes") as err:
            hub.format_rows(name, rows, split="test")
    assert f"{name} (split 'test')" in str(err.value) and says in str(err.value), str(err.value)


def test_reward_pairs_read_the_hh_rows_as_strictly():
    rows = synthetic_rows("anthropic_hh", N_ROWS, seed=7)
    rows[5] = {**rows[5], "rejected": rows[5]["chosen"]}  # the same reply twice
    _unparsable_hh(rows[BAD])
    with pytest.warns(SkippedRowsWarning) as record:
        pairs = hh_pairs(rows, split="test")
    assert len(record) == 1 and len(pairs) == N_ROWS - 2
    message = str(record[0].message)
    assert message.startswith("anthropic_hh (split 'test'): skipped 2 of 40") and "row 2 field 'rejected'" in message
    rows[7] = {"chosen": rows[7]["chosen"]}  # a column missing from a later row
    with pytest.raises(MalformedRowError, match=r"anthropic_hh \(split 'test'\), row 7, field 'rejected'"):
        hh_pairs(rows, split="test")
