"""utils.diagrams: the figures of notebooks 00 and 00b say what the slides say."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from utils import diagrams  # noqa: E402


def test_tensor_graph_has_the_slides_colours_and_reaches_the_output():
    kinds = {name: kind for name, (_, kind, _, _) in diagrams.TENSOR_GRAPH_NODES.items()}
    assert kinds == {
        "x": "variable",
        "w": "parameter",
        "mul": "operation",
        "b": "parameter",
        "add": "operation",
        "relu": "operation",
        "f": "variable",
    }
    # every node but the output feeds something, and following the edges from x ends at f
    sources = {start for start, _ in diagrams.TENSOR_GRAPH_EDGES}
    assert sources == set(kinds) - {"f"}
    nxt = dict(diagrams.TENSOR_GRAPH_EDGES)
    node, path = "x", ["x"]
    while node in nxt:
        node = nxt[node]
        path.append(node)
    assert path == ["x", "mul", "add", "relu", "f"]
    ax = diagrams.draw_tensor_graph()
    assert len(ax.patches) >= len(kinds) + len(diagrams.TENSOR_GRAPH_EDGES)
    plt.close("all")


def test_broadcast_figure_shows_the_sum_table():
    ax = diagrams.draw_broadcast()
    numbers = [t.get_text() for t in ax.texts]
    # the result table, row by row: 10 i + j
    expected = [f"{10 * i + j:g}" for i in range(3) for j in range(4)]
    assert numbers[-15:-3] == expected
    plt.close("all")
