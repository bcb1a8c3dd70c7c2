"""Tests of the feed-forward networks of utils/models/mlp.py (notebook 06)."""

import pytest
import torch
from torch import nn

from utils.models import MLP, count_parameters, feedforward, mlp_parameter_count


@pytest.mark.parametrize("sizes", [[2, 1], [2, 20, 1], [784, 256, 10], [64, 128, 64, 10]])
def test_parameter_count_is_sum_of_n_h_times_n_prev_plus_one(sizes):
    expected = sum(sizes[h] * (sizes[h - 1] + 1) for h in range(1, len(sizes)))
    assert mlp_parameter_count(sizes) == expected
    assert count_parameters(MLP(sizes)) == expected


def test_known_counts():
    assert mlp_parameter_count([784, 256, 10]) == 203_530
    assert count_parameters(MLP([2, 20, 1])) == 81  # the slide's TwoLayerNet(2, 20, 1)
    frozen = MLP([3, 2])
    frozen[1].bias.requires_grad_(False)
    assert count_parameters(frozen) == 6 and count_parameters(frozen, trainable_only=False) == 8


def test_mlp_matches_feedforward_and_layer_structure():
    torch.manual_seed(0)
    model = MLP([5, 7, 4, 3], activation=nn.Tanh)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(5, 7), (7, 4), (4, 3)]
    assert sum(isinstance(m, nn.Tanh) for m in model) == 2  # no activation after the last
    relu_model = MLP([5, 7, 4, 3])
    x = torch.randn(6, 5)
    weights = [m.weight for m in relu_model if isinstance(m, nn.Linear)]
    biases = [m.bias for m in relu_model if isinstance(m, nn.Linear)]
    assert torch.allclose(relu_model(x), feedforward(x, weights, biases), atol=1e-6)
    assert relu_model(x.reshape(6, 1, 5)).shape == (6, 3)  # images are flattened


def test_feedforward_last_layer_is_linear():
    w = [torch.eye(2), torch.eye(2)]
    b = [torch.zeros(2), torch.tensor([-5.0, 0.0])]
    out = feedforward(torch.tensor([[1.0, -1.0]]), w, b)
    assert out.tolist() == [[-4.0, 0.0]]
    with pytest.raises(ValueError, match="same length"):
        feedforward(torch.zeros(1, 2), w, b[:1])


def test_mlp_validates_arguments():
    with pytest.raises(ValueError, match="`sizes`"):
        MLP([3])
    with pytest.raises(ValueError, match="`sizes`"):
        MLP([3, 0, 2])
    with pytest.raises(ValueError, match="`activation`"):
        MLP([3, 2], activation=nn.ReLU())
    with pytest.raises(ValueError, match="`sizes`"):
        mlp_parameter_count([3])
