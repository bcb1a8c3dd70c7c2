"""Running a notebook the way "Restart and run all" on Colab would, inside the sandbox.

Each notebook runs in a fresh python3 kernel in a fresh folder that holds only the notebook and
a read-only copy of ``utils/`` (what the setup cell fetches on Colab), with a time limit per cell
and in all; a cell past its limit stops the run and the kernel is killed, and with it every
process of the sandbox. The kernel talks to the checker over Unix sockets in a folder shared with
the sandbox (it has no network at all). Matplotlib draws inline; ``input()`` raises.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
from jupyter_client import AsyncKernelManager

from utils.course import cgroup, judging, kernel, recheck, sandbox
from utils.course.report import ERROR, TIMEOUT, Report, clean

UTILS_DIR = Path(__file__).resolve().parents[1]
MAX_CELL_OUTPUT_CHARS = 2_000_000  # per cell
MAX_TOTAL_OUTPUT_CHARS = 20_000_000  # per notebook
HINTS = {
    "FileNotFoundError": "the file is not there on Colab, where only the notebook and utils/ are",
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


COLAB_LACKS = ("torchviz",)  # as utils.course.colab_twin knows
MODULE_TO_PACKAGE = {"sklearn": "scikit-learn", "PIL": "pillow", "cv2": "opencv-python"}


def colab_packages() -> set[str]:
    """The packages of Colab's newest runtime (``constraints/colab-RUNTIME.txt``), normalised."""
    files = sorted((UTILS_DIR.parent / "constraints").glob("colab-*.txt"))
    if not files:
        return set()
    names = set()
    for line in files[-1].read_text(encoding="utf-8", errors="replace").splitlines():
        name = line.split("==")[0].strip()
        if name and not name.startswith("#"):
            names.add(re.sub(r"[-_.]+", "-", name).lower())
    return names


def module_hint(evalue: str) -> str:
    """Who lacks a missing module: the checker's Python (not the student's mistake) or Colab."""
    match = re.search(r"No module named '([\w.]+)'", evalue)
    if match is None:
        return "install the package in the notebook (!pip install …)"
    top = match.group(1).split(".")[0]
    package = MODULE_TO_PACKAGE.get(top, top)
    if re.sub(r"[-_.]+", "-", package).lower() in colab_packages():
        return (
            f"Colab has {package}, the checker's Python does not: not a mistake of the notebook; "
            f"the instructor installs it for the checker (pip install {package}) or builds the "
            "Colab twin (.ci/colab-twin)"
        )
    if package in COLAB_LACKS:
        return f"Colab lacks {package} too: install it in the notebook (!pip install {package})"
    return (
        f"the checker's Python lacks {package}; if Colab has it, this is not a mistake of the "
        f"notebook (the instructor installs it for the checker); if not, install it in the "
        f"notebook (!pip install {package})"
    )


def hint_for(ename: str, evalue: str, source: str) -> str:
    if "drive.mount" in source or "google.colab" in evalue:
        return DRIVE_HINT
    if ename == "ModuleNotFoundError":
        return module_hint(evalue)
    if GPU_ERROR.search(evalue) and ename in ("RuntimeError", "AssertionError", "AcceleratorError"):
        return GPU_HINT
    return HINTS.get(ename, "")


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager that starts the kernel inside the sandbox."""

    sandbox_prefix: list[str] = []
    sandbox_uid: int | None = None

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        if cmd and cmd[0] in (sys.executable, "python", "python3"):
            cmd[0] = sandbox.python()  # the Colab twin's Python when it is built
        # What is written to the kernel's own stderr (a crash, an abort) stays there, in a
        # size-limited file, so that a dead kernel's last words can be shown.
        cmd.append("--IPKernelApp.capture_fd_output=False")
        return [*self.sandbox_prefix, *cmd]

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        if self.sandbox_uid is not None:
            os.chown(self.connection_file, self.sandbox_uid, self.sandbox_uid)


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
        try:
            self._fill(nb, name, sandboxed)
        except BaseException:
            shutil.rmtree(self.root, ignore_errors=True)  # nothing left behind
            raise

    def _fill(self, nb, name: str, sandboxed: bool) -> None:
        self.work = self.root / "work"
        self.kernel = self.root / "kernel"
        self.files = self.root / "files"
        for folder in (self.work, self.kernel, self.files):
            folder.mkdir()
        lesson_helpers(self.files / "utils")
        self.name = name
        if nb is not None:
            nbformat.write(nb, self.files / name)
        self.uid = sandbox.sandbox_uid() if sandboxed and os.geteuid() == 0 else None
        if self.uid is not None:
            os.chmod(self.root, 0o755)
            os.chown(self.kernel, self.uid, self.uid)
        if not sandboxed:  # the folder itself is the working folder
            shutil.copytree(self.files, self.work, dirs_exist_ok=True)

    def prefix(
        self,
        limits: sandbox.Limits,
        with_notebook: bool = True,
        extra_ro: tuple = (),
        group: cgroup.Group | None = None,
    ) -> list[str]:
        """The sandbox's command prefix; with the notebook, the kernel's socket folder is its
        one host folder (the re-check's process talks through pipes: none)."""
        ro = [(self.files / "utils", self.work / "utils"), *extra_ro]
        if with_notebook and (self.files / self.name).exists():
            ro.insert(0, (self.files / self.name, self.work / self.name))
        command = sandbox.command(
            self.work,
            limits,
            ro_files=tuple(ro),
            rw_dirs=(self.kernel,) if with_notebook else (),
            uid=self.uid,
            hide=self.hide,
        )
        return [*(group.prefix() if group is not None else []), *command]

    def seal(self) -> None:
        """Once the kernel has made its sockets, its folder is the checker's alone (when the
        sandbox has a user id of its own, as root): a notebook can write nothing there."""
        if self.uid is None:
            return
        for path, dirs, files in os.walk(self.kernel):
            for name in [*dirs, *files]:
                with contextlib.suppress(FileNotFoundError):
                    if not stat.S_ISSOCK(os.lstat(os.path.join(path, name)).st_mode):
                        os.lchown(os.path.join(path, name), 0, 0)
        os.chown(self.kernel, 0, 0)
        os.chmod(self.kernel, 0o755)

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
    # The kernel's own log is noise for a student (errors come back as cell outputs), but a
    # dead kernel's last words say why it died: its last 4 kB are kept, nothing on the disk.
    stderr, watch = Tail(), None
    space = Workspace(nb, name, sandboxed, hide)
    group = cgroup.Group.create(limits) if sandboxed else None
    done = threading.Event()
    km = None
    try:
        km = SandboxKernelManager(kernel_name=kernel_name)
        if sandboxed:
            km.transport = "ipc"
            km.connection_file = str(space.kernel / "kernel.json")
            km.ip = str(space.kernel / "k")
            km.sandbox_prefix = space.prefix(limits, group=group)
            km.sandbox_uid = space.uid
            env = dict(sandbox.environment(limits, "/tmp/home"))
        else:
            env = sandbox.unsandboxed_environment(limits)
        client = kernel.client_class(MAX_CELL_OUTPUT_CHARS, MAX_TOTAL_OUTPUT_CHARS)(
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
            quiet = {"stdout": subprocess.DEVNULL, "stderr": stderr.write_fd}
            with client.setup_kernel(env=env, **quiet):
                stderr.started()
                space.seal()
                if sandboxed:
                    threading.Thread(
                        target=_guard_folder, args=(space.kernel, km, limits, done), daemon=True
                    ).start()
                    process = getattr(km.provisioner, "process", None)
                    if process is not None:
                        watch = sandbox.GroupWatch(process.pid, limits)
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
            last = _stopped(watch, group) or stderr.last_line()
            report.add(
                ERROR,
                f"{where(number, cell)}: the kernel died (out of memory, a limit of the check, "
                "or the process exited)" + (f"; its last words: {last}" if last else ""),
                number,
            )
        except Exception as exc:  # noqa: BLE001 - a kernel that cannot start is still a verdict
            stderr.started()
            last = stderr.last_line()
            report.add(
                ERROR,
                f"the kernel could not run the notebook: {type(exc).__name__}: {clean(exc, 200)}"
                + (f"; its last words: {last}" if last else ""),
            )
    finally:
        done.set()
        if watch is not None:
            watch.stop()
        _end_kernel(km)
        if group is not None:
            group.close()
        stderr.close()
        space.close()
    report.ran = True
    report.sandboxed = sandboxed
    report.runtime_s = time.monotonic() - start


def _end_kernel(km) -> None:
    """Whatever nbclient's shutdown did (a kernel that failed to start, say), the kernel's
    process and its process group are killed and reaped: bwrap's, or the kernel itself when
    unsandboxed. Nothing a notebook started outlives its check, not even as a zombie."""
    process = getattr(getattr(km, "provisioner", None), "process", None)
    if process is None:
        return
    with contextlib.suppress(OSError):
        if os.getpgid(process.pid) == process.pid:  # a session of its own: all of it
            os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


def _guard_folder(folder: Path, km, limits: sandbox.Limits, done: threading.Event) -> None:
    """The kernel's socket folder is the one host folder the sandbox may write to: kill the
    sandbox when it holds more than ``disk_mb`` (files there are also capped by ``file_mb``)."""
    while not done.wait(0.5):
        used = folder_size(folder)
        if used > limits.disk_mb << 20:
            process = getattr(km.provisioner, "process", None)
            if process is not None:
                process.kill()  # bwrap: the sandbox and all its processes go with it
            return


def folder_size(folder: Path) -> int:
    """Bytes in every file under ``folder``, subfolders included (links not followed)."""
    used = 0
    for path, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                used += os.lstat(os.path.join(path, name)).st_size
    return used


def scan_verdicts(cell: nbformat.NotebookNode | None, report: Report) -> None:
    """Collect the checks' "⏳ NAME: not implemented yet" verdicts printed by a cell."""
    if cell is None or cell.cell_type != "code":
        return
    for found in judging.NOT_IMPLEMENTED_VERDICT.findall(judging.outputs_text(cell)):
        judging.add_not_implemented(report, found)


def lesson_helpers(target: Path) -> None:
    """Copy the lesson helpers to ``target`` (``utils/``): never the course's tooling
    (``utils/course/``: the checker, the answer key, hidden tests), never bytecode."""
    shutil.copytree(UTILS_DIR, target, ignore=shutil.ignore_patterns("__pycache__", "course"))


def run_exercises(
    nb: nbformat.NotebookNode,
    found: list[judging.Exercise],
    timeout: float,
    limits: sandbox.Limits | None = None,
    sandboxed: bool = True,
    hide: tuple[Path, ...] = (),
    cell_timeout: float | None = None,
) -> dict[str, recheck.Outcome]:
    """Each exercise re-checked in two processes (`utils.course.recheck`): the notebook's code,
    rebuilt from its cells, in a fresh sandboxed process; the checks in this one. name ->
    Outcome; an exercise with no verdict (the process died) is 'failed'."""
    limits = limits or sandbox.Limits()
    space = Workspace(None, "", sandboxed, hide)
    outcomes: dict[str, recheck.Outcome] = {}
    runner = space.root / "runner"
    runner.mkdir()
    for name in recheck.RUNNER_FILES:
        shutil.copy(recheck.HERE / name, runner / name)
    if space.uid is not None:
        os.chmod(runner, 0o755)
    deadline = time.monotonic() + timeout
    stderr = Tail()  # its last 4 kB: nothing on the host's disk
    group = cgroup.Group.create(limits) if sandboxed else None
    process, watch = None, None
    try:
        if sandboxed:
            extra = ((runner, runner),)
            cmd = space.prefix(limits, with_notebook=False, extra_ro=extra, group=group)
            env = sandbox.launcher_environment()
        else:
            cmd, env = [], sandbox.unsandboxed_environment(limits)
        cmd = [*cmd, sandbox.python(), str(runner / "student_process.py")]
        numbers = [number for number, _ in judging.code_cells(nb)]
        spec = {
            "cells": [cell.source for _, cell in judging.code_cells(nb)],
            "tasks": {e.name: e.target for e in found},
            # the position (in "cells") of each exercise's own cell: its function is taken
            # right after that cell ran, before a later cell can rebind the name
            "task_cells": {e.name: numbers.index(e.cell) for e in found if e.cell in numbers},
            "cell_timeout": max(1, math.ceil(min(cell_timeout or timeout, timeout))),
        }
        try:
            process = subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr.write_fd,
                cwd=space.work,
                env=env,
                start_new_session=True,
                **sandbox.popen_options(),
            )
        finally:
            stderr.started()
        watch = sandbox.GroupWatch(process.pid, limits) if sandboxed else None
        channel = recheck.Channel(process, deadline)
        try:
            channel.send(json.dumps(spec).encode())
            ready = channel.receive().get("ready", {})
        except recheck.Gone as exc:
            why = str(exc)
            tail = _stopped(watch, group) or stderr.last_line()
            ready = None
        if ready is None:
            for exercise in found:
                outcomes[exercise.name] = recheck.Outcome(
                    "failed", why + (f"; its last words: {tail}" if tail else "")
                )
            return outcomes
        if not isinstance(ready, dict):
            ready = {}
        for exercise in found:
            outcomes[exercise.name] = recheck.judge(channel, exercise.name, exercise.check, ready)
        stopped = _stopped(watch, group)  # why the process ended, when the check stopped it
        for outcome in outcomes.values():
            if stopped and outcome.message.startswith("the re-check's process ended"):
                outcome.message += f"; {stopped}"
    finally:
        if watch is not None:
            watch.stop()
        if process is not None:
            with contextlib.suppress(OSError, ValueError):
                process.stdin.close()
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.kill()
            process.wait()
        if group is not None:
            group.close()
        stderr.close()
        space.close()
    return outcomes


def _stopped(watch: sandbox.GroupWatch | None, group: cgroup.Group | None) -> str:
    """Why the check stopped a sandbox's processes ("" when it did not)."""
    reason = (watch.reason if watch is not None else "") or (group.reason() if group else "")
    return f"stopped by the check: {reason}" if reason else ""


class Tail:
    """A pipe for a process's stderr, read by a thread that keeps only its last ``size``
    bytes: a process that writes without end fills neither the host's disk nor the checker's
    memory. Pass `write_fd` as the process's stderr, then call `started`."""

    def __init__(self, size: int = 4096):
        self.size, self.data = size, b""
        read_fd, self.write_fd = os.pipe()
        self._thread = threading.Thread(target=self._read, args=(read_fd,), daemon=True)
        self._thread.start()

    def _read(self, fd: int) -> None:
        with open(fd, "rb", buffering=0) as pipe:
            while chunk := pipe.read(1 << 16):
                self.data = (self.data + chunk)[-self.size :]

    def started(self) -> None:
        """Close the checker's copy of the writing end (the process has its own)."""
        if self.write_fd is not None:
            os.close(self.write_fd)
            self.write_fd = None

    def last_line(self, limit: int = 300) -> str:
        """The last line written (a dead process's last words), once its writers are gone or
        after a second."""
        self._thread.join(1.0)
        text = self.data.decode("utf-8", "replace")
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return clean(lines[-1], limit) if lines else ""

    def close(self) -> None:
        self.started()
        self._thread.join(1.0)
