"""Tests of utils.graphs: torchviz drawings, and the text form without Graphviz."""

import pytest
import torch

import utils.graphs as graphs
from utils.graphs import graph_text, show_graph

# Colab lacks torchviz (the notebooks' setup cell installs it), and so does the Colab twin
# (.ci/colab-twin) when it runs these tests: what needs torchviz skips there.
needs_torchviz = pytest.mark.skipif(
    graphs.import_torchviz() is None,
    reason="torchviz is not installed (as on Colab before the setup cell installs it)",
)


def relu_unit():
    w = torch.tensor([2.0], requires_grad=True)
    b = torch.tensor([1.0], requires_grad=True)
    return torch.relu(w * torch.tensor([3.0]) + b), w, b


def test_text_form_names_every_node():
    out, w, b = relu_unit()
    text = str(graph_text(out, {"w": w, "b": b}))
    lines = text.splitlines()
    assert lines[0] == "output (1,)"
    assert lines[1] == "└── ReluBackward0"
    for expected in ("AddBackward0", "MulBackward0", "w (1,)", "b (1,)"):
        assert expected in text


def test_shared_node_printed_once():
    x = torch.ones(2, requires_grad=True)
    y = x * x
    text = str(graph_text(y))
    assert text.count("(see above)") == 1


def test_without_dot_prints_how_to_install_and_returns_text(monkeypatch, capsys):
    monkeypatch.setattr(graphs, "import_torchviz", lambda: "torchviz")  # present, whatever here
    monkeypatch.setattr(graphs, "has_dot", lambda: False)
    out, w, b = relu_unit()
    shown = show_graph(out, {"w": w, "b": b})
    assert isinstance(shown, graphs.GraphText)
    printed = capsys.readouterr().out
    assert "apt-get install graphviz" in printed and "brew install graphviz" in printed
    assert "winget install graphviz" in printed
    assert "ReluBackward0" in repr(shown)


def test_without_torchviz(monkeypatch, capsys):
    monkeypatch.setattr(graphs, "import_torchviz", lambda: None)
    out, _, _ = relu_unit()
    assert isinstance(show_graph(out), graphs.GraphText)
    assert "pip install torchviz" in capsys.readouterr().out
    with pytest.raises(RuntimeError, match="pip install torchviz"):
        show_graph(out, as_text=False)


def test_forced_drawing_without_dot_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(graphs, "import_torchviz", lambda: "torchviz")  # present, whatever here
    monkeypatch.setattr(graphs, "has_dot", lambda: False)
    out, _, _ = relu_unit()
    with pytest.raises(RuntimeError, match="Graphviz's `dot` program is not installed"):
        show_graph(out, as_text=False)


@needs_torchviz
@pytest.mark.skipif(not graphs.has_dot(), reason="Graphviz's dot is not installed")
def test_drawing_renders_to_svg_with_parameter_names():
    out, w, b = relu_unit()
    drawing = show_graph(out, {"w": w, "b": b})
    svg = drawing.pipe(format="svg").decode()
    assert "<svg" in svg and "ReluBackward0" in svg and ">w" in svg


@needs_torchviz
def test_torchviz_imports():
    assert graphs.import_torchviz() is not None


def test_bad_arguments():
    with pytest.raises(TypeError, match="must be a torch.Tensor"):
        show_graph([1.0])
    with pytest.raises(ValueError, match="no computational graph"):
        show_graph(torch.ones(2))
    out, _, _ = relu_unit()
    with pytest.raises(TypeError, match="`params` must map names to tensors"):
        show_graph(out, params={"w": 2.0})
