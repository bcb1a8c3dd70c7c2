"""Probability and decision plots for `utils.bayes.GaussianClasses` (notebooks 01–02)."""

from __future__ import annotations

import torch

from utils.plots.basics import _axes, _grid_2d, plot_points


def plot_estimate_band(ns, estimates, stderrs, exact=None, ax=None, label="estimate"):
    """Estimates against the sample size N (log scale) with a ±2 standard-error band, and the
    exact value as a dashed line: about 95 % of the band should cover it."""
    ax = _axes(ax)
    ns, est, se = (torch.as_tensor(v, dtype=torch.float64) for v in (ns, estimates, stderrs))
    ax.plot(ns.numpy(), est.numpy(), "o-", ms=3, label=label)
    ax.fill_between(
        ns.numpy(),
        (est - 2 * se).numpy(),
        (est + 2 * se).numpy(),
        alpha=0.25,
        label="±2 standard errors",
    )
    if exact is not None:
        ax.axhline(float(exact), color="k", ls="--", lw=1, label="exact")
    ax.set_xscale("log")
    ax.set_xlabel("N (number of samples)")
    ax.legend()
    return ax


def _grid_1d(x_min: float, x_max: float, num: int = 801) -> torch.Tensor:
    return torch.linspace(x_min, x_max, num, dtype=torch.float64)


def _shade_decisions(ax, x: torch.Tensor, labels: torch.Tensor) -> None:
    """Colour the background by the decided class and mark where the decision changes."""
    start = 0
    for i in range(1, len(x) + 1):
        if i == len(x) or labels[i] != labels[start]:
            ax.axvspan(
                x[start].item(), x[i - 1].item(), color=f"C{int(labels[start])}", alpha=0.08, lw=0
            )
            if i < len(x):
                ax.axvline((x[i - 1] + x[i]).item() / 2, color="k", ls=":", lw=1)
            start = i


def plot_class_densities(model, x_min: float = -4.0, x_max: float = 4.0, ax=None):
    """For a one-dimensional `utils.bayes.GaussianClasses`: the curves π_k p_k(x), whose sum is
    the density of X and whose ratios give the posterior."""
    ax = _axes(ax)
    x = _grid_1d(x_min, x_max)
    joint = model.class_log_density(x).exp() * model.priors
    for k in range(model.num_classes):
        ax.plot(
            x.numpy(),
            joint[:, k].numpy(),
            color=f"C{k}",
            label=f"π_{k} p_{k}(x), π_{k} = {model.priors[k].item():.2f}",
        )
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    ax.legend()
    return ax


def plot_posterior_1d(model, x_min: float = -4.0, x_max: float = 4.0, cost=None, ax=None):
    """For a one-dimensional `utils.bayes.GaussianClasses`: the posteriors P(Y = k | X = x), the
    regions where the Bayes rule (MAP, or the rule of ``cost``) decides each class, and the
    decision thresholds (dotted)."""
    ax = _axes(ax)
    x = _grid_1d(x_min, x_max)
    post = model.posterior(x)
    for k in range(model.num_classes):
        ax.plot(x.numpy(), post[:, k].numpy(), color=f"C{k}", label=f"P(Y = {k} | X = x)")
    _shade_decisions(ax, x, model.predict(x, cost))
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("x")
    ax.set_ylabel("posterior")
    ax.legend(loc="center right")
    return ax


def plot_posterior_2d(model, xlim=(-4, 4), ylim=(-4, 4), k: int = 1, x=None, y=None, ax=None):
    """For a two-dimensional `utils.bayes.GaussianClasses`: P(Y = k | X = x) as filled contours,
    its 0.5 level (the MAP boundary for two classes) in black, and optional samples."""
    ax = _axes(ax)
    gx, gy, grid = _grid_2d(xlim, ylim)
    post = model.posterior(grid)[:, k].reshape(gx.shape)
    filled = ax.contourf(
        gx.numpy(), gy.numpy(), post.numpy(), levels=11, cmap="RdBu_r", vmin=0, vmax=1, alpha=0.8
    )
    ax.contour(gx.numpy(), gy.numpy(), post.numpy(), levels=[0.5], colors="k", linewidths=1.5)
    ax.figure.colorbar(filled, ax=ax, label=f"P(Y = {k} | X = x)")
    if x is not None and y is not None:
        # at most 600 points, small, so that the regions stay visible
        plot_points(torch.as_tensor(x)[:600], torch.as_tensor(y)[:600], ax=ax, s=8, linewidths=0.3)
    ax.set(xlim=xlim, ylim=ylim, xlabel="x[1]", ylabel="x[2]", aspect="equal")
    return ax


def plot_map_regions(model, xlim=(-4, 4), ylim=(-4, 4), cost=None, x=None, y=None, ax=None):
    """For a two-dimensional `utils.bayes.GaussianClasses`: the regions where the Bayes rule (MAP,
    or the rule of ``cost``) decides each class, and optional samples on top."""
    ax = _axes(ax)
    gx, gy, grid = _grid_2d(xlim, ylim)
    labels = model.predict(grid, cost).reshape(gx.shape).double()
    colors = [f"C{k}" for k in range(model.num_classes)]
    levels = torch.arange(model.num_classes + 1, dtype=torch.float64) - 0.5
    ax.contourf(
        gx.numpy(), gy.numpy(), labels.numpy(), levels=levels.numpy(), colors=colors, alpha=0.25
    )
    ax.contour(
        gx.numpy(),
        gy.numpy(),
        labels.numpy(),
        levels=levels[1:-1].numpy(),
        colors="k",
        linewidths=1,
    )
    if x is not None and y is not None:
        # at most 600 points, small, so that the regions stay visible
        plot_points(torch.as_tensor(x)[:600], torch.as_tensor(y)[:600], ax=ax, s=8, linewidths=0.3)
        ax.legend(loc="upper left", fontsize=8)
    ax.set(xlim=xlim, ylim=ylim, xlabel="x[1]", ylabel="x[2]", aspect="equal")
    return ax


def plot_bayes_boundary(model, ax, cost=None, **style):
    """Overlay the boundaries of the Bayes rule of a two-dimensional `utils.bayes.GaussianClasses`
    (where f^b changes its decision) on whatever ``ax`` already shows, within its current limits:
    dashed black by default; ``style`` goes to ``ax.contour``. Returns the Axes."""
    if getattr(model, "dim", None) != 2:
        raise ValueError(f"`model` must be a two-dimensional GaussianClasses; found {model!r}")
    gx, gy, grid = _grid_2d(ax.get_xlim(), ax.get_ylim(), num=300)
    labels = model.predict(grid, cost).reshape(gx.shape).double()
    levels = torch.arange(1, model.num_classes, dtype=torch.float64) - 0.5
    style = {"colors": "k", "linestyles": "--", "linewidths": 2} | style
    ax.contour(gx.numpy(), gy.numpy(), labels.numpy(), levels=levels.numpy(), **style)
    return ax
