"""What the plots share: one colour and marker per class, a grid, the points, saving a figure."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import torch


def _axes(ax):
    return plt.subplots(figsize=(6, 3.6))[1] if ax is None else ax


def _grid_2d(xlim, ylim, num: int = 200):
    xs = torch.linspace(*xlim, num, dtype=torch.float64)
    ys = torch.linspace(*ylim, num, dtype=torch.float64)
    gx, gy = torch.meshgrid(xs, ys, indexing="xy")
    return gx, gy, torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)


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
