"""The class report (utils.course.class_report) on a class generated for the test.

The class: right answers, every known mistake (`utils.checks.known_mistakes`, or a stand-in
table while the checks do not have one yet), wrong answers no known mistake explains, missing
and unimplemented exercises, blocked and unreadable notebooks, in two slices of one batch and
a CSV of another notebook. The generator keeps the truth as it writes the rows; the page's
tables (parsed from the HTML) must say the same. Then the page in headless Chromium: no console
error, no request, and a hostile field shown as text, never run.
"""

from __future__ import annotations

import csv
import html.parser
import re
import statistics
import subprocess
import sys
import types
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from utils.course import class_report
from utils.course.report import CSV_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = CSV_COLUMNS + [c for c in ("mistakes", "team_fingerprint") if c not in CSV_COLUMNS]
STAND_IN = {  # used only while utils.checks has no known_mistakes()
    "bce_gradient.sign": "The gradient of the loss points uphill: subtract it.",
    "bce_gradient.mean": "Average over the batch, do not sum.",
    "softmax.axis": "Normalise over the classes (the last axis), not the batch.",
    "test_risk.no_sqrt": "The standard error is a square root.",
    "quadratic_features.cross_term": "Add the product x1·x2.",
}
HOSTILE = '<script>window.__pwned = 1; alert("x")</script>'
HOSTILE_ATTR = '"><img src=x onerror="window.__pwned=2">'


# ---------------------------------------------------------------------------- the class


@pytest.fixture(scope="module")
def real_hints() -> dict[str, str] | None:
    try:
        import utils.checks as checks
    except ImportError:
        return None
    known = getattr(checks, "known_mistakes", None)
    return {str(k): str(v) for k, v in known().items()} if callable(known) else None


@pytest.fixture()
def hints(real_hints, monkeypatch) -> dict[str, str]:
    """The hints the checks give: the real table where it exists, else the stand-in (served
    by a stand-in utils.checks, as the report imports it)."""
    if real_hints:
        return real_hints
    fake = types.ModuleType("utils.checks")
    fake.known_mistakes = lambda: dict(STAND_IN)
    monkeypatch.setitem(sys.modules, "utils.checks", fake)
    return dict(STAND_IN)


def exercise_of(mistake: str) -> str:
    return re.sub(r"[^\w.]", "_", mistake.split(".")[0])


class Truth:
    """What the generated class holds, counted as it is written."""

    def __init__(self):
        self.exercises = defaultdict(Counter)  # name -> passed/wrong/not done/named/submissions
        self.mistakes = Counter()  # (exercise, id) -> submissions
        self.blocked = Counter()  # kind -> submissions
        self.statuses = Counter()
        self.runtimes: list[float] = []

    def submission(self, expected, statuses, mistakes=(), status="ok", block=None, runtime=None):
        self.statuses[status] += 1
        for name in expected:
            got = statuses.get(name)
            outcome = {"passed": "passed", None: "not done", "not implemented": "not done"}.get(
                got, "wrong"
            )
            self.exercises[name][outcome] += 1
            self.exercises[name]["submissions"] += 1
            if outcome == "wrong" and any(e == name for e, _ in mistakes):
                self.exercises[name]["named"] += 1
        for pair in mistakes:
            self.mistakes[pair] += 1
        if block:
            self.blocked[block] += 1
        if runtime is not None:
            self.runtimes.append(runtime)


def row(file, status, exercises, *, mistakes=(), problems=(), blocking=0, team=None, runtime=None):
    team = team or ["Ada Lovelace", "Alan Turing"]
    return {
        "file": file,
        "status": status,
        "blocking": str(blocking),
        "warnings": "0",
        "exercises": "; ".join(f"{k}: {v}" for k, v in exercises.items()),
        "mistakes": " ".join(f"{e}={m}" for e, m in mistakes),
        "problems": " | ".join(problems),
        "team": "; ".join(team),
        "team_filled": "yes",
        "runtime_s": "" if runtime is None else f"{runtime:.1f}",
        "slowest_cell": "cell 4 (2.0 s)" if runtime is not None else "",
    }


def write(path: Path, rows: list[dict], columns=COLUMNS) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, restval="", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def make_class(folder: Path, hints: dict[str, str]) -> tuple[list[Path], Truth]:
    truth = Truth()
    names = sorted({exercise_of(m) for m in hints}) + ["clean_exercise"]
    slices: list[list[dict]] = [[], []]
    count = 0

    def add(where, expected, exercises, **kwargs):
        nonlocal count
        count += 1
        runtime = None if kwargs.get("status") == "unreadable" else 10 + 0.5 * count
        kwargs.setdefault("status", "ok")
        status = kwargs.pop("status")
        block = kwargs.pop("block", None)
        slices[where].append(
            row(f"sub/{count:03d}.ipynb", status, exercises, runtime=runtime, **kwargs)
        )
        truth.submission(
            expected, exercises, kwargs.get("mistakes", ()), status, block, runtime=runtime
        )

    right = dict.fromkeys(names, "passed")
    for _ in range(5):
        add(0, names, right)
    for j, mistake in enumerate(sorted(hints)):  # every known mistake, 1 to 4 times
        exercise = exercise_of(mistake)
        for _ in range(1 + j % 4):
            add(j % 2, names, right | {exercise: "failed"}, mistakes=[(exercise, mistake)])
    for _ in range(2):  # wrong, and no known mistake explains it
        add(1, names, right | {"clean_exercise": "failed"})
    for _ in range(3):
        add(0, names, right | {names[0]: "not implemented"})
    add(1, names, {k: v for k, v in right.items() if k != names[0]})  # its cell deleted
    team_problem = "cell 3: team not filled in: replace or delete 'Student name 1'"
    for _ in range(2):
        add(0, names, right, status="blocked", blocking=1, problems=[team_problem],
            block="team cell not filled in")  # fmt: skip
    error = "cell 7 (`x = f()`): ValueError: boom"
    warning = "2 code cell(s) without outputs in the file (cells 3, 4): run all, then save"
    for _ in range(3):
        add(1, names, right | {"clean_exercise": "failed"}, status="blocked", blocking=1,
            problems=[error, warning], block="error: ValueError")  # fmt: skip
    timeout = "cell 9 (`train()`): stopped after 60 s (an endless loop?)"
    add(0, names, {}, status="blocked", blocking=1, problems=[timeout],
        block="a cell ran past the time limit")  # fmt: skip
    for _ in range(2):  # unreadable: no exercise re-checked, not done for every one
        add(1, names, {}, status="unreadable", blocking=1, problems=["not a notebook: JSON"],
            block="unreadable file")  # fmt: skip
    paths = [write(folder / f"slice{k}.csv", rows) for k, rows in enumerate(slices)]

    other = ["nb2_a", "nb2_b"]  # a second exercise notebook's CSV
    rows = []
    for k, (exercises, status) in enumerate(
        [
            ({"nb2_a": "passed", "nb2_b": "passed"}, "ok"),
            ({"nb2_a": "failed", "nb2_b": "passed"}, "ok"),
            ({}, "unreadable"),
        ]  # fmt: skip
    ):
        runtime = None if status == "unreadable" else 5.0 + k
        rows.append(row(f"nb2/{k}.ipynb", status, exercises, runtime=runtime, blocking=int(not exercises),
                        problems=["not a notebook"] if not exercises else []))  # fmt: skip
        truth.submission(other, exercises, (), status, "unreadable file" if not exercises else None,
                         runtime)  # fmt: skip
    paths.append(write(folder / "notebook2.csv", rows))
    return paths, truth


# ------------------------------------------------------------------------- reading the page


class Page(html.parser.HTMLParser):
    """The page's tables (id -> rows of cell texts), list items, tags and attributes."""

    def __init__(self, text: str):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.items: list[str] = []
        self.tags: Counter = Counter()
        self.attributes: list[tuple[str, str, str]] = []
        self._table = self._cell = self._item = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        self.attributes += [(tag, k, v or "") for k, v in attrs]
        if tag == "table":
            self._table = dict(attrs).get("id", "")
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "li":
            self._item = []

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "li" and self._item is not None:
            self.items.append("".join(self._item).strip())
            self._item = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._item is not None:
            self._item.append(data)

    def table(self, name: str) -> dict[str, list[str]]:
        """Rows by their first cell (the header row left out)."""
        return {r[0]: r[1:] for r in self.tables[name][1:]}


def report(tmp_path, paths, *args) -> tuple[str, Page]:
    out = tmp_path / "report.html"
    code = class_report.main([*map(str, paths), "--out", str(out), "--no-key", *args])
    assert code == 0
    text = out.read_text(encoding="utf-8")
    return text, Page(text)


# -------------------------------------------------------------------------------- the tests


def test_the_counts_in_the_page_are_the_truth(tmp_path, hints, capsys):
    paths, truth = make_class(tmp_path, hints)
    text, page = report(tmp_path, paths, "--top", "1000")
    assert f"wrote {tmp_path / 'report.html'}" in capsys.readouterr().out
    exercises = page.table("exercises")
    assert set(exercises) == set(truth.exercises)
    for name, want in truth.exercises.items():
        got = [int(v) for v in exercises[name][:5]]
        assert got == [want[k] for k in ("submissions", "passed", "wrong", "not done", "named")], (
            name
        )
    mistakes = {(r[1], r[0]): (int(r[2]), r[4]) for r in page.tables["mistakes"][1:]}
    assert {k: n for k, (n, _) in mistakes.items()} == dict(truth.mistakes)
    for (_, mistake), (_, hint) in mistakes.items():
        assert hint == hints[mistake]  # the hint students saw
    assert {k: int(v[0]) for k, v in page.table("blocked").items()} == dict(truth.blocked)
    runtimes = page.table("runtimes")
    assert int(runtimes["submissions run"][0]) == len(truth.runtimes)
    assert runtimes["median (s)"][0] == f"{statistics.median(truth.runtimes):.1f}"
    assert runtimes["slowest (s)"][0] == f"{max(truth.runtimes):.1f}"
    summary = re.sub(r"\s+", " ", text.split('id="summary">')[1].split("</p>")[0])
    n = sum(truth.statuses.values())
    assert f"{n} submissions from 3 CSV file(s)" in summary
    for status in ("ok", "blocked", "unreadable"):
        assert f"{truth.statuses[status]} {status}" in summary


def test_the_page_opens_with_the_mistakes_worth_reteaching(tmp_path, hints):
    paths, truth = make_class(tmp_path, hints)
    _, page = report(tmp_path, paths)
    ranked = sorted(truth.mistakes.items(), key=lambda item: (-item[1], item[0]))[:3]
    assert len(page.items) == 3
    for item, ((exercise, mistake), n) in zip(page.items, ranked, strict=True):
        assert item.startswith(f"{mistake} in {exercise}: {n} submission(s)"), item
        assert f"Hint shown: {hints[mistake]}" in item
    assert len(page.tables["mistakes"]) - 1 == min(10, len(truth.mistakes))  # --top 10


def test_without_known_mistakes_the_ids_are_shown(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "utils.checks", types.ModuleType("utils.checks"))
    paths, truth = make_class(tmp_path, STAND_IN)
    text, page = report(tmp_path, paths)
    assert "utils.checks.known_mistakes" in text and "shown by their ids" in text
    rows = page.tables["mistakes"][1:]
    assert rows and all(r[4] == "—" for r in rows)
    assert {r[0] for r in rows} <= set(STAND_IN)


def test_an_older_csv_without_the_new_columns_is_read(tmp_path):
    """No ``mistakes`` or ``team_fingerprint`` column, and only a few of the others."""
    columns = ["file", "status", "exercises", "runtime_s"]
    rows = [
        row("a.ipynb", "ok", {"f": "passed", "g": "failed"}, runtime=3.0),
        row("b.ipynb", "ok", {"f": "not implemented", "g": "passed"}, runtime=4.0),
    ]
    _, page = report(tmp_path, [write(tmp_path / "old.csv", rows, columns)])
    assert page.table("exercises") == {
        "f": ["2", "1", "0", "1", "0", "50 %"],
        "g": ["2", "1", "1", "0", "0", "50 %"],
    }
    assert "mistakes" not in page.tables and "blocked" not in page.tables


def broken(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.csv"
    good = ",".join(COLUMNS) + "\n"
    if kind == "latin1":
        path.write_bytes((good + "\xe9l\xe8ve.ipynb,ok\n").encode("latin-1"))
    elif kind == "empty":
        path.write_text("")
    elif kind == "header":
        path.write_text("name,grade\nAda,20\n")
    elif kind == "extra":
        path.write_text("file,status\na.ipynb,ok,surprise\n")
    elif kind == "short":
        path.write_text("file,status,exercises\na.ipynb\n")
    elif kind == "status":
        path.write_text("file,status\na.ipynb,brilliant\n")
    elif kind == "runtime":
        path.write_text("file,status,runtime_s\na.ipynb,ok,fast\n")
    elif kind == "nul":
        path.write_bytes(b"file,status\na\x00.ipynb,ok\n")
    elif kind == "folder":
        path.mkdir()
    return path


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("latin1", "not UTF-8 text"),
        ("empty", "empty; expected a header line"),
        ("header", "no column file, status in its header"),
        ("extra", "line 2: 3 fields, the header has 2"),
        ("short", "line 2: 1 fields, the header has 3"),
        ("status", "status 'brilliant' is not one of ok, warnings, blocked, unreadable"),
        ("runtime", "runtime_s must be a number; found 'fast'"),
        ("nul", "holds NUL bytes"),
        ("folder", "a folder, not a CSV file"),
        ("missing", "no such file"),
    ],
)
def test_a_malformed_csv_gets_an_error_naming_it(tmp_path, capsys, kind, message):
    good = write(tmp_path / "good.csv", [row("a.ipynb", "ok", {"f": "passed"})])
    bad = broken(tmp_path, kind)
    out = tmp_path / "report.html"
    assert class_report.main([str(good), str(bad), "--out", str(out), "--no-key"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}") and message in err, err
    assert not out.exists()


def test_a_notebook_in_two_slices_is_an_error(tmp_path, capsys):
    first = write(tmp_path / "a.csv", [row("x.ipynb", "ok", {"f": "passed"})])
    second = write(tmp_path / "b.csv", [row("x.ipynb", "ok", {"f": "passed"})])
    assert class_report.main([str(first), str(second), "--no-key", "--out", "r.html"]) == 2
    assert "x.ipynb is also in" in capsys.readouterr().err


def hostile_class(tmp_path) -> Path:
    rows = [
        row(
            f"{HOSTILE}.ipynb",
            "blocked",
            {HOSTILE_ATTR: "failed", "f": f"{HOSTILE}"},
            mistakes=[(HOSTILE_ATTR.replace(" ", ""), "<b>bold</b>")],
            problems=[f"cell 2: {HOSTILE} {HOSTILE_ATTR}"],
            blocking=1,
            team=[HOSTILE, HOSTILE_ATTR],
            runtime=2.0,
        )
    ]
    rows[0]["key_bayes_risk"] = HOSTILE_ATTR
    return write(tmp_path / "hostile.csv", rows, COLUMNS + ["key_bayes_risk"])


def test_hostile_fields_are_text_never_markup(tmp_path):
    text, page = report(tmp_path, [hostile_class(tmp_path)])
    assert page.tags["script"] == 0 and "<b>" not in text
    assert page.tags["img"] == len(re.findall(r'<img src="data:image/png;base64,', text))
    for tag, name, value in page.attributes:
        assert not name.startswith("on"), (tag, name, value)
        if name in ("src", "href"):
            assert value.startswith("data:"), (tag, name, value)
    assert "&lt;script&gt;window.__pwned" in text  # shown, as text
    csp = next(v for t, k, v in page.attributes if t == "meta" and k == "content" and "src" in v)
    assert "script-src" not in csp and "default-src 'none'" in csp


def test_anonymous_pages_name_no_one(tmp_path, hints):
    paths, _ = make_class(tmp_path, hints)
    zed = row("zed.ipynb", "ok", {"z": "passed"}, team=["Zoé Zèbre", "Yann Yak"], runtime=1.0)
    fingerprinted = write(tmp_path / "fp.csv", [zed | {"team_fingerprint": "1a2b3c4d"}])
    text, page = report(tmp_path, [*paths, fingerprinted], "--anonymous")
    for word in ("Ada", "Lovelace", "Zoé", "Yann", "sub/0", "zed.ipynb", "nb2/"):
        # a whole word: the real hints may speak of Adam, the optimizer
        assert not re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text), word
    assert "team 1a2b3c4d" in page.table("teams")
    assert list(page.table("slowest"))[0] == "submission 1"


def test_key_numbers_from_the_csv_or_the_answer_key(tmp_path, monkeypatch):
    rows = [
        row("a.ipynb", "ok", {"f": "passed"}, team=["Ada Lovelace", "Alan Turing"])
        | {"key_bayes_risk": "0.1234 ± 0.0008"},
        row("b.ipynb", "ok", {"f": "passed"}, team=["Grace Hopper", "Edsger Dijkstra"]),
        row("c.ipynb", "blocked", {"f": "passed"}, team=["Student name 1"]) | {"team_filled": "no"},
    ]
    path = write(tmp_path / "keys.csv", rows, COLUMNS + ["key_bayes_risk"])
    asked = []

    def key(names):
        asked.append(list(names))
        return {"key_bayes_risk": "0.2000 ± 0.0010", "approximation error": "0.0500"}

    monkeypatch.setattr(class_report, "team_key_numbers", key)
    out = tmp_path / "r.html"
    assert class_report.main([str(path), "--out", str(out)]) == 0
    teams = Page(out.read_text(encoding="utf-8")).table("teams")
    assert asked == [["Grace Hopper", "Edsger Dijkstra"]]  # the CSV's numbers are not recomputed
    assert teams["Ada Lovelace, Alan Turing"] == ["1", "0.1234 ± 0.0008", "", "CSV"]
    assert teams["Grace Hopper, Edsger Dijkstra"] == [
        "1",
        "0.2000 ± 0.0010",
        "0.0500",
        "answer key",
    ]
    assert len(teams) == 2  # a team not filled in is no team


def test_team_key_numbers_asks_the_answer_key(monkeypatch):
    key = types.ModuleType("utils.course.answer_key")
    key.key_numbers = lambda names: {
        "Bayes risk R*": (0.1234, 0.0008),
        "excess risk, logistic, N = 50": [0.0955, 0.0572, 0.12],
        "best line": 0.25,
    }
    monkeypatch.setitem(sys.modules, "utils.course.answer_key", key)
    assert class_report.team_key_numbers(["Ada Lovelace", "Alan Turing"]) == {
        "Bayes risk R*": "0.1234 ± 0.0008",
        "excess risk, logistic, N = 50": "0.0955 [0.0572, 0.1200]",
        "best line": "0.2500",
    }


def test_team_key_numbers_tolerates_no_key(monkeypatch):
    """A student tree: no answer key, no lab tools: None, and the page says so."""
    for name in ("utils.course.answer_key", "utils.course.lab_key", "utils.lab_tools"):
        monkeypatch.setitem(sys.modules, name, None)  # an import of it fails
    assert class_report.team_key_numbers(["Ada Lovelace", "Alan Turing"]) is None


def test_the_command_line_runs_without_torch(tmp_path):
    """``python -m utils.course.class_report`` writes the page; with --no-key, neither the
    import nor the whole run needs torch (beyond what ``import utils`` itself loads)."""
    path = write(tmp_path / "s.csv", [row("a.ipynb", "ok", {"f": "passed"}, runtime=1.0)])
    out = tmp_path / "r.html"
    code = (
        "import runpy, sys, utils\n"
        "before = 'torch' in sys.modules\n"
        f"sys.argv = ['class_report', {str(path)!r}, '--out', {str(out)!r}, '--no-key']\n"
        "try:\n"
        "    runpy.run_module('utils.course.class_report', run_name='__main__', alter_sys=True)\n"
        "except SystemExit as exc:\n"
        "    print('exit', exc.code, before or 'torch' not in sys.modules)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert run.stdout.split()[-3:] == ["exit", "0", "True"], run.stdout + run.stderr
    assert out.is_file() and "wrote" in run.stdout


# ----------------------------------------------------------------------------- the browser


@pytest.fixture(scope="module")
def browser(chromium):
    """The session's headless Chromium (tests/conftest.py)."""
    return chromium


def open_page(browser, path: Path) -> list[str]:
    from selenium.common.exceptions import NoAlertPresentException

    browser.get_log("browser")  # drop what an earlier page logged
    browser.get(path.as_uri())
    try:
        alert = browser.switch_to.alert
        text = alert.text
        alert.dismiss()
        pytest.fail(f"the page raised an alert: {text}")
    except NoAlertPresentException:
        pass
    return [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def test_the_page_opens_in_a_browser_without_error(tmp_path, hints, browser):
    paths, _ = make_class(tmp_path, hints)
    report(tmp_path, paths)
    errors = open_page(browser, tmp_path / "report.html")
    assert not errors, errors
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.complete, i.naturalWidth])"
    )
    # exercises, mistakes, what blocked, run times (no key numbers with --no-key)
    assert len(images) == 4 and all(done and width > 100 for done, width in images), images
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert all(name.startswith("data:") for name in resources), resources
    headings = browser.execute_script(
        "return Array.from(document.querySelectorAll('h2')).map(h => h.textContent)"
    )
    assert headings[0] == "Re-teach first"


def test_a_hostile_field_does_not_run_in_the_browser(tmp_path, browser):
    report(tmp_path, [hostile_class(tmp_path)])
    open_page(browser, tmp_path / "report.html")  # an alert fails the test
    assert browser.execute_script("return window.__pwned === undefined")
    assert browser.execute_script("return document.querySelectorAll('script').length") == 0
    body = browser.execute_script("return document.body.innerText")
    assert HOSTILE in body  # the field is there, as text
