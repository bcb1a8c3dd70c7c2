"""Computational graphs: draw the DAG that autograd records, with torchviz when it can.

`show_graph(y)` returns torchviz's drawing of the graph behind ``y`` when Graphviz's ``dot``
program is installed (Jupyter renders it). Without ``dot`` a displayed drawing would be an error,
so instead it says how to install Graphviz and returns the same graph as text: the chain of
autograd functions from ``y`` back to the leaves.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import torch

INSTALL_GRAPHVIZ = (
    "Graphviz's `dot` program is not installed, so the graph is shown as text below.\n"
    "To draw it: Linux `sudo apt-get install graphviz`, macOS `brew install graphviz`, "
    "Windows `winget install graphviz` (then restart Jupyter); conda: "
    "`conda install -c conda-forge graphviz`. Colab has it already."
)
INSTALL_TORCHVIZ = (
    "The torchviz package is not installed, so the graph is shown as text below. "
    "To draw it: `pip install torchviz` (and Graphviz, see the README)."
)


def has_dot() -> bool:
    """Whether Graphviz's ``dot`` program is on the PATH."""
    return shutil.which("dot") is not None


def import_torchviz():
    """Import torchviz, or return None when it is not installed.

    torchviz 0.0.3 imports ``distutils``, which Python ≥ 3.12 only has through setuptools:
    importing setuptools first puts its copy of distutils in place.
    """
    try:
        import distutils  # noqa: F401
    except ModuleNotFoundError:
        try:
            import setuptools  # noqa: F401
        except ModuleNotFoundError:
            pass
    try:
        import torchviz
    except ModuleNotFoundError:
        return None
    return torchviz


@dataclass
class GraphText:
    """A computational graph as text; Jupyter shows it as a plain-text block."""

    text: str

    def __repr__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


def _check_output(output: object) -> torch.Tensor:
    if not isinstance(output, torch.Tensor):
        raise TypeError(f"`output` must be a torch.Tensor; found {type(output).__name__}")
    if output.grad_fn is None:
        raise ValueError(
            "`output` has no computational graph (its grad_fn is None): it must be computed from "
            "a tensor created with requires_grad=True, outside torch.no_grad()"
        )
    return output


def graph_text(output: torch.Tensor, params: dict[str, torch.Tensor] | None = None) -> GraphText:
    """The autograd graph behind ``output`` as an indented tree of backward functions.

    Leaves are the tensors autograd accumulates gradients into (``AccumulateGrad``), named from
    ``params`` when given. A node reached twice is printed once, then referred to.
    """
    _check_output(output)
    names = {id(t): n for n, t in (params or {}).items()}
    lines = [f"output {tuple(output.shape)}"]
    seen: set[int] = set()

    def label(fn) -> str:
        variable = getattr(fn, "variable", None)
        if variable is not None:
            name = names.get(id(variable), "leaf")
            return f"{name} {tuple(variable.shape)}  (AccumulateGrad: its .grad is filled)"
        return type(fn).__name__

    def walk(fn, prefix: str, last: bool) -> None:
        branch = "└── " if last else "├── "
        again = id(fn) in seen
        lines.append(f"{prefix}{branch}{label(fn)}{'  (see above)' if again else ''}")
        if again:
            return
        seen.add(id(fn))
        children = [child for child, _ in fn.next_functions if child is not None]
        for i, child in enumerate(children):
            walk(child, prefix + ("    " if last else "│   "), i == len(children) - 1)

    walk(output.grad_fn, "", True)
    return GraphText("\n".join(lines))


def show_graph(
    output: torch.Tensor,
    params: dict[str, torch.Tensor] | None = None,
    as_text: bool | None = None,
):
    """Draw the computational graph behind ``output``.

    Parameters
    ----------
    output : torch.Tensor
        A tensor computed from tensors with ``requires_grad=True``.
    params : dict[str, torch.Tensor], optional
        Names for the leaf tensors (``{"w": w, "b": b}``), shown in the drawing.
    as_text : bool, optional
        Force the text form (True) or the drawing (False). By default: the drawing when torchviz
        and Graphviz's ``dot`` are installed, else the text form and a line saying how to
        install what is missing.

    Returns
    -------
    graphviz.Digraph or GraphText
        Put it last in a cell and Jupyter shows it.
    """
    _check_output(output)
    if params is not None and not all(isinstance(t, torch.Tensor) for t in params.values()):
        raise TypeError("`params` must map names to tensors, e.g. {'w': w, 'b': b}")
    torchviz = import_torchviz() if as_text is not True else None
    if as_text is False and torchviz is None:
        raise RuntimeError(INSTALL_TORCHVIZ)
    if as_text is False and not has_dot():
        raise RuntimeError(INSTALL_GRAPHVIZ)
    if torchviz is not None and has_dot():
        return torchviz.make_dot(output, params=params)
    if as_text is None:
        print(INSTALL_TORCHVIZ if torchviz is None else INSTALL_GRAPHVIZ)
    return graph_text(output, params)
