"""Decision regions and boundaries of classifiers in the plane, and activations (notebooks 03–05)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch

from utils.plots.basics import CLASS_COLORS, _check_points, _grid_2d, plot_points


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
    out = _grid_outputs(predict_fn, grid.float().to(points.device))
    if out.is_floating_point() and not torch.equal(out, out.round()):
        _shade_probabilities(ax, mesh1, mesh2, out.reshape(resolution, resolution))
    else:
        _shade_labels(ax, mesh1, mesh2, out.long().reshape(resolution, resolution), y)
    if y is not None:
        plot_points(x, y, ax=ax)
        if legend:
            ax.legend(loc="best", fontsize="small")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    if title:
        ax.set_title(title)
    return ax


def _grid_outputs(predict_fn, grid: torch.Tensor) -> torch.Tensor:
    """``predict_fn`` on the grid's m points, as a CPU tensor of shape (m,): labels or
    probabilities as returned, (m, K) class scores read as the label of the largest score."""
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
    return out


def _shade_probabilities(ax, mesh1, mesh2, p: torch.Tensor) -> None:
    """P(Y = 1 | x) shaded from class 0's colour to class 1's, with the boundary P = 1/2."""
    if p.min() < 0 or p.max() > 1 or torch.isnan(p).any():
        raise ValueError(
            "`predict_fn` returned floats outside [0, 1]: return labels, probabilities "
            "(apply torch.sigmoid to logits) or an (m, K) tensor of class scores"
        )
    from matplotlib.colors import LinearSegmentedColormap

    cmap = LinearSegmentedColormap.from_list(
        "p_class_1", [CLASS_COLORS[0], "white", CLASS_COLORS[1]]
    )
    z = p.numpy()
    ax.contourf(mesh1, mesh2, z, levels=torch.linspace(0, 1, 11).numpy(), cmap=cmap, alpha=0.4)
    ax.contour(mesh1, mesh2, z, levels=[0.5], colors="k", linewidths=1.5)


def _shade_labels(ax, mesh1, mesh2, labels: torch.Tensor, y: torch.Tensor | None) -> None:
    """Each decided class in its colour, with the boundaries between classes in black."""
    from matplotlib.colors import ListedColormap

    if labels.min() < 0:
        raise ValueError(
            f"`predict_fn` must return labels in {{0, ..., K − 1}}; found {labels.min()}"
        )
    k = max(int(labels.max()) + 1, int(y.max()) + 1 if y is not None and y.numel() else 0, 2)
    colors = [CLASS_COLORS[i % len(CLASS_COLORS)] for i in range(k)]
    z = labels.numpy()
    levels = torch.arange(k + 1).numpy() - 0.5
    ax.contourf(mesh1, mesh2, z, levels=levels, cmap=ListedColormap(colors), alpha=0.25)
    ax.contour(mesh1, mesh2, z, levels=levels[1:], colors="k", linewidths=1.0)


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
