"""User interface in notebooks: the lessons' plot panels (:mod:`.widgets`) and the experiment panel
(:mod:`.panel`), built with ipywidgets (the ``lab`` extra). Widget figure builders live here, not in
the lessons; a lesson calls one function."""

from ..exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "experiment_panel": "panel", "figure_output": "widgets", "plot_panel": "widgets", "single_thread": "widgets",
})
