"""Tests of utils.release: the student edition built from the complete one."""

import re
import shutil

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


# -- the student repository (python -m utils.release publish) -----------------------------------

import ast  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

from utils.course import lab_hidden  # noqa: E402

LAB = ROOT / "notebooks" / "07_graded_lab.ipynb"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    out = tmp_path_factory.mktemp("student") / "repo"
    assert "files committed (release 1)" in release.publish(out, ROOT)
    return out


def published_files(out):
    return sorted(
        p for p in out.rglob("*") if p.is_file() and ".git" not in p.relative_to(out).parts
    )


def code_sources(path):
    """Every piece of Python in a published file: a .py file, or a notebook's code cells."""
    if path.suffix == ".py":
        return [path.read_text(encoding="utf-8")]
    if path.suffix == ".ipynb":
        cells = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4).cells
        return [
            "\n".join(ln for ln in c.source.splitlines() if not ln.lstrip().startswith(("!", "%")))
            for c in cells
            if c.cell_type == "code"
        ]
    return []


def body_dump(node) -> str:
    """A function's body as an AST dump, without its docstring (names of the function aside)."""
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return "\n".join(ast.dump(stmt) for stmt in body)


def solutions():
    """The graded tasks' bodies: the complete lab's and the hidden references'."""
    graded = json.loads((ROOT / "course.json").read_text())["graded"]["07_graded_lab.ipynb"]
    bodies = {}
    for source in code_sources(LAB):
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef) and node.name in graded:
                bodies[f"07:{node.name}"] = node
    hidden = ast.parse(open(lab_hidden.__file__, encoding="utf-8").read())
    for node in hidden.body:
        if isinstance(node, ast.FunctionDef) and node.name in graded:
            bodies[f"hidden:{node.name}"] = node
    assert {k.split(":")[1] for k in bodies} == set(graded) and len(bodies) == 2 * len(graded)
    return bodies


def test_publication_has_no_solution_marker_key_or_hidden_test(published):
    files = published_files(published)
    rel = {p.relative_to(published).as_posix() for p in files}
    assert not rel & set(release.PRIVATE)
    assert "notebooks/07_graded_lab.ipynb" not in rel  # the lab: student edition only
    assert "notebooks/exercises/07_graded_lab.ipynb" in rel
    assert {f"notebooks/{p.name}" for p in SERIES if p.name != LAB.name} <= rel
    assert not any(r.startswith(("tests/", ".ci/", "bench/")) for r in rel)
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text, path
        for secret in ["def hidden_cases", "def run_hidden", "REFERENCES = {", "def excess_risks"]:
            assert secret not in text, (path, secret)  # the hidden tests' and the key's code
    course = json.loads((published / "course.json").read_text())
    assert course["repo"] == course["student_repo"] == release.read_course(ROOT)["student_repo"]


def test_publication_holds_no_task_solution(published):
    """No function of the publication has the body of a graded task's solution, and no
    substantial statement of one (≥ 12 AST nodes) appears anywhere in it."""
    bodies = solutions()
    wanted = {body_dump(node): name for name, node in bodies.items()}
    statements = {}
    for name, node in bodies.items():
        for stmt in ast.walk(node):
            if isinstance(stmt, ast.stmt) and stmt is not node and len(list(ast.walk(stmt))) >= 12:
                statements[ast.dump(stmt)] = (name, ast.unparse(stmt))
    found = []
    for path in published_files(published):
        for source in code_sources(path):
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    if body_dump(node) in wanted:
                        found.append((path.name, node.name, wanted[body_dump(node)]))
                if isinstance(node, ast.stmt) and ast.dump(node) in statements:
                    found.append((path.name, statements[ast.dump(node)]))
    assert found == []


def test_publication_has_a_fresh_history_of_its_own(published, tmp_path):
    def git(*args, cwd=published):
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)

    assert git("rev-list", "--all", "--count").stdout.strip() == "1"
    source_head = git("rev-parse", "HEAD", cwd=ROOT).stdout.strip()
    assert git("cat-file", "-e", source_head).returncode != 0  # no object of the source
    copy = tmp_path / "again"
    assert "release 1" in release.publish(copy, ROOT)
    assert "nothing changed" in release.publish(copy, ROOT)
    (copy / "stray.txt").write_text("left over")  # a file the course no longer has
    git("add", "stray.txt", cwd=copy)
    git("-c", "user.name=x", "-c", "user.email=x@invalid", "commit", "-qm", "edit", cwd=copy)
    assert "release 3" in release.publish(copy, ROOT, message="Release 2")
    assert not (copy / "stray.txt").exists()
    assert git("log", "-1", "--format=%s", cwd=copy).stdout.strip() == "Release 2"


def test_publish_refuses_folders_it_does_not_own(tmp_path):
    with pytest.raises(ValueError, match="outside the course source"):
        release.publish(ROOT / "published", ROOT)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    with pytest.raises(ValueError, match="not an earlier publication"):
        release.publish(tmp_path / "mine", ROOT)
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "precious"


def run_python(code: str, cwd) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, env=env
    )


def filled_lab(published, wrong: dict | None = None) -> nbformat.NotebookNode:
    """The published student lab with its task cells answered: from the complete edition, or
    with ``wrong`` (task -> source of a wrong function) instead."""
    student = nbformat.read(published / "notebooks" / "exercises" / LAB.name, as_version=4)
    complete = read_notebook(LAB)
    for s_cell, c_cell in zip(student.cells, complete.cells, strict=True):
        if s_cell.cell_type == "code" and 'raise NotImplementedError("Exercise' in s_cell.source:
            source = "\n".join(
                ln for ln in c_cell.source.split("\n") if not release.BEGIN.match(ln)
            )
            source = "\n".join(ln for ln in source.split("\n") if not release.END.match(ln))
            for task, code in (wrong or {}).items():
                if f"def {task}(" in source:
                    tree = ast.parse(source)
                    node = next(n for n in tree.body if getattr(n, "name", "") == task)
                    lines = source.split("\n")
                    source = "\n".join(lines[: node.lineno - 1] + [code] + lines[node.end_lineno :])
            s_cell.source = source
    return student


def test_published_lab_self_checks_pass_right_and_fail_wrong_answers(published):
    """The student edition's self-checks, run from the published tree alone: ✅ for the
    complete edition's answers, ❌ for wrong ones (each check cell on its own)."""
    wrong = {
        "log_odds_coefficients": "def log_odds_coefficients(priors, means, covariances):\n"
        "    return torch.zeros(2, 2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64), 0.0",
        "quadratic_features": "def quadratic_features(x):\n    return torch.cat([x, x**2, x], dim=1)[:, :5]",
        "test_risk": "def test_risk(predict_fn, x, y):\n    return 0.5, 0.5",
        "train_classifier": "def train_classifier(net, x, y, steps, lr):\n    return [0.0] * steps",
    }
    outputs = {}
    for label, nb in [("right", filled_lab(published)), ("wrong", filled_lab(published, wrong))]:
        cells = [c.source for c in nb.cells if c.cell_type == "code" and "check_" in c.source]
        cells = [c for c in cells if "from utils.checks.lab import check_" in c]
        assert len(cells) == 4
        program = "\n".join(
            [
                "import math, sys, torch",
                "import utils.checks.lab as lab",
                f"assert lab.__file__.startswith({str(published)!r}), lab.__file__",
                "from utils.checks import ExerciseFailed",
            ]
            + [f"try:\n    exec({c!r})\nexcept ExerciseFailed:\n    pass" for c in cells]
        )
        run = run_python(program, published)
        assert run.returncode == 0, run.stderr
        outputs[label] = run.stdout
    assert outputs["right"].count("✅") == 4 and "❌" not in outputs["right"], outputs["right"]
    assert outputs["wrong"].count("❌") == 4 and "✅" not in outputs["wrong"], outputs["wrong"]


def test_published_notebooks_run_from_the_published_tree(published, tmp_path):
    """nbval in the published tree as the working folder: the answered student lab (its
    experiment shortened: this is about the files it needs, not its numbers) and notebook 00."""
    tree = tmp_path / "tree"
    shutil.copytree(published, tree, ignore=shutil.ignore_patterns(".git"))
    answered = filled_lab(published)
    for cell in answered.cells:
        cell.source = (
            cell.source.replace("STEPS, LR = 500, 0.03", "STEPS, LR = 20, 0.03")
            .replace("SAMPLE_SIZES = [50, 200, 1000, 5000]", "SAMPLE_SIZES = [50, 1000]")
            .replace("steps_grid = [5, 50, 500]", "steps_grid = [5, 20]")
        )
    nbformat.write(answered, tree / "notebooks" / "exercises" / "07_answered.ipynb")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DLB_STRICT")}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax"]
    command += ["notebooks/exercises/07_answered.ipynb", f"notebooks/{SERIES[0].name}"]
    run = subprocess.run(command, cwd=tree, capture_output=True, text=True, env=env, timeout=1200)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]


def test_colab_setup_cell_fetches_the_published_tree(published, tmp_path):
    """The Colab twin's stand-in for GitHub (colab_twin.local_origin, pointed at the published
    tree) serves what a student's setup cell clones: the student repository at course.json's ref,
    with utils/ and without the answer key. (The twin's notebook runs, `colab_twin.run`, still
    read the source tree: they take no root yet.)"""
    from utils.course import colab_twin

    base = colab_twin.local_origin(tmp_path / "github", published)
    course = release.read_course(published)
    env = {**os.environ, **colab_twin.redirect_env(base, published)}
    clone = tmp_path / "content" / course["student_repo"].split("/")[1]
    url = f"https://github.com/{course['student_repo']}.git"
    command = [
        "git",
        "clone",
        "--quiet",
        "--depth",
        "1",
        "--branch",
        course["ref"],
        url,
        str(clone),
    ]
    run = subprocess.run(command, capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    assert (clone / "utils" / "__init__.py").is_file()
    assert (clone / "notebooks" / "exercises" / LAB.name).is_file()
    assert not (clone / "utils" / "course" / "lab_hidden.py").exists()
