"""Notebook tooling: keep every notebook in the series' format.

``course.json`` (at the repository's root) is the one source of truth for the GitHub repository
and the ref that Colab fetches. From it, ``sync`` writes into every notebook the "Open in Colab"
badge, the setup cell (cell 2, byte-for-byte the same everywhere) and the metadata, clears the
outputs, and regenerates the README's notebook table; ``check`` reports whatever drifted.

Usage::

    python -m utils.notebooks sync [--repo OWNER/NAME] [--student-repo OWNER/NAME] [--ref REF]
    python -m utils.notebooks check
    python -m utils.notebooks export NOTEBOOK.ipynb > notebook.py     # percent text form
    python -m utils.notebooks import notebook.py NOTEBOOK.ipynb
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import nbformat


def repo_root() -> Path:
    """The repository's root folder (the one that holds ``utils/``; as `utils.env.repo_root`,
    without importing torch)."""
    return Path(__file__).resolve().parents[2]


# NN_name.ipynb; a lettered NNx_name.ipynb (01b_…) continues notebook NN where its story splits.
NOTEBOOK_NAME = re.compile(r"^(\d\d)([a-z]?)_[a-z0-9]+(?:_[a-z0-9]+)*\.ipynb$")
TITLE_LINE = re.compile(r"^# (\d\d[a-z]?) · (.+)$")
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
BADGE_LINE = re.compile(r"^\[!\[Open In Colab\]\(.*\)\]\(.*\)\s*$")
SETUP_FIRST_LINE = "# @title Setup"
# Older notebooks' setup cells began "# Setup"; `sync` recognises them and writes the new one.
SETUP_FIRST_LINES = (SETUP_FIRST_LINE, "# Setup")
# The setup cell folds to one line and its printed result: Colab shows a form (its `# @title`
# line) with the code hidden; JupyterLab hides the source; the readers' edition folds it too.
SETUP_METADATA = {"cellView": "form", "jupyter": {"source_hidden": True}}
TABLE_START, TABLE_END = "<!-- notebooks:start -->", "<!-- notebooks:end -->"
REPO_SLUG = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")

METADATA = {
    "accelerator": "GPU",
    "colab": {"gpuType": "T4", "provenance": [], "toc_visible": True},
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}

SETUP_TEMPLATE = """\
# @title Setup (run me first: finds or fetches the course's helpers, picks the device)
# The same in every notebook; written by `python -m utils.notebooks sync`. Locally it uses the
# repository this notebook lives in; in Colab it fetches the course helpers.
REPO, REF = "{repo}", "{ref}"

import importlib.util
import subprocess
import sys
from pathlib import Path

here = Path.cwd().resolve()
ROOT = next((p for p in (here, *here.parents) if (p / "utils" / "__init__.py").is_file()), None)
done = "local repository"
if ROOT is None:  # Colab, or a notebook opened on its own: fetch the helpers at the pinned ref
    ROOT = here / REPO.split("/")[1]
    if not (ROOT / "utils" / "__init__.py").is_file():
        url = f"https://github.com/{{REPO}}.git"
        cmd = ["git", "clone", "--quiet", "--depth", "1", "--branch", REF, url, str(ROOT)]
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0:
            print(run.stderr.strip())
            print(
                f"Could not fetch the course helpers ({{url}} at {{REF!r}}).\\n"
                "- No network? In Colab: Runtime > Disconnect and delete runtime, then run again.\\n"
                "- Wrong or private repository? Ask your instructor for the notebook's link.\\n"
                "- Working offline? Open this notebook from a clone of the repository."
            )
            raise RuntimeError("setup failed: the course helpers could not be fetched (see above)")
    done = f"fetched {{REPO}}@{{REF}}"
    if "google.colab" in sys.modules:  # install only what Colab lacks, never torch or NumPy
        wanted = {{"torchviz": "torchviz==0.0.3", "graphviz": "graphviz", "setuptools": "setuptools"}}
        missing = [pkg for mod, pkg in wanted.items() if importlib.util.find_spec(mod) is None]
        if missing:
            pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", *missing]
            pip += ["--root-user-action=ignore", "--disable-pip-version-check"]
            run = subprocess.run(pip, capture_output=True, text=True)
            if run.returncode != 0:  # the graphs fall back to text: say so, and go on
                print(run.stdout + run.stderr, "\\nSetup: could not install", *missing)
            else:
                done += ", installed " + " ".join(missing)
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import utils

DEVICE, why = utils.choose_device()
print(f"Setup: {{done}} · device: {{DEVICE}} ({{why}})")"""


# ----------------------------------------------------------------------------------------------
# The course's repository and ref
# ----------------------------------------------------------------------------------------------


def course_file(root: Path | None = None) -> Path:
    return (root or repo_root()) / "course.json"


def read_course(root: Path | None = None) -> dict:
    """``course.json``: "repo" (the course source), "ref", "student_repo" (the published student
    repository, which badges and setup cells point at; "repo" when absent) and any other key
    ("graded": the tasks each graded notebook must define)."""
    path = course_file(root)
    try:
        course = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read {path.name}: {exc}") from exc
    validate_course(course.get("repo"), course.get("ref"))
    student = course.get("student_repo", course["repo"])
    validate_course(student, course["ref"])
    return {**course, "student_repo": student}


def validate_course(repo: object, ref: object) -> None:
    if not isinstance(repo, str) or not REPO_SLUG.match(repo):
        raise ValueError(f"`repo` must look like OWNER/NAME (a GitHub repository); found {repo!r}")
    if not isinstance(ref, str) or not ref or any(c.isspace() for c in ref) or ref.startswith("-"):
        raise ValueError(f"`ref` must be a branch or tag name; found {ref!r}")


def setup_source(repo: str, ref: str) -> str:
    """The setup cell for a given repository and ref."""
    return SETUP_TEMPLATE.format(repo=repo, ref=ref)


def badge_line(repo: str, ref: str, relpath: str) -> str:
    """The "Open in Colab" badge for the notebook at ``relpath`` (from the repository's root)."""
    url = f"https://colab.research.google.com/github/{repo}/blob/{ref}/{relpath}"
    return f"[![Open In Colab]({BADGE_IMAGE})]({url})"


# ----------------------------------------------------------------------------------------------
# Finding and normalising notebooks
# ----------------------------------------------------------------------------------------------


def series_notebooks(root: Path | None = None) -> list[Path]:
    """The complete edition: ``notebooks/NN_*.ipynb`` and ``NNx_*.ipynb``, in the series' order."""
    folder = (root or repo_root()).joinpath("notebooks")
    return sorted(p for p in folder.glob("[0-9][0-9]*_*.ipynb") if NOTEBOOK_NAME.match(p.name))


def all_notebooks(root: Path | None = None) -> list[Path]:
    """Both editions: the complete one and the student one in ``notebooks/exercises/``."""
    root = root or repo_root()
    return series_notebooks(root) + sorted(root.joinpath("notebooks", "exercises").glob("*.ipynb"))


def read_notebook(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def dumps(nb: nbformat.NotebookNode) -> str:
    """The exact text a notebook is stored as (deterministic: sorted keys, one-space indent)."""
    return nbformat.writes(nb) + "\n"


def stamp(nb: nbformat.NotebookNode, repo: str, ref: str, relpath: str) -> nbformat.NotebookNode:
    """Return ``nb`` in the series' format: badge, setup cell, metadata, no outputs, cell ids."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))  # a deep copy
    if not nb.cells or nb.cells[0].cell_type != "markdown":
        raise ValueError(f"{relpath}: the first cell must be the markdown title cell")
    nb.cells[0].source = _with_badge(nb.cells[0].source, badge_line(repo, ref, relpath))

    setup = nbformat.v4.new_code_cell(setup_source(repo, ref))
    second = nb.cells[1] if len(nb.cells) > 1 else None
    if (
        second is not None
        and second.cell_type == "code"
        and second.source.startswith(SETUP_FIRST_LINES)
    ):
        second.source = setup.source
    else:
        nb.cells.insert(1, setup)

    nb.metadata = nbformat.from_dict(json.loads(json.dumps(METADATA)))
    nb.nbformat, nb.nbformat_minor = 4, 5
    seen: set[str] = set()
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata = json.loads(json.dumps(SETUP_METADATA)) if i == 1 else {}
        cell_id = cell.get("id")
        if not cell_id or cell_id in seen or not re.fullmatch(r"[a-zA-Z0-9-_]{1,64}", cell_id):
            cell_id = f"cell-{i:02d}"
            while cell_id in seen:
                cell_id += "x"
        cell.id = cell_id
        seen.add(cell_id)
    return nb


def _with_badge(source: str, badge: str) -> str:
    lines = source.split("\n")
    for i, line in enumerate(lines):
        if BADGE_LINE.match(line):
            lines[i] = badge
            return "\n".join(lines)
    # No badge yet: put it after the title line, with a blank line around it.
    return "\n".join(
        [lines[0], "", badge, *([""] if len(lines) > 1 and lines[1] else []), *lines[1:]]
    )


def title_and_summary(nb: nbformat.NotebookNode) -> tuple[str, str, str]:
    """(number, title, one-line summary) from a notebook's first cell."""
    lines = nb.cells[0].source.split("\n") if nb.cells else [""]
    match = TITLE_LINE.match(lines[0])
    if not match:
        raise ValueError(f"the first line must read '# NN · Title'; found {lines[0]!r}")
    summary = next(
        (ln.strip().strip("*_") for ln in lines[1:] if re.match(r"^[*_][^*_].*[*_]$", ln.strip())),
        "",
    )
    return match.group(1), match.group(2).strip(), summary


# ----------------------------------------------------------------------------------------------
# The README's notebook table
# ----------------------------------------------------------------------------------------------


def is_graded(path: Path) -> bool:
    """Whether a notebook is a graded lab (its complete edition is not advertised)."""
    return "graded" in path.stem


def readme_table(root: Path, repo: str, ref: str) -> str:
    """The README's notebook table: number, title, one line, and two Colab badges (one for a
    graded lab, whose solutions are not published)."""
    rows = [
        "| # | Notebook | What you learn | Exercises | Solutions |",
        "|---|---|---|---|---|",
    ]
    for path in series_notebooks(root):
        number, title, summary = title_and_summary(read_notebook(path))
        exercises = badge_line(repo, ref, f"notebooks/exercises/{path.name}")
        solutions = badge_line(repo, ref, f"notebooks/{path.name}")
        link = f"[{title}](notebooks/{path.name})"
        if is_graded(path):  # no published answers: the lab is linked in its student edition
            solutions = "—"
            link = f"[{title}](notebooks/exercises/{path.name})"
        rows.append(f"| {number} | {link} | {summary} | {exercises} | {solutions} |")
    return "\n".join(rows)


def _with_table(readme: str, table: str) -> str:
    if TABLE_START not in readme or TABLE_END not in readme:
        raise ValueError(f"README.md must contain the markers {TABLE_START} and {TABLE_END}")
    head, rest = readme.split(TABLE_START, 1)
    _, tail = rest.split(TABLE_END, 1)
    return f"{head}{TABLE_START}\n{table}\n{TABLE_END}{tail}"


# ----------------------------------------------------------------------------------------------
# sync and check
# ----------------------------------------------------------------------------------------------


def expected_files(root: Path, repo: str, ref: str) -> dict[Path, str]:
    """Every file ``sync`` writes, with the text it should hold."""
    files: dict[Path, str] = {}
    for path in all_notebooks(root):
        relpath = path.relative_to(root).as_posix()
        files[path] = dumps(stamp(read_notebook(path), repo, ref, relpath))
    readme = root / "README.md"
    if readme.exists():
        files[readme] = _with_table(
            readme.read_text(encoding="utf-8"), readme_table(root, repo, ref)
        )
    return files


def naming_problems(root: Path) -> list[str]:
    """File names that break the ``NN_snake_case.ipynb`` rule, and gaps in the numbering.

    A lettered notebook (``01b_…``) must follow its notebook ``01_…``, without a gap in letters.
    """
    problems = []
    names = [p.name for p in root.joinpath("notebooks").glob("*.ipynb")]
    numbers, letters = [], {}
    for name in sorted(names):
        match = NOTEBOOK_NAME.match(name)
        if not match:
            problems.append(f"notebooks/{name}: the name must be NN_snake_case_title.ipynb")
        elif match.group(2):
            letters.setdefault(int(match.group(1)), []).append(match.group(2))
        else:
            numbers.append(int(match.group(1)))
    for number, found in sorted(letters.items()):
        expected = [chr(ord("b") + i) for i in range(len(found))]
        if number not in numbers or found != expected:
            problems.append(
                f"notebooks/: {number:02d}{found[0]}_… needs {number:02d}_… and letters b, c, … "
                f"in order; found {[f'{number:02d}{x}' for x in found]}"
            )
    if numbers != list(range(len(numbers))):
        problems.append(f"notebooks/: numbers must run 00, 01, ... without gaps; found {numbers}")
    return problems


def sync(
    root: Path | None = None,
    repo: str | None = None,
    ref: str | None = None,
    student_repo: str | None = None,
) -> list[Path]:
    """Stamp every notebook and the README (for the student repository); return the files that
    changed. ``course.json`` keeps its other keys."""
    root = root or repo_root()
    course = read_course(root)
    repo, ref = repo or course["repo"], ref or course["ref"]
    student_repo = student_repo or course["student_repo"]
    validate_course(repo, ref)
    validate_course(student_repo, ref)
    new = {**course, "repo": repo, "ref": ref, "student_repo": student_repo}
    if new != course:
        course_file(root).write_text(json.dumps(new, ensure_ascii=False) + "\n", encoding="utf-8")
    changed = []
    for path, text in expected_files(root, student_repo, ref).items():
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def check(root: Path | None = None) -> list[str]:
    """Everything that drifted from the format: an empty list means all is in order."""
    root = root or repo_root()
    course = read_course(root)
    problems = naming_problems(root)
    for path, text in expected_files(root, course["student_repo"], course["ref"]).items():
        if path.read_text(encoding="utf-8") != text:
            rel = path.relative_to(root).as_posix()
            problems.append(f"{rel}: differs from what `python -m utils.notebooks sync` writes")
    return problems


# ----------------------------------------------------------------------------------------------
# The percent text form
# ----------------------------------------------------------------------------------------------


def to_percent(nb: nbformat.NotebookNode) -> str:
    """A notebook as text: ``# %%`` starts a code cell, ``# %% [markdown]`` a markdown cell."""
    parts = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            body = "\n".join(f"# {ln}" if ln else "#" for ln in cell.source.split("\n"))
            parts.append(f"# %% [markdown]\n{body}")
        else:
            parts.append(f"# %%\n{cell.source}")
    return "\n\n".join(parts) + "\n"


def from_percent(text: str) -> nbformat.NotebookNode:
    """The inverse of `to_percent`."""
    cells: list[tuple[str, list[str]]] = []
    for line in text.split("\n"):
        if line.startswith("# %%"):
            kind = "markdown" if "[markdown]" in line else "code"
            cells.append((kind, []))
        elif cells:
            cells[-1][1].append(line)
        elif line.strip():
            raise ValueError(f"text before the first '# %%' marker: {line!r}")
    nb = nbformat.v4.new_notebook()
    for i, (kind, lines) in enumerate(cells):
        while lines and not lines[-1].strip():
            lines.pop()
        if kind == "markdown":
            bad = [ln for ln in lines if ln and not ln.startswith("#")]
            if bad:
                raise ValueError(
                    f"markdown cell {i + 1}: every line must start with '#'; found {bad[0]!r}"
                )
            source = "\n".join(ln[2:] if ln.startswith("# ") else ln[1:] for ln in lines)
            cell = nbformat.v4.new_markdown_cell(source)
        else:
            cell = nbformat.v4.new_code_cell("\n".join(lines))
        cell.id = f"cell-{i:02d}"
        nb.cells.append(cell)
    nb.metadata = nbformat.from_dict(json.loads(json.dumps(METADATA)))
    return nb


# ----------------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------------


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m utils.notebooks", description=__doc__.split("\n\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_sync = sub.add_parser("sync", help="stamp badges, setup cell, metadata and the README table")
    p_sync.add_argument("--repo", help="the course source's repository OWNER/NAME (saved)")
    p_sync.add_argument(
        "--student-repo", help="the published student repository OWNER/NAME (badges; saved)"
    )
    p_sync.add_argument("--ref", help="branch or tag that Colab fetches (saved in course.json)")
    p_sync.add_argument("--check", action="store_true", help="only report what drifted")
    sub.add_parser("check", help="report every notebook that drifted from the format")
    p_export = sub.add_parser("export", help="print a notebook in the percent text form")
    p_export.add_argument("notebook", type=Path)
    p_import = sub.add_parser("import", help="write a notebook from the percent text form")
    p_import.add_argument("script", type=Path)
    p_import.add_argument("notebook", type=Path)
    args = parser.parse_args(list(argv) if argv is not None else None)

    try:
        if args.command == "check" or (args.command == "sync" and args.check):
            problems = check()
            for problem in problems:
                print(problem)
            if problems:
                print(
                    f"{len(problems)} problem(s); run `python -m utils.notebooks sync` to fix the format."
                )
                return 1
            print(f"All {len(all_notebooks())} notebooks and the README are in sync.")
            return 0
        if args.command == "sync":
            changed = sync(repo=args.repo, ref=args.ref, student_repo=args.student_repo)
            course = read_course()
            print(
                f"Synced for {course['student_repo']}@{course['ref']}: {len(changed)} file(s) changed."
            )
            return 0
        if args.command == "export":
            sys.stdout.write(to_percent(read_notebook(args.notebook)))
            return 0
        nb = from_percent(args.script.read_text(encoding="utf-8"))
        args.notebook.write_text(dumps(nb), encoding="utf-8")
        print(
            f"Wrote {args.notebook} ({len(nb.cells)} cells); now run `python -m utils.notebooks sync`."
        )
        return 0
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
