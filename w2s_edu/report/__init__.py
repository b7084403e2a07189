"""Reporting: figures of results (matplotlib), and writing a result to a folder.

:func:`plot_result` draws one experiment (weak, students, ceiling, with seeds and PGR);
:func:`plot_accuracy_vs_size` and :func:`plot_pgr_heatmap` draw a sweep; :func:`plot_compute_ladder`
and :func:`plot_pgr_by_gap` draw the chess compute ladder and PGR against the gap, chess beside text;
:func:`save_result` writes ``results.json`` and ``results.png``. Tables are text and live with the result
(:meth:`w2s_edu.experiment.results.W2SResult.table`).
"""

from .plots import (plot_accuracy_vs_size, plot_compute_ladder, plot_pgr_by_gap, plot_pgr_heatmap, plot_result,
                    save_figure, save_result)

__all__ = ["plot_accuracy_vs_size", "plot_compute_ladder", "plot_pgr_by_gap", "plot_pgr_heatmap", "plot_result",
           "save_figure", "save_result"]
