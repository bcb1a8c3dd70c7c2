"""Tests of the checks of notebook 06's exercises (utils/checks/mlp.py)."""

import pytest
import torch

import utils.checks as checks
from utils.checks import ExerciseFailed
from utils.checks.mlp import check_feedforward, check_training_step
from utils.train import training_step


def test_exported():
    assert {"check_feedforward", "check_training_step"} <= set(checks.mlp.__all__)
    assert checks.check_feedforward is check_feedforward


def _relu_everywhere(x, weights, biases):
    f = x
    for w, b in zip(weights, biases, strict=True):
        f = (f @ w.T + b).clamp(min=0)
    return f


def _no_zero_grad(model, x, y, loss_fn, optimizer):
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def _zero_grad_too_late(model, x, y, loss_fn, optimizer):
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.zero_grad()
    optimizer.step()
    return loss.item()


def _returns_nan(model, x, y, loss_fn, optimizer):
    training_step(model, x, y, loss_fn, optimizer)
    return float("nan")


def _raises(*args):
    raise RuntimeError("boom")


@pytest.mark.parametrize(
    ("check", "fn", "message"),
    [
        (check_feedforward, _relu_everywhere, "no ReLU"),
        (check_feedforward, lambda x, w, b: torch.full((len(x), 2), float("nan")), "NaN"),
        (check_feedforward, _raises, "boom"),
        (check_training_step, _no_zero_grad, "zero_grad() at the start"),
        (check_training_step, _zero_grad_too_late, "values differ"),
        (check_training_step, _returns_nan, "NaN"),
        (check_training_step, lambda *a: None, "expected a number"),
        (check_training_step, _raises, "boom"),
    ],
)
def test_wrong_answers_fail_with_a_useful_message(check, fn, message, capsys):
    with pytest.raises(ExerciseFailed) as info:
        check(fn)
    assert message in str(info.value)
    assert "❌" in capsys.readouterr().out


def test_training_step_check_leaves_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    check_training_step(training_step)
    assert torch.equal(torch.rand(3), expected)
