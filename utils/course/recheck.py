"""The exercise re-check, in two processes: the student's code in a sandbox, the checks here.

The checker runs each exercise's real check (``check_NAME`` of `utils.checks`) in its own
process, with a stand-in for the student's function (`Remote`): each call sends the case's
inputs, as plain data (`utils.course.plain`), to a sandboxed process (`student_process`) that
has rebuilt the notebook's code (every code cell, in order, as the notebook ran them) and calls
the student's function there; what comes back is plain data decoded from bytes, and the check
compares it with its expected value here, in a process that never loaded the notebook's code.
The sandbox never sees an expected value, the check's code objects or the checker's objects.

A case whose set-up passes objects (a model and its optimizer, a generator, a function) or
differentiates through the student's function is rebuilt in the sandbox from the lesson
helpers (``utils.checks``, by check name, batch and case index), its expected value dropped
before the student's function runs; only the result comes back.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import importlib
import io
import json
import select
import struct
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from utils.course import plain

RUNNER_FILES = ("student_process.py", "plain.py")
HERE = Path(__file__).resolve().parent


class NeedsCase(BaseException):  # noqa: N818 - a signal, not an error (no check catches it)
    """The call passes something that is not plain data: rebuild the case in the sandbox."""


class NotPlainData(TypeError):  # noqa: N818 - the name a student reads in the verdict
    """The student's function returned something that is not plain data."""


class Gone(BaseException):  # noqa: N818 - ends the whole check, whatever it catches
    """The sandboxed process stopped answering."""


def remote_error(answer: dict) -> Exception:
    """An exception that reads like the one the student's function raised."""
    if answer.get("not_implemented"):
        return NotImplementedError(str(answer.get("message", ""))[:300])
    name = "".join(c for c in str(answer.get("raised", "Exception")) if c.isalnum() or c == "_")
    kind = type(name[:60] or "Exception", (Exception,), {})
    message = str(answer.get("message", ""))[:300]
    line = str(answer.get("line", ""))[:200]
    return kind(message + (f" (line: {line})" if line else ""))


class Channel:
    """Length-prefixed messages to and from the sandboxed process, with a deadline."""

    def __init__(self, process: subprocess.Popen, deadline: float):
        self.process, self.deadline = process, deadline
        self.buffer = b""

    def send(self, data: bytes) -> None:
        try:
            self.process.stdin.write(struct.pack(">I", len(data)) + data)
            self.process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise Gone("the re-check's process ended (a crash or a limit)") from None

    def _read(self, size: int) -> bytes:
        stream = self.process.stdout
        while len(self.buffer) < size:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise Gone("the re-check ran past its time limit")
            ready, _, _ = select.select([stream], [], [], min(left, 1.0))
            if not ready:
                continue
            chunk = stream.read1(1 << 20) if hasattr(stream, "read1") else stream.read(1 << 16)
            if not chunk:
                raise Gone("the re-check's process ended (a crash or a limit)")
            self.buffer += chunk
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def receive(self) -> dict:
        (size,) = struct.unpack(">I", self._read(4))
        if size > plain.MAX_BYTES:
            raise Gone(f"the function's result is over {plain.MAX_BYTES >> 20} MB")
        data = self._read(size)
        try:
            answer = json.loads(data.decode("utf-8"), parse_constant=plain._no_constant)
        except (ValueError, RecursionError):
            raise Gone("the re-check's process answered something unreadable") from None
        if not isinstance(answer, dict):
            raise Gone("the re-check's process answered something unreadable")
        return answer

    def ask(self, request: dict) -> dict:
        self.send(json.dumps(request).encode())
        return self.receive()


class Remote:
    """Stands for the student's function ``task`` in the checks; calls go to the sandbox."""

    def __init__(self, channel: Channel, task: str):
        self.channel, self.task = channel, task
        self.__name__ = task

    def __repr__(self) -> str:
        return f"<function {self.task}>"

    def __call__(self, *args, **kwargs):
        try:
            request = {
                "op": "call",
                "task": self.task,
                "args": plain.to_json(tuple(args)),
                "kwargs": plain.to_json(dict(kwargs)),
            }
        except plain.NotPlain:
            raise NeedsCase from None
        return self.result(self.channel.ask(request))

    def case(self, module: str, check: str, batch: int, index: int):
        request = {"op": "case", "task": self.task, "module": module, "check": check}
        request.update(batch=batch, case=index)
        return self.result(self.channel.ask(request))

    @staticmethod
    def result(answer: dict):
        if "value" in answer:
            try:
                return plain.from_json(answer["value"])
            except (ValueError, RecursionError, TypeError) as exc:
                raise NotPlainData(f"its result could not be read back ({exc})") from None
        if "raised" in answer:
            raise remote_error(answer)
        if "not_plain" in answer:
            raise NotPlainData(
                f"it returned {str(answer['not_plain'])[:200]}; the checker accepts plain data "
                "only (tensors, numbers, bools, strings, lists, tuples, dicts of those)"
            )
        raise Gone(f"the re-check's process could not run the case: {answer.get('broken', '')}")


@dataclasses.dataclass
class Outcome:
    status: str  # passed / failed / not implemented
    message: str
    mistake: str | None = None


class _Wiring:
    """In the checker's process only: every case of a check goes through `Remote`, and every
    verdict a check emits is kept (for its known-mistake id)."""

    def __init__(self, remote: Remote, module: str, check: str):
        self.remote, self.module, self.check = remote, module, check
        self.batch = -1
        self.verdicts: list = []
        self.saved: list[tuple[object, str, object]] = []

    def check_function(self, original: Callable) -> Callable:
        def wired(name, fn, cases, **options):
            self.batch += 1
            batch = self.batch
            rewired = [self._case(case, batch, k) for k, case in enumerate(cases)]
            return original(name, fn, rewired, **options)

        return wired

    def _case(self, case, batch: int, index: int):
        call = case.call
        remote = self.remote

        def routed(fn):
            try:
                if call is not None:
                    return call(remote)
                return remote(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
            except NeedsCase:
                return remote.case(self.module, self.check, batch, index)

        return dataclasses.replace(case, call=routed)

    def __enter__(self):
        import sys

        for name, loaded in list(sys.modules.items()):
            if not name.startswith(("utils.checks", HIDDEN_MODULE)):
                continue
            if hasattr(loaded, "check_function"):
                self.saved.append((loaded, "check_function", loaded.check_function))
                loaded.check_function = self.check_function(loaded.check_function)
            if hasattr(loaded, "_emit"):
                self.saved.append((loaded, "_emit", loaded._emit))
                loaded._emit = self._emit
        return self

    def _emit(self, verdict, quiet=False) -> None:
        self.verdicts.append(verdict)

    def __exit__(self, *exc) -> None:
        for loaded, attribute, value in reversed(self.saved):
            setattr(loaded, attribute, value)


def find_check(check: str) -> tuple[str, Callable] | None:
    """(module name, function) of ``check`` in `utils.checks`."""
    checks = importlib.import_module("utils.checks")
    fn = getattr(checks, check, None)
    if fn is None:
        return None
    return fn.__module__, fn


def judge(channel: Channel, task: str, check: str, ready: dict) -> Outcome:
    """Run the real check of ``task`` here, its calls answered by the sandbox."""
    state = ready.get(task) or {"defined": False, "why": "no answer"}
    if not state.get("defined"):
        return Outcome("missing", f"`{task}` is not defined in the notebook")
    if not state.get("callable"):
        kind = str(state.get("type", "?"))[:40]
        return Outcome("failed", f"`{task}` is a {kind}, not a function")
    found = find_check(check)
    if found is None:
        return Outcome("failed", f"the course has no check {check}")
    outcome = _run_check(channel, task, check, *found)
    hidden = hidden_check(check)
    if outcome.status == "passed" and hidden is not None:
        outcome = _run_check(channel, task, check, HIDDEN_MODULE, hidden)
        if outcome.status == "passed":
            outcome.message += " (and the hidden tests)"
    return outcome


HIDDEN_MODULE = "utils.course.lab_hidden"


def hidden_check(check: str) -> Callable | None:
    """The course's hidden test of a graded task (``check_NAME`` in `HIDDEN_MODULE`, which is
    never copied into a sandbox or the student repository), or None."""
    try:
        module = importlib.import_module(HIDDEN_MODULE)
    except ImportError:
        return None
    found = getattr(module, check, None)
    return found if callable(found) else None


def _run_check(channel: Channel, task: str, check: str, module: str, fn: Callable) -> Outcome:
    from utils.checks import ExerciseFailed

    remote = Remote(channel, task)
    wiring = _Wiring(remote, module, check)
    with contextlib.redirect_stdout(io.StringIO()), wiring:
        try:
            verdict = fn(remote)
        except ExerciseFailed as exc:
            last = getattr(exc, "verdict", None) or (
                wiring.verdicts[-1] if wiring.verdicts else None
            )
            return Outcome("failed", str(exc), getattr(last, "mistake", None))
        except Gone as exc:
            return Outcome("failed", str(exc))
        except Exception as exc:  # noqa: BLE001 - a check that breaks is a failed re-check
            return Outcome("failed", f"the check stopped: {type(exc).__name__}: {exc}")
    status = str(getattr(verdict, "status", "failed"))
    return Outcome(status, str(getattr(verdict, "message", "")), getattr(verdict, "mistake", None))
