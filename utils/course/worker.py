"""One notebook's check in its own process, for a batch (`utils.course.checker.check_batch`).

The processes are forked from a server that has imported the checker once (multiprocessing's
``forkserver``), so a check starts in milliseconds; a notebook that takes its process down costs
only its own row, which the batch then writes with the reason.
"""

from __future__ import annotations

import importlib.machinery
import multiprocessing
import os
import sys
import threading
import time
import types
from pathlib import Path

MEMORY_MB = 4096  # one file's checker process (torch and the comparisons need ~1 GB)
_CONTEXT = None
_STARTING = threading.Lock()
# What the worker processes see as the main module. multiprocessing would otherwise re-run the
# caller's own main script in each of them (or fail: `python - < script`, a notebook's kernel);
# a name ending in ".__main__" tells it there is nothing to re-run.
_NEUTRAL_MAIN = types.ModuleType("__mp_main__")
_NEUTRAL_MAIN.__spec__ = importlib.machinery.ModuleSpec("utils.course.__main__", None)


def context():
    """The multiprocessing context whose server has the checker imported."""
    global _CONTEXT
    if _CONTEXT is None:
        methods = multiprocessing.get_all_start_methods()
        _CONTEXT = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if "forkserver" in methods:
            _CONTEXT.set_forkserver_preload(["utils.course.checking"])
    return _CONTEXT


def _work(job: dict, conn) -> None:
    from utils.course.checking import check_notebook, in_process
    from utils.course.report import ERROR, Report, clean

    root = Path(job["root"]) if job["root"] else None
    if job.get("course_file"):
        os.environ["DLB_COURSE_FILE"] = job["course_file"]
    else:
        os.environ.pop("DLB_COURSE_FILE", None)
    try:
        report = check_notebook(Path(job["path"]), root=root, **in_process(job["options"]))
    except Exception as exc:  # noqa: BLE001 - a bug of the checker is one file's verdict
        report = Report(Path(job["path"]))
        report.add(ERROR, f"the checker failed on this file: {type(exc).__name__}: {clean(exc)}")
    conn.send(report.to_json())
    conn.close()


def resident_mb(pid: int | None) -> float:
    """The resident memory of a process, in MB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def check(job: dict, timeout: float) -> tuple[dict | None, str]:
    """The report (as JSON) of one notebook, or None and why there is none."""
    ctx = context()
    receive, send = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_work, args=(job, send), daemon=True)
    with _STARTING:
        main = sys.modules["__main__"]
        sys.modules["__main__"] = _NEUTRAL_MAIN
        try:
            process.start()
        finally:
            sys.modules["__main__"] = main
    send.close()
    deadline = time.monotonic() + timeout
    try:
        while True:
            if receive.poll(min(1.0, max(0.0, deadline - time.monotonic()))):
                try:
                    return receive.recv(), ""
                except (EOFError, OSError):
                    pass
                process.join(5)
                return None, (
                    f"the checker's process for this file ended (status {process.exitcode})"
                )
            if time.monotonic() >= deadline:
                return None, f"the checker's process for this file ran past {timeout:g} s"
            if resident_mb(process.pid) > MEMORY_MB:
                return None, (
                    f"the checker's process for this file used over {MEMORY_MB} MB (a file "
                    "built to exhaust the checker?)"
                )
    finally:
        receive.close()
        if process.is_alive():
            process.kill()
        process.join(5)
