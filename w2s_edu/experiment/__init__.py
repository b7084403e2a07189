"""Experiments: the seed loop and everything that runs through it, with the metrics and the result.

* :mod:`.seeds`: one split per seed, every text once, and the one seed loop;
* :mod:`.roles`: how one model trains (:class:`ModelRole`) and the cached unit of work
  (:func:`train_and_predict`);
* :mod:`.pipeline`: :func:`run_w2s` (weak -> weak labels -> student, beside the ceiling) and :func:`run_sweep`;
* :mod:`.reward`: the same experiment on pairs (Bradley-Terry reward models);
* :mod:`.bootstrap`: chains of ever stronger supervisors;
* :mod:`.metrics`: accuracy, AUROC, PGR, agreement, bootstrap intervals;
* :mod:`.results`: :class:`W2SResult` and ``results.json``.

A new kind of experiment is a function that prepares its data with :func:`prepare_seeds`, builds its
roles, and runs its per-seed work through :func:`seed_loop`.
"""

from .bootstrap import format_bootstrap, run_bootstrap
from .metrics import PGRUndefinedWarning, accuracy, agreement_by_supervisor, auroc, bootstrap_pgr_ci, pgr, summarize
from .pipeline import run_roles, run_sweep, run_w2s
from .results import W2SResult
from .reward import run_reward_w2s
from .roles import ModelRole, train_and_predict
from .seeds import prepare_seeds, seed_loop

__all__ = [
    "ModelRole", "PGRUndefinedWarning", "W2SResult", "accuracy", "agreement_by_supervisor", "auroc",
    "bootstrap_pgr_ci", "format_bootstrap", "pgr", "prepare_seeds", "run_bootstrap", "run_reward_w2s", "run_roles",
    "run_sweep", "run_w2s", "seed_loop", "summarize", "train_and_predict",
]
