"""The experiment panel: one widget that runs weak-to-strong experiments live (lessons 03-05).

``experiment_panel()`` shows controls for the task, the two models, the losses, the aux coefficient,
the training size, the number of seeds and the mode, a Run button, a progress bar and a status line
while it trains, then a table of every run so far and a plot of the latest one.

Built for a projector in a workshop:

* the Run button is disabled while a run trains, so double clicks do not queue a second run;
* the progress bar and the status line move with every model the pipeline trains, and the status
  line says how long the run has taken;
* every error is caught and shown in the panel with its traceback, and the button comes back;
* a setting that already ran comes back at once (:func:`w2s_edu.experiment.memo.remembered` keeps
  finished results in memory; the pipeline's disk cache keeps every trained model).

The run happens in the kernel's main thread (the kernel is busy while it trains, as with any
cell); widget updates still reach the browser during the run.
"""

from __future__ import annotations

import html
import time
import warnings
from typing import Callable

from ..config import MODES, W2SConfig
from ..experiment.memo import remembered
from ..experiment.metrics import PGRUndefinedWarning, summarize
from ..experiment.results import W2SResult
from ..losses import LOSSES, loss_option
from ..models.registry import OFFLINE_LADDER
from ..report.plots import plot_result
from ..tasks.registry import OFFLINE_KINDS, OFFLINE_PAIR_TASKS, list_tasks
from .widgets import error_output, figure_output

SIZES = (64, 250, 500, 1000, 1500, 3000)
AUX = loss_option("aux_coef")  # the slider spans the range the registry allows


def _config_from(base: W2SConfig, values: dict) -> W2SConfig:
    n = int(values["n_train"])
    return base.replace(task=values["task"], weak=values["weak"], strong=values["strong"],
                        losses=list(values["losses"]), aux_coef=float(values["aux_coef"]),
                        n_train_weak=n, n_train_strong=n, seeds=_seeds(base.seeds, int(values["seeds"])),
                        mode=values["mode"], show_progress=False)


def _seeds(start: list[int], count: int) -> list[int]:
    """The starting config's seeds while the slider shows their number, else seeds 0..count-1."""
    return list(start) if count == len(start) else list(range(count))


def _row(cfg: W2SConfig, result: W2SResult, seconds: float) -> str:
    cells = [cfg.task, f"{cfg.weak} &rarr; {cfg.strong}", cfg.mode, str(cfg.n_train_strong), str(len(cfg.seeds))]
    weak, ceiling = summarize(result.weak_acc), summarize(result.ceiling_acc)
    rows = []
    for loss in cfg.losses:
        s, p = summarize(result.w2s_acc[loss]), result.pgr[loss]
        coef = f" ({cfg.aux_coef:g})" if loss == "logconf" else ""
        ci = f" [{_f(p['ci'][0])}, {_f(p['ci'][1])}]"
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells + [
            f"{loss}{coef}", _ms(weak), _ms(s), _ms(ceiling), f"{_f(p['mean'])}{ci}", f"{seconds:.1f} s"]) + "</tr>")
    return "".join(rows)


def _f(x) -> str:
    return "n/a" if x is None or x != x else f"{x:.2f}"


def _ms(s: dict) -> str:
    return f"{s['mean']:.3f} &plusmn; {s['std']:.3f}"


HEADER = ("<tr>" + "".join(f"<th>{h}</th>" for h in (
    "task", "weak &rarr; strong", "mode", "n train", "seeds", "loss", "weak", "strong on weak", "ceiling",
    "PGR [95% CI]", "time")) + "</tr>")


def experiment_panel(preset: str = "quick", run: Callable[..., W2SResult] | None = None, **overrides):
    """Build the panel. ``preset`` and ``overrides`` give the starting config (any W2SConfig field);
    ``run`` replaces :func:`w2s_edu.experiment.pipeline.run_w2s` (tests pass a fake). Returns a VBox with
    ``.controls`` (name -> widget), ``.button``, ``.progress``, ``.status``, ``.table``, ``.output``,
    ``.history`` (one dict per finished run) and ``.run()`` (what the button does)."""
    try:
        import ipywidgets as w
    except ImportError as err:
        raise ImportError("the experiment panel needs ipywidgets: pip install ipywidgets (or the package's `lab` "
                          "extra); without it, call w2s_edu.run_w2s(...) directly") from err
    import matplotlib.pyplot as plt

    if run is None:
        from ..experiment.pipeline import run_w2s as run
    base = W2SConfig.from_preset(preset, **overrides)
    models = list(OFFLINE_LADDER)
    tasks = list_tasks(OFFLINE_KINDS) + list(OFFLINE_PAIR_TASKS)  # pairs train reward models (run_w2s)
    for name, value, options in (("task", base.task, tasks), ("weak", base.weak, models),
                                 ("strong", base.strong, models)):
        if value not in options:  # a hub id or folder given as an override: offer it too
            options.append(value)
    sizes = sorted(set(SIZES) | {base.n_train_strong})
    style = {"description_width": "110px"}
    controls = {
        "task": w.Dropdown(options=tasks, value=base.task, description="task", style=style),
        "weak": w.Dropdown(options=models, value=base.weak, description="weak model", style=style),
        "strong": w.Dropdown(options=models, value=base.strong, description="strong model", style=style),
        "mode": w.ToggleButtons(options=list(MODES), value=base.mode, description="strong mode", style=style),
        "losses": w.SelectMultiple(options=list(LOSSES), value=tuple(base.losses), rows=3, description="losses",
                                   style=style),
        "aux_coef": w.FloatSlider(value=base.aux_coef, min=AUX.low, max=AUX.high, step=0.05, description="aux coef",
                                  style=style),
        "n_train": w.Dropdown(options=sizes, value=base.n_train_strong, description="train size", style=style),
        # the sliders' ranges always hold the starting config (a slider would silently clamp it otherwise)
        "seeds": w.IntSlider(value=len(base.seeds), min=1, max=max(5, len(base.seeds)), description="seeds",
                             style=style),
    }
    button = w.Button(description="Run", button_style="primary", icon="play")
    progress = w.IntProgress(value=0, min=0, max=1, description="progress", style=style)
    status = w.HTML(value="Pick a setting and press <b>Run</b>.")
    table = w.HTML(value="")
    output = w.Output()
    history: list[dict] = []

    def on_progress(done: int, total: int, what: str) -> None:
        progress.max, progress.value = total, done
        status.value = f"Training {done + 1 if done < total else done}/{total}: {html.escape(what)} " \
                       f"({time.time() - started[0]:.0f} s so far)"

    started = [0.0]

    def run_once(*_):
        if button.disabled:  # a run is in progress
            return
        button.disabled, button.description = True, "Running..."
        started[0] = time.time()
        progress.value, progress.bar_style = 0, ""
        try:
            cfg = _config_from(base, {name: c.value for name, c in controls.items()})
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result, cached = remembered(cfg, run, progress=on_progress)
            seconds = time.time() - started[0]
            history.append({"config": cfg, "result": result, "seconds": seconds, "cached": cached})
            rows = "".join(_row(h["config"], h["result"], h["seconds"]) for h in reversed(history))
            table.value = f"<table>{HEADER}{rows}</table>"
            fig = plot_result(result)
            output.outputs = (figure_output(fig, result.table()),)
            plt.close(fig)
            notes = sorted({str(c.message) for c in caught if issubclass(c.category, PGRUndefinedWarning)})
            progress.max = progress.value = max(progress.max, 1)
            progress.bar_style = "success"
            status.value = (f"Done in {seconds:.1f} s" + (" (this setting was already run: cached)" if cached else "")
                            + "".join(f"<br>&#9888; {html.escape(n)}" for n in notes))
        except Exception as error:  # shown in the panel, never swallowed
            progress.bar_style = "danger"
            status.value = f"<b>Failed:</b> {html.escape(type(error).__name__)}: {html.escape(str(error))}"
            output.outputs = (error_output(error),)
        finally:
            button.disabled, button.description = False, "Run"

    button.on_click(run_once)
    box = w.VBox([w.HBox([w.VBox(list(controls.values())[:4]), w.VBox(list(controls.values())[4:])]),
                  w.HBox([button, progress]), status, table, output])
    box.controls, box.button, box.progress, box.status = controls, button, progress, status
    box.table, box.output, box.history, box.run = table, output, history, run_once
    return box
