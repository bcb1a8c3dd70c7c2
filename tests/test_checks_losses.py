"""The checks of notebook 01 judge fairly: right answers written other ways pass, and each typical
mistake fails with a hint that names it (the naive BCE, a clamped ŷ, the usual slips in the
exam track's derivations)."""

import pytest
import torch

from utils.checks import ExerciseFailed
from utils.checks.losses import (
    check_binary_cross_entropy,
    check_gaussian_nll_formula,
    check_threshold_risk_formula,
)


def bce_naive(y_hat, y):
    return -y * torch.log(y_hat) - (1 - y) * torch.log(1 - y_hat)


def bce_clamped_logs(y_hat, y):
    return -y * torch.log(y_hat).clamp(min=-100) - (1 - y) * torch.log(1 - y_hat).clamp(min=-100)


def bce_by_where(y_hat, y):  # another right answer: pick the active term, bound it at 100
    return torch.where(y == 1, -torch.log(y_hat), -torch.log(1 - y_hat)).clamp(max=100)


def bce_clamped_probabilities(y_hat, y):  # finite, but a sure mistake costs 16, not 100
    p = y_hat.clamp(1e-7, 1 - 1e-7)
    return -y * torch.log(p) - (1 - y) * torch.log(1 - p)


@pytest.mark.parametrize("solution", [bce_clamped_logs, bce_by_where])
def test_bce_right_answers_pass(solution):
    assert check_binary_cross_entropy(solution).passed


def test_naive_bce_fails_on_the_edge_and_names_nan(capsys):
    with pytest.raises(ExerciseFailed):
        check_binary_cross_entropy(bce_naive)
    out = capsys.readouterr().out
    assert "ŷ exactly equal to y" in out and "NaN" in out
    assert "clamp" not in out  # the hint names the problem; the student finds the fix


def test_clamping_the_probabilities_fails_with_the_cost_of_100(capsys):
    with pytest.raises(ExerciseFailed):
        check_binary_cross_entropy(bce_clamped_probabilities)
    out = capsys.readouterr().out
    assert "ŷ exactly 0 or 1 and wrong" in out and "exactly 100" in out


@pytest.mark.parametrize(
    "answer",
    [
        "(y - f)**2 / (2*sigma**2) + ln(sigma) + ln(2*pi)/2",
        "(y-f)^2/(2 sigma^2) + ln(sigma*sqrt(2*pi))",
        "((f - y)/sigma)**2/2 + ln(sqrt(2*pi*sigma**2))",
        "-ln(exp(-(y-f)**2/(2*sigma**2)) / (sigma*sqrt(2*pi)))",
    ],
)
def test_gaussian_nll_right_answers_pass(answer):
    assert check_gaussian_nll_formula(lambda: answer).passed


@pytest.mark.parametrize(
    ("answer", "named"),
    [
        ("(y - f)**2/(2*sigma**2)", "normalising constant is missing"),
        ("-(y - f)**2/(2*sigma**2) - ln(sigma) - ln(2*pi)/2", "log-likelihood"),
        ("(y - f)**2/(2*sigma) + ln(sigma) + ln(2*pi)/2", "not 2σ"),
        ("(y - f)**2/sigma**2 + ln(sigma) + ln(2*pi)/2", "factor 1/2 is missing"),
        ("(y - f)**2/(2*sigma**2) + ln(2*pi)/2", "ln σ term is missing"),
        ("(y - f)**2/(2*sigma**2) + ln(sigma)", "ln(2π)/2 is missing"),
        ("(y - f)**2/(2*sigma**2) + ln(sigma**2) + ln(2*pi)/2", "not ln σ²"),
        ("(y - f)**2", "take −ln of it"),
    ],
)
def test_gaussian_nll_mistakes_get_their_hint(answer, named, capsys):
    with pytest.raises(ExerciseFailed):
        check_gaussian_nll_formula(lambda: answer)
    assert named in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer", ["2*t**3/3 - t + 2/3", "t^3/3 + (1 - t) - (1 - t^3)/3", "(2 t^3 - 3 t + 2)/3"]
)
def test_threshold_risk_right_answers_pass(answer):
    assert check_threshold_risk_formula(lambda: answer).passed


@pytest.mark.parametrize(
    ("answer", "named"),
    [
        ("t - 2*t**3/3 + 1/3", "swapped"),
        ("t**2/2 + (1 - t)**2/2", "notebook's example"),
        ("t**3/3", "only the error for x ≤ t"),
        ("1 - t - (1 - t**3)/3", "only the error for x > t"),
        ("t**2", "∫ from 0 to t of x² dx"),
    ],
)
def test_threshold_risk_mistakes_get_their_hint(answer, named, capsys):
    with pytest.raises(ExerciseFailed):
        check_threshold_risk_formula(lambda: answer)
    assert named in capsys.readouterr().out


def test_unanswered_formulas_wait(capsys):
    def stub():
        raise NotImplementedError

    assert check_gaussian_nll_formula(stub).status == "not implemented"
    assert check_threshold_risk_formula(stub).status == "not implemented"
    assert "⏳" in capsys.readouterr().out
