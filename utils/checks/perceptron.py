"""Checks for the exercises of notebook 03 (the perceptron)."""

from __future__ import annotations

import torch

from utils.checks._core import Case, Mistake, Verdict, check_function
from utils.checks.formulas import check_formula

__all__ = ["check_margin", "check_novikoff_bound_formula", "check_perceptron_update"]

_ON_BOUNDARY_CLASS_0_TEXT = (
    "a point exactly on the boundary (wᵀx + b = 0) is predicted 1, since σ(0) = 1: with y = 0 "
    "that is a mistake, so w and b must move (compute f(x) with >= 0, not > 0; with signs "
    "s = ±1, s(wᵀx + b) = 0 counts as a mistake here)"
)
_ON_BOUNDARY_CLASS_1_TEXT = (
    "the update happens only when the point is misclassified, f(x) ≠ y. On the boundary "
    "f(x) = σ(0) = 1, so a class-1 point there is classified correctly and nothing changes. "
    "With signs s = ±1 the lecture's rule updates when s(wᵀx + b) < 0 for class 1 but ≥ 0 for "
    "class 0: the symmetric test s(wᵀx + b) ≤ 0 also updates this correct point"
)
_CLOSE_BUT_CORRECT_TEXT = (
    "the point is classified correctly (s(wᵀx + b) = 0.5 > 0, with s = ±1 the sign of its "
    "class), so nothing changes: the "
    "perceptron updates only on mistakes, not whenever s(wᵀx + b) < 1 (that margin "
    "condition belongs to the hinge loss of support vector machines)"
)


_ON_BOUNDARY_CLASS_0 = Mistake("perceptron_update.boundary_class_0", _ON_BOUNDARY_CLASS_0_TEXT)
_ON_BOUNDARY_CLASS_1 = Mistake("perceptron_update.boundary_class_1", _ON_BOUNDARY_CLASS_1_TEXT)
_CLOSE_BUT_CORRECT = Mistake("perceptron_update.margin_condition", _CLOSE_BUT_CORRECT_TEXT)
UPDATE_NO_CHANGE = Mistake(
    "perceptron_update.changed_when_correct",
    "the example is classified correctly, so w and b must stay as they are",
)
UPDATE_MISSED_POSITIVE = Mistake(
    "perceptron_update.missed_positive",
    "f(x) = 0 but y = 1, so y − f(x) = 1: add x to w and 1 to b",
)
UPDATE_FALSE_POSITIVE = Mistake(
    "perceptron_update.false_positive",
    "f(x) = 1 but y = 0, so y − f(x) = −1: subtract x from w and 1 from b",
)
UPDATE_LEARNING_RATE = Mistake(
    "perceptron_update.learning_rate",
    "multiply the correction by the learning rate: w + lr·(y − f(x))·x, b + lr·(y − f(x))",
)
UPDATE_FEATURES = Mistake(
    "perceptron_update.features", "work with any number of features d: wᵀx is x_i @ w"
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
    no_change = UPDATE_NO_CHANGE
    cases = [
        _case([1.0, 0.0], 0.0, [2.0, 1.0], 1, "correct positive (wᵀx + b = 2, y = 1)", no_change),
        _case(
            [1.0, 0.0],
            0.0,
            [-2.0, 1.0],
            1,
            "missed positive (f(x) = 0, y = 1)",
            UPDATE_MISSED_POSITIVE,
        ),
        _case(
            [1.0, 0.0],
            0.0,
            [2.0, 1.0],
            0,
            "false positive (f(x) = 1, y = 0)",
            UPDATE_FALSE_POSITIVE,
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
            UPDATE_LEARNING_RATE,
            lr=0.5,
        ),
        _case(
            [0.5, -1.0, 2.0],
            -1.0,
            [1.0, 2.0, 0.25],
            torch.tensor(1),
            "three features, label given as a tensor",
            UPDATE_FEATURES,
        ),
    ]
    return check_function(
        "perceptron_update",
        fn,
        cases,
        hint="f(x) = 1{wᵀx + b ≥ 0}; w ← w + lr·(y − f(x))·x and b ← b + lr·(y − f(x))",
    )


MARGIN_MIN = Mistake(
    "margin.definition", "γ = min over i of s_i θᵀx̃_i / ‖θ‖: one value per point, then the smallest"
)
MARGIN_NOT_NORMALISED = Mistake(
    "margin.not_normalised",
    "the margin is a distance, so the same line must give the same margin: divide "
    "s_i θᵀx̃_i by ‖θ‖ (min_i s_i θᵀx̃_i alone, the functional margin, grows with ‖θ‖)",
)
MARGIN_ABS = Mistake(
    "margin.abs",
    "keep the sign of s_i θᵀx̃_i: a misclassified point gives a negative value, and the "
    "margin is the smallest value (no abs)",
)
MARGIN_NORM_OF_W = Mistake(
    "margin.norm_of_w",
    "divided by ‖w‖, the norm without the bias: here γ is measured in the x̃ space, as in "
    "Novikoff's bound, so divide by the norm of the whole θ = (w, b), theta.norm()",
)
MARGIN_ROWS = Mistake(
    "margin.rows",
    "θᵀx̃_i for every row at once is x_tilde @ theta; ‖θ‖ is theta.norm()",
)


def _explain_margin(theta, x_tilde, s):
    scores = s * (x_tilde @ theta)
    variants = [
        (MARGIN_NORM_OF_W, (scores.min() / theta[:-1].norm()).item()),
        (MARGIN_NOT_NORMALISED, scores.min().item()),
        (MARGIN_ABS, (scores.abs().min() / theta.norm()).item()),
    ]

    def explain(received):
        value = float(torch.as_tensor(received).detach().double().reshape(()))
        for mistake, wrong in variants:
            if abs(value - wrong) <= 1e-5 * max(1.0, abs(wrong)):
                return mistake
        return None

    return explain


def check_margin(fn) -> Verdict:
    """Exercise 3.2: ``margin(theta, x_tilde, s)``, the geometric margin
    γ = min_i s_i θᵀx̃_i / ‖θ‖ of the hyperplane θᵀx̃ = 0 on the sample (x̃_i, s_i), s_i = ±1."""

    def case(theta, x_tilde, s, label, hint):
        theta, x_tilde = torch.tensor(theta), torch.tensor(x_tilde)
        s = torch.tensor(s)
        expected = ((s * (x_tilde @ theta)).min() / theta.norm()).item()
        explain = _explain_margin(theta, x_tilde, s)
        return Case((theta, x_tilde, s), expected, label, hint, explain=explain)

    x_tilde = [[2.0, 0.0, 1.0], [-1.0, 1.0, 1.0], [0.5, -2.0, 1.0]]
    cases = [
        case([1.0, 0.0, 0.0], x_tilde, [1.0, -1.0, 1.0], "a unit θ", MARGIN_MIN),
        case(
            [10.0, 0.0, 0.0],
            x_tilde,
            [1.0, -1.0, 1.0],
            "the same line with θ multiplied by 10",
            MARGIN_NOT_NORMALISED,
        ),
        case(
            [1.0, 2.0, -0.5],
            x_tilde,
            [1.0, -1.0, 1.0],
            "a θ that misclassifies points: the margin is negative",
            MARGIN_ABS,
        ),
        case(
            [3.0, -4.0, 0.0, 12.0],
            [[1.0, 1.0, 0.0, 1.0], [0.0, 2.0, 1.0, 1.0]],
            [1.0, 1.0],
            "four coordinates, ‖θ‖ = 13",
            MARGIN_ROWS,
        ),
    ]
    return check_function("margin", fn, cases, hint="γ = min_i s_i θᵀx̃_i / ‖θ‖")


NOVIKOFF_MISTAKES = [
    Mistake(
        "novikoff_bound_formula.eta_kept",
        "η cancels: it multiplies θ_kᵀθ* (k η γ ‖θ*‖) and ‖θ_k‖ (at most √k η R) alike, so the "
        "bound on k does not depend on the learning rate",
        wrong="(eta*R/gamma)**2",
    ),
    Mistake(
        "novikoff_bound_formula.sqrt_k",
        "that bounds √k, not k: the Cauchy–Schwarz step compares k (from θ_kᵀθ*) with √k (from "
        "‖θ_k‖); solve for k itself",
        wrong="R/gamma",
    ),
    Mistake(
        "novikoff_bound_formula.inverted",
        "upside down: a larger margin γ must allow fewer updates, and a larger radius R more",
        wrong="(gamma/R)**2",
    ),
    Mistake(
        "novikoff_bound_formula.gamma_not_squared",
        "R and γ enter alike: k γ ≤ √k R holds both of them to the first power before you solve "
        "for k",
        wrong="R**2/gamma",
    ),
]


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
        mistakes=NOVIKOFF_MISTAKES,
    )
