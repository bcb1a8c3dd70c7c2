"""Plots used across the notebooks. Every function returns the matplotlib Axes (or Figure) it
drew on, so that a student can restyle it, and takes an optional ``ax`` to draw into."""

from __future__ import annotations

import matplotlib.pyplot as plt  # noqa: F401
import torch  # noqa: F401

# ----------------------------------------------------------------------------------------------
# Probability and decision plots (notebooks 01–02)
# ----------------------------------------------------------------------------------------------

# ----------------------------------------------------------------------------------------------
# Decision boundaries and regions, activations (notebooks 03–05)
# ----------------------------------------------------------------------------------------------

# ----------------------------------------------------------------------------------------------
# Training: learning curves, confusion matrix, image grid (notebook 06)
# ----------------------------------------------------------------------------------------------
