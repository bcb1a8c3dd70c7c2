"""The lab's task checks judge fairly (issue 9 §4), and `expect` never raises for students."""

import math
import warnings

import pytest
import torch
from torch import nn

from utils.checks import ExerciseFailed
from utils.checks import lab as public_checks
from utils.checks.lab import (
    ExpectationFailed,
    check_log_odds_coefficients,
    check_quadratic_features,
    check_test_risk,
    check_train_classifier,
    expect,
)
from utils.course.lab_hidden import REFERENCES, hidden_cases, judge, run_hidden, run_task
from utils.course.lab_hidden import log_odds_coefficients as _log_odds_coefficients
from utils.course.lab_hidden import test_risk as _test_risk
from utils.course.lab_hidden import train_classifier as _train_classifier


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

    def triangular_no_mirror(priors, means, covariances):
        a, b, c = _log_odds_coefficients(priors, means, covariances)
        return torch.triu(a) + torch.tril(a, -1).T, b, c

    for fn in (_log_odds_coefficients, shifted, upper_triangular, triangular_no_mirror):
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
    assert "hint:     b collects the terms linear in x" in wrong_b_text  # names b
    status, log_det_text = verdict_of(check_log_odds_coefficients, no_log_det, capsys)
    assert status == "failed" and "case 2 of 3 (equal means, different spreads)" in log_det_text
    assert "'c: wrong" in log_det_text and "ln|Σ_k|" in log_det_text  # names the missing term
    assert "hint:     c also holds" in log_det_text
    for text in (wrong_b_text, log_det_text):
        assert "tensor(" not in text  # neither A nor b is printed
        assert "Σ₁⁻¹μ₁" not in text and "Σ₁⁻¹ − Σ₀⁻¹" not in text  # nor their formulas


def test_log_odds_odd_results_get_a_verdict(capsys):
    status, text = verdict_of(check_log_odds_coefficients, lambda p, m, s: None, capsys)
    assert status == "failed" and "NoneType, not a tuple (A, b, c)" in text
    status, text = verdict_of(
        check_log_odds_coefficients,
        lambda p, m, s: (torch.zeros(3, dtype=torch.float64), 1, 2),
        capsys,
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
    [("none", "None (nothing returned)"), ("tensors", "a list of 6 Tensor"), ("stack", "a tensor")],
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


@pytest.mark.parametrize(
    ("change", "component", "word"),
    [
        (lambda a, b, c: (2 * a, b, c), "A", "hint:     A"),
        (lambda a, b, c: (-a, b, c), "A", "hint:     A"),
        (lambda a, b, c: (a, b, c + 1), "c", "hint:     c"),
    ],
)
def test_log_odds_hint_names_the_wrong_component(change, component, word, capsys):
    def wrong(priors, means, covariances):
        return change(*_log_odds_coefficients(priors, means, covariances))

    status, text = verdict_of(check_log_odds_coefficients, wrong, capsys)
    assert status == "failed" and f"'{component}: wrong" in text
    hint = next(line for line in text.splitlines() if "hint:" in line)
    other = {"A", "b", "c"} - {component}
    assert hint.startswith(f"   {word}") or component in hint.split(":", 2)[1][:40], hint
    assert not any(hint.strip().startswith(f"hint:     {o}:") for o in other)


@pytest.mark.parametrize(
    ("convert", "problem"),
    [
        (lambda t: t.numpy(), "A: a NumPy ndarray, not a torch tensor"),
        (lambda t: t.float(), "A: float32, not float64"),
        (lambda t: t.tolist(), "A: a list, not a torch tensor"),
    ],
)
def test_log_odds_types_that_crash_the_next_cell_get_a_verdict(convert, problem, capsys):
    """The next cell computes (x64 @ A * x64).sum(1) + x64 @ b + c: NumPy arrays and float32
    tensors crash it, so they must not pass."""

    def returns(priors, means, covariances):
        a, b, c = _log_odds_coefficients(priors, means, covariances)
        return convert(a), convert(b), c

    status, text = verdict_of(check_log_odds_coefficients, returns, capsys)
    assert status == "failed" and problem in text and "float64" in text
    x64 = torch.randn(4, 2, dtype=torch.float64)
    a, b, c = returns(*public_checks._LOG_ODDS_CASES[2][:3])
    with pytest.raises((TypeError, RuntimeError, AttributeError)), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        formula = (x64 @ a * x64).sum(1) + x64 @ b + c  # the lab's next cell: it would crash
        print(a.numpy().round(3), b.numpy().round(3), float(c), formula.abs().max().item())


def test_quadratic_features_keeps_the_dtype(capsys):
    def fixed_dtype(x):
        return torch.tensor(
            [[a, b, a * a, b * b, a * b] for a, b in x.tolist()], dtype=torch.float32
        ).reshape(-1, 5)

    status, text = verdict_of(check_quadratic_features, fixed_dtype, capsys)
    assert status == "failed" and "keep the input's dtype" in text
    assert verdict_of(check_quadratic_features, REFERENCES["quadratic_features"], capsys)[0] == (
        "passed"
    )


def logits_as(kind):
    """train_classifier with the logits shaped as ``kind`` (what students write)."""

    def train(net, x, y, steps, lr):
        optimizer = torch.optim.Adam(net.parameters(), lr=lr)
        losses = []
        for _ in range(steps):
            optimizer.zero_grad()
            out = net(x)
            logits = {
                "squeeze": out.squeeze,
                "squeeze-1": lambda out=out: out.squeeze(-1),
                "index": lambda out=out: out[:, 0],
                "flatten": out.flatten,
                "view": lambda out=out: out.view(-1),
            }[kind]()
            loss = nn.BCEWithLogitsLoss()(logits, y.float())
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return losses

    return train


@pytest.mark.parametrize("kind", ["squeeze", "squeeze-1", "index"])
def test_train_classifier_shapes_that_crash_the_experiment_fail(kind, capsys):
    status, text = verdict_of(check_train_classifier, logits_as(kind), capsys)
    assert status == "failed" and "StackedMLP" in text and "reshape(-1)" in text
    # ... and the experiment would indeed crash with it (a StackedMLP of 5 copies, y flattened)
    from utils.models import StackedMLP

    net = StackedMLP([2, 4, 1], copies=5)
    x, y = torch.randn(5, 30, 2), torch.randint(0, 2, (150,))
    with pytest.raises((RuntimeError, ValueError)):
        logits_as(kind)(net, x, y, 2, 0.03)


@pytest.mark.parametrize("kind", ["flatten", "view"])
def test_train_classifier_other_right_shapes_pass(kind, capsys):
    assert verdict_of(check_train_classifier, logits_as(kind), capsys)[0] == "passed"


def test_train_classifier_int_labels_get_a_verdict(capsys):
    def no_float(net, x, y, steps, lr):
        optimizer = torch.optim.Adam(net.parameters(), lr=lr)
        losses = []
        for _ in range(steps):
            optimizer.zero_grad()
            loss = nn.BCEWithLogitsLoss()(net(x).reshape(-1), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return losses

    status, text = verdict_of(check_train_classifier, no_float, capsys)
    assert status == "failed" and "y.float()" in text


# -- no reference in the public module; hidden cases, data in / data out -------------------------


def test_public_checks_hold_no_reference_solution():
    names = set(vars(public_checks))
    for old in ["_log_odds_coefficients", "_quadratic_features", "_test_risk", "_train_classifier"]:
        assert old not in names
    source = open(public_checks.__file__, encoding="utf-8").read()
    assert "torch.linalg.inv" not in source and "logdet" not in source
    assert "torch.optim.Adam" not in source and "BCEWithLogitsLoss()(" not in source.replace(
        '"each step: optimizer.zero_grad(), loss = BCEWithLogitsLoss()(', ""
    )


def test_hidden_cases_pass_the_reference_and_fail_wrong_answers():
    assert all(ok for *_, ok, _ in run_hidden(dict(REFERENCES)))
    wrong = dict(REFERENCES)
    wrong["quadratic_features"] = lambda x: torch.cat([x, x**2, x[:, :1] * x[:, :1]], dim=1)
    wrong["train_classifier"] = logits_as("squeeze")
    wrong["test_risk"] = lambda f, x, y: (0.5, 0.1)
    failed = {task for task, _, ok, _ in run_hidden(wrong) if not ok}
    assert failed == {"quadratic_features", "train_classifier", "test_risk"}
    del wrong["log_odds_coefficients"]
    rows = run_hidden(wrong)
    assert any(task == "log_odds_coefficients" and "not defined" in msg for task, _, _, msg in rows)


def test_run_task_returns_plain_data_only():
    for case in hidden_cases():
        out = run_task(case.task, REFERENCES[case.task], case.inputs)
        stack = [out]
        while stack:
            value = stack.pop()
            if isinstance(value, list):
                stack += value
            elif isinstance(value, dict):
                stack += list(value.values())
            else:
                assert type(value) in (torch.Tensor, float, int, bool, str), type(value)
    case = hidden_cases()[0]
    out = run_task(case.task, lambda *a: 1 / 0, case.inputs)
    assert out == {"error": "ZeroDivisionError: division by zero"}
    assert judge(case, out) == (
        False,
        f"{case.task} ({case.label}): ZeroDivisionError: division by zero",
    )
