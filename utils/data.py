"""Datasets: small synthetic problems the notebooks generate, and handwritten digits.

Every generator returns tensors and takes a ``seed`` or a ``torch.Generator``, so that the same
seed gives the same data.
"""

from __future__ import annotations

import torch  # noqa: F401

# ----------------------------------------------------------------------------------------------
# Risk and Bayes examples (notebooks 01–02)
# ----------------------------------------------------------------------------------------------

# ----------------------------------------------------------------------------------------------
# 2-D classification problems: linearly separable, XOR (notebooks 03–05)
# ----------------------------------------------------------------------------------------------

# ----------------------------------------------------------------------------------------------
# Two moons / spirals, handwritten digits, device-resident batches (notebook 06)
# ----------------------------------------------------------------------------------------------
