"""Plots used across the notebooks, one room per part of the series.

Every function returns the matplotlib Axes (or Figure) it drew on, so that a student can restyle
it, and takes an optional ``ax`` to draw into.

- `utils.plots.basics`: class colours and markers, `plot_points`, `save_figure`
- `utils.plots.bayes`: densities, posteriors and Bayes decisions (notebooks 01–02)
- `utils.plots.classifiers`: decision regions and boundaries, activations (notebooks 03–05)
- `utils.plots.training`: learning curves, confusion matrix, image grid (notebook 06)

Everything is importable from here as well (``from utils.plots import plot_points``).
"""

from utils.plots.basics import CLASS_COLORS, CLASS_MARKERS, plot_points, save_figure
from utils.plots.bayes import (
    plot_bayes_boundary,
    plot_class_densities,
    plot_estimate_band,
    plot_map_regions,
    plot_posterior_1d,
    plot_posterior_2d,
)
from utils.plots.classifiers import plot_activation, plot_decision_regions, plot_linear_boundary
from utils.plots.training import plot_confusion_matrix, plot_learning_curves, show_image_grid

__all__ = [
    "CLASS_COLORS",
    "CLASS_MARKERS",
    "plot_activation",
    "plot_bayes_boundary",
    "plot_class_densities",
    "plot_confusion_matrix",
    "plot_decision_regions",
    "plot_estimate_band",
    "plot_learning_curves",
    "plot_linear_boundary",
    "plot_map_regions",
    "plot_points",
    "plot_posterior_1d",
    "plot_posterior_2d",
    "save_figure",
    "show_image_grid",
]
