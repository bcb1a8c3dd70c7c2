"""Checks for the exercises of notebook 03 (the perceptron)."""

from __future__ import annotations

import torch

from utils.checks._core import Case, Verdict, check_function

__all__ = ["check_perceptron_update"]

_ON_BOUNDARY = (
    "a point exactly on the boundary (wᵀx + b = 0) is predicted 1, since σ(t) = 1 for t ≥ 0: "
    "compare with >= 0, not > 0"
)


def _update(w, b, x_i, y_i, lr=1.0) -> tuple[torch.Tensor, float]:
    """The reference rule, written out here so that the check does not depend on `utils.models`."""
    f_x = 1.0 if float(x_i @ w + b) >= 0 else 0.0
    error = float(y_i) - f_x
    return w + lr * error * x_i, float(b) + lr * error


def _case(w, b, x_i, y_i, label, hint, lr=None) -> Case:
    w, x_i = torch.tensor(w), torch.tensor(x_i)
    b = torch.tensor(b)
    kwargs = {} if lr is None else {"lr": lr}
    expected = _update(w, b, x_i, y_i, 1.0 if lr is None else lr)
    return Case((w, b, x_i, y_i), expected, label, hint, kwargs=kwargs)


def check_perceptron_update(fn) -> Verdict:
    """Exercise 3.1: one step of the perceptron rule, ``fn(w, b, x_i, y_i, lr=1.0) -> (w, b)``."""
    no_change = "the example is classified correctly, so w and b must stay as they are"
    cases = [
        _case([1.0, 0.0], 0.0, [2.0, 1.0], 1, "correct positive (wᵀx + b = 2, y = 1)", no_change),
        _case(
            [1.0, 0.0],
            0.0,
            [-2.0, 1.0],
            1,
            "missed positive (f(x) = 0, y = 1)",
            "f(x) = 0 but y = 1, so y − f(x) = 1: add x to w and 1 to b",
        ),
        _case(
            [1.0, 0.0],
            0.0,
            [2.0, 1.0],
            0,
            "false positive (f(x) = 1, y = 0)",
            "f(x) = 1 but y = 0, so y − f(x) = −1: subtract x from w and 1 from b",
        ),
        _case([1.0, 0.0], 0.0, [-2.0, 1.0], 0, "correct negative", no_change),
        _case([1.0, -1.0], 0.0, [1.0, 1.0], 0, "on the boundary, y = 0 (a mistake)", _ON_BOUNDARY),
        _case([1.0, -1.0], 0.0, [1.0, 1.0], 1, "on the boundary, y = 1 (no mistake)", _ON_BOUNDARY),
        _case(
            [0.0, 0.0],
            0.0,
            [0.5, -1.5],
            0,
            "the start w = 0, b = 0 predicts 1 everywhere",
            _ON_BOUNDARY,
        ),
        _case(
            [1.0, 0.0],
            0.0,
            [-2.0, 1.0],
            1,
            "learning rate lr = 0.5",
            "multiply the correction by the learning rate: w + lr·(y − f(x))·x, b + lr·(y − f(x))",
            lr=0.5,
        ),
        _case(
            [0.5, -1.0, 2.0],
            -1.0,
            [1.0, 2.0, 0.25],
            torch.tensor(1),
            "three features, label given as a tensor",
            "work with any number of features d: wᵀx is x_i @ w",
        ),
    ]
    return check_function(
        "perceptron_update",
        fn,
        cases,
        hint="f(x) = 1{wᵀx + b ≥ 0}; w ← w + lr·(y − f(x))·x and b ← b + lr·(y − f(x))",
    )
