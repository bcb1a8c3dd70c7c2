"""Running a notebook the way "Restart and run all" on Colab would, inside the sandbox.

Each notebook runs in a fresh python3 kernel in a fresh folder that holds only the notebook and
a read-only copy of ``utils/`` (what the setup cell fetches on Colab), with a time limit per cell
and in all; a cell past its limit stops the run and the kernel is killed, and with it every
process of the sandbox. The kernel talks to the checker over Unix sockets in a folder shared with
the sandbox (it has no network at all). Matplotlib draws inline; ``input()`` raises.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
from jupyter_client import AsyncKernelManager

from utils.course import judging, sandbox
from utils.course.report import ERROR, TIMEOUT, Report, clean

UTILS_DIR = Path(__file__).resolve().parents[1]
MAX_CELL_OUTPUT_CHARS = 2_000_000  # per cell
MAX_TOTAL_OUTPUT_CHARS = 20_000_000  # per notebook
HINTS = {
    "FileNotFoundError": "the file is not there on Colab, where only the notebook and utils/ are",
    "ModuleNotFoundError": "Colab lacks this package: install it in the notebook (!pip install …)",
    "NotImplementedError": "an exercise still raises its stub: complete it",
    "StdinNotImplementedError": "input() cannot be used: set the value in the code instead",
}
DRIVE_HINT = (
    "Google Drive cannot be mounted when the notebook is checked: put the files it needs "
    "beside the notebook, or make them in the notebook"
)
GPU_HINT = (
    "this needs a GPU and the check has none: use `DEVICE` from the setup cell "
    "(`.to(DEVICE)`), never 'cuda' directly"
)
GPU_ERROR = re.compile(r"CUDA|cuda|NVIDIA driver|no NVIDIA|Torch not compiled with CUDA")


def first_line(source: str, limit: int = 60) -> str:
    """The cell's first non-blank line, escaped and cut to ``limit`` characters."""
    line = next((s.strip() for s in source.splitlines() if s.strip()), "")
    return clean(line, limit)


def where(number: int, cell: nbformat.NotebookNode | None) -> str:
    """ "cell 7 `its first line`", or the kernel's start before any cell ran."""
    return f"cell {number} `{first_line(cell.source)}`" if cell is not None else "kernel start"


def exception_name(ename: str) -> str:
    """The name a student knows: Python 3.13 calls an unclosed bracket _IncompleteInputError."""
    return "SyntaxError" if ename == "_IncompleteInputError" else ename


def hint_for(ename: str, evalue: str, source: str) -> str:
    if "drive.mount" in source or "google.colab" in evalue:
        return DRIVE_HINT
    if GPU_ERROR.search(evalue) and ename in ("RuntimeError", "AssertionError", "AcceleratorError"):
        return GPU_HINT
    return HINTS.get(ename, "")


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager that starts the kernel inside the sandbox."""

    sandbox_prefix: list[str] = []
    sandbox_uid: int | None = None

    def format_kernel_cmd(self, extra_arguments=None):
        return [*self.sandbox_prefix, *super().format_kernel_cmd(extra_arguments)]

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        if self.sandbox_uid is not None:
            os.chown(self.connection_file, self.sandbox_uid, self.sandbox_uid)


def _client_class() -> type:
    """nbclient's NotebookClient with caps on the output (imported only to run)."""
    from nbclient import NotebookClient

    class CappedClient(NotebookClient):
        """Keeps at most MAX_CELL_OUTPUT_CHARS per cell and MAX_TOTAL_OUTPUT_CHARS in all, so
        that a cell printing in an endless loop fills neither the memory nor the report."""

        total_chars = 0

        def output(self, outs, msg, display_id, cell_index):
            content = msg.get("content", {})
            size = len(str(content.get("text", ""))) + sum(
                len(str(v)) for v in content.get("data", {}).values()
            )
            if cell_index != getattr(self, "_sized_cell", None):
                self._sized_cell, self._output_chars = cell_index, 0
            self._output_chars += size
            self.total_chars += size
            if self._output_chars > MAX_CELL_OUTPUT_CHARS:
                return None
            if self.total_chars > MAX_TOTAL_OUTPUT_CHARS:
                return None
            return super().output(outs, msg, display_id, cell_index)

    return CappedClient


class Workspace:
    """A temporary folder on the host: the notebook and utils/ copies, the kernel's sockets."""

    def __init__(
        self,
        nb: nbformat.NotebookNode | None,
        name: str,
        sandboxed: bool,
        hide: tuple[Path, ...] = (),
    ):
        self.hide = hide
        self.root = Path(tempfile.mkdtemp(prefix="dlb-check-"))
        self.work = self.root / "work"
        self.kernel = self.root / "kernel"
        self.files = self.root / "files"
        for folder in (self.work, self.kernel, self.files):
            folder.mkdir()
        shutil.copytree(
            UTILS_DIR, self.files / "utils", ignore=shutil.ignore_patterns("__pycache__")
        )
        self.name = name
        if nb is not None:
            nbformat.write(nb, self.files / name)
        self.uid = sandbox.sandbox_uid() if sandboxed and os.geteuid() == 0 else None
        if self.uid is not None:
            os.chmod(self.root, 0o755)
            os.chown(self.kernel, self.uid, self.uid)
        if not sandboxed:  # the folder itself is the working folder
            shutil.copytree(self.files, self.work, dirs_exist_ok=True)

    def prefix(self, limits: sandbox.Limits, with_notebook: bool = True) -> list[str]:
        ro = [(self.files / "utils", self.work / "utils")]
        if with_notebook and (self.files / self.name).exists():
            ro.insert(0, (self.files / self.name, self.work / self.name))
        return sandbox.command(
            self.work,
            limits,
            ro_files=tuple(ro),
            rw_dirs=(self.kernel,),
            uid=self.uid,
            hide=self.hide,
        )

    def sweep(self) -> None:
        """Kill whatever still runs under the sandbox's user id (there should be nothing)."""
        if self.uid is None:
            return
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if entry.stat().st_uid == self.uid:
                    os.kill(int(entry.name), signal.SIGKILL)
            except OSError:
                continue

    def close(self) -> None:
        self.sweep()
        shutil.rmtree(self.root, ignore_errors=True)


def run_notebook(
    nb: nbformat.NotebookNode,
    name: str,
    report: Report,
    cell_timeout: float,
    total_timeout: float,
    kernel_name: str = "python3",
    limits: sandbox.Limits | None = None,
    sandboxed: bool = True,
    hide: tuple[Path, ...] = (),
) -> None:
    """Run every cell in a fresh kernel and folder; record times, outputs and the first error."""
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    limits = limits or sandbox.Limits()
    start = time.monotonic()
    deadline = start + total_timeout
    space = Workspace(nb, name, sandboxed, hide)
    done = threading.Event()
    try:
        km = SandboxKernelManager(kernel_name=kernel_name)
        if sandboxed:
            km.transport = "ipc"
            km.connection_file = str(space.kernel / "kernel.json")
            km.ip = str(space.kernel / "k")
            km.sandbox_prefix = space.prefix(limits)
            km.sandbox_uid = space.uid
            env = dict(sandbox.environment(limits, "/tmp/home"))
        else:
            env = sandbox.unsandboxed_environment(limits)
        client = _client_class()(
            nb,
            km=km,
            kernel_name=kernel_name,
            timeout=max(1, math.ceil(cell_timeout)),
            startup_timeout=max(1, math.ceil(min(60, total_timeout))),
            shutdown_kernel="immediate",
            resources={"metadata": {"path": str(space.work)}},
        )
        number, cell, by_total = 0, None, False
        try:
            # The kernel's own log is noise for a student: errors come back as cell outputs.
            quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
            with client.setup_kernel(env=env, **quiet):
                if sandboxed:
                    threading.Thread(
                        target=_guard_folder, args=(space.kernel, km, limits, done), daemon=True
                    ).start()
                for number, cell in enumerate(nb.cells, start=1):
                    remaining = deadline - time.monotonic()
                    by_total = remaining < cell_timeout
                    if remaining <= 0:
                        raise TimeoutError
                    client.timeout = max(1, math.ceil(min(cell_timeout, remaining)))
                    began = time.monotonic()
                    try:
                        client.execute_cell(cell, number - 1)
                    finally:
                        if cell.cell_type == "code" and cell.source.strip():
                            spent = time.monotonic() - began
                            report.cell_times.append((number, first_line(cell.source), spent))
                    scan_verdicts(cell, report)
        except CellExecutionError as exc:
            scan_verdicts(cell, report)
            ename, evalue = clean(exc.ename or "Error", 80), (exc.evalue or "").strip()
            ename = exception_name(ename)
            if ename == "NotImplementedError":
                match = judging.STUB_MESSAGE.match(evalue)
                judging.add_not_implemented(report, match.group(1) if match else f"cell {number}")
            first = clean(evalue.splitlines()[0], 200) if evalue else ""
            message = f"{ename}: {first}" if first else ename
            hint = hint_for(ename, evalue, cell.source if cell is not None else "")
            report.add(
                ERROR, f"{where(number, cell)}: {message}" + (f" ({hint})" if hint else ""), number
            )
        except (CellTimeoutError, TimeoutError):
            limit = (
                f"the total limit of {total_timeout:g} s"
                if by_total
                else f"the limit of {cell_timeout:g} s per cell"
            )
            report.add(
                TIMEOUT,
                f"{where(number, cell)}: stopped after {limit} (an endless loop?)",
                number or None,
            )
        except DeadKernelError:
            report.add(
                ERROR,
                f"{where(number, cell)}: the kernel died (out of memory, a limit of the check, "
                "or the process exited)",
                number,
            )
        except Exception as exc:  # noqa: BLE001 - a kernel that cannot start is still a verdict
            report.add(
                ERROR,
                f"the kernel could not run the notebook: {type(exc).__name__}: {clean(exc, 200)}",
            )
    finally:
        done.set()
        space.close()
    report.ran = True
    report.sandboxed = sandboxed
    report.runtime_s = time.monotonic() - start


def _guard_folder(folder: Path, km, limits: sandbox.Limits, done: threading.Event) -> None:
    """The kernel's socket folder is the one host folder the sandbox may write to: kill the
    sandbox when it holds more than ``disk_mb`` (files there are also capped by ``file_mb``)."""
    while not done.wait(0.5):
        try:
            used = sum(entry.stat().st_size for entry in os.scandir(folder) if entry.is_file())
        except OSError:
            continue
        if used > limits.disk_mb << 20:
            process = getattr(km.provisioner, "process", None)
            if process is not None:
                process.kill()  # bwrap: the sandbox and all its processes go with it
            return


def scan_verdicts(cell: nbformat.NotebookNode | None, report: Report) -> None:
    """Collect the checks' "⏳ NAME: not implemented yet" verdicts printed by a cell."""
    if cell is None or cell.cell_type != "code":
        return
    for found in judging.NOT_IMPLEMENTED_VERDICT.findall(judging.outputs_text(cell)):
        judging.add_not_implemented(report, found)


def run_exercises(
    nb: nbformat.NotebookNode,
    found: list[judging.Exercise],
    timeout: float,
    limits: sandbox.Limits | None = None,
    sandboxed: bool = True,
    hide: tuple[Path, ...] = (),
) -> dict[str, tuple[str, str]]:
    """Each exercise's check, re-run in a fresh sandboxed process from the notebook's source:
    name -> (status, message). An exercise with no verdict (the process died) is 'failed'."""
    limits = limits or sandbox.Limits()
    nonce = "@@" + os.urandom(16).hex() + "@@"
    space = Workspace(None, "", sandboxed, hide)
    verdicts: dict[str, tuple[str, str]] = {}
    try:
        out_path = space.root / "fresh.out"
        if sandboxed:
            cmd = space.prefix(limits, with_notebook=False)
            env = None
        else:
            cmd, env = [], sandbox.unsandboxed_environment(limits)
        cmd = [*cmd, sys.executable, "-c", judging.RUNNER]
        with open(out_path, "wb") as out:
            try:
                subprocess.run(
                    cmd,
                    input=judging.exercise_input(nonce, nb, found).encode(),
                    stdout=out,
                    stderr=subprocess.DEVNULL,
                    cwd=space.work,
                    env=env,
                    timeout=timeout,
                    start_new_session=True,
                    check=False,
                )
                stopped = ""
            except subprocess.TimeoutExpired:
                stopped = f"the checks ran past {timeout:g} s"
        with open(out_path, encoding="utf-8", errors="replace") as handle:
            lines = (line for line in handle if line.startswith(nonce))
            verdicts = judging.read_verdicts(nonce, "".join(lines))
    finally:
        space.close()
    for exercise in found:
        if exercise.name not in verdicts:
            why = stopped or "the check's process ended before its verdict (a crash or a limit)"
            verdicts[exercise.name] = ("failed", why)
    return verdicts
