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
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import nbformat

from utils.course.notebooks import (
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
        edition[path.name] = dumps(stamp(student, course["repo"], course["ref"], relpath))
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


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m utils.release", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--check", action="store_true", help="fail when the committed edition is out of date"
    )
    parser.add_argument("--out", type=Path, help="write the edition into this folder instead")
    args = parser.parse_args(list(argv) if argv is not None else None)
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


if __name__ == "__main__":
    sys.exit(main())
