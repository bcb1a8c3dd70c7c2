"""What the checker found about one notebook, and how it is shown: terminal, CSV, merged CSVs.

Every string that came from a notebook (names, messages, file names) goes through `clean`:
control characters (ANSI escapes, newlines, bidirectional overrides) are written as visible
escapes and the text is cut to a sane length, so a notebook cannot draw on the instructor's
terminal or forge a verdict line. CSV fields are capped and never start like a spreadsheet
formula.
"""

from __future__ import annotations

import csv
import os
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

SLOWEST_SHOWN = 3
MAX_FIELD_CHARS = 2000  # a CSV field; Python's csv module refuses fields over 128 kB
MAX_PROBLEMS_SHOWN = 30  # per notebook, in the report and the CSV

# Problem kinds. Blocking ones stop a submission; the others are warnings.
UNREADABLE, ERROR, TIMEOUT = "unreadable", "error", "timeout"
NOT_IMPLEMENTED, TEAM, ABSOLUTE_PATH = "not-implemented", "team", "absolute-path"
EXERCISE_FAILED, FORGED, UNANSWERED = "exercise-failed", "forged", "unanswered"
TEAM_SIZE_KIND, MISSING_TASK = "team-size", "missing-task"
LEFTOVER, OUTSIDE_PATH, NO_OUTPUTS = "leftover", "outside-path", "no-outputs"
SAVED_ERROR, SIZE, REF_KIND, SANDBOX = "saved-error", "size", "ref", "not-sandboxed"
BLOCKING_KINDS = {
    UNREADABLE,
    ERROR,
    TIMEOUT,
    NOT_IMPLEMENTED,
    TEAM,
    TEAM_SIZE_KIND,
    ABSOLUTE_PATH,
    EXERCISE_FAILED,
    FORGED,
    UNANSWERED,
    MISSING_TASK,
}


def clean(text: object, limit: int = 300) -> str:
    """``text`` on one line: control and format characters escaped, cut to ``limit``."""
    text = str(text)
    out = []
    for char in text:
        if char == "\\" or char.isprintable() and unicodedata.category(char) != "Cf":
            out.append(char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x100:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(f"\\u{ord(char):04x}" if ord(char) < 0x10000 else f"\\U{ord(char):08x}")
        if len(out) > limit:
            break
    result = "".join(out)
    return result if len(result) <= limit else result[: limit - 1] + "…"


def path_text(path: Path | str) -> str:
    """A file name as text, with undecodable bytes escaped (never a surrogate) and a backslash
    doubled, so that two names that differ by a raw byte never print the same (``\\xff`` is
    the byte, ``\\\\xff`` four characters of the name)."""
    try:
        raw = os.fsencode(str(path))
    except UnicodeEncodeError:  # a lone surrogate that no file system name decodes to
        raw = str(path).encode("utf-8", "backslashreplace")
    text = raw.decode("utf-8", "surrogateescape")
    out = []
    for char in text:
        if 0xDC80 <= ord(char) <= 0xDCFF:
            out.append(f"\\x{ord(char) - 0xDC00:02x}")
        elif char == "\\":
            out.append("\\\\")
        else:
            out.append(clean(char, 20))
        if len(out) > 500:
            break
    return clean("".join(out), 500) if len(out) > 500 else "".join(out)


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
    sandboxed: bool = False
    runtime_s: float | None = None
    cell_times: list[tuple[int, str, float]] = field(default_factory=list)  # cell, line, seconds
    team: list[str] = field(default_factory=list)
    team_checked: bool = False
    not_implemented: list[str] = field(default_factory=list)
    exercises: dict[str, str] = field(default_factory=dict)  # name -> passed/failed/…
    size_bytes: int | None = None
    mistakes: dict[str, str] = field(default_factory=dict)  # exercise -> known-mistake id
    team_fingerprint: str = ""

    def kinds(self, blocking: bool) -> set[str]:
        return {p.kind for p in self.problems if p.blocking == blocking}

    def add(self, kind: str, message: str, cell: int | None = None) -> None:
        self.problems.append(Problem(kind, message, cell))

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

    def to_json(self) -> dict:
        data = asdict(self)
        data["path"] = str(self.path)  # undecodable bytes stay surrogates; json escapes them
        return data

    @classmethod
    def from_json(cls, data: dict) -> Report:
        data = dict(data)
        data["path"] = Path(data["path"])
        data["problems"] = [Problem(**p) for p in data["problems"]]
        data["cell_times"] = [tuple(t) for t in data["cell_times"]]
        return cls(**data)


VERDICTS = {
    "ok": "✅ ready to hand in",
    "warnings": "✅ ready to hand in (see the warnings)",
    "blocked": "❌ not ready: fix the problems marked ❌",
    "unreadable": "❌ not a usable notebook",
}


def format_report(report: Report) -> str:
    """One summary of a report, for the terminal: every notebook-made string escaped."""
    lines = [f"── {path_text(report.path)} ──", VERDICTS[report.status]]
    if report.ran:
        slowest = "; ".join(
            f"cell {n} `{clean(line, 60)}` {s:.1f} s" for n, line, s in report.slowest
        )
        where = "sandboxed" if report.sandboxed else "NOT sandboxed"
        lines.append(
            f"   ran in {report.runtime_s:.1f} s ({where})"
            + (f"; slowest: {slowest}" if slowest else "")
        )
    if report.team:
        lines.append(f"   team: {clean(', '.join(report.team), 200)}")
    if report.exercises:
        marks = {"passed": "✅", "not implemented": "⏳"}
        shown = ", ".join(
            f"{marks.get(v, '❌')} {clean(k, 40)}" for k, v in report.exercises.items()
        )
        lines.append(f"   exercises (re-checked): {shown}")
    if report.size_bytes is not None:
        lines.append(f"   size: {report.size_bytes / 1e3:.0f} kB")
    for problem in report.problems[:MAX_PROBLEMS_SHOWN]:
        mark = "❌" if problem.blocking else "⚠️ "
        lines.append(f"   {mark} {clean(problem.message, 400)}")
    if len(report.problems) > MAX_PROBLEMS_SHOWN:
        lines.append(f"   … and {len(report.problems) - MAX_PROBLEMS_SHOWN} more problem(s)")
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
    "exercises",
    "team_filled",
    "team",
    "absolute_paths",
    "sandboxed",
    "runtime_s",
    "slowest_cell",
    "size_kb",
    "problems",
    "mistakes",
    "team_fingerprint",
]


FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_field(value: object) -> str:
    """A safe CSV field: one line, capped, and never read as a spreadsheet formula, whether
    the spreadsheet splits on ``,`` or on ``;`` (French, German, … locales): every piece
    between separators that starts like a formula gets a leading apostrophe."""
    text = clean(value, MAX_FIELD_CHARS)
    if _is_number(text):
        return text
    pieces = []
    for piece in text.replace(",", ";").split(";"):
        pieces.append(piece)
    out, start = [], 0
    for piece in pieces:
        original = text[start : start + len(piece)]
        stripped = original.lstrip(" ")
        if stripped[:1] in FORMULA_START and not _is_number(stripped):
            original = original[: len(original) - len(stripped)] + "'" + stripped
        out.append(original)
        start += len(piece) + 1
        if start <= len(text):
            out.append(text[start - 1])
    return "".join(out)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_row(report: Report) -> dict[str, str]:
    error = report.first_error
    slowest = report.slowest[0] if report.slowest else None
    shown = report.problems[:MAX_PROBLEMS_SHOWN]
    more = len(report.problems) - len(shown)
    row = {
        "file": path_text(report.path),
        "status": report.status,
        "blocking": sum(p.blocking for p in report.problems),
        "warnings": sum(not p.blocking for p in report.problems),
        "first_error": error.message if error else "",
        "error_cell": error.cell if error and error.cell else "",
        "not_implemented": len(report.not_implemented),
        "not_implemented_names": "; ".join(report.not_implemented),
        "exercises": "; ".join(f"{k}: {v}" for k, v in report.exercises.items()),
        "team_filled": _team_filled(report),
        "team": "; ".join(report.team),
        "absolute_paths": sum(p.kind == ABSOLUTE_PATH for p in report.problems),
        "sandboxed": ("yes" if report.sandboxed else "no") if report.ran else "",
        "runtime_s": f"{report.runtime_s:.1f}" if report.runtime_s is not None else "",
        "slowest_cell": f"cell {slowest[0]} ({slowest[2]:.1f} s)" if slowest else "",
        "size_kb": f"{report.size_bytes / 1e3:.0f}" if report.size_bytes is not None else "",
        "problems": " | ".join(clean(p.message, 300) for p in shown)
        + (f" | … and {more} more" if more > 0 else ""),
        "mistakes": " ".join(f"{_token(k)}={_token(v)}" for k, v in report.mistakes.items() if v),
        "team_fingerprint": report.team_fingerprint,
    }
    return {key: csv_field(value) for key, value in row.items()}


def _token(text: str) -> str:
    """One word for the ``mistakes`` column (no space, no ``=``)."""
    return "".join(c if c.isprintable() and c not in " =" else "_" for c in clean(text, 80))


def _team_filled(report: Report) -> str:
    if not report.team_checked:
        return ""  # not looked at: unreadable, or --no-team
    return "no" if TEAM in report.kinds(blocking=True) else "yes"


def write_csv(reports: Iterable[Report], path: str | Path) -> None:
    """One row per notebook, for the instructor's spreadsheet."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for report in reports:
            writer.writerow(csv_row(report))


def merge_csv(paths: Sequence[str | Path], out) -> int:
    """Join the CSVs of a batch's slices (``--shard``) into one, sorted by file; the rows count.

    Raises ValueError naming the file whose columns are not the checker's, and a file that
    appears in two slices.
    """
    rows: dict[str, dict[str, str]] = {}
    for path in paths:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames != CSV_COLUMNS:
                raise ValueError(
                    f"{path}: its columns {reader.fieldnames} are not the checker's "
                    f"({', '.join(CSV_COLUMNS)}); was it written by `utils.lab check --csv`?"
                )
            for row in reader:
                if row["file"] in rows:
                    raise ValueError(f"{path}: {row['file']} is in two of the CSVs")
                rows[row["file"]] = row
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for name in sorted(rows):
        writer.writerow(rows[name])
    return len(rows)


def say(text: str) -> None:
    """Print to stdout; emoji on a terminal that cannot show them become '?'."""
    print(text, flush=True, file=sys.stdout)
