"""GaussianClasses.linear_risk (the exact 0-1 risk of a line) and best_linear_risk (the best line,
by brute force) against closed forms, Monte Carlo, a random search and bad inputs."""

import math

import pytest
import torch

from utils.bayes import GaussianClasses


def shared():
    cov = torch.tensor([[1.0, 0.4], [0.4, 0.8]])
    return GaussianClasses([0.4, 0.6], [[-1.0, 0.0], [0.8, 0.6]], torch.stack([cov, cov]))


def curved():
    tight, wide = torch.eye(2) * 0.3, torch.eye(2) * 3.0
    return GaussianClasses([0.5, 0.5], [[0.0, 0.0], [1.5, 0.0]], torch.stack([tight, wide]))


def test_the_bayes_line_has_the_bayes_risk():
    model = shared()
    precision = torch.linalg.inv(model.covariances[0])
    mu0, mu1 = model.means
    w = precision @ (mu1 - mu0)
    b = -0.5 * (mu1 @ precision @ mu1 - mu0 @ precision @ mu0) + math.log(0.6 / 0.4)
    assert model.linear_risk(w, b).item() == pytest.approx(model.bayes_risk().value, abs=1e-12)


@pytest.mark.parametrize("model", [shared(), curved()], ids=["shared", "curved"])
def test_linear_risk_matches_monte_carlo(model):
    w, b = torch.tensor([0.7, -1.2]), torch.tensor(0.3)
    mc = model.risk(lambda x: (x @ w + b >= 0).long(), n=200_000, generator=0)
    assert abs(model.linear_risk(w, b).item() - mc.value) < 4 * mc.stderr


def test_linear_risk_is_vectorised_and_scale_invariant():
    model = curved()
    w = torch.randn(5, 3, 2, generator=torch.Generator().manual_seed(0))
    b = torch.randn(5, 3, generator=torch.Generator().manual_seed(1))
    many = model.linear_risk(w, b)
    assert many.shape == (5, 3) and many.dtype == torch.float64
    assert many[2, 1].item() == pytest.approx(model.linear_risk(w[2, 1], b[2, 1]).item())
    assert torch.allclose(model.linear_risk(3 * w, 3 * b), many, atol=1e-12)
    assert ((many >= 0) & (many <= 1)).all()


@pytest.mark.parametrize("model", [shared(), curved()], ids=["shared", "curved"])
def test_best_linear_risk_beats_a_random_search(model):
    risk, w, b = model.best_linear_risk()
    assert risk == pytest.approx(model.linear_risk(w, b).item(), abs=1e-12)
    g = torch.Generator().manual_seed(0)
    angles = 2 * math.pi * torch.rand(20_000, generator=g, dtype=torch.float64)
    ws = torch.stack([angles.cos(), angles.sin()], dim=1)
    bs = 6 * torch.rand(20_000, generator=g, dtype=torch.float64) - 3
    assert risk <= model.linear_risk(ws, bs).min().item() + 1e-9


def test_best_linear_risk_reaches_the_bayes_risk_when_the_bayes_rule_is_a_line():
    model = shared()
    risk, _, _ = model.best_linear_risk()
    assert 0 <= risk - model.bayes_risk().value < 1e-6


def test_best_linear_risk_of_the_curved_classes():
    model = curved()
    risk, w, _ = model.best_linear_risk()
    # by symmetry about the x₁ axis the best line is vertical
    assert abs(w[1].item()) < 1e-2 and risk == pytest.approx(0.2070, abs=5e-4)
    assert risk > model.bayes_risk(n_mc=100_000, generator=0).value + 0.05


def test_bad_inputs():
    model = curved()
    with pytest.raises(ValueError, match="must not be zero"):
        model.linear_risk(torch.zeros(2), torch.tensor(0.0))
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 2\)"):
        model.linear_risk(torch.ones(3), torch.tensor(0.0))
    with pytest.raises(ValueError, match="num_directions"):
        model.best_linear_risk(num_directions=2)
    three = GaussianClasses([0.3, 0.3, 0.4], torch.zeros(3, 2), torch.eye(2).expand(3, 2, 2))
    with pytest.raises(ValueError, match="two classes"):
        three.linear_risk(torch.ones(2), torch.tensor(0.0))
    one_d = GaussianClasses([0.5, 0.5], [-1.0, 1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="d = 2"):
        one_d.best_linear_risk()
