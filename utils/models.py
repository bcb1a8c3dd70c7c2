"""Models of the lecture: the perceptron, logistic regression and feed-forward networks."""

from __future__ import annotations

import torch  # noqa: F401
from torch import nn  # noqa: F401

# ----------------------------------------------------------------------------------------------
# Perceptron and logistic regression (notebooks 03–05)
# ----------------------------------------------------------------------------------------------

# ----------------------------------------------------------------------------------------------
# Feed-forward networks: TwoLayerNet, MLP (notebook 06)
# ----------------------------------------------------------------------------------------------
