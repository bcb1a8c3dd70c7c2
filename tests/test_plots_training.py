"""Tests of notebook 06's plots: learning curves, confusion matrix, image grid."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from utils.plots import plot_confusion_matrix, plot_learning_curves, show_image_grid
from utils.train import History


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_learning_curves_draw_train_and_validation():
    history = History([1.0, 0.5, 0.3], [0.5, 0.8, 0.9], [1.1, 0.7, 0.6], [0.4, 0.7, 0.8], [1, 1, 1])
    axes = plot_learning_curves(history, title="run")
    assert len(axes) == 2
    loss_lines = axes[0].get_lines()
    assert [line.get_label() for line in loss_lines] == ["train", "validation"]
    assert np.allclose(loss_lines[1].get_ydata(), [1.1, 0.7, 0.6])
    assert axes[1].get_ylabel() == "accuracy"
    no_val = History([1.0], [0.5], [float("nan")], [float("nan")], [1.0])
    fig, given = plt.subplots(1, 2)
    out = plot_learning_curves(no_val, ax=given)
    assert out[0] is given[0] and len(given[0].get_lines()) == 1
    with pytest.raises(ValueError, match="`history`"):
        plot_learning_curves({"loss": [1]})


def test_confusion_matrix_plot_shows_counts():
    fig, ax = plt.subplots()
    out = plot_confusion_matrix(torch.tensor([0, 1, 1, 2]), torch.tensor([0, 1, 2, 2]), 3, ax=ax)
    assert out is ax
    image = ax.get_images()[0].get_array()
    assert image.tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == ["1", "1", "1", "1"]
    norm = plot_confusion_matrix(torch.tensor([1, 1]), torch.tensor([1, 0]), normalize=True)
    assert np.allclose(norm.get_images()[0].get_array()[1], [0.5, 0.5])


def test_image_grid_titles_and_wrong_in_red():
    images = torch.rand(5, 64)
    fig = show_image_grid(
        images,
        torch.tensor([1, 2, 3, 4, 5]),
        torch.tensor([1, 2, 0, 4, 5]),
        image_shape=(8, 8),
        ncols=3,
    )
    shown = [ax for ax in fig.axes if ax.get_images()]
    assert len(fig.axes) == 6 and len(shown) == 5
    assert shown[2].get_title() == "y=3 ŷ=0"
    assert shown[2].title.get_color() == "tab:red" and shown[0].title.get_color() == "black"
    assert show_image_grid(torch.rand(2, 1, 4, 4)).axes[0].get_images()[0].get_array().shape == (
        4,
        4,
    )
    with pytest.raises(ValueError, match="`images`"):
        show_image_grid(torch.rand(3, 10))
    with pytest.raises(ValueError, match="`labels`"):
        show_image_grid(torch.rand(3, 4, 4), labels=torch.tensor([1]))


def test_learning_curves_draw_the_running_mean_dotted_when_present():
    history = History(
        [1.0, 0.5], [0.5, 0.8], [1.1, 0.7], [0.4, 0.7], [1, 1], None, [1.3, 0.6], [0.4, 0.7]
    )
    axes = plot_learning_curves(history)
    labels = [line.get_label() for line in axes[0].get_lines()]
    assert labels == ["train", "validation", "train, running mean"]
    assert axes[0].get_lines()[2].get_linestyle() == ":"
    assert np.allclose(axes[0].get_lines()[2].get_ydata(), [1.3, 0.6])
    axes = plot_learning_curves(history, running=False)
    assert len(axes[0].get_lines()) == 2
