"""Each team's own distribution (utils.lab_tools.team_distribution) and the lab's lesson tools:
best_line, fit_cross_entropy, paired_difference, StackedMLP."""

import copy
import math

import pytest
import torch

from utils.bayes import GaussianClasses, paired_difference
from utils.course.lab_hidden import train_classifier as _train_classifier
from utils.lab_tools import (
    BAYES_RISK_RANGE,
    best_line,
    describe_parameters,
    fit_cross_entropy,
    normalise_team,
    team_distribution,
    team_seed,
)
from utils.models import StackedMLP


def parameters(model: GaussianClasses) -> list:
    return [model.priors.tolist(), model.means.tolist(), model.covariances.tolist()]


def test_names_are_normalised_and_sorted():
    assert normalise_team(["  Élodie  Durand ", "ada LOVELACE"]) == ["adalovelace", "elodiedurand"]
    assert normalise_team(["Straße", "", "  "]) == ["strasse"]  # casefold: ß → ss
    same = team_seed(["Ada Lovelace", "Élodie Durand"])
    assert same == team_seed(["elodie durand", "  ADA   lovelace"])
    assert same != team_seed(["Ada Lovelace", "Elodie Duran"])


@pytest.mark.parametrize("bad", ["Ada Lovelace", [], ["", " "], [1, 2], None])
def test_bad_teams_are_refused_with_a_message(bad):
    with pytest.raises(ValueError, match="`team` must"):
        normalise_team(bad)


def test_same_team_same_numbers_different_teams_different_ones():
    a = team_distribution(["Ada Lovelace", "Alan Turing"])
    again = team_distribution(["alan turing", "Ada  Lovelace"])
    b = team_distribution(["Grace Hopper", "Edsger Dijkstra"])
    c = team_distribution(["Ada Lovelace", "Alan Turing", "Grace Hopper"])
    assert parameters(a) == parameters(again)
    assert describe_parameters(a) == describe_parameters(again)
    assert parameters(a) != parameters(b) and parameters(a) != parameters(c)
    assert describe_parameters(a) != describe_parameters(b)


TEAMS = [["Ada Lovelace", "Alan Turing"], ["A", "B"], ["C", "D", "E"], ["Student name 1", "x"]]


@pytest.mark.parametrize("team", TEAMS, ids=["-".join(t) for t in TEAMS])
def test_every_draw_tells_the_lab_story(team):
    """Measured on fresh samples, not the screening one: unequal covariances, a Bayes risk in
    the band, lines clearly worse than the Bayes rule, parameters with two decimals."""
    model = team_distribution(team)
    assert not torch.allclose(model.covariances[0], model.covariances[1])
    assert model.priors.sum().item() == pytest.approx(1.0)
    for value in [*model.priors.tolist(), *model.means.flatten().tolist()]:
        assert value == round(value, 2)
    x, y = model.sample(40_000, generator=1)
    bayes_errors = (model.predict(x) != y).long()
    bayes = bayes_errors.double().mean().item()
    assert BAYES_RISK_RANGE[0] - 0.01 < bayes < BAYES_RISK_RANGE[1] + 0.01
    line = best_line(*model.sample(40_000, generator=2))  # chosen on another sample
    gap = paired_difference((line.predict(x) != y).long(), bayes_errors)
    assert gap.value > 0.015 and gap.value > 5 * gap.stderr, gap


def test_best_line_finds_a_known_separating_line():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2000, 2, generator=g, dtype=torch.float64)
    y = (x @ torch.tensor([1.0, -2.0], dtype=torch.float64) > 0.5).long()
    line = best_line(x, y)
    assert (line.predict(x) != y).sum().item() <= 2  # the grid's resolution, nothing more
    flipped = best_line(x, 1 - y)  # the other orientation
    assert (flipped.predict(x) != 1 - y).sum().item() <= 2
    with pytest.raises(ValueError, match=r"`x` must have shape \(n, 2\)"):
        best_line(torch.zeros(5, 3), torch.zeros(5))


def test_best_line_beats_or_ties_the_cross_entropy_line_on_its_sample():
    model = team_distribution(["Ada Lovelace", "Alan Turing"])
    x, y = model.sample(20_000, generator=3)
    zero_one = (best_line(x, y).predict(x) != y).sum().item()
    cross_entropy = (fit_cross_entropy(x, y).predict(x) != y).sum().item()
    assert zero_one <= cross_entropy


def test_fit_cross_entropy_matches_a_long_gradient_descent():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(500, 2, generator=g, dtype=torch.float64)
    y = (
        torch.rand(500, generator=g, dtype=torch.float64)
        < torch.sigmoid(2 * x[:, 0] - x[:, 1] + 0.3)
    ).long()
    rule = fit_cross_entropy(x, y)
    theta = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([theta], lr=1.0)
    for _ in range(3000):
        optimizer.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            x @ theta[:2] + theta[2], y.double()
        )
        loss.backward()
        optimizer.step()
    assert torch.allclose(rule.w, theta[:2].detach(), atol=1e-4)
    assert rule.b == pytest.approx(theta[2].item(), abs=1e-4)


def test_paired_difference_and_its_standard_error():
    a = torch.tensor([1, 0, 1, 1, 0, 0, 1, 0])
    b = torch.tensor([1, 0, 0, 1, 0, 0, 1, 1])
    d = (a - b).double()
    result = paired_difference(a, b)
    assert result.value == pytest.approx(d.mean().item())
    assert result.stderr == pytest.approx(d.std().item() / math.sqrt(8))  # n − 1 inside std
    assert paired_difference(a, a).stderr == 0.0
    with pytest.raises(ValueError, match="same n points"):
        paired_difference(a, b[:5])


def test_stacked_copies_train_as_separate_networks():
    """Training the stack with Adam = training each copy alone (up to Adam's eps)."""
    g = torch.Generator().manual_seed(2)
    x = torch.randn(3, 64, 2, generator=g)
    y = (x[..., 0] * x[..., 1] > 0).long()
    torch.manual_seed(0)
    stack = StackedMLP([2, 6, 1], copies=3)
    alone = []
    for s in range(3):
        net = torch.nn.Sequential(torch.nn.Linear(2, 6), torch.nn.ReLU(), torch.nn.Linear(6, 1))
        with torch.no_grad():
            net[0].weight.copy_(stack.weights[0][s].T)
            net[0].bias.copy_(stack.biases[0][s, 0])
            net[2].weight.copy_(stack.weights[1][s].T)
            net[2].bias.copy_(stack.biases[1][s, 0])
        alone.append(net)
    before = copy.deepcopy(stack)
    _train_classifier(stack, x, y.reshape(-1), 50, 0.03)
    for s, net in enumerate(alone):
        _train_classifier(net, x[s], y[s], 50, 0.03)
        with torch.no_grad():
            assert torch.allclose(stack(x)[s], net(x[s]), atol=1e-4)
            assert not torch.allclose(before(x)[s], net(x[s]), atol=1e-3)  # it did train
    with pytest.raises(ValueError, match=r"`x` must have shape \(copies, n, n_0\)"):
        stack(torch.zeros(64, 2))
    with pytest.raises(ValueError, match="`copies` must be a positive int"):
        StackedMLP([2, 1], copies=0)
