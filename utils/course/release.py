"""Build the student edition of the notebooks from the complete one.

Every solution block, inside a code cell::

    def zero_one_loss(y_hat, y):
        # BEGIN SOLUTION
        return (y_hat != y).float()
        # END SOLUTION

becomes a stub that names the exercise::

    def zero_one_loss(y_hat, y):
        # YOUR CODE HERE
        raise NotImplementedError("Exercise zero_one_loss: ...")

and a markdown answer between ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->`` becomes
``*Your answer here.*``. Everything else stays as it was; outputs are cleared; the badges point at
the student edition's own files. The result is deterministic (same input, same bytes), and an
unbalanced or nested marker is refused with the file and the cell.

Usage::

    python -m utils.release              # writes notebooks/exercises/
    python -m utils.release --check      # fails when notebooks/exercises/ is out of date
    python -m utils.release --out DIR    # an edition elsewhere (an instructor's private copy)
    python -m utils.release publish --out DIR   # the student repository (docs/publishing.md)

This repository is the **course source** (``course.json``'s "repo"): the complete editions, the
graded lab's solutions, its answer key and hidden tests, kept private. ``publish`` generates the
**student repository** ("student_repo") from it: the student editions, the complete editions of
the notebooks that are not graded (without their solution markers), the graded notebooks in
their student edition only, ``utils/`` without the answer key and hidden tests, a README for
students, and a git history of its own (one commit per release; nothing of the source's).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import nbformat

from utils.course.notebooks import (
    badge_line,
    dumps,
    read_course,
    read_notebook,
    repo_root,
    series_notebooks,
    stamp,
)

BEGIN = re.compile(r"^(\s*)# BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*# END SOLUTION\s*$")
MD_BEGIN, MD_END = "<!-- BEGIN SOLUTION -->", "<!-- END SOLUTION -->"
DEF = re.compile(r"^(\s*)def (\w+)\(")
STUB_COMMENT = "# YOUR CODE HERE"
LINE_LENGTH = 100  # pyproject.toml's, which `ruff format` keeps
MD_STUB = "*Your answer here.*"
EXERCISES_DIR = Path("notebooks") / "exercises"


class MarkerError(ValueError):
    """A solution marker is unbalanced, nested or misplaced."""


def _stub_code(lines: list[str], where: str) -> list[str]:
    out: list[str] = []
    open_at: int | None = None
    indent = ""
    for number, line in enumerate(lines, start=1):
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if open_at is not None:
                raise MarkerError(
                    f"{where}, line {number}: '# BEGIN SOLUTION' nested inside the block opened "
                    f"at line {open_at}; close it with '# END SOLUTION' first"
                )
            indent = begin.group(1)
            if not indent:
                raise MarkerError(
                    f"{where}, line {number}: a solution must stand inside a function's body "
                    "(indented); a stub at the top level would stop 'Run all'"
                )
            name = _enclosing_function(lines[: number - 1], indent)
            if name is None:
                raise MarkerError(f"{where}, line {number}: no enclosing `def` for this solution")
            open_at = number
            out.append(f"{indent}{STUB_COMMENT}")
            message = f'"Exercise {name}: replace this line with your code."'
            stub = f"{indent}raise NotImplementedError({message})"
            if len(stub) > LINE_LENGTH:  # as `ruff format` would wrap it
                stub = f"{indent}raise NotImplementedError(\n{indent}    {message}\n{indent})"
            out.append(stub)
        elif end:
            if open_at is None:
                raise MarkerError(
                    f"{where}, line {number}: '# END SOLUTION' without a '# BEGIN SOLUTION'"
                )
            open_at = None
        elif open_at is None:
            out.append(line)
    if open_at is not None:
        raise MarkerError(f"{where}, line {open_at}: '# BEGIN SOLUTION' is never closed")
    return out


def _enclosing_function(before: list[str], indent: str) -> str | None:
    for line in reversed(before):
        match = DEF.match(line)
        if match and len(match.group(1)) < len(indent):
            return match.group(2)
    return None


def _stub_markdown(source: str, where: str) -> str:
    out, rest = [], source
    while True:
        i, j = rest.find(MD_BEGIN), rest.find(MD_END)
        if i < 0 and j < 0:
            break
        if i < 0 or (0 <= j < i):
            raise MarkerError(f"{where}: '{MD_END}' without a '{MD_BEGIN}'")
        if j < 0:
            raise MarkerError(f"{where}: '{MD_BEGIN}' is never closed")
        nested = rest.find(MD_BEGIN, i + len(MD_BEGIN))
        if 0 <= nested < j:
            raise MarkerError(f"{where}: nested '{MD_BEGIN}'")
        out.append(rest[:i] + MD_STUB)
        rest = rest[j + len(MD_END) :]
    out.append(rest)
    return "".join(out)


def student_notebook(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """A copy of ``nb`` with every solution replaced by a stub (``name`` is used in errors)."""
    nb = nbformat.from_dict(nb)
    for index, cell in enumerate(nb.cells, start=1):
        where = f"{name}, cell {index}"
        if cell.cell_type == "code":
            cell.source = "\n".join(_stub_code(cell.source.split("\n"), where))
        elif cell.cell_type == "markdown":
            cell.source = _stub_markdown(cell.source, where)
    return nb


def solution_blocks(nb: nbformat.NotebookNode) -> list[list[str]]:
    """The lines between each pair of code markers (what the student edition must not show)."""
    blocks: list[list[str]] = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        current: list[str] | None = None
        for line in cell.source.split("\n"):
            if BEGIN.match(line):
                current = []
            elif END.match(line) and current is not None:
                blocks.append(current)
                current = None
            elif current is not None:
                current.append(line)
    return blocks


def build(root: Path | None = None) -> dict[str, str]:
    """The student edition: file name -> the exact text of its notebook."""
    root = root or repo_root()
    course = read_course(root)
    edition = {}
    for path in series_notebooks(root):
        relpath = (EXERCISES_DIR / path.name).as_posix()
        student = student_notebook(read_notebook(path), f"notebooks/{path.name}")
        edition[path.name] = dumps(stamp(student, course["student_repo"], course["ref"], relpath))
    return edition


def write(edition: dict[str, str], out: Path, prune: bool) -> list[str]:
    """Write the edition into ``out``; with ``prune``, remove notebooks it no longer has."""
    out.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in edition.items():
        target = out / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            changed.append(name)
    if prune:
        for stale in out.glob("*.ipynb"):
            if stale.name not in edition:
                stale.unlink()
                changed.append(stale.name)
    return changed


def check(root: Path | None = None) -> list[str]:
    """What is out of date in the committed student edition (empty when it is current)."""
    root = root or repo_root()
    out = root / EXERCISES_DIR
    problems = []
    edition = build(root)
    for name, text in edition.items():
        target = out / name
        if not target.exists():
            problems.append(f"{EXERCISES_DIR.as_posix()}/{name}: missing")
        elif target.read_text(encoding="utf-8") != text:
            problems.append(f"{EXERCISES_DIR.as_posix()}/{name}: out of date")
    for stale in sorted(out.glob("*.ipynb")):
        if stale.name not in edition:
            problems.append(f"{EXERCISES_DIR.as_posix()}/{stale.name}: has no complete edition")
    return problems


# ----------------------------------------------------------------------------------------------
# The student repository
# ----------------------------------------------------------------------------------------------

#: Course-source files that never reach students: the answer key and the hidden tests (reference
#: solutions of the graded tasks). Kept out by path; tests/test_release.py proves by content.
PRIVATE = (
    "utils/course/answer_key.py",
    "utils/course/lab_key.py",
    "utils/course/lab_hidden.py",
)
#: The course's authoring tools: they build this publication, the website and the Colab twin from
#: the source; students need none of them (and the publisher spells out the solution markers).
AUTHORING = (
    "utils/course/release.py",
    "utils/release.py",
    "utils/course/site.py",
    "utils/site.py",
    "utils/course/site_assets/",
    "utils/course/colab_twin.py",
)
PUBLISHED_FILES = ("requirements.txt", ".gitignore", "data/README.md")
MARKER = ".course-release"  # in every publication: `publish` only ever overwrites its own
RELEASER = ["-c", "user.name=Course release", "-c", "user.email=release@invalid"]


def graded_notebooks(root: Path | None = None) -> list[str]:
    """The notebooks course.json grades ("graded"): published in their student edition only."""
    return sorted(read_course(root).get("graded", {}))


def _strip_markers(text: str) -> str:
    """A complete edition as published: the solutions stay, their marker lines go."""
    nb = nbformat.reads(text, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            lines = cell.source.split("\n")
            cell.source = "\n".join(ln for ln in lines if not (BEGIN.match(ln) or END.match(ln)))
        elif cell.cell_type == "markdown":
            cell.source = cell.source.replace(MD_BEGIN, "").replace(MD_END, "")
    return dumps(nb)


def _readme(course: dict, series: list[Path], graded: list[str]) -> str:
    repo, ref = course["student_repo"], course["ref"]
    rows = []
    for path in series:
        title = read_notebook(path).cells[0].source.split("\n", 1)[0].lstrip("# ").strip()
        student = badge_line(repo, ref, f"{EXERCISES_DIR.as_posix()}/{path.name}")
        complete = "graded: student edition only"
        if path.name not in graded:
            complete = f"[complete edition](notebooks/{path.name})"
        rows.append(f"| {title} | {student} | {complete} |")
    table = "\n".join(rows)
    return f"""# Deep Learning Basics: notebooks for students

Colab-ready Jupyter notebooks for the first lecture of the course (PyTorch). Open a notebook
with its badge: Colab fetches the helpers (`utils/`) from this repository by itself. Locally:
`pip install -r requirements.txt`, then open the notebooks from a clone of this repository.

| notebook | exercises (your edition) | |
|---|---|---|
{table}

**Exercises.** Each exercise stub says `# YOUR CODE HERE`; the cell below it checks your
function and names the mistake it finds (✅ / ❌ / ⏳). These self-checks judge by properties
and stored numbers, never by a solution: a ✅ means your function passed these cases, not
that it is graded right.

**The graded lab** (notebook 07) is published in its student edition only. Your instructor
checks submissions with more cases than the self-checks; its last cells explain how to hand
in. Post your video's URL on the course website (with the code that opens it, if any).

This repository is generated from the course's sources by `python -m utils.release publish`;
do not send changes here, ask your instructor.
"""


def publication(root: Path | None = None) -> dict[str, bytes]:
    """The student repository's files: relative path -> content (deterministic)."""
    root = root or repo_root()
    course = read_course(root)
    graded = graded_notebooks(root)
    series = series_notebooks(root)
    unknown = sorted(set(graded) - {p.name for p in series})
    if unknown:
        raise ValueError(f"course.json grades {unknown}, which are not notebooks of the series")
    files: dict[str, bytes] = {}
    for name, text in build(root).items():
        files[f"{EXERCISES_DIR.as_posix()}/{name}"] = text.encode()
    for path in series:
        if path.name not in graded:
            files[f"notebooks/{path.name}"] = _strip_markers(path.read_text("utf-8")).encode()
    for path in sorted((root / "utils").rglob("*")):
        rel = path.relative_to(root).as_posix()
        if (
            path.is_file()
            and "__pycache__" not in path.parts
            and path.suffix != ".pyc"
            and rel not in PRIVATE
            and not rel.startswith(AUTHORING)
        ):
            files[rel] = path.read_bytes()
    for rel in PUBLISHED_FILES:
        if (root / rel).is_file():
            files[rel] = (root / rel).read_bytes()
    public = {
        "repo": course["student_repo"],
        "ref": course["ref"],
        "student_repo": course["student_repo"],
        "graded": course.get("graded", {}),
    }
    files["course.json"] = (json.dumps(public, ensure_ascii=False) + "\n").encode()
    files["README.md"] = _readme(course, series, graded).encode()
    files[MARKER] = (
        f"Student repository {course['student_repo']}, generated; do not edit.\n".encode()
    )
    return files


def _git(out: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    return subprocess.run(
        ["git", *RELEASER, "-C", str(out), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def publish(out: Path, root: Path | None = None, message: str | None = None) -> str:
    """Write the student repository into ``out`` and commit it there (``git init`` when ``out``
    has no repository yet). Returns what happened, in one line.

    ``out`` must be outside the course source, and empty or an earlier publication (its
    ``.course-release`` marker): nothing else is ever overwritten. Every file of the previous
    release is replaced, so a file dropped from the course disappears from the next release.
    """
    root = (root or repo_root()).resolve()
    out = Path(out).resolve()
    if out == root or root in out.parents or out in root.parents:
        raise ValueError(f"{out}: the publication must be outside the course source ({root})")
    files = publication(root)
    if out.exists() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise ValueError(
            f"{out} is not empty and is not an earlier publication (no {MARKER}): refusing to "
            "overwrite it; give an empty or new folder"
        )
    out.mkdir(parents=True, exist_ok=True)
    course = read_course(root)
    if not (out / ".git").exists():
        run = _git(out, "init", "--quiet", f"--initial-branch={course['ref']}")
        if run.returncode != 0:
            raise OSError(f"git init in {out} failed: {run.stderr.strip()}")
    for child in out.iterdir():
        if child.name == ".git":
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    for rel, content in files.items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    _git(out, "add", "--all")
    if _git(out, "diff", "--cached", "--quiet").returncode == 0 and (
        _git(out, "rev-parse", "--verify", "HEAD").returncode == 0
    ):
        return f"{out}: nothing changed since the last release"
    message = message or f"Release of {course['student_repo']}@{course['ref']}"
    run = _git(out, "commit", "--quiet", "--allow-empty", "-m", message)
    if run.returncode != 0:
        raise OSError(f"git commit in {out} failed: {run.stderr.strip()}")
    count = _git(out, "rev-list", "--count", "HEAD").stdout.strip()
    return f"{out}: {len(files)} files committed (release {count})"


def main(argv: Iterable[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["publish"]:
        return _publish_main(argv[1:])
    parser = argparse.ArgumentParser(
        prog="python -m utils.release", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--check", action="store_true", help="fail when the committed edition is out of date"
    )
    parser.add_argument("--out", type=Path, help="write the edition into this folder instead")
    args = parser.parse_args(argv)
    try:
        if args.check:
            problems = check()
            for problem in problems:
                print(problem)
            if problems:
                print("The student edition is out of date: run `python -m utils.release`.")
                return 1
            print(f"The student edition is current ({len(series_notebooks())} notebooks).")
            return 0
        root = repo_root()
        out = args.out if args.out is not None else root / EXERCISES_DIR
        changed = write(build(root), out, prune=args.out is None)
        print(f"Student edition in {out}: {len(changed)} notebook(s) written or removed.")
        return 0
    except (MarkerError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _publish_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m utils.release publish",
        description="Generate the student repository from this course source (one commit).",
    )
    parser.add_argument("--out", type=Path, required=True, help="the student repository's folder")
    parser.add_argument("--message", help="the release's commit message")
    args = parser.parse_args(argv)
    try:
        print(publish(args.out, message=args.message))
        return 0
    except (MarkerError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
