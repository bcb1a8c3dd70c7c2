"""utils/regression.py (notebook 02b) and the exam checks of 02, 02b and 03 made this round
(utils/checks/costs.py, regression.py, novikoff.py): right answers pass, known mistakes get
their own hint."""

from __future__ import annotations

import pytest
import torch

from utils.checks import ExerciseFailed
from utils.checks.costs import (
    check_cost_bayes_risk_formula,
    check_cost_threshold_formula,
    check_laplace_threshold_formula,
)
from utils.checks.novikoff import check_novikoff_svm_formula
from utils.checks.regression import check_explained_share_formula
from utils.regression import NoisyFunction, RegressorEnsemble, fit_ensemble

PROBLEM = NoisyFunction(lambda x: torch.sin(2 * x) + 0.5 * x, noise_std=0.3)


def test_bad_input_is_refused_with_what_was_expected():
    with pytest.raises(ValueError, match="low < high"):
        NoisyFunction(torch.sin, 0.1, low=1.0, high=0.0)
    with pytest.raises(ValueError, match="noise_std"):
        NoisyFunction(torch.sin, -0.1)
    with pytest.raises(ValueError, match="positive number"):
        PROBLEM.sample(0)
    with pytest.raises(ValueError, match="one data set per member"):
        fit_ensemble(RegressorEnsemble(2, 4), [torch.zeros(3, 1)], [torch.zeros(3, 1)])


def test_risk_is_bayes_risk_plus_distance_to_the_conditional_mean():
    # Monte Carlo on fresh samples against the quadrature, for a predictor that is not f^b.
    x, y = PROBLEM.sample(200_000, generator=5)
    sq = ((0.5 * x.double() - y.double()) ** 2)[:, 0]
    exact = PROBLEM.risk(lambda t: 0.5 * t)
    assert abs(sq.mean().item() - exact) < 3 * sq.std().item() / len(sq) ** 0.5
    assert abs(PROBLEM.risk(PROBLEM.bayes_rule) - 0.09) < 1e-12
    hetero = NoisyFunction(PROBLEM.g, noise_std=lambda t: 0.1 + 0.2 * t.abs())
    assert abs(hetero.bayes_risk() - (0.01 + 0.04 + 0.04 * 4 / 3)) < 1e-6


def test_the_ensemble_trains_each_member_as_if_alone():
    data = [PROBLEM.sample(n, generator=n) for n in (8, 40)]
    xs, ys = [x for x, _ in data], [y for _, y in data]
    both = fit_ensemble(RegressorEnsemble(2, 5, seed=3), xs, ys, steps=30)
    grid = PROBLEM.grid(11)
    for m in range(2):
        alone = RegressorEnsemble(1, 5)  # member m's initial weights, trained on its data only
        start = RegressorEnsemble(2, 5, seed=3)
        with torch.no_grad():
            for p_alone, p_start in zip(alone.parameters(), start.parameters(), strict=True):
                p_alone.copy_(p_start[m : m + 1])
        alone = fit_ensemble(alone, [xs[m]], [ys[m]], steps=30)
        assert torch.allclose(both.member(m)(grid), alone.member(0)(grid), atol=1e-5)
    assert not torch.allclose(both.member(0)(grid), both.member(1)(grid), atol=1e-3)


@pytest.mark.parametrize(
    ("check", "right", "wrong", "hint"),
    [
        (check_cost_threshold_formula, "1/(1 + c01/c10)", "c01/(c10 + c01)", "swapped"),
        (check_cost_threshold_formula, "c10/(c10 + c01)", "c10/c01", "odds"),
        (
            check_laplace_threshold_formula,
            "(mu0 + mu1)/2 - beta/2*ln(pi1/(1 - pi1))",
            "(mu0 + mu1)/2 + beta*ln((1 - pi1)/pi1)/(mu1 - mu0)",
            "Gaussian threshold",
        ),
        (
            check_cost_bayes_risk_formula,
            "c10*(1-pi1)*(1 - Phi(delta/2 + ln(c10*(1-pi1)/(c01*pi1))/delta))"
            " + c01*pi1*Phi(ln(c10*(1-pi1)/(c01*pi1))/delta - delta/2)",
            "(1-pi1)*Phi(-delta/2 - ln((1-pi1)/pi1)/delta) + pi1*Phi(-delta/2 + ln((1-pi1)/pi1)/delta)",
            "0-1 Bayes risk",
        ),
        (check_explained_share_formula, "1 - s2/(a^2*tau2 + s2)", "s2/(a**2*tau2 + s2)", "remains"),
        (check_novikoff_svm_formula, "(R*norm)^2", "R**2/norm**2", "1/‖θ*‖"),
    ],
)
def test_exam_checks_pass_a_right_answer_and_name_a_known_mistake(check, right, wrong, hint):
    assert check(lambda: right).passed
    with pytest.raises(ExerciseFailed, match="differs") as failed:
        check(lambda: wrong)
    assert hint in str(failed.value)
