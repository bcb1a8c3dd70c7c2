"""Risks with their uncertainty: a closed form, or a Monte Carlo mean with its standard error.

`paired_difference` compares two classifiers on the same points (notebooks 02 and 07).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class RiskEstimate:
    """A risk and how it was obtained.

    ``method`` is ``"closed form"`` (then ``stderr`` is 0.0) or ``"Monte Carlo (n=...)"`` (then
    ``stderr`` is the estimate's standard error: the value is within ±2 stderr of the true risk
    about 95 % of the time).
    """

    value: float
    stderr: float
    method: str

    def __str__(self) -> str:
        if self.stderr == 0.0:
            return f"{self.value:.5f} ({self.method})"
        return f"{self.value:.5f} ± {self.stderr:.5f} ({self.method})"


def _monte_carlo(losses: torch.Tensor) -> RiskEstimate:
    n = losses.numel()
    stderr = losses.std().item() / math.sqrt(n) if n > 1 else float("inf")
    return RiskEstimate(losses.mean().item(), stderr, f"Monte Carlo (n={n})")


def paired_difference(losses_a, losses_b) -> RiskEstimate:
    """The risk of classifier a minus the risk of b, from their losses on the **same** points.

    On one test sample the difference of the two risks is the mean of the per-point differences
    d_i = ℓ(f_a(x_i), y_i) − ℓ(f_b(x_i), y_i), and its standard error is s_d/√n (s_d: the
    standard deviation of the d_i, with n − 1). Where a and b agree, d_i = 0, so for similar
    classifiers this is far smaller than the √(se_a² + se_b²) of two separate samples.

    Examples
    --------
    >>> a, b = torch.tensor([1, 0, 0, 1]), torch.tensor([1, 0, 0, 0])
    >>> paired_difference(a, b).value
    0.25
    """
    a = torch.as_tensor(losses_a).detach().to("cpu", torch.float64)
    b = torch.as_tensor(losses_b).detach().to("cpu", torch.float64)
    if a.ndim != 1 or a.shape != b.shape:
        raise ValueError(
            "`losses_a` and `losses_b` must both have shape (n,): the losses of two classifiers "
            f"on the same n points; found {tuple(a.shape)} and {tuple(b.shape)}"
        )
    return _monte_carlo(a - b)
