"""A class's worth of hostile notebooks, checked in one sandboxed batch (`utils.lab`, issue 12).

The notebooks are written here: one or more per way a submission attacked or fooled the checker
(write anywhere, read secrets, the network, fork bombs and survivors, memory and disk, odd files,
forged verdicts, escapes and formulas) and the honest notebooks it used to flag. The batch runs as
an instructor would run it (`python -m utils.lab check FOLDER --jobs 2 --csv …`) with a fake HOME
and a secret in its environment; then nothing outside the temporary folders may have changed,
no process may survive, no secret may appear, and every file has its row with the right verdict.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from utils.course import report as report_mod
from utils.course import sandbox
from utils.course.checker import REPO_ROOT, shard

# Small team notebooks that test the sandbox, not the graded lab (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("course_without_graded_notebooks")

SECRET = "s3cr3t-token-4f1c9a"  # in the instructor's environment
HOME_SECRET = "home-secret-77d2e0"  # in the instructor's ~/.ssh and ~/.netrc
TEAM = 'TEAM = ["Ada Lovelace", "Alan Turing"]'
SURVIVOR = "611.5"  # `sleep 611.5`: a process that must not outlive the batch

WORKS, WHY = sandbox.availability()
needs_sandbox = pytest.mark.skipif(not WORKS, reason=f"no working bubblewrap sandbox: {WHY}")


def ran(source: str, text: str = "ok\n") -> nbformat.NotebookNode:
    """A code cell as saved after running."""
    cell = new_code_cell(source, execution_count=1)
    cell.outputs = [new_output("stream", name="stdout", text=text)]
    return cell


def notebook(*cells, team: str | None = TEAM) -> nbformat.NotebookNode:
    head = [new_markdown_cell("# A lab")] + ([ran(team)] if team else [])
    nb = new_notebook(cells=head + [c if isinstance(c, dict) else ran(c) for c in cells])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


STANDARDIZE_OK = (
    "def standardize(x):\n"
    "    std = x.std(dim=0, unbiased=False)\n"
    "    return (x - x.mean(dim=0)) / std.clamp_min(EPS)  # a constant of another cell\n\n\n"
    "check_standardize(standardize)"
)


def corpus(folder: Path, home: Path, port: int, csv_path: Path) -> dict[str, dict]:
    """Write the notebooks; return name -> what its row must say."""
    classmate = folder / "classmate.ipynb"
    targets = [
        home / ".bashrc",
        home / ".ssh" / "authorized_keys",
        REPO_ROOT / "utils" / "checks" / "__init__.py",
        REPO_ROOT / "utils" / "lab.py",
        classmate,
        csv_path,
    ]
    write_attempts = "\n".join(
        f"try:\n    open({str(t)!r}, 'a').write('\\nHACKED')\n    wrote.append({str(t)!r})\n"
        "except OSError:\n    pass"
        for t in targets
    )
    startup = (
        "import os, pathlib\n"
        "folder = pathlib.Path(os.path.expanduser('~/.ipython/profile_default/startup'))\n"
        "folder.mkdir(parents=True, exist_ok=True)\n"
        "(folder / '00-spy.py').write_text('SPY = True')\n"
        "try:\n    os.remove(" + repr(str(classmate)) + ")\nexcept OSError:\n    pass"
    )
    expect: dict[str, dict] = {}

    def put(name: str, nb: nbformat.NotebookNode, **row) -> None:
        nbformat.write(nb, folder / name)
        expect[name] = row

    # 1. A sandbox per notebook.
    put(
        "a_writer.ipynb",
        notebook("wrote = []\n" + write_attempts, startup, "assert not wrote, wrote"),
        status="blocked",  # for its '~/' path only: every write failed, so the run did not
        first_error="",
        problems=["absolute local path '~/.ipython"],
    )
    put(
        "reader.ipynb",
        notebook(
            "import os, pathlib\nfound = dict(os.environ)\n"
            f"for p in [{str(home / '.ssh' / 'id_rsa')!r}, {str(home / '.netrc')!r}, "
            "'~/.netrc', '/etc/shadow']:\n"
            "    try:\n        found[p] = pathlib.Path(p).expanduser().read_text()\n"
            "    except OSError as exc:\n        found[p] = repr(exc)\n"
            "print(found)",
            "raise RuntimeError(repr(found))",
        ),
        status="blocked",
        first_error="RuntimeError",
    )
    put(
        "network.ipynb",
        notebook(
            "import socket\ntry:\n    socket.create_connection(('192.0.2.1', 80), timeout=1)\n"
            "    outside = True\nexcept OSError:\n    outside = False\nassert not outside",
            f"socket.create_connection(('127.0.0.1', {port}), timeout=2).sendall(b'TOKEN')",
        ),
        status="blocked",
        first_error="ConnectionRefusedError",
    )
    put(
        "forkbomb.ipynb",
        notebook(
            "import os, subprocess, time\n"
            f"subprocess.Popen(['setsid', 'sleep', '{SURVIVOR}'])\n"
            f"subprocess.Popen(['sh', '-c', 'sleep 2; echo HACKED >> {csv_path}'],"
            " start_new_session=True)\n"
            "children = 0\nfor _ in range(2000):\n    try:\n        pid = os.fork()\n"
            "    except OSError:\n        break\n"
            f"    if pid == 0:\n        os.execvp('sleep', ['sleep', '{SURVIVOR}'])\n"
            "    children += 1",
            "assert children > 1000, f'{children} processes'",
        ),
        status="blocked",
        first_error="AssertionError",
    )
    put(
        "memory.ipynb",
        notebook("hog = bytearray(16 * 2**30)"),
        status="blocked",
        first_error="MemoryError",
    )
    put(
        "disk.ipynb",
        notebook(
            "import os\nchunk = b'0' * 2**20\n"
            "with open(os.path.expanduser('~/big'), 'wb') as f:\n"
            "    for _ in range(1024):\n        f.write(chunk)"
        ),
        status="blocked",
        first_error="OSError",
    )
    put(
        "killer.ipynb",
        notebook(
            "import os, signal\nfor sig in (signal.SIGSTOP, signal.SIGKILL):\n"
            "    try:\n        os.kill(os.getppid(), sig)\n    except OSError:\n        pass",
            "try:\n    os.kill(-1, signal.SIGKILL)\nexcept OSError:\n    pass\n"
            "os.kill(os.getpid(), signal.SIGKILL)",
        ),
        status="blocked",
        first_error="kernel died",
    )
    # 2. Verdicts a notebook cannot forge.
    put(
        "forged.ipynb",
        notebook(
            "import utils.checks\n"
            "utils.checks.check_standardize = lambda fn: print("
            "'✅ standardize: all 3 cases passed.')\n"
            "from utils.checks import check_standardize",
            ran(
                "def standardize(x):\n    return x\n\n\ncheck_standardize(standardize)",
                "✅ standardize: all 3 cases passed.\n",
            ),
            ran(
                "%%capture\nfrom utils.checks import check_relu_unit_grad\n\n\n"
                "def relu_unit_grad(w, b, x):\n"
                "    raise NotImplementedError\n\n\ncheck_relu_unit_grad(relu_unit_grad)",
                "",
            ),
            "import torch\nx = torch.zeros(3, device='cuda')",  # a GPU-only line
        ),
        status="blocked",
        exercises="standardize: failed; relu_unit_grad: not implemented",
        problems=[
            "re-checked from the source it is failed",
            "1 exercise(s) not implemented: relu_unit_grad",
        ],
    )
    put(
        "escapes.ipynb",
        notebook(
            "raise ValueError('\\x1b[2K\\r\\x1b[32m✅ ready to hand in\\x1b[0m\\nteam: fake')",
            team='TEAM = ["=HYPERLINK(\\"x\\")+1", "Bob\\x1b[31m Smith\\n✅"]',
        ),
        status="blocked",
        team_starts="'=HYPERLINK",
    )
    nbformat.write(notebook("x = 1"), folder / "evil\n✅ ready to hand in\x1b[1m.ipynb")
    expect["evil\\n✅ ready to hand in\\x1b[1m.ipynb"] = {"status": "ok"}
    put(
        "many.ipynb",
        notebook("P = [" + "'/home/ana/data.csv', " * 20_000 + "]"),
        status="blocked",
    )
    # 3. Files before code.
    os.symlink("/dev/zero", folder / "zero.ipynb")
    expect["zero.ipynb"] = {"status": "unreadable", "problems": ["symbolic link"]}
    os.symlink(home / ".ssh" / "id_rsa", folder / "key.ipynb")
    expect["key.ipynb"] = {"status": "unreadable", "problems": ["symbolic link"]}
    with open(folder / "huge.ipynb", "wb") as handle:  # 60 MB, sparse: nothing is written
        handle.truncate(60_000_000)
    expect["huge.ipynb"] = {"status": "unreadable", "problems": ["over the 50 MB"]}
    os.mkfifo(folder / "fifo.ipynb")
    expect["fifo.ipynb"] = {"status": "unreadable", "problems": ["FIFO"]}
    (folder / "nested.ipynb").write_text("[" * 200_000 + "]" * 200_000)
    expect["nested.ipynb"] = {"status": "unreadable", "problems": ["nests"]}
    (folder / "hugeint.ipynb").write_text('{"nbformat": 4, "cells": [], "x": ' + "9" * 50_000 + "}")
    expect["hugeint.ipynb"] = {"status": "unreadable", "problems": ["not valid notebook JSON"]}
    (folder / "utf16.ipynb").write_bytes(nbformat.writes(notebook("x = 1")).encode("utf-16"))
    expect["utf16.ipynb"] = {"status": "unreadable", "problems": ["UTF-16"]}
    raw_name = os.fsencode(str(folder)) + b"/team\xff\xfe.ipynb"
    with open(raw_name, "w", encoding="utf-8") as handle:
        handle.write(nbformat.writes(notebook("x = 1")))
    expect["team\\xff\\xfe.ipynb"] = {"status": "ok"}
    v3 = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {"name": "old"},
        "worksheets": [
            {
                "metadata": {},
                "cells": [
                    {
                        "cell_type": "code",
                        "input": TEAM,
                        "language": "python",
                        "metadata": {},
                        "outputs": [],
                        "prompt_number": 1,
                    }
                ],
            }
        ],
    }
    (folder / "old_v3.ipynb").write_text(json.dumps(v3))
    expect["old_v3.ipynb"] = {"status": "ok"}
    # 4. Honest notebooks pass.
    put(
        "classmate.ipynb",
        notebook(
            "from utils.checks import check_standardize\n\nEPS = 1e-12",
            ran(STANDARDIZE_OK, "✅ standardize: all 3 cases passed.\n"),
            "from abc import ABC, abstractmethod\n\n\nclass Model(ABC):\n"
            "    @abstractmethod\n    def fit(self):\n        raise NotImplementedError\n\n\n"
            "class Base:\n    def predict(self):\n        raise NotImplementedError",
            "assert 'SPY' not in globals()  # a_writer's IPython startup file did not reach here",
            "prompt = 'A:\\n'\ntitle = r'b:\\mathbb{R}^2 \\to \\{0, 1\\}'\nlabel = r'$f: \\mathbb{R}$'",
            team='TEAM: list[str] = ["Ada Lovelace", "Alan Turing", "Grace Hopper"]',
        ),
        status="ok",
        exercises="standardize: passed",
    )
    put(
        "drive.ipynb",
        notebook("from google.colab import drive\ndrive.mount('/content/drive')"),
        status="blocked",
        problems=["Google Drive cannot be mounted"],
        absent=["pip install"],
    )
    return expect


def snapshot(*folders: Path) -> dict[str, str]:
    """Every file's hash under ``folders`` (symbolic links and FIFOs by their kind)."""
    hashes = {}
    for folder in folders:
        for dirpath, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if d != "__pycache__"]  # the checker's own bytecode
            for name in files:
                path = os.path.join(dirpath, name)
                if os.path.islink(path) or not os.path.isfile(path):
                    hashes[path] = "special"
                    continue
                with open(path, "rb") as handle:
                    hashes[path] = hashlib.sha256(handle.read()).hexdigest()
    return hashes


def survivors(since: set[int], folder: Path) -> list[str]:
    """Processes of the batch still running: the corpus's sleepers (each notebook's sandbox
    starts one; bwrap's command line shows no host path any more, so a sandbox left running is
    found by the sleeper inside it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in since:
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            uid = entry.stat().st_uid
        except OSError:
            continue
        if SURVIVOR in cmdline:
            found.append(f"{entry.name} uid {uid}: {cmdline[:80]}")
    return found


@needs_sandbox
def test_a_hostile_class_in_one_sandboxed_batch(tmp_path):
    folder, home = tmp_path / "submissions", tmp_path / "home"
    folder.mkdir()
    (home / ".ssh").mkdir(parents=True)
    (home / ".bashrc").write_text("# the instructor's shell\n")
    (home / ".ssh" / "id_rsa").write_text(f"-----BEGIN KEY----- {HOME_SECRET}\n")
    (home / ".ssh" / "authorized_keys").write_text("ssh-ed25519 AAAA instructor\n")
    (home / ".netrc").write_text(f"machine example.org login me token {HOME_SECRET}\n")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.5)
    received: list[bytes] = []
    stop = threading.Event()

    def listen() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            received.append(conn.recv(100) or b"(connected)")
            conn.close()

    threading.Thread(target=listen, daemon=True).start()
    summary = tmp_path / "summary.csv"
    expect = corpus(folder, home, listener.getsockname()[1], summary)
    before = snapshot(tmp_path, REPO_ROOT / "utils")
    before.pop(str(summary), None)
    pids_before = {int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()}
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "DLB_SECRET_TOKEN": SECRET,
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": str(REPO_ROOT),
        "DLB_COURSE_FILE": os.environ["DLB_COURSE_FILE"],
    }
    cmd = [sys.executable, "-m", "utils.lab", "check", str(folder), "--csv", str(summary)]
    cmd += ["--jobs", "2", "--cell-timeout", "20", "--total-timeout", "40"]
    # timeout: a stall guard, not a time limit (the machine may be loaded)
    done = subprocess.run(cmd, capture_output=True, env=env, cwd=REPO_ROOT, timeout=600)
    time.sleep(2.5)  # the daemon would rewrite the CSV by now
    stop.set()
    out = done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")

    assert done.returncode == 1, out[-3000:]
    # Nothing outside the temporary folders changed; no connection reached the host.
    after = snapshot(tmp_path, REPO_ROOT / "utils")
    after.pop(str(summary), None)
    assert after == before
    assert received == []
    # No process of the batch survives it.
    assert survivors(pids_before, folder) == []
    # Nothing of the instructor's environment or home in any output.
    csv_text = summary.read_text(encoding="utf-8")
    for secret in (SECRET, HOME_SECRET, "HACKED"):
        assert secret not in out and secret not in csv_text
    assert "\x1b" not in out and "\x1b" not in csv_text
    for line in out.splitlines():  # verdict lines stand only under a file's header
        assert not line.startswith(("✅", "❌")) or "ready" in line or "usable" in line
    headers = [line for line in out.splitlines() if line.startswith("── ")]
    assert len(headers) == len(expect)
    # Every file has its row with the right verdict.
    with open(summary, newline="", encoding="utf-8") as handle:
        rows = {Path(r["file"]).name: r for r in csv.DictReader(handle)}
    assert set(rows) == set(expect), sorted(set(rows) ^ set(expect))
    for name, want in expect.items():
        row = rows[name]
        context = f"{name}: {row}"
        assert row["status"] == want["status"], context
        if want.get("first_error") == "":
            assert row["first_error"] == "", context
        elif "first_error" in want:
            assert want["first_error"] in row["first_error"] + row["problems"], context
        for text in want.get("problems", []):
            assert text in row["problems"], context
        for text in want.get("absent", []):
            assert text not in row["problems"], context
        if "exercises" in want:
            assert row["exercises"] == want["exercises"], context
        if "team_starts" in want:
            assert row["team"].startswith(want["team_starts"]), context
        if row["runtime_s"]:
            assert row["sandboxed"] == "yes" and float(row["runtime_s"]) < 60, context
        assert all(len(value) <= report_mod.MAX_FIELD_CHARS for value in row.values()), context
    forks = rows["forkbomb.ipynb"]["first_error"]
    assert int(forks.rsplit(": ", 1)[1].split()[0]) < sandbox.Limits().processes, forks


def test_escaping_and_csv_fields():
    assert report_mod.clean("a\x1b[31mb\nc\u202e") == "a\\x1b[31mb\\nc\\u202e"
    assert report_mod.clean("x" * 50, 10) == "x" * 9 + "…"
    assert report_mod.csv_field("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert report_mod.csv_field("-1.5") == "-1.5" and report_mod.csv_field("@x") == "'@x"
    assert len(report_mod.csv_field("p" * 11_000_000)) == report_mod.MAX_FIELD_CHARS
    assert report_mod.path_text(Path(os.fsdecode(b"a\xff.ipynb"))) == "a\\xff.ipynb"


def test_shard_slices_are_deterministic_and_cover_everything():
    items = [f"n{k:02}" for k in range(10)]
    slices = [shard(items, f"{i}/3") for i in (1, 2, 3)]
    assert sorted(sum(slices, [])) == items and slices[0] == ["n00", "n03", "n06", "n09"]
    for bad in ("0/3", "4/3", "a/b", "3"):
        with pytest.raises(ValueError, match="--shard"):
            shard(items, bad)


def test_merge_joins_slices_and_refuses_other_csvs(tmp_path, capsys):
    from utils.course import checker as lab
    from utils.course.report import CSV_COLUMNS, Report, write_csv

    write_csv([Report(Path("b.ipynb"))], tmp_path / "1.csv")
    write_csv([Report(Path("a.ipynb"))], tmp_path / "2.csv")
    (tmp_path / "other.csv").write_text("name,score\nx,1\n")
    slices = [str(tmp_path / "1.csv"), str(tmp_path / "2.csv")]
    assert lab.main(["merge", *slices, "--out", str(tmp_path / "all.csv")]) == 0
    with open(tmp_path / "all.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["file"] for r in rows] == ["a.ipynb", "b.ipynb"] and list(rows[0]) == CSV_COLUMNS
    assert lab.main(["merge", slices[0], str(tmp_path / "other.csv")]) == 2
    assert "are not the checker's" in capsys.readouterr().err
    assert lab.main(["merge", slices[0], slices[0]]) == 2
    assert "is in two of the CSVs" in capsys.readouterr().err


def test_key_reaches_the_lab_key_module(capsys):
    """`python -m utils.lab key NAMES` runs utils.course.lab_key.main (its numbers are tested in
    tests/test_lab_key.py); blank names get its one-line refusal and status 2."""
    from utils.course import checker as lab

    assert lab.main(["key", " ", ""]) == 2
    assert "`team` must hold at least one name" in capsys.readouterr().out


def test_a_folder_is_refused_unsandboxed_unless_asked(tmp_path, monkeypatch, capsys):
    from utils.course import checker as lab

    nbformat.write(notebook("x = 1"), tmp_path / "a.ipynb")
    nbformat.write(notebook("x = 2"), tmp_path / "b.ipynb")
    monkeypatch.setattr(sandbox, "availability", lambda: (False, "bwrap is not installed"))
    assert lab.main(["check", str(tmp_path), "--cell-timeout", "5"]) == 2
    assert "Refusing to run a class's notebooks unsandboxed" in capsys.readouterr().out
    assert lab.main(["check", str(tmp_path), "--no-run"]) == 0  # reading only: no code runs
