"""Notebook 02's checks judge fairly: the mistakes of issue 9 §4 get a hint that names them,
right answers written another way pass, and the exam track's formulas are compared
symbolically."""

import pytest
import torch

from utils.checks import ExerciseFailed
from utils.checks.bayes import (
    check_bayes_risk_formula,
    check_map_rule,
    check_map_threshold_formula,
    check_posterior,
)


def failure(check, fn) -> str:
    with pytest.raises(ExerciseFailed) as info:
        check(fn)
    return str(info.value)


def test_map_rule_with_float_labels_fails_naming_the_dtype():
    message = failure(check_map_rule, lambda p: p.argmax(dim=1).float())
    assert "dtype" in message and "float" in message and "int64" in message
    message = failure(check_map_rule, lambda p: p.argmax(dim=1).double())
    assert "float labels" in message


def test_map_rule_written_another_way_passes():
    def by_comparison(p):  # the first maximum, as a loop over the classes
        best = torch.zeros(len(p), dtype=torch.long)
        for k in range(1, p.shape[1]):
            best = torch.where(p[:, k] > p[torch.arange(len(p)), best], k, best)
        return best

    assert check_map_rule(by_comparison).passed


def _posterior(x, priors, means, stds, variance_power=2, sigma_factor=True):
    spread = stds**variance_power
    log_joint = torch.log(priors) - 0.5 * (x[:, None] - means) ** 2 / spread
    if sigma_factor:
        log_joint = log_joint - torch.log(stds)
    return torch.softmax(log_joint, dim=1)


def test_posterior_with_sigma_instead_of_variance_gets_its_own_hint():
    message = failure(check_posterior, lambda *a: _posterior(*a, variance_power=1))
    assert "divide by the variance σ², not by σ" in message
    assert "1/σ factor" not in message


def test_posterior_without_the_one_over_sigma_factor_still_gets_that_hint():
    message = failure(check_posterior, lambda *a: _posterior(*a, sigma_factor=False))
    assert "1/σ factor" in message and "not by σ" not in message


def test_posterior_written_another_way_passes():
    def with_logsumexp(x, priors, means, stds):
        var = stds**2
        log_joint = torch.log(priors) - (x[:, None] - means) ** 2 / (2 * var) - 0.5 * torch.log(var)
        return torch.exp(log_joint - torch.logsumexp(log_joint, dim=1, keepdim=True))

    assert check_posterior(with_logsumexp).passed


@pytest.mark.parametrize(
    "answer",
    [
        "(mu0 + mu1)/2 + sigma2*ln(pi0/pi1)/(mu1 - mu0)",
        "(mu0+mu1)/2 - sigma2*(ln(pi1) - ln(pi0))/(mu1-mu0)",
        "(sigma2*ln(pi0/pi1) + (mu1^2 - mu0^2)/2)/(mu1 - mu0)",
    ],
)
def test_map_threshold_right_answers_pass(answer):
    assert check_map_threshold_formula(lambda: answer).passed


@pytest.mark.parametrize(
    "answer, where",
    [
        ("(mu0 + mu1)/2", "differs at"),  # priors forgotten
        ("(mu0 + mu1)/2 + sigma2*ln(pi1/pi0)/(mu1 - mu0)", "differs at"),  # ratio upside down
        ("(mu0 + mu1)/2 + sqrt(sigma2)*ln(pi0/pi1)/(mu1 - mu0)", "differs at"),  # σ for σ²
        ("(mu0 + mu1)/2 + s2*ln(pi0/pi1)/(mu1 - mu0)", "which is not a variable of this exercise"),
    ],
)
def test_map_threshold_wrong_answers_fail(answer, where):
    assert where in failure(check_map_threshold_formula, lambda: answer)


def test_bayes_risk_formula_right_answers_pass():
    eta = "ln(pi0/pi1)"
    assert check_bayes_risk_formula(
        lambda: f"pi0*(1 - Phi(delta/2 + {eta}/delta)) + pi1*Phi(-delta/2 + {eta}/delta)"
    ).passed
    assert check_bayes_risk_formula(
        lambda: f"pi0*Phi(-delta/2 - {eta}/delta) + pi1*(1 - Phi(delta/2 - {eta}/delta))"
    ).passed


def test_bayes_risk_formula_wrong_answers_fail():
    assert "differs at" in failure(check_bayes_risk_formula, lambda: "Phi(-delta/2)")
    swapped = "pi0*Phi(-delta/2 + ln(pi0/pi1)/delta) + pi1*Phi(-delta/2 - ln(pi0/pi1)/delta)"
    assert "differs at" in failure(check_bayes_risk_formula, lambda: swapped)
