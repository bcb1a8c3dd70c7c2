"""Tests of the perceptron and logistic regression (utils/models.py, notebooks 03–05), and of the
2-D datasets they are trained on (utils/data.py)."""

import pytest
import torch
from torch import nn

from utils.data import make_blobs, make_linearly_separable, make_xor
from utils.models import (
    LogisticRegression,
    Perceptron,
    bce_gradient,
    novikoff_bound,
    perceptron_update,
)

TRUE_W, TRUE_B = torch.tensor([1.0, -2.0]), 0.5  # make_linearly_separable's default line


# --- the perceptron rule -------------------------------------------------------------------------


def test_update_adds_a_missed_positive_and_subtracts_a_false_positive():
    w, b = torch.tensor([1.0, 0.0]), torch.tensor(0.0)
    x = torch.tensor([-2.0, 1.0])
    new_w, new_b = perceptron_update(w, b, x, 1)
    assert torch.equal(new_w, torch.tensor([-1.0, 1.0])) and new_b.item() == 1.0
    new_w, new_b = perceptron_update(w, b, -x, 0, lr=0.5)
    assert torch.equal(new_w, torch.tensor([0.0, 0.5])) and new_b.item() == -0.5


def test_update_leaves_correct_examples_and_treats_the_boundary_as_class_1():
    w, b = torch.tensor([1.0, -1.0]), torch.tensor(0.0)
    on_line = torch.tensor([1.0, 1.0])
    same_w, same_b = perceptron_update(w, b, on_line, 1)
    assert torch.equal(same_w, w) and same_b.item() == 0.0
    moved_w, _ = perceptron_update(w, b, on_line, 0)
    assert torch.equal(moved_w, torch.tensor([0.0, -2.0]))


def test_update_does_not_modify_its_inputs():
    w, b = torch.tensor([1.0, 0.0]), torch.tensor(0.0)
    perceptron_update(w, b, torch.tensor([-2.0, 1.0]), 1)
    assert torch.equal(w, torch.tensor([1.0, 0.0])) and b.item() == 0.0


def test_perceptron_learns_and():
    x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = torch.tensor([0, 0, 0, 1])
    model = Perceptron(2).fit(x, y)
    assert model.converged and model.cycle is None
    assert torch.equal(model.predict(x), y)
    assert model.predict(x).dtype == torch.int64
    assert len(model.history) == model.n_updates + 1
    assert model.mistakes_per_epoch[-1] == 0 and sum(model.mistakes_per_epoch) == model.n_updates


@pytest.mark.parametrize("margin", [0.02, 0.05, 0.1, 0.3])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_perceptron_converges_within_novikoff_bound(margin, seed):
    x, y = make_linearly_separable(200, margin=margin, seed=seed)
    model = Perceptron(2).fit(x, y, max_epochs=10_000)
    radius, gamma, bound = novikoff_bound(x, y, TRUE_W, TRUE_B)
    assert model.converged
    assert torch.equal(model.predict(x), y)
    theta_norm = torch.cat([TRUE_W, torch.tensor([TRUE_B])]).norm().item()
    assert gamma >= margin * TRUE_W.norm().item() / theta_norm * 0.999
    assert 0 < model.n_updates <= bound
    assert radius == pytest.approx(torch.cat([x, torch.ones(200, 1)], 1).norm(dim=1).max().item())


def test_perceptron_accepts_plus_minus_one_labels():
    x, y = make_linearly_separable(100, margin=0.1, seed=3)
    a = Perceptron(2).fit(x, y)
    b = Perceptron(2).fit(x, 2 * y - 1)
    assert torch.equal(a.w, b.w) and torch.equal(a.b, b.b)


def test_novikoff_bound_rejects_a_line_that_does_not_separate():
    x, y = make_linearly_separable(100, margin=0.1, seed=0)
    with pytest.raises(ValueError, match="separate"):
        novikoff_bound(x, y, -TRUE_W, -TRUE_B)


def test_perceptron_cycles_on_xor():
    x, y = make_xor(4, noise=0.0)
    model = Perceptron(2).fit(x, y, max_epochs=1000)
    assert not model.converged
    assert model.cycle is not None
    assert min(model.mistakes_per_epoch) > 0
    assert len(model.mistakes_per_epoch) < 1000  # stopped by the cycle, not by max_epochs
    assert (model.predict(x) == y).float().mean() < 1


def test_perceptron_never_converges_on_noisy_xor():
    x, y = make_xor(200, noise=0.2, seed=0)
    model = Perceptron(2).fit(x, y, max_epochs=50)
    assert not model.converged
    assert all(m > 0 for m in model.mistakes_per_epoch)
    assert (model.predict(x) == y).float().mean() <= 0.8


@pytest.mark.parametrize(
    "x, y, match",
    [
        (torch.zeros(4, 3), torch.zeros(4, dtype=torch.long), r"shape \(n, 2\)"),
        (torch.zeros(4), torch.zeros(4, dtype=torch.long), r"shape \(n, 2\)"),
        (torch.zeros(4, 2), torch.tensor([0, 1, 2, 1]), "labels"),
        (torch.zeros(4, 2), torch.tensor([0, -1, 1, 1]), "labels"),
        (torch.zeros(4, 2), torch.zeros(3, dtype=torch.long), r"shape \(4,\)"),
        (torch.zeros(4, 2, dtype=torch.long), torch.zeros(4, dtype=torch.long), "floats"),
    ],
)
def test_perceptron_rejects_bad_input(x, y, match):
    with pytest.raises(ValueError, match=match):
        Perceptron(2).fit(x, y)


def test_perceptron_rejects_bad_settings():
    with pytest.raises(ValueError, match="in_features"):
        Perceptron(0)
    with pytest.raises(ValueError, match="lr"):
        Perceptron(2, lr=0)
    with pytest.raises(ValueError, match="max_epochs"):
        Perceptron(2).fit(torch.zeros(2, 2), torch.tensor([0, 1]), max_epochs=0)
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        Perceptron(2).predict(torch.zeros(3, 5))


# --- logistic regression -------------------------------------------------------------------------


def test_logistic_regression_shapes_and_dtypes():
    model = LogisticRegression(3)
    x = torch.randn(7, 3)
    logits = model(x)
    assert logits.shape == (7,) and logits.requires_grad
    proba = model.predict_proba(x)
    assert proba.shape == (7,) and not proba.requires_grad
    assert torch.allclose(proba, torch.sigmoid(logits.detach()))
    labels = model.predict(x)
    assert labels.dtype == torch.int64 and labels.shape == (7,)
    assert torch.equal(labels, (logits.detach() >= 0).long())
    assert model(torch.zeros(0, 3)).shape == (0,)


def test_logistic_regression_rejects_bad_input():
    model = LogisticRegression(2)
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        model(torch.zeros(5, 3))
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        model.predict(torch.zeros(2))
    with pytest.raises(ValueError, match="in_features"):
        LogisticRegression(-1)


def test_logistic_regression_trains_with_bce_with_logits():
    x, y = make_linearly_separable(200, margin=0.2, seed=0)
    model = LogisticRegression(2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    loss_fn = nn.BCEWithLogitsLoss()
    for _ in range(300):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y.float())
        loss.backward()
        optimizer.step()
    assert (model.predict(x) == y).float().mean() > 0.97
    w = model.linear.weight.detach()[0]
    cosine = torch.dot(w, TRUE_W) / (w.norm() * TRUE_W.norm())
    assert cosine > 0.95


def test_bce_gradient_matches_autograd():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(20, 3, generator=g, dtype=torch.float64)
    y = (torch.rand(20, generator=g) < 0.5).long()
    w = torch.randn(3, dtype=torch.float64, generator=g, requires_grad=True)
    b = torch.tensor(0.2, dtype=torch.float64, requires_grad=True)
    loss = nn.functional.binary_cross_entropy_with_logits(x @ w + b, y.double())
    auto_w, auto_b = torch.autograd.grad(loss, (w, b))
    grad_w, grad_b = bce_gradient(w.detach(), b.detach(), x, y)
    assert torch.allclose(grad_w, auto_w, atol=1e-12) and torch.allclose(grad_b, auto_b, atol=1e-12)
    with pytest.raises(ValueError, match="labels"):
        bce_gradient(w.detach(), b.detach(), x, 2 * y - 1)


# --- the 2-D datasets ----------------------------------------------------------------------------


def test_linearly_separable_data_respect_the_margin_and_the_seed():
    x, y = make_linearly_separable(300, margin=0.25, seed=5)
    assert x.shape == (300, 2) and x.dtype == torch.float32 and y.dtype == torch.int64
    distance = (x @ TRUE_W + TRUE_B).abs() / TRUE_W.norm()
    assert distance.min() >= 0.25 - 1e-6
    assert torch.equal(y, (x @ TRUE_W + TRUE_B >= 0).long())
    assert set(y.tolist()) == {0, 1}
    x2, _ = make_linearly_separable(300, margin=0.25, seed=5)
    x3, _ = make_linearly_separable(300, margin=0.25, seed=torch.Generator().manual_seed(6))
    assert torch.equal(x, x2) and not torch.equal(x, x3)
    with pytest.raises(ValueError, match="margin"):
        make_linearly_separable(10, margin=-0.1)
    with pytest.raises(ValueError, match="seed"):
        make_linearly_separable(10, seed="zero")


def test_xor_corners_and_labels():
    x, y = make_xor(4, noise=0.0)
    assert torch.equal(y, (x[:, 0] * x[:, 1] < 0).long())
    assert set(map(tuple, x.tolist())) == {(1.0, 1.0), (-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0)}
    x, y = make_xor(400, noise=0.2, seed=1)
    assert x.shape == (400, 2) and (y == 1).sum() == 200
    assert (y == (x[:, 0] * x[:, 1] < 0).long()).float().mean() > 0.95
    with pytest.raises(ValueError, match="noise"):
        make_xor(10, noise=-1.0)


def test_blobs():
    x, y = make_blobs(300, seed=0)
    assert x.shape == (300, 2) and torch.equal(torch.bincount(y), torch.tensor([100, 100, 100]))
    x, y = make_blobs(10, centers=torch.tensor([[0.0, 0.0], [5.0, 5.0]]), std=0.1, seed=0)
    assert set(y.tolist()) == {0, 1} and x[y == 1].mean(0).sub(5).abs().max() < 0.2
    with pytest.raises(ValueError, match="centers"):
        make_blobs(10, centers=torch.zeros(3))
