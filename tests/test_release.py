"""Tests of utils.release: the student edition built from the complete one."""

import re

import nbformat
import pytest

import utils.checks as checks
from utils import release
from utils.notebooks import read_notebook, series_notebooks
from utils.release import MarkerError, student_notebook

ROOT = release.repo_root()
SERIES = series_notebooks(ROOT)
CHECK_CALL = re.compile(r"^(check_\w+)\((\w+)\)\s*$", re.MULTILINE)


def code_cell(source):
    return nbformat.v4.new_code_cell(source)


def notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 00 · T"), *cells]
    return nb


def test_committed_edition_is_current():
    assert release.check(ROOT) == []


def test_build_is_deterministic():
    assert release.build(ROOT) == release.build(ROOT)


@pytest.mark.parametrize("path", SERIES, ids=[p.name for p in SERIES])
def test_student_edition_hides_every_solution(path):
    complete = read_notebook(path)
    student = read_notebook(ROOT / "notebooks" / "exercises" / path.name)
    nbformat.validate(student)
    assert len(student.cells) == len(complete.cells)
    assert release.solution_blocks(student) == []
    outside = set()
    for cell in complete.cells:
        stubbed = (
            "\n".join(release._stub_code(cell.source.split("\n"), "x"))
            if cell.cell_type == "code"
            else cell.source
        )
        outside.update(line.strip() for line in stubbed.split("\n"))
    student_text = "\n".join(c.source for c in student.cells)
    for block in release.solution_blocks(complete):
        for line in block:
            if line.strip() and line.strip() not in outside:
                assert line not in student_text, f"{path.name}: solution line shown: {line.strip()}"
    for s_cell, c_cell in zip(student.cells, complete.cells, strict=True):
        if (
            "# BEGIN SOLUTION" not in c_cell.source
            and "<!-- BEGIN SOLUTION -->" not in c_cell.source
        ):
            if s_cell.cell_type == "markdown" and s_cell is student.cells[0]:
                continue  # the badge differs
            if s_cell is not student.cells[0]:
                assert s_cell.source == c_cell.source


@pytest.mark.parametrize("path", SERIES, ids=[p.name for p in SERIES])
def test_every_stub_gets_the_not_implemented_verdict(path):
    student = read_notebook(ROOT / "notebooks" / "exercises" / path.name)
    for cell in student.cells:
        if 'raise NotImplementedError("Exercise' not in cell.source:
            continue
        calls = CHECK_CALL.findall(cell.source)
        if not calls:
            continue  # the lab's tasks are checked where their results are used
        for check_name, fn_name in calls:
            assert f"def {fn_name}(" in cell.source

            def stub(*args, _name=fn_name, **kwargs):
                raise NotImplementedError(f"Exercise {_name}")

            assert getattr(checks, check_name)(stub).status == "not implemented"


def test_stub_names_the_exercise_and_keeps_indentation():
    source = "def f(x):\n    y = 1\n    # BEGIN SOLUTION\n    return x + y\n    # END SOLUTION\n\n\ncheck_f(f)"
    out = student_notebook(notebook(code_cell(source)), "nb").cells[1].source
    assert out == (
        "def f(x):\n    y = 1\n    # YOUR CODE HERE\n"
        '    raise NotImplementedError("Exercise f: replace this line with your code.")\n\n\ncheck_f(f)'
    )


def test_markdown_answers_are_replaced():
    md = nbformat.v4.new_markdown_cell(
        "Q?\n<!-- BEGIN SOLUTION -->\nThe answer.\n<!-- END SOLUTION -->\nEnd"
    )
    out = student_notebook(notebook(md), "nb").cells[1].source
    assert out == "Q?\n*Your answer here.*\nEnd"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "def f():\n    # BEGIN SOLUTION\n    return 1\n",
            "cell 2, line 2: '# BEGIN SOLUTION' is never closed",
        ),
        (
            "def f():\n    return 1\n    # END SOLUTION\n",
            "cell 2, line 3: '# END SOLUTION' without",
        ),
        (
            "def f():\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n",
            "cell 2, line 3: '# BEGIN SOLUTION' nested inside the block opened at line 2",
        ),
        (
            "# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n",
            "cell 2, line 1: a solution must stand inside a function",
        ),
    ],
)
def test_bad_markers_are_refused_with_file_and_cell(source, message):
    with pytest.raises(MarkerError) as info:
        student_notebook(notebook(code_cell(source)), "notebooks/09_x.ipynb")
    assert str(info.value).startswith("notebooks/09_x.ipynb, ")
    assert message in str(info.value)


def test_unclosed_markdown_marker():
    md = nbformat.v4.new_markdown_cell("<!-- BEGIN SOLUTION -->\nanswer")
    with pytest.raises(MarkerError, match="nb, cell 2: '<!-- BEGIN SOLUTION -->' is never closed"):
        student_notebook(notebook(md), "nb")


def test_out_writes_an_edition_elsewhere(tmp_path, capsys):
    assert release.main(["--out", str(tmp_path / "private")]) == 0
    written = sorted(p.name for p in (tmp_path / "private").glob("*.ipynb"))
    assert written == [p.name for p in SERIES]
    assert "notebook(s) written" in capsys.readouterr().out
    assert release.main(["--check"]) == 0


STUDENT = sorted(
    p for p in (ROOT / "notebooks" / "exercises").glob("*.ipynb") if p.name != "07_graded_lab.ipynb"
)


@pytest.mark.parametrize("path", STUDENT, ids=[p.name for p in STUDENT])
def test_student_edition_runs_top_to_bottom(path):
    """As a student's "Run all" before any exercise is done: no cell fails (every check says
    "not implemented yet"), in a fresh folder with only the notebook and utils/, as on Colab."""
    from utils.lab import check_notebook

    stubs = set(re.findall(r'raise NotImplementedError\(\\"Exercise (\w+):', path.read_text()))
    report = check_notebook(path, team_required=False, cell_timeout=120, total_timeout=300)
    assert report.ran and report.first_error is None, report.first_error
    complete = (ROOT / "notebooks" / path.name).read_text(encoding="utf-8")
    assert stubs or "# BEGIN SOLUTION" not in complete  # a notebook without exercises: none (08)
    assert set(report.not_implemented) == stubs


def test_a_long_exercise_name_gives_a_stub_that_ruff_format_keeps(tmp_path) -> None:
    import subprocess
    import sys

    from utils.course.release import _stub_code

    name = "a_rather_long_exercise_function_name_for_the_exam_track"
    source = [
        f"def {name}() -> str:",
        '    """Return the formula."""',
        "    # BEGIN SOLUTION",
        '    return "x"',
        "    # END SOLUTION",
    ]
    stub = "\n".join(_stub_code(source, "test")) + "\n"
    assert f'"Exercise {name}: replace this line with your code."' in stub
    path = tmp_path / "stub.py"
    path.write_text(stub)
    run = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--line-length", "100", str(path)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
