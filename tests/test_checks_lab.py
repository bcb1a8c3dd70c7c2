"""The lab's task checks judge fairly (issue 9 §4), and `expect` never raises for students."""

import math

import pytest
import torch
from torch import nn

from utils.checks import ExerciseFailed
from utils.checks.lab import (
    ExpectationFailed,
    _log_odds_coefficients,
    _test_risk,
    _train_classifier,
    check_log_odds_coefficients,
    check_test_risk,
    check_train_classifier,
    expect,
)


def verdict_of(check, fn, capsys):
    """(status, printed text) of a check, whether it passes or fails."""
    try:
        status = check(fn).status
    except ExerciseFailed:
        status = "failed"
    return status, capsys.readouterr().out


# -- Task 1: log-odds coefficients --------------------------------------------------------------


def test_log_odds_reference_and_a_non_symmetric_a_pass(capsys):
    def shifted(priors, means, covariances):
        a, b, c = _log_odds_coefficients(priors, means, covariances)
        skew = torch.tensor([[0.0, 0.7], [-0.7, 0.0]], dtype=torch.float64)
        return a + skew, b, c  # the same quadratic form xᵀAx

    def upper_triangular(priors, means, covariances):
        a, b, c = _log_odds_coefficients(priors, means, covariances)
        return torch.triu(a) + torch.triu(a, 1), b, float(c)  # a float c is fine too

    for fn in (_log_odds_coefficients, shifted, upper_triangular):
        assert verdict_of(check_log_odds_coefficients, fn, capsys)[0] == "passed"


def test_log_odds_wrong_answers_name_the_wrong_term_without_the_values(capsys):
    def wrong_b(priors, means, covariances):
        a, b, c = _log_odds_coefficients(priors, means, covariances)
        return a, -b, c

    def no_log_det(priors, means, covariances):
        a, b, c = _log_odds_coefficients(priors, means, covariances)
        s0, s1 = covariances
        return a, b, c + 0.5 * torch.logdet(s1) - 0.5 * torch.logdet(s0)

    status, wrong_b_text = verdict_of(check_log_odds_coefficients, wrong_b, capsys)
    assert status == "failed" and "'b: wrong (the terms linear in x)'" in wrong_b_text
    assert "'c: right'" in wrong_b_text
    status, log_det_text = verdict_of(check_log_odds_coefficients, no_log_det, capsys)
    assert status == "failed" and "case 2 of 3 (equal means, different spreads)" in log_det_text
    assert "'c: wrong" in log_det_text and "ln|Σ_k|" in log_det_text  # names the missing term
    for text in (wrong_b_text, log_det_text):
        assert "tensor(" not in text  # neither A nor b is printed
        assert "Σ₁⁻¹μ₁" not in text and "Σ₁⁻¹ − Σ₀⁻¹" not in text  # nor their formulas


def test_log_odds_odd_results_get_a_verdict(capsys):
    status, text = verdict_of(check_log_odds_coefficients, lambda p, m, s: None, capsys)
    assert status == "failed" and "NoneType, not a tuple (A, b, c)" in text
    status, text = verdict_of(
        check_log_odds_coefficients, lambda p, m, s: (torch.zeros(3), 1, 2), capsys
    )
    assert status == "failed" and "A: not a tensor of shape (2, 2)" in text


# -- Task 3: test risk --------------------------------------------------------------------------


def test_test_risk_accepts_n_and_n_minus_one(capsys):
    def with_n_minus_one(predict_fn, x, y):
        errors = (predict_fn(x).reshape(-1) != y).double()
        return errors.mean().item(), errors.std().item() / math.sqrt(len(errors))

    assert verdict_of(check_test_risk, _test_risk, capsys)[0] == "passed"
    assert verdict_of(check_test_risk, with_n_minus_one, capsys)[0] == "passed"


def test_test_risk_rejects_a_wrong_standard_error(capsys):
    def no_root(predict_fn, x, y):
        errors = (predict_fn(x).reshape(-1) != y).double()
        p = errors.mean().item()
        return p, p * (1 - p) / len(errors)  # the variance, not the standard error

    status, text = verdict_of(check_test_risk, no_root, capsys)
    assert status == "failed" and "√(p(1 − p)/n)" in text


# -- Task 4: training ---------------------------------------------------------------------------


def test_train_classifier_reference_passes(capsys):
    assert verdict_of(check_train_classifier, _train_classifier, capsys)[0] == "passed"


def returning(kind):
    def train(net, x, y, steps, lr):
        optimizer = torch.optim.Adam(net.parameters(), lr=lr)
        losses = []
        for _ in range(steps):
            optimizer.zero_grad()
            loss = nn.BCEWithLogitsLoss()(net(x).reshape(-1), y.float())
            loss.backward()
            optimizer.step()
            losses.append(loss)
        if kind == "none":
            return None
        if kind == "tensors":
            return losses
        return torch.stack(losses).detach()

    return train


@pytest.mark.parametrize(
    ("kind", "received"),
    [("none", "None (nothing returned)"), ("tensors", "a list of 5 Tensor"), ("stack", "a tensor")],
)
def test_train_classifier_must_return_floats(kind, received, capsys):
    status, text = verdict_of(check_train_classifier, returning(kind), capsys)
    assert status == "failed" and "the returned losses" in text
    assert received in text
    assert "train_classifier must return the list of the losses as Python floats" in text


# -- expect -------------------------------------------------------------------------------------


def test_expect_prints_for_students_and_raises_only_when_strict(capsys, monkeypatch):
    monkeypatch.delenv("DLB_STRICT", raising=False)
    assert expect(True, "an excess risk below 0.01", "0.004") is None
    assert capsys.readouterr().out == "✅ expected an excess risk below 0.01: you got 0.004\n"
    expect(torch.tensor(False), "an excess risk below 0.01", "0.03")  # no error for students
    out = capsys.readouterr().out
    assert out.startswith("⚠️ expected an excess risk below 0.01, you got 0.03")
    monkeypatch.setenv("DLB_STRICT", "1")
    expect(True, "x", "y")
    with pytest.raises(ExpectationFailed, match="expected x, got y"):
        expect(False, "x", "y")
