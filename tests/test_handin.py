"""Handing in from the notebook (utils.handin), with a stand-in for Colab's front end.

The stand-in replaces ``google.colab``: ``_message.blocking_request('get_ipynb', ...)`` answers
``{'ipynb': notebook}`` as Colab's front end does, and ``files.download`` records the path.
The checker really runs (a tiny notebook in a fresh kernel: a few seconds each).
"""

from __future__ import annotations

import ast
import inspect
import json
import sys
import types
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from utils import handin
from utils.notebooks import read_notebook

ROOT = Path(__file__).resolve().parent.parent
LAB = ROOT / "notebooks" / "07_graded_lab.ipynb"


def small_notebook(*sources: str, team='TEAM = ["Ada Lovelace", "Alan Turing"]') -> dict:
    nb = new_notebook(cells=[new_markdown_cell("# A lab"), new_code_cell(team)])
    nb.cells += [new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def task_cells() -> list[str]:
    """The complete lab's graded tasks with their self-checks (course.json "graded"): a small
    notebook without them is blocked by the checker, as a submission that lost a task is."""
    tasks = json.loads((ROOT / "course.json").read_text())["graded"][LAB.name]
    cells = [c for c in lab_cells() if any(f"def {t}(" in c for t in tasks)]
    assert len(cells) == len(tasks), "a graded task of the lab has no cell of its own"
    return ["import math\n\nimport torch", *cells]


class FakeColab:
    """google.colab, _message and files as the kernel sees them in Colab."""

    def __init__(self, monkeypatch, notebook: dict | None):
        self.requests, self.downloads = [], []
        google = types.ModuleType("google")
        colab = types.ModuleType("google.colab")
        message = types.ModuleType("google.colab._message")
        files = types.ModuleType("google.colab.files")

        def blocking_request(request_type, request="", timeout_sec=5):
            self.requests.append((request_type, request, timeout_sec))
            return None if notebook is None else {"ipynb": nbformat.from_dict(notebook)}

        message.blocking_request = blocking_request
        files.download = self.downloads.append
        colab._message, colab.files, google.colab = message, files, colab
        for name, module in [
            ("google", google),
            ("google.colab", colab),
            ("google.colab._message", message),
            ("google.colab.files", files),
        ]:
            monkeypatch.setitem(sys.modules, name, module)
        monkeypatch.delenv(handin.NESTED, raising=False)


def run_lab_cell(source: str) -> None:
    """Run a cell of the lab as the notebook does (its names come from its import cell)."""
    exec(
        compile(source, "<lab cell>", "exec"),
        {"check_handin": handin.check_handin, "download_figures": handin.download_figures},
    )


def lab_cells() -> list[str]:
    return [c.source for c in read_notebook(LAB).cells if c.cell_type == "code"]


def test_the_lab_ends_with_the_figures_and_the_check():
    figures, check = lab_cells()[-2:]
    assert check == "_ = check_handin()"
    call = ast.parse(figures).body[0].value
    assert isinstance(call, ast.Call) and call.func.id == "download_figures", figures
    known = inspect.signature(handin.download_figures).parameters
    assert {k.arg for k in call.keywords} <= set(known), "an argument download_figures lacks"
    defined = set()  # every name the notebook binds before its hand-in cell
    for source in lab_cells()[:-2]:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                defined.add(node.id)
            elif isinstance(node, ast.FunctionDef | ast.ClassDef):
                defined.add(node.name)
            elif isinstance(node, ast.alias):
                defined.add((node.asname or node.name).split(".")[0])
    used = {n.id for n in ast.walk(call) if isinstance(n, ast.Name)} - {"download_figures"}
    assert used <= defined, f"the hand-in cell uses names the notebook never sets: {used - defined}"


def test_in_colab_the_lab_cell_checks_the_open_notebook(monkeypatch, capsys):
    colab = FakeColab(monkeypatch, small_notebook(*task_cells(), "print('hello')"))
    run_lab_cell(lab_cells()[-1])
    out = capsys.readouterr().out
    assert colab.requests and colab.requests[0][:2] == ("get_ipynb", "")
    assert "07_graded_lab.ipynb" in out and "✅" in out and "❌" not in out
    assert "nothing that blocks" in out


def test_in_colab_a_blocked_notebook_is_reported_not_raised(monkeypatch, capsys):
    FakeColab(
        monkeypatch,
        small_notebook(
            "raise ValueError('boom')", team='TEAM = ["Student name 1", "Student name 2"]'
        ),
    )
    assert handin.check_handin() == 1  # no exception: the cell itself does not fail
    out = capsys.readouterr().out
    assert "❌" in out and "ValueError: boom" in out and "team not filled in" in out
    assert "Fix every ❌" in out


def test_in_colab_a_silent_front_end_gets_a_message(monkeypatch, capsys):
    colab = FakeColab(monkeypatch, None)
    assert handin.check_handin() is None
    assert colab.requests and "python -m utils.lab check" in capsys.readouterr().out


def test_the_checkers_own_run_does_not_check_again(monkeypatch, capsys):
    colab = FakeColab(monkeypatch, small_notebook())
    monkeypatch.setenv(handin.NESTED, "1")
    assert handin.check_handin() is None
    assert colab.requests == [] and "checker's own run" in capsys.readouterr().out


def test_the_checker_inside_the_check_does_not_recurse(monkeypatch, tmp_path, capsys):
    """The checker's kernel inherits the environment: the notebook's own check cell, run by the
    checker, must stop at once instead of starting another checker."""
    monkeypatch.delenv(handin.NESTED, raising=False)
    nb = small_notebook(*task_cells(), "from utils.handin import check_handin\n_ = check_handin()")
    path = tmp_path / "lab.ipynb"
    nbformat.write(nbformat.from_dict(nb), path)
    assert handin.check_handin(path) == 0
    assert "✅" in capsys.readouterr().out


def test_outside_colab_headless_prints_what_to_run(monkeypatch, capsys):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.delenv(handin.NESTED, raising=False)
    assert handin.check_handin() is None
    assert "python -m utils.lab check path/to/07_graded_lab.ipynb" in capsys.readouterr().out


def test_outside_colab_jupyter_names_the_saved_file(monkeypatch, tmp_path, capsys):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.delenv(handin.NESTED, raising=False)
    path = tmp_path / "my lab.ipynb"
    nbformat.write(nbformat.from_dict(small_notebook(team="TEAM = []")), path)
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))
    assert handin.check_handin() == 1
    out = capsys.readouterr().out
    assert "Checking the saved file my lab.ipynb" in out and "❌" in out


def png(path: Path, seed: int = 0) -> Path:
    """A real (small) PNG: the deck reads its size."""
    from PIL import Image

    Image.new("RGB", (160 + seed, 90), (seed * 40 % 255, 120, 200)).save(path)
    return path


def test_figures_are_zipped_and_downloaded_in_colab(monkeypatch, tmp_path, capsys):
    pytest.importorskip("pptx", reason="python-pptx is not installed (requirements.txt)")
    colab = FakeColab(monkeypatch, None)
    monkeypatch.chdir(tmp_path)
    assert handin.download_figures() is None  # nothing saved yet
    assert "No figures" in capsys.readouterr().out
    (tmp_path / "figures").mkdir()
    png(tmp_path / "figures" / "a.png")
    (tmp_path / "figures" / "a.pdf").write_bytes(b"pdf")
    assert handin.download_figures() == tmp_path / "figures.zip"  # the lab's call, as before
    assert colab.downloads == [str(tmp_path / "figures.zip")]
    with zipfile.ZipFile(tmp_path / "figures.zip") as archive:
        names = sorted(archive.namelist())
        deck = archive.read("slides.pptx")
    assert names == ["figures/", "figures/a.pdf", "figures/a.png", "slides.pptx"]
    assert deck == (tmp_path / "slides.pptx").read_bytes()
    out = capsys.readouterr().out
    assert "2 files zipped into figures.zip" in out and "slides.pptx added to figures.zip" in out


def test_the_deck_carries_the_teams_numbers(monkeypatch, tmp_path, capsys):
    pptx = pytest.importorskip("pptx", reason="python-pptx is not installed (requirements.txt)")
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.delenv(handin.NESTED, raising=False)
    (tmp_path / "figures").mkdir()
    png(tmp_path / "figures" / "bayes_rule.png")
    archive = handin.download_figures(
        tmp_path / "figures",
        team=["Ada Lovelace", "Alan Turing"],
        numbers={"Bayes risk R*": (0.1234, 0.0008)},
        excess={("logistic", 50): [0.2, 0.1, 0.3]},
    )
    assert archive == tmp_path / "figures.zip"
    deck = pptx.Presentation(str(tmp_path / "slides.pptx"))
    texts = [
        shape.text_frame.text if shape.has_text_frame else ""
        for slide in deck.slides
        for shape in slide.shapes
    ]
    cells = [
        cell.text
        for slide in deck.slides
        for shape in slide.shapes
        if shape.has_table
        for row in shape.table.rows
        for cell in row.cells
    ]
    assert any("Ada Lovelace, Alan Turing" in t for t in texts)
    assert "0.1234 ± 0.0008" in cells and "0.2000 [0.1000, 0.3000]" in cells


def test_a_deck_that_cannot_be_built_is_reported_not_raised(monkeypatch, tmp_path, capsys):
    """Offline without python-pptx, or with a number that is not one: the figures are zipped
    anyway, the cell does not fail, and the message says why."""
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.delenv(handin.NESTED, raising=False)
    (tmp_path / "figures").mkdir()
    png(tmp_path / "figures" / "a.png")
    archive = handin.download_figures(tmp_path / "figures", numbers={"risk": "low"})
    assert archive.is_file() and not (tmp_path / "slides.pptx").exists()
    assert "No slides.pptx: risk must be a number" in capsys.readouterr().out
    monkeypatch.setitem(sys.modules, "pptx", None)  # python-pptx missing
    archive = handin.download_figures(tmp_path / "figures")
    with zipfile.ZipFile(archive) as handle:
        assert "slides.pptx" not in handle.namelist()
    out = capsys.readouterr().out
    assert "No slides.pptx: the slides need python-pptx>=1.0" in out and "pip install" in out


def test_the_checkers_run_installs_nothing(monkeypatch, tmp_path, capsys):
    from utils import slides

    FakeColab(monkeypatch, None)
    monkeypatch.setenv(handin.NESTED, "1")
    monkeypatch.setitem(sys.modules, "pptx", None)
    monkeypatch.setattr(slides, "_pip_install", lambda r: pytest.fail("installed in a check"))
    (tmp_path / "figures").mkdir()
    png(tmp_path / "figures" / "a.png")
    assert handin.download_figures(tmp_path / "figures") == tmp_path / "figures.zip"
    assert "No slides.pptx" in capsys.readouterr().out


def test_no_slides_when_asked_for_none(monkeypatch, tmp_path, capsys):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    (tmp_path / "figures").mkdir()
    png(tmp_path / "figures" / "a.png")
    handin.download_figures(tmp_path / "figures", slides=False)
    assert not (tmp_path / "slides.pptx").exists() and "pptx" not in capsys.readouterr().out


def test_the_checkers_run_in_colab_does_not_download(monkeypatch, tmp_path, capsys):
    """The checker's kernel has no browser: a download would wait for one until the timeout."""
    colab = FakeColab(monkeypatch, None)
    monkeypatch.setenv(handin.NESTED, "1")
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "a.png").write_bytes(b"png")
    assert handin.download_figures(tmp_path / "figures") == tmp_path / "figures.zip"
    assert colab.downloads == [] and "not downloaded" in capsys.readouterr().out


def test_outside_colab_the_zip_is_only_written(monkeypatch, tmp_path, capsys):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    (tmp_path / "slides").mkdir()
    (tmp_path / "slides" / "b.png").write_bytes(b"png")
    archive = handin.download_figures(tmp_path / "slides")
    assert archive == tmp_path / "slides.zip" and archive.is_file()
    assert f"It is at {archive}" in capsys.readouterr().out


def test_slide_figures_are_about_1920_by_1080(tmp_path):
    """A figure of the lab's SLIDE size, saved by save_figure (200 dpi, tight bounding box)."""
    assert 'figsize=SLIDE, layout="constrained"' in "\n".join(lab_cells())
    import matplotlib.image
    import matplotlib.pyplot as plt

    from utils.plots import save_figure

    line = next(s for s in "\n".join(lab_cells()).splitlines() if s.startswith("SLIDE = "))
    slide = eval(line.split("=", 1)[1].split("#")[0])  # noqa: S307 - a tuple literal of the lab
    fig, ax = plt.subplots(figsize=slide, layout="constrained")  # as the lab's figures
    ax.plot([50, 5000], [0.1, 0.0], "o-", label="a family")
    ax.set(xscale="log", xlabel="number of training samples N", ylabel="excess risk", title="t")
    ax.legend()
    png = save_figure(fig, "slide", folder=tmp_path)
    plt.close(fig)
    height, width = matplotlib.image.imread(png).shape[:2]
    assert 1850 <= width <= 2000 and 1030 <= height <= 1130, (width, height)
