"""Tests of the checks added to notebooks 04 and 05 for the exam track and the naive → fails →
fix exercises (utils/checks/logistic.py, activations.py): the reference passes, a right answer
written another way passes, each known wrong answer fails with the hint that names its mistake,
and a stub is 'not implemented'."""

import pytest
import torch
import torch.nn.functional as F

from utils.checks import (
    ExerciseFailed,
    activations,
    check_bce_from_logits,
    check_bce_slope_formula,
    check_ce_gradient_formula,
    check_mle_bce_formula,
    check_sigma_prime_formula,
    check_softmax_jacobian_entry,
    logistic,
)


def test_exports():
    assert sorted(logistic.__all__) == [
        "check_bce_from_logits",
        "check_bce_gradient",
        "check_bce_slope_formula",
        "check_mle_bce_formula",
        "check_sigma_prime_formula",
    ]
    assert sorted(activations.__all__) == [
        "check_ce_gradient_formula",
        "check_leaky_relu",
        "check_softmax_jacobian_entry",
        "check_stable_softmax",
    ]


# --- bce_from_logits (naive → fails → fix) -------------------------------------------------------


def bce_naive(a, y):
    return -y * torch.log(torch.sigmoid(a)) - (1 - y) * torch.log(1 - torch.sigmoid(a))


def bce_clamped(a, y):
    p = torch.sigmoid(a).clamp(1e-7, 1 - 1e-7)
    return -y * torch.log(p) - (1 - y) * torch.log(1 - p)


@pytest.mark.parametrize(
    "right",
    [
        lambda a, y: F.softplus(a) - y * a,
        lambda a, y: -y * F.logsigmoid(a) - (1 - y) * F.logsigmoid(-a),
        lambda a, y: F.binary_cross_entropy_with_logits(a, y, reduction="none"),
        lambda a, y: torch.clamp(a, min=0) - y * a + torch.log1p(torch.exp(-a.abs())),
    ],
)
def test_bce_from_logits_right_answers_pass(right):
    assert check_bce_from_logits(right).passed


def test_bce_from_logits_naive_fails_on_large_logits_with_the_softplus_hint(capsys):
    with pytest.raises(ExerciseFailed) as info:
        check_bce_from_logits(bce_naive)
    message = str(info.value)
    assert message.startswith("❌ bce_naive: case 3 of 5")  # the moderate cases passed
    assert "logits ±30" in message and "NaN" in message and "softplus(a) − y·a" in message
    assert capsys.readouterr().out.count("❌") == 1  # the verdict is printed once


def test_bce_from_logits_clamp_fails_with_its_own_hint():
    with pytest.raises(ExerciseFailed, match="(?s)±200.*clamping σ\\(a\\).*not 16"):
        check_bce_from_logits(bce_clamped)


@pytest.mark.parametrize(
    "wrong, match",
    [
        (lambda a, y: (F.softplus(a) - y * a).mean(), "moderate logits.*expected shape"),
        (lambda a, y: F.softplus(a) + y * a, "moderate logits"),
        (lambda a, y: (F.softplus(a) - y * a).detach(), "derivative.*σ\\(a\\) − y"),
    ],
)
def test_bce_from_logits_other_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailed, match=f"(?s){match}"):
        check_bce_from_logits(wrong)


def test_bce_from_logits_stub_is_not_implemented(capsys):
    def stub(a, y):
        raise NotImplementedError

    assert check_bce_from_logits(stub).status == "not implemented"
    assert "⏳" in capsys.readouterr().out


# --- symbolic exam-track checks ------------------------------------------------------------------

RIGHT = [
    (check_sigma_prime_formula, "sigma(a)*(1-sigma(a))"),
    (check_sigma_prime_formula, "exp(-a)/(1+exp(-a))^2"),
    (check_sigma_prime_formula, "sigmoid(a) - sigmoid(a)**2"),
    (check_bce_slope_formula, "sigma(a) - y"),
    (check_bce_slope_formula, "1/(1+exp(-a)) - y"),
    (check_mle_bce_formula, "-y*ln(sigma(a)) - (1-y)*ln(1-sigma(a))"),
    (check_mle_bce_formula, "ln(1 + exp(-a)) + (1 - y)*a"),
    (check_mle_bce_formula, "-ln(sigma(a)**y * (1-sigma(a))**(1-y))"),
    (check_mle_bce_formula, "-ln(y*sigma(a) + (1-y)*(1-sigma(a)))"),  # right for y in {0, 1}
    (check_ce_gradient_formula, "s1 - 1"),
    (check_ce_gradient_formula, "-(exp(a2)+exp(a3))/(exp(a1)+exp(a2)+exp(a3))"),
    (check_softmax_jacobian_entry, "-s1*s2"),
    (check_softmax_jacobian_entry, "-exp(a1+a2)/(exp(a1)+exp(a2)+exp(a3))**2"),
]


@pytest.mark.parametrize("check, answer", RIGHT)
def test_right_formulas_pass(check, answer, capsys):
    assert check(lambda: answer).passed
    assert "✅" in capsys.readouterr().out


WRONG = [
    (check_sigma_prime_formula, "-exp(-a)/(1+exp(-a))**2", "the sign"),
    (check_sigma_prime_formula, "1 - sigma(a)", "one factor σ\\(a\\) is missing"),
    (check_sigma_prime_formula, "sigma(a)*(1+sigma(a))", "the sign inside"),
    (check_bce_slope_formula, "y - sigma(a)", "the sign"),
    (
        check_bce_slope_formula,
        "(sigma(a)-y)*sigma(a)*(1-sigma(a))",
        "squared loss",
    ),
    (check_bce_slope_formula, "-y/sigma(a) + (1-y)/(1-sigma(a))", "∂ℓ/∂ŷ"),
    (check_mle_bce_formula, "y*ln(sigma(a)) + (1-y)*ln(1-sigma(a))", "minus it"),
    (check_mle_bce_formula, "-ln(sigma(a))", "one formula for both labels"),
    (check_ce_gradient_formula, "1 - s1", "the sign"),
    (check_ce_gradient_formula, "-1/s1", "∂ℓ/∂s_1"),
    (check_ce_gradient_formula, "s1", "not the true one"),
    (check_softmax_jacobian_entry, "s1*s2", "the sign"),
    (check_softmax_jacobian_entry, "s1*(1-s1)", "diagonal entry"),
    (check_softmax_jacobian_entry, "-s2", "a factor is missing"),
]


@pytest.mark.parametrize("check, answer, hint", WRONG)
def test_wrong_formulas_fail_with_the_hint_that_names_the_mistake(check, answer, hint):
    with pytest.raises(ExerciseFailed, match=f"(?s)differs at.*hint: .*{hint}"):
        check(lambda: answer)


@pytest.mark.parametrize(
    "check",
    [
        check_sigma_prime_formula,
        check_bce_slope_formula,
        check_mle_bce_formula,
        check_ce_gradient_formula,
        check_softmax_jacobian_entry,
    ],
)
def test_formula_stub_unreadable_and_non_string(check, capsys):
    def stub():
        raise NotImplementedError

    assert check(stub).status == "not implemented"
    assert "⏳" in capsys.readouterr().out
    with pytest.raises(ExerciseFailed, match="could not parse"):
        check(lambda: "ln(")
    with pytest.raises(ExerciseFailed, match="as a string"):
        check(lambda: 0.25)


def test_mle_bce_is_judged_at_both_labels():
    # right at y = 1, wrong at y = 0: the verdict says where
    with pytest.raises(ExerciseFailed, match="differs at a = .*, y = 0"):
        check_mle_bce_formula(lambda: "-ln(sigma(a)) + 0*y")
