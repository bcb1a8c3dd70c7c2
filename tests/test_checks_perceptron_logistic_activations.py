"""Tests of the self-checks of notebooks 03–05 (utils/checks/perceptron.py, logistic.py,
activations.py): wrong answers fail with a message that points at the mistake (references, stubs
and broken code of every check: tests/test_checks_contract.py)."""

import pytest
import torch
import torch.nn.functional as F

from utils.checks import (
    ExerciseFailed,
    activations,
    check_bce_gradient,
    check_leaky_relu,
    check_perceptron_update,
    check_stable_softmax,
    logistic,
    perceptron,
)
from utils.models import bce_gradient


def stub(*args, **kwargs):
    raise NotImplementedError("Exercise: your code here")


def stable_softmax(a):
    e = torch.exp(a - a.max(dim=-1, keepdim=True).values)
    return e / e.sum(dim=-1, keepdim=True)


def leaky_relu(x, eps=0.01):
    return eps * x + (1 - eps) * torch.clamp(x, min=0)


def test_every_check_is_exported():
    assert {"check_margin", "check_novikoff_bound_formula", "check_perceptron_update"} <= set(
        perceptron.__all__
    )
    assert "check_bce_gradient" in logistic.__all__  # the others: test_checks_logistic_activations
    assert {"check_leaky_relu", "check_stable_softmax"} <= set(activations.__all__)


# --- perceptron_update ---------------------------------------------------------------------------


def _rule(strict: bool = False, sign: float = 1.0, use_lr: bool = True):
    def update(w, b, x_i, y_i, lr=1.0):
        t = float(x_i @ w + b)
        f_x = float(t > 0) if strict else float(t >= 0)
        step = (lr if use_lr else 1.0) * sign * (float(y_i) - f_x)
        return w + step * x_i, b + step

    return update


@pytest.mark.parametrize(
    "wrong, match",
    [
        (_rule(strict=True), "on the boundary.*>= 0, not > 0"),
        (_rule(sign=-1.0), "missed positive.*add x to w"),
        (_rule(use_lr=False), "learning rate"),
        (lambda w, b, x_i, y_i, lr=1.0: (w, b), "missed positive"),
        (lambda w, b, x_i, y_i, lr=1.0: w + x_i, "expected a tuple of 2 values"),
    ],
)
def test_perceptron_update_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailed, match=f"(?s){match}"):
        check_perceptron_update(wrong)


# --- bce_gradient --------------------------------------------------------------------------------


def _residual(w, b, x, y):
    return torch.sigmoid(x @ w + b) - y.to(x.dtype)


@pytest.mark.parametrize(
    "wrong, match",
    [
        (lambda w, b, x, y: (-x.T @ _residual(w, b, x, y), -_residual(w, b, x, y).mean()), "sign"),
        (
            lambda w, b, x, y: (x.T @ _residual(w, b, x, y), _residual(w, b, x, y).sum()),
            "four examples.*1/N",
        ),
        (
            lambda w, b, x, y: (
                (x.T @ _residual(w, b, x, y))[None] / len(y),
                _residual(w, b, x, y).mean(),
            ),
            r"expected shape \(1,\), got shape \(1, 1\)",
        ),
        (
            # through ln ŷ: d/dt[-y ln σ(t) - (1-y) ln(1-σ(t))] computed as -y/σ·σ' + (1-y)/(1-σ)·σ'
            lambda w, b, x, y: _via_logs(w, b, x, y),
            "logits ±1000.*NaN",
        ),
        (lambda w, b, x, y: (torch.full_like(w, float("nan")), torch.tensor(0.0)), "NaN"),
    ],
)
def test_bce_gradient_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailed, match=f"(?s){match}"):
        check_bce_gradient(wrong)


def _via_logs(w, b, x, y):
    p = torch.sigmoid(x @ w + b)
    y = y.to(x.dtype)
    dt = (-y / p + (1 - y) / (1 - p)) * p * (1 - p)
    return x.T @ dt / len(y), dt.mean()


def test_bce_gradient_tiny_numerical_error_is_caught_by_the_numerical_check():
    def slightly_off(w, b, x, y):
        grad_w, grad_b = bce_gradient(w, b, x, y)
        if x.dtype == torch.float64:  # only the last case, the one checked numerically
            grad_w = grad_w * (1 + 1e-4)
        return grad_w, grad_b

    with pytest.raises(ExerciseFailed, match="case 7 of 7.*numerical gradient"):
        check_bce_gradient(slightly_off)


# --- stable_softmax ------------------------------------------------------------------------------


def naive_softmax(a):
    e = torch.exp(a)
    return e / e.sum(dim=-1, keepdim=True)


@pytest.mark.parametrize(
    "wrong, match",
    [
        (
            naive_softmax,
            r"logits \[1000, 1000\].*NaN.*subtract the maximum before exponentiating",
        ),
        (lambda a: naive_softmax(a - a.max()), "maximum of each row"),
        (lambda a: torch.exp(a) / torch.exp(a).sum(), "batch of two rows.*each row"),
        (lambda a: torch.exp(a - a.max(dim=-1, keepdim=True).values), r"logits \[1, 2, 3\]"),
        (lambda a: torch.tensor(stable_softmax(a).tolist()), "gradient.*torch operations"),
        (lambda a: stable_softmax(a)[..., :-1], "expected shape"),
    ],
)
def test_stable_softmax_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailed, match=f"(?s){match}"):
        check_stable_softmax(wrong)


def test_stable_softmax_naive_reports_nan_on_1000():
    with pytest.raises(ExerciseFailed) as info:
        check_stable_softmax(naive_softmax)
    message = str(info.value)
    assert "logits [1000, 1000]" in message and "NaN" in message
    assert "subtract the maximum before exponentiating" in message
    assert "received: tensor([nan, nan]" in message


# --- leaky_relu ----------------------------------------------------------------------------------


def _leaky_in_place(x, eps=0.01):
    x[x < 0] *= eps
    return x


@pytest.mark.parametrize(
    "wrong, match",
    [
        (lambda x, eps=0.01: torch.relu(x), "default ε.*ε x for x < 0"),
        (lambda x, eps=0.01: leaky_relu(x, 0.01), "use the argument eps"),
        (lambda x, eps=0.01: torch.where(x > 0, eps * x, x), "default ε"),
        (lambda x, eps=0.01: torch.stack([leaky_relu(v, eps) for v in x.flatten()]), "2-D input"),
        (_leaky_in_place, "derivative.*in-place"),
        (lambda x, eps=0.01: leaky_relu(x, eps) * float("nan"), "NaN"),
    ],
)
def test_leaky_relu_wrong_answers(wrong, match):
    with pytest.raises(ExerciseFailed, match=f"(?s){match}"):
        check_leaky_relu(wrong)


def test_torch_leaky_relu_passes_too():
    assert check_leaky_relu(lambda x, eps=0.01: F.leaky_relu(x, negative_slope=eps)).passed
