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
import os
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from utils.course import sandbox
from utils.course.checking import (  # noqa: F401 - the checker's public names
    CELL_TIMEOUT_S,
    EXERCISE_TIMEOUT_S,
    MAX_SIZE_MB,
    REPO_ROOT,
    TOTAL_TIMEOUT_S,
    check_notebook,
    course_ref,
    graded_tasks,
    in_process,
    known_checks,
    recheck,
)
from utils.course.judging import NOT_IMPLEMENTED_VERDICT, TEAM_SIZE  # noqa: F401 - public
from utils.course.report import (  # noqa: F401 - the checker's public names
    ABSOLUTE_PATH,
    BLOCKING_KINDS,
    CSV_COLUMNS,
    ERROR,
    EXERCISE_FAILED,
    FORGED,
    LEFTOVER,
    MISSING_TASK,
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
                # A symbolic link to a folder is listed among the folders (and not followed):
                # one named like a notebook still gets its row ("a symbolic link …").
                linked = [d for d in dirs if os.path.islink(os.path.join(folder, d))]
                dirs[:] = sorted(d for d in dirs if d != ".ipynb_checkpoints" and d not in linked)
                names = [*files, *linked]
                inside += [Path(folder) / f for f in names if f.lower().endswith(".ipynb")]
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
    # The worker forks from a server started once, with the environment of that moment: the
    # course file this batch reads goes with each job.
    job["course_file"] = os.environ.get("DLB_COURSE_FILE")
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

    if options.get("run", True):
        per_file = options["total_timeout"] + EXERCISE_TIMEOUT_S + 120
    else:
        per_file = READ_TIMEOUT_S
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
    # `key` and `report` have command lines of their own (their modules parse them).
    if argv[:1] == ["key"]:
        return _key(argv[1:])
    if argv[:1] == ["report"]:
        from utils.course.class_report import main as report_main

        return int(report_main(argv[1:]))
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
    sub.add_parser("key", help="a team's expected numbers in the graded lab (key --help)")
    sub.add_parser("report", help="one HTML page of what a class got wrong (report --help)")
    args = parser.parse_args(_paths_first(argv))
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")  # emoji on a terminal that cannot show them

    if args.command == "merge":
        return _merge(args)
    return _check(args)


def _paths_first(argv: list[str]) -> list[str]:
    """A file whose name starts with ``-`` (``--csv=x.ipynb`` from a shell's ``*.ipynb``) is a
    notebook to check, not an option: it is passed as ``./--csv=x.ipynb``."""
    if not argv or argv[0] != "check":
        return argv
    out = [argv[0]]
    for arg in argv[1:]:
        if arg.startswith("-") and arg.lower().endswith(".ipynb") and os.path.lexists(arg):
            arg = os.path.join(".", arg)
        out.append(arg)
    return out


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


READ_TIMEOUT_S = 300  # reading and scanning one file (--no-run)
KEY_MODULES = ("utils.course.answer_key", "utils.course.lab_key")  # its new name, its old one


def _key(names: list[str]) -> int:
    for name in KEY_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        return int(module.main(list(names)))
    print("key: utils/course/answer_key.py is missing in this copy of the course", file=sys.stderr)
    return 2


def _check(args) -> int:
    if args.jobs < 1:
        print(f"--jobs {args.jobs}: expected 1 or more", file=sys.stderr)
        return 2
    if args.csv and args.csv.lower().endswith(".ipynb"):
        print(
            f"--csv {args.csv}: that would overwrite a notebook; name a .csv file", file=sys.stderr
        )
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
        version = sandbox.python_warning()
        if version:
            print(f"⚠️  {version}", file=sys.stderr)
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
        # Every file, even one read only (--no-run), is read and checked in a worker process
        # under time and memory limits: no file can take the checker or the batch down.
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


if __name__ == "__main__":
    sys.exit(main())
