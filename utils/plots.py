"""Plots used across the notebooks. Every function returns the matplotlib Axes (or Figure) it
drew on, so that a student can restyle it, and takes an optional ``ax`` to draw into."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import torch

# ----------------------------------------------------------------------------------------------
# Probability and decision plots (notebooks 01–02)
# ----------------------------------------------------------------------------------------------


def _axes(ax):
    return plt.subplots(figsize=(6, 3.6))[1] if ax is None else ax


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


def _grid_2d(xlim, ylim, num: int = 200):
    xs = torch.linspace(*xlim, num, dtype=torch.float64)
    ys = torch.linspace(*ylim, num, dtype=torch.float64)
    gx, gy = torch.meshgrid(xs, ys, indexing="xy")
    return gx, gy, torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)


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


# ----------------------------------------------------------------------------------------------
# Decision boundaries and regions, activations (notebooks 03–05)
# ----------------------------------------------------------------------------------------------

CLASS_COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")
"""One colour per class, the same in the regions and in the scatter of the points."""

CLASS_MARKERS = ("o", "s", "^", "D", "v", "P")


def _check_points(x: torch.Tensor, y: torch.Tensor | None) -> None:
    if not isinstance(x, torch.Tensor) or x.dim() != 2 or x.shape[1] != 2:
        found = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"`x` must be a tensor of 2-D points, shape (n, 2); found {found}")
    if y is not None and (not isinstance(y, torch.Tensor) or y.shape != (x.shape[0],)):
        found = tuple(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__
        raise ValueError(f"`y` must have shape ({x.shape[0]},), one label per point; found {found}")


def plot_points(
    x: torch.Tensor, y: torch.Tensor, ax: plt.Axes | None = None, **scatter_kwargs
) -> plt.Axes:
    """Scatter 2-D points ``x`` (n, 2), one colour and marker per class label ``y`` (n,).

    ``scatter_kwargs`` go to ``ax.scatter`` (``s``, ``alpha``...). Returns the Axes.
    """
    _check_points(x, y)
    ax = ax if ax is not None else plt.subplots(figsize=(5, 5))[1]
    x, y = x.detach().cpu(), y.detach().cpu()
    scatter_kwargs = {"s": 25, "edgecolors": "k", "linewidths": 0.5} | scatter_kwargs
    for k in torch.unique(y).tolist():
        index = int(k) % len(CLASS_COLORS)
        mask = y == k
        ax.scatter(
            x[mask, 0].numpy(),
            x[mask, 1].numpy(),
            c=CLASS_COLORS[index],
            marker=CLASS_MARKERS[index],
            label=f"y = {int(k)}",
            **scatter_kwargs,
        )
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return ax


@torch.no_grad()
def plot_decision_regions(
    predict_fn,
    x: torch.Tensor,
    y: torch.Tensor | None = None,
    ax: plt.Axes | None = None,
    *,
    resolution: int = 200,
    padding: float = 0.5,
    title: str | None = None,
    legend: bool = True,
) -> plt.Axes:
    """Colour the plane by the class ``predict_fn`` gives each point, and scatter the data.

    Parameters
    ----------
    predict_fn : callable
        Maps an (m, 2) float32 tensor of points (on the device of ``x``) to either
        - labels, an integer (or bool) tensor of shape (m,) with values in {0, ..., K − 1};
        - probabilities P(Y = 1 | x), a float tensor of shape (m,) with values in [0, 1]
          (shaded from 0 to 1, with the boundary P = 1/2 drawn);
        - scores per class (probabilities or logits), a tensor of shape (m, K), read as the
          label of the largest score.
    x : Tensor of shape (n, 2)
        The data: it sets the plotted window (with ``padding`` around it).
    y : Tensor of shape (n,), optional
        The labels of ``x``; the points are drawn when given.
    ax : matplotlib Axes, optional
    resolution : int
        Grid points per axis.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> ax = plot_decision_regions(lambda p: (p[:, 0] > 0).long(), torch.randn(20, 2))
    """
    _check_points(x, y)
    if not callable(predict_fn):
        raise ValueError(f"`predict_fn` must be callable; found {type(predict_fn).__name__}")
    ax = ax if ax is not None else plt.subplots(figsize=(5, 5))[1]
    points = x.detach().float()
    low = points.min(0).values.cpu() - padding
    high = points.max(0).values.cpu() + padding
    xlim, ylim = (low[0].item(), high[0].item()), (low[1].item(), high[1].item())
    mesh1, mesh2, grid = _grid_2d(xlim, ylim, resolution)
    grid = grid.float().to(points.device)

    out = predict_fn(grid)
    if not isinstance(out, torch.Tensor):
        out = torch.as_tensor(out)
    out = out.detach().cpu()
    m = grid.shape[0]
    if out.dim() == 2 and out.shape[0] == m and out.shape[1] > 1:
        out = out.argmax(dim=1)
    elif out.dim() == 2 and out.shape == (m, 1):
        out = out[:, 0]
    if out.shape != (m,):
        raise ValueError(
            f"`predict_fn` must return shape ({m},) (labels or probabilities) or ({m}, K) "
            f"(class scores) for an ({m}, 2) input; found {tuple(out.shape)}"
        )
    if out.is_floating_point() and not torch.equal(out, out.round()):
        if out.min() < 0 or out.max() > 1 or torch.isnan(out).any():
            raise ValueError(
                "`predict_fn` returned floats outside [0, 1]: return labels, probabilities "
                "(apply torch.sigmoid to logits) or an (m, K) tensor of class scores"
            )
        z = out.reshape(resolution, resolution).numpy()
        from matplotlib.colors import LinearSegmentedColormap

        cmap = LinearSegmentedColormap.from_list(
            "p_class_1", [CLASS_COLORS[0], "white", CLASS_COLORS[1]]
        )
        ax.contourf(mesh1, mesh2, z, levels=torch.linspace(0, 1, 11).numpy(), cmap=cmap, alpha=0.4)
        ax.contour(mesh1, mesh2, z, levels=[0.5], colors="k", linewidths=1.5)
    else:
        from matplotlib.colors import ListedColormap

        labels = out.long()
        if labels.min() < 0:
            raise ValueError(
                f"`predict_fn` must return labels in {{0, ..., K − 1}}; found {labels.min()}"
            )
        k = max(int(labels.max()) + 1, int(y.max()) + 1 if y is not None and y.numel() else 0, 2)
        colors = [CLASS_COLORS[i % len(CLASS_COLORS)] for i in range(k)]
        z = labels.reshape(resolution, resolution).numpy()
        ax.contourf(
            mesh1,
            mesh2,
            z,
            levels=torch.arange(k + 1).numpy() - 0.5,
            cmap=ListedColormap(colors),
            alpha=0.25,
        )
        ax.contour(
            mesh1, mesh2, z, levels=torch.arange(k).numpy() + 0.5, colors="k", linewidths=1.0
        )
    if y is not None:
        plot_points(x, y, ax=ax)
        if legend:
            ax.legend(loc="best", fontsize="small")
    ax.set_xlim(low[0].item(), high[0].item())
    ax.set_ylim(low[1].item(), high[1].item())
    if title:
        ax.set_title(title)
    return ax


def plot_linear_boundary(
    w: torch.Tensor,
    b: float | torch.Tensor,
    ax: plt.Axes | None = None,
    *,
    normal: bool = False,
    **line_kwargs,
) -> plt.Axes:
    """Draw the line wᵀx + b = 0 across the Axes' current window (optionally the normal w).

    Parameters
    ----------
    w : Tensor of shape (2,), not zero
    b : float or scalar Tensor
    ax : matplotlib Axes, optional
        Draw the data first, so that the window is set; the line spans it and the window is kept.
    normal : bool
        Also draw the vector w as an arrow from the point of the line closest to the origin
        (it points towards the side where wᵀx + b > 0, the class 1).
    line_kwargs
        Passed to ``ax.plot`` (``color``, ``label``, ``linestyle``...).

    Returns
    -------
    matplotlib Axes
    """
    w = torch.as_tensor(w, dtype=torch.float64).detach().cpu().flatten()
    b = float(torch.as_tensor(b, dtype=torch.float64).detach().cpu().reshape(()))
    if w.numel() != 2:
        raise ValueError(f"`w` must hold 2 numbers (a line in the plane); found {w.numel()}")
    if w.norm() == 0:
        raise ValueError("`w` is zero: wᵀx + b = 0 is not a line (no boundary to draw)")
    ax = ax if ax is not None else plt.subplots(figsize=(5, 5))[1]
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    line_kwargs.setdefault("color", "k")
    w1, w2 = w.tolist()
    if abs(w2) >= abs(w1):  # solve for x2: fine unless the line is (nearly) vertical
        x1 = torch.linspace(xlim[0], xlim[1], 2, dtype=torch.float64)
        x2 = -(w1 * x1 + b) / w2
    else:
        x2 = torch.linspace(ylim[0], ylim[1], 2, dtype=torch.float64)
        x1 = -(w2 * x2 + b) / w1
    ax.plot(x1.numpy(), x2.numpy(), **line_kwargs)
    if normal:
        foot = -b * w / w.norm() ** 2
        direction = w / w.norm() * 0.15 * (xlim[1] - xlim[0])
        ax.annotate(
            "",
            xy=tuple((foot + direction).tolist()),
            xytext=tuple(foot.tolist()),
            arrowprops={"arrowstyle": "->", "color": line_kwargs["color"]},
        )
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    return ax


def plot_activation(
    fn,
    ax: plt.Axes | None = None,
    *,
    t_range: tuple[float, float] = (-5.0, 5.0),
    n: int = 501,
    derivative: bool = True,
    label: str | None = None,
) -> plt.Axes:
    """Plot an element-wise activation σ(t) and its derivative σ'(t), computed by autograd.

    Parameters
    ----------
    fn : callable
        An element-wise function of a tensor (``torch.sigmoid``, ``torch.relu``...), built from
        torch operations so that autograd can differentiate it.
    ax : matplotlib Axes, optional
    t_range : (float, float)
        The interval of t.
    n : int
        Number of points.
    derivative : bool
        Also plot σ'(t) (dashed).
    label : str, optional
        The name in the legend and title (default: the function's name).

    Returns
    -------
    matplotlib Axes
    """
    if not callable(fn):
        raise ValueError(f"`fn` must be callable; found {type(fn).__name__}")
    if not t_range[0] < t_range[1]:
        raise ValueError(f"`t_range` must be (low, high) with low < high; found {t_range!r}")
    ax = ax if ax is not None else plt.subplots(figsize=(4, 3))[1]
    name = label or getattr(fn, "__name__", "σ")
    t = torch.linspace(t_range[0], t_range[1], n, requires_grad=True)
    value = fn(t)
    if not isinstance(value, torch.Tensor) or value.shape != t.shape:
        raise ValueError(
            f"`fn` must map a tensor of shape ({n},) to one of the same shape (element-wise)"
        )
    ax.plot(t.detach().numpy(), value.detach().numpy(), label=f"{name}(t)")
    if derivative:
        if not value.requires_grad:
            raise ValueError(
                "`fn` must be built from torch operations for autograd to differentiate it"
            )
        (slope,) = torch.autograd.grad(value.sum(), t)  # element-wise: d/dt_i Σ_j σ(t_j) = σ'(t_i)
        ax.plot(t.detach().numpy(), slope.numpy(), linestyle="--", label=f"{name}'(t)")
    ax.axhline(0, color="grey", linewidth=0.5)
    ax.axvline(0, color="grey", linewidth=0.5)
    ax.set_xlabel("t")
    ax.set_title(name)
    ax.legend(loc="best", fontsize="small")
    return ax


# ----------------------------------------------------------------------------------------------
# Training: learning curves, confusion matrix, image grid (notebook 06)
# ----------------------------------------------------------------------------------------------


def plot_learning_curves(history, ax=None, *, title: str | None = None, running: bool = True):
    """Loss and accuracy per epoch, training vs validation, side by side.

    Both curves are measured after each epoch with θ fixed (see `utils.train.History`), so the
    distance between them is the generalisation gap of the model of that epoch: the training
    loss keeps falling while the validation loss flattens (or rises, when the model overfits).
    The running mean over the epoch's batches, which mixes every θ of the epoch, is drawn
    dotted when ``running`` is True: it lies above the end-of-epoch training curve.

    Parameters
    ----------
    history : utils.train.History
        What ``fit`` returned (anything with ``train_loss``, ``val_loss``, ``train_acc`` and
        ``val_acc`` lists; ``running_loss``/``running_acc`` are drawn when present).
    ax : pair of matplotlib Axes, optional
        Where to draw the loss and the accuracy.
    title : str, optional
        A title above both panels.
    running : bool
        Also draw the running means of the training batches.

    Returns
    -------
    numpy array of two Axes
    """
    import math

    import numpy as np

    for name in ("train_loss", "val_loss", "train_acc", "val_acc"):
        if not hasattr(history, name):
            raise ValueError(
                f"`history` must be a History from utils.train.fit; found "
                f"{type(history).__name__} without `{name}`"
            )
    if ax is None:
        fig, ax = plt.subplots(1, 2, figsize=(10, 3.5))
    ax = np.asarray(ax).reshape(-1)
    if ax.size != 2:
        raise ValueError(f"`ax` must be a pair of Axes; found {ax.size}")
    epochs = range(1, len(history.train_loss) + 1)
    panels = (
        ("loss", history.train_loss, history.val_loss, getattr(history, "running_loss", [])),
        ("accuracy", history.train_acc, history.val_acc, getattr(history, "running_acc", [])),
    )
    for axis, (label, train, val, run) in zip(ax, panels, strict=True):
        if any(not math.isnan(v) for v in train):
            axis.plot(epochs, train, "o-", ms=3, color="C0", label="train")
        if any(not math.isnan(v) for v in val):
            axis.plot(epochs, val, "s-", ms=3, color="C1", label="validation")
        if running and len(run) == len(epochs) and any(not math.isnan(v) for v in run):
            axis.plot(epochs, run, ":", color="C0", alpha=0.7, label="train, running mean")
        axis.set_xlabel("epoch")
        axis.set_ylabel(label)
        axis.grid(alpha=0.3)
        axis.legend()
    if title:
        ax[0].figure.suptitle(title)
    return ax


def plot_confusion_matrix(
    y_true: torch.Tensor,
    y_pred: torch.Tensor,
    n_classes: int | None = None,
    ax: plt.Axes | None = None,
    *,
    class_names=None,
    normalize: bool = False,
) -> plt.Axes:
    """The confusion matrix C[i, j] = #{true class i, predicted j}, as a heat map with counts.

    The diagonal holds the correct predictions; a large entry off the diagonal names a pair of
    classes the model confuses. ``normalize=True`` divides each row by its total (the recall of
    each class on the diagonal).

    Returns
    -------
    matplotlib Axes
    """
    from utils.train import confusion_matrix

    counts = confusion_matrix(y_true, y_pred, n_classes)
    k = counts.shape[0]
    values = counts.double()
    if normalize:
        values = values / values.sum(dim=1, keepdim=True).clamp(min=1)
    ax = ax if ax is not None else plt.subplots(figsize=(0.5 * k + 2, 0.5 * k + 1.5))[1]
    image = ax.imshow(values.numpy(), cmap="Blues")
    names = [str(i) for i in range(k)] if class_names is None else [str(c) for c in class_names]
    if len(names) != k:
        raise ValueError(f"`class_names` must have {k} names; found {len(names)}")
    ax.set_xticks(range(k), names)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    high = values.max().item()
    for i in range(k):
        for j in range(k):
            v = values[i, j].item()
            if v:
                text = f"{v:.2f}" if normalize else f"{int(v)}"
                color = "white" if v > 0.6 * high else "black"
                ax.text(j, i, text, ha="center", va="center", fontsize=8, color=color)
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return ax


def show_image_grid(
    images: torch.Tensor,
    labels: torch.Tensor | None = None,
    predictions: torch.Tensor | None = None,
    *,
    image_shape: tuple[int, int] | None = None,
    ncols: int = 8,
    fig=None,
    title: str | None = None,
):
    """A grid of grey-level images, each titled with its label (and prediction, red if wrong).

    Parameters
    ----------
    images : Tensor of shape (n, H, W), (n, 1, H, W) or (n, H·W) with ``image_shape``
    labels, predictions : Tensor of shape (n,), optional
    image_shape : (int, int), optional
        (H, W) for flattened images.
    ncols : int
    fig : matplotlib Figure, optional
        An empty figure to draw into.

    Returns
    -------
    matplotlib Figure
    """
    if not isinstance(images, torch.Tensor):
        raise ValueError(f"`images` must be a torch.Tensor; found {type(images).__name__}")
    images = images.detach().cpu().float()
    if image_shape is not None:
        images = images.reshape(-1, *image_shape)
    if images.dim() == 4 and images.shape[1] == 1:
        images = images[:, 0]
    if images.dim() != 3:
        raise ValueError(
            "`images` must have shape (n, H, W) or (n, 1, H, W), or (n, H·W) with "
            f"`image_shape`; found {tuple(images.shape)}"
        )
    n = images.shape[0]
    for name, value in (("labels", labels), ("predictions", predictions)):
        if value is not None and len(value) != n:
            raise ValueError(f"`{name}` must have {n} entries, one per image; found {len(value)}")
    ncols = max(1, min(ncols, n))
    nrows = max(1, -(-n // ncols))
    fig = fig if fig is not None else plt.figure(figsize=(1.3 * ncols, 1.5 * nrows + 0.3))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for i, axis in enumerate(axes.flat):
        axis.axis("off")
        if i >= n:
            continue
        axis.imshow(images[i].numpy(), cmap="gray_r")
        parts, color = [], "black"
        if labels is not None:
            parts.append(f"y={int(labels[i])}")
        if predictions is not None:
            parts.append(f"ŷ={int(predictions[i])}")
            if labels is not None and int(predictions[i]) != int(labels[i]):
                color = "tab:red"
        if parts:
            axis.set_title(" ".join(parts), fontsize=9, color=color)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------
# Saving figures for slides (the graded lab, notebook 07)
# ----------------------------------------------------------------------------------------------


def save_figure(fig, name: str, folder: str | Path = "figures", dpi: int = 200) -> Path:
    """Save ``fig`` as ``<folder>/<name>.png`` (and .pdf) for presentation slides.

    The folder is relative to the notebook's working directory (``/content/figures`` in Colab:
    download it from the file browser on the left). Returns the PNG's path.
    """
    if not hasattr(fig, "savefig"):
        raise ValueError(f"`fig` must be a matplotlib Figure; found {type(fig).__name__}")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise ValueError(
            f"`name` must be a plain file name (letters, digits, '_', '-', '.'); found {name!r}"
        )
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    png = out / f"{name}.png"
    fig.savefig(png, dpi=dpi, bbox_inches="tight")
    fig.savefig(out / f"{name}.pdf", bbox_inches="tight")
    return png
