"""The Colab twin's verdicts (utils.course.colab_twin) and its constraints files."""

import importlib.machinery
import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

from utils.course import colab_twin
from utils.course.colab_twin import Result, judge, stub_names, warning_lines

ROOT = Path(__file__).resolve().parent.parent
SETUP_LINE = "Setup: fetched dl-basics-course/deep-learning-basics@main · device: cpu (no GPU)"
STUB = '    raise NotImplementedError("Exercise {}: replace this line with your code.")'


def notebook(*sources, team=False):
    nb = nbformat.v4.new_notebook()
    cells = [nbformat.v4.new_markdown_cell("# 07 · Lab"), nbformat.v4.new_code_cell("# Setup")]
    if team:
        cells.append(nbformat.v4.new_code_cell('TEAM = ["Student name 1", "Student name 2"]'))
    nb.cells = cells + [nbformat.v4.new_code_cell(s) for s in sources]
    return nb


def stub(name):
    return f"def {name}(x):\n    # YOUR CODE HERE\n{STUB.format(name)}\n\n\ncheck_{name}({name})"


def result(**kwargs):
    return Result(Path("nb.ipynb"), setup=SETUP_LINE, **kwargs)


def test_warning_lines_finds_stderr_and_warning_lines_only():
    outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="loss 0.31\nall good\n"),
        nbformat.v4.new_output("stream", name="stderr", text="100%|██████| 5/5\n"),
        nbformat.v4.new_output(
            "stream", name="stdout", text="x\n/a.py:3: UserWarning: The given NumPy array\n"
        ),
        nbformat.v4.new_output("execute_result", data={"text/plain": "WARNING: old pip"}),
    ]
    found = warning_lines(outputs)
    assert found == [
        "stderr: 100%|██████| 5/5",
        "/a.py:3: UserWarning: The given NumPy array",
        "WARNING: old pip",
    ]
    assert warning_lines(outputs[:1]) == []


def test_complete_edition_must_run_clean():
    nb = notebook("x = 1")
    ok = result()
    judge(ok, nb, student=False)
    assert ok.ok
    failed = result(error="cell 3 `x = 1`: ValueError: bad", verdicts=["f"])
    judge(failed, nb, student=False)
    assert failed.problems[0] == "error: cell 3 `x = 1`: ValueError: bad"
    assert "not implemented in the complete edition: ['f']" in failed.problems[1]


def test_setup_cell_must_take_colabs_branch():
    local = Result(Path("nb.ipynb"), setup="Setup: local repository · device: cpu (no GPU)")
    judge(local, notebook("x = 1"), student=False)
    assert "did not fetch the course repository" in local.problems[0]


def test_warning_text_fails_a_notebook():
    warned = result(warnings=["cell 4: stderr: oops"])
    judge(warned, notebook("x = 1"), student=False)
    assert warned.problems == ["warning text in an output, cell 4: stderr: oops"]


def test_student_edition_needs_a_verdict_for_every_stub():
    nb = notebook(stub("f"), stub("g"))
    assert stub_names(nb) == ["f", "g"]
    both = result(verdicts=["f", "g"])
    judge(both, nb, student=True)
    assert both.ok
    one = result(verdicts=["f"])
    judge(one, nb, student=True)
    assert one.problems == ["⏳ verdicts ['f'] differ from the stubs ['f', 'g']"]
    stopped = result(verdicts=["f"], error="cell 4: NotImplementedError: Exercise f: x")
    judge(stopped, nb, student=True)
    assert stopped.problems[0].startswith("error: cell 4")


def test_a_naive_stub_may_get_its_verdict_under_its_checks_name():
    naive = f"def margin_naive(x):\n{STUB.format('margin_naive')}\n\n\ncheck_margin(margin_naive)"
    nb = notebook(naive, stub("margin"))
    under_check = result(verdicts=["margin"])
    judge(under_check, nb, student=True)
    assert under_check.ok
    under_own = result(verdicts=["margin_naive", "margin"])
    judge(under_own, nb, student=True)
    assert under_own.ok
    stranger = result(verdicts=["margin", "other"])
    judge(stranger, nb, student=True)
    assert not stranger.ok


def test_graded_lab_must_stop_at_its_first_task_only():
    nb = notebook(stub("first"), "use(first)", stub("second"), team=True)
    stop = {"error_name": "NotImplementedError", "error": "cell 5 `use(first)`: …"}
    expected = result(verdicts=["first"], error_value="Exercise first: replace", **stop)
    judge(expected, nb, student=True)
    assert expected.ok and expected.expected_stop.startswith("stopped at its first task, first")

    later = result(verdicts=["first"], error_value="Exercise second: replace", **stop)
    judge(later, nb, student=True)
    assert "expected: the NotImplementedError of the first task, first" in later.problems[0]

    other = result(
        verdicts=["first"], error="cell 5: KeyError: 'a'", error_name="KeyError", error_value="a"
    )
    judge(other, nb, student=True)
    assert other.problems[0].startswith("error: cell 5: KeyError")

    no_stop = result(verdicts=["first", "second"])
    judge(no_stop, nb, student=True)
    assert no_stop.problems[0].startswith("ran past its first task first")


def test_standin_and_redirect(tmp_path):
    folder = colab_twin.colab_standin(tmp_path / "s")
    assert (folder / "google" / "colab" / "__init__.py").is_file()
    env = colab_twin.redirect_env(tmp_path / "origin", ROOT)
    assert env["GIT_CONFIG_KEY_0"] == f"url.{(tmp_path / 'origin').as_uri()}/.insteadOf"
    assert env["GIT_CONFIG_VALUE_0"].startswith("https://github.com/")


def load_constraints_script():
    path = ROOT / ".ci" / "colab-constraints"
    loader = importlib.machinery.SourceFileLoader("colab_constraints", str(path))
    spec = importlib.util.spec_from_loader("colab_constraints", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_freeze_parsing_drops_cuda_tags_and_cuda_libraries():
    script = load_constraints_script()
    pins = script.read_freeze(
        "torch==2.11.0+cu128\nnvidia-cublas-cu12==12.8.4.1\nJinja2==3.1.6\n"
        "cuda-python==12.9.7\nsomepkg @ file:///x\n# comment\n"
    )
    assert pins == {"torch": ("torch", "2.11.0"), "jinja2": ("Jinja2", "3.1.6")}
    assert script.python_version("Ubuntu 22.04.5 LTS\nPython 3.13.15\n") == "3.13"
    with pytest.raises(SystemExit, match="Python 3.X.Y"):
        script.python_version("Ubuntu\n")


CONSTRAINTS = sorted((ROOT / "constraints").glob("colab-*.txt"))


@pytest.mark.parametrize("path", CONSTRAINTS, ids=[p.name for p in CONSTRAINTS])
def test_constraints_files_are_exact_pins_with_a_header(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    runtime = re.fullmatch(r"colab-(\d{4}\.\d{2})\.txt", path.name).group(1)
    assert re.fullmatch(rf"# Colab runtime {runtime}: Python 3\.\d+\.\d+\.", lines[0])
    assert re.match(
        r"# Source: googlecolab/backend-info, pip-freeze.gpu.txt at commit [0-9a-f]{40}", lines[1]
    )
    pins = [line for line in lines if not line.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+==[0-9][0-9A-Za-z.]*", p) for p in pins), pins
    names = {p.split("==")[0].lower() for p in pins}
    assert {"torch", "torchvision", "numpy", "ipykernel", "ipython", "ipywidgets"} <= names
    assert not names & {"torchviz", "jedi"}


def test_ci_runs_the_current_runtime():
    newest = CONSTRAINTS[-1].name.removeprefix("colab-").removesuffix(".txt")
    assert f".ci/colab-twin {newest}" in (ROOT / ".ci" / "run").read_text()


def test_the_twin_runs_notebooks_through_the_one_kernel_runner():
    """The 1-second polls (utils.course.kernel, tested in tests/test_checker.py) are the twin's."""
    import inspect

    assert "notebook_client(" in inspect.getsource(colab_twin.run_notebook)


def test_root_must_be_a_course_tree(tmp_path, capsys):
    """`--root` runs a published student repository's notebooks; a folder that is none is a
    usage error that says what was expected, not a run of zero notebooks."""
    with pytest.raises(SystemExit) as stop:
        colab_twin.main(["--root", str(tmp_path), "--no-unit-tests"])
    assert stop.value.code == 2
    assert "expected a course tree with notebooks/ and course.json" in capsys.readouterr().err
