"""The session's one run of each notebook (tests/notebook_runs.py): run once, reused, and the
failing cell or slider named."""

import nbformat
import pytest

from tests import notebook_runs

pytestmark = pytest.mark.slow  # each test starts a kernel


def _notebook(tmp_path, name, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def test_a_notebook_runs_once_and_its_run_is_reused(tmp_path):
    path = _notebook(tmp_path, "ok.ipynb", "import os\nprint('seen', os.getpid())")
    first = notebook_runs.run(path)
    assert first.error is None and first.sliders is None
    assert "seen" in first.notebook.cells[0].outputs[0]["text"]
    assert notebook_runs.run(path) is first  # not executed again


def test_the_first_failing_cell_is_named_and_the_run_stops(tmp_path):
    path = _notebook(tmp_path, "bad.ipynb", "x = 1", "x / 0", "print('never')")
    result = notebook_runs.run(path)
    assert "ZeroDivisionError" in result.error and "x / 0" in result.error
    assert result.notebook.cells[2].outputs == []
    allowed = notebook_runs.run(path, allow_errors=True)  # the student edition goes on
    assert allowed.error is None and "never" in allowed.notebook.cells[2].outputs[0]["text"]


def test_a_slider_broken_by_a_later_cell_is_reported(tmp_path):
    path = _notebook(
        tmp_path,
        "sliders.ipynb",
        "from ipywidgets import interact\nscale = 2.0\n"
        "def show(a=1.0):\n    print(a * scale)\n"
        "_ = interact(show, a=(0.0, 4.0))",
        "scale = None  # a later cell overwrites what the slider reads",
    )
    result = notebook_runs.run(path)
    assert result.error is None
    assert [c.source.split("\n")[0] for c in result.notebook.cells] == [
        "from ipywidgets import interact",
        "scale = None  # a later cell overwrites what the slider reads",
    ]  # the sliders' own two cells are not in the notebook the other tests see
    assert result.sliders["boxes"] == 1 and result.sliders["moves"] >= 1
    assert "TypeError" in result.sliders["errors"][0]
