"""Each team's own distribution (utils.lab_tools.team_distribution) and the lab's lesson tools:
best_line, fit_cross_entropy, paired_difference, StackedMLP."""

import copy
import math
import random
import re
import statistics

import pytest
import torch

from utils.bayes import GaussianClasses, RiskEstimate, paired_difference
from utils.course.lab_hidden import train_classifier as _train_classifier
from utils.lab_tools import (
    ALPHA,
    BAYES_RISK_RANGE,
    best_line,
    describe_parameters,
    exact_line_risks,
    fit_cross_entropy,
    no_negative_excess,
    normalise_team,
    over_seeds,
    story_numbers,
    team_distribution,
    team_fingerprint,
    team_seed,
    z_threshold,
)
from utils.models import StackedMLP


def parameters(model: GaussianClasses) -> list:
    return [model.priors.tolist(), model.means.tolist(), model.covariances.tolist()]


def test_names_are_normalised_as_the_roster_spells_them():
    assert normalise_team(["  Élodie  Durand ", "ada LOVELACE"]) == [
        "ada lovelace",
        "durand elodie",
    ]
    assert normalise_team(["Straße", "", "  "]) == ["strasse"]  # casefold: ß → ss
    same = team_seed(["Ada Lovelace", "Élodie Durand"])
    assert same == team_seed(["elodie durand", "  ADA   lovelace"])
    assert same != team_seed(["Ada Lovelace", "Elodie Duran"])
    # order within a name, hyphens and punctuation, letters without a decomposition
    assert team_fingerprint(["Martin Chloé", "Hugo-Bernard Søren"]) == team_fingerprint(
        ["Søren Hugo Bernard", "Chloé Martin"]
    )
    assert normalise_team(["O'Neil, Łukasz", "Æsa Ødegård"]) == ["aesa odegard", "lukasz neil o"]
    assert team_fingerprint(["Ada Lovelace"]) != team_fingerprint(["Ada Lovelace", "Alan Turing"])
    assert re.fullmatch(r"[0-9a-f]{8}", team_fingerprint(["Ada Lovelace"]))
    seed = team_seed(["Ada Lovelace"])  # the draw's seed and the fingerprint: one hash
    assert f"{seed >> 31:08x}" == team_fingerprint(["Lovelace  Ada"])


def test_a_member_named_twice_is_an_error():
    with pytest.raises(ValueError, match="the same member twice"):
        normalise_team(["Chloé Martin", "Alan Turing", "martin  CHLOE"])
    with pytest.raises(ValueError, match="the same member twice"):
        team_distribution(["Ada Lovelace", "Lovelace Ada"])


@pytest.mark.parametrize("bad", ["Ada Lovelace", [], ["", " "], [1, 2], None, ["-", "!"]])
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


# -- a story that holds for every team (issue 19 §3) ---------------------------------------------

FIRST = ["Tom", "Gabriel", "Chloé", "Hugo", "Léa", "Ada", "Alan", "Grace", "Emma", "Lucas", "Jade"]
LAST = ["Michel", "Moreau", "Martin", "Bernard", "Dubois", "Petit", "Durand", "Leroy", "Roux"]
RANDOM_TEAMS = [["Tom Michel", "Gabriel Moreau"]] + [
    [f"{random.Random(k).choice(FIRST)} {random.Random(k + 100).choice(LAST)}", f"Member {k}"]
    for k in range(39)
]


@pytest.mark.parametrize("team", RANDOM_TEAMS, ids=[" & ".join(t) for t in RANDOM_TEAMS])
def test_every_quantity_the_lab_asks_about_is_measurable(team):
    """For 40 teams (the first is the one whose cross-entropy line lost to a constant in v2):
    the notebook's exact numbers keep every deterministic expectation of section 3.2 true, with
    room: approximation error > 0.015, surrogate gap > 0.002, the cross-entropy line better
    than always answering the likelier class by 0.02. (A smaller sample than the notebook's
    for R* and the fit: the margins of the screening cover the difference.)"""
    model = team_distribution(team)
    x, y = model.sample(50_000, generator=2029)
    exact = exact_line_risks(model, x, y)
    bayes = model.bayes_risk(n_mc=100_000, generator=2026)
    assert exact["best_line"] - bayes.value > 0.015 + 3 * bayes.stderr
    assert exact["ce_line"] - exact["best_line"] > 0.002
    assert exact["ce_line"] < model.priors.min().item() - 0.02


def test_screening_rejects_what_the_text_could_not_explain():
    """A draw whose cross-entropy line is no better than a constant, or whose surrogate gap is
    under the threshold, is refused by story_numbers."""
    shared = [[1.0, 0.0], [0.0, 1.0]]
    no_gap = GaussianClasses([0.5, 0.5], [[0.0, 0.0], [1.0, 0.0]], [shared, shared])
    assert story_numbers(no_gap, 5000, generator=0) is None  # a line is Bayes: no story
    kept = team_distribution(["Ada Lovelace", "Alan Turing"])
    numbers = story_numbers(kept, 20_000, generator=5)
    assert numbers is not None and numbers["ce_line"] < numbers["constant"] - 0.03


def test_over_seeds_median_range_and_coverage():
    summary = over_seeds([0.03, 0.01, 0.02, 0.05, 0.04])
    assert (summary.median, summary.low, summary.high) == (0.03, 0.01, 0.05)
    assert summary.coverage == pytest.approx(1 - 2 / 32)  # ≈ 94 %
    assert over_seeds([1.0, 3.0]).median == 2.0
    assert summary.sem == pytest.approx(statistics.stdev(summary.values) / math.sqrt(5))
    assert str(summary) == "0.0300 [0.0100, 0.0500]"
    # the coverage claim, measured: 5 seeds drawn from a skewed law, [min, max] ∋ its median
    torch.manual_seed(0)
    draws = torch.distributions.Exponential(1.0).sample((20_000, 5))
    low, high = draws.min(1).values, draws.max(1).values
    covered = ((low <= math.log(2)) & (math.log(2) <= high)).double().mean().item()
    assert abs(covered - summary.coverage) < 0.01


def simulated_team_alarms(teams: int, generator: torch.Generator) -> torch.Tensor:
    """For ``teams`` simulated teams, whether any of the lab's statistical expectations raises a
    false ⚠️ when its premise is true at the boundary (true excess risk 0, equal risks), with
    the lab's decision functions and the lab's sample sizes: Bayes estimate against the test
    sample (3.1), the well-specified family (3.2) and the 100 paired excess risks (3.4)."""
    normal = torch.distributions.Normal(0.0, 1.0)
    alarms = torch.zeros(teams, dtype=torch.bool)
    # 3.1 and 3.2: a difference of two unbiased estimates in units of its standard error
    for name in ("bayes_agrees", "well_specified"):
        z = normal.sample((teams,))
        alarms |= z.abs() >= z_threshold(ALPHA[name], two_sided=True)
    # 3.4: 100 paired estimates, each from n = 100 000 points of d ∈ {−1, 0, 1} with equal
    # chances of −1 and +1 (disagreement rate q): counts drawn exactly, decided as the lab does
    n, m = 100_000, 100
    q = torch.rand(teams, m, generator=generator) * 0.1 + 0.005
    flips = torch.binomial(torch.full((teams, m), float(n)), q, generator=generator)
    plus = torch.binomial(flips, torch.full_like(flips, 0.5), generator=generator)
    minus = flips - plus
    mean = (plus - minus) / n
    var = (flips / n - mean**2) * n / (n - 1)
    for t in range(teams):
        estimates = [
            RiskEstimate(mean[t, i].item(), math.sqrt(var[t, i].item() / n), "paired")
            for i in range(m)
        ]
        ok, _ = no_negative_excess(estimates)
        alarms[t] |= not ok
    return alarms


def test_false_alarms_are_at_most_one_percent_per_team():
    """Family-wise: on 3000 simulated teams whose every premise is true, the share with any
    false ⚠️ is ≤ 1 % (up to the simulation's own noise), where v2's "−2 SE" rule raised one
    for most teams with 100 estimates."""
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    alarms = simulated_team_alarms(3000, g)
    rate = alarms.double().mean().item()
    assert rate <= 0.01 + 3 * math.sqrt(0.01 * 0.99 / 3000), rate
    assert z_threshold(ALPHA["no_negative_excess"], 100) > 3.5  # Bonferroni: far beyond 2
