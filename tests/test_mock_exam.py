"""The mock exam (notebooks/08_mock_exam.ipynb): its points add up, and it prints.

The fast tests read the notebook: 4 to 6 questions whose points add up to 20, each with the
points of its parts adding up to the question's, a folded answer with a marking scheme, and code
cells that only check numbers. The print test builds the exam's page of the readers' edition
(`utils.course.site`, that page only), opens it in Debian's headless Chromium and prints it to
PDF (`driver.print_page()`), then checks the PDF: A4 pages, a page count a student would accept,
and, with poppler's `pdftotext`, the questions' text on the paper. It skips with the reason
without Chromium, its driver, selenium or MathJax (`python -m utils.site install-mathjax`).
"""

from __future__ import annotations

import base64
import functools
import http.server
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path
from urllib.parse import urlunsplit

import nbformat
import pytest

from tests import notebook_runs
from utils.course import site
from utils.notebooks import read_notebook

ROOT = Path(__file__).resolve().parent.parent
EXAM = ROOT / "notebooks" / "08_mock_exam.ipynb"
QUESTION = re.compile(r"^## Question (\d+) · (.+) \((\d+) points?\)\s*$", re.M)
PART = re.compile(r"\((\d+(?:\.\d+)?) pts?\)")


def exam_problems(nb: nbformat.NotebookNode) -> list[str]:
    """What is wrong with a mock exam notebook, one sentence each (empty: nothing)."""
    problems: list[str] = []
    questions = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        m = QUESTION.search(cell.source)
        if not m:
            continue
        number, title, points = int(m.group(1)), m.group(2), int(m.group(3))
        statement, _, answer = cell.source.partition("<details>")
        parts = [float(p) for p in PART.findall(statement)]
        questions.append((number, title, points))
        if abs(sum(parts) - points) > 1e-9:
            problems.append(
                f"question {number}: its parts give {sum(parts):g} points, not {points}"
            )
        if "Answer and marking scheme" not in answer or "Scheme:" not in answer:
            problems.append(f"question {number}: no folded answer with a marking scheme")
        if "</details>" not in answer:
            problems.append(f"question {number}: the <details> of the answer is not closed")
    if not 4 <= len(questions) <= 6:
        problems.append(f"{len(questions)} questions; a mock exam has 4 to 6")
    if [q[0] for q in questions] != list(range(1, len(questions) + 1)):
        problems.append(f"questions numbered {[q[0] for q in questions]}, not 1, 2, 3, ...")
    total = sum(q[2] for q in questions)
    if total != 20:
        problems.append(f"the questions give {total} points in all, not 20")
    for i, cell in enumerate(nb.cells[3:], start=3):  # after the title, setup and seed cells
        if (
            cell.cell_type == "code"
            and "assert" not in cell.source
            and "seed_everything" not in cell.source
        ):
            problems.append(
                f"cell {i} is code that checks nothing: the exam's code cells check numbers"
            )
    return problems


def test_the_mock_exam_is_well_formed():
    assert exam_problems(read_notebook(EXAM)) == []


def test_the_form_check_catches_wrong_points():
    nb = read_notebook(EXAM)
    first = next(c for c in nb.cells if c.cell_type == "markdown" and QUESTION.search(c.source))
    first.source = QUESTION.sub(
        lambda m: m.group(0).replace(m.group(3) + " point", "7 point"), first.source, count=1
    )
    found = exam_problems(nb)
    assert any("its parts give" in p for p in found), found
    assert any("not 20" in p for p in found), found


# ----------------------------------------------------------------------------------------------
# The printed page
# ----------------------------------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def exam_page(tmp_path_factory, chromium) -> Path:
    """The exam's page, built once the session's headless Chromium (tests/conftest.py) is known
    to run: without it the test skips before building anything."""
    try:
        mathjax = site.find_mathjax()
    except site.SiteError as exc:
        pytest.skip(str(exc))
    pages = [p for p in site.plan(ROOT) if p.html_name == "08_mock_exam.html"]
    assert pages, "the site has no page for notebooks/08_mock_exam.ipynb"
    out = tmp_path_factory.mktemp("site")
    run = notebook_runs.run(pages[0].source)  # the session's one run of the notebook
    assert run.error is None, run.error
    built = site.Site(out=out, pages=[site.Built(pages[0], run.notebook, run.seconds)])
    site.render(built, ROOT, mathjax)
    return out / pages[0].html_name


@pytest.fixture(scope="module")
def printed_pdf(exam_page, chromium) -> bytes:
    from selenium.webdriver.common.print_page_options import PrintOptions

    handler = functools.partial(_QuietHandler, directory=str(exam_page.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    driver = chromium
    try:
        host, port = server.server_address[:2]
        driver.get(urlunsplit(("http", f"{host}:{port}", "/" + exam_page.name, "", "")))
        typeset = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "(window.MathJax && MathJax.startup ? MathJax.startup.promise : Promise.reject())"
            ".then(() => done(true), () => done(false));"
        )
        assert typeset, "MathJax did not typeset the exam page"
        opts = PrintOptions()
        opts.page_width, opts.page_height = 21.0, 29.7  # A4, in cm
        pdf = base64.b64decode(driver.print_page(opts))
    finally:
        server.shutdown()
        server.server_close()
    artifacts = Path(os.environ.get("DLB_ARTIFACTS") or ROOT / "test-artifacts") / "site"
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "08_mock_exam.pdf").write_bytes(pdf)
    return pdf


def _page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """The size of every page object, in points (Chromium writes page objects uncompressed; a
    page without a MediaBox of its own inherits the one of its /Pages tree)."""
    box = re.compile(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)")
    objects = pdf.split(b"endobj")
    tree = next((o for o in objects if re.search(rb"/Type\s*/Pages\b", o)), b"")
    sizes = []
    for obj in objects:
        if re.search(rb"/Type\s*/Page(?![A-Za-z])", obj):
            m = box.search(obj) or box.search(tree)
            if m is None:
                raise AssertionError("a printed page has no MediaBox")
            x0, y0, x1, y1 = (float(v) for v in m.groups())
            sizes.append((x1 - x0, y1 - y0))
    return sizes


def test_the_mock_exam_prints_legibly(printed_pdf):
    assert printed_pdf.startswith(b"%PDF-"), "print_page did not return a PDF"
    sizes = _page_sizes(printed_pdf)
    # A4 is 595 x 842 points; 20 points to a question's worth of text: 2 to 12 pages is sane,
    # 1 page means the questions were cut, more than 12 a layout that wastes paper.
    assert 2 <= len(sizes) <= 12, f"{len(sizes)} printed pages"
    assert all(abs(w - 595) < 3 and abs(h - 842) < 3 for w, h in sizes), sizes
    nb = read_notebook(EXAM)
    titles = [
        m.group(2)
        for c in nb.cells
        if c.cell_type == "markdown"
        for m in QUESTION.finditer(c.source)
    ]
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip(
            "pdftotext (Debian's poppler-utils) is not installed: page sizes checked, text not"
        )
    text = subprocess.run(
        [pdftotext, "-layout", "-", "-"],
        input=printed_pdf,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode("utf-8", "replace")
    flat = " ".join(text.split())
    for number, title in enumerate(titles, start=1):
        assert f"Question {number}" in flat and title.split(" (")[0] in flat, (
            f"question {number} is not on paper"
        )
    assert "Answer and marking scheme" in flat  # the folded answers show their summary line
