"""Shared pieces of the lessons' widgets: a plot panel that redraws on every control change and
shows errors in place, and a context manager that runs tiny torch models on one thread.

Each lesson's module builds its own controls and passes a ``draw(values) -> Figure`` callback (one
call into the package); :func:`plot_panel` does the rest. Figures are stored in the Output widget
as PNG data, which works the same in a live kernel and in headless tests.
"""

from __future__ import annotations

import base64
import contextlib
import io
import traceback
from typing import Callable

import torch


@contextlib.contextmanager
def single_thread():
    """Run torch on one thread inside the block. Lesson-sized tensors are tiny: on a busy 2-core
    machine the threads of a parallel op mostly wait for each other, and one thread is often 10x faster."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def figure_output(fig, text: str = "<plot>") -> dict:
    """An Output-widget output holding ``fig`` as a PNG."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    png = base64.b64encode(buf.getvalue()).decode("ascii")
    return {"output_type": "display_data", "metadata": {}, "data": {"image/png": png, "text/plain": text}}


def error_output(error: BaseException) -> dict:
    """An Output-widget output showing ``error`` and its traceback (never swallowed)."""
    text = f"{type(error).__name__}: {error}\n\n{traceback.format_exc()}"
    return {"output_type": "stream", "name": "stderr", "text": text}


def plot_panel(controls: dict, draw: Callable[[dict], object], button: str | None = None):
    """A VBox of ``controls`` (name -> widget), an optional button and an Output widget.

    ``draw(values)`` gets the controls' current values and returns a matplotlib Figure, or a
    ``(figure, text)`` pair; it runs once now and again on every change (and click). The box exposes
    ``.controls``, ``.output``, ``.redraw`` and, with a button, ``.button``.
    """
    try:
        import ipywidgets as widgets
    except ImportError as err:
        raise ImportError("this widget needs ipywidgets: pip install ipywidgets (or the package's `lab` "
                          "extra); the lesson's plain-call cell draws the same plot without it") from err
    import matplotlib.pyplot as plt

    output = widgets.Output()

    def redraw(*_):
        try:
            drawn = draw({name: c.value for name, c in controls.items()})
            fig, text = drawn if isinstance(drawn, tuple) else (drawn, "<plot>")
            output.outputs = (figure_output(fig, text),)
            plt.close(fig)
        except Exception as error:  # shown to the learner in the widget
            output.outputs = (error_output(error),)

    for control in controls.values():
        control.observe(redraw, names="value")
    children = list(controls.values())
    if button:
        btn = widgets.Button(description=button)
        btn.on_click(redraw)
        children.append(btn)
    box = widgets.VBox([*children, output])
    box.controls, box.output, box.redraw = controls, output, redraw
    if button:
        box.button = btn
    redraw()
    return box
