"""The student's side of the exercise re-check: runs in the sandbox, never in the checker.

Started as ``python student_process.py`` (beside a copy of `plain.py`) in the notebook's sandbox,
in a folder with the lesson helpers (``utils/`` without ``utils/course/``). It reads messages
from its standard input and answers on the standard output it had at start; each message is a
4-byte big-endian length and that many bytes.

1. The first message (JSON) holds the notebook's code cells, in order, and the exercises: each
   a name and the Python expression that names its function (``standardize``, ``my_std``,
   ``lambda x: x``). The cells run in an IPython shell, as the notebook ran them (magics,
   ``%%writefile``, a failing cell does not stop the others); what they print goes nowhere.
   The answer (JSON) says, per exercise, whether its function is defined and callable.
2. Then each request (JSON) is a call: ``{"op": "call", "task": NAME, "args": …, "kwargs": …}``
   with plain arguments (`plain`), or ``{"op": "case", "task": NAME, "module": …, "check": …,
   "batch": I, "case": K}``: the K-th case of the I-th batch of a check whose set-up passes
   objects (a model, a generator) or differentiates through the function; it is rebuilt here
   from the lesson helpers, its expected value dropped before the student's function runs.
   The answer is ``{"value": plain}`` or ``{"raised": …}`` or ``{"not_plain": …}``.

Nothing here compares anything: the checker, a process that never loads the notebook's code,
compares what comes back with what it expects. Whatever this process answers (a notebook can
rewrite all of it) is only ever the student's own result, reduced to plain data.
"""

from __future__ import annotations

import json
import os
import signal
import struct
import sys
import traceback

MAX_MESSAGE = 64 << 20


def read_message(stream) -> bytes | None:
    head = stream.read(4)
    if len(head) < 4:
        return None
    (size,) = struct.unpack(">I", head)
    if size > MAX_MESSAGE:
        return None
    data = stream.read(size)
    return data if len(data) == size else None


def write_message(stream, data: bytes) -> None:
    stream.write(struct.pack(">I", len(data)) + data)
    stream.flush()


def _user_line(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith("<")]
    return frames[-1].line.strip() if frames and frames[-1].line else ""


def _raised(exc: BaseException) -> dict:
    return {
        "raised": type(exc).__name__,
        "message": str(exc)[:2000],
        "line": _user_line(exc)[:300],
        "not_implemented": isinstance(exc, NotImplementedError),
    }


def _answer(plain, call) -> dict:
    try:
        value = call()
    except Exception as exc:  # noqa: BLE001 - the student's error is their result
        return _raised(exc)
    try:
        return {"value": plain.to_json(value)}
    except plain.NotPlain as exc:
        return {"not_plain": str(exc)[:300]}
    except Exception as exc:  # noqa: BLE001 - a result that breaks while read
        return {"not_plain": f"a result that could not be read ({type(exc).__name__})"}


def _rebuilt_case(request: dict):
    """The case's set-up, rebuilt from the lesson helpers, with no expected value."""
    import importlib

    module = importlib.import_module(str(request["module"]))
    check = getattr(module, str(request["check"]))
    batches: list[list] = []

    class Nothing:
        status, message, name, mistake = "passed", "", "", None

    def capture(name, fn, cases, **options):
        batches.append([case for case in cases])
        return Nothing()

    saved = {}
    for loaded in list(sys.modules.values()):
        if getattr(loaded, "__name__", "").startswith("utils.checks") and hasattr(
            loaded, "check_function"
        ):
            saved[loaded] = loaded.check_function
            loaded.check_function = capture
    try:
        check(lambda *a, **k: None)
    except Exception:  # noqa: BLE001,S110 - a check that uses a verdict's details
        pass
    finally:
        for loaded, original in saved.items():
            loaded.check_function = original
    case = batches[int(request["batch"])][int(request["case"])]
    for batch in batches:
        for each in batch:
            each.expected = None
    return case


def serve() -> int:
    inbox = sys.stdin.buffer
    outbox = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # what the cells print goes nowhere
    os.environ["MPLBACKEND"] = "Agg"
    sys.path.insert(0, os.getcwd())
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import plain

    sys.path.remove(here)
    spec = json.loads(read_message(inbox) or b"{}")
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance(colors="nocolor")
    limit = int(spec.get("cell_timeout") or 0)

    def too_long(signum, frame):
        raise TimeoutError(f"the cell ran past {limit} s")

    signal.signal(signal.SIGALRM, too_long)
    tasks = spec.get("tasks", {})
    # An exercise's function is taken right after its own cell ran (a later cell may import
    # the reference under the same name); a task without a cell, after the last cell.
    after_cell: dict[int, list[str]] = {}
    for task in tasks:
        after_cell.setdefault(spec.get("task_cells", {}).get(task, -1), []).append(task)
    functions, ready = {}, {}

    def take(names) -> None:
        for task in names:
            try:
                fn = eval(tasks[task], shell.user_ns)  # noqa: S307 - the student's code, sandboxed
            except Exception as exc:  # noqa: BLE001
                ready[task] = {"defined": False, "why": f"{type(exc).__name__}: {exc}"[:300]}
                continue
            functions[task] = fn
            ready[task] = {"defined": True, "callable": callable(fn), "type": type(fn).__name__}

    for position, source in enumerate(spec.get("cells", [])):
        try:
            signal.alarm(limit)
            shell.run_cell(source, store_history=False, silent=False)
        except BaseException:  # noqa: BLE001,S110 - SystemExit in a cell: go on, as Jupyter
            pass
        finally:
            signal.alarm(0)
        take(after_cell.pop(position, []))
    take([task for names in after_cell.values() for task in names])
    sys.stdout.flush()
    write_message(outbox, json.dumps({"ready": ready}).encode())
    while True:
        data = read_message(inbox)
        if data is None:
            return 0
        try:
            request = json.loads(data)
            fn = functions[request["task"]]
            if request["op"] == "call":
                args = plain.from_json(request["args"])
                kwargs = plain.from_json(request["kwargs"])
                answer = _answer(plain, lambda: fn(*args, **kwargs))  # noqa: B023 - called at once
            else:
                case = _rebuilt_case(request)
                if case.call is not None:
                    answer = _answer(plain, lambda: case.call(fn))  # noqa: B023
                else:
                    answer = _answer(plain, lambda: fn(*case.args, **case.kwargs))  # noqa: B023
        except Exception as exc:  # noqa: BLE001 - a request this process cannot serve
            answer = {"broken": f"{type(exc).__name__}: {exc}"[:300]}
        try:
            reply = json.dumps(answer, allow_nan=False).encode()
        except (TypeError, ValueError) as exc:
            reply = json.dumps({"not_plain": f"a result that could not be sent ({exc})"}).encode()
        write_message(outbox, reply)


if __name__ == "__main__":
    sys.exit(serve())
