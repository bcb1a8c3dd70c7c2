"""Tests of notebook 06's newer checks: the hints for the classic bugs (no transpose in the
forward pass, a training step that returns the loss tensor), the backward pass by hand and the
exam track's formulas (utils/checks/mlp.py), and the reference `utils.models.two_layer_backward`."""

import pytest
import torch
from torch import nn

from utils.checks import ExerciseFailed
from utils.checks.mlp import (
    check_delta_recursion_formula,
    check_feedforward,
    check_output_delta_formula,
    check_parameter_count_formula,
    check_training_step,
    check_two_layer_backward,
    two_layer_problem,
)
from utils.models import MLP, count_parameters, feedforward, two_layer_backward


def _no_transpose(x, weights, biases):
    f = x
    for h, (w, b) in enumerate(zip(weights, biases, strict=True)):
        f = f @ w + b
        if h < len(weights) - 1:
            f = f.clamp(min=0)
    return f


def _no_transpose_square_only(x, weights, biases):
    """f @ W on square weights, f @ W.T otherwise: no shape error gives it away."""
    f = x
    for h, (w, b) in enumerate(zip(weights, biases, strict=True)):
        f = (f @ w if w.shape[0] == w.shape[1] else f @ w.T) + b
        if h < len(weights) - 1:
            f = f.clamp(min=0)
    return f


def _weights_first(x, weights, biases):
    f = x
    for h, (w, b) in enumerate(zip(weights, biases, strict=True)):
        f = w @ f + b
        if h < len(weights) - 1:
            f = f.clamp(min=0)
    return f


def _relu_at_the_end(x, weights, biases):
    return feedforward(x, weights, biases).clamp(min=0)


@pytest.mark.parametrize("fn", [_no_transpose, _no_transpose_square_only, _weights_first])
def test_feedforward_without_transpose_gets_the_shape_hint(fn, capsys):
    with pytest.raises(ExerciseFailed) as info:
        check_feedforward(fn)
    hint = [line for line in str(info.value).splitlines() if "hint:" in line][0]
    assert "f @ W_h.T" in hint and "(n_h, n_{h−1})" in hint and "ReLU" not in hint
    assert "❌" in capsys.readouterr().out


def test_feedforward_relu_bug_keeps_its_relu_hint():
    with pytest.raises(ExerciseFailed) as info:
        check_feedforward(_relu_at_the_end)
    assert "ReLU" in str(info.value) and "f @ W_h.T + b_h, not f @ W_h" not in str(info.value)


def _with_linear(x, weights, biases):
    f = x
    for h, (w, b) in enumerate(zip(weights, biases, strict=True)):
        f = nn.functional.linear(f, w, b)
        f = torch.relu(f) if h < len(weights) - 1 else f
    return f


def _columns(x, weights, biases):
    """The lecture's column convention, W_h f with f of shape (n_{h-1}, n), transposed back."""
    f = x.T
    for h, (w, b) in enumerate(zip(weights, biases, strict=True)):
        f = w @ f + b[:, None]
        if h < len(weights) - 1:
            f = torch.maximum(f, torch.zeros(()))
    return f.T


@pytest.mark.parametrize("fn", [_with_linear, _columns])
def test_feedforward_written_another_way_passes(fn):
    assert check_feedforward(fn).passed


def _bias_broadcast_wrong(x, weights, biases):
    f = x
    for h, (w, b) in enumerate(zip(weights, biases, strict=True)):
        f = f @ w.T + b[:, None]
        if h < len(weights) - 1:
            f = f.clamp(min=0)
    return f


def test_feedforward_other_shape_errors_do_not_get_the_transpose_hint():
    with pytest.raises(ExerciseFailed) as info:
        check_feedforward(_bias_broadcast_wrong)
    assert "not f @ W_h" not in str(info.value)


def _returns_the_tensor(model, x, y, loss_fn, optimizer):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


def _returns_detached(model, x, y, loss_fn, optimizer):
    return _returns_the_tensor(model, x, y, loss_fn, optimizer).detach()


@pytest.mark.parametrize(
    ("fn", "received"),
    [(_returns_the_tensor, "holding its graph"), (_returns_detached, "detached")],
)
def test_training_step_returning_a_tensor_fails_with_the_graph_hint(fn, received):
    with pytest.raises(ExerciseFailed) as info:
        check_training_step(fn)
    message = str(info.value)
    assert "loss.item()" in message and "graph" in message and received in message


def test_training_step_returning_an_int_like_number_passes():
    def as_float(model, x, y, loss_fn, optimizer):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return float(loss.detach())

    assert check_training_step(as_float).passed


def _setup(n=6, sizes=(4, 5, 3), seed=0):
    return two_layer_problem(n, sizes, torch.Generator().manual_seed(seed))


def test_reference_backward_matches_autograd_and_finite_differences():
    x, y, *params = _setup()
    manual = two_layer_backward(x, y, *params)
    leaves = [p.clone().requires_grad_(True) for p in params]
    loss = nn.functional.cross_entropy(feedforward(x, leaves[0::2], leaves[1::2]), y)
    auto = torch.autograd.grad(loss, leaves)
    for m, a in zip(manual, auto, strict=True):
        assert m.shape == a.shape and torch.allclose(m, a, atol=1e-10)
    # central differences on W_1[0, 1]: independent of both
    eps = 1e-6
    plus = [p.clone() for p in params]
    minus = [p.clone() for p in params]
    plus[0][0, 1] += eps
    minus[0][0, 1] -= eps

    def loss_at(ps):
        return nn.functional.cross_entropy(feedforward(x, ps[0::2], ps[1::2]), y).item()

    fd = (loss_at(plus) - loss_at(minus)) / (2 * eps)
    assert fd == pytest.approx(manual[0][0, 1].item(), rel=1e-6, abs=1e-9)
    with pytest.raises(ValueError, match="shapes"):
        two_layer_backward(x, y, params[0].T, *params[1:])


def _no_mean(x, y, w1, b1, w2, b2):
    return tuple(g * len(x) for g in two_layer_backward(x, y, w1, b1, w2, b2))


def _no_relu_mask(x, y, w1, b1, w2, b2):
    a1 = x @ w1.T + b1
    z1 = a1.clamp(min=0)
    a2 = z1 @ w2.T + b2
    d2 = (torch.softmax(a2, 1) - nn.functional.one_hot(y, a2.shape[1])) / len(x)
    d1 = d2 @ w2
    return d1.T @ x, d1.sum(0), d2.T @ z1, d2.sum(0)


def _transposed_weight_gradients(x, y, w1, b1, w2, b2):
    dw1, db1, dw2, db2 = two_layer_backward(x, y, w1, b1, w2, b2)
    return dw1.T, db1, dw2.T, db2


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (_no_mean, "n times too large"),
        (_no_relu_mask, "1{a_1 > 0}"),
        (_transposed_weight_gradients, "shape"),
        (lambda *a: None, "expected a tuple"),
    ],
)
def test_backward_mistakes_fail_with_a_hint_naming_them(fn, message):
    assert check_two_layer_backward(two_layer_backward).passed
    with pytest.raises(ExerciseFailed) as info:
        check_two_layer_backward(fn)
    assert message in str(info.value)


def test_backward_stub_is_not_implemented():
    def stub(*args):
        raise NotImplementedError

    assert check_two_layer_backward(stub).status == "not implemented"


def test_parameter_count_formula_is_symbolic_and_matches_pytorch():
    assert check_parameter_count_formula(lambda: "(n0 + 1)*n1 + (n1 + 1)*n2").passed
    assert check_parameter_count_formula(lambda: "n1*n0 + n1 + n2*n1 + n2").passed
    with pytest.raises(ExerciseFailed, match="differs"):
        check_parameter_count_formula(lambda: "n0*n1 + n1*n2")  # biases forgotten
    n0, n1, n2 = 7, 5, 3  # the expected formula agrees with PyTorch's count
    assert count_parameters(MLP([n0, n1, n2])) == n1 * (n0 + 1) + n2 * (n1 + 1)


def test_delta_formulas():
    assert check_delta_recursion_formula(lambda: "delta2*w2*sigma(a1)*(1 - sigma(a1))").passed
    with pytest.raises(ExerciseFailed, match="differs"):
        check_delta_recursion_formula(lambda: "delta2*w2*sigma(a1)")  # σ instead of σ'
    assert check_output_delta_formula(lambda: "1/(1 + exp(-a2)) - y").passed
    with pytest.raises(ExerciseFailed, match="differs"):
        check_output_delta_formula(lambda: "y - sigma(a2)")  # the sign
