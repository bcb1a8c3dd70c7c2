"""Each notebook executes once per test run; the notebook test, the sliders' test and the
readers' edition reuse that run.

`run(path)` executes a notebook top to bottom in a fresh kernel (nbclient, with the site's
kernel settings: offline digits, inline figures at twice the pixels) and remembers the result
for the rest of the session. A notebook with an ``interact`` runs with two extra cells, one
before its first cell that records every ``interactive`` it builds, one after its last that
moves every control as a student would after "Run all" (tests/test_sliders.py reads that
report); both are removed from the executed notebook that the other tests see.

The root conftest.py turns this into the notebook test: with ``--nbval-lax`` (or ``--nbval``),
pyproject's default, every ``notebooks/*.ipynb`` on the command line or under a test path is
one test item that fails with the first failing cell, its source and its traceback. nbval's own
collection is switched off, since it would execute every notebook a second time.

No wall-clock limit decides a verdict: a cell is stopped only by a stall guard (`STALL_GUARD`
seconds), far beyond any cell's run even on a loaded machine, so that a hung kernel still ends.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
STALL_GUARD = 1800  # seconds a single cell may run before its kernel counts as hung

# Run first: remember every `interactive` the notebook builds (`interact` builds one each).
SLIDER_PROLOGUE = """\
import ipywidgets as _dlb_w
_DLB_BOXES = []
_dlb_init = _dlb_w.interactive.__init__
def _dlb_record(self, *args, **kwargs):
    _dlb_init(self, *args, **kwargs)
    _DLB_BOXES.append(self)
_dlb_w.interactive.__init__ = _dlb_record
"""

# Run last: move every control; `interactive.update` reports an error of the slider's function
# through IPython's showtraceback, which we record instead of printing.
SLIDER_EPILOGUE = """\
import json as _dlb_json
import traceback as _dlb_tb
import matplotlib.pyplot as _dlb_plt
_dlb_errors, _dlb_moves = [], 0
_dlb_ip = get_ipython()
_dlb_ip.showtraceback = lambda *a, **k: _dlb_errors.append(_dlb_tb.format_exc(limit=-3))

def _dlb_candidates(control):
    values = getattr(control, "_options_values", None)
    if values:
        return list(values)[:4]
    if isinstance(control.value, bool):
        return [not control.value]
    if hasattr(control, "min") and hasattr(control, "max"):
        lo, hi = control.min, control.max
        return [lo, hi, type(control.value)(lo + (hi - lo) / 3)]
    return []

for _dlb_k, _dlb_box in enumerate(_DLB_BOXES):
    for _dlb_c in _dlb_box.kwargs_widgets:
        for _dlb_v in _dlb_candidates(_dlb_c):
            if _dlb_v == _dlb_c.value:
                continue
            _dlb_before = len(_dlb_errors)
            _dlb_c.value = _dlb_v
            _dlb_moves += 1
            for _dlb_e in _dlb_errors[_dlb_before:]:
                _dlb_errors[_dlb_errors.index(_dlb_e)] = (
                    f"interact #{_dlb_k + 1}, {_dlb_c.description or '?'} = {_dlb_v!r}:\\n{_dlb_e}"
                )
            _dlb_plt.close("all")
print(_dlb_json.dumps({"boxes": len(_DLB_BOXES), "moves": _dlb_moves, "errors": _dlb_errors}))
"""


@dataclass
class Run:
    """One notebook after its run."""

    path: Path
    notebook: nbformat.NotebookNode  # executed, without the sliders' two cells
    seconds: float
    error: str | None = None  # why the run stopped early (the failing cell, a dead kernel)
    sliders: dict | None = None  # the sliders' report: boxes, moves, errors (None: no interact)


_RUNS: dict[tuple[Path, bool], Run] = {}


def uses_sliders(nb: nbformat.NotebookNode) -> bool:
    return any(c.cell_type == "code" and "interact" in c.source for c in nb.cells)


def run(path: Path | str, *, allow_errors: bool = False) -> Run:
    """``path`` executed top to bottom, once per session (later calls return the same run).

    ``allow_errors`` goes on after a failing cell (the student edition, whose tasks are left
    to do); otherwise the run stops at the first failing cell and says which in ``error``.
    The first run of a series notebook starts the whole series (`prefetch`).
    """
    path = Path(path).resolve()
    key = (path, allow_errors)
    if key not in _RUNS:
        if path.parent == ROOT / "notebooks":
            prefetch()
        pending = _PENDING.pop(key, None)
        _RUNS[key] = pending.result() if pending is not None else _execute(path, allow_errors)
    return _RUNS[key]


# The series' notebooks run JOBS at a time, each driven from a process of its own (nbclient's
# clients sharing one event loop have been seen to stall a widget cell), while the tests go on.
JOBS = 2
_PENDING: dict[tuple[Path, bool], Future] = {}
_POOL: list[ProcessPoolExecutor] = []


def series_runs() -> list[tuple[Path, bool]]:
    """What the notebook test, the sliders' test and the readers' edition run: every notebook
    of the series (the longest first), and the graded lab's student edition (the site's)."""
    complete = sorted(
        (ROOT / "notebooks").glob("*.ipynb"), key=lambda p: p.stat().st_size, reverse=True
    )
    graded = json.loads((ROOT / "course.json").read_text(encoding="utf-8")).get("graded", {})
    student = [ROOT / "notebooks" / "exercises" / name for name in graded]
    return [(p, False) for p in complete] + [(p, True) for p in student if p.is_file()]


_WANTED: set[tuple[Path, bool]] = set()


def plan(items: list[pytest.Item]) -> None:
    """Note the runs the session's tests will ask for: a notebook test's, a test's ``path``
    parameter's, and every series run for the readers' edition (``built_site``)."""
    everything = {(p.resolve(), errors) for p, errors in series_runs()}
    for item in items:
        if isinstance(item, NotebookItem):
            _WANTED.add((Path(item.path).resolve(), False))
        elif "built_site" in getattr(item, "fixturenames", ()):
            _WANTED.update(everything)
        else:
            path = getattr(getattr(item, "callspec", None), "params", {}).get("path")
            if isinstance(path, Path) and path.suffix == ".ipynb":
                _WANTED.add((path.resolve(), False))
    _WANTED.intersection_update(everything)


def prefetch() -> None:
    """Start, in the background, every planned run of `series_runs` not made yet."""
    if _POOL:
        return
    pool = ProcessPoolExecutor(max_workers=JOBS, mp_context=multiprocessing.get_context("spawn"))
    _POOL.append(pool)
    for path, allow_errors in series_runs():
        key = (path.resolve(), allow_errors)
        if key in _WANTED and key not in _RUNS:
            _PENDING[key] = pool.submit(_execute, *key)


def shutdown() -> None:
    """At the session's end: runs that no test asked for are cancelled."""
    for pool in _POOL:
        pool.shutdown(wait=True, cancel_futures=True)


def _execute(path: Path, allow_errors: bool) -> Run:
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    from utils.course import site
    from utils.course.kernel import notebook_client

    nb = nbformat.read(path, as_version=4)
    sliders = uses_sliders(nb)
    if sliders:
        nb.cells.insert(0, nbformat.v4.new_code_cell(SLIDER_PROLOGUE))
        nb.cells.append(nbformat.v4.new_code_cell(SLIDER_EPILOGUE))
    client = notebook_client(  # the course's one kernel runner: its 1-second polls never stall
        nb,
        timeout=STALL_GUARD,
        kernel_name="python3",
        allow_errors=allow_errors,
        extra_arguments=["--InlineBackend.figure_formats=retina"],  # as the site shows them
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    error = None
    try:
        client.execute(env=site.kernel_env(jobs=1))
    except CellExecutionError as exc:
        error = str(exc)
    except (CellTimeoutError, DeadKernelError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - any other failure is this notebook's verdict too
        error = f"the kernel could not run the notebook: {type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    report = None
    if sliders:
        epilogue = nb.cells.pop()
        nb.cells.pop(0)
        text = "".join(
            o.get("text", "") for o in epilogue.get("outputs", []) if o.output_type == "stream"
        )
        lines = text.strip().splitlines()
        try:
            report = json.loads(lines[-1]) if lines else None
        except ValueError:
            report = None
    return Run(path, nb, seconds, error, report)


# ----------------------------------------------------------------------------------------------
# The notebook test: one item per notebook, in place of nbval's one item per cell
# ----------------------------------------------------------------------------------------------

_RUN_NOTEBOOKS = pytest.StashKey[bool]()


def configure(config: pytest.Config) -> None:
    """Called by the root conftest.py's ``pytest_configure``."""
    wanted = bool(getattr(config.option, "nbval", False) or getattr(config.option, "nbval_lax", 0))
    config.stash[_RUN_NOTEBOOKS] = wanted
    if wanted:  # nbval would execute every notebook a second time: these items replace it
        config.option.nbval = config.option.nbval_lax = False


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if file_path.suffix == ".ipynb" and parent.config.stash.get(_RUN_NOTEBOOKS, False):
        return NotebookFile.from_parent(parent, path=file_path)
    return None


class NotebookFile(pytest.File):
    def collect(self):
        yield NotebookItem.from_parent(self, name="runs end to end")


class NotebookItem(pytest.Item):
    """A notebook runs top to bottom without an error (what ``nbval --nbval-lax`` checked)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_marker(pytest.mark.slow)
        self.add_marker(pytest.mark.xdist_group("notebook_runs"))  # tests/conftest.py

    def runtest(self) -> None:
        result = run(self.path)
        if result.error:
            raise NotebookFailed(result.error)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, NotebookFailed):
            return f"{self.path.name} failed while running:\n{excinfo.value}"
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, 0, f"{self.path.name}: runs end to end"


class NotebookFailed(Exception):
    """A cell of the notebook raised (nbclient's message: the cell's source and traceback)."""
