"""utils.models.max_margin: the θ* of largest margin, the best constant in Novikoff's bound."""

import pytest
import torch

from utils.data import make_linearly_separable
from utils.models import Perceptron, max_margin, novikoff_bound


def test_max_margin_beats_the_generating_line_and_is_attained():
    x, y = make_linearly_separable(100, margin=0.1, seed=0)
    theta, gamma = max_margin(x, y)
    assert theta.shape == (3,) and abs(theta.norm().item() - 1) < 1e-12
    # Its own margin, computed independently by novikoff_bound, is the γ it reports.
    assert novikoff_bound(x, y, theta[:2], theta[2])[1] == pytest.approx(gamma, rel=1e-9)
    assert gamma > novikoff_bound(x, y, torch.tensor([1.0, -2.0]), 0.5)[1]
    # No direction does better: random separating directions near θ* have smaller margins.
    gen = torch.Generator().manual_seed(0)
    for _ in range(200):
        other = theta + 0.05 * torch.randn(3, generator=gen, dtype=torch.float64)
        s = torch.where(y == 1, 1.0, -1.0).double()
        x_tilde = torch.cat([x.double(), torch.ones(100, 1, dtype=torch.float64)], 1)
        assert (s * (x_tilde @ other)).min() / other.norm() <= gamma + 1e-9


def test_hadamard_points_reach_novikoffs_bound():
    h = torch.ones(1, 1)
    for _ in range(3):
        h = torch.cat([torch.cat([h, h], 1), torch.cat([h, -h], 1)])
    x, y = h[:, 1:], torch.zeros(8, dtype=torch.long)
    theta, gamma = max_margin(x, y)
    assert gamma == pytest.approx(1.0, abs=1e-9)
    assert torch.allclose(theta, torch.tensor([0.0] * 7 + [-1.0], dtype=torch.float64), atol=1e-6)
    assert Perceptron(7).fit(x, y).n_updates == 8  # = (R/γ*)² with R² = 8


def test_max_margin_rejects_non_separable_data():
    x = torch.tensor([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match="linearly separable"):
        max_margin(x, torch.tensor([0, 0, 1, 1]))
