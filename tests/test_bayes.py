"""utils.bayes against closed forms, Monte Carlo, extreme inputs and bad inputs; and the data
generators of notebooks 01–02."""

import math

import pytest
import torch

from utils import data
from utils.bayes import GaussianClasses, RiskEstimate, as_generator


def normal_cdf(z):
    return 0.5 * math.erfc(-z / math.sqrt(2))


def one_d(priors=(0.5, 0.5), means=(-1.0, 1.0), variances=(1.0, 1.0)):
    return GaussianClasses(list(priors), list(means), list(variances))


def test_shapes_and_dtypes():
    model = one_d()
    assert (model.num_classes, model.dim) == (2, 1)
    assert model.means.shape == (2, 1) and model.covariances.shape == (2, 1, 1)
    assert model.priors.dtype == model.means.dtype == model.covariances.dtype == torch.float64
    x, y = model.sample(10, generator=0)
    assert x.shape == (10, 1) and x.dtype == torch.float32
    assert y.shape == (10,) and y.dtype == torch.int64
    assert set(y.tolist()) <= {0, 1}


def test_sampling_is_deterministic_under_a_seed():
    model = one_d()
    x1, y1 = model.sample(100, generator=3)
    x2, y2 = model.sample(100, generator=torch.Generator().manual_seed(3))
    assert torch.equal(x1, x2) and torch.equal(y1, y2)
    x3, _ = model.sample(100, generator=4)
    assert not torch.equal(x1, x3)
    assert model.risk(model.predict, n=1000, generator=5) == model.risk(
        model.predict, n=1000, generator=5
    )


def test_sample_moments_match_the_model():
    cov = [[[1.0, 0.6], [0.6, 2.0]], [[0.5, -0.2], [-0.2, 0.3]]]
    model = GaussianClasses([0.3, 0.7], [[0.0, 1.0], [3.0, -1.0]], cov)
    x, y = model.sample(100_000, generator=0)
    assert (y == 1).double().mean().item() == pytest.approx(0.7, abs=0.01)
    for k in range(2):
        xk = x[y == k].double()
        assert torch.allclose(xk.mean(dim=0), model.means[k], atol=0.03)
        assert torch.allclose(torch.cov(xk.T), model.covariances[k], atol=0.05)


def test_class_log_density_matches_torch_distributions():
    cov = torch.tensor([[[1.0, 0.6], [0.6, 2.0]], [[0.5, -0.2], [-0.2, 0.3]]], dtype=torch.float64)
    means = torch.tensor([[0.0, 1.0], [3.0, -1.0]], dtype=torch.float64)
    model = GaussianClasses([0.3, 0.7], means, cov)
    x = torch.randn(7, 2, generator=torch.Generator().manual_seed(0))
    ours = model.class_log_density(x)
    for k in range(2):
        mvn = torch.distributions.MultivariateNormal(means[k], cov[k])
        assert torch.allclose(ours[:, k], mvn.log_prob(x.double()), atol=1e-10)


def test_posterior_is_bayes_formula_and_sums_to_one():
    model = one_d(priors=(0.3, 0.7), means=(0.0, 2.0), variances=(1.0, 4.0))
    x = torch.tensor([-1.0, 0.5, 3.0], dtype=torch.float64)
    dens = torch.stack(
        [
            torch.exp(-0.5 * (x - m) ** 2 / v) / math.sqrt(2 * math.pi * v)
            for m, v in [(0, 1), (2, 4)]
        ],
        dim=1,
    )
    joint = dens * torch.tensor([0.3, 0.7], dtype=torch.float64)
    assert torch.allclose(model.posterior(x), joint / joint.sum(dim=1, keepdim=True))
    assert torch.allclose(model.posterior(x).sum(dim=1), torch.ones(3, dtype=torch.float64))


def test_posterior_far_from_the_means_is_finite():
    model = one_d()
    post = model.posterior(torch.tensor([[1e4], [-1e4], [0.0]]))
    assert torch.isfinite(post).all()
    assert post.tolist() == [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]


def test_accepts_float32_and_float64_inputs():
    model = one_d()
    x = torch.tensor([[-0.3], [0.4]])
    assert torch.allclose(model.posterior(x), model.posterior(x.double()))
    assert torch.equal(model.predict(x), model.predict(x.double()))


def test_map_threshold_moves_with_the_priors():
    # Equal variances: decide 1 when x > (μ0 + μ1)/2 + σ² ln(π0/π1) / (μ1 − μ0).
    for pi1 in (0.2, 0.5, 0.8):
        model = one_d(priors=(1 - pi1, pi1))
        t = math.log((1 - pi1) / pi1) / 2
        x = torch.tensor([t - 1e-6, t + 1e-6], dtype=torch.float64)
        assert model.predict(x).tolist() == [0, 1]


def test_ties_go_to_the_first_class():
    model = one_d()
    assert model.predict(torch.tensor([0.0])).tolist() == [0]


def test_cost_matrix_shifts_the_threshold():
    model = one_d()
    cost = torch.tensor([[0.0, 5.0], [1.0, 0.0]])  # missing class 1 costs 5
    t = math.log(1 / 5) / 2  # decide 1 when 5 π1 p1 > π0 p0
    x = torch.tensor([t - 1e-6, t + 1e-6], dtype=torch.float64)
    assert model.predict(x, cost).tolist() == [0, 1]
    zero_one = 1 - torch.eye(2)
    grid = torch.linspace(-3, 3, 101)
    assert torch.equal(model.predict(grid, zero_one), model.predict(grid))


def test_bayes_risk_closed_form_one_dimension():
    model = one_d(priors=(0.3, 0.7), means=(0.0, 2.0), variances=(1.5, 1.5))
    sigma = math.sqrt(1.5)
    t = 1.0 + 1.5 * math.log(0.3 / 0.7) / 2
    exact = 0.3 * (1 - normal_cdf(t / sigma)) + 0.7 * normal_cdf((t - 2) / sigma)
    risk = model.bayes_risk()
    assert risk.method == "closed form" and risk.stderr == 0.0
    assert risk.value == pytest.approx(exact, rel=1e-12)
    mc = model.risk(model.predict, n=400_000, generator=0)
    assert mc.method == "Monte Carlo (n=400000)"
    assert abs(mc.value - exact) < 3 * mc.stderr


def test_bayes_risk_closed_form_two_dimensions_and_with_costs():
    cov = [[[1.0, 0.3], [0.3, 2.0]]] * 2
    model = GaussianClasses([0.4, 0.6], [[0.0, 0.0], [1.0, 2.0]], cov)
    cost = torch.tensor([[0.0, 3.0], [1.0, 0.5]])
    for c in (None, cost):
        closed = model.bayes_risk(c)
        assert closed.method == "closed form"
        mc = model.risk(lambda x, c=c: model.predict(x, c), n=400_000, generator=1, cost=c)
        assert abs(mc.value - closed.value) < 3 * mc.stderr


def test_identical_classes_have_risk_of_the_smaller_prior():
    model = one_d(priors=(0.7, 0.3), means=(1.0, 1.0))
    assert model.bayes_risk().value == pytest.approx(0.3)


def test_bayes_risk_falls_back_to_monte_carlo():
    model = one_d(variances=(1.0, 4.0))
    risk = model.bayes_risk(n_mc=50_000, generator=0)
    assert risk.method == "Monte Carlo (n=50000)"
    assert 0 < risk.stderr < 0.01
    three = GaussianClasses([0.5, 0.3, 0.2], [0.0, 2.0, 4.0], [1.0, 1.0, 1.0])
    assert three.bayes_risk(n_mc=1000, generator=0).method.startswith("Monte Carlo")


def test_no_classifier_beats_the_bayes_rule():
    model = one_d(priors=(0.3, 0.7))
    bayes = model.bayes_risk().value
    for fn in (
        lambda x: (x[:, 0] > 0).long(),
        lambda x: torch.ones(len(x), dtype=torch.long),
        lambda x: (x[:, 0] > 1).long(),
    ):
        assert model.risk(fn, n=100_000, generator=2).value > bayes


def test_risk_validates_predictions():
    model = one_d()
    with pytest.raises(ValueError, match="`predict_fn`.*shape"):
        model.risk(lambda x: torch.zeros(3, dtype=torch.long), n=10)
    with pytest.raises(ValueError, match=r"`predict_fn`.*0\.\.1"):
        model.risk(lambda x: torch.full((len(x),), 2), n=10)
    with pytest.raises(ValueError, match="`predict_fn`.*integers"):
        model.risk(lambda x: torch.full((len(x),), 0.5), n=10)


def test_risk_estimate_is_frozen():
    est = RiskEstimate(0.1, 0.0, "closed form")
    with pytest.raises(AttributeError):
        est.value = 0.2
    assert "closed form" in str(est)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"priors": [0.5, 0.6]}, ["`priors`", "sum to 1", "1.1"]),
        ({"priors": [1.2, -0.2]}, ["`priors`", "positive"]),
        ({"priors": [[0.5, 0.5]]}, ["`priors`", "(K,)"]),
        ({"means": [0.0, 1.0, 2.0]}, ["`means`", "(3,)"]),
        ({"covariances": [1.0, 1.0, 1.0]}, ["`covariances`", "(3,)"]),
        ({"covariances": [1.0, -1.0]}, ["`covariances[1]`", "positive definite"]),
        ({"covariances": [1.0, math.nan]}, ["finite"]),
    ],
)
def test_bad_parameters_raise(kwargs, words):
    params = {"priors": [0.5, 0.5], "means": [-1.0, 1.0], "covariances": [1.0, 1.0]}
    params.update(kwargs)
    with pytest.raises(ValueError) as info:
        GaussianClasses(**params)
    for word in words:
        assert word in str(info.value)


def test_non_symmetric_covariance_raises():
    cov = [[[1.0, 0.5], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]]]
    with pytest.raises(ValueError, match=r"`covariances\[0\]` must be symmetric"):
        GaussianClasses([0.5, 0.5], [[0.0, 0.0], [1.0, 1.0]], cov)


def test_wrong_feature_dimension_and_bad_cost_raise():
    model = GaussianClasses([0.5, 0.5], [[0.0, 0.0], [1.0, 1.0]], [torch.eye(2).tolist()] * 2)
    with pytest.raises(ValueError, match=r"`x` must have shape \(n, 2\).*\(4, 3\)"):
        model.posterior(torch.zeros(4, 3))
    with pytest.raises(ValueError, match="`x`"):
        model.predict(torch.zeros(4))
    with pytest.raises(ValueError, match="`cost`.*\\(2, 2\\)"):
        model.predict(torch.zeros(1, 2), cost=torch.zeros(3, 3))
    with pytest.raises(ValueError, match="`cost`.*>= 0"):
        model.bayes_risk(cost=[[0.0, -1.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match="`n`"):
        model.sample(0)
    with pytest.raises(ValueError, match="`generator`"):
        as_generator("seed")


def test_fit_recovers_the_parameters():
    model = GaussianClasses([0.4, 0.6], [-1.0, 2.0], [1.0, 0.25])
    x, y = model.sample(200_000, generator=0)
    fitted = GaussianClasses.fit(x, y)
    assert torch.allclose(fitted.priors, model.priors, atol=0.01)
    assert torch.allclose(fitted.means, model.means, atol=0.02)
    assert torch.allclose(fitted.covariances, model.covariances, atol=0.02)
    pooled = GaussianClasses.fit(x, y, shared_covariance=True)
    assert torch.allclose(pooled.covariances[0], pooled.covariances[1])
    assert pooled.bayes_risk().method == "closed form"
    with pytest.raises(ValueError, match="at least 2 samples"):
        GaussianClasses.fit(torch.tensor([0.0, 1.0, 2.0]), torch.tensor([0, 0, 1]))


# -- data generators of notebooks 01–02 ------------------------------------------------------------


def test_sine_regression_is_deterministic_and_has_known_risk():
    x1, y1 = data.sine_regression(50_000, noise_std=0.3, generator=0)
    x2, y2 = data.sine_regression(50_000, noise_std=0.3, generator=torch.Generator().manual_seed(0))
    assert torch.equal(x1, x2) and torch.equal(y1, y2)
    assert x1.dtype == torch.float32 and x1.shape == (50_000,)
    assert -1 <= x1.min() and x1.max() <= 1
    # Best predictor: risk σ²; the zero predictor: E[sin²(πX)] + σ² = 1/2 + σ².
    assert data.sine_regression_risk(lambda t: torch.sin(torch.pi * t)) == pytest.approx(0.09)
    zero_risk = data.sine_regression_risk(torch.zeros_like, noise_std=0.3)
    assert zero_risk == pytest.approx(0.59, abs=1e-10)
    # Linear predictor w·x: w²/3 − 2w/π + 1/2 + σ².
    exact = 4 / 3 - 4 / math.pi + 0.5 + 0.09
    assert data.sine_regression_risk(lambda t: 2 * t) == pytest.approx(exact, abs=1e-10)
    residual = (2 * x1.double() - y1.double()) ** 2
    assert abs(residual.mean().item() - exact) < 3 * residual.std().item() / math.sqrt(50_000)


def test_coin_flip_classification_threshold_risk():
    x, y = data.coin_flip_classification(100_000, generator=1)
    assert x.dtype == torch.float32 and y.dtype == torch.int64
    errors = ((x > 0.3).long() != y).double()
    exact = 0.3**2 / 2 + 0.7**2 / 2
    assert abs(errors.mean().item() - exact) < 3 * errors.std().item() / math.sqrt(100_000)
    assert torch.equal(data.coin_flip_classification(10, generator=2)[1],
                       data.coin_flip_classification(10, generator=2)[1])  # fmt: skip


def test_data_generators_reject_bad_arguments():
    with pytest.raises(ValueError, match="`n`"):
        data.sine_regression(0)
    with pytest.raises(ValueError, match="`noise_std`"):
        data.sine_regression(5, noise_std=-1.0)
    with pytest.raises(ValueError, match="`generator`"):
        data.coin_flip_classification(5, generator=-3)
    with pytest.raises(ValueError, match="`f`"):
        data.sine_regression_risk(lambda t: t[:10])


# -- plots of notebooks 01–02 --------------------------------------------------------------------


def test_probability_plots_return_their_axes():
    import matplotlib.pyplot as plt

    from utils import plots

    one = GaussianClasses([0.6, 0.4], [-1.0, 1.0], [1.0, 1.0])
    two = GaussianClasses([0.5, 0.3, 0.2], [[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]], [torch.eye(2)] * 3)
    fig, axes = plt.subplots(2, 3)
    ax = plots.plot_estimate_band([10, 100], [0.5, 0.6], [0.1, 0.01], exact=0.55, ax=axes[0, 0])
    assert ax is axes[0, 0] and ax.get_xscale() == "log" and len(ax.collections) == 1
    assert plots.plot_class_densities(one, ax=axes[0, 1]) is axes[0, 1]
    assert len(axes[0, 1].lines) == 2
    ax = plots.plot_posterior_1d(one, cost=[[0.0, 5.0], [1.0, 0.0]], ax=axes[0, 2])
    assert ax is axes[0, 2]
    # One dotted line at the cost-sensitive threshold ln(0.6 / (0.4 · 5)) / 2.
    dotted = [line for line in ax.lines if line.get_linestyle() == ":"]
    assert len(dotted) == 1
    assert dotted[0].get_xdata()[0] == pytest.approx(math.log(0.3) / 2, abs=0.01)
    x, y = two.sample(50, generator=0)
    assert plots.plot_map_regions(two, x=x, y=y, ax=axes[1, 0]) is axes[1, 0]
    two_classes = GaussianClasses([0.5, 0.5], [[0.0, 0.0], [1.0, 1.0]], [torch.eye(2)] * 2)
    assert plots.plot_posterior_2d(two_classes, ax=axes[1, 1]) is axes[1, 1]
    assert axes[1, 1].get_xlim() == (-4, 4)
    plt.close(fig)


def test_plot_bayes_boundary_overlays_the_map_boundary():
    import matplotlib.pyplot as plt

    from utils.plots import plot_bayes_boundary

    # Equal priors and a shared identity covariance: the Bayes boundary is the line x[1] = 0.
    model = GaussianClasses([0.5, 0.5], [[-1.0, 0.0], [1.0, 0.0]], [torch.eye(2), torch.eye(2)])
    fig, ax = plt.subplots()
    ax.set(xlim=(-3, 3), ylim=(-2, 2))
    assert plot_bayes_boundary(model, ax) is ax
    assert ax.get_xlim() == (-3, 3) and ax.get_ylim() == (-2, 2)
    segments = [seg for seg in ax.collections[-1].allsegs[0] if len(seg)]
    assert segments
    xs = torch.tensor(segments[0][:, 0])
    assert xs.abs().max() < 0.05  # the vertical line x[1] = 0, to the grid's resolution
    with pytest.raises(ValueError, match="two-dimensional GaussianClasses"):
        plot_bayes_boundary(GaussianClasses([0.5, 0.5], [-1.0, 1.0], [1.0, 1.0]), ax)
    plt.close(fig)
