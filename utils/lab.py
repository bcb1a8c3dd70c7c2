"""Check a notebook before handing it in, the way "Restart and run all" on Colab would.

Usage::

    python -m utils.lab check 07_graded_lab.ipynb             # one or more notebooks
    python -m utils.lab check submissions/ --csv summary.csv  # every *.ipynb in a folder
    python -m utils.lab check notebooks/exercises/03_*.ipynb --no-team  # a practice notebook

Options: ``--cell-timeout S`` and ``--total-timeout S`` (time limits), ``--no-run`` (only read
the files: fast), ``--no-team`` (no team cell expected), ``--max-size-mb MB``, ``--kernel NAME``.

Each notebook runs in a fresh python3 kernel, in a fresh temporary folder outside the repository
that holds only the notebook and a copy of ``utils/`` (what the setup cell fetches on Colab), with
a time limit per cell (``--cell-timeout``, 300 s) and in all (``--total-timeout``, 1800 s); a cell
that runs past its limit is stopped and the kernel killed. Matplotlib draws inline, as in Jupyter;
``input()`` raises instead of waiting. The submitted file itself is never modified.

Cells are numbered from 1 and count markdown cells too (cell 1 is the title, cell 2 the setup).

What blocks submission (exit status 1):

- the file cannot be read as a notebook (missing, not JSON, not a notebook, no cells);
- an error while running: the first one, with its cell, the cell's first line, the exception's
  name and message (a cell or the whole run past its time limit counts as an error);
- exercises not implemented: a code cell that still holds ``raise NotImplementedError`` (the
  student edition's stub; ``raise NotImplementedError("Exercise NAME: ...")`` gives the name), or
  a check that printed ``⏳ NAME: not implemented yet`` during the run;
- the team not filled in (see below);
- an absolute local path in a cell (``/home/…``, ``/Users/…``, ``~/…``, ``C:\\…``).

What only warns (exit status 0): leftover ``TODO``, ``YOUR CODE HERE`` or ``Your answer here``;
paths that leave the notebook's folder (``../``) or read Google Drive (``/content/drive``);
code cells without outputs in the file as handed in (not run before saving); saved outputs
that show an error; a team of other than 2–3 names; a file larger than ``--max-size-mb``.
A file the notebook reads but that is not there on Colab shows up as the run's first error
(``FileNotFoundError``), since only the notebook and ``utils/`` are in the folder.

The team cell
-------------
A code cell, near the top, that assigns a list of names to ``TEAM``; the student edition ships
placeholders::

    TEAM = ["Student name 1", "Student name 2", "Student name 3"]

Replace each placeholder with a member's full name; delete the entries you do not need (a team
has 2–3 members). The team counts as not filled in when there is no such cell, when ``TEAM`` is
not a list of strings, when it holds no name, or when an entry still reads like a placeholder
(empty, "Student name…", "Your name", "Name 1", "First Last", "...", "TODO").
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parent.parent
UTILS_DIR = REPO_ROOT / "utils"

CELL_TIMEOUT_S = 300
TOTAL_TIMEOUT_S = 1800
MAX_SIZE_MB = 10.0
TEAM_SIZE = (2, 3)
SLOWEST_SHOWN = 3
MAX_OUTPUT_CHARS = 2_000_000

# Problem kinds. Blocking ones stop a submission; the others are warnings.
UNREADABLE, ERROR, TIMEOUT = "unreadable", "error", "timeout"
NOT_IMPLEMENTED, TEAM, ABSOLUTE_PATH = "not-implemented", "team", "absolute-path"
LEFTOVER, OUTSIDE_PATH, NO_OUTPUTS = "leftover", "outside-path", "no-outputs"
SAVED_ERROR, TEAM_SIZE_KIND, SIZE = "saved-error", "team-size", "size"
BLOCKING_KINDS = {UNREADABLE, ERROR, TIMEOUT, NOT_IMPLEMENTED, TEAM, ABSOLUTE_PATH}

STUB = re.compile(r"^\s*raise\s+NotImplementedError\b(?:\(\s*[\"'](?:Exercise\s+)?([\w.]+))?", re.M)
NOT_IMPLEMENTED_VERDICT = re.compile(r"⏳ ([\w.]+): not implemented yet")
LEFTOVERS = {
    "YOUR CODE HERE": re.compile(r"YOUR CODE HERE"),
    "TODO": re.compile(r"\bTODO\b"),
    "Your answer here": re.compile(r"Your answer here", re.I),
}
ABSOLUTE = re.compile(
    r"(?<![\w.~/-])(?:/home/|/Users/|~/)[^\s'\"`)]*"  # Linux and macOS home folders
    r"|(?<![\w])[A-Za-z]:\\{1,2}[^\s'\"`)]*"  # C:\Users\... (also written C:\\Users)
    r"|(?<![\w/])[A-Za-z]:/[^/\s'\"`)][^\s'\"`)]*"  # C:/Users/... (not https://)
)
OUTSIDE = re.compile(r"[\"'](?:\.\./|\.\.\\)[^\"']*|/content/drive[^\s'\"`)]*")
PLACEHOLDER = re.compile(
    r"^\s*$|student|your name|^name\s*\d*$|first\s*(name)?\s*last|^\W+$|\btodo\b|\.\.\.|…", re.I
)
HINTS = {
    "FileNotFoundError": "the file is not there on Colab, where only the notebook and utils/ are",
    "ModuleNotFoundError": "Colab lacks this package: install it in the notebook (!pip install …)",
    "NotImplementedError": "an exercise still raises its stub: complete it",
    "StdinNotImplementedError": "input() cannot be used: set the value in the code instead",
}


@dataclass
class Problem:
    """One finding; ``cell`` is 1-based and counts every cell (None: the whole notebook)."""

    kind: str
    message: str
    cell: int | None = None

    @property
    def blocking(self) -> bool:
        return self.kind in BLOCKING_KINDS


@dataclass
class Report:
    """Everything the checker found about one notebook."""

    path: Path
    problems: list[Problem] = field(default_factory=list)
    ran: bool = False
    runtime_s: float | None = None
    cell_times: list[tuple[int, str, float]] = field(default_factory=list)  # cell, line, seconds
    team: list[str] = field(default_factory=list)
    team_checked: bool = False
    not_implemented: list[str] = field(default_factory=list)
    size_bytes: int | None = None

    def kinds(self, blocking: bool) -> set[str]:
        return {p.kind for p in self.problems if p.blocking == blocking}

    @property
    def status(self) -> str:
        if any(p.kind == UNREADABLE for p in self.problems):
            return "unreadable"
        if self.kinds(blocking=True):
            return "blocked"
        return "warnings" if self.problems else "ok"

    @property
    def blocked(self) -> bool:
        return self.status in ("unreadable", "blocked")

    @property
    def first_error(self) -> Problem | None:
        return next((p for p in self.problems if p.kind in (ERROR, TIMEOUT)), None)

    @property
    def slowest(self) -> list[tuple[int, str, float]]:
        timed = [t for t in self.cell_times if t[2] >= 0.05]
        return sorted(timed, key=lambda t: -t[2])[:SLOWEST_SHOWN]


def first_line(source: str, limit: int = 60) -> str:
    """The cell's first non-blank line, cut to ``limit`` characters."""
    line = next((s.strip() for s in source.splitlines() if s.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _cells_list(numbers: Sequence[int]) -> str:
    return ", ".join(str(n) for n in numbers)


# --------------------------------------------------------------------------- reading the file


def read_notebook(path: Path) -> tuple[nbformat.NotebookNode | None, str | None]:
    """The notebook, or None and a one-line reason why ``path`` is not a usable notebook."""
    if not path.exists():
        return None, f"no such file: {path}"
    if path.is_dir():
        return None, f"{path} is a folder, not a notebook"
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, f"{path.name} is not a notebook: not a text file (binary content)"
    except OSError as exc:
        return None, f"cannot read {path.name}: {exc.strerror or exc}"
    if not text.strip():
        return None, f"{path.name} is empty (0 bytes of content): save the notebook again"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, (
            f"{path.name} is not valid notebook JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg}); download it again with File > Download > Download .ipynb"
        )
    if not isinstance(data, dict) or "cells" not in data or "nbformat" not in data:
        return None, f"{path.name} is JSON but not a Jupyter notebook (no 'cells' or 'nbformat')"
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # noqa: BLE001 - any schema problem is a one-line verdict
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return None, f"{path.name} is not a valid notebook: {reason[:160]}"
    if not nb.cells or not any(c.source.strip() for c in nb.cells):
        return None, f"{path.name} is an empty notebook: it has no cells with content"
    return nb, None


# --------------------------------------------------------------------------- static checks


def find_team(nb: nbformat.NotebookNode) -> tuple[int | None, list | None]:
    """The team cell's number and ``TEAM``'s value (None when missing or not a literal)."""
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code" or "TEAM" not in cell.source:
            continue
        try:
            tree = ast.parse(_as_python(cell.source))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "TEAM" for t in node.targets
            ):
                try:
                    value = ast.literal_eval(node.value)
                except ValueError:
                    return number, None
                return number, value if isinstance(value, list | tuple) else None
    return None, None


def _as_python(source: str) -> str:
    """Cell source with IPython syntax (``%magic``, ``!shell``) turned into plain Python."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def check_team(nb: nbformat.NotebookNode, report: Report) -> None:
    number, team = find_team(nb)
    if number is None:
        report.problems.append(
            Problem(TEAM, 'no team cell: add a code cell `TEAM = ["Name 1", "Name 2"]`')
        )
        return
    if team is None or not all(isinstance(name, str) for name in team):
        report.problems.append(
            Problem(TEAM, f"cell {number}: TEAM must be a list of names in quotes", number)
        )
        return
    names = [name.strip() for name in team]
    placeholders = [name for name in names if PLACEHOLDER.search(name)]
    report.team = [name for name in names if name not in placeholders]
    if placeholders:
        shown = ", ".join(repr(n) for n in placeholders)
        report.problems.append(
            Problem(TEAM, f"cell {number}: team not filled in: replace or delete {shown}", number)
        )
    elif not report.team:
        report.problems.append(
            Problem(TEAM, f"cell {number}: team not filled in: TEAM holds no name", number)
        )
    elif not TEAM_SIZE[0] <= len(report.team) <= TEAM_SIZE[1]:
        report.problems.append(
            Problem(
                TEAM_SIZE_KIND,
                f"team of {len(report.team)}; a team has {TEAM_SIZE[0]}–{TEAM_SIZE[1]} members",
                number,
            )
        )


def check_sources(nb: nbformat.NotebookNode, report: Report) -> None:
    """Stubs, leftovers, local paths, missing and erroneous saved outputs."""
    leftovers: dict[str, list[int]] = {marker: [] for marker in LEFTOVERS}
    unrun, saved_errors = [], []
    for number, cell in enumerate(nb.cells, start=1):
        source = cell.source
        for marker, pattern in LEFTOVERS.items():
            if pattern.search(source):
                leftovers[marker].append(number)
        for match in ABSOLUTE.finditer(source):
            report.problems.append(
                Problem(
                    ABSOLUTE_PATH,
                    f"cell {number}: absolute local path {match.group(0)!r}: it exists only on "
                    "your computer; "
                    "use a path relative to the notebook",
                    number,
                )
            )
        for match in OUTSIDE.finditer(source):
            path = match.group(0).strip("\"'")
            report.problems.append(
                Problem(
                    OUTSIDE_PATH, f"cell {number}: path {path!r} will not exist on Colab", number
                )
            )
        if cell.cell_type != "code":
            continue
        for match in STUB.finditer(source):
            _add_not_implemented(report, match.group(1) or f"cell {number}")
        if source.strip() and cell.get("execution_count") is None and not cell.get("outputs"):
            unrun.append(number)
        if any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            saved_errors.append(number)
    for marker, numbers in leftovers.items():
        if numbers:
            report.problems.append(
                Problem(LEFTOVER, f"leftover {marker!r} in cell(s) {_cells_list(numbers)}")
            )
    if unrun:
        report.problems.append(
            Problem(
                NO_OUTPUTS,
                f"{len(unrun)} code cell(s) without outputs in the file (cells "
                f"{_cells_list(unrun)}): run all, then save, before handing in",
            )
        )
    if saved_errors:
        report.problems.append(
            Problem(
                SAVED_ERROR,
                f"the saved outputs show an error in cell(s) {_cells_list(saved_errors)}",
            )
        )


def _add_not_implemented(report: Report, name: str) -> None:
    if name not in report.not_implemented:
        report.not_implemented.append(name)


# --------------------------------------------------------------------------- running


def kernel_env() -> dict[str, str]:
    """The kernel's environment: inline figures as in Jupyter, no path back into the repository."""
    env = dict(os.environ)
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    kept = [p for p in paths if not _inside(Path(p), REPO_ROOT)]
    if kept:
        env["PYTHONPATH"] = os.pathsep.join(kept)
    else:
        env.pop("PYTHONPATH", None)
    return env


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder)
    except (ValueError, OSError):
        return False
    return True


def _client_class() -> type:
    """nbclient's NotebookClient with a cap on each cell's output (imported only to run)."""
    from nbclient import NotebookClient

    class CappedClient(NotebookClient):
        """A client that keeps at most `MAX_OUTPUT_CHARS` of output per cell, so that a cell
        printing in an endless loop fills neither the memory nor the report before its limit."""

        def output(self, outs, msg, display_id, cell_index):
            content = msg.get("content", {})
            size = len(content.get("text", "")) + sum(
                len(str(v)) for v in content.get("data", {}).values()
            )
            if cell_index != getattr(self, "_sized_cell", None):
                self._sized_cell, self._output_chars = cell_index, 0
            self._output_chars += size
            if self._output_chars > MAX_OUTPUT_CHARS:
                return None
            return super().output(outs, msg, display_id, cell_index)

    return CappedClient


def run_notebook(
    nb: nbformat.NotebookNode,
    name: str,
    report: Report,
    cell_timeout: float = CELL_TIMEOUT_S,
    total_timeout: float = TOTAL_TIMEOUT_S,
    kernel_name: str = "python3",
) -> None:
    """Run every cell in a fresh kernel and folder; record times and the first error."""
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    start = time.monotonic()
    deadline = start + total_timeout
    with tempfile.TemporaryDirectory(prefix="dlb-check-", ignore_cleanup_errors=True) as tmp:
        folder = Path(tmp)
        shutil.copytree(UTILS_DIR, folder / "utils", ignore=shutil.ignore_patterns("__pycache__"))
        nbformat.write(nb, folder / name)
        client = _client_class()(
            nb,
            kernel_name=kernel_name,
            timeout=max(1, math.ceil(cell_timeout)),
            startup_timeout=max(1, math.ceil(min(60, total_timeout))),
            shutdown_kernel="immediate",
            resources={"metadata": {"path": str(folder)}},
        )
        number, cell, by_total = 0, None, False
        try:
            # The kernel's own log (a warning about TCP) is noise for a student: errors come
            # back as cell outputs anyway.
            quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
            with client.setup_kernel(env=kernel_env(), **quiet):
                for number, cell in enumerate(nb.cells, start=1):
                    remaining = deadline - time.monotonic()
                    by_total = remaining < cell_timeout
                    if remaining <= 0:
                        raise TimeoutError
                    client.timeout = max(1, math.ceil(min(cell_timeout, remaining)))
                    began = time.monotonic()
                    try:
                        client.execute_cell(cell, number - 1)
                    finally:
                        if cell.cell_type == "code" and cell.source.strip():
                            spent = time.monotonic() - began
                            report.cell_times.append((number, first_line(cell.source), spent))
                    _scan_verdicts(cell, report)
        except CellExecutionError as exc:
            _scan_verdicts(cell, report)
            ename, evalue = exc.ename or "Error", (exc.evalue or "").strip()
            if ename == "_IncompleteInputError":  # Python 3.13's name for an unclosed bracket
                ename = "SyntaxError"
            if ename == "NotImplementedError":
                match = re.match(r"(?:Exercise\s+)?([\w.]+):", evalue)
                _add_not_implemented(report, match.group(1) if match else f"cell {number}")
            message = f"{ename}: {evalue.splitlines()[0][:200]}" if evalue else ename
            hint = f" ({HINTS[ename]})" if ename in HINTS else ""
            report.problems.append(
                Problem(ERROR, f"{_where(number, cell)}: {message}{hint}", number)
            )
        except (CellTimeoutError, TimeoutError):
            limit = (
                f"the total limit of {total_timeout:g} s"
                if by_total
                else f"the limit of {cell_timeout:g} s per cell"
            )
            report.problems.append(
                Problem(
                    TIMEOUT,
                    f"{_where(number, cell)}: stopped after {limit} (an endless loop?)",
                    number or None,
                )
            )
        except DeadKernelError:
            report.problems.append(
                Problem(
                    ERROR,
                    f"{_where(number, cell)}: the kernel died "
                    "(out of memory, or the process exited)",
                    number,
                )
            )
        except Exception as exc:  # noqa: BLE001 - a kernel that cannot start is still a verdict
            report.problems.append(
                Problem(
                    ERROR, f"the kernel could not run the notebook: {type(exc).__name__}: {exc}"
                )
            )
    report.ran = True
    report.runtime_s = time.monotonic() - start


def _where(number: int, cell: nbformat.NotebookNode | None) -> str:
    """ "cell 7 `its first line`", or the kernel's start before any cell ran."""
    return f"cell {number} `{first_line(cell.source)}`" if cell is not None else "kernel start"


def _scan_verdicts(cell: nbformat.NotebookNode | None, report: Report) -> None:
    """Collect the checks' "⏳ NAME: not implemented yet" verdicts printed by a cell."""
    if cell is None or cell.cell_type != "code":
        return
    for out in cell.get("outputs", []):
        text = out.get("text", "") or out.get("data", {}).get("text/plain", "")
        for name in NOT_IMPLEMENTED_VERDICT.findall("".join(text)):
            _add_not_implemented(report, name)


# --------------------------------------------------------------------------- one notebook


def check_notebook(
    path: str | Path,
    *,
    run: bool = True,
    cell_timeout: float = CELL_TIMEOUT_S,
    total_timeout: float = TOTAL_TIMEOUT_S,
    team_required: bool = True,
    max_size_mb: float = MAX_SIZE_MB,
    kernel_name: str = "python3",
) -> Report:
    """Check one notebook: read it, scan it, run it; never raises on a bad file.

    Parameters
    ----------
    path : str or Path
        The ``.ipynb`` file as handed in (it is not modified).
    run : bool
        Run it in a fresh kernel (False: only the checks that read the file).
    cell_timeout, total_timeout : float
        Time limits in seconds for one cell and for the whole run.
    team_required : bool
        Look for the team cell (False for the practice notebooks, which have none).
    max_size_mb : float
        Warn above this file size.
    kernel_name : str
        The Jupyter kernel to run it with.

    Returns
    -------
    Report
    """
    path = Path(path)
    report = Report(path)
    nb, reason = read_notebook(path)
    if nb is None:
        report.problems.append(Problem(UNREADABLE, reason))
        return report
    report.size_bytes = path.stat().st_size
    if report.size_bytes > max_size_mb * 1e6:
        report.problems.append(
            Problem(
                SIZE,
                f"the file is {report.size_bytes / 1e6:.1f} MB (over {max_size_mb:g} MB): "
                "fewer or smaller figures, or clear large outputs",
            )
        )
    if team_required:
        report.team_checked = True
        check_team(nb, report)
    check_sources(nb, report)
    if run:
        run_notebook(nb, path.name, report, cell_timeout, total_timeout, kernel_name)
    if report.not_implemented:
        names = ", ".join(report.not_implemented)
        report.problems.append(
            Problem(
                NOT_IMPLEMENTED,
                f"{len(report.not_implemented)} exercise(s) not implemented: {names}",
            )
        )
    report.problems.sort(key=lambda p: (not p.blocking, p.cell or 0))
    return report


# --------------------------------------------------------------------------- output


def format_report(report: Report) -> str:
    """One summary of a report, for the terminal."""
    verdicts = {
        "ok": "✅ ready to hand in",
        "warnings": "✅ ready to hand in (see the warnings)",
        "blocked": "❌ not ready: fix the problems marked ❌",
        "unreadable": "❌ not a usable notebook",
    }
    lines = [f"── {report.path} ──", verdicts[report.status]]
    if report.ran:
        slowest = "; ".join(f"cell {n} `{line}` {s:.1f} s" for n, line, s in report.slowest)
        lines.append(
            f"   ran in {report.runtime_s:.1f} s" + (f"; slowest: {slowest}" if slowest else "")
        )
    if report.team:
        lines.append(f"   team: {', '.join(report.team)}")
    if report.size_bytes is not None:
        lines.append(f"   size: {report.size_bytes / 1e3:.0f} kB")
    for problem in report.problems:
        mark = "❌" if problem.blocking else "⚠️ "
        lines.append(f"   {mark} {problem.message}")
    return "\n".join(lines)


CSV_COLUMNS = [
    "file",
    "status",
    "blocking",
    "warnings",
    "first_error",
    "error_cell",
    "not_implemented",
    "not_implemented_names",
    "team_filled",
    "team",
    "absolute_paths",
    "runtime_s",
    "slowest_cell",
    "size_kb",
    "problems",
]


def csv_row(report: Report) -> dict[str, object]:
    error = report.first_error
    slowest = report.slowest[0] if report.slowest else None
    return {
        "file": str(report.path),
        "status": report.status,
        "blocking": sum(p.blocking for p in report.problems),
        "warnings": sum(not p.blocking for p in report.problems),
        "first_error": error.message if error else "",
        "error_cell": error.cell if error and error.cell else "",
        "not_implemented": len(report.not_implemented),
        "not_implemented_names": "; ".join(report.not_implemented),
        "team_filled": _team_filled(report),
        "team": "; ".join(report.team),
        "absolute_paths": sum(p.kind == ABSOLUTE_PATH for p in report.problems),
        "runtime_s": f"{report.runtime_s:.1f}" if report.runtime_s is not None else "",
        "slowest_cell": f"cell {slowest[0]} ({slowest[2]:.1f} s)" if slowest else "",
        "size_kb": f"{report.size_bytes / 1e3:.0f}" if report.size_bytes is not None else "",
        "problems": " | ".join(p.message for p in report.problems),
    }


def _team_filled(report: Report) -> str:
    if not report.team_checked:
        return ""  # not looked at: unreadable, or --no-team
    return "no" if TEAM in report.kinds(blocking=True) else "yes"


def write_csv(reports: Sequence[Report], path: str | Path) -> None:
    """One row per notebook, for the instructor's spreadsheet."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for report in reports:
            writer.writerow(csv_row(report))


def collect(paths: Sequence[str]) -> list[Path]:
    """The notebooks to check: files as given, folders searched for ``*.ipynb``."""
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        else:
            found.append(path)  # a missing or odd file gets its one-line verdict
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m utils.lab",
        description="Check notebooks before handing them in (Restart and run all, as on Colab).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="run and check notebooks, or every notebook in a folder")
    check.add_argument("paths", nargs="+", help="notebooks (.ipynb) or folders of notebooks")
    check.add_argument("--csv", metavar="FILE", help="also write one row per notebook to FILE")
    check.add_argument("--cell-timeout", type=float, default=CELL_TIMEOUT_S, metavar="S")
    check.add_argument("--total-timeout", type=float, default=TOTAL_TIMEOUT_S, metavar="S")
    check.add_argument("--max-size-mb", type=float, default=MAX_SIZE_MB, metavar="MB")
    check.add_argument("--no-run", action="store_true", help="only read the files, run nothing")
    check.add_argument(
        "--no-team", action="store_true", help="no team cell expected (practice notebooks)"
    )
    check.add_argument("--kernel", default="python3", help="Jupyter kernel (default python3)")
    args = parser.parse_args(argv)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")  # emoji on a terminal that cannot show them

    paths = collect(args.paths)
    if not paths:
        print(f"no notebooks (*.ipynb) found in {', '.join(args.paths)}")
        return 1
    reports = []
    for path in paths:
        report = check_notebook(
            path,
            run=not args.no_run,
            cell_timeout=args.cell_timeout,
            total_timeout=args.total_timeout,
            team_required=not args.no_team,
            max_size_mb=args.max_size_mb,
            kernel_name=args.kernel,
        )
        print(format_report(report), end="\n\n", flush=True)
        reports.append(report)
    blocked = sum(r.blocked for r in reports)
    if len(reports) > 1:
        print(f"{len(reports) - blocked} of {len(reports)} notebook(s) ready to hand in")
    if args.csv:
        write_csv(reports, args.csv)
        print(f"summary written to {args.csv}")
    return 1 if blocked else 0


if __name__ == "__main__":
    sys.exit(main())
