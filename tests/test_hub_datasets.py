"""The paper's hub datasets: real-schema rows -> balanced true/false tasks, no leak in any template,
local and hub loading, and the ``paper:`` tasks through the pipeline. No network anywhere."""

from __future__ import annotations

import collections
import math
import random
import warnings

import datasets
import pytest

from w2s_edu.tasks import paper as hub
from w2s_edu.tasks.leaks import answer_leak_score, answer_only_accuracy, format_leak_score, synthetic_rows
from w2s_edu.tasks.rows import SkippedRowsWarning
from w2s_edu.tasks.registry import describe_tasks, get_task, list_tasks
from w2s_edu.tasks.splits import straddling_groups

PAPER_NAMES = sorted(name.removeprefix("paper:") for name in list_tasks("paper"))

# --------------------------------------------------------------------------- rows in the hub schemas
# Each choice case: rows, then per row the correct answer and the wrong answers as they must appear
# at the end of the text (None: the item must be skipped).
CHOICE = {
    "sciq": ([
        {"question": "What type of organism is commonly used in preparation of foods such as cheese and yogurt?",
         "distractor3": "viruses", "distractor1": "protozoa", "distractor2": "gymnosperms",
         "correct_answer": "mesophilic organisms", "support": "Mesophiles grow best in moderate temperature."},
        {"question": "What phenomenon makes global winds blow northeast to southwest in the northern hemisphere?",
         "distractor3": "tropical effect", "distractor1": "muon effect", "distractor2": "centrifugal effect",
         "correct_answer": "coriolis effect", "support": ""},
    ], [("mesophilic organisms", ["viruses", "protozoa", "gymnosperms"]),
        ("coriolis effect", ["tropical effect", "muon effect", "centrifugal effect"])]),
    "cosmos_qa": ([
        {"id": "3Q9S##q1_a1", "context": "Good Old War and person L : I saw both of these bands Wednesday night .",
         "question": "In the future , will this person go to see other bands play ?",
         "answer0": "None of the above choices .", "answer1": "This person likes music and will see other bands play .",
         "answer2": "This person only likes Good Old War .", "answer3": "Other bands are not on tour .", "label": 1},
        {"id": "3E7T##q2_a1", "context": "I was so tired that I fell asleep on the couch .",
         "question": "Why did I sleep on the couch ?", "answer0": "I was tired .", "answer1": "The bed was broken .",
         "answer2": "The couch was new .", "answer3": "None of the above choices .", "label": 3},
    ], [("This person likes music and will see other bands play .",  # the generic phrase is never drawn
         ["This person only likes Good Old War .", "Other bands are not on tour ."]),
        None]),
    "dream": ([
        {"id": 0, "dialogue_id": "5-510",
         "dialogue": ["M: I am considering dropping my dancing class. I am not making any progress.",
                      "W: If I were you, I stick with it. It's definitely worth time and effort."],
         "question": "What does the man suggest the woman do?",
         "choice": ["Consult her dancing teacher.", "Take a more interesting class.", "Continue her dancing class."],
         "answer": "Continue her dancing class."},
        {"id": 1, "dialogue_id": "13-125", "dialogue": ["W: Is the bus late again?", "M: Yes, by twenty minutes."],
         "question": "How late is the bus?", "choice": ["Ten minutes.", "Twenty minutes.", "Thirty minutes."],
         "answer": "Twenty minutes."},
    ], [("Continue her dancing class.", ["Consult her dancing teacher.", "Take a more interesting class."]),
        ("Twenty minutes.", ["Ten minutes.", "Thirty minutes."])]),
    "hellaswag": ([
        {"ind": 4, "activity_label": "Removing ice from car",
         "ctx_a": "Then, the man writes over the snow covering the window of a car.", "ctx_b": "then",
         "ctx": "Then, the man writes over the snow covering the window of a car. then",
         "endings": [", the man adds wax to the windshield and cuts it.", ", a person boards a ski lift.",
                     ", the man puts on a christmas coat.", ", the man continues removing the snow on his car."],
         "source_id": "activitynet~v_-1IBHYS3L-Y", "split": "train", "split_type": "indomain", "label": "3"},
        {"ind": 9, "activity_label": "Baking cookies", "ctx_a": "A woman pours flour.", "ctx_b": "she",
         "ctx": "A woman pours flour. she", "endings": ["mixes it.", "sings.", "leaves.", "sleeps."],
         "source_id": "wikihow~1", "split": "test", "split_type": "indomain", "label": ""},
    ], [(", the man continues removing the snow on his car.",
         [", the man adds wax to the windshield and cuts it.", ", a person boards a ski lift.",
          ", the man puts on a christmas coat."]), None]),
    "openbookqa": ([
        {"id": "7-980", "question_stem": "The sun is responsible for",
         "choices": {"text": ["puppies learning new tricks", "children growing up and getting old",
                              "flowers wilting in a vase", "plants sprouting, blooming and wilting"],
                     "label": ["A", "B", "C", "D"]}, "answerKey": "D"},
        {"id": "7-584", "question_stem": "When standing miles away from Mount Rushmore",
         "choices": {"text": ["the mountains seem very close", "the mountains are boring",
                              "the mountains look the same as from up close", "the mountains seem smaller"],
                     "label": ["A", "B", "C", "D"]}, "answerKey": "D"},
    ], [("plants sprouting, blooming and wilting",
         ["puppies learning new tricks", "children growing up and getting old", "flowers wilting in a vase"]),
        ("the mountains seem smaller", ["the mountains seem very close", "the mountains are boring",
                                        "the mountains look the same as from up close"])]),
    "quail": ([
        {"id": "f001_0", "context_id": "f001", "question_id": "0", "domain": "fiction",
         "metadata": {"author": "Joseph Devon", "title": "Black Eyed Susan", "url": "http://example.org"},
         "context": "That fall came and I went back to Michigan and the school year went by.",
         "question": "What did the writer think of Mrs. Gaylord?", "question_type": "Subsequent_state",
         "answers": ["not enough information", "She was a bad cook", "She was very nice", "She was mean"],
         "correct_answer_id": 2},
        {"id": "f001_1", "context_id": "f001", "question_id": "1", "domain": "fiction",
         "metadata": {"author": "Joseph Devon", "title": "Black Eyed Susan", "url": "http://example.org"},
         "context": "That fall came and I went back to Michigan and the school year went by.",
         "question": "How old was the writer's sister?", "question_type": "Factual",
         "answers": ["ten", "twelve", "fifteen", "not enough information"], "correct_answer_id": 3},
    ], [("She was very nice", ["She was a bad cook", "She was mean"]), None]),
    "piqa": ([
        {"goal": "When boiling butter, when it's ready, you can", "sol1": "Pour it onto a plate",
         "sol2": "Pour it into a jar", "label": 1},
        {"goal": "To clean a sponge,", "sol1": "microwave it wet for a minute", "sol2": "microwave it dry for an hour",
         "label": 0},
    ], [("Pour it into a jar", ["Pour it onto a plate"]),
        ("microwave it wet for a minute", ["microwave it dry for an hour"])]),
    "quartz": ([
        {"id": "QRQA-10385-4", "question": "Will found that the closer he got to the fire, the _____ he felt.",
         "choices": {"text": ["warmer", "cooler"], "label": ["A", "B"]}, "answerKey": "A",
         "para": "The closer you are to a heat source, the warmer you feel.", "para_id": "QRSent-10385"},
        {"id": "QRQA-10116-1", "question": "A heavier truck needs _____ force to stop.",
         "choices": {"text": ["less", "more"], "label": ["A", "B"]}, "answerKey": "B",
         "para": "More massive objects need more force to stop.", "para_id": "QRSent-10116"},
    ], [("warmer", ["cooler"]), ("more", ["less"])]),
    "social_i_qa": ([
        {"context": "Cameron decided to have a barbecue and gathered her friends together.",
         "question": "How would Others feel as a result?", "answerA": "like attending",
         "answerB": "like staying home", "answerC": "a good friend to have", "label": "1"},
        {"context": "Tracy didn't go home that evening and resisted Riley's attacks.",
         "question": "What does Tracy need to do before this?", "answerA": "make a new plan",
         "answerB": "Go home and see Riley", "answerC": "Find somewhere to go", "label": "3"},
    ], [("like attending", ["like staying home", "a good friend to have"]),
        ("Find somewhere to go", ["make a new plan", "Go home and see Riley"])]),
}

# Each binary/candidates case: rows, and the expected 0/1 label of each row (None: skipped), which we
# find in the output by a substring that only that row's text contains.
BINARY = {
    "boolq": ([
        {"question": "do iran and afghanistan speak the same language", "answer": True,
         "passage": "Persian language -- Persian is spoken in Iran and Afghanistan."},
        {"question": "is elder scrolls online the same as skyrim", "answer": False,
         "passage": "The Elder Scrolls Online is a game set a millennium before Skyrim."},
        {"question": "is windows movie maker part of windows essentials", "answer": True,
         "passage": "Windows Movie Maker is a discontinued video editing program."},
    ], [1, 0, 1], lambda r: r["question"]),
    "amazon_polarity": ([
        {"label": 1, "title": "Stunning even for the non-gamer", "content": "This sound track was beautiful!"},
        {"label": 0, "title": "Buyer beware", "content": "This is a self-published book, and it shows."},
    ], [1, 0], lambda r: r["title"]),
    "ethics_justice": ([
        {"label": 1, "scenario": "I deserve to be paid by my boss because I keep her house clean daily."},
        {"label": 0, "scenario": "I deserve a brand new car from my boss because I keep her house clean daily."},
    ], [1, 0], lambda r: r["scenario"]),
    "ethics_deontology": ([
        {"label": 0, "scenario": "Aren't you supposed to be preparing for the meeting?",
         "excuse": "No because you don't have a meeting"},
        {"label": 1, "scenario": "Aren't you supposed to be preparing for the meeting?",
         "excuse": "No because I have everything already set up in the conference room."},
    ], [0, 1], lambda r: r["excuse"]),
    "ethics_virtue": ([
        {"label": 0, "scenario": "Jill wore a new style of distinctive clothes each six months. [SEP] discredit"},
        {"label": 1, "scenario": "Jill wore a new style of distinctive clothes each six months. [SEP] creative"},
    ], [0, 1], lambda r: "Trait: " + r["scenario"].split("[SEP] ")[1]),
    "anli_r2": ([
        {"uid": "a1", "premise": "The Parma trolleybus system forms part of the public transport network of Parma.",
         "hypothesis": "Parma has trolleybuses.", "label": 0, "reason": ""},
        {"uid": "a2", "premise": "Jet Airways was an Indian airline based in Mumbai.",
         "hypothesis": "Jet Airways flew only to Europe.", "label": 2, "reason": ""},
        {"uid": "a3", "premise": "Lawrence Kasdan is an American screenwriter.",
         "hypothesis": "Kasdan was born in Florida.", "label": 1, "reason": ""},
        {"uid": "a4", "premise": "Nasim Pedrad is an Iranian-born American actress.",
         "hypothesis": "Pedrad was born in Iran.", "label": 0, "reason": ""},
    ], [1, 0, 0, 1], lambda r: r["hypothesis"]),
    "cola": ([
        {"sentence": "Our friends won't buy this analysis, let alone the next one we propose.", "label": 1, "idx": 0},
        {"sentence": "They drank the pub.", "label": 0, "idx": 18},
        {"sentence": "Bill whistled past the house.", "label": -1, "idx": 3},  # GLUE test rows have no label
    ], [1, 0, None], lambda r: r["sentence"]),
    "sst2": ([
        {"idx": 0, "sentence": "hide new secretions from the parental units ", "label": 0},
        {"idx": 2, "sentence": "that loves its characters and communicates something rather beautiful ", "label": 1},
    ], [0, 1], lambda r: r["sentence"]),
    "mc_taco": ([
        {"sentence": "Ratners's chairman, Gerald Ratner, said the deal remains of substantial benefit.",
         "question": "How long did the chairman speak?", "answer": "30 minutes", "label": 1, "category": 1},
        {"sentence": "Ratners's chairman, Gerald Ratner, said the deal remains of substantial benefit.",
         "question": "How long did the chairman speak?", "answer": "30 years", "label": 0, "category": 1},
    ], [1, 0], lambda r: "Proposed answer: " + r["answer"] + "\n"),
    "paws": ([
        {"id": 1, "sentence1": "In Paris , in October 1560 , he secretly met the English ambassador .",
         "sentence2": "In October 1560 , he secretly met with the English ambassador in London .", "label": 0},
        {"id": 2,
         "sentence1": "The NBA season of 1975 -- 76 was the 30th season of the National Basketball Association .",
         "sentence2": "The 1975 -- 76 season of the National Basketball Association was the 30th season of the NBA .",
         "label": 1},
    ], [0, 1], lambda r: r["sentence1"]),
    "multirc": ([
        {"paragraph": "While this process moved along, diplomacy continued its rounds.",
         "question": "What did the high-level effort include?", "answer": "A visit by the President",
         "idx": {"paragraph": 0, "question": 0, "answer": 0}, "label": 1},
        {"paragraph": "While this process moved along, diplomacy continued its rounds.",
         "question": "What did the high-level effort include?", "answer": "Nothing at all",
         "idx": {"paragraph": 0, "question": 0, "answer": 1}, "label": 0},
    ], [1, 0], lambda r: "Proposed answer: " + r["answer"]),
    "wic": ([
        {"word": "place", "sentence1": "Do you want to come over to my place later?",
         "sentence2": "A political system with no place for the less prominent groups.", "start1": 31, "start2": 27,
         "end1": 36, "end2": 32, "idx": 0, "label": 0},
        {"word": "approach", "sentence1": "The approach to the city was lined with trees.",
         "sentence2": "We took the southern approach to the town.", "start1": 4, "start2": 21,
         "end1": 12, "end2": 29, "idx": 1, "label": 1},
    ], [0, 1], lambda r: r["sentence1"]),
    "twitter_sentiment": ([
        {"text": "@user I love this song so much", "label": 1},
        {"text": "worst day ever, missed the bus again", "label": 0},
    ], [1, 0], lambda r: r["text"]),
}

HH_ROWS = [
    {"chosen": "\n\nHuman: How do I make a cup of tea?\n\nAssistant: Boil water, pour it over a tea bag and "
               "let it steep for three to five minutes.",
     "rejected": "\n\nHuman: How do I make a cup of tea?\n\nAssistant: I don't know."},
    {"chosen": "\n\nHuman: What is the capital of France?\n\nAssistant: Paris.\n\nHuman: And of Italy?"
               "\n\nAssistant: Rome is the capital of Italy.",
     "rejected": "\n\nHuman: What is the capital of France?\n\nAssistant: Paris.\n\nHuman: And of Italy?"
                 "\n\nAssistant: Paris again."},
]
UTIL_ROWS = [
    {"baseline": "I forgot to wear my mask when I visited the pet store.",
     "less_pleasant": "I forgot to wear my mask when I visited the nursing home."},
    {"baseline": "I went for a walk and the sun came out.", "less_pleasant": "I went for a walk and it rained."},
]


def test_the_registry_covers_the_papers_datasets():
    expected = {"sciq", "boolq", "cosmos_qa", "amazon_polarity", "anthropic_hh", "dream", "ethics_justice",
                "ethics_deontology", "ethics_virtue", "ethics_utilitarianism", "anli_r2", "cola", "sst2", "hellaswag",
                "mc_taco", "openbookqa", "paws", "quail", "piqa", "quartz", "social_i_qa", "multirc", "wic",
                "twitter_sentiment"}
    assert set(PAPER_NAMES) == expected
    assert set(CHOICE) | set(BINARY) | {"anthropic_hh", "ethics_utilitarianism"} == expected  # every one tested
    for name, spec in ((n, hub.paper_dataset(n)) for n in expected):
        assert set(spec.splits) == {"train", "test"} and spec.hub_id.count("/") == 1, name
        assert describe_tasks("paper")[f"paper:{name}"].startswith(spec.hub_id)
    with pytest.raises(ValueError, match="available"):
        hub.paper_dataset("sciqq")


@pytest.mark.parametrize("name", PAPER_NAMES)
def test_test_rows_and_fake_rows_have_the_declared_hub_schema(name):
    """The schema we declare accepts the rows written here and the detector's fake rows."""
    spec = hub.paper_dataset(name)
    extra = {"anthropic_hh": HH_ROWS, "ethics_utilitarianism": UTIL_ROWS}
    rows = (CHOICE.get(name) or BINARY.get(name) or (extra[name],))[0]
    columns = list(spec.features)
    datasets.Dataset.from_list([{c: r[c] for c in columns} for r in rows], features=spec.features)
    datasets.Dataset.from_list(synthetic_rows(name, 5), features=spec.features)


def _check_output(ds: datasets.Dataset) -> None:
    assert ds.column_names == ["text", "label", "group"]
    assert all(isinstance(t, str) and t.strip() for t in ds["text"])
    counts = collections.Counter(ds["label"])
    assert set(counts) == {0, 1} and counts[0] == counts[1], counts


@pytest.mark.parametrize("name", sorted(CHOICE))
def test_choice_items_give_one_true_and_one_false_example_in_the_same_template(name):
    rows, answers = CHOICE[name]
    if name == "hellaswag":  # its second row is unlabelled (a test row): skipped, and counted in a warning
        with pytest.warns(SkippedRowsWarning, match="row 1 field 'label'"):
            ds = hub.format_rows(name, rows, seed=0)
    else:  # CosmosQA and QuAIL skip their generic-answer items by design, without a warning
        with warnings.catch_warnings():
            warnings.simplefilter("error", SkippedRowsWarning)
            ds = hub.format_rows(name, rows, seed=0)
    _check_output(ds)
    kept = [a for a in answers if a is not None]
    assert len(ds) == 2 * len(kept)  # skipped items give nothing
    by_group = collections.defaultdict(list)
    for text, label, group in zip(ds["text"], ds["label"], ds["group"]):
        by_group[group].append((label, text))
    assert len(by_group) == len(kept)
    for (correct, wrong), (group, pair) in zip(kept, sorted(by_group.items(), key=lambda kv: _row_of(kv[0], rows))):
        pair = dict(pair)
        assert set(pair) == {0, 1}
        assert pair[1].splitlines()[-1].endswith(": " + correct), (pair[1], correct)
        drawn = [w for w in wrong if pair[0].splitlines()[-1].endswith(": " + w)]
        assert len(drawn) == 1 and not pair[0].endswith(": " + correct)
        # Same template: swapping the answer turns the true text into the false one.
        assert pair[1][: -len(correct)] + drawn[0] == pair[0]


def _row_of(group: str, rows: list[dict]) -> int:
    """Order groups like the source rows (groups are ids or row numbers)."""
    key = group.split(":", 2)[2]
    for i, row in enumerate(rows):
        if key in (str(i), str(row.get("id")), f"{row.get('dialogue_id')}/{row.get('id')}", str(row.get("ind"))):
            return i
    raise AssertionError(f"group {group} matches no row")


def test_openbookqa_answers_are_text_for_true_and_false_alike():
    """The known bug: true examples answered with the letter, false ones with the text."""
    ds = hub.format_rows("openbookqa", CHOICE["openbookqa"][0], seed=0)
    answers = [t.splitlines()[-1].removeprefix("Answer: ") for t in ds["text"]]
    assert all(len(a) > 1 for a in answers) and not set(answers) & set("ABCD")


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_rows_keep_their_label_and_are_balanced(name):
    rows, labels, key = BINARY[name]
    if None in labels:  # unlabelled rows (GLUE test: -1) are skipped, and counted in one warning
        with pytest.warns(SkippedRowsWarning, match=f"{name} .split 'train'.: skipped 1 of {len(rows)}"):
            ds = hub.format_rows(name, rows, seed=0)
    else:
        ds = hub.format_rows(name, rows, seed=0)
    _check_output(ds)
    n_per_class = min(sum(y == c for y in labels if y is not None) for c in (0, 1))
    assert len(ds) == 2 * n_per_class
    for text, label in zip(ds["text"], ds["label"]):
        matches = [y for row, y in zip(rows, labels) if key(row) in text]
        assert len(matches) == 1, (text, name)
        assert matches[0] == label
    assert not any(key(row) in t for row, y in zip(rows, labels) if y is None for t in ds["text"])


def test_candidate_answers_of_one_question_share_a_group():
    for name in ("mc_taco", "multirc", "ethics_deontology", "ethics_virtue"):
        ds = hub.format_rows(name, BINARY[name][0], seed=0)
        assert len(set(ds["group"])) == 1 and len(ds) == 2, name


def test_utilitarianism_true_answer_names_the_baseline():
    ds = hub.format_rows("ethics_utilitarianism", UTIL_ROWS * 20, seed=3)
    _check_output(ds)
    positions = collections.Counter()
    for text, label in zip(ds["text"], ds["label"]):
        lines = text.splitlines()
        answer = lines[-1].removeprefix("Answer: ")
        baseline_at = next(line[0] for line in lines[1:3] if line[3:] in {r["baseline"] for r in UTIL_ROWS})
        assert (answer == baseline_at) == bool(label)
        positions[baseline_at] += 1
    assert positions["1"] > 0 and positions["2"] > 0  # the baseline is not always listed first


def test_anthropic_hh_pairs_show_both_orders_with_the_chosen_reply_labelled():
    ds = hub.format_rows("anthropic_hh", HH_ROWS, seed=0)
    _check_output(ds)
    chosen = "Response A: Rome is the capital of Italy.\n\nResponse B: Paris again."
    swapped = "Response A: Paris again.\n\nResponse B: Rome is the capital of Italy."
    by_text = dict(zip(ds["text"], ds["label"]))
    assert [y for t, y in by_text.items() if chosen in t] == [1]
    assert [y for t, y in by_text.items() if swapped in t] == [0]
    assert all(t.startswith("Human: ") for t in ds["text"])


@pytest.mark.parametrize("name", PAPER_NAMES)
def test_same_seed_same_dataset(name):
    rows = synthetic_rows(name, 60, seed=1)
    a, b = hub.format_rows(name, rows, seed=5), hub.format_rows(name, rows, seed=5)
    assert a.to_dict() == b.to_dict()
    assert hub.format_rows(name, rows, seed=6).to_dict() != a.to_dict()


@pytest.mark.parametrize("name", ["sciq", "dream", "hellaswag", "social_i_qa"])
def test_other_seeds_draw_other_wrong_answers(name):
    rows = synthetic_rows(name, 60, seed=1)
    false = []
    for seed in (0, 1):
        ds = hub.format_rows(name, rows, seed=seed)
        false.append({t for t, y in zip(ds["text"], ds["label"]) if y == 0})
    assert false[0] != false[1]


def test_one_example_per_item_keeps_groups_apart_and_balanced():
    ds = hub.format_rows("sciq", synthetic_rows("sciq", 101), per_item="one")
    assert len(ds) == 101 and len(set(ds["group"])) == 101
    assert abs(sum(ds["label"]) - 50.5) == 0.5
    with pytest.raises(ValueError, match="per_item"):
        hub.format_rows("sciq", synthetic_rows("sciq", 3), per_item="two")


def test_rows_of_the_wrong_schema_are_refused_with_the_columns_named():
    with pytest.raises(ValueError, match="correct_answer"):
        hub.format_rows("sciq", [{"question": "q", "answer": "a"}])


def test_straddling_groups_counts_examples_whose_item_is_in_another_part():
    parts = {"train": {"group": ["a", "b", "c"]}, "test": {"group": ["a", "d"]}}
    assert straddling_groups(parts) == {"train": 1, "test": 1}
    assert straddling_groups({"train": {"group": ["a"]}, "test": {"group": ["b"]}}) == {"train": 0, "test": 0}


# --------------------------------------------------------------------------- the leak detector
# Threshold: with random content a format-only classifier is a coin flip, so its held-out accuracy has
# standard deviation 0.5 / sqrt(n_test). We ask for n_test >= 400, so 0.6 is at least 4 standard
# deviations above chance (one-sided p < 4e-5 per dataset, < 1e-3 over all 24), while a real leak
# scores near 1.0 (below). The detector is deterministic for a seed, so this test cannot flake.
LEAK_THRESHOLD = 0.6
ANSWER_LEAK_THRESHOLD = 0.55


def _leak_n(name: str) -> int:
    spec = hub.paper_dataset(name)
    if spec.kind == "choice":
        return 500  # two examples per item; the group split gives the test half ~500 of them
    return 1500 if name == "anli_r2" else 1000  # ANLI is 1/3 entailment: balancing drops a third


@pytest.mark.parametrize("name", PAPER_NAMES)
def test_no_template_leaks_the_label(name):
    report = format_leak_score(name, n=_leak_n(name), seed=0)
    assert report.n_test >= 400, report
    assert LEAK_THRESHOLD >= 0.5 + 4 * report.chance_sd
    assert report.accuracy < LEAK_THRESHOLD, str(report)
    if hub.paper_dataset(name).kind != "choice":
        assert report.answer is None  # the label is a column: there is no pool of answers
        return
    assert report.answer.n_test >= 400
    # The answer alone does not give the label away either (no answer only right or only wrong). That
    # check needs no classifier, so it runs on more rows: 0.55 is then 4 chance standard deviations, and
    # the leaks it is for score 0.59 (QuAIL) and 0.62 (CosmosQA).
    answer = answer_leak_score(name, n=2000, seed=0)
    assert ANSWER_LEAK_THRESHOLD >= 0.5 + 4 * answer.chance_sd
    assert answer.accuracy < ANSWER_LEAK_THRESHOLD, str(answer)


# --------------------------------------------------------------------------- answer-only leaks
GENERIC = {"cosmos_qa": "None of the above choices .", "quail": "not enough information"}


def _old_choice_examples(name, rows, seed=0):
    """What the formatters before this check did: the right answer of every item kept (CosmosQA: except
    'None of the above'), the wrong one drawn from all the others, the generic phrase included."""
    rng, answers, labels, groups = random.Random(seed), [], [], []
    for i, row in enumerate(rows):
        if name == "cosmos_qa":
            options, at = [row[f"answer{k}"] for k in range(4)], row["label"]
            if options[at].startswith("None of the above choices"):
                continue
        else:
            options, at = row["answers"], row["correct_answer_id"]
        answers += [options[at], rng.choice([o for k, o in enumerate(options) if k != at])]
        labels += [1, 0]
        groups += [i, i]
    return answers, labels, groups


@pytest.mark.parametrize("name", sorted(GENERIC))
def test_the_fake_rows_offer_the_generic_answer_like_the_hub(name):
    rows = synthetic_rows(name, 2000, seed=0)
    options = [[r[f"answer{k}"] for k in range(4)] if name == "cosmos_qa" else r["answers"] for r in rows]
    right = [o[r["label" if name == "cosmos_qa" else "correct_answer_id"]] for o, r in zip(options, rows)]
    offered = sum(GENERIC[name] in o for o in options) / len(rows)
    is_right = sum(a == GENERIC[name] for a in right) / len(rows)
    assert (0.6 < offered < 0.8 and 0.05 < is_right < 0.12) if name == "cosmos_qa" else (
        offered == 1 and 0.08 < is_right < 0.14), (offered, is_right)


@pytest.mark.parametrize("name", sorted(GENERIC))
def test_the_answer_only_check_catches_a_generic_phrase_drawn_only_as_a_wrong_answer(name):
    rows = synthetic_rows(name, 1000, seed=0)
    old = answer_only_accuracy(*_old_choice_examples(name, rows), seed=0)
    assert old[0] > 0.57 and old[2] >= 900, old[:3]  # on the hub's validation sets: 0.62 and 0.59
    assert old[3][0][0] == GENERIC[name].lower().rstrip(" .")  # the most one-sided recurring answer
    new = answer_leak_score(name, n=1000, seed=0)
    assert 0.47 < new.accuracy < 0.53, str(new)
    ds = hub.format_rows(name, rows, seed=0)
    assert not any(GENERIC[name] in t for t in ds["text"])  # the phrase is neither right nor wrong
    assert len(ds) < 2 * len(rows)  # its items are dropped


def test_the_answer_only_check_reads_real_rows():
    """rows= is the dataset's own answer pool: an answer that is always right is caught there."""
    rng = random.Random(0)
    rows = [{**row, "correct_answer": "oxygen" if rng.random() < 0.3 else row["correct_answer"]}
            for row in synthetic_rows("sciq", 600, seed=1)]
    report = format_leak_score("sciq", n=600, seed=0, rows=rows)
    top = report.answer.one_sided[0]  # (answer, times true, times false) in the training half
    assert report.answer.accuracy > 0.6 and top[0] == "oxygen" and top[1] > 50 and top[2] == 0, str(report)
    assert report.accuracy < LEAK_THRESHOLD  # the template check still runs on fake rows
    assert answer_leak_score("sciq", n=600, seed=0).accuracy < 0.55


def _letters_for_true(row, answer):
    """The known OpenBookQA bug: the answer letter for the true example, the text for false ones."""
    labels, texts = row["choices"]["label"], row["choices"]["text"]
    correct = texts[labels.index(row["answerKey"])]
    return hub.paper_dataset("openbookqa").render(row, row["answerKey"] if answer == correct else answer)


def test_the_detector_catches_the_letters_versus_text_leak():
    report = format_leak_score("openbookqa", n=450, seed=0, render=_letters_for_true)
    assert report.accuracy > 0.9 and report.z > 10, str(report)


def test_the_detector_catches_a_one_character_leak():
    def period_if_true(row, answer):
        return f"Q: {row['question']}\nA: {answer}" + ("." if answer == row["correct_answer"] else "")

    assert format_leak_score("sciq", n=450, seed=0, render=period_if_true).accuracy > 0.9


# --------------------------------------------------------------------------- loading

def test_load_from_rows_and_from_a_saved_copy_agree(tmp_path):
    rows = synthetic_rows("sciq", 40)
    datasets.Dataset.from_list(rows).save_to_disk(str(tmp_path / "sciq"))
    from_rows = hub.load_paper_task("sciq", rows=rows, seed=2)
    from_disk = hub.load_paper_task("sciq", path=str(tmp_path / "sciq"), seed=2)
    assert from_rows.to_dict() == from_disk.to_dict() and len(from_rows) == 80
    assert hub.load_paper_task("sciq", rows=datasets.Dataset.from_list(rows), seed=2).to_dict() == from_rows.to_dict()


def test_a_saved_dataset_dict_maps_train_and_test_to_the_hub_split_names(tmp_path):
    train, val = synthetic_rows("boolq", 30, seed=0), synthetic_rows("boolq", 20, seed=1)
    datasets.DatasetDict({"train": datasets.Dataset.from_list(train),
                          "validation": datasets.Dataset.from_list(val)}).save_to_disk(str(tmp_path / "boolq"))
    test = hub.load_paper_task("boolq", split="test", path=str(tmp_path / "boolq"))
    assert test.to_dict() == hub.load_paper_task("boolq", split="test", rows=val).to_dict()
    assert set(test["group"]) <= {f"boolq:test:{i}" for i in range(20)}
    task = get_task(f"paper:boolq@{tmp_path / 'boolq'}", split="test")
    assert task.to_dict() == test.to_dict()
    with pytest.raises(ValueError, match="split must be"):
        hub.load_paper_task("boolq", split="validation", rows=val)


@pytest.mark.parametrize("name, hub_keys", [("mc_taco", ("validation", "test")), ("boolq", ("train", "validation")),
                                             ("cosmos_qa", ("train", "validation", "test"))])
def test_a_saved_folder_with_train_and_test_gives_each_its_own_rows(tmp_path, name, hub_keys):
    """train/test folders are read by name; a copy of the hub (it has every hub split) through the mapping."""
    train, test = synthetic_rows(name, 30, seed=0), synthetic_rows(name, 20, seed=1)
    datasets.DatasetDict({"train": datasets.Dataset.from_list(train),
                          "test": datasets.Dataset.from_list(test)}).save_to_disk(str(tmp_path / "mine"))
    for split, rows in (("train", train), ("test", test)):
        got = hub.load_paper_task(name, split=split, path=str(tmp_path / "mine"))
        assert got.to_dict() == hub.load_paper_task(name, split=split, rows=rows).to_dict(), split
    parts = [synthetic_rows(name, 10 + 5 * k, seed=k) for k in range(len(hub_keys))]
    datasets.DatasetDict({key: datasets.Dataset.from_list(rows) for key, rows in zip(hub_keys, parts)}).save_to_disk(
        str(tmp_path / "hub"))
    for split in ("train", "test"):
        rows = parts[hub_keys.index(hub.paper_dataset(name).splits[split])]
        got = hub.load_paper_task(name, split=split, path=str(tmp_path / "hub"))
        assert got.to_dict() == hub.load_paper_task(name, split=split, rows=rows).to_dict(), split


def test_max_items_draws_the_same_items_for_a_seed():
    rows = synthetic_rows("piqa", 50)
    a = hub.load_paper_task("piqa", rows=rows, max_items=10, seed=1)
    assert len(a) == 20 and a.to_dict() == hub.load_paper_task("piqa", rows=rows, max_items=10, seed=1).to_dict()


def test_the_hub_path_without_internet_says_what_to_do(monkeypatch):
    calls = []

    def offline(*args, **kwargs):
        calls.append((args, kwargs))
        raise ConnectionError("Couldn't reach 'allenai/sciq' on the Hub (LocalEntryNotFoundError)")

    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(RuntimeError) as err:
        hub.load_paper_task("sciq")
    message = str(err.value)
    for part in ("allenai/sciq", "internet", "save_to_disk", "paper:sciq@", "rows="):
        assert part in message, part
    assert calls == [(("allenai/sciq",), {"split": "train", "revision": None})]
    with pytest.raises(RuntimeError, match="internet"):
        get_task("paper:sciq")


def test_a_repository_with_a_loading_script_is_retried_on_its_parquet_branch(monkeypatch):
    rows = synthetic_rows("piqa", 8)
    calls = []

    def hub_load(*args, split=None, revision=None):
        calls.append((args, split, revision))
        if revision is None:
            raise RuntimeError("Dataset scripts are no longer supported, but found piqa.py")
        return datasets.Dataset.from_list(rows)

    monkeypatch.setattr(datasets, "load_dataset", hub_load)
    ds = hub.load_paper_task("piqa", split="test")
    assert calls == [(("ybisk/piqa",), "validation", None), (("ybisk/piqa",), "validation", "refs/convert/parquet")]
    assert ds.to_dict() == hub.load_paper_task("piqa", split="test", rows=rows).to_dict()


def test_a_config_is_passed_to_the_hub(monkeypatch):
    seen = []
    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **k: seen.append(a) or datasets.Dataset.from_list(
        synthetic_rows("wic", 6)))
    hub.load_paper_task("wic")
    assert seen == [("aps/super_glue", "wic")]


# --------------------------------------------------------------------------- through the pipeline

def test_a_paper_task_flows_through_the_pipeline_unchanged(tmp_path):
    from w2s_edu.config import W2SConfig
    from w2s_edu.experiment.pipeline import run_w2s
    from w2s_edu.tasks.splits import split_task

    datasets.Dataset.from_list(synthetic_rows("sciq", 90)).save_to_disk(str(tmp_path / "sciq"))
    task = f"paper:sciq@{tmp_path / 'sciq'}"
    ds = get_task(task)
    assert ds.column_names == ["text", "label", "group"] and len(ds) == 180
    parts = split_task(ds, 48, 48, 48, seed=0)
    assert sum(straddling_groups(parts).values()) > 0  # row splits do separate items (documented risk)
    result = run_w2s(W2SConfig(task=task, weak="minilm-l1", strong="minilm-l2", mode="probe", seeds=[0],
                               n_train_weak=48, n_train_strong=48, n_test=48, show_progress=False))
    accs = [result.weak_acc[0], result.ceiling_acc[0], result.w2s_acc["xent"][0]]
    assert all(math.isfinite(a) and 0 <= a <= 1 for a in accs)
