"""One notebook's check: read it, scan it, run it in a sandbox, re-check its exercises.

`check_notebook` is what `utils.course.checker` (the command line and the batch) calls for each
file, in the checker's own process or in a worker process (`utils.course.worker`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from utils.course import judging, reading, running, sandbox
from utils.course.report import (
    ERROR,
    EXERCISE_FAILED,
    MISSING_TASK,
    NOT_IMPLEMENTED,
    SANDBOX,
    SIZE,
    TIMEOUT,
    UNREADABLE,
    Report,
    clean,
)
from utils.course.sandbox import Limits

REPO_ROOT = Path(__file__).resolve().parents[2]
CELL_TIMEOUT_S = 300
TOTAL_TIMEOUT_S = 1800
EXERCISE_TIMEOUT_S = 300
MAX_SIZE_MB = 10.0


def course() -> dict:
    """course.json (or the file $DLB_COURSE_FILE names, e.g. a test's course without graded
    notebooks), or {} when it is missing or unreadable."""
    path = os.environ.get("DLB_COURSE_FILE") or REPO_ROOT / "course.json"
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def course_ref() -> str | None:
    return course().get("ref")


def fingerprint(team: list[str]) -> str:
    """The team's fingerprint (`utils.team.team_fingerprint`: the same for the same members,
    however their names are written); "" without a team or without that module."""
    if not team:
        return ""
    try:
        from utils.team import team_fingerprint
    except ImportError:
        return ""
    try:
        return clean(team_fingerprint(list(team)), 16)
    except Exception:  # noqa: BLE001 - a fingerprint never stops a check
        return ""


def graded_tasks(path: Path, nb) -> list[str]:
    """The tasks a graded notebook must define (course.json "graded": {notebook: [names]}).

    A submission is matched to its graded notebook by file name, else by its title line
    ("# 07 · …"), else, when the course has a single graded notebook, that one; [] when the
    course declares none.
    """
    graded = course().get("graded")
    if not isinstance(graded, dict) or not graded:
        return []

    def names(value) -> list[str]:
        if not isinstance(value, list):
            return []
        return [str(v) for v in value if isinstance(v, str) and v.isidentifier()]

    if path.name in graded:
        return names(graded[path.name])
    title = next(
        (c.source.strip() for c in nb.cells if c.get("cell_type") == "markdown" and c.source),
        "",
    )
    for notebook, tasks in graded.items():
        number = str(notebook).split("_", 1)[0]
        if number and title.startswith(f"# {number} "):
            return names(tasks)
    if len(graded) == 1:
        return names(next(iter(graded.values())))
    return []


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
    tasks: list[str] | None = None,
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
    tasks : list of str or None
        The tasks the notebook must define; None: course.json's, for a graded notebook (one
        with a team cell).

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
        report.team_fingerprint = fingerprint(report.team)
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
        if tasks is None:
            tasks = graded_tasks(path, nb) if team_required else []
        # The re-check runs every cell again: give it the run's time again, and some more.
        spent = report.runtime_s or 0.0
        budget = min(EXERCISE_TIMEOUT_S, max(60.0, total_timeout, 2 * spent + 30))
        recheck(nb, report, limits, sandboxed, budget, hide, tasks, cell_timeout)
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
    nb,
    report: Report,
    limits: Limits,
    sandboxed: bool,
    timeout: float,
    hide: tuple = (),
    tasks: list[str] = (),
    cell_timeout: float | None = None,
) -> None:
    """Re-check every exercise, and every declared task, in two processes
    (`utils.course.recheck`): the task verdicts."""
    checks = known_checks()
    found = judging.with_graded(judging.exercises(nb, checks), list(tasks), checks)
    if not found:
        return
    outcomes = running.run_exercises(nb, found, timeout, limits, sandboxed, hide, cell_timeout)
    # A stub is named by the student's function (its NotImplementedError says so), an exercise
    # by its check: either name stands for the re-checked exercise.
    rechecked = set(outcomes) | {f"cell {e.cell}" for e in found} | {e.target for e in found}
    report.not_implemented = [n for n in report.not_implemented if n not in rechecked]
    for exercise in found:
        outcome = outcomes[exercise.name]
        status = clean(outcome.status, 20)
        report.exercises[exercise.name] = status
        if outcome.mistake:
            report.mistakes[exercise.name] = clean(outcome.mistake, 80)
        if status == "not implemented":
            function = exercise.target if exercise.target.isidentifier() else exercise.name
            judging.add_not_implemented(report, function)
        elif status == "missing":
            report.add(
                MISSING_TASK,
                f"task {clean(exercise.name, 60)} is missing: the graded notebook must define "
                f"`{clean(exercise.name, 60)}` (re-checked: {clean(outcome.message, 200)})",
            )
        elif status != "passed" and not any(
            p.kind in (ERROR, TIMEOUT) and p.cell == exercise.cell and p.cell
            for p in report.problems
        ):  # the run's own error in that cell says it already
            text = outcome.message.strip()
            first = clean(text.splitlines()[0] if text else status, 200)
            where = f"cell {exercise.cell}" if exercise.cell else f"task {exercise.name}"
            report.add(EXERCISE_FAILED, f"{where}: re-checked: {first}", exercise.cell)


def in_process(options: dict) -> dict:
    """check_notebook's keyword arguments from a batch's options."""
    kept = dict(options)
    kept["limits"] = Limits(memory_mb=kept.pop("memory_mb"), threads=kept.pop("threads"))
    return kept
