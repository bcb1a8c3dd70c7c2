"""The Colab twin's run: every notebook of both editions as Colab runs it, then the unit tests.

Started by ``.ci/colab-twin RUNTIME``, which builds the twin's virtual environment (Colab's
Python and exact package versions, see ``constraints/``) and runs this module in it::

    python -m utils.course.colab_twin --runtime 2026.08 [--only NAME ...] [--no-unit-tests]

Each notebook runs as a student's "Run all" on a fresh Colab runtime would run it:

- the notebook alone in an empty folder outside the repository (Colab's ``/content``), in a
  fresh python3 kernel of the twin (ipykernel, IPython, matplotlib's inline backend);
- a stand-in ``google.colab`` package importable and imported before the first cell (an IPython
  startup file), so that the setup cell takes its Colab branch;
- the setup cell's ``git clone https://github.com/OWNER/NAME.git`` redirected by git's
  ``url.<base>.insteadOf`` to a copy of this working tree (a one-commit repository on the
  branch ``course.json`` pins), and its ``pip install`` of what Colab lacks run for real, with
  pip's own defaults (no machine-wide pip configuration), after that package is uninstalled
  again: every notebook starts from Colab's package set;
- no dataset download (``DLB_DIGITS=sklearn``: the digits notebook uses scikit-learn's digits).

A notebook passes when it runs to the end with no error and no warning text in any output (no
stderr stream, no line naming a ``...Warning``), and its "not implemented" verdicts are the
expected ones: none in the complete edition; in the student edition a ⏳ verdict for every
exercise stub and no error, except in the graded lab (the notebook with a team cell), whose
tasks build on each other: its student edition must stop with the ``NotImplementedError`` of
its first task, after that task's ⏳ verdict, and nowhere else.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from utils.course.kernel import notebook_client
from utils.course.notebooks import all_notebooks, read_course

ROOT = Path(__file__).resolve().parents[2]
CELL_TIMEOUT_S = 300
NOTEBOOK_TIMEOUT_S = 900
COLAB_LACKS = ("torchviz",)  # what the setup cell installs; uninstalled before each notebook
WARNING_LINE = re.compile(r"^.*\b\w*Warning\b.*$|^.*\bWARNING\b.*$", re.M)
# The student edition's stub and the checks' verdict (utils.release and utils.checks write them).
STUB = re.compile(r"^\s*raise\s+NotImplementedError\(\s*[\"']Exercise\s+([\w.]+):", re.M)
NOT_IMPLEMENTED_VERDICT = re.compile(r"⏳ ([\w.]+): not implemented yet")
TEAM_CELL = re.compile(r"^TEAM\s*=", re.M)  # the graded lab's team cell
STANDIN = '''"""Stand-in for Colab's google.colab (the Colab twin): importable, with the two calls the
lab's hand-in cells make (files.download, _message.blocking_request), which do nothing here."""
'''
STANDIN_MODULES = {
    "files.py": '''"""Stand-in for google.colab.files: a download goes nowhere (there is no browser)."""


def download(filename):
    import os

    if not os.path.exists(filename):
        raise FileNotFoundError(f"Cannot find file: {filename}")  # as Colab says
''',
    "_message.py": '''"""Stand-in for google.colab._message: the front end never answers (no browser)."""


def blocking_request(request_type, request="", timeout_sec=5, parent=None):
    return None
''',
}


# --------------------------------------------------------------------------- Colab's setting
# Shared with tests/test_notebooks.py, which runs the setup cell the same way.


def colab_standin(where: Path) -> Path:
    """Write a stand-in ``google.colab`` package under ``where``; return the folder for
    PYTHONPATH."""
    package = where / "google" / "colab"
    package.mkdir(parents=True, exist_ok=True)
    (where / "google" / "__init__.py").write_text("")
    (package / "__init__.py").write_text(STANDIN)
    for name, text in STANDIN_MODULES.items():
        (package / name).write_text(text)
    return where


def local_origin(where: Path, root: Path = ROOT, files: Iterable[str] | None = None) -> Path:
    """A one-commit git repository standing in for the course repository on GitHub.

    It holds ``files`` (paths relative to ``root``; by default every file of the working tree
    that git tracks or would track, with uncommitted changes), committed on the branch
    ``course.json`` names, at ``where/NAME.git``. Returns ``where``: the base that
    ``https://github.com/OWNER/`` is redirected to (see `redirect_env`).
    """
    course = read_course(root)
    origin = where / (course["student_repo"].split("/")[1] + ".git")
    if files is None:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout.decode()
        files = [name for name in listed.split("\0") if name]
    for name in files:
        source = root / name
        if source.is_file():
            target = origin / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        elif source.is_dir():
            shutil.copytree(
                source,
                origin / name,
                ignore=shutil.ignore_patterns("__pycache__"),
                dirs_exist_ok=True,
            )
    git = ["git", "-c", "user.email=twin@example.org", "-c", "user.name=twin"]
    git += ["-c", "init.defaultBranch=twin-init", "-C", str(origin)]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "course"]):
        subprocess.run([*git, *args], check=True)
    subprocess.run([*git, "branch", "-q", "-f", course["ref"]], check=True)
    return where


def redirect_env(base: Path, root: Path = ROOT) -> dict[str, str]:
    """Environment variables that make git fetch ``https://github.com/OWNER/...`` from ``base``
    (``local_origin``'s folder) instead, without touching any git configuration file."""
    owner = read_course(root)["student_repo"].split("/")[0]
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{base.resolve().as_uri()}/.insteadOf",
        "GIT_CONFIG_VALUE_0": f"https://github.com/{owner}/",
        "GIT_TERMINAL_PROMPT": "0",
    }


# --------------------------------------------------------------------------- one notebook


@dataclass
class Result:
    """One notebook's run: what it printed that matters, and the verdict."""

    path: Path
    seconds: float = 0.0
    error: str | None = None  # the first error: "cell N `first line`: Name: message"
    error_name: str | None = None
    error_value: str = ""
    verdicts: list[str] = field(default_factory=list)  # ⏳ NAME, in the order printed
    warnings: list[str] = field(default_factory=list)  # "cell N: the line"
    problems: list[str] = field(default_factory=list)  # why it failed (empty: passed)
    expected_stop: str | None = None
    setup: str = ""  # the setup cell's "Setup: ..." line
    slowest: tuple[int, float] = (0, 0.0)  # (cell number, seconds)

    @property
    def ok(self) -> bool:
        return not self.problems


def stub_names(nb: nbformat.NotebookNode) -> list[str]:
    """The exercises the notebook leaves as stubs, in cell order."""
    return [name for name, _ in stubs_and_checks(nb)]


def stubs_and_checks(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """Each stub's function name and the name of the check called on it in its cell (the ⏳
    verdict comes under either: `check_margin(margin_naive)` may print ``⏳ margin``)."""
    found = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            for m in STUB.finditer(cell.source):
                name = m.group(1)
                call = re.search(rf"\bcheck_(\w+)\(\s*{re.escape(name)}\s*[,)]", cell.source)
                found.append((name, call.group(1) if call else name))
    return found


def _verdicts_match(verdicts: Sequence[str], pairs: Sequence[tuple[str, str]]) -> bool:
    """Every stub has a ⏳ (under its own or its check's name) and every ⏳ is a stub's."""
    known = {name for pair in pairs for name in pair}
    return all(set(pair) & set(verdicts) for pair in pairs) and set(verdicts) <= known


def first_line(source: str, limit: int = 60) -> str:
    """The first non-blank line, cut to ``limit`` characters."""
    line = next((s.strip() for s in source.splitlines() if s.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def warning_lines(outputs: Sequence[dict]) -> list[str]:
    """Warning text in a cell's outputs: every stderr stream, and lines naming a Warning."""
    found = []
    for out in outputs:
        if out.get("output_type") == "stream":
            text = "".join(out.get("text", ""))
            if out.get("name") == "stderr" and text.strip():
                found.append("stderr: " + first_line(text, 160))
                continue
        else:
            text = "".join(out.get("data", {}).get("text/plain", ""))
        found += [line.strip()[:160] for line in WARNING_LINE.findall(text)]
    return found


def judge(result: Result, nb: nbformat.NotebookNode, student: bool) -> None:
    """Fill ``result.problems``: an error, warning text, or unexpected "not implemented"."""
    pairs = stubs_and_checks(nb)
    stubs = [name for name, _ in pairs]
    is_lab = any(c.cell_type == "code" and TEAM_CELL.search(c.source) for c in nb.cells)
    problems = result.problems
    if not result.setup.startswith("Setup: fetched") and not result.error:
        problems.append(f"the setup cell did not fetch the course repository: {result.setup!r}")
    problems += [f"warning text in an output, {w}" for w in result.warnings[:3]]
    if not student:
        if result.error:
            problems.append(f"error: {result.error}")
        if result.verdicts or stubs:
            problems.append(f"not implemented in the complete edition: {result.verdicts or stubs}")
        return
    complete = result.path.parent.parent / result.path.name  # notebooks/NN_….ipynb
    if not stubs and (not complete.is_file() or "BEGIN SOLUTION" in complete.read_text("utf-8")):
        # (a notebook without exercises, such as the mock exam, has no stub in either edition)
        problems.append("the student edition has no exercise stub")
    if is_lab:
        first = stubs[0] if stubs else None
        stopped = result.error_name == "NotImplementedError" and re.match(
            rf"(?:Exercise\s+)?{re.escape(first or '')}:", result.error_value
        )
        if stopped and result.verdicts == [first]:
            where = (result.error or "").split(":")[0]
            result.expected_stop = f"stopped at its first task, {first} ({where}), as designed"
        elif result.error:
            problems.append(
                f"error: {result.error} (expected: the NotImplementedError of the first task, "
                f"{first}, after its ⏳ verdict)"
            )
        else:
            problems.append(f"ran past its first task {first} (verdicts: {result.verdicts})")
        return
    if result.error:
        problems.append(f"error: {result.error}")
    elif not _verdicts_match(result.verdicts, pairs):
        problems.append(
            f"⏳ verdicts {sorted(set(result.verdicts))} differ from the stubs {sorted(set(stubs))}"
        )


def uninstall_colab_lacks(python: str) -> None:
    """Remove from the twin what Colab lacks and a setup cell or a test installed."""
    subprocess.run(
        [python, "-m", "pip", "uninstall", "--quiet", "-y", *COLAB_LACKS],
        capture_output=True,
        check=False,
    )


def run_notebook(path: Path, env: dict[str, str], python: str) -> Result:
    """Run one notebook as Colab would (see the module's docstring); return its Result."""
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    result = Result(path)
    nb = nbformat.read(path, as_version=4)
    student = path.parent.name == "exercises"
    uninstall_colab_lacks(python)  # a fresh Colab runtime has none of what the setup cell adds
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dlb-twin-content-") as tmp:
        content = Path(tmp)
        shutil.copy(path, content / path.name)
        client = notebook_client(
            nb,
            kernel_name="python3",
            timeout=CELL_TIMEOUT_S,
            startup_timeout=120,
            shutdown_kernel="immediate",
            resources={"metadata": {"path": str(content)}},
        )
        number, cell = 0, None
        try:
            quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
            with client.setup_kernel(env=env, **quiet):
                for number, cell in enumerate(nb.cells, start=1):
                    if time.monotonic() - began > NOTEBOOK_TIMEOUT_S:
                        raise TimeoutError
                    started = time.monotonic()
                    try:
                        client.execute_cell(cell, number - 1)
                    finally:
                        _collect(result, number, cell)
                        spent = time.monotonic() - started
                        if cell.cell_type == "code" and spent > result.slowest[1]:
                            result.slowest = (number, spent)
        except CellExecutionError as exc:
            # Python 3.13 names an unclosed bracket _IncompleteInputError, a SyntaxError.
            name = "SyntaxError" if exc.ename == "_IncompleteInputError" else exc.ename
            result.error_name, result.error_value = name, (exc.evalue or "").strip()
            message = result.error_value.splitlines()[0][:200] if result.error_value else ""
            result.error = f"cell {number} `{first_line(cell.source)}`: {name}: {message}"
        except (CellTimeoutError, TimeoutError):
            result.error = f"cell {number}: past the time limit"
        except DeadKernelError:
            result.error = f"cell {number}: the kernel died"
    result.seconds = time.monotonic() - began
    setup = "".join(o.get("text", "") for o in nb.cells[1].get("outputs", []))
    result.setup = next((x for x in setup.splitlines() if x.startswith("Setup:")), "")
    judge(result, nb, student)
    return result


def _collect(result: Result, number: int, cell: nbformat.NotebookNode) -> None:
    if cell.cell_type != "code":
        return
    outputs = [o for o in cell.get("outputs", []) if o.get("output_type") != "error"]
    result.warnings += [f"cell {number}: {w}" for w in warning_lines(outputs)]
    for out in outputs:
        text = "".join(out.get("text", "") or out.get("data", {}).get("text/plain", ""))
        result.verdicts += NOT_IMPLEMENTED_VERDICT.findall(text)


def twin_env(
    work: Path, base_env: dict[str, str] | None = None, root: Path = ROOT
) -> dict[str, str]:
    """The kernels' environment: the stand-in google.colab importable and imported at start,
    git redirected to a local copy of ``root`` (this working tree, or a published student
    repository), pip with its defaults, no download."""
    env = dict(os.environ if base_env is None else base_env)
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"  # figures inline, as on Colab
    env["PYTHONPATH"] = str(colab_standin(work / "standin"))  # and no path into the repository
    ipython = work / "ipython"
    startup = ipython / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-google-colab.py").write_text("import google.colab  # as on Colab\n")
    env["IPYTHONDIR"] = str(ipython)
    env.update(redirect_env(local_origin(work / "origin", root), root))
    # The kernel is this interpreter's, whatever python3 kernel a user or the system installed.
    spec = work / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "Python 3", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel))
    env["JUPYTER_PATH"] = str(work / "jupyter")
    env["PIP_CONFIG_FILE"] = os.devnull  # Colab's pip reads PyPI; no machine-wide settings
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["DLB_DIGITS"] = "sklearn"  # no dataset download (scikit-learn's 8×8 digits)
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


# --------------------------------------------------------------------------- the whole run


def run(
    only: Sequence[str] = (), unit_tests: bool = True, runtime: str = "", root: Path = ROOT
) -> int:
    """Every notebook of ``root`` (this repository, or a student repository that
    ``python -m utils.release publish`` wrote) as Colab runs it, fetching the helpers from
    ``root``; then this repository's unit tests (not for another root)."""
    python = sys.executable
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # debugpy's note on frozen modules
    root = Path(root).resolve()
    paths = [p for p in all_notebooks(root) if not only or any(o in p.name for o in only)]
    if not paths:
        print(f"no notebook's name contains any of {list(only)}: nothing to run", file=sys.stderr)
        return 2
    print(f"Colab twin {runtime}: Python {sys.version.split()[0]}, {_versions()}")
    where = "" if root == ROOT else f" of {root}"
    print(
        f"{len(paths)} notebook(s){where}, each alone in an empty folder with a stand-in "
        "google.colab"
    )
    results = []
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dlb-twin-") as tmp:
        env = twin_env(Path(tmp), root=root)
        os.environ["JUPYTER_PATH"] = env["JUPYTER_PATH"]  # where nbclient looks for the kernel
        for path in paths:
            result = run_notebook(path, env, python)
            results.append(result)
            rel = path.relative_to(root).as_posix()
            if len(results) == 1:
                print(f"  (the first setup cell said: {result.setup or 'nothing'})")
            if result.ok:
                note = result.expected_stop or (
                    f"{len(set(result.verdicts))} ⏳ verdict(s) as expected"
                    if result.verdicts
                    else "no error"
                )
                slow = f"slowest cell {result.slowest[0]}: {result.slowest[1]:.1f} s"
                print(f"  ok    {result.seconds:6.1f} s  {rel}: {note} ({slow})", flush=True)
            else:
                print(f"  FAIL  {result.seconds:6.1f} s  {rel}: {result.problems[0]}", flush=True)
                for more in result.problems[1:]:
                    print(f"                    {more}")
    failed = [r for r in results if not r.ok]
    print(
        f"notebooks: {len(results) - len(failed)} passed, {len(failed)} failed "
        f"in {time.monotonic() - began:.0f} s"
    )
    status = 1 if failed else 0
    if unit_tests and root == ROOT:
        print("unit tests (tests/) in the twin:", flush=True)
        uninstall_colab_lacks(python)
        env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
        command = [python, "-m", "pytest", "tests", "-q", "-rs", "-p", "no:cacheprovider"]
        command += ["-n", "auto"] if importlib.util.find_spec("xdist") else []
        status = max(status, 1 if subprocess.run(command, cwd=ROOT, env=env).returncode else 0)
        uninstall_colab_lacks(python)  # tests/test_notebooks.py's setup cell installs torchviz
    print(f"Colab twin {runtime}: {'FAILED' if status else 'passed'}")
    return status


def _versions() -> str:
    from importlib import metadata

    names = ["torch", "torchvision", "numpy", "matplotlib", "ipykernel", "ipython", "ipywidgets"]
    return ", ".join(f"{n} {metadata.version(n)}" for n in names)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runtime", default="", help="the runtime's name, for the report")
    parser.add_argument("--only", nargs="*", default=(), help="notebooks whose name contains")
    parser.add_argument("--no-unit-tests", action="store_true", help="only the notebooks")
    parser.add_argument(
        "--root",
        type=Path,
        default=ROOT,
        help="run the notebooks of this tree instead, e.g. a student repository written by "
        "`python -m utils.release publish` (its notebooks fetch their helpers from it)",
    )
    args = parser.parse_args(argv)
    if not (args.root / "notebooks").is_dir() or not (args.root / "course.json").is_file():
        parser.error(f"--root {args.root}: expected a course tree with notebooks/ and course.json")
    return run(args.only, not args.no_unit_tests, args.runtime, args.root)


if __name__ == "__main__":
    sys.exit(main())
