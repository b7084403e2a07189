"""User interface in notebooks: the lessons' plot panels (:mod:`.widgets`) and the experiment panel
(:mod:`.panel`), built with ipywidgets (the ``lab`` extra). Widget figure builders live here, not in
the lessons; a lesson calls one function."""

from .panel import experiment_panel
from .widgets import figure_output, plot_panel, single_thread

__all__ = ["experiment_panel", "figure_output", "plot_panel", "single_thread"]
