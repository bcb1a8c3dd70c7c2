"""Checks for the exercises of notebook 04 (sigmoid and logistic regression)."""

from __future__ import annotations

import torch

from utils.checks._core import Case, Verdict, check_function

__all__ = ["check_bce_gradient"]


def _mean_bce(w: torch.Tensor, b: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    logits = x.double() @ w.double() + b.double()
    return torch.nn.functional.binary_cross_entropy_with_logits(logits, y.double())


def _autograd_gradient(w, b, x, y) -> tuple[torch.Tensor, torch.Tensor]:
    w64 = w.detach().double().requires_grad_(True)
    b64 = b.detach().double().requires_grad_(True)
    grad_w, grad_b = torch.autograd.grad(_mean_bce(w64, b64, x, y), (w64, b64))
    return grad_w.to(w.dtype), grad_b.to(w.dtype)


def _numerical_gradient(w, b, x, y, h: float = 1e-6) -> tuple[torch.Tensor, torch.Tensor]:
    """Central differences (L(θ + h e_k) − L(θ − h e_k)) / 2h, in float64."""
    theta = torch.cat([w.double(), b.double().reshape(1)])

    def loss(t: torch.Tensor) -> float:
        return _mean_bce(t[:-1], t[-1], x, y).item()

    grad = torch.zeros_like(theta)
    for k in range(theta.numel()):
        step = torch.zeros_like(theta)
        step[k] = h
        grad[k] = (loss(theta + step) - loss(theta - step)) / (2 * h)
    return grad[:-1].to(w.dtype), grad[-1].to(w.dtype)


def check_bce_gradient(fn) -> Verdict:
    """Exercise 4.1: the gradient of the mean BCE, ``fn(w, b, x, y) -> (grad_w, grad_b)``."""
    g = torch.Generator().manual_seed(4)
    sign = (
        "for one example ∂ℓ/∂w = (ŷ − y)·x and ∂ℓ/∂b = ŷ − y with ŷ = σ(wᵀx + b): check the sign "
        "(ŷ − y, not y − ŷ) and return grad_w with the shape of w, grad_b as a scalar"
    )
    mean = (
        "the loss is the mean over the N examples, so is its gradient: (1/N) Σ_i (ŷ_i − y_i) x_i; "
        "a result N times too large is a sum without the 1/N"
    )
    x4 = torch.tensor([[1.0, 2.0], [-1.0, 0.5], [0.0, -2.0], [3.0, 1.0]])
    y4 = torch.tensor([1, 0, 0, 1])
    x_rand = torch.randn(10, 3, generator=g, dtype=torch.float64)
    y_rand = (torch.rand(10, generator=g) < 0.5).long()
    w_rand = torch.randn(3, generator=g, dtype=torch.float64)
    b_rand = torch.tensor(0.3, dtype=torch.float64)
    raw = [
        (
            torch.tensor([0.0]),
            torch.tensor(0.0),
            torch.tensor([[2.0]]),
            torch.tensor([1]),
            "one example, y = 1",
            sign,
        ),
        (
            torch.tensor([1.0, -1.0]),
            torch.tensor(0.5),
            torch.tensor([[1.0, 2.0]]),
            torch.tensor([0]),
            "one example, y = 0",
            sign,
        ),
        (torch.tensor([0.5, -0.25]), torch.tensor(-0.1), x4, y4, "four examples (the mean)", mean),
        (torch.tensor([0.5, -0.25]), torch.tensor(-0.1), x4, y4.float(), "float labels", mean),
        (
            torch.tensor([1000.0]),
            torch.tensor(0.0),
            torch.tensor([[1.0], [-1.0]]),
            torch.tensor([1, 0]),
            "logits ±1000, both right",
            "for logits ±1000 that are right the gradient is 0: compute ŷ − y with torch.sigmoid, "
            "not through ln ŷ or 1/ŷ, which overflow to inf and give NaN",
        ),
        (
            torch.tensor([1000.0]),
            torch.tensor(0.0),
            torch.tensor([[1.0], [-1.0]]),
            torch.tensor([0, 1]),
            "logits ±1000, both wrong",
            "for logits ±1000 that are wrong ŷ − y = ±1: compute ŷ = torch.sigmoid(x @ w + b)",
        ),
    ]
    cases = [
        Case((w, b, x, y), _autograd_gradient(w, b, x, y), label, hint, atol=1e-6, rtol=1e-5)
        for w, b, x, y, label, hint in raw
    ]
    cases.append(
        Case(
            (w_rand, b_rand, x_rand, y_rand),
            _numerical_gradient(w_rand, b_rand, x_rand, y_rand),
            "ten random examples: compared with the numerical gradient (central differences)",
            mean,
            atol=1e-7,
            rtol=1e-6,
        )
    )
    return check_function(
        "bce_gradient",
        fn,
        cases,
        hint="∇_w L = (1/N) Xᵀ(σ(Xw + b) − y), ∂L/∂b = mean(σ(Xw + b) − y)",
    )
