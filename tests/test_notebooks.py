"""The notebook format (CONTRIBUTING.md), the sync tool, and the setup cell as Colab runs it."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from utils import notebooks as nbtools
from utils.course import colab_twin

ROOT = Path(__file__).resolve().parent.parent
SERIES = nbtools.series_notebooks(ROOT)
EVERY = nbtools.all_notebooks(ROOT)
COURSE = nbtools.read_course(ROOT)
ABSOLUTE_PATH = re.compile(r"(?<![\w.])(/home/|/Users/|/root/|/tmp/|[A-Za-z]:\\\\)")


def ids(paths):
    return [p.relative_to(ROOT).as_posix() for p in paths]


def test_series_is_numbered_without_gaps():
    assert len(SERIES) >= 1
    assert nbtools.naming_problems(ROOT) == []
    numbers = sorted({int(p.name[:2]) for p in SERIES})
    assert numbers == list(range(len(numbers)))


def test_sync_check_is_clean():
    assert nbtools.check(ROOT) == []


@pytest.mark.parametrize("path", EVERY, ids=ids(EVERY))
def test_notebook_format(path):
    raw = json.loads(path.read_text(encoding="utf-8"))
    nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    nbformat.validate(nb)
    rel = path.relative_to(ROOT).as_posix()

    first = nb.cells[0]
    assert first.cell_type == "markdown"
    number, title, summary = nbtools.title_and_summary(nb)
    assert number == path.name.split("_")[0] and title and summary
    assert nbtools.badge_line(COURSE["student_repo"], COURSE["ref"], rel) in first.source
    assert "Learning goals" in first.source

    setup = nb.cells[1]
    assert setup.cell_type == "code"
    assert setup.source == nbtools.setup_source(COURSE["student_repo"], COURSE["ref"])
    # Folded to one line and its printed result: Colab's form (`# @title` + cellView "form"),
    # JupyterLab's hidden source; every other cell has no metadata.
    assert setup.source.startswith("# @title Setup")
    assert raw["cells"][1]["metadata"] == {"cellView": "form", "jupyter": {"source_hidden": True}}
    assert all(cell["metadata"] == {} for i, cell in enumerate(raw["cells"]) if i != 1)

    assert raw["metadata"]["kernelspec"]["name"] == "python3"
    assert raw["metadata"]["accelerator"] == "GPU"
    assert raw["metadata"]["colab"]["gpuType"] == "T4"

    for index, cell in enumerate(nb.cells, start=1):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{rel} cell {index} has outputs"
            )
        assert not ABSOLUTE_PATH.search(cell.source), (
            f"{rel} cell {index} has an absolute local path"
        )


def test_setup_cell_is_identical_everywhere():
    sources = {nbformat.read(p, as_version=4).cells[1].source for p in EVERY}
    assert len(sources) == 1


# The course's website and registration password must never appear: every web address in the
# repository points at one of these hosts, and no file mentions a password.
ALLOWED_HOSTS = {
    "colab.research.google.com",  # badges
    "github.com",  # the course repository, fetched by the setup cell
    "ossci-datasets.s3.amazonaws.com",  # torchvision's MNIST mirror, probed before downloading
    "example.org",  # a placeholder in a test
}
URL = re.compile(r"https?://([^/\s)\"'>`\]]+)")


def test_no_course_website_or_password_in_the_repository():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    for name in tracked.stdout.split():
        path = ROOT / name
        if not path.is_file() or path.suffix not in {
            ".py",
            ".ipynb",
            ".md",
            ".txt",
            ".json",
            ".toml",
            "",
        }:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        hosts = set(URL.findall(text)) - ALLOWED_HOSTS
        assert not hosts, f"{name}: web addresses outside the allowed hosts: {sorted(hosts)}"
        if name != "tests/test_notebooks.py":
            assert "password" not in text.lower(), f"{name} mentions a password"


def test_sync_detects_and_repairs_drift(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "utils", root / "utils", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "course.json", root)
    (root / "notebooks").mkdir()
    shutil.copy(SERIES[0], root / "notebooks")
    (root / "README.md").write_text(
        "intro\n<!-- notebooks:start -->\nold\n<!-- notebooks:end -->\nend\n"
    )
    path = root / "notebooks" / SERIES[0].name

    nb = nbformat.read(path, as_version=4)
    nb.cells[1].source += "\nprint('edited by hand')"
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="hi")]
    nbformat.write(nb, path)
    problems = nbtools.check(root)
    assert any(SERIES[0].name in p for p in problems) and any("README.md" in p for p in problems)

    nbtools.sync(root, repo="someone/source", ref="v2", student_repo="someone/fork")
    assert nbtools.check(root) == []
    written = json.loads((root / "course.json").read_text())
    assert (written["repo"], written["student_repo"], written["ref"]) == (
        "someone/source",
        "someone/fork",
        "v2",
    )
    assert written["graded"] == COURSE["graded"]  # the other keys are kept
    text = path.read_text()
    assert "github/someone/fork/blob/v2/notebooks/" + SERIES[0].name in text
    assert 'REPO, REF = \\"someone/fork\\", \\"v2\\"' in text
    readme = (root / "README.md").read_text()
    assert "old" not in readme and "someone/fork/blob/v2/notebooks/exercises/" in readme

    (root / "notebooks" / "5_bad name.ipynb").write_text(path.read_text())
    assert any("NN_snake_case_title" in p for p in nbtools.check(root))


def test_sync_folds_an_old_setup_cell(tmp_path):
    """A notebook whose setup cell predates the fold ("# Setup", no metadata) gets the folded
    one in place, not a second setup cell."""
    nb = nbformat.read(SERIES[0], as_version=4)
    nb.cells[1].source = "# Setup (an older version)\nprint('old')"
    nb.cells[1].metadata = {}
    stamped = nbtools.stamp(
        nb, COURSE["student_repo"], COURSE["ref"], "notebooks/" + SERIES[0].name
    )
    assert len(stamped.cells) == len(nb.cells)
    assert stamped.cells[1].source == nbtools.setup_source(COURSE["student_repo"], COURSE["ref"])
    assert stamped.cells[1].metadata == nbtools.SETUP_METADATA
    assert stamped.cells[2].metadata == {}


@pytest.mark.parametrize("bad", [("not a slug", "main"), ("a/b", "--upload-pack=x"), ("a/b", "")])
def test_sync_refuses_bad_repo_or_ref(tmp_path, bad):
    with pytest.raises(ValueError, match="must"):
        nbtools.validate_course(*bad)


def test_percent_round_trip():
    nb = nbformat.read(SERIES[0], as_version=4)
    back = nbtools.from_percent(nbtools.to_percent(nb))
    assert [(c.cell_type, c.source) for c in back.cells] == [
        (c.cell_type, c.source) for c in nb.cells
    ]
    with pytest.raises(ValueError, match="must start with '#'"):
        nbtools.from_percent("# %% [markdown]\nnot a comment\n")


def test_setup_cell_as_colab_runs_it(tmp_path):
    """The notebook alone in an empty folder, a stand-in google.colab, the repository fetched
    from a local copy through git's url.<base>.insteadOf (the Colab twin's setting, shared with
    utils.course.colab_twin): then `import utils` works."""
    base = colab_twin.local_origin(tmp_path / "origin", ROOT, ["utils", "course.json"])
    content = tmp_path / "content"
    content.mkdir()
    shutil.copy(SERIES[0], content)
    fake = colab_twin.colab_standin(tmp_path / "fake")

    setup = nbformat.read(content / SERIES[0].name, as_version=4).cells[1].source
    program = (
        "import google.colab\n" + setup + "\nimport utils\nprint('UTILS_FROM', utils.__file__)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(fake), **colab_twin.redirect_env(base, ROOT)}
    for _ in range(2):  # a second run (Colab's "Run all" again) reuses the clone
        result = subprocess.run(
            [sys.executable, "-c", program],
            cwd=content,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,  # a stall guard, not a time limit
        )
        assert result.returncode == 0, result.stderr
        clone = content / COURSE["student_repo"].split("/")[1]
        assert f"UTILS_FROM {clone / 'utils' / '__init__.py'}" in result.stdout
        assert f"Setup: fetched {COURSE['student_repo']}@{COURSE['ref']}" in result.stdout
        assert "device: cpu" in result.stdout


def test_setup_cell_says_what_to_do_when_the_clone_fails(tmp_path):
    """A wrong slug, a private repository or no network: the setup cell prints git's reason and
    what to do, and fails with one short error, not a CalledProcessError."""
    content = tmp_path / "content"
    content.mkdir()
    fake = colab_twin.colab_standin(tmp_path / "fake")
    setup = nbformat.read(SERIES[0], as_version=4).cells[1].source
    # An empty folder stands in for GitHub: the repository is not found there.
    (tmp_path / "empty").mkdir()
    env = {**os.environ, "PYTHONPATH": str(fake), **colab_twin.redirect_env(tmp_path / "empty")}
    result = subprocess.run(
        [sys.executable, "-c", "import google.colab\n" + setup],
        cwd=content,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,  # a stall guard, not a time limit
    )
    assert result.returncode != 0
    assert "Could not fetch the course helpers" in result.stdout
    assert "No network?" in result.stdout and "Wrong or private repository?" in result.stdout
    assert "RuntimeError: setup failed" in result.stderr
    assert "CalledProcessError" not in result.stderr


def test_only_notebooks_are_committed_under_notebooks():
    # Figures the lab saves, checkpoints and caches are made at run time, never committed.
    tracked = subprocess.run(
        ["git", "ls-files", "notebooks"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert tracked and all(name.endswith(".ipynb") for name in tracked), tracked
