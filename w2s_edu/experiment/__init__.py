"""Experiments: the seed loop and everything that runs through it, with the metrics and the result.

* :mod:`.seeds`: one split per seed, every text once, and the one seed loop;
* :mod:`.roles`: how one model trains (:class:`ModelRole`) and the cached unit of work
  (:func:`train_and_predict`);
* :mod:`.steps`: :func:`run_roles`, the experiment's models for every seed as jobs of an executor, and
  the per-seed metrics;
* :mod:`.pipeline`: :func:`run_w2s` (weak -> weak labels -> student, beside the ceiling; every task) and
  :func:`run_sweep`;
* :mod:`.reward`: the same steps on pairs (Bradley-Terry reward models), which ``run_w2s`` runs for a
  ``reward:`` task;
* :mod:`.bootstrap`: chains of ever stronger supervisors;
* :mod:`.metrics`: accuracy, AUROC, PGR, agreement, bootstrap intervals;
* :mod:`.results`: :class:`W2SResult` and ``results.json``.

A new kind of experiment is a function that prepares its data with :func:`prepare_seeds`, builds its
roles, and runs its per-seed work through :func:`seed_loop`.
"""

from ..exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "format_bootstrap": "bootstrap", "run_bootstrap": "bootstrap",
    "PGRUndefinedWarning": "metrics", "accuracy": "metrics", "agreement_by_supervisor": "metrics",
    "auroc": "metrics", "bootstrap_pgr_ci": "metrics", "pgr": "metrics", "summarize": "metrics",
    "run_roles": "steps", "run_sweep": "pipeline", "run_w2s": "pipeline",
    "W2SResult": "results", "run_reward_w2s": "reward", "ModelRole": "roles", "train_and_predict": "roles",
    "prepare_seeds": "seeds", "seed_loop": "seeds",
})
