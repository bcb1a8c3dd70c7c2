"""The submission checker (`utils.lab`) on small notebooks written here, good and broken.

The notebooks run in a real python3 kernel but import nothing heavy (no torch), with time limits
of a few seconds, so that the whole file stays well under a minute.
"""

from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from utils import lab
from utils.checks._core import Case, check_function
from utils.course import sandbox

FAST = {"cell_timeout": 3, "total_timeout": 30}
TEAM_CELL = 'TEAM = ["Ada Lovelace", "Alan Turing"]'


# These small team notebooks test the checker, not the graded lab (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("course_without_graded_notebooks")


def code(source: str) -> nbformat.NotebookNode:
    """A code cell as saved after running: an execution count and an output."""
    cell = new_code_cell(source, execution_count=1)
    cell.outputs = [new_output("stream", name="stdout", text="ok\n")]
    return cell


def write(folder: Path, name: str, *sources: str, team: str | None = TEAM_CELL) -> Path:
    """A notebook: a title, the team cell (unless None), then one code cell per source."""
    cells = [new_markdown_cell("# A lab")]
    if team is not None:
        cells.append(code(team))
    cells += [code(s) for s in sources]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = folder / name
    nbformat.write(nb, path)
    return path


# Where bubblewrap does not work (macOS, a container without namespaces) the notebooks still
# run, with a "not sandboxed" warning that these tests leave aside.
SANDBOXED = sandbox.availability()[0]
NO_SANDBOX = [] if SANDBOXED else ["--no-sandbox"]


def kinds(report: lab.Report) -> tuple[set[str], set[str]]:
    return report.kinds(blocking=True), report.kinds(blocking=False) - {lab.SANDBOX}


def problems(report: lab.Report) -> list[lab.Problem]:
    return [p for p in report.problems if p.kind != lab.SANDBOX]


# --------------------------------------------------------------------------- running


def test_clean_notebook_passes_in_a_fresh_folder_outside_the_repository(tmp_path):
    repo = str(lab.REPO_ROOT)
    path = write(
        tmp_path,
        "clean.ipynb",
        "import os, pathlib, importlib.util\n"
        "here = pathlib.Path.cwd()\n"
        "assert (here / 'utils' / '__init__.py').is_file(), here\n"
        "assert not (here / 'notebooks').exists() and not (here / 'tests').exists()\n"
        f"assert not str(here.resolve()).startswith({repo!r}), here\n"
        "assert pathlib.Path(importlib.util.find_spec('utils').origin).parent.parent == here\n"
        "assert sorted(p.name for p in here.iterdir()) == ['clean.ipynb', 'utils']",
        "import matplotlib\nassert 'inline' in matplotlib.get_backend(), matplotlib.get_backend()",
        "import time\ntime.sleep(1.5)",
    )
    before = path.read_bytes()
    report = lab.check_notebook(path, **FAST)
    assert problems(report) == [], report.problems
    assert report.status == ("ok" if SANDBOXED else "warnings") and not report.blocked
    assert report.sandboxed == SANDBOXED
    assert report.team == ["Ada Lovelace", "Alan Turing"]
    assert report.ran and 1.5 < report.runtime_s < 20
    assert report.slowest[0][:2] == (5, "import time")  # the cell that sleeps
    assert path.read_bytes() == before  # the submission itself is never modified


def test_syntax_error_is_the_first_error(tmp_path):
    path = write(tmp_path, "syntax.ipynb", "x = (1,\nprint('never')", "print('after')")
    report = lab.check_notebook(path, **FAST)
    assert kinds(report) == ({lab.ERROR}, set())
    error = report.first_error
    assert error.cell == 3
    # Python 3.13 names an unclosed bracket `_IncompleteInputError`: reported as a SyntaxError.
    assert error.message.startswith("cell 3 `x = (1,`: SyntaxError"), error.message
    assert "_IncompleteInputError" not in error.message


def test_exception_in_cell_3_stops_the_run(tmp_path):
    path = write(tmp_path, "exc.ipynb", "ratio = 1 / 0", "raise RuntimeError('not reached')")
    report = lab.check_notebook(path, **FAST)
    assert kinds(report) == ({lab.ERROR}, set())
    assert (
        report.first_error.message == "cell 3 `ratio = 1 / 0`: ZeroDivisionError: division by zero"
    )
    assert [n for n, _, _ in report.cell_times] == [2, 3]  # cell 4 never ran


def test_infinite_loop_is_stopped_within_its_limit(tmp_path):
    path = write(tmp_path, "loop.ipynb", "while True:\n    pass", "print('not reached')")
    report = lab.check_notebook(path, cell_timeout=2, total_timeout=30)
    # The cell's own limit stopped it (not the total's 30 s): no wall-clock bound beyond that,
    # so that a loaded machine cannot fail the test.
    assert kinds(report) == ({lab.TIMEOUT}, set())
    assert report.first_error.cell == 3
    assert "limit of 2 s per cell" in report.first_error.message
    assert 2 <= report.cell_times[-1][2] < 30


def test_a_cell_that_prints_forever_is_stopped_too(tmp_path):
    path = write(tmp_path, "flood.ipynb", "while True:\n    print('x' * 10_000)")
    report = lab.check_notebook(path, cell_timeout=2, total_timeout=30)
    assert kinds(report) == ({lab.TIMEOUT}, set())
    assert "limit of 2 s per cell" in report.first_error.message  # not the total's


def test_total_time_limit_stops_a_slow_notebook(tmp_path):
    sleeps = ["import time\ntime.sleep(1)"] * 6
    path = write(tmp_path, "slow.ipynb", *sleeps)
    report = lab.check_notebook(path, cell_timeout=5, total_timeout=3)
    assert kinds(report) == ({lab.TIMEOUT}, set())
    assert "total limit of 3 s" in report.first_error.message
    assert len(report.cell_times) < len(sleeps)  # stopped before the last cell


def test_not_implemented_stub_is_blocking(tmp_path):
    stub = (
        "def add(a, b):\n"
        '    """a + b."""\n'
        "    # YOUR CODE HERE\n"
        '    raise NotImplementedError("Exercise add: return a + b")'
    )
    fake_check = (  # prints what utils.checks prints for a stub, without importing torch
        "try:\n    add(1, 2)\nexcept NotImplementedError:\n"
        "    print('⏳ add: not implemented yet. Replace the line.')\n"
        "print('⏳ scale: not implemented yet.')"
    )
    path = write(tmp_path, "stub.ipynb", stub, fake_check)
    report = lab.check_notebook(path, **FAST)
    assert kinds(report) == ({lab.NOT_IMPLEMENTED}, {lab.LEFTOVER})
    assert report.not_implemented == ["add", "scale"]  # the stub in the source, the verdicts run
    assert report.first_error is None


def test_a_stub_called_by_a_later_task_is_the_first_error(tmp_path):
    stub = 'def fit():\n    # YOUR CODE HERE\n    raise NotImplementedError("Exercise fit: train")'
    path = write(tmp_path, "uses_stub.ipynb", stub, "model = fit()")
    report = lab.check_notebook(path, **FAST)
    assert kinds(report) == ({lab.ERROR, lab.NOT_IMPLEMENTED}, {lab.LEFTOVER})
    assert report.first_error.message.startswith("cell 4 `model = fit()`: NotImplementedError")
    assert report.not_implemented == ["fit"]


def test_input_does_not_wait_and_a_missing_file_is_reported(tmp_path):
    (tmp_path / "mine.csv").write_text("1,2\n")  # beside the notebook here, not on Colab
    path = write(tmp_path, "reads.ipynb", "text = open('mine.csv').read()")
    report = lab.check_notebook(path, **FAST)
    assert kinds(report) == ({lab.ERROR}, set())
    assert "FileNotFoundError" in report.first_error.message
    assert "not there on Colab" in report.first_error.message

    path = write(tmp_path, "asks.ipynb", "name = input('Your name? ')")
    report = lab.check_notebook(path, **FAST)
    assert kinds(report) == ({lab.ERROR}, set())
    assert "StdinNotImplementedError" in report.first_error.message


def test_a_kernel_that_dies_is_an_error_not_a_hang(tmp_path):
    path = write(tmp_path, "dies.ipynb", "import os\nos.write(2, b'my last words\\n')\nos._exit(1)")
    report = lab.check_notebook(path, **FAST)
    assert kinds(report) == ({lab.ERROR}, set())
    assert "kernel died" in report.first_error.message
    assert "its last words: my last words" in report.first_error.message


# --------------------------------------------------------------------------- reading the file


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("broken.ipynb", '{"cells": [', "is not valid notebook JSON (line 1"),
        ("zero.ipynb", "", "is empty"),
        ("nocells.ipynb", nbformat.writes(new_notebook()), "is an empty notebook"),
        ("data.ipynb", '{"name": "not a notebook"}', "is JSON but not a Jupyter notebook"),
        ("script.py", "print('hello')\n", "is not valid notebook JSON"),
        ("slides.pdf", b"%PDF-1.4\xff\xfe\x00\x01", "not a text file"),
        (
            "bad_schema.ipynb",
            '{"cells": [{"x": 1}], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}',
            "is not a valid notebook",
        ),
    ],
)
def test_malformed_files_get_one_line_errors(tmp_path, name, content, expected):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    report = lab.check_notebook(path, **FAST)
    assert report.status == "unreadable" and report.blocked and not report.ran
    assert [p.kind for p in report.problems] == [lab.UNREADABLE]
    message = report.problems[0].message
    assert expected in message and "\n" not in message


def test_missing_file_and_folder_exit_non_zero_with_one_line(tmp_path, capsys):
    assert lab.main(["check", str(tmp_path / "nope.ipynb")]) == 1
    out = capsys.readouterr().out
    assert f"❌ no such file: {tmp_path / 'nope.ipynb'}" in out
    assert out.count("❌") == 2  # the verdict line and the one reason
    assert lab.main(["check", str(tmp_path)]) == 1  # a folder with no notebook in it
    assert "no notebooks (*.ipynb) found" in capsys.readouterr().out


# --------------------------------------------------------------------------- reading the cells


def test_absolute_paths_block_and_urls_do_not(tmp_path):
    path = write(
        tmp_path,
        "paths.ipynb",
        "DATA = '/home/ana/lab/data.csv'",
        "FIG = r'C:\\Users\\ana\\fig.png'",
        "URL = 'https://example.org/home/page'  # fine\nOUT = 'figures/fig1.png'  # fine",
        "OTHER = '../data/x.npy'",
    )
    report = lab.check_notebook(path, run=False)
    assert kinds(report) == ({lab.ABSOLUTE_PATH}, {lab.OUTSIDE_PATH})
    found = [(p.cell, p.kind) for p in report.problems]
    assert found == [(3, lab.ABSOLUTE_PATH), (4, lab.ABSOLUTE_PATH), (6, lab.OUTSIDE_PATH)]
    assert "'/home/ana/lab/data.csv'" in report.problems[0].message


@pytest.mark.parametrize(
    ("team", "blocking", "warnings", "names"),
    [
        ('TEAM = ["Student name 1", "Student name 2", "Student name 3"]', {lab.TEAM}, set(), []),
        ('TEAM = ["Ada Lovelace", "Student name 2"]', {lab.TEAM}, set(), ["Ada Lovelace"]),
        ('TEAM = ["", ""]', {lab.TEAM}, set(), []),
        ("TEAM = []", {lab.TEAM}, set(), []),
        ('TEAM = ["Ana Todorova", "Your name"]', {lab.TEAM}, set(), ["Ana Todorova"]),
        ("TEAM = load_names()", {lab.TEAM}, set(), []),
        (None, {lab.TEAM}, set(), []),
        ('TEAM = ["Ada Lovelace"]', {lab.TEAM_SIZE_KIND}, set(), ["Ada Lovelace"]),
        (
            'TEAM = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra"]',
            {lab.TEAM_SIZE_KIND},
            set(),
            ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra"],
        ),
        (
            'TEAM: list[str] = ["Ada Lovelace", "Alan Turing"]',  # annotated
            set(),
            set(),
            ["Ada Lovelace", "Alan Turing"],
        ),
        (
            '%matplotlib inline\nTEAM = [\n    "Ada Lovelace",\n    "Alan Turing",\n    "Grace Hopper",\n]',
            set(),
            set(),
            ["Ada Lovelace", "Alan Turing", "Grace Hopper"],
        ),
    ],
)
def test_team_cell(tmp_path, team, blocking, warnings, names):
    path = write(tmp_path, "team.ipynb", "x = 1", team=team)
    report = lab.check_notebook(path, run=False)
    assert kinds(report) == (blocking, warnings)
    assert report.team == names
    assert lab.csv_row(report)["team_filled"] == ("no" if lab.TEAM in blocking else "yes")
    assert lab.check_notebook(path, run=False, team_required=False).kinds(True) == set()


def test_leftovers_unrun_cells_saved_errors_and_size_warn_only(tmp_path):
    path = write(tmp_path, "warn.ipynb", "x = 1  # TODO tidy up")
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(new_markdown_cell("**Answer.** *Your answer here.*"))
    nb.cells.append(new_code_cell("y = 2"))  # never run: no outputs in the file
    nb.cells[2].outputs = [new_output("error", ename="ValueError", evalue="x", traceback=[])]
    nbformat.write(nb, path)
    report = lab.check_notebook(path, run=False, max_size_mb=0.0001, team_required=False)
    assert kinds(report) == (set(), {lab.LEFTOVER, lab.NO_OUTPUTS, lab.SAVED_ERROR, lab.SIZE})
    assert report.status == "warnings" and not report.blocked
    messages = " | ".join(p.message for p in report.problems)
    assert "'TODO' in cell(s) 3" in messages and "'Your answer here' left in cell(s) 4" in messages
    assert "(cells 5)" in messages
    # In the graded lab (a team cell), an unanswered question blocks.
    report = lab.check_notebook(path, run=False, max_size_mb=0.0001)
    assert lab.UNANSWERED in report.kinds(blocking=True)


def test_the_not_implemented_verdict_of_the_checks_is_recognised():
    def stub(a, b):
        raise NotImplementedError("Exercise add: return a + b")

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        check_function("add", stub, [Case((1, 2), 3)])
    assert lab.NOT_IMPLEMENTED_VERDICT.findall(printed.getvalue()) == ["add"]


# --------------------------------------------------------------------------- a folder of submissions


def test_folder_writes_one_csv_row_per_notebook(tmp_path, capsys):
    folder = tmp_path / "submissions"
    (folder / "team_b").mkdir(parents=True)
    write(folder, "team_a.ipynb", "print('done')")
    write(folder / "team_b", "lab.ipynb", "value = undefined_name")
    (folder / "team_c.ipynb").write_text("{ not json")
    (folder / "notes.txt").write_text("not a notebook: ignored in a folder")
    (folder / ".ipynb_checkpoints").mkdir()
    write(folder / ".ipynb_checkpoints", "team_a-checkpoint.ipynb", "print('old')")
    summary = tmp_path / "summary.csv"

    options = ["--csv", str(summary), "--cell-timeout", "3", *NO_SANDBOX]
    status = lab.main(["check", str(folder), *options])
    out = capsys.readouterr().out
    assert status == 1
    assert "1 of 3 notebook(s) ready to hand in" in out
    with open(summary, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [Path(r["file"]).name for r in rows] == ["team_a.ipynb", "lab.ipynb", "team_c.ipynb"]
    assert list(rows[0]) == lab.CSV_COLUMNS
    good, bad, broken = rows
    ok = "ok" if SANDBOXED else "warnings"
    assert (good["status"], good["team_filled"], good["first_error"]) == (ok, "yes", "")
    assert good["sandboxed"] == ("yes" if SANDBOXED else "no")
    assert good["team"] == "Ada Lovelace; Alan Turing" and float(good["runtime_s"]) > 0
    assert bad["status"] == "blocked" and bad["error_cell"] == "3"
    assert bad["first_error"] == (
        "cell 3 `value = undefined_name`: NameError: name 'undefined_name' is not defined"
    )
    assert bad["team_filled"] == "yes"
    assert broken["status"] == "unreadable" and broken["runtime_s"] == ""
    assert broken["team_filled"] == ""
    assert "is not valid notebook JSON" in broken["problems"]


def test_exit_status_is_zero_for_warnings_only(tmp_path, capsys):
    path = write(tmp_path, "ok.ipynb", "x = 1  # TODO: nicer name")
    assert lab.main(["check", str(path), "--no-run"]) == 0
    out = capsys.readouterr().out
    assert "✅ ready to hand in (see the warnings)" in out and "TODO" in out


# --------------------------------------------------------------------------- honest notebooks


def test_python_313_incomplete_input_is_a_syntax_error():
    from utils.course.running import exception_name

    assert exception_name("_IncompleteInputError") == "SyntaxError"
    assert exception_name("SyntaxError") == "SyntaxError"


def test_honest_code_is_not_flagged(tmp_path):
    path = write(
        tmp_path,
        "honest.ipynb",
        "prompt = 'A:\\n'\ntitle = r'b:\\mathbb{R}^2'\nlabel = r'$f: \\mathbb{R}^d \\to \\{0, 1\\}$'",
        "from abc import ABC, abstractmethod\n\n\nclass Model(ABC):\n    @abstractmethod\n"
        "    def fit(self):\n        raise NotImplementedError\n\n\n"
        "class Base:\n    def predict(self):\n        raise NotImplementedError",
        team='TEAM: list[str] = ["Ada Lovelace", "Alan Turing"]',
    )
    report = lab.check_notebook(path, run=False)
    assert report.problems == [] and report.team == ["Ada Lovelace", "Alan Turing"]


def test_a_setup_cell_at_another_ref_warns(tmp_path):
    ref = lab.course_ref()
    setup = 'REPO, REF = "dl-basics-course/deep-learning-basics", "{}"\nimport sys'
    path = write(tmp_path, "old.ipynb", setup.format("2025-fall"))
    report = lab.check_notebook(path, run=False)
    assert kinds(report) == (set(), {lab.REF_KIND})
    assert f"'2025-fall', the course is at {ref!r}" in report.problems[0].message
    path = write(tmp_path, "same.ipynb", setup.format(ref))
    assert lab.check_notebook(path, run=False).problems == []


def test_without_bubblewrap_one_notebook_runs_and_says_so(tmp_path, monkeypatch):
    from utils.course import sandbox

    monkeypatch.setattr(sandbox, "availability", lambda: (False, "bwrap is not installed"))
    path = write(tmp_path, "mine.ipynb", "print('hello')")
    report = lab.check_notebook(path, **FAST)
    assert report.ran and not report.sandboxed
    assert (report.kinds(blocking=True), report.kinds(blocking=False)) == (set(), {lab.SANDBOX})
    assert "not sandboxed" in report.problems[0].message
    assert "NOT sandboxed" in lab.format_report(report)


# --------------------------------------------------------------------------- judging, reading


def test_exercises_and_what_the_recheck_runs():
    from utils.course import judging

    nb = new_notebook(
        cells=[
            new_code_cell("import torch\nimport utils.checks\nEPS = 1e-8\nX = load()"),
            new_code_cell("utils.checks.check_standardize = print\ncheck_standardize = print"),
            new_code_cell(
                "%%capture\ndef standardize(x):\n    return x / EPS\n\n\n"
                "check_standardize(standardize)"
            ),
            new_code_cell("def helper():\n    return utils.checks._core\n\n\ncheck_nothing(1)"),
        ]
    )
    found = judging.exercises(nb, {"check_standardize"})
    assert [(e.name, e.check, e.cell, e.target) for e in found] == [
        ("standardize", "check_standardize", 3, "standardize")
    ]
    # A renamed function or a lambda is re-checked as the notebook passed it.
    nb.cells[2].source = "check_standardize(lambda x: x / EPS)"
    assert judging.exercises(nb, {"check_standardize"})[0].target == "lambda x: x / EPS"
    # A graded task the notebook never checks is re-checked all the same, by its name.
    found = judging.with_graded(
        judging.exercises(nb, {"check_standardize"}), ["standardize", "train"], set()
    )
    assert [(e.name, e.check, e.cell, e.target) for e in found] == [
        ("standardize", "check_standardize", 3, "lambda x: x / EPS"),
        ("train", "check_train", None, "train"),
    ]


def test_a_symbolic_link_inside_the_folder_is_read(tmp_path):
    path = write(tmp_path, "real.ipynb", "x = 1")
    (tmp_path / "link.ipynb").symlink_to(path)
    report = lab.check_notebook(tmp_path / "link.ipynb", run=False, root=tmp_path)
    assert report.problems == [] and report.team == ["Ada Lovelace", "Alan Turing"]
    report = lab.check_notebook(tmp_path / "link.ipynb", run=False)  # no folder given
    assert report.status == "unreadable" and "symbolic link" in report.problems[0].message
