"""The readers' edition: the series executed and published as a static website.

Usage::

    python -m utils.site install-mathjax     # once per machine: MathJax from the npm registry
    python -m utils.site build --out DIR     # executes every notebook, writes DIR/index.html ...

``build`` executes every notebook of the complete edition, except a graded lab, whose **student**
edition it executes instead (no lab solutions on a public site; errors where a task is not done
yet show as a short note), and writes to DIR one page per notebook (prose, maths, code and every
output: figures, printed numbers, the checks' verdicts), previous/next links and a sidebar, plus a
home page with the series' table and its Colab badges. Widget outputs (sliders, progress bars)
need a live kernel: they are replaced by a note, and the static figure the notebook draws beside
each slider stays. Nothing on a page loads anything from the network.

Tool choice. nbconvert's HTML exporter renders the cells (it is the Jupyter project's own
renderer: it follows the notebook format, its output types and its markdown-with-maths rules as
they evolve) and nbclient executes them, several kernels at once (``--jobs``, default 2);
both are pure Python and already needed by the test suite. Around them this module adds only a
page layout, a stylesheet and a generated index: a few hundred lines that build offline in one
step. Sphinx with myst-nb and a book theme would also work offline, but brings a documentation
system (configuration, a theme with its own release cycle, a second markdown dialect) for eight
pages; Jupyter Book 2 and Quarto fetch themes or binaries at build or install time.

Maths. MathJax 3 (``mathjax`` on the npm registry, pinned below) is copied into DIR and typesets
the pages in the reader's browser, without any network: the same TeX dialect as Jupyter and Colab.
``install-mathjax`` puts it into a cache outside the repository; ``build`` fails with that command
in its message when it is missing. ``--mathjax DIR`` or ``DLB_MATHJAX`` point at another copy.

Executing on a machine without network: the digits notebook uses scikit-learn's 8×8 digits
(``DLB_DIGITS=sklearn``) unless ``DLB_DIGITS`` says otherwise.
"""

from __future__ import annotations

import argparse
import html
import json
import multiprocessing
import os
import posixpath
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import jinja2
import nbformat

from utils.course.html_page import html_head
from utils.course.kernel import notebook_client
from utils.course.notebooks import (
    BADGE_IMAGE,
    BADGE_LINE,
    SETUP_FIRST_LINE,
    badge_line,
    read_course,
    read_notebook,
    series_notebooks,
    title_and_summary,
)

MATHJAX_VERSION = "3.2.2"
MATHJAX_ENV = "DLB_MATHJAX"
MATHJAX_ENTRY = "es5/tex-chtml-full.js"
# What the pages use of the npm package (its es5/ folder): the combined TeX-to-HTML component,
# its fonts, and what its menu loads on demand (accessibility, speech).
MATHJAX_PARTS = ("tex-chtml-full.js", "output/chtml/fonts/woff-v2", "a11y", "sre", "ui")

ASSETS = Path(__file__).with_name("site_assets")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")
DEFAULT_CELL_TIMEOUT = 300
GENERATOR = '<meta name="generator" content="utils.site">'  # marks the pages a build wrote
HEAD_ELEMENTS = (  # every page's head, after the charset and viewport (`html_head`)
    GENERATOR,
    '<link rel="icon" href="assets/favicon.svg" type="image/svg+xml">',
    '<link rel="stylesheet" href="assets/site.css">',
    '<link rel="stylesheet" href="assets/pygments.css">',
    r"""<script>
window.MathJax = {
  tex: {
    inlineMath: [["$", "$"], ["\\(", "\\)"]],
    displayMath: [["$$", "$$"], ["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true
  },
  options: { ignoreHtmlClass: "tex2jax_ignore", processHtmlClass: "tex2jax_process" },
  chtml: { displayAlign: "center" }
};
</script>""",
    '<script defer src="assets/mathjax/tex-chtml-full.js" id="MathJax-script"></script>',
)


class SiteError(RuntimeError):
    """The site cannot be built: the message says what is wrong and what to do."""


# ----------------------------------------------------------------------------------------------
# What the site holds
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One notebook of the series as a page of the site."""

    number: str
    title: str
    summary: str
    source: Path  # the notebook that is executed and shown
    relpath: str  # ``source`` relative to the repository's root, in POSIX form
    html_name: str  # the page's file name in the site
    student: bool  # True: the student edition (a graded lab)
    colab: tuple[tuple[str, str], ...]  # (label, Colab URL), shown as badges

    @property
    def label(self) -> str:
        return f"{self.number} · {self.title}"


@dataclass
class Built:
    """A page after its notebook ran: the executed notebook and how long it took."""

    page: Page
    notebook: nbformat.NotebookNode
    seconds: float


@dataclass
class Site:
    """What ``build`` wrote."""

    out: Path
    pages: list[Built] = field(default_factory=list)
    seconds: float = 0.0


def is_graded(path: Path, title: str) -> bool:
    """A graded lab: its solutions never go on the site (``07_graded_lab``, "Graded lab: …")."""
    return "graded" in path.stem.split("_") or title.lower().startswith("graded")


def plan(root: Path | None = None) -> list[Page]:
    """The pages of the site, in the series' order (nothing is executed)."""
    root = root or repo_root()
    course = read_course(root)
    repo, ref = course.get("student_repo", course["repo"]), course["ref"]
    notebooks = series_notebooks(root)
    if not notebooks:
        raise SiteError(f"no notebooks found in {root / 'notebooks'} (expected NN_name.ipynb)")
    pages = []
    for path in notebooks:
        try:
            number, title, summary = title_and_summary(read_notebook(path))
        except (ValueError, OSError) as exc:
            raise SiteError(f"notebooks/{path.name}: {exc}") from exc
        exercises = f"notebooks/exercises/{path.name}"
        student = is_graded(path, title)
        if student:
            source = root / exercises
            if not source.is_file():
                raise SiteError(
                    f"{exercises} is missing: the site shows the graded lab's student edition; "
                    "build it with `python -m utils.release`"
                )
            if any("BEGIN SOLUTION" in cell.source for cell in read_notebook(source).cells):
                raise SiteError(
                    f"{exercises} still holds a solution block (BEGIN SOLUTION): the site never "
                    "shows the graded lab's solutions; rebuild it with `python -m utils.release`"
                )
            colab = (("Exercises", _colab_url(repo, ref, exercises)),)
        else:
            source = path
            colab = (
                ("Exercises", _colab_url(repo, ref, exercises)),
                ("Solutions", _colab_url(repo, ref, f"notebooks/{path.name}")),
            )
        pages.append(
            Page(
                number=number,
                title=title,
                summary=summary,
                source=source,
                relpath=source.relative_to(root).as_posix(),
                html_name=f"{path.stem}.html",
                student=student,
                colab=colab,
            )
        )
    return pages


def _colab_url(repo: str, ref: str, relpath: str) -> str:
    return re.search(r"\]\(([^()]*)\)$", badge_line(repo, ref, relpath)).group(1)


# ----------------------------------------------------------------------------------------------
# MathJax
# ----------------------------------------------------------------------------------------------


def mathjax_cache() -> Path:
    """Where ``install-mathjax`` puts the npm package (outside the repository)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "deep-learning-basics" / f"mathjax-{MATHJAX_VERSION}"


def _install_command() -> str:
    return "python -m utils.site install-mathjax"


def find_mathjax(explicit: Path | str | None = None) -> Path:
    """The folder of MathJax's npm package (it holds ``es5/tex-chtml-full.js``).

    Looks at ``explicit``, then ``$DLB_MATHJAX``, then the cache of ``install-mathjax``.
    """
    given = explicit or os.environ.get(MATHJAX_ENV)
    candidates = (
        [Path(given).expanduser()] if given else [mathjax_cache() / "node_modules" / "mathjax"]
    )
    for folder in candidates:
        if (folder / MATHJAX_ENTRY).is_file():
            return folder
        if folder.name == "es5" and (folder.parent / MATHJAX_ENTRY).is_file():
            return folder.parent
    where = candidates[0]
    raise SiteError(
        f"MathJax {MATHJAX_VERSION.split('.')[0]} not found: expected {where / MATHJAX_ENTRY}. "
        f"The site ships MathJax so that maths renders without network. Install it with "
        f"`{_install_command()}` (npm, from the npm registry), or point --mathjax or "
        f"{MATHJAX_ENV} at a folder holding MathJax's npm package."
    )


def install_mathjax() -> Path:
    """``npm install mathjax@VERSION`` into `mathjax_cache`; return the package's folder."""
    npm = shutil.which("npm")
    if npm is None:
        raise SiteError(
            "npm not found: install Node.js and npm (Debian: `apt-get install npm`), then run "
            f"`{_install_command()}` again"
        )
    prefix = mathjax_cache()
    prefix.mkdir(parents=True, exist_ok=True)
    cmd = [npm, "install", "--prefix", str(prefix), "--no-save", "--no-audit", "--no-fund"]
    result = subprocess.run(
        [*cmd, f"mathjax@{MATHJAX_VERSION}"], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SiteError(f"npm could not install mathjax@{MATHJAX_VERSION}:\n{result.stderr}")
    return find_mathjax(prefix / "node_modules" / "mathjax")


def copy_mathjax(package: Path, dest: Path) -> None:
    es5 = package / "es5"
    for part in MATHJAX_PARTS:
        src, target = es5 / part, dest / part
        if src.is_dir():
            shutil.copytree(src, target, dirs_exist_ok=True)
        elif src.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
        else:
            raise SiteError(f"MathJax at {package} lacks es5/{part}: reinstall it")


# ----------------------------------------------------------------------------------------------
# Executing the notebooks
# ----------------------------------------------------------------------------------------------


def repo_root() -> Path:
    """The repository's root folder (the one that holds ``utils/``)."""
    return Path(__file__).resolve().parents[2]


def kernel_env(jobs: int) -> dict[str, str]:
    """The environment of every kernel: offline digits, inline figures, no oversubscription."""
    env = dict(os.environ)
    env.setdefault("DLB_DIGITS", "sklearn")
    env.pop("MPLBACKEND", None)  # the kernel's inline backend draws the figures
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // max(1, jobs))))
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


def _execute_one(page: Page, env: dict[str, str], cell_timeout: int) -> tuple[str, float, str]:
    """Execute one notebook (in a worker process); return it as JSON, its time, its slowest cell."""
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = read_notebook(page.source)
    started: dict[int, float] = {}
    slowest = (0.0, 0)

    def on_start(cell, cell_index):
        started[cell_index] = time.perf_counter()

    def on_done(cell, cell_index, execute_reply):
        nonlocal slowest
        slowest = max(slowest, (time.perf_counter() - started[cell_index], cell_index + 1))

    client = notebook_client(
        nb,
        timeout=cell_timeout,
        kernel_name="python3",
        allow_errors=page.student,  # the student edition stops where a task is not done
        # Figures at twice the pixels, shown at their size: sharp on high-density screens.
        extra_arguments=["--InlineBackend.figure_formats=retina"],
        resources={"metadata": {"path": str(page.source.parent)}},
        on_cell_start=on_start,
        on_cell_executed=on_done,
    )
    start = time.perf_counter()
    try:
        client.execute(env=env)
    except CellExecutionError as exc:
        raise SiteError(f"{page.relpath}: a cell failed while executing:\n{exc}") from None
    except (CellTimeoutError, DeadKernelError) as exc:
        raise SiteError(f"{page.relpath}: {type(exc).__name__}: {exc}") from None
    seconds = time.perf_counter() - start
    return nbformat.writes(nb), seconds, f"cell {slowest[1]}, {slowest[0]:.1f} s"


def execute(
    pages: Sequence[Page], jobs: int = 2, cell_timeout: int = DEFAULT_CELL_TIMEOUT
) -> list[Built]:
    """Execute every page's notebook, ``jobs`` at a time, each from its own worker process.

    A worker process per notebook keeps the kernels' clients apart (nbclient's clients sharing
    one event loop have been seen to stall a widget cell until the cell's timeout).
    """
    env = kernel_env(jobs)
    context = multiprocessing.get_context("spawn")  # no fork of a process that holds threads
    results: dict[int, Built] = {}
    failures: list[str] = []
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = {
            pool.submit(_execute_one, page, env, cell_timeout): i for i, page in enumerate(pages)
        }
        for future in as_completed(futures):
            page = pages[futures[future]]
            try:
                text, seconds, slowest = future.result()
            except SiteError as exc:
                failures.append(str(exc))
                continue
            nb = nbformat.reads(text, as_version=4)
            results[futures[future]] = Built(page, nb, seconds)
            print(f"  executed {page.relpath} in {seconds:.1f} s (slowest: {slowest})", flush=True)
    if failures:
        raise SiteError("\n\n".join(failures))
    return [results[i] for i in range(len(pages))]


def image_outputs(nb: nbformat.NotebookNode) -> int:
    """How many figures (image outputs) an executed notebook holds."""
    return sum(
        any(kind in output.get("data", {}) for kind in IMAGE_TYPES)
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )


# ----------------------------------------------------------------------------------------------
# Preparing an executed notebook for a reader
# ----------------------------------------------------------------------------------------------


def _widget_kind(nb: nbformat.NotebookNode, model_id: str) -> str:
    """``"progress"`` for a progress bar (tqdm), ``"interactive"`` for anything else."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    todo, seen = [model_id], set()
    while todo:
        current = todo.pop()
        if current in seen or current not in state:
            continue
        seen.add(current)
        model = state[current]
        if model.get("model_name", "").endswith("ProgressModel"):
            return "progress"
        children = model.get("state", {}).get("children", [])
        todo.extend(c.removeprefix("IPY_MODEL_") for c in children if isinstance(c, str))
    return "interactive"


def _note(css_class: str, html_text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output(
        "display_data", data={"text/html": f'<div class="{css_class}">{html_text}</div>'}
    )


def for_readers(built: Built) -> nbformat.NotebookNode:
    """A copy of the executed notebook, ready to render.

    Widget views become a note (their state needs a live kernel); in the student edition an
    error becomes a one-line note saying that the cell waits for a task; the setup cell is
    marked so that the page folds its code away (its printed line stays); the title cell's
    Colab badge goes (the page has its own, one per edition).
    """
    nb = nbformat.from_dict(json.loads(json.dumps(built.notebook)))
    colab = dict(built.page.colab)
    colab_url = colab.get("Exercises") if built.page.student else colab.get("Solutions")
    if nb.cells and nb.cells[0].cell_type == "markdown":  # the page shows its own badges
        lines = nb.cells[0].source.split("\n")
        nb.cells[0].source = "\n".join(ln for ln in lines if not BADGE_LINE.match(ln))
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        hidden = cell.metadata.get("jupyter", {}).get("source_hidden", False)
        if hidden or cell.source.startswith(SETUP_FIRST_LINE):  # its code folds, its output shows
            cell.metadata["dlb_setup"] = True
        outputs = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                model_id = data[WIDGET_VIEW].get("model_id", "")
                if _widget_kind(nb, model_id) == "interactive":
                    link = f'<a href="{html.escape(colab_url)}">open the notebook in Colab</a>'
                    outputs.append(
                        _note(
                            "dlb-note dlb-widget",
                            "<strong>Interactive controls.</strong> Sliders appear here when the "
                            f"notebook runs in Jupyter or Colab: {link} and move them. The "
                            "notebook's static figure next to this cell shows the plot at "
                            "fixed values.",
                        )
                    )
                continue
            if output.output_type == "error" and built.page.student:
                message = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
                outputs.append(
                    _note(
                        "dlb-note dlb-pending",
                        "<strong>Waiting for a task.</strong> In the student edition this cell "
                        "stops here until the exercises above are done: "
                        f"<code>{html.escape(message)}</code>",
                    )
                )
                continue
            outputs.append(output)
        cell.outputs = outputs
    nb.metadata.pop("widgets", None)
    return nb


# ----------------------------------------------------------------------------------------------
# Rendering
# ----------------------------------------------------------------------------------------------


def _exporter():
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        extra_template_paths=[str(ASSETS)],
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.template_file = "cells.html.j2"
    return exporter


_HREF = re.compile(r'(<a\b[^>]*?\bhref=")([^"]*)(")')
_H2 = re.compile(r'<h2 id="([^"]+)">(.*?)(?:<a class="anchor-link"[^>]*>.*?</a>)?</h2>', re.S)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def rewrite_links(
    body: str, page_relpath: str, pages_by_name: dict[str, str], repo: str, ref: str
) -> str:
    """Point links at the site's pages, or at the repository on GitHub.

    A relative link to a notebook of the series (``02_x.ipynb``, ``../notebooks/02_x.ipynb``)
    goes to its page; any other relative link goes to the file on GitHub. Fragments stay.
    """
    base = posixpath.dirname(page_relpath)

    def target(url: str) -> str:
        if not url or url.startswith("#") or _SCHEME.match(url) or url.startswith("//"):
            return url
        path, _, fragment = url.partition("#")
        resolved = posixpath.normpath(posixpath.join(base, path))
        name = posixpath.basename(resolved)
        if name in pages_by_name:
            new = pages_by_name[name]
        elif resolved.startswith(".."):
            return url
        else:
            new = f"https://github.com/{repo}/blob/{ref}/{resolved}"
        return new + (f"#{fragment}" if fragment else "")

    def replace(match: re.Match) -> str:
        url = target(html.unescape(match.group(2)))
        return match.group(1) + html.escape(url) + match.group(3)

    body = _HREF.sub(replace, body)
    return body.replace(BADGE_IMAGE, "assets/colab-badge.svg")


_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]*)(")')


def copy_local_images(body: str, notebook_dir: Path, root: Path, out: Path) -> str:
    """Copy the repository's images that markdown shows (``![](figures/x.png)``) into the site.

    They go to ``out/files/`` under their path in the repository; ``src`` follows them.
    """
    top = root.resolve()

    def replace(match: re.Match) -> str:
        src = html.unescape(match.group(2))
        if not src or _SCHEME.match(src) or src.startswith(("//", "#")):
            return match.group(0)
        path = (notebook_dir / unquote(src.split("#")[0].split("?")[0])).resolve()
        if not path.is_file() or top not in path.parents:
            return match.group(0)
        relative = path.relative_to(top).as_posix()
        target = out / "files" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        return match.group(1) + html.escape(f"files/{relative}") + match.group(3)

    return _IMG_SRC.sub(replace, body)


def headings(body: str) -> list[tuple[str, str]]:
    """The page's sections (``<h2>``): (id, HTML of the title) for the sidebar."""
    return [(anchor, title.strip()) for anchor, title in _H2.findall(body)]


def _layout() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(ASSETS)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _readme_intro(root: Path) -> str:
    """The README's opening paragraphs (between the title and the first section), as HTML."""
    from nbconvert.filters import markdown2html

    readme = root / "README.md"
    if not readme.is_file():
        return ""
    text = readme.read_text(encoding="utf-8")
    text = re.sub(r"\A# .*\n", "", text)
    intro = re.split(r"^## ", text, maxsplit=1, flags=re.M)[0].strip()
    return markdown2html(intro) if intro else ""


def render(site: Site, root: Path, mathjax: Path) -> None:
    """Write the pages, the home page and the assets of an executed site."""
    course = read_course(root)
    repo, ref = course.get("student_repo", course["repo"]), course["ref"]
    out = site.out
    assets = out / "assets"
    for stale in (assets, out / "files"):
        if stale.exists():
            shutil.rmtree(stale)
    for old_page in out.glob("*.html"):  # pages of an earlier build (a renamed notebook)
        if GENERATOR in old_page.read_text(encoding="utf-8", errors="replace")[:2000]:
            old_page.unlink()
    assets.mkdir(parents=True)
    for name in ("site.css", "colab-badge.svg", "favicon.svg"):
        shutil.copy2(ASSETS / name, assets / name)
    (assets / "pygments.css").write_text(_pygments_css(), encoding="utf-8")
    copy_mathjax(mathjax, assets / "mathjax")
    (out / ".nojekyll").write_text("", encoding="utf-8")

    env = _layout()
    exporter = _exporter()
    pages = [b.page for b in site.pages]
    by_name = {Path(p.relpath).name: p.html_name for p in pages}
    for page in pages:  # the complete edition's file name also leads to the page
        by_name[Path(page.html_name).with_suffix(".ipynb").name] = page.html_name
    common = {
        "repo": repo,
        "ref": ref,
        "repo_url": f"https://github.com/{repo}",
        "pages": pages,
        "site_title": _site_title(root),
    }
    for i, built in enumerate(site.pages):
        body, _ = exporter.from_notebook_node(for_readers(built))
        body = rewrite_links(body, built.page.relpath, by_name, repo, ref)
        body = copy_local_images(body, built.page.source.parent, root, out)
        html_text = env.get_template("page.html.j2").render(
            **common,
            page=built.page,
            body=body,
            sections=headings(body),
            prev=pages[i - 1] if i > 0 else None,
            next=pages[i + 1] if i + 1 < len(pages) else None,
            source_url=f"https://github.com/{repo}/blob/{ref}/{built.page.relpath}",
            head=html_head(f"{built.page.label} · {common['site_title']}", *HEAD_ELEMENTS),
        )
        (out / built.page.html_name).write_text(html_text, encoding="utf-8")
    home = env.get_template("index.html.j2").render(
        **common,
        head=html_head(common["site_title"], *HEAD_ELEMENTS),
        intro=_readme_intro(root),
    )
    (out / "index.html").write_text(home, encoding="utf-8")


def _site_title(root: Path) -> str:
    readme = root / "README.md"
    if readme.is_file():
        first = readme.read_text(encoding="utf-8").split("\n", 1)[0]
        if first.startswith("# "):
            return first[2:].strip()
    return "Notebooks"


def _pygments_css() -> str:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style="default").get_style_defs(".highlight")


# ----------------------------------------------------------------------------------------------
# The whole build
# ----------------------------------------------------------------------------------------------


def build(
    out: Path | str,
    *,
    root: Path | None = None,
    jobs: int = 2,
    mathjax: Path | str | None = None,
    cell_timeout: int = DEFAULT_CELL_TIMEOUT,
    executed: Callable[[Sequence[Page]], list[Built]] | None = None,
) -> Site:
    """Execute the series and write the site to ``out``; return what was built.

    ``executed`` replaces the execution: it returns the pages' notebooks already executed (the
    test suite passes the notebooks it ran once for every test)."""
    if jobs < 1:
        raise SiteError(f"--jobs must be at least 1; found {jobs}")
    root = root or repo_root()
    out, top = Path(out).resolve(), root.resolve()
    protected = [top / name for name in ("notebooks", "utils", "tests", ".git")]
    if out == top or out in top.parents or any(out == d or d in out.parents for d in protected):
        raise SiteError(
            f"--out must be a folder of its own (e.g. _site), not the repository, a folder above "
            f"it, or inside notebooks/, utils/ or tests/; found {out}"
        )
    package = find_mathjax(mathjax)  # before the long part: fail fast
    pages = plan(root)
    start = time.perf_counter()
    print(f"Executing {len(pages)} notebooks ({jobs} at a time) ...", flush=True)
    if executed is None:
        built = execute(pages, jobs=jobs, cell_timeout=cell_timeout)
    else:
        built = executed(pages)
    site = Site(out=out, pages=built)
    out.mkdir(parents=True, exist_ok=True)
    render(site, root, package)
    site.seconds = time.perf_counter() - start
    return site


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m utils.site", description=__doc__.split("\n\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_build = sub.add_parser("build", help="execute the series and write the website")
    p_build.add_argument("--out", type=Path, required=True, help="folder to write the site to")
    p_build.add_argument("--jobs", type=int, default=2, help="notebooks executed at once (2)")
    p_build.add_argument(
        "--mathjax", type=Path, help=f"MathJax's npm package folder (default: ${MATHJAX_ENV})"
    )
    p_build.add_argument(
        "--cell-timeout", type=int, default=DEFAULT_CELL_TIMEOUT, help="seconds per cell (300)"
    )
    sub.add_parser("install-mathjax", help=f"npm install mathjax@{MATHJAX_VERSION} into a cache")
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        if args.command == "install-mathjax":
            print(f"MathJax {MATHJAX_VERSION} is in {install_mathjax()}")
            return 0
        site = build(args.out, jobs=args.jobs, mathjax=args.mathjax, cell_timeout=args.cell_timeout)
    except (SiteError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Wrote {len(site.pages) + 1} pages to {site.out} in {site.seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
