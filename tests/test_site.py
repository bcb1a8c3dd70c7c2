"""The readers' edition (`utils.course.site`): built once, then read in headless Chromium.

The browser tests build the whole site (from the session's one run of every notebook,
tests/notebook_runs.py, which the notebook test and the sliders' test share), serve it on
127.0.0.1 and open every page in Debian's Chromium with every other host unreachable. They need
`chromium` and `chromium-driver` (apt) and MathJax (`python -m utils.site install-mathjax`);
`.ci/run` installs all three. Without them the browser tests skip, except under `CI=true`, where
they fail. Screenshots (1200 px wide) go to `$DLB_ARTIFACTS/site/`, else `test-artifacts/site/`.
"""

from __future__ import annotations

import functools
import html
import http.server
import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlunsplit

import nbformat
import pytest

from tests import notebook_runs
from tests.conftest import chromium_missing
from utils.course import site

# A test tool of requirements.txt that Colab lacks (the Colab twin skips this file).
pytest.importorskip("selenium", reason="selenium is not installed")
from utils.notebooks import (
    SETUP_METADATA,
    read_course,
    read_notebook,
    series_notebooks,
    setup_source,
)

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI") == "true"
COURSE = read_course(ROOT)
PAGES = site.plan(ROOT)  # reads the notebooks' title cells only: nothing runs at collection
PAGE_NAMES = ["index.html"] + [page.html_name for page in PAGES]
RAW_MATH = re.compile(r"\$\$|\$[^$\s][^$]*\$|\\\(|\\\[")


def _artifacts() -> Path:
    base = os.environ.get("DLB_ARTIFACTS")
    folder = Path(base) / "site" if base else ROOT / "test-artifacts" / "site"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _require(ok: bool, reason: str) -> None:
    """Skip without what the browser tests need; under CI=true, fail instead."""
    if not ok:
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: the browser test must run; .ci/run installs it)")
        pytest.skip(reason)


# ----------------------------------------------------------------------------------------------
# Fast tests: no execution, no browser
# ----------------------------------------------------------------------------------------------


def test_plan_shows_the_student_edition_of_the_graded_lab_only():
    graded = [page for page in PAGES if page.student]
    assert [Path(page.relpath).name for page in graded] == ["07_graded_lab.ipynb"]
    lab = graded[0]
    assert lab.relpath == "notebooks/exercises/07_graded_lab.ipynb"
    assert [label for label, _ in lab.colab] == ["Exercises"]
    assert all("/notebooks/exercises/" in url for _, url in lab.colab)
    for page in PAGES:
        if not page.student:
            assert page.relpath == f"notebooks/{Path(page.relpath).name}", page.relpath
            assert [label for label, _ in page.colab] == ["Exercises", "Solutions"]
    assert len(PAGES) == len(series_notebooks(ROOT))


def _tiny_repo(root: Path, exercise_source: str) -> Path:
    """A repository with one graded lab, whose student edition holds ``exercise_source``."""
    (root / "notebooks" / "exercises").mkdir(parents=True)
    (root / "course.json").write_text('{"repo": "o/n", "ref": "main"}', encoding="utf-8")
    for folder, code in (("notebooks", "x = 1"), ("notebooks/exercises", exercise_source)):
        nb = nbformat.v4.new_notebook()
        nb.cells = [
            nbformat.v4.new_markdown_cell("# 00 · Graded lab: a test\n\n*One line.*"),
            nbformat.v4.new_code_cell(code),
        ]
        nbformat.write(nb, root / folder / "00_graded_lab.ipynb")
    return root


def test_plan_refuses_a_student_edition_that_holds_solutions(tmp_path):
    good = site.plan(_tiny_repo(tmp_path / "good", "x = 1"))
    assert [(p.relpath, p.student, p.summary) for p in good] == [
        ("notebooks/exercises/00_graded_lab.ipynb", True, "One line.")
    ]
    leaked = _tiny_repo(tmp_path / "bad", "def f():\n    # BEGIN SOLUTION\n    return 1")
    with pytest.raises(site.SiteError, match="solution block.*python -m utils.release"):
        site.plan(leaked)


def test_rewrite_links_points_notebooks_at_pages_and_files_at_github():
    body = (
        '<a href="02_bayes_decision_rule.ipynb#Summary">02</a>'
        '<a href="../utils/plots.py">plots</a>'
        '<a href="#Learning-goals">here</a>'
        '<a href="https://example.org/docs?a=1&amp;b=2">docs</a>'
        '<img src="https://colab.research.google.com/assets/colab-badge.svg">'
    )
    pages = {"02_bayes_decision_rule.ipynb": "02_bayes_decision_rule.html"}
    out = site.rewrite_links(body, "notebooks/01_x.ipynb", pages, "o/n", "main")
    assert 'href="02_bayes_decision_rule.html#Summary"' in out
    assert 'href="https://github.com/o/n/blob/main/utils/plots.py"' in out
    assert 'href="#Learning-goals"' in out
    assert 'href="https://example.org/docs?a=1&amp;b=2"' in out
    assert "colab.research.google.com/assets" not in out
    assert 'src="assets/colab-badge.svg"' in out


def test_copy_local_images_brings_repository_images_into_the_site(tmp_path):
    root, out = tmp_path / "repo", tmp_path / "out"
    (root / "notebooks" / "figures").mkdir(parents=True)
    (root / "notebooks" / "figures" / "x.png").write_bytes(b"png")
    body = (
        '<img alt="x" src="figures/x.png"/><img src="figures/missing.png">'
        '<img src="data:image/png;base64,AA=="><img src="../../outside.png">'
    )
    out_body = site.copy_local_images(body, root / "notebooks", root, out)
    assert '<img alt="x" src="files/notebooks/figures/x.png"/>' in out_body
    assert (out / "files" / "notebooks" / "figures" / "x.png").read_bytes() == b"png"
    assert 'src="figures/missing.png"' in out_body  # left as it was: the browser test catches it
    assert 'src="data:image/png;base64,AA=="' in out_body
    assert 'src="../../outside.png"' in out_body


def _widget_notebook() -> site.Built:
    """An executed notebook with an interact widget, a progress bar and a failing cell."""
    state = {
        "slider-box": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_s"]}},
        "s": {"model_name": "FloatSliderModel", "state": {}},
        "bar-box": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_p"]}},
        "p": {"model_name": "FloatProgressModel", "state": {}},
    }
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {site.WIDGET_STATE: {"state": state}}
    view = "application/vnd.jupyter.widget-view+json"
    slider = nbformat.v4.new_code_cell("interact(f, a=FloatSlider())")
    slider.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={view: {"model_id": "slider-box"}, "text/plain": "interactive(children=...)"},
        )
    ]
    bar = nbformat.v4.new_code_cell("fit(...)")
    bar.outputs = [
        nbformat.v4.new_output(
            "display_data", data={view: {"model_id": "bar-box"}, "text/plain": "HBox(...)"}
        ),
        nbformat.v4.new_output("stream", name="stdout", text="epoch 1: loss 0.5\n"),
    ]
    failing = nbformat.v4.new_code_cell("A = task()")
    failing.outputs = [
        nbformat.v4.new_output(
            "error", ename="NotImplementedError", evalue="Exercise task: <do it>", traceback=[]
        )
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# 07 · Lab"), slider, bar, failing]
    page = next(p for p in PAGES if p.student)  # the graded lab's student edition
    return site.Built(page=page, notebook=nb, seconds=0.0)


def test_for_readers_turns_widgets_and_pending_tasks_into_notes():
    built = _widget_notebook()
    nb = site.for_readers(built)
    slider, bar, failing = nb.cells[1:]
    assert len(slider.outputs) == 1
    note = slider.outputs[0].data["text/html"]
    assert "Interactive controls" in note and "colab.research.google.com" in note
    assert "interactive(children" not in str(nb)  # no widget repr shown as text
    assert [o.output_type for o in bar.outputs] == ["stream"]  # the progress bar goes
    assert (
        "NotImplementedError: Exercise task: &lt;do it&gt;" in failing.outputs[0].data["text/html"]
    )
    assert "widgets" not in nb.metadata
    assert built.notebook.cells[1].outputs[0].output_type == "display_data"  # a copy


def test_the_setup_cell_shows_its_printed_line_and_folds_its_code():
    setup = nbformat.v4.new_code_cell(setup_source(COURSE["student_repo"], COURSE["ref"]))
    setup.metadata = dict(SETUP_METADATA)
    setup.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="Setup: local repository · cpu\n")
    ]
    other = nbformat.v4.new_code_cell("x = 1  # an ordinary cell")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 00 · Title"), setup, other]
    body, _ = site._exporter().from_notebook_node(
        site.for_readers(site.Built(page=PAGES[0], notebook=nb, seconds=0.0))
    )
    folded = re.search(r'<details class="dlb-setup">(.*?)</details>', body, re.S)
    assert folded, "the setup cell's code is not folded"
    assert "REPO" in folded.group(1) and "Setup: local repository" not in folded.group(1)
    assert "Setup: local repository" in body[folded.end() :]  # its printed line shows
    assert body.count('class="dlb-setup"') == 1 and "an ordinary cell" not in folded.group(1)


def test_build_fails_clearly_without_mathjax(tmp_path):
    cmd = [sys.executable, "-m", "utils.site", "build", "--out", str(tmp_path / "out")]
    cmd += ["--mathjax", str(tmp_path / "no-mathjax")]
    result = subprocess.run(
        cmd, cwd=ROOT, capture_output=True, text=True, timeout=600
    )  # a stall guard
    assert result.returncode == 2, result.stderr
    assert "MathJax 3 not found" in result.stderr
    assert "python -m utils.site install-mathjax" in result.stderr
    assert not (tmp_path / "out").exists()  # it fails before executing anything


# ----------------------------------------------------------------------------------------------
# The site in a browser
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> site.Site:
    missing = chromium_missing()
    _require(missing is None, missing or "")
    try:
        site.find_mathjax()
    except site.SiteError as exc:
        _require(False, str(exc))
    out = tmp_path_factory.mktemp("site")
    return site.build(out, root=ROOT, jobs=2, executed=_executed_once)


def _executed_once(pages: list[site.Page]) -> list[site.Built]:
    """The pages' notebooks as the session ran them once (tests/notebook_runs.py): the notebook
    test and the sliders' test reuse the same runs; only the lab's student edition is new."""
    built = []
    for page in pages:
        result = notebook_runs.run(page.source, allow_errors=page.student)
        if result.error:
            pytest.fail(f"{page.relpath} failed while running:\n{result.error}")
        built.append(site.Built(page=page, notebook=result.notebook, seconds=result.seconds))
    return built


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def base_url(built_site):
    handler = functools.partial(_QuietHandler, directory=str(built_site.out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield urlunsplit(("http", f"{host}:{port}", "/", "", ""))
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(base_url, request):
    """The session's headless Chromium (tests/conftest.py), once the site is served: asked for
    here, not as an argument (pytest sets a session fixture up before module ones), so that
    built_site's check comes first and fails under CI=true instead of skipping."""
    return request.getfixturevalue("chromium")


_STATUS: dict[str, tuple[int, str]] = {}


def _fetch(url: str) -> tuple[int, str]:
    if url not in _STATUS:
        try:
            with urllib.request.urlopen(url, timeout=120) as response:
                _STATUS[url] = (response.status, response.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as exc:
            _STATUS[url] = (exc.code, "")
    return _STATUS[url]


def _open(browser, url: str) -> None:
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.get(url)
    browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const images = Array.from(document.images).map(img => img.complete ? null :
            new Promise(ok => { img.onload = img.onerror = ok; })).filter(Boolean);
        const maths = window.MathJax && MathJax.startup ? MathJax.startup.promise : null;
        Promise.all([...images, maths]).then(() => done(true), () => done(false));
        """
    )


def _screenshot(browser, name: str) -> Path:
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1200, "height": min(int(height), 16000), "deviceScaleFactor": 1, "mobile": False},
    )
    path = _artifacts() / f"{Path(name).stem}.png"
    browser.save_screenshot(str(path))
    return path


_TEXT_OUTSIDE_MATHS_AND_CODE = """
const skip = "pre, code, script, style, mjx-container, .highlight";
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
  acceptNode: n => n.parentElement.closest(skip) ? NodeFilter.FILTER_REJECT
                                                 : NodeFilter.FILTER_ACCEPT});
const parts = [];
while (walker.nextNode()) parts.push(walker.currentNode.nodeValue);
return parts.join(" ");
"""


def _markdown_has_maths(nb: nbformat.NotebookNode) -> bool:
    return any(cell.cell_type == "markdown" and RAW_MATH.search(cell.source) for cell in nb.cells)


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_page_in_a_browser(name, built_site, base_url, browser):
    url = base_url + name
    _open(browser, url)
    shot = _screenshot(browser, name)
    assert shot.stat().st_size > 0

    # 1. Loaded, from the site only, without console errors.
    assert browser.execute_script("return document.readyState") == "complete"
    errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, f"{name}: console errors:\n" + "\n".join(errors)
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    outside = [r for r in resources if not r.startswith(base_url)]
    assert not outside, f"{name} loads from outside the site: {outside}"

    # 2. Every image loaded; every figure of the notebook is on the page.
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.currentSrc.slice(0, 60), i.naturalWidth,"
        " !!i.closest('.jp-OutputArea-output')])"
    )
    broken = [src for src, width, _ in images if not width]
    assert not broken, f"{name}: images that did not load: {broken}"
    built = {b.page.html_name: b for b in built_site.pages}.get(name)
    if built is not None:
        figures = sum(in_output for _, _, in_output in images)
        expected = site.image_outputs(built.notebook)
        assert figures == expected, f"{name}: {figures} figures shown, {expected} drawn"

    # 3. Maths: typeset by MathJax (shipped with the site), nothing left raw, no TeX error.
    assert browser.execute_script("return !!(window.MathJax && MathJax.version)"), (
        f"{name}: MathJax did not load"
    )
    text = browser.execute_script(_TEXT_OUTSIDE_MATHS_AND_CODE)
    raw = RAW_MATH.findall(text)
    assert not raw, f"{name}: maths left as raw TeX: {raw[:5]}"
    tex_errors = browser.execute_script(
        "return Array.from(document.querySelectorAll('mjx-merror'))"
        ".map(e => e.getAttribute('data-mjx-error') || e.textContent)"
    )
    assert not tex_errors, f"{name}: TeX errors: {tex_errors}"
    if built is not None and _markdown_has_maths(built.notebook):
        count = browser.execute_script("return document.querySelectorAll('mjx-container').length")
        assert count > 0, f"{name}: the notebook has maths but no formula was typeset"

    # 4. Every internal link works (the page exists, and so does the anchor it names).
    hrefs = browser.execute_script(
        "return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"
    )
    internal = sorted({h for h in hrefs if h.startswith(base_url)})
    assert any(h.endswith(".html") for h in internal), f"{name}: no links to the other pages"
    for href in internal:
        target, fragment = urldefrag(href)
        status, body = _fetch(target)
        assert status == 200, f"{name}: link {href} answers {status}"
        if fragment:
            ids = {html.unescape(i) for i in re.findall(r'\bid="([^"]+)"', body)}
            # As a browser does: the fragment as written, or percent-decoded.
            found = fragment in ids or unquote(fragment) in ids
            assert found, f"{name}: link {href}: no element with that id"

    # 5. Navigation: a graded lab shows no solution, other pages show the complete edition.
    if built is not None and built.page.student:
        _assert_no_solution(browser.find_element("tag name", "body").text, built.page)


def _solution_lines(path: Path) -> list[str]:
    """The lines between the solution markers of a complete notebook, code and markdown."""
    lines, inside = [], False
    for cell in read_notebook(path).cells:
        for line in cell.source.split("\n"):
            stripped = line.strip()
            if stripped in ("# BEGIN SOLUTION", "<!-- BEGIN SOLUTION -->"):
                inside = True
            elif stripped in ("# END SOLUTION", "<!-- END SOLUTION -->"):
                inside = False
            elif inside and stripped:
                lines.append(stripped)
    return lines


def _assert_no_solution(page_text: str, page: site.Page) -> None:
    complete = ROOT / "notebooks" / Path(page.relpath).name
    student_text = "\n".join(cell.source for cell in read_notebook(ROOT / page.relpath).cells)
    solutions = _solution_lines(complete)
    assert solutions, f"{complete.name} has no solution blocks: nothing to check"
    # A line that the student edition also has (``return x``) is not a secret.
    secret = [line for line in solutions if line not in student_text]
    shown = [line for line in secret if line in page_text]
    assert not shown, f"{page.html_name} shows solution lines: {shown[:5]}"
    assert "BEGIN SOLUTION" not in page_text


def test_site_layout(built_site):
    out = built_site.out
    names = sorted(p.name for p in out.glob("*.html"))
    assert names == sorted(PAGE_NAMES)
    assert (out / "assets" / "mathjax" / "tex-chtml-full.js").is_file()
    assert any((out / "assets" / "mathjax" / "output" / "chtml" / "fonts").rglob("*.woff"))
    for name in names:
        text = (out / name).read_text(encoding="utf-8")
        external = re.findall(
            r'<(?:script|link|img)\b[^>]*(?:src|href)="(?:https?:)?//[^"]*"', text
        )
        assert not external, f"{name} refers to resources outside the site: {external[:3]}"
    home = (out / "index.html").read_text(encoding="utf-8")
    for page in PAGES:
        assert f'href="{page.html_name}"' in home
        for _, colab_url in page.colab:
            assert html.escape(colab_url) in home
    course = read_course(ROOT)
    for lab in (page for page in PAGES if page.student):
        solutions = f"blob/{course['ref']}/notebooks/{Path(lab.relpath).name}"
        assert solutions not in home, "the graded lab's Solutions badge is on the home page"
        assert html.escape(dict(lab.colab)["Exercises"]) in home
