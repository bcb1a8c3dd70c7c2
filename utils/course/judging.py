"""Judging a notebook: what its source shows, and the exercise checks re-run from it.

The task verdicts do not come from what the notebook printed: `exercises` finds each exercise
(a top-level call ``check_NAME(its_function)``; a graded notebook adds the tasks course.json
declares) and `utils.course.recheck` re-checks it in two processes. Saved or printed outputs
that claim a pass the re-check does not confirm are reported.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass

import nbformat

from utils.course.report import (
    ABSOLUTE_PATH,
    FORGED,
    LEFTOVER,
    NO_OUTPUTS,
    OUTSIDE_PATH,
    REF_KIND,
    SAVED_ERROR,
    TEAM,
    TEAM_SIZE_KIND,
    UNANSWERED,
    Report,
    clean,
)

TEAM_SIZE = (2, 3)

STUB_MESSAGE = re.compile(r"^(?:Exercise\s+)?([\w.]+):")
NOT_IMPLEMENTED_VERDICT = re.compile(r"⏳ ([\w.]+): not implemented yet")
PASSED_VERDICT = re.compile(r"✅ ([\w.]+): all \d+ cases passed")
LEFTOVERS = {
    "YOUR CODE HERE": re.compile(r"YOUR CODE HERE"),
    "TODO": re.compile(r"\bTODO\b"),
}
ANSWER_PLACEHOLDER = re.compile(r"Your answer here", re.I)
# Absolute local paths, in string literals of code cells only: '/home/…', '~/…', 'C:\…'.
ABSOLUTE = re.compile(
    r"^(?:/home/|/Users/|~/(?!\.cache/))"  # home folders (~/.cache exists on Colab too)
    r"|^[A-Za-z]:\\(?![nrtabfv0'\"\\]?$)[^\\]*\w"  # C:\Users\...; not 'A:\n' or 'b:\mathbb'
    r"|^[A-Za-z]:/[^/\s]"  # C:/Users/... (not https://)
)
OUTSIDE = re.compile(r"^(?:\.\./|\.\.\\)|^/content/drive")
PLACEHOLDER = re.compile(
    r"^\s*$|student|your name|^name\s*\d*$|first\s*(name)?\s*last|^\W+$|\btodo\b|\.\.\.|…", re.I
)
REF_LINE = re.compile(r"^REPO,\s*REF\s*=\s*[\"']([^\"']*)[\"'],\s*[\"']([^\"']*)[\"']", re.M)
TAMPERING = re.compile(
    r"\butils\.checks\b|\b_core\b|\bcheck_function\b|\bsys\.modules\b|__builtins__|\bbuiltins\b"
)


MAGIC_LINE = re.compile(r"^([ \t]*)(?:[!%].*|([\w, \t]+?)[ \t]*=[ \t]*[!%].*)$")
MAX_PARSED_CHARS = 1_000_000  # a larger cell is run, but not read for the static checks


def as_python(source: str) -> str:
    """Cell source with IPython syntax (``%magic``, ``!shell``, ``x = !ls``) turned into plain
    Python, line by line in linear time (IPython's own transformer re-tokenises the whole cell
    for every magic: minutes for a cell of a few hundred ``!`` lines)."""
    if "!" not in source and "%" not in source:
        return source
    lines = []
    for line in source.split("\n"):
        match = MAGIC_LINE.match(line)
        if match is None:
            lines.append(line)
        elif match.group(2):
            lines.append(f"{match.group(1)}{match.group(2).strip()} = None")
        else:
            lines.append(f"{match.group(1)}pass")
    return "\n".join(lines)


PYTHON_CELL_MAGICS = {"capture", "time", "timeit", "prun"}  # their body is Python code


@functools.lru_cache(maxsize=64)
def parse(source: str) -> ast.Module | None:
    """The cell's syntax tree (a ``%%capture`` or ``%%time`` cell: its body's); None when it
    is not Python (a syntax error, ``%%bash``, ``%%writefile``) or too large to read."""
    if len(source) > MAX_PARSED_CHARS:
        return None
    first, _, body = source.lstrip().partition("\n")
    if first.startswith("%%"):
        magic = first[2:].split(maxsplit=1)[0] if first[2:].split() else ""
        if magic not in PYTHON_CELL_MAGICS:
            return None
        source = body
    try:
        return ast.parse(as_python(source))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def code_cells(nb: nbformat.NotebookNode):
    """(number, cell) of every code cell; numbers count every cell from 1."""
    for number, cell in enumerate(nb.cells, start=1):
        if cell.get("cell_type") == "code":
            yield number, cell


# --------------------------------------------------------------------------- team, ref


def find_team(nb: nbformat.NotebookNode) -> tuple[int | None, list | None]:
    """The team cell's number and ``TEAM``'s value (None when missing or not a literal)."""
    for number, cell in code_cells(nb):
        if "TEAM" not in cell.source:
            continue
        tree = parse(cell.source)
        for node in tree.body if tree else []:
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets, value = [node.target], node.value  # TEAM: list[str] = [...]
            else:
                continue
            if any(isinstance(t, ast.Name) and t.id == "TEAM" for t in targets):
                try:
                    found = ast.literal_eval(value)
                except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
                    return number, None
                return number, list(found) if isinstance(found, list | tuple) else None
    return None, None


def check_team(nb: nbformat.NotebookNode, report: Report) -> None:
    report.team_checked = True
    number, team = find_team(nb)
    if number is None:
        report.add(TEAM, 'no team cell: add a code cell `TEAM = ["Name 1", "Name 2"]`')
        return
    if team is None or not all(isinstance(name, str) for name in team):
        report.add(TEAM, f"cell {number}: TEAM must be a list of names in quotes", number)
        return
    names = [clean(name.strip(), 80) for name in team[:20]]
    placeholders = [name for name in names if PLACEHOLDER.search(name)]
    report.team = [name for name in names if name not in placeholders]
    if placeholders:
        shown = ", ".join(repr(n) for n in placeholders[:5])
        report.add(TEAM, f"cell {number}: team not filled in: replace or delete {shown}", number)
    elif not report.team:
        report.add(TEAM, f"cell {number}: team not filled in: TEAM holds no name", number)
    elif not TEAM_SIZE[0] <= len(team) <= TEAM_SIZE[1]:
        report.add(
            TEAM_SIZE_KIND,
            f"cell {number}: a team of {len(team)}; a team has {TEAM_SIZE[0]}–{TEAM_SIZE[1]} "
            "members",
            number,
        )


def check_ref(nb: nbformat.NotebookNode, report: Report, ref: str | None) -> None:
    """Warn when the setup cell pins another ref of the helpers than ``course.json``'s."""
    if not ref:
        return
    for number, cell in code_cells(nb):
        match = REF_LINE.search(cell.source)
        if match:
            if match.group(2) != ref:
                report.add(
                    REF_KIND,
                    f"cell {number}: the setup cell fetches the helpers at REF "
                    f"{clean(match.group(2), 40)!r}, the course is at {ref!r}: results may differ",
                    number,
                )
            return


# --------------------------------------------------------------------------- the sources


def stubs(tree: ast.Module) -> list[str | None]:
    """Exercise stubs in a cell: a function (not a method, not abstract) whose body raises
    ``NotImplementedError`` unconditionally (a helper that raises it for an unsupported option,
    under an ``if``, is not a stub); the name from ``"Exercise NAME: …"`` (None: no message)."""
    found: list[str | None] = []

    def stub_name(statement: ast.stmt) -> tuple[bool, str | None]:
        if not isinstance(statement, ast.Raise) or statement.exc is None:
            return False, None
        exc = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
        if not (isinstance(exc, ast.Name) and exc.id == "NotImplementedError"):
            return False, None
        if isinstance(statement.exc, ast.Call) and statement.exc.args:
            first = statement.exc.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                match = STUB_MESSAGE.match(first.value)
                return True, match.group(1) if match else None
        return True, None

    def visit(node: ast.AST, in_class: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, True)
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                abstract = any("abstract" in ast.unparse(d) for d in child.decorator_list)
                if not in_class and not abstract:
                    for statement in child.body:
                        is_stub, name = stub_name(statement)
                        if is_stub:
                            found.append(name)
                    visit(child, False)
            else:
                visit(child, in_class)

    visit(tree, False)
    return found


def _strings(tree: ast.Module):
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value


def check_sources(nb: nbformat.NotebookNode, report: Report, graded: bool) -> None:
    """Stubs, leftovers, unanswered questions, local paths, missing and erroneous outputs."""
    leftovers: dict[str, list[int]] = {marker: [] for marker in LEFTOVERS}
    unanswered, unrun, saved_errors = [], [], []
    for number, cell in enumerate(nb.cells, start=1):
        source = cell.source
        for marker, pattern in LEFTOVERS.items():
            if pattern.search(source):
                leftovers[marker].append(number)
        if cell.cell_type == "markdown" and ANSWER_PLACEHOLDER.search(source):
            unanswered.append(number)
        if cell.cell_type != "code":
            continue
        tree = parse(source)
        if tree is None and len(source) > MAX_PARSED_CHARS:
            report.add(
                LEFTOVER,
                f"cell {number} holds {len(source) // 1000} kB of code: too large to be read "
                "for the checks of the source (its run and its exercises are still checked)",
                number,
            )
        if tree is not None:
            for text in _strings(tree):
                if len(text) > 500:
                    continue
                if ABSOLUTE.search(text) and "$" not in text and "\\math" not in text:
                    report.add(
                        ABSOLUTE_PATH,
                        f"cell {number}: absolute local path {clean(text, 80)!r}: it exists only "
                        "on your computer; use a path relative to the notebook",
                        number,
                    )
                elif OUTSIDE.search(text):
                    hint = (
                        "Google Drive is not mounted when the notebook is checked: put the file "
                        "beside the notebook or make it in the notebook"
                        if "drive" in text
                        else "it will not exist on Colab"
                    )
                    report.add(
                        OUTSIDE_PATH, f"cell {number}: path {clean(text, 80)!r}: {hint}", number
                    )
            for name in stubs(tree):
                add_not_implemented(report, name or f"cell {number}")
        if source.strip() and cell.get("execution_count") is None and not cell.get("outputs"):
            unrun.append(number)
        if any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            saved_errors.append(number)
    for marker, numbers in leftovers.items():
        if numbers:
            report.add(LEFTOVER, f"leftover {marker!r} in cell(s) {_cells(numbers)}")
    if unanswered:
        report.add(
            UNANSWERED if graded else LEFTOVER,
            f"'Your answer here' left in cell(s) {_cells(unanswered)}: answer every question",
        )
    if unrun:
        report.add(
            NO_OUTPUTS,
            f"{len(unrun)} code cell(s) without outputs in the file (cells {_cells(unrun)}): "
            "run all, then save, before handing in",
        )
    if saved_errors:
        report.add(
            SAVED_ERROR, f"the saved outputs show an error in cell(s) {_cells(saved_errors)}"
        )


def _cells(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:20])
    return shown + (f" and {len(numbers) - 20} more" if len(numbers) > 20 else "")


def add_not_implemented(report: Report, name: str) -> None:
    name = clean(name, 60)
    if name not in report.not_implemented:
        report.not_implemented.append(name)


def outputs_text(cell: nbformat.NotebookNode) -> str:
    parts = []
    for out in cell.get("outputs", []):
        text = out.get("text", "") or out.get("data", {}).get("text/plain", "")
        parts.append("".join(text) if isinstance(text, list) else str(text))
    return "\n".join(parts)


def claimed_passes(nb: nbformat.NotebookNode) -> dict[str, int]:
    """Exercises whose outputs (saved, or printed by the run) say "✅ NAME: all … passed"."""
    claims: dict[str, int] = {}
    for number, cell in code_cells(nb):
        for name in PASSED_VERDICT.findall(outputs_text(cell)):
            claims.setdefault(name, number)
    return claims


# --------------------------------------------------------------------------- exercises


@dataclass
class Exercise:
    name: str  # the exercise's name, NAME in check_NAME(…)
    check: str  # check_NAME
    cell: int | None  # None: a graded task the notebook never checks
    target: str = ""  # the Python expression passed to the check: its function

    def __post_init__(self) -> None:
        self.target = self.target or self.name


def exercises(nb: nbformat.NotebookNode, known_checks: set[str]) -> list[Exercise]:
    """Exercise cells: a top-level call ``check_NAME(…)`` of a check in ``utils.checks``."""
    found: dict[str, Exercise] = {}
    for number, cell in code_cells(nb):
        if "check_" not in cell.source:
            continue
        tree = parse(cell.source)
        for node in tree.body if tree else []:
            call = node.value if isinstance(node, ast.Expr) else None
            if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
                continue
            check = call.func.id
            if check in known_checks and check not in found:
                target = ast.unparse(call.args[0]) if call.args else ""
                found[check] = Exercise(check.removeprefix("check_"), check, number, target)
    return sorted(found.values(), key=lambda e: e.cell or 0)


def with_graded(found: list[Exercise], tasks: list[str], known_checks: set[str]) -> list[Exercise]:
    """The exercises, with every task a graded notebook must define (course.json "graded"):
    a task the notebook never checks (its check call deleted, or hidden in a string) is
    re-checked all the same, by its own name."""
    by_name = {e.name for e in found}
    for task in tasks:
        if task not in by_name:
            found.append(Exercise(task, f"check_{task}", None, task))
    return found


def forged_claims(report: Report, claims: dict[str, int], source: str) -> None:
    """A pass claimed in the outputs that the fresh run does not confirm is blocking."""
    for name, cell in claims.items():
        fresh = report.exercises.get(name)
        if fresh is not None and fresh != "passed":
            report.add(
                FORGED,
                f"cell {cell}: {source} show '✅ {clean(name, 40)}' but re-checked from the source "
                f"it is {fresh}",
                cell,
            )
