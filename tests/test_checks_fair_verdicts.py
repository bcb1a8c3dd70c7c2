"""Checks that judge fairly (issue 17 §3): right answers written another way pass, each known
mistake of the exam formulas gets a hint that names it, no hint gives the answer away, and a
hint says what the code actually did."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from utils.checks import ExerciseFailed, activations, bayes, logistic, mlp, perceptron, tensors
from utils.checks.activations import check_stable_softmax
from utils.checks.bayes import check_bayes_risk_formula, check_map_threshold_formula
from utils.checks.logistic import check_bce_from_logits, check_bce_gradient, check_bce_slope_formula
from utils.checks.mlp import check_output_delta_formula, check_two_layer_backward
from utils.checks.perceptron import check_margin
from utils.models import two_layer_backward


def failure(check, fn) -> ExerciseFailed:
    with pytest.raises(ExerciseFailed) as info:
        check(fn)
    return info.value


# --- 02's formulas: priors are probabilities, σ² is sigma2 ----------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        "(mu0 + mu1)/2 + sigma2*ln(pi0/(1 - pi0))/(mu1 - mu0)",
        "(mu0 + mu1)/2 + sigma2*(ln(pi0) - ln(1 - pi0))/(mu1 - mu0)",
        "(mu0 + mu1)/2 + sigma2*ln(pi0/pi1)/(mu1 - mu0)",
    ],
)
def test_map_threshold_accepts_pi1_written_as_one_minus_pi0(answer):
    assert check_map_threshold_formula(lambda: answer).passed


def test_bayes_risk_accepts_pi1_written_as_one_minus_pi0():
    eta = "ln(pi0/(1 - pi0))"
    answer = f"pi0*Phi(-delta/2 - {eta}/delta) + (1 - pi0)*Phi(-delta/2 + {eta}/delta)"
    assert check_bayes_risk_formula(lambda: answer).passed


def test_sigma_squared_is_told_that_sigma_is_the_sigmoid():
    message = str(
        failure(check_map_threshold_formula, lambda: "(mu0+mu1)/2 + sigma**2*ln(pi0/pi1)/(mu1-mu0)")
    )
    assert "here sigma is the sigmoid" in message and "sigma2" in message


@pytest.mark.parametrize(
    ("check", "answer"),
    [
        (check_bce_slope_formula, "sigma(a) - y**2"),  # y² = y for a label in {0, 1}
        (check_bce_slope_formula, "y*(sigma(a) - 1) + (1 - y)*sigma(a)"),
        (check_output_delta_formula, "sigma(a2) - y**3"),
    ],
)
def test_labels_are_sampled_in_0_and_1(check, answer):
    assert check(lambda: answer).passed


# --- known mistakes: at least three per exam formula, each with its hint and id -------------------

MISTAKE_LISTS = {
    "map_threshold_formula": bayes.MAP_THRESHOLD_MISTAKES,
    "bayes_risk_formula": bayes.BAYES_RISK_MISTAKES,
    "novikoff_bound_formula": perceptron.NOVIKOFF_MISTAKES,
    "parameter_count_formula": mlp.PARAMETER_COUNT_MISTAKES,
    "delta_recursion_formula": mlp.DELTA_RECURSION_MISTAKES,
    "output_delta_formula": mlp.OUTPUT_DELTA_MISTAKES,
}


@pytest.mark.parametrize("name", sorted(MISTAKE_LISTS))
def test_every_exam_formula_has_at_least_three_known_mistakes(name):
    mistakes = MISTAKE_LISTS[name]
    assert len(mistakes) >= 3
    assert all(m.id.startswith(name + ".") and m.wrong and m.hint for m in mistakes)


# --- no hint prints the answer ------------------------------------------------------------------

ANSWER_SPELLINGS = {
    activations.check_ce_gradient_formula: ["softmax(a) − y", "s_1 − 1", "s1 - 1"],
    activations.check_softmax_jacobian_entry: ["−e^a1 e^a2", "−s_1 s_2", "-s1*s2", "s_1 s_2 ="],
    tensors.check_series_grad_formula: ["2 + 2u²", "= 2/(x + 1)²", "+2/(x + 1)²"],
    logistic.check_sigma_prime_formula: ["= σ(a)(1 − σ(a))", "σ'(a) = σ(a)"],
    logistic.check_mle_bce_formula: ["−y ln σ(a) − (1 − y) ln(1 − σ(a))"],
}


@pytest.mark.parametrize("check", list(ANSWER_SPELLINGS), ids=lambda c: c.__name__)
def test_no_hint_prints_the_answer(check):
    from utils.checks import known_mistakes

    name = check.__name__.removeprefix("check_")
    hints = [hint for key, hint in known_mistakes().items() if key.startswith(name + ".")]
    assert hints, name
    default = str(failure(check, lambda: "12345")).split("hint:", 1)[1]
    for hint in [*hints, default]:
        for spelling in ANSWER_SPELLINGS[check]:
            assert spelling not in hint, (name, hint)


# --- stable softmax: a right method in float32 passes; overflow named only when it happened -------


@pytest.mark.parametrize(
    "right",
    [
        lambda a: torch.exp(a - torch.logsumexp(a, dim=-1, keepdim=True)),
        lambda a: torch.softmax(a, dim=-1),
        lambda a: torch.exp(F.log_softmax(a, dim=-1)),
    ],
)
def test_stable_softmax_accepts_the_logsumexp_form(right):
    assert check_stable_softmax(right).passed


def test_stable_softmax_names_overflow_only_when_the_answer_overflowed():
    def clipped(a):  # finite everywhere, but wrong for large logits
        e = torch.exp(a.clamp(-50, 50))
        return e / e.sum(dim=-1, keepdim=True)

    exc = failure(check_stable_softmax, clipped)
    assert "overflows" not in str(exc) and exc.mistake == "stable_softmax.large_logits"

    def naive(a):
        e = torch.exp(a)
        return e / e.sum(dim=-1, keepdim=True)

    exc = failure(check_stable_softmax, naive)
    assert "overflows" in str(exc) and exc.mistake == "stable_softmax.overflow"


# --- hints about what the code actually did -----------------------------------------------------


def test_log1p_exp_gets_the_exp_overflow_hint_not_a_clamp_hint():
    exc = failure(check_bce_from_logits, lambda a, y: torch.log1p(torch.exp(a)) - y * a)
    message = str(exc)
    assert "max abs error 0" not in message and "±inf" in message
    assert "clamping" not in message and "exp(a) overflows" in message
    assert exc.mistake == "bce_from_logits.exp_overflows"


def _backward(mask):
    def backward(x, y, w1, b1, w2, b2):
        a1 = x @ w1.T + b1
        z1 = a1.clamp(min=0)
        a2 = z1 @ w2.T + b2
        d2 = (torch.softmax(a2, 1) - F.one_hot(y, a2.shape[1]).to(a2.dtype)) / len(x)
        d1 = (d2 @ w2) * mask(a1, z1)
        return d1.T @ x, d1.sum(0), d2.T @ z1, d2.sum(0)

    return backward


def test_backward_times_z1_gets_the_mask_hint_not_the_output_delta_hint():
    exc = failure(check_two_layer_backward, _backward(lambda a1, z1: z1))
    assert "δ_2 = ∂L/∂a_2" not in str(exc) and "1{a_1 > 0}" in str(exc)
    assert exc.mistake == "two_layer_backward.mask_by_z1"


def test_backward_with_x_t_at_delta1_gets_the_transpose_hint():
    def x_t_delta(*args):
        dw1, db1, dw2, db2 = two_layer_backward(*args)
        return dw1.T, db1, dw2, db2

    exc = failure(check_two_layer_backward, x_t_delta)
    assert (
        "transpose" in str(exc) and exc.mistake == "two_layer_backward.weight_gradient_transposed"
    )


def test_margin_divided_by_the_norm_of_w_is_told_so():
    exc = failure(check_margin, lambda t, x, s: (s * (x @ t)).min() / t[:-1].norm())
    assert "keep the sign" not in str(exc) and "‖w‖" in str(exc)
    assert exc.mistake == "margin.norm_of_w"


def _residual(w, b, x, y):
    return torch.sigmoid(x @ w + b) - y.to(x.dtype)


def test_bce_gradient_product_of_means_is_not_called_n_times_too_large():
    def product_of_means(w, b, x, y):
        r = _residual(w, b, x, y)
        return r.mean() * x.mean(dim=0), r.mean()

    exc = failure(check_bce_gradient, product_of_means)
    assert "N times too large" not in str(exc) and "product of the means" in str(exc)
    assert exc.mistake == "bce_gradient.product_of_means"


def test_bce_gradient_of_the_squared_loss_is_named():
    def squared(w, b, x, y):
        p = torch.sigmoid(x @ w + b)
        r = (p - y.to(x.dtype)) * p * (1 - p)
        return x.T @ r / len(y), r.mean()

    exc = failure(check_bce_gradient, squared)
    assert "squared loss" in str(exc) and exc.mistake == "bce_gradient.squared_loss"
