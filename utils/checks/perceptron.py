"""Checks for the exercises of notebook 03 (the perceptron)."""

from __future__ import annotations

import torch

from utils.checks._core import Case, Verdict, check_function
from utils.checks.formulas import check_formula

__all__ = ["check_margin", "check_novikoff_bound_formula", "check_perceptron_update"]

_ON_BOUNDARY_CLASS_0 = (
    "a point exactly on the boundary (wᵀx + b = 0) is predicted 1, since σ(0) = 1: with y = 0 "
    "that is a mistake, so w and b must move (compute f(x) with >= 0, not > 0; with signs "
    "s = ±1, s(wᵀx + b) = 0 counts as a mistake here)"
)
_ON_BOUNDARY_CLASS_1 = (
    "the update happens only when the point is misclassified, f(x) ≠ y. On the boundary "
    "f(x) = σ(0) = 1, so a class-1 point there is classified correctly and nothing changes. "
    "With signs s = ±1 the lecture's rule updates when s(wᵀx + b) < 0 for class 1 but ≥ 0 for "
    "class 0: the symmetric test s(wᵀx + b) ≤ 0 also updates this correct point"
)
_CLOSE_BUT_CORRECT = (
    "the point is classified correctly (s(wᵀx + b) = 0.5 > 0, with s = ±1 the sign of its "
    "class), so nothing changes: the "
    "perceptron updates only on mistakes, not whenever s(wᵀx + b) < 1 (that margin "
    "condition belongs to the hinge loss of support vector machines)"
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
        _case(
            [1.0, 0.0],
            0.0,
            [0.5, 3.0],
            1,
            "correct, close to the boundary (wᵀx + b = 0.5)",
            _CLOSE_BUT_CORRECT,
        ),
        _case(
            [1.0, 0.0],
            0.0,
            [-0.5, 3.0],
            0,
            "correct, close to the boundary (wᵀx + b = −0.5)",
            _CLOSE_BUT_CORRECT,
        ),
        _case(
            [1.0, -1.0],
            0.0,
            [1.0, 1.0],
            0,
            "on the boundary, y = 0 (a mistake)",
            _ON_BOUNDARY_CLASS_0,
        ),
        _case(
            [1.0, -1.0],
            0.0,
            [1.0, 1.0],
            1,
            "on the boundary, y = 1 (no mistake)",
            _ON_BOUNDARY_CLASS_1,
        ),
        _case(
            [0.0, 0.0],
            0.0,
            [0.5, -1.5],
            0,
            "the start w = 0, b = 0 predicts 1 everywhere",
            _ON_BOUNDARY_CLASS_0,
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


def check_margin(fn) -> Verdict:
    """Exercise 3.2: ``margin(theta, x_tilde, s)``, the geometric margin
    γ = min_i s_i θᵀx̃_i / ‖θ‖ of the hyperplane θᵀx̃ = 0 on the sample (x̃_i, s_i), s_i = ±1."""

    def case(theta, x_tilde, s, label, hint):
        theta, x_tilde = torch.tensor(theta), torch.tensor(x_tilde)
        s = torch.tensor(s)
        expected = ((s * (x_tilde @ theta)).min() / theta.norm()).item()
        return Case((theta, x_tilde, s), expected, label, hint)

    x_tilde = [[2.0, 0.0, 1.0], [-1.0, 1.0, 1.0], [0.5, -2.0, 1.0]]
    cases = [
        case(
            [1.0, 0.0, 0.0],
            x_tilde,
            [1.0, -1.0, 1.0],
            "a unit θ",
            "γ = min over i of s_i θᵀx̃_i / ‖θ‖: one value per point, then the smallest",
        ),
        case(
            [10.0, 0.0, 0.0],
            x_tilde,
            [1.0, -1.0, 1.0],
            "the same line with θ multiplied by 10",
            "the margin is a distance, so the same line must give the same margin: divide "
            "s_i θᵀx̃_i by ‖θ‖ (min_i s_i θᵀx̃_i alone, the functional margin, grows with ‖θ‖)",
        ),
        case(
            [1.0, 2.0, -0.5],
            x_tilde,
            [1.0, -1.0, 1.0],
            "a θ that misclassifies points: the margin is negative",
            "keep the sign of s_i θᵀx̃_i: a misclassified point gives a negative value, and the "
            "margin is the smallest value (no abs)",
        ),
        case(
            [3.0, -4.0, 0.0, 12.0],
            [[1.0, 1.0, 0.0, 1.0], [0.0, 2.0, 1.0, 1.0]],
            [1.0, 1.0],
            "four coordinates, ‖θ‖ = 13",
            "θᵀx̃_i for every row at once is x_tilde @ theta; ‖θ‖ is theta.norm()",
        ),
    ]
    return check_function("margin", fn, cases, hint="γ = min_i s_i θᵀx̃_i / ‖θ‖")


def check_novikoff_bound_formula(fn) -> Verdict:
    """Exam exercise: the bound on the number k of updates, in terms of R, γ and the learning
    rate η (``fn()`` returns a formula in R, gamma, eta)."""
    return check_formula(
        "novikoff_bound_formula",
        fn,
        "(R/gamma)**2",
        "R, gamma, eta",
        positive=True,
        hint="from θ = 0, k updates give θ_kᵀθ* ≥ k η γ ‖θ*‖ and ‖θ_k‖² ≤ k η² R²; combine them "
        "with Cauchy–Schwarz θ_kᵀθ* ≤ ‖θ_k‖ ‖θ*‖ and solve for k (what happens to η?)",
    )
