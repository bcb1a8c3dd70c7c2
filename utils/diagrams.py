"""Diagrams of notebooks 00 and 00b, drawn with matplotlib only (no Graphviz needed).

- `draw_tensor_graph`: the slide "Tensor Operations", the graph of f(x) = max(w x + b, 0) with
  inputs and outputs in white, parameters in red and operations in blue.
- `draw_broadcast`: how broadcasting stretches a (3, 1) column and a (1, 4) row to (3, 4).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

# The slide's colours: white for inputs and outputs, red for parameters, blue for operations.
NODE_COLOURS = {"variable": "white", "parameter": "#f4a6a6", "operation": "#a9c8f0"}

# (label, kind, x, y) of each node, and the edges between them, for f(x) = max(w x + b, 0).
TENSOR_GRAPH_NODES = {
    "x": ("$x$", "variable", 0.0, 1.0),
    "w": ("$w$", "parameter", 0.0, 2.0),
    "mul": (r"$\times$", "operation", 1.5, 1.5),
    "b": ("$b$", "parameter", 1.5, 0.3),
    "add": ("$+$", "operation", 3.0, 1.0),
    "relu": (r"$\max(\cdot, 0)$", "operation", 4.6, 1.0),
    "f": ("$f(x)$", "variable", 6.2, 1.0),
}
TENSOR_GRAPH_EDGES = [("x", "mul"), ("w", "mul"), ("mul", "add"), ("b", "add"), ("add", "relu")]
TENSOR_GRAPH_EDGES += [("relu", "f")]


def _edge_point(x0, y0, x1, y1, half_w, half_h) -> tuple[float, float]:
    """Where the segment from the centre (x0, y0) towards (x1, y1) leaves a half_w × half_h box."""
    dx, dy = x1 - x0, y1 - y0
    scale = min(half_w / abs(dx) if dx else float("inf"), half_h / abs(dy) if dy else float("inf"))
    return x0 + scale * dx, y0 + scale * dy


def draw_tensor_graph(ax: Axes | None = None) -> Axes:
    """The slide's computational graph of f(x) = max(w x + b, 0), as tensor operations.

    White nodes are the input and the output, red nodes the parameters, blue nodes the
    operations (each makes an intermediate value that the drawing leaves out, as the slide does).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 2.6))
    half_h = 0.25
    widths = {
        name: 1.3 if kind == "operation" and len(label) > 10 else 0.84
        for name, (label, kind, _, _) in TENSOR_GRAPH_NODES.items()
    }
    for name, (label, kind, x, y) in TENSOR_GRAPH_NODES.items():
        box = FancyBboxPatch(
            (x - widths[name] / 2, y - half_h),
            widths[name],
            2 * half_h,
            boxstyle="round,pad=0.05",
            facecolor=NODE_COLOURS[kind],
            edgecolor="black",
        )
        ax.add_patch(box)
        ax.text(x, y, label, ha="center", va="center", fontsize=12)
    for start, end in TENSOR_GRAPH_EDGES:
        _, _, x0, y0 = TENSOR_GRAPH_NODES[start]
        _, _, x1, y1 = TENSOR_GRAPH_NODES[end]
        tail = _edge_point(x0, y0, x1, y1, widths[start] / 2 + 0.06, half_h + 0.06)
        head = _edge_point(x1, y1, x0, y0, widths[end] / 2 + 0.06, half_h + 0.06)
        ax.add_patch(FancyArrowPatch(tail, head, arrowstyle="-|>", mutation_scale=14))
    handles = [
        Rectangle((0, 0), 1, 1, facecolor=colour, edgecolor="black")
        for colour in NODE_COLOURS.values()
    ]
    names = ["input / output", "parameter", "operation"]
    ax.legend(handles, names, loc="upper right", fontsize=9, frameon=False)
    ax.set(xlim=(-0.7, 7.0), ylim=(-0.2, 2.6), aspect="equal")
    ax.axis("off")
    return ax


def _grid(ax: Axes, x0: float, rows: int, cols: int, values, stretched=()) -> None:
    """A table of numbers at x0; cells in `stretched` are copies made by broadcasting (grey)."""
    for i in range(rows):
        for j in range(cols):
            grey = (i, j) in stretched
            ax.add_patch(
                Rectangle(
                    (x0 + j, rows - 1 - i),
                    1,
                    1,
                    facecolor="#e6e6e6" if grey else "white",
                    edgecolor="black",
                    linestyle=":" if grey else "-",
                )
            )
            ax.text(
                x0 + j + 0.5,
                rows - 0.5 - i,
                f"{values[i][j]:g}",
                ha="center",
                va="center",
                color="gray" if grey else "black",
            )


def draw_broadcast(ax: Axes | None = None) -> Axes:
    """col (3, 1) + row (1, 4) → (3, 4): each size-1 dimension is repeated (grey copies)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 2.4))
    col = [[10.0 * i] for i in range(3)]
    row = [[float(j) for j in range(4)]]
    col_full = [[col[i][0]] * 4 for i in range(3)]
    row_full = [row[0] for _ in range(3)]
    _grid(ax, 0, 3, 4, col_full, stretched={(i, j) for i in range(3) for j in range(1, 4)})
    ax.text(4.5, 1.5, "+", ha="center", va="center", fontsize=18)
    _grid(ax, 5, 3, 4, row_full, stretched={(i, j) for i in range(1, 3) for j in range(4)})
    ax.text(9.5, 1.5, "=", ha="center", va="center", fontsize=18)
    table = [[col[i][0] + row[0][j] for j in range(4)] for i in range(3)]
    _grid(ax, 10, 3, 4, table)
    for x, text in [(2, "shape (3, 1)"), (7, "shape (1, 4)"), (12, "shape (3, 4)")]:
        ax.text(x, -0.4, text, ha="center", va="center", fontsize=10)
    ax.set(xlim=(-0.2, 14.2), ylim=(-0.8, 3.2), aspect="equal")
    ax.axis("off")
    return ax
