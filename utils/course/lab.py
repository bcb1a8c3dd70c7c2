"""Check a notebook before handing it in, or a class's submissions, the way "Restart and run all"
on Colab would, each in a sandbox.

Usage::

    python -m utils.lab check 07_graded_lab.ipynb             # one or more notebooks
    python -m utils.lab check submissions/ --csv summary.csv  # every *.ipynb in a folder
    python -m utils.lab check submissions/ --jobs 8 --shard 2/10 --csv part2.csv
    python -m utils.lab merge part*.csv > summary.csv         # join the slices' CSVs
    python -m utils.lab check notebooks/exercises/03_*.ipynb --no-team  # a practice notebook
    python -m utils.lab key "Name One" "Name Two"             # a team's expected numbers

Options of ``check``: ``--cell-timeout S`` and ``--total-timeout S`` (time limits),
``--no-run`` (only read the files: fast), ``--no-team`` (no team cell expected),
``--max-size-mb MB``, ``--kernel NAME``, ``--jobs N`` (notebooks checked at once; default: the
number of cores), ``--shard I/N`` (check only the I-th of N slices of the sorted file list: every
N-th file from the I-th on), ``--memory-mb``, ``--no-sandbox``.

Each notebook runs in a sandbox (`utils.course.sandbox`: bubblewrap; read-only files, no network,
its own processes, limits on memory, processes, CPU time, file size and output), in a fresh
folder that holds only the notebook and a read-only copy of ``utils/``. Without bubblewrap a
single notebook still runs, with a "not sandboxed" warning; a folder is refused unless
``--no-sandbox`` is given. Cells are numbered from 1 and count markdown cells too.

What blocks submission (exit status 1):

- the file cannot be read as a notebook (missing, not a regular file, too large, not JSON, not a
  notebook, no cells);
- an error while running: the first one, with its cell, the cell's first line, the exception's
  name and message (a cell or the whole run past its time limit counts as an error);
- exercises not implemented or failing, **as re-checked by the checker** from the notebook's
  source in a fresh sandboxed process (what the notebook printed does not count), and saved
  outputs that claim a pass the re-check does not confirm;
- the team not filled in, or a team of other than 2–3 names (see below);
- in the graded lab (with a team cell), "*Your answer here*" left in a markdown cell;
- an absolute local path in a string of a code cell (``/home/…``, ``/Users/…``, ``~/…``, ``C:\\…``).

What only warns (exit status 0): leftover ``TODO`` or ``YOUR CODE HERE``; paths that leave the
notebook's folder (``../``) or read Google Drive (``/content/drive``); code cells without outputs
in the file as handed in; saved outputs that show an error; a file larger than ``--max-size-mb``;
a setup cell whose ``REF`` differs from ``course.json``'s; a run that was not sandboxed.

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
import importlib
import json
import os
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from utils.course import judging, reading, running, sandbox
from utils.course.judging import NOT_IMPLEMENTED_VERDICT, TEAM_SIZE  # noqa: F401 - public
from utils.course.report import (  # noqa: F401 - the checker's public names
    ABSOLUTE_PATH,
    BLOCKING_KINDS,
    CSV_COLUMNS,
    ERROR,
    EXERCISE_FAILED,
    FORGED,
    LEFTOVER,
    NO_OUTPUTS,
    NOT_IMPLEMENTED,
    OUTSIDE_PATH,
    REF_KIND,
    SANDBOX,
    SAVED_ERROR,
    SIZE,
    TEAM,
    TEAM_SIZE_KIND,
    TIMEOUT,
    UNANSWERED,
    UNREADABLE,
    Problem,
    Report,
    clean,
    csv_row,
    format_report,
    merge_csv,
    path_text,
    write_csv,
)
from utils.course.sandbox import Limits

REPO_ROOT = Path(__file__).resolve().parents[2]
CELL_TIMEOUT_S = 300
TOTAL_TIMEOUT_S = 1800
EXERCISE_TIMEOUT_S = 300
MAX_SIZE_MB = 10.0


def course_ref() -> str | None:
    try:
        return json.loads((REPO_ROOT / "course.json").read_text(encoding="utf-8")).get("ref")
    except (OSError, ValueError):
        return None


def known_checks() -> set[str]:
    """The names of the exercise checks in ``utils.checks`` (read from the source: no torch)."""
    import ast

    names: set[str] = set()
    for path in sorted((REPO_ROOT / "utils" / "checks").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names |= {
            node.name
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("check_")
        }
    return names


def check_notebook(
    path: str | Path,
    *,
    run: bool = True,
    cell_timeout: float = CELL_TIMEOUT_S,
    total_timeout: float = TOTAL_TIMEOUT_S,
    team_required: bool = True,
    max_size_mb: float = MAX_SIZE_MB,
    kernel_name: str = "python3",
    limits: Limits | None = None,
    sandboxed: bool | None = None,
    root: Path | None = None,
) -> Report:
    """Check one notebook: read it, scan it, run it, re-check its exercises; never raises on a
    bad file.

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
    limits : Limits
        What the notebook may use (memory, processes, CPU time, file size, disk).
    sandboxed : bool or None
        Run in the bubblewrap sandbox; None: when it works here (else with a warning).
    root : Path
        The folder being checked (a symbolic link may point inside it only).

    Returns
    -------
    Report
    """
    path = Path(path)
    report = Report(path)
    nb, reason = reading.read_notebook(path, max(reading.MAX_READ_MB, max_size_mb), root)
    if nb is None:
        report.add(UNREADABLE, reason)
        return report
    try:
        report.size_bytes = path.stat().st_size
    except OSError:  # replaced or removed since it was read
        report.size_bytes = 0
    if report.size_bytes > max_size_mb * 1e6:
        report.add(
            SIZE,
            f"the file is {report.size_bytes / 1e6:.1f} MB (over {max_size_mb:g} MB): "
            "fewer or smaller figures, or clear large outputs",
        )
    if team_required:
        judging.check_team(nb, report)
    judging.check_sources(nb, report, graded=team_required)
    judging.check_ref(nb, report, course_ref())
    saved_claims = judging.claimed_passes(nb)
    if run:
        why = ""
        if sandboxed is None:
            sandboxed, why = sandbox.availability()
        if not sandboxed:
            report.add(SANDBOX, sandbox.NOT_SANDBOXED + (f" ({why})" if why else ""))
        name = "submission.ipynb" if not path.name.isascii() else clean(path.name, 100)
        limits = limits or Limits()
        hide = tuple({path.resolve().parent, *((root.resolve(),) if root else ())})
        running.run_notebook(
            nb, name, report, cell_timeout, total_timeout, kernel_name, limits, sandboxed, hide
        )
        run_claims = judging.claimed_passes(nb)  # nb now holds the run's outputs
        recheck(nb, report, limits, sandboxed, min(EXERCISE_TIMEOUT_S, total_timeout), hide)
        judging.forged_claims(report, saved_claims, "the saved outputs")
        judging.forged_claims(report, run_claims, "the run's outputs")
    if report.not_implemented:
        names = ", ".join(report.not_implemented[:20])
        report.add(
            NOT_IMPLEMENTED, f"{len(report.not_implemented)} exercise(s) not implemented: {names}"
        )
    report.problems.sort(key=lambda p: (not p.blocking, p.cell or 0))
    seen: set[tuple[str, str]] = set()
    report.problems = [
        p
        for p in report.problems
        if (p.kind, p.message) not in seen and not seen.add((p.kind, p.message))
    ]
    return report


def recheck(
    nb, report: Report, limits: Limits, sandboxed: bool, timeout: float, hide: tuple = ()
) -> None:
    """Re-run every exercise's check from the source in a fresh process: the task verdicts."""
    found = judging.exercises(nb, known_checks())
    if not found:
        return
    _, defs = judging.definitions(nb)
    for cell, name in judging.tampering(defs):
        report.add(
            judging.FORGED,
            f"cell {cell}: `{clean(name, 40)}` reaches into the checks (utils.checks, "
            "check_function, sys.modules or builtins): not allowed in a submission",
            cell,
        )
    verdicts = running.run_exercises(nb, found, timeout, limits, sandboxed, hide)
    rechecked = set(verdicts) | {f"cell {e.cell}" for e in found}
    report.not_implemented = [n for n in report.not_implemented if n not in rechecked]
    for exercise in found:
        status, message = verdicts[exercise.name]
        report.exercises[exercise.name] = clean(status, 20)
        if status == "not implemented":
            judging.add_not_implemented(report, exercise.name)
        elif status != "passed" and not any(
            p.kind in (ERROR, TIMEOUT) and p.cell == exercise.cell for p in report.problems
        ):  # the run's own error in that cell says it already
            first = clean(message.strip().splitlines()[0] if message.strip() else status, 200)
            report.add(EXERCISE_FAILED, f"cell {exercise.cell}: re-checked: {first}", exercise.cell)


# --------------------------------------------------------------------------- a batch


def collect(paths: Sequence[str]) -> list[tuple[Path, Path | None]]:
    """The notebooks to check, with the folder each was found in: files as given, folders
    searched for ``*.ipynb`` (symbolic links are listed, not followed)."""
    found: list[tuple[Path, Path | None]] = []
    for name in paths:
        path = Path(name)
        if path.is_dir() and not path.is_symlink():
            inside = []
            for folder, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d != ".ipynb_checkpoints")
                inside += [Path(folder) / f for f in files if f.endswith(".ipynb")]
            found += [(p, path) for p in sorted(inside, key=lambda p: os.fsencode(str(p)))]
        else:
            found.append((path, None))  # a missing or odd file gets its one-line verdict
    return found


def shard(items: list, spec: str | None) -> list:
    """The I-th of N slices (``spec`` "I/N", 1 ≤ I ≤ N): every N-th item from the I-th on."""
    if not spec:
        return items
    try:
        index, count = (int(part) for part in spec.split("/"))
    except ValueError:
        raise ValueError(f"--shard {spec!r}: expected I/N with whole numbers, e.g. 3/10") from None
    if not 1 <= index <= count:
        raise ValueError(f"--shard {spec!r}: expected 1 ≤ I ≤ N, e.g. 1/4 to 4/4")
    return items[index - 1 :: count]


def check_in_worker(path: Path, root: Path | None, options: dict, timeout: float) -> Report:
    """Check one notebook in a separate checker process: whatever happens to it (killed, out of
    memory), the batch goes on and the file gets its row."""
    from utils.course import worker

    job = {"path": str(path), "root": str(root) if root else None, "options": options}
    try:
        data, why = worker.check(job, timeout)
        if data is not None:
            return Report.from_json(data)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        why = f"the checker failed on this file: {type(exc).__name__}: {clean(exc, 200)}"
    report = Report(path)
    report.add(ERROR, why)
    return report


def check_batch(
    items: list[tuple[Path, Path | None]], options: dict, jobs: int, progress: bool = True
) -> list[Report]:
    """Check every notebook, ``jobs`` at a time, each in its own worker; print each report
    as it is ready under one progress bar; return the reports in the order of ``items``."""
    from tqdm.auto import tqdm

    per_file = options["total_timeout"] + EXERCISE_TIMEOUT_S + 120
    reports: list[Report | None] = [None] * len(items)
    lock = threading.Lock()
    with tqdm(
        total=len(items), unit="notebook", file=sys.stderr, disable=not progress, leave=False
    ) as bar:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {
                pool.submit(check_in_worker, path, root, options, per_file): k
                for k, (path, root) in enumerate(items)
            }
            try:
                for future in as_completed(futures):
                    k = futures[future]
                    reports[k] = future.result()
                    with lock:
                        bar.write(format_report(reports[k]) + "\n", file=sys.stdout)
                        bar.update(1)
            except KeyboardInterrupt:
                for future in futures:
                    future.cancel()
    for k, report in enumerate(reports):
        if report is None:  # interrupted
            reports[k] = Report(items[k][0], [Problem(ERROR, "not checked: the batch was stopped")])
    return reports  # type: ignore[return-value]


# --------------------------------------------------------------------------- command line


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["key"] and argv[1:2] != ["-h"]:  # the answer key parses its own options
        return _key(argv[1:])
    parser = argparse.ArgumentParser(
        prog="python -m utils.lab",
        description="Check notebooks before handing them in (Restart and run all, as on Colab).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="run and check notebooks, or every notebook in a folder")
    check.add_argument("paths", nargs="+", help="notebooks (.ipynb) or folders of notebooks")
    check.add_argument("--csv", metavar="FILE", help="also write one row per notebook to FILE")
    check.add_argument(
        "--cell-timeout", type=float, default=CELL_TIMEOUT_S, metavar="S", help="per cell (300)"
    )
    check.add_argument(
        "--total-timeout", type=float, default=TOTAL_TIMEOUT_S, metavar="S", help="in all (1800)"
    )
    check.add_argument(
        "--max-size-mb", type=float, default=MAX_SIZE_MB, metavar="MB", help="warn above (10)"
    )
    check.add_argument(
        "--memory-mb",
        type=int,
        default=Limits.memory_mb,
        metavar="MB",
        help="address space of each of a notebook's processes (6144; torch needs ~3000)",
    )
    check.add_argument("--no-run", action="store_true", help="only read the files, run nothing")
    check.add_argument(
        "--no-team", action="store_true", help="no team cell expected (practice notebooks)"
    )
    check.add_argument("--kernel", default="python3", help="Jupyter kernel (default python3)")
    check.add_argument(
        "--jobs", type=int, default=_cores(), metavar="N", help="notebooks at once (cores)"
    )
    check.add_argument("--shard", metavar="I/N", help="check only the I-th of N slices")
    check.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run a folder without bubblewrap (the notebooks' code gets your rights)",
    )
    merge = sub.add_parser("merge", help="join the CSVs of a batch's slices (--shard)")
    merge.add_argument("csvs", nargs="+", help="the slices' CSV files")
    merge.add_argument("--out", metavar="FILE", help="write here instead of the terminal")
    key = sub.add_parser("key", help="a team's expected numbers in the graded lab")
    key.add_argument("argv", nargs=argparse.REMAINDER, help='"NAME" ... or --notebook FILE')
    args = parser.parse_args(argv)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")  # emoji on a terminal that cannot show them

    if args.command == "merge":
        return _merge(args)
    if args.command == "key":
        return _key(args.argv)
    return _check(args)


def _merge(args) -> int:
    try:
        if args.out:
            with open(args.out, "w", newline="", encoding="utf-8") as out:
                count = merge_csv(args.csvs, out)
            print(f"{count} row(s) written to {args.out}", file=sys.stderr)
        else:
            merge_csv(args.csvs, sys.stdout)
    except (OSError, ValueError) as exc:
        print(f"merge: {exc}", file=sys.stderr)
        return 2
    return 0


def _key(names: list[str]) -> int:
    try:
        module = importlib.import_module("utils.course.answer_key")
    except ModuleNotFoundError as exc:
        if exc.name != "utils.course.answer_key":
            raise
        print("key: the answer key is not in this copy of the course", file=sys.stderr)
        return 2
    return int(module.main(list(names)))


def _check(args) -> int:
    if args.jobs < 1:
        print(f"--jobs {args.jobs}: expected 1 or more", file=sys.stderr)
        return 2
    items = collect(args.paths)
    try:
        items = shard(items, args.shard)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not items:
        where = ", ".join(args.paths) + (f" (slice {args.shard})" if args.shard else "")
        print(f"no notebooks (*.ipynb) found in {where}")
        return 1
    works, why = sandbox.availability()
    folder = any(Path(p).is_dir() for p in args.paths) or len(items) > 1
    sandboxed: bool | None = None
    if not args.no_run:
        if args.no_sandbox:
            sandboxed = False
        elif not works and folder:
            print(
                f"Refusing to run a class's notebooks unsandboxed: {why}.\n"
                "Install bubblewrap, or pass --no-sandbox to run them with your rights anyway."
            )
            return 2
        else:
            sandboxed = works
        if not sandboxed and folder:
            print(f"⚠️  {sandbox.NOT_SANDBOXED}" + (f" ({why})" if why else ""), file=sys.stderr)
    limits = Limits(memory_mb=args.memory_mb, threads=max(1, _cores() // max(1, args.jobs)))
    options = {
        "run": not args.no_run,
        "cell_timeout": args.cell_timeout,
        "total_timeout": args.total_timeout,
        "team_required": not args.no_team,
        "max_size_mb": args.max_size_mb,
        "kernel_name": args.kernel,
        "memory_mb": limits.memory_mb,
        "threads": limits.threads,
        "sandboxed": sandboxed,
    }
    began = time.monotonic()
    reports: list[Report] = []
    try:
        if len(items) == 1 and not folder or args.no_run:  # no notebook code runs
            for path, root in items:
                report = check_notebook(path, root=root, **_in_process(options))
                print(format_report(report), end="\n\n", flush=True)
                reports.append(report)
        else:
            reports = check_batch(items, options, args.jobs, progress=sys.stderr.isatty())
    finally:
        if args.csv:
            done = {r.path for r in reports}
            for path, _ in items:
                if path not in done:
                    reports.append(Report(path, [Problem(ERROR, "not checked: the batch stopped")]))
            write_csv(reports, args.csv)
    blocked = sum(r.blocked for r in reports)
    if len(reports) > 1:
        print(
            f"{len(reports) - blocked} of {len(reports)} notebook(s) ready to hand in "
            f"({time.monotonic() - began:.0f} s, {args.jobs} at a time)"
        )
    if args.csv:
        print(f"summary written to {args.csv}")
    return 1 if blocked else 0


def _in_process(options: dict) -> dict:
    """check_notebook's keyword arguments from a batch's options."""
    kept = dict(options)
    kept["limits"] = Limits(memory_mb=kept.pop("memory_mb"), threads=kept.pop("threads"))
    return kept


if __name__ == "__main__":
    sys.exit(main())
