"""Models of the lecture: the perceptron, logistic regression and feed-forward networks.

- `utils.models.linear`: the perceptron (update rule, Novikoff's bound, the maximum-margin line)
  and logistic regression with its gradient by hand (notebooks 03–05)
- `utils.models.mlp`: the feed-forward network by hand (forward and backward pass) and as
  modules (`MLP`, `StackedMLP`), with parameter counts (notebook 06)

Everything is importable from here as well (``from utils.models import MLP``).
"""

from utils.models.linear import (
    LogisticRegression,
    Perceptron,
    bce_gradient,
    max_margin,
    novikoff_bound,
    perceptron_update,
)
from utils.models.mlp import (
    MLP,
    StackedMLP,
    count_parameters,
    feedforward,
    mlp_parameter_count,
    two_layer_backward,
)

__all__ = [
    "MLP",
    "LogisticRegression",
    "Perceptron",
    "StackedMLP",
    "bce_gradient",
    "count_parameters",
    "feedforward",
    "max_margin",
    "mlp_parameter_count",
    "novikoff_bound",
    "perceptron_update",
    "two_layer_backward",
]
