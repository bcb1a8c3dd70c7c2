"""Notebook 03's checks judge fairly: the ±1 (sign) forms of the perceptron rule get a hint
that names what differs, a right answer written with signs passes, and the margin and
Novikoff exercises tell the naive answers apart."""

import pytest
import torch

from utils.checks import ExerciseFailed
from utils.checks.perceptron import (
    check_margin,
    check_novikoff_bound_formula,
    check_perceptron_update,
)


def failure(check, fn) -> str:
    with pytest.raises(ExerciseFailed) as info:
        check(fn)
    return str(info.value)


def _sign_rule(mistake):
    """The perceptron written with s = ±1: update w + lr·s·x when ``mistake(s, score)``."""

    def update(w, b, x_i, y_i, lr=1.0):
        s = 2.0 * float(y_i) - 1.0
        score = float(x_i @ w + b)
        if mistake(s, score):
            return w + lr * s * x_i, b + lr * s
        return w, b

    return update


def test_symmetric_sign_form_gets_the_misclassified_or_on_the_boundary_hint():
    message = failure(check_perceptron_update, _sign_rule(lambda s, t: s * t <= 0))
    assert "on the boundary, y = 1" in message
    assert "only when the point is misclassified" in message and "s(wᵀx + b) ≤ 0" in message
    assert ">= 0, not > 0" not in message


def test_margin_form_gets_the_hinge_hint():
    message = failure(check_perceptron_update, _sign_rule(lambda s, t: s * t < 1))
    assert "close to the boundary" in message and "updates only on mistakes" in message
    assert "hinge" in message


def test_strict_sign_form_gets_the_class_0_boundary_hint():
    message = failure(check_perceptron_update, _sign_rule(lambda s, t: s * t < 0))
    assert "on the boundary, y = 0" in message and "counts as a mistake" in message


def test_strict_heaviside_still_gets_the_compare_with_ge_hint():
    def strict(w, b, x_i, y_i, lr=1.0):
        error = float(y_i) - float(float(x_i @ w + b) > 0)
        return w + lr * error * x_i, b + lr * error

    assert ">= 0, not > 0" in failure(check_perceptron_update, strict)


def test_sign_form_that_matches_the_heaviside_rule_passes():
    # Class 1 errs when the score is < 0, class 0 when it is >= 0: exactly f(x) != y.
    right = _sign_rule(lambda s, t: (s > 0 and t < 0) or (s < 0 and t >= 0))
    assert check_perceptron_update(right).passed

    def with_torch_where(w, b, x_i, y_i, lr=1.0):
        s = torch.where(torch.as_tensor(y_i) == 1, 1.0, -1.0)
        wrong = (x_i @ w + b >= 0).float() != torch.as_tensor(y_i).float()
        step = lr * s * wrong.float()
        return w + step * x_i, b + step

    assert check_perceptron_update(with_torch_where).passed


def test_margin_reference_and_naive_versions():
    def margin(theta, x_tilde, s):
        return (s * (x_tilde @ theta)).min() / theta.norm()

    assert check_margin(margin).passed
    assert check_margin(lambda t, x, s: (s * (x @ t) / t.norm()).min().item()).passed
    message = failure(check_margin, lambda t, x, s: (s * (x @ t)).min())
    assert "multiplied by 10" in message and "divide" in message and "‖θ‖" in message
    message = failure(check_margin, lambda t, x, s: (s * (x @ t)).abs().min() / t.norm())
    assert "negative" in message and "no abs" in message


def test_novikoff_bound_formula():
    assert check_novikoff_bound_formula(lambda: "R**2/gamma**2").passed
    assert check_novikoff_bound_formula(lambda: "(R / gamma)^2").passed
    assert "differs at" in failure(check_novikoff_bound_formula, lambda: "(eta*R/gamma)**2")
    assert "differs at" in failure(check_novikoff_bound_formula, lambda: "R/gamma")
