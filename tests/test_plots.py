"""Tests of the decision-region, boundary and activation plots (utils/plots.py, notebooks 03–05).

The Agg backend is set by conftest.py; the tests look at what the returned Axes hold."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from utils.data import make_blobs, make_xor
from utils.plots import plot_activation, plot_decision_regions, plot_linear_boundary, plot_points


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_decision_regions_from_labels_three_classes():
    x, y = make_blobs(90, seed=0)
    ax = plot_decision_regions(lambda g: (g[:, 0] > 0).long() + (g[:, 1] > 0).long(), x, y)
    assert isinstance(ax, plt.Axes)
    # one scatter per class, labelled
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["y = 0", "y = 1", "y = 2"]
    # the window covers the data with the padding
    xmin, xmax = ax.get_xlim()
    assert xmin == pytest.approx(x[:, 0].min().item() - 0.5)
    assert xmax == pytest.approx(x[:, 0].max().item() + 0.5)
    # the filled regions have one band per class
    filled = [c for c in ax.collections if getattr(c, "levels", None) is not None]
    assert any(len(c.levels) == 4 for c in filled)


def test_decision_regions_from_class_scores_uses_argmax():
    x, y = make_blobs(60, seed=1)
    seen = []

    def scores(g):
        seen.append(g)
        return torch.stack([g[:, 0], -g[:, 0], g[:, 1]], dim=1)  # (m, 3)

    ax = plot_decision_regions(scores, x, y, resolution=50)
    assert seen[0].shape == (2500, 2) and seen[0].dtype == torch.float32
    assert ax.get_title() == ""


def test_decision_regions_from_probabilities_draws_the_half_level():
    x, y = make_xor(40, seed=0)
    ax = plot_decision_regions(lambda g: torch.sigmoid(g[:, 0] - 0.3), x, y, title="P(Y = 1 | x)")
    levels = [list(np.round(c.levels, 3)) for c in ax.collections if hasattr(c, "levels")]
    assert [0.5] in levels
    assert ax.get_title() == "P(Y = 1 | x)"


def test_decision_regions_without_labels_and_into_a_given_axes():
    fig, axes = plt.subplots(1, 2)
    x = torch.randn(30, 2)
    out = plot_decision_regions(lambda g: g[:, 0] > 0, x, ax=axes[1])
    assert out is axes[1]
    assert out.get_legend() is None
    assert not axes[0].collections


@pytest.mark.parametrize(
    "predict_fn, match",
    [
        (lambda g: g[:, 0] * 10, r"outside \[0, 1\]"),
        (lambda g: g[:5, 0], "must return shape"),
        (lambda g: -torch.ones(g.shape[0], dtype=torch.long), "labels"),
        ("not a function", "callable"),
    ],
)
def test_decision_regions_rejects_bad_predictions(predict_fn, match):
    x, y = make_xor(20, seed=0)
    with pytest.raises(ValueError, match=match):
        plot_decision_regions(predict_fn, x, y)


def test_decision_regions_rejects_bad_points():
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        plot_decision_regions(lambda g: g[:, 0] > 0, torch.zeros(5, 3))
    with pytest.raises(ValueError, match=r"shape \(5,\)"):
        plot_decision_regions(lambda g: g[:, 0] > 0, torch.zeros(5, 2), torch.zeros(4))


def test_points_one_scatter_per_class():
    x, y = make_blobs(30, seed=0)
    ax = plot_points(x, y, s=5)
    assert len(ax.collections) == 3
    assert sum(len(c.get_offsets()) for c in ax.collections) == 30


def test_linear_boundary_lies_on_the_line_and_keeps_the_window():
    fig, ax = plt.subplots()
    ax.set_xlim(-2, 2)
    ax.set_ylim(-3, 3)
    w, b = torch.tensor([1.0, -2.0]), 0.5
    plot_linear_boundary(w, b, ax, color="r", label="boundary")
    (line,) = ax.get_lines()
    xs, ys = line.get_data()
    assert np.allclose(w[0].item() * xs + w[1].item() * ys + b, 0)
    assert ax.get_xlim() == (-2, 2) and ax.get_ylim() == (-3, 3)
    assert line.get_label() == "boundary"


def test_linear_boundary_vertical_line_and_normal_arrow():
    fig, ax = plt.subplots()
    ax.set_xlim(-1, 1)
    ax.set_ylim(-1, 1)
    plot_linear_boundary(torch.tensor([2.0, 0.0]), torch.tensor(-1.0), ax, normal=True)
    xs, _ = ax.get_lines()[0].get_data()
    assert np.allclose(xs, 0.5)
    assert len(ax.texts) == 1  # the arrow is an annotation


def test_linear_boundary_rejects_zero_and_wrong_size():
    with pytest.raises(ValueError, match="zero"):
        plot_linear_boundary(torch.zeros(2), 1.0)
    with pytest.raises(ValueError, match="2 numbers"):
        plot_linear_boundary(torch.ones(3), 1.0)


def test_activation_and_its_autograd_derivative():
    ax = plot_activation(torch.sigmoid, t_range=(-4, 4), n=81, label="sigmoid")
    value, slope = ax.get_lines()[:2]
    t, s = value.get_data()
    _, ds = slope.get_data()
    assert np.allclose(s, 1 / (1 + np.exp(-t)), atol=1e-6)
    assert np.allclose(ds, s * (1 - s), atol=1e-6)
    assert ax.get_title() == "sigmoid"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["sigmoid(t)", "sigmoid'(t)"]


def test_activation_relu_derivative_and_no_derivative_option():
    ax = plot_activation(torch.relu, n=11)
    _, ds = ax.get_lines()[1].get_data()
    assert set(np.unique(ds)) <= {0.0, 1.0}
    ax2 = plot_activation(torch.tanh, derivative=False)
    assert len([line for line in ax2.get_lines() if line.get_label().startswith("tanh")]) == 1


def test_activation_rejects_non_differentiable_or_bad_functions():
    with pytest.raises(ValueError, match="autograd"):
        plot_activation(lambda t: torch.sign(t.detach()))
    with pytest.raises(ValueError, match="element-wise"):
        plot_activation(lambda t: t.sum())
    with pytest.raises(ValueError, match="t_range"):
        plot_activation(torch.relu, t_range=(1, -1))
