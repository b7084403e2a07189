"""w2s-edu: weak-to-strong generalization experiments for a course, from a laptop CPU to GPUs.

    from w2s_edu import W2SConfig, run_w2s, plot_result
    result = run_w2s(W2SConfig.from_preset("quick"))
    print(result.table()); plot_result(result)

What a learner and a researcher use is named here (``dir(w2s_edu)`` lists it; each name is imported
on first use, so ``import w2s_edu`` stays fast). The packages, lowest layer first (a layer imports
only from layers below it; see README, "Architecture"):

* ``cache``, ``losses``, ``data``: the disk cache, the losses and their registry, shipped data;
* ``config``: :class:`W2SConfig`, one config object for an experiment, and its presets;
* ``tasks``: every task (offline statements, chess puzzles, the paper's datasets, reward pairs), splits;
* ``models``: every model name, parameter arithmetic, backbones, classifiers, features;
* ``scale``: memory arithmetic for large models;  ``train``: the one training loop, executors, accelerate;
* ``experiment``: the seed loop, ``run_w2s``, reward models, bootstrapping, metrics, results;
* ``report``: plots;  ``ui``: the widgets and the experiment panel;
* ``toys``: the small worlds of lessons 01, 02, 03, 06 and 09;  ``chess``: building the chess ladder;
* ``checks``: the exercise checkers;  ``cli``: the ``w2s-edu`` command;  ``devtools``: lesson building.
"""

from .exports import lazy_exports

__version__ = "0.1.0"

_API = {
    # configure
    "W2SConfig": "config", "PRESETS": "config",
    # run
    "run_w2s": "experiment.pipeline", "run_sweep": "experiment.pipeline", "run_reward_w2s": "experiment.reward",
    "run_bootstrap": "experiment.bootstrap", "format_bootstrap": "experiment.bootstrap",
    # results and metrics
    "W2SResult": "experiment.results", "pgr": "experiment.metrics", "accuracy": "experiment.metrics",
    "bootstrap_pgr_ci": "experiment.metrics", "summarize": "experiment.metrics",
    "plot_result": "report.plots", "save_result": "report.plots",
    # tasks
    "get_task": "tasks.registry", "list_tasks": "tasks.registry", "describe_tasks": "tasks.registry",
    "register_task": "tasks.registry", "split_task": "tasks.splits",
    # models
    "list_models": "models.registry", "resolve_model": "models.registry", "get_rung": "models.registry",
    # losses
    "LOSSES": "losses", "register_loss": "losses", "describe_losses": "losses",
    # notebooks
    "experiment_panel": "ui.panel",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _API)
