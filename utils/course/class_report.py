"""What a class got wrong: one offline HTML page from the checker's CSVs.

``python -m utils.course.class_report summary.csv [more.csv …] --out report.html [--anonymous]``
(also ``python -m utils.lab report …``) reads the summary CSVs that ``utils.lab check --csv``
wrote (several: the slices of a batch, or one per exercise notebook; they are merged) and writes
one page, readable without a network (the style and the figures are inside the file):

- the three named mistakes most worth re-teaching, with the hint students saw;
- per exercise, the share passed / wrong / not done (a figure, the table beside it);
- the most frequent named mistakes (the ``mistakes`` column: ``exercise=mistake_id`` entries
  separated by spaces) with their counts and hints (`utils.checks.known_mistakes`);
- what blocked submissions, grouped by kind;
- the run times;
- the teams' key numbers side by side (`team_key_numbers`).

How submissions are counted. A submission is a CSV row. Its ``exercises`` column
(``name: status; …``) says what the checker re-checked: ``passed``; ``not implemented`` (not
done); anything else is wrong. Exercises re-checked in the same row belong to the same
notebook; a row expects every exercise of its notebook, and one that lacks an exercise (its
cell deleted) counts as not done for it. A row without any exercise (an unreadable notebook)
counts as not done for every exercise of its CSV, or of all the CSVs when its own names none
(a slice of unreadable files). A column that is missing (an older checker's CSV) is read as
empty.

Everything taken from a CSV (file and team names, messages: what students control) is
HTML-escaped, and the page forbids scripts (a Content-Security-Policy without any script
source), so a hostile field shows as text and never runs. Nothing here imports torch or
matplotlib on import; matplotlib draws the figures (without pyplot) when the page is written.
"""

from __future__ import annotations

import argparse
import base64
import csv
import html
import importlib
import io
import math
import re
import statistics
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from utils.course.html_page import html_head

REQUIRED_COLUMNS = ["file", "status"]
STATUSES = ["ok", "warnings", "blocked", "unreadable"]
PASSED, NOT_IMPLEMENTED = "passed", "not implemented"
OUTCOMES = ["passed", "wrong", "not done"]
RETEACH = 3  # the mistakes named at the top of the page
KEY_COLUMN = re.compile(r"^(key_|bayes_risk$|excess_)")  # CSV columns holding key numbers
NUMBER = re.compile(r"[-+−]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
MAX_BYTES = 50_000_000  # a summary CSV of a few thousand rows is well under a megabyte
MAX_FIELD = 1_000_000  # characters in one field (the checker caps its fields at 2000)

# What blocked a submission: the checker's messages, grouped by kind (first match wins).
BLOCK_GROUPS = [
    (re.compile(r"no team cell|TEAM must be|team not filled in"), "team cell not filled in"),
    (re.compile(r"a team of \d+; a team has"), "team of the wrong size"),
    (re.compile(r"stopped after .*endless loop"), "a cell ran past the time limit"),
    (re.compile(r"kernel died"), "the kernel died (memory, or the process exited)"),
    (re.compile(r"kernel could not run"), "the kernel could not run the notebook"),
    (re.compile(r"exercise\(s\) not implemented"), "exercises not implemented"),
    (re.compile(r"re-checked: "), "an exercise fails when re-checked"),
    (re.compile(r"reaches into the checks|re-checked from the source it is"), "forged check"),
    (re.compile(r"absolute local path"), "absolute path to the student's computer"),
    (re.compile(r"'Your answer here'"), "unanswered question"),
    (re.compile(r"the checker failed on this file"), "the checker failed on the file"),
]
ERROR_NAME = re.compile(r"\b([A-Z]\w*(?:Error|Exception|Interrupt|Exit))\b")


class ClassReportError(ValueError):
    """A CSV that cannot be read as the checker's summary (the message names the file)."""


# ---------------------------------------------------------------------------------- reading


@dataclass
class Row:
    """One submission (a CSV row), with the columns the report reads."""

    source: str  # the CSV it came from
    line: int
    file: str
    status: str
    blocking: int
    problems: list[str]
    first_error: str
    exercises: dict[str, str]
    mistakes: list[tuple[str, str]]
    team: list[str]
    fingerprint: str
    runtime_s: float | None
    slowest_cell: str
    keys: dict[str, str] = field(default_factory=dict)


def _int(text: str, what: str, where: str) -> int:
    text = text.strip()
    if not text:
        return 0
    try:
        return int(text)
    except ValueError:
        raise ClassReportError(f"{where}: {what} must be a whole number; found {text!r}") from None


def _float(text: str, what: str, where: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ClassReportError(f"{where}: {what} must be a number; found {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise ClassReportError(f"{where}: {what} must be a finite number ≥ 0; found {text!r}")
    return value


def parse_exercises(text: str) -> dict[str, str]:
    """``"name: status; name: status"`` -> {name: status} (the checker's ``exercises``)."""
    out = {}
    for item in text.split(";"):
        name, sep, status = item.partition(":")
        if sep and name.strip():
            out[name.strip()] = status.strip()
    return out


def parse_mistakes(text: str) -> list[tuple[str, str]]:
    """``"exercise=id exercise=id"`` -> [(exercise, id)] (entries without ``=`` are skipped)."""
    out = []
    for item in text.split():
        exercise, sep, mistake = item.partition("=")
        if sep and exercise and mistake:
            out.append((exercise, mistake))
    return out


def read_csv(path: str | Path) -> list[Row]:
    """The rows of one summary CSV; ClassReportError naming the file when it is not one."""
    path = Path(path)
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ClassReportError(f"{name}: {size / 1e6:.0f} MB is not a summary CSV")
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ClassReportError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise ClassReportError(f"{name}: a folder, not a CSV file") from None
    except UnicodeDecodeError as exc:
        raise ClassReportError(
            f"{name}: not UTF-8 text (byte {exc.start}); expected the CSV written by "
            "`utils.lab check --csv`"
        ) from None
    except OSError as exc:
        raise ClassReportError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    if "\x00" in text:
        raise ClassReportError(f"{name}: holds NUL bytes: not a CSV file")
    if csv.field_size_limit() < MAX_FIELD:
        csv.field_size_limit(MAX_FIELD)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames
        if not header:
            raise ClassReportError(
                f"{name}: empty; expected a header line and one row per notebook"
            )
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise ClassReportError(
                f"{name}: no column {', '.join(missing)} in its header {header[:8]}; expected "
                "the summary CSV written by `utils.lab check --csv`"
            )
        rows = []
        for raw in reader:
            where = f"{name}, line {reader.line_num}"
            if None in raw:  # more fields than the header names
                found = len(header) + len(raw[None])
                raise ClassReportError(f"{where}: {found} fields, the header has {len(header)}")
            if any(v is None for v in raw.values()):  # fewer
                found = sum(v is not None for v in raw.values())
                raise ClassReportError(f"{where}: {found} fields, the header has {len(header)}")
            rows.append(_row(raw, name, reader.line_num, where))
    except csv.Error as exc:
        raise ClassReportError(f"{name}, line {reader.line_num}: not a valid CSV ({exc})") from None
    return rows


def _row(raw: dict[str, str], source: str, line: int, where: str) -> Row:
    get = lambda column: (raw.get(column) or "").strip()  # noqa: E731 - a missing column is ""
    status = get("status")
    if status not in STATUSES:
        raise ClassReportError(f"{where}: status {status!r} is not one of {', '.join(STATUSES)}")
    problems = [p.strip() for p in (raw.get("problems") or "").split(" | ") if p.strip()]
    return Row(
        source=source,
        line=line,
        file=get("file"),
        status=status,
        blocking=_int(get("blocking"), "blocking", where),
        problems=problems,
        first_error=get("first_error"),
        exercises=parse_exercises(get("exercises")),
        mistakes=parse_mistakes(get("mistakes")),
        team=[] if get("team_filled") == "no" else [n for n in get("team").split(";") if n.strip()],
        fingerprint=get("team_fingerprint"),
        runtime_s=_float(get("runtime_s"), "runtime_s", where),
        slowest_cell=get("slowest_cell"),
        keys={k: v.strip() for k, v in raw.items() if KEY_COLUMN.match(k or "") and v.strip()},
    )


def read_csvs(paths: Sequence[str | Path]) -> list[Row]:
    """Every row of every CSV; a notebook listed in two CSVs (a slice given twice) is an error."""
    if not paths:
        raise ClassReportError("no CSV given")
    rows: list[Row] = []
    seen: dict[str, str] = {}
    for path in paths:
        for row in read_csv(path):
            if row.file in seen:
                raise ClassReportError(
                    f"{path}, line {row.line}: {row.file} is also in {seen[row.file]}; "
                    "give each slice once"
                )
            seen[row.file] = str(path)
            rows.append(row)
    return rows


# -------------------------------------------------------------------------------- counting


@dataclass
class ExerciseCounts:
    submissions: int = 0
    passed: int = 0
    wrong: int = 0
    not_done: int = 0
    named: int = 0  # wrong answers that matched a known mistake

    def share(self, outcome: str) -> float:
        value = {"passed": self.passed, "wrong": self.wrong, "not done": self.not_done}[outcome]
        return value / self.submissions if self.submissions else 0.0


def expected_exercises(rows: Sequence[Row]) -> list[set[str]]:
    """For each row, the exercises expected of it (module docstring): exercises re-checked in
    one notebook belong together (those of a row, joined across rows); a row expects every
    exercise of the notebooks of those it has, and a row with none (unreadable, stopped
    early) every exercise of its CSV, or of the whole report when its CSV names none."""
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for row in rows:
        names = list(row.exercises)
        for name in names:
            parent.setdefault(name, name)
        for name in names[1:]:
            parent[root(name)] = root(names[0])
    groups: dict[str, set[str]] = defaultdict(set)
    for name in parent:
        groups[root(name)].add(name)
    in_csv: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        in_csv[row.source].update(row.exercises)
    everything = set(parent)
    expected = []
    for row in rows:
        own = set(row.exercises) or in_csv[row.source] or everything
        expected.append(set().union(*(groups[root(name)] for name in own)) if own else set())
    return expected


def exercise_counts(rows: Sequence[Row]) -> dict[str, ExerciseCounts]:
    """Per exercise: passed / wrong / not done, over the rows that expect it."""
    expected = expected_exercises(rows)
    order = dict.fromkeys(name for row in rows for name in row.exercises)  # notebook order
    counts = {name: ExerciseCounts() for name in order}
    for row, names in zip(rows, expected, strict=True):
        named = {exercise for exercise, _ in row.mistakes}
        for name in names:
            count = counts[name]
            count.submissions += 1
            status = row.exercises.get(name)
            if status == PASSED:
                count.passed += 1
            elif status is None or status == NOT_IMPLEMENTED:
                count.not_done += 1
            else:
                count.wrong += 1
                count.named += name in named
    return counts


def mistake_counts(rows: Sequence[Row]) -> Counter:
    """(exercise, mistake id) -> the number of submissions whose answer made it."""
    counter: Counter = Counter()
    for row in rows:
        counter.update(set(row.mistakes))
    return counter


def load_hints() -> tuple[dict[str, str], str]:
    """{mistake id: hint} from `utils.checks.known_mistakes` (imported here, not on import), and
    a note when they are not available (then the page shows the ids only)."""
    try:
        checks = importlib.import_module("utils.checks")
        known = checks.known_mistakes
    except (ImportError, AttributeError) as exc:
        return {}, f"hints not available ({type(exc).__name__}: utils.checks.known_mistakes)"
    try:
        hints = dict(known())
    except Exception as exc:  # a broken hint table must not lose the whole report
        return {}, f"hints not available (known_mistakes() failed: {type(exc).__name__})"
    return {str(k): str(v) for k, v in hints.items()}, ""


def block_group(message: str, anonymous: bool = False) -> str:
    """The kind of a blocking message (see `BLOCK_GROUPS`; errors by exception name)."""
    for pattern, label in BLOCK_GROUPS:
        if pattern.search(message):
            return label
    error = ERROR_NAME.search(message)
    if error:
        return f"error: {error.group(1)}"
    if anonymous:
        return "other blocking problem"
    text = re.sub(r"^cell \d+(?: \(`[^`]*`\))?: ", "", message)
    text = re.sub(r"\d+", "N", re.sub(r"'[^']*'|`[^`]*`", "…", text))
    return "other: " + text[:80]


def blocked_groups(rows: Sequence[Row], anonymous: bool) -> dict[str, list[Row]]:
    """What blocked the submissions: kind -> the rows it blocked (a row may be in several)."""
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if row.status == "unreadable":
            groups["unreadable file"].append(row)
            continue
        if row.status != "blocked":
            continue
        # The checker lists blocking problems first: the first `blocking` ones block.
        kinds = {block_group(p, anonymous) for p in row.problems[: max(row.blocking, 1)]}
        for kind in kinds or {"blocked (no message)"}:
            groups[kind].append(row)
    return dict(sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])))


# ---------------------------------------------------------------------------- key numbers

SEED = 2025  # notebook 07's


def team_key_numbers(names: Sequence[str]) -> dict[str, str] | None:
    """A team's key numbers, ``{label: text with its uncertainty}``, from the course's answer
    key; None where no answer key can be imported (a student tree) or it fails for ``names``.

    In order:

    1. ``key_numbers(names)`` of `utils.course.answer_key`, else of `utils.course.lab_key`,
       where the module defines it: ``{label: value}`` with values as `utils.slides` formats
       them (a float, ``(value, stderr)``, an estimate, or a list over seeds);
    2. else, from the lab's own tools (the team's distribution as notebook 07 draws it), the
       quantities that need no training: the Bayes risk (Monte Carlo, ± its standard error),
       the best line's exact risk, and their difference, the approximation error of lines.

    Imports torch (when called, never on import); a few seconds per team.
    """
    from utils.slides import format_number

    for module_name in ("utils.course.answer_key", "utils.course.lab_key"):
        try:
            module = importlib.import_module(module_name)
        except Exception:  # absent from a student tree, or broken: try the next
            continue
        key_numbers = getattr(module, "key_numbers", None)
        if callable(key_numbers):
            try:
                return {str(k): format_number(v, str(k)) for k, v in key_numbers(names).items()}
            except Exception:
                return None
    try:
        lab_tools = importlib.import_module("utils.lab_tools")
        source = lab_tools.team_distribution(list(names))
        bayes = source.bayes_risk(n_mc=400_000, generator=SEED + 1)
        line_risk = source.best_linear_risk()[0]
    except Exception:
        return None
    return {
        "Bayes risk R*": format_number((bayes.value, bayes.stderr)),
        "best line's risk": format_number(line_risk),
        "approximation error of lines": format_number((line_risk - bayes.value, bayes.stderr)),
    }


@dataclass
class Team:
    label: str
    names: list[str]
    submissions: int
    keys: dict[str, str]
    origin: str  # "CSV", "answer key" or "" (none)


def teams(
    rows: Sequence[Row],
    anonymous: bool,
    key_fn: Callable[[Sequence[str]], dict[str, str] | None] | None,
    say: Callable[[str], None] = lambda text: None,
) -> list[Team]:
    """One entry per team (rows with the same fingerprint, or the same names, merged)."""
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        if not row.team:
            continue
        ident = row.fingerprint or " | ".join(sorted(" ".join(n.lower().split()) for n in row.team))
        grouped.setdefault(ident, []).append(row)
    out = []
    for k, (_ident, members) in enumerate(sorted(grouped.items()), start=1):
        names = [" ".join(n.split()) for n in members[0].team]
        keys: dict[str, str] = {}
        for row in members:
            keys.update(row.keys)
        origin = "CSV" if keys else ""
        if not keys and key_fn is not None:
            say(f"key numbers of team {k} of {len(grouped)} ...")
            keys = key_fn(names) or {}
            origin = "answer key" if keys else ""
        if anonymous:
            label = f"team {members[0].fingerprint}" if members[0].fingerprint else f"team {k}"
        else:
            label = ", ".join(names)
        out.append(Team(label, names, len(members), keys, origin))
    return out


def leading_number(text: str) -> float | None:
    match = NUMBER.search(text)
    return float(match.group(0).replace("−", "-")) if match else None


# --------------------------------------------------------------------------------- figures

COLOURS = {"passed": "#2e7d32", "wrong": "#c62828", "not done": "#9e9e9e"}


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(width: float, height: float):
    from matplotlib.figure import Figure  # no pyplot: no backend, no global state

    return Figure(figsize=(width, height), layout="constrained")


def figure_exercises(counts: dict[str, ExerciseCounts]) -> str:
    names = list(counts)
    fig = _figure(7, 0.35 * len(names) + 1.2)
    ax = fig.add_subplot()
    left = [0.0] * len(names)
    for outcome in OUTCOMES:
        shares = [100 * counts[n].share(outcome) for n in names]
        ax.barh(names, shares, left=left, color=COLOURS[outcome], label=outcome)
        left = [a + b for a, b in zip(left, shares, strict=True)]
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of the submissions")
    ax.legend(ncols=3, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    return _png(fig)


def figure_bars(labels: list[str], values: list[float], xlabel: str, colour: str) -> str:
    fig = _figure(7, 0.35 * len(labels) + 1.0)
    ax = fig.add_subplot()
    from matplotlib.ticker import MaxNLocator

    ax.barh([_short(s, 45) for s in labels], values, color=colour)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    return _png(fig)


def figure_runtimes(times: list[float]) -> str:
    fig = _figure(7, 3)
    ax = fig.add_subplot()
    ax.hist(times, bins=min(30, max(5, len(times) // 2)), color="#1565c0")
    ax.axvline(statistics.median(times), color="k", linestyle="--", label="median")
    ax.set_xlabel("run time of the check (s)")
    ax.set_ylabel("submissions")
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(frameon=False)
    return _png(fig)


def figure_teams(team_list: list[Team], labels: list[str]) -> str:
    fig = _figure(3.2 * len(labels), 0.3 * len(team_list) + 1.4)
    axes = fig.subplots(1, len(labels), sharey=True, squeeze=False)[0]
    names = [_short(t.label, 30) for t in team_list]
    for ax, label in zip(axes, labels, strict=True):
        values, errors, ys = [], [], []
        for y, team in enumerate(team_list):
            text = team.keys.get(label, "")
            value = leading_number(text)
            if value is None:
                continue
            spread = re.search(r"±\s*(" + NUMBER.pattern + ")", text)
            ys.append(y)
            values.append(value)
            errors.append(float(spread.group(1)) if spread else 0.0)
        ax.errorbar(values, ys, xerr=errors, fmt="o", color="#6a1b9a", capsize=3)
        ax.set_title(_short(label, 40), fontsize=10)
        ax.set_yticks(range(len(names)), names)
        ax.set_ylim(len(names) - 0.5, -0.5)
        ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------------------------ page

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em;
       color: #212121; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
.pair { display: flex; flex-wrap: wrap; gap: 1.5em; align-items: flex-start; }
.pair img { max-width: 640px; width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f5f5f5; }
.reteach li { margin-bottom: 0.6em; } .hint { color: #37474f; } .note { color: #616161; }
code { background: #f5f5f5; padding: 0 0.2em; }
"""
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def table(table_id: str, header: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    """An HTML table; every cell is escaped here (callers pass plain text)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="n">{esc(v)}</td>' if k in numeric else f"<td>{esc(v)}</td>"
            for k, v in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def image(data: str, alt: str) -> str:
    return f'<img src="data:image/png;base64,{data}" alt="{esc(alt)}">'


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "–"


def render(
    rows: Sequence[Row],
    sources: Sequence[str],
    *,
    anonymous: bool = False,
    hints: dict[str, str] | None = None,
    hints_note: str = "",
    team_list: list[Team] | None = None,
    top: int = 10,
) -> str:
    """The page, as text."""
    hints = hints or {}
    counts = exercise_counts(rows)
    mistakes = mistake_counts(rows)
    statuses = Counter(row.status for row in rows)
    parts = [
        html_head(
            "Class report",
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            '<link rel="icon" href="data:,">',
            f"<style>{STYLE}</style>",
        ),
        "<h1>Class report</h1>",
        f'<p class="note" id="summary">{len(rows)} submissions from {len(sources)} CSV file(s): '
        + esc(", ".join(Path(s).name for s in sources))
        + ". "
        + esc(", ".join(f"{statuses.get(s, 0)} {s}" for s in STATUSES))
        + ".</p>",
    ]
    parts += _reteach(mistakes, counts, hints, hints_note)
    parts += _exercises(counts)
    parts += _mistakes(mistakes, counts, hints, hints_note, top)
    parts += _blocked(rows, anonymous)
    parts += _runtimes(rows, anonymous)
    parts += _teams(team_list)
    parts.append("</body></html>")
    return "\n".join(parts)


def _hint(mistake: str, hints: dict[str, str], note: str) -> str:
    if mistake in hints:
        return hints[mistake]
    return "—" if note else "(no hint known for this mistake id)"


def _reteach(mistakes: Counter, counts, hints, note) -> list[str]:
    out = ['<section id="reteach"><h2>Re-teach first</h2>']
    if not mistakes:
        out.append(
            '<p class="note">No named mistake in these CSVs (column <code>mistakes</code> '
            "empty or absent).</p></section>"
        )
        return out
    if note:
        out.append(f'<p class="note">{esc(note)}: the mistakes are shown by their ids.</p>')
    out.append('<ol class="reteach">')
    for (exercise, mistake), n in _ranked(mistakes)[:RETEACH]:
        wrong = counts[exercise].wrong if exercise in counts else 0
        out.append(
            f"<li><strong>{esc(mistake)}</strong> in <code>{esc(exercise)}</code>: "
            f'<span class="count">{n}</span> submission(s)'
            + (f" ({percent(n, wrong)} of its wrong answers)" if wrong else "")
            + (
                f'<br><span class="hint">Hint shown: {esc(hints[mistake])}</span>'
                if mistake in hints
                else ""
            )
            + "</li>"
        )
    out.append("</ol></section>")
    return out


def _ranked(mistakes: Counter) -> list:
    return sorted(mistakes.items(), key=lambda item: (-item[1], item[0]))


def _exercises(counts: dict[str, ExerciseCounts]) -> list[str]:
    out = ['<section id="exercise-section"><h2>Per exercise</h2>']
    if not counts:
        out.append('<p class="note">No exercise re-checked in these CSVs.</p></section>')
        return out
    rows = [
        [
            name,
            str(c.submissions),
            str(c.passed),
            str(c.wrong),
            str(c.not_done),
            str(c.named),
            percent(c.passed, c.submissions),
        ]
        for name, c in counts.items()
    ]
    header = ["exercise", "submissions", "passed", "wrong", "not done", "wrong, named", "passed %"]
    alt = "Share of submissions passed, wrong and not done, per exercise"
    out.append('<div class="pair">' + image(figure_exercises(counts), alt))
    out.append(table("exercises", header, rows, {1, 2, 3, 4, 5, 6}) + "</div>")
    out.append(
        '<p class="note">Not done: not implemented, or the notebook stopped before the check '
        "(unreadable, an error). Wrong, named: wrong answers that matched a known mistake.</p>"
    )
    out.append("</section>")
    return out


def _mistakes(mistakes: Counter, counts, hints, note, top: int) -> list[str]:
    out = ['<section id="mistake-section"><h2>Named mistakes</h2>']
    if not mistakes:
        out.append('<p class="note">None.</p></section>')
        return out
    ranked = _ranked(mistakes)
    shown = ranked[:top]
    rows = [
        [
            mistake,
            exercise,
            str(n),
            percent(n, counts[exercise].wrong if exercise in counts else 0),
            _hint(mistake, hints, note),
        ]
        for (exercise, mistake), n in shown
    ]
    labels = [f"{exercise}: {mistake}" for (exercise, mistake), _ in shown]
    data = figure_bars(labels, [n for _, n in shown], "submissions", "#c62828")
    out.append('<div class="pair">' + image(data, "The most frequent named mistakes"))
    header = ["mistake", "exercise", "submissions", "of its wrong answers", "hint students saw"]
    out.append(table("mistakes", header, rows, {2, 3}) + "</div>")
    if len(ranked) > top:
        out.append(f'<p class="note">… and {len(ranked) - top} more (see --top).</p>')
    out.append("</section>")
    return out


def _blocked(rows: Sequence[Row], anonymous: bool) -> list[str]:
    out = ['<section id="blocked-section"><h2>What blocked submissions</h2>']
    groups = blocked_groups(rows, anonymous)
    if not groups:
        out.append('<p class="note">Nothing blocked a submission.</p></section>')
        return out
    blocked = sum(row.status in ("blocked", "unreadable") for row in rows)
    out.append(f'<p class="note">{blocked} of {len(rows)} submissions blocked.</p>')
    table_rows = []
    for kind, members in groups.items():
        row = [kind, str(len(members))]
        if not anonymous:
            row.append(
                ", ".join(_short(m.file, 60) for m in members[:5])
                + (" …" if len(members) > 5 else "")
            )
        table_rows.append(row)
    header = ["what blocked", "submissions"] + ([] if anonymous else ["e.g."])
    data = figure_bars(list(groups), [len(m) for m in groups.values()], "submissions", "#ef6c00")
    out.append('<div class="pair">' + image(data, "What blocked submissions, by kind"))
    out.append(table("blocked", header, table_rows, {1}) + "</div></section>")
    return out


def _runtimes(rows: Sequence[Row], anonymous: bool) -> list[str]:
    out = ['<section id="runtime-section"><h2>Run times</h2>']
    timed = [(row.runtime_s, row) for row in rows if row.runtime_s is not None]
    if not timed:
        out.append('<p class="note">No run time in these CSVs.</p></section>')
        return out
    times = sorted(t for t, _ in timed)
    p90 = times[min(len(times) - 1, math.ceil(0.9 * len(times)) - 1)]
    stats = [
        ["submissions run", str(len(times))],
        ["fastest (s)", f"{times[0]:.1f}"],
        ["median (s)", f"{statistics.median(times):.1f}"],
        ["90th percentile (s)", f"{p90:.1f}"],
        ["slowest (s)", f"{times[-1]:.1f}"],
    ]
    out.append('<div class="pair">' + image(figure_runtimes(times), "Run times of the checks"))
    out.append(table("runtimes", ["", "value"], stats, {1}))
    slowest = sorted(timed, key=lambda item: -item[0])[:5]
    rows_shown = [
        [f"submission {k}" if anonymous else _short(row.file, 60), f"{t:.1f}", row.slowest_cell]
        for k, (t, row) in enumerate(slowest, start=1)
    ]
    out.append(table("slowest", ["slowest submissions", "s", "slowest cell"], rows_shown, {1}))
    out.append("</div></section>")
    return out


def _teams(team_list: list[Team] | None) -> list[str]:
    out = ['<section id="team-section"><h2>The teams\' key numbers</h2>']
    if not team_list:
        out.append('<p class="note">No team in these CSVs.</p></section>')
        return out
    labels: list[str] = []
    for team in team_list:
        labels += [k for k in team.keys if k not in labels]
    if not labels:
        out.append(
            '<p class="note">No key numbers: the CSVs hold none (columns <code>key_…</code>, '
            "<code>bayes_risk</code>, <code>excess_…</code>) and the answer key was not used "
            "(a student tree, or --no-key).</p>"
        )
    rows = [
        [t.label, str(t.submissions), *[t.keys.get(k, "") for k in labels], t.origin]
        for t in team_list
    ]
    header = ["team", "submissions", *labels, "from"]
    out.append('<div class="pair">')
    numeric = [
        k for k in labels if any(leading_number(t.keys.get(k, "")) is not None for t in team_list)
    ]
    if numeric:
        out.append(image(figure_teams(team_list, numeric[:4]), "The teams' key numbers"))
    out.append(table("teams", header, rows, set(range(1, len(header) - 1))) + "</div></section>")
    return out


# ------------------------------------------------------------------------------------ main


def write_report(
    csv_paths: Sequence[str | Path],
    out: str | Path,
    *,
    anonymous: bool = False,
    key: bool = True,
    top: int = 10,
    say: Callable[[str], None] = lambda text: None,
) -> Path:
    """Read ``csv_paths`` and write the page to ``out``; returns its path."""
    rows = read_csvs(csv_paths)
    hints, note = load_hints() if any(row.mistakes for row in rows) else ({}, "")
    team_list = teams(rows, anonymous, team_key_numbers if key else None, say)
    page = render(
        rows,
        [str(p) for p in csv_paths],
        anonymous=anonymous,
        hints=hints,
        hints_note=note,
        team_list=team_list,
        top=top,
    )
    out = Path(out)
    out.write_text(page, encoding="utf-8")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``report summary.csv [more.csv …] --out report.html [--anonymous] [--no-key]``;
    0 when the page is written, 2 when a CSV cannot be read (the message names it)."""
    parser = argparse.ArgumentParser(
        prog="python -m utils.lab report",
        description="One offline HTML page of what a class got right and wrong, from the "
        "checker's summary CSVs (utils.lab check --csv).",
    )
    parser.add_argument("csv", nargs="+", help="summary CSV(s): slices, or one per notebook")
    parser.add_argument("--out", default="report.html", help="the page to write")
    parser.add_argument("--anonymous", action="store_true", help="no student or file names")
    parser.add_argument(
        "--no-key", action="store_true", help="do not compute the teams' numbers from the key"
    )
    parser.add_argument("--top", type=int, default=10, help="named mistakes listed (default 10)")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.top < 1:
        parser.error("--top must be at least 1")
    try:
        out = write_report(
            args.csv,
            args.out,
            anonymous=args.anonymous,
            key=not args.no_key,
            top=args.top,
            say=lambda text: print(text, file=sys.stderr, flush=True),
        )
    except ClassReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"wrote {out} ({out.stat().st_size / 1e3:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
