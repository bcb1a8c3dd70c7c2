"""The attacks of issue 21 §3 on the checker's resources, one test each: the neighbours' CPU,
the host's disk (files and stderr, during the run and the re-check), the checker's memory
(comm messages and output metadata, a 25 MB cell) and a batch's rows (501 shell lines).

The notebooks come from tests/test_lab_sandbox.py's helpers; the checks run as an instructor
runs them (`python -m utils.lab check … --csv …`), except the CPU test, which runs
`check_notebook` in this process to read the control group's CPU time. No test bounds a
wall-clock time: each bound is one-sided (at most one quota of CPU time per period that the
kernel counts, at most so much memory or disk), so that a loaded machine cannot break it.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from tests.test_lab_sandbox import STANDARDIZE_OK, WHY, WORKS, notebook
from utils.course import cgroup, sandbox
from utils.course.checker import REPO_ROOT, check_notebook


def _groups_work() -> bool:
    if not WORKS:
        return False
    group = cgroup.Group.create(sandbox.Limits())
    if group is None:
        return False
    group.close()
    return True


GROUPS = _groups_work()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.sandbox,
    pytest.mark.usefixtures("course_without_graded_notebooks"),
    pytest.mark.skipif(not WORKS, reason=f"no working bubblewrap sandbox: {WHY}"),
]
needs_groups = pytest.mark.skipif(
    not GROUPS,
    reason="no control groups here (the checker is not root on cgroup v1 and has no delegated "
    "cgroup v2 subtree): only the polled limits apply",
)
MB = 1 << 20


class Peaks:
    """The peak resident memory (VmHWM, MB) of a checker's own Python processes: the command
    and the workers it forks, not the sandboxes (started through sh and bwrap), polled."""

    def __init__(self, root: int):
        self.root, self.mb = root, {}
        self.exe = os.path.realpath(sys.executable)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _checker_processes(self) -> set[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                    text = handle.read()
            except OSError:
                continue
            children.setdefault(int(text[text.rfind(")") + 2 :].split()[1]), []).append(int(entry))
        found, frontier = {self.root}, [self.root]
        while frontier:
            for child in children.get(frontier.pop(), []):
                try:
                    if os.path.realpath(f"/proc/{child}/exe") == self.exe:
                        found.add(child)
                        frontier.append(child)
                except OSError:
                    continue
        return found

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            for pid in self._checker_processes():
                try:
                    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
                        for line in handle:
                            if line.startswith("VmHWM:"):
                                mb = int(line.split()[1]) // 1024
                                self.mb[pid] = max(self.mb.get(pid, 0), mb)
                except (OSError, ValueError):
                    continue

    def stop(self) -> dict[int, int]:
        self._stop.set()
        self._thread.join()
        return self.mb


def check(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, dict, dict]:
    """Run the checker's command line; (the finished process, CSV rows by file name, the peak
    memory of the command and of its largest worker)."""
    summary = tmp_path / "summary.csv"
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": str(REPO_ROOT),
        "DLB_COURSE_FILE": os.environ["DLB_COURSE_FILE"],
    }
    cmd = [sys.executable, "-m", "utils.lab", "check", *args, "--csv", str(summary)]
    process = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=home
    )
    peaks = Peaks(process.pid)
    try:
        out, _ = process.communicate(timeout=600)  # a stall guard, not a time limit
    finally:
        process.kill()
        mb = peaks.stop()
    done = subprocess.CompletedProcess(cmd, process.returncode, out.decode("utf-8", "replace"))
    rows = {}
    if summary.exists():
        with open(summary, newline="", encoding="utf-8") as handle:
            rows = {Path(r["file"]).name: r for r in csv.DictReader(handle)}
    command = mb.pop(process.pid, 0)
    return done, rows, {"command": command, "worker": max(mb.values(), default=0)}


def write(folder: Path, name: str, *cells) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook(*cells), folder / name)
    return folder / name


# --------------------------------------------------------------------------- CPU


@needs_groups
def test_setsid_children_share_one_core_and_none_outlives_the_check(tmp_path, monkeypatch):
    """4 children that start sessions of their own (two of them orphans of a double fork) spin
    for 4 s: the sandbox's control group gets one core, whatever the load (without it, two
    cores here: about 1.5 s of CPU per second), and kills them all when the check ends."""
    spin = (
        "import os, time\n\n\n"
        "def spin(seconds):\n"
        "    end = time.monotonic() + seconds\n"
        "    while time.monotonic() < end:\n"
        "        pass\n\n\n"
        "for k in range(4):\n"
        "    if os.fork() == 0:\n"
        "        os.setsid()\n"
        "        if k % 2 and os.fork():\n"
        "            os._exit(0)  # its child, an orphan, spins on\n"
        "        spin(4)\n"
        "        os._exit(0)\n"
        "time.sleep(4)"
    )
    path = write(tmp_path, "spin.ipynb", spin)
    groups: list[cgroup.Group] = []
    used: list[tuple[float | None, float]] = []
    quotas: list[str] = []
    members: set[int] = set()
    largest = [0]
    create, close = cgroup.Group.create, cgroup.Group.close

    def tracked(limits):
        group = create(limits)
        if group is not None:
            groups.append(group)
        return group

    def measured(self):
        if self.folders:
            stat = self._file("cpu.stat")  # the kernel's count of the quota's periods
            fields = stat.read_text().split() if stat else []
            print(" ".join(fields))
            counts = dict(zip(fields[::2], fields[1::2], strict=False))
            used.append((self.cpu_seconds(), int(counts.get("nr_periods", 0))))
            quota = self._file("cpu.max") or self._file("cpu.cfs_quota_us")
            quotas.append(quota.read_text().split()[0])
        close(self)

    monkeypatch.setattr(cgroup.Group, "create", staticmethod(tracked))
    monkeypatch.setattr(cgroup.Group, "close", measured)
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.2):
            for group in list(groups):
                now = group.members()
                members.update(now)
                largest[0] = max(largest[0], len(now))

    threading.Thread(target=watch, daemon=True).start()
    try:
        report = check_notebook(path, cell_timeout=60, total_timeout=120, sandboxed=True)
    finally:
        stop.set()
    assert report.ran and report.first_error is None, report.problems
    assert len(used) == 1, used  # the run's group (no exercise: no re-check)
    cpu, periods = used[0]
    assert quotas == [str(cgroup.PERIOD_US)]  # one core: one period's length per period
    # The kernel counts every period in which the group could run under its quota (none
    # without a quota); in each it may use at most the quota. No clock of ours is read, and a
    # loaded machine only lowers the usage.
    period_s = cgroup.PERIOD_US / 1e6
    print(f"CPU {cpu:.2f} s over {periods} periods of {period_s:g} s")
    assert cpu is not None and cpu > 0.5  # the spinners ran, and were counted
    assert periods > 0, "no CPU quota accounted: the group ran without a quota"
    assert cpu <= 1.1 * periods * period_s + period_s
    assert largest[0] >= 5  # the kernel and its 4 spinners, setsid or not, in the group
    assert not any(f.exists() for g in groups for f in g.folders) and all(
        not g.folders for g in groups
    )
    assert [pid for pid in members if running(pid)] == []


class Asleep:
    """A `sandbox.GroupWatch` that watches nothing: only a control group can stop a sandbox."""

    reason = ""

    def __init__(self, *args):
        pass

    def stop(self):
        pass


HOG = (
    "import os, time\n"
    "for _ in range(2):\n"
    "    if os.fork() == 0:\n"
    "        os.setsid()\n"
    "        block = b'x' * (100 << 20)\n"
    "        time.sleep(60)\n"
    "time.sleep(1)\n"
    "block = b'x' * (300 << 20)  # the kernel, now the largest, is the one stopped\n"
    "time.sleep(60)"
)


@needs_groups
def test_the_control_group_stops_a_notebook_over_its_memory_and_says_so(tmp_path, monkeypatch):
    """Two children that start sessions of their own hold 100 MB each, then the kernel takes
    300 MB: over 400 MB together, the control group's OOM killer stops the largest, the
    kernel, and its verdict says why. The polling watch is switched off here: only the
    control group can have stopped it."""

    monkeypatch.setattr(sandbox, "GroupWatch", Asleep)
    path = write(tmp_path, "hog.ipynb", HOG)
    limits = sandbox.Limits(group_memory_mb=400)
    report = check_notebook(path, cell_timeout=50, total_timeout=60, limits=limits)
    error = report.first_error
    assert error is not None and "kernel died" in error.message, report.problems
    assert "stopped by the check: over 400 MB of memory together" in error.message


@needs_groups
def test_a_recheck_over_its_memory_is_stopped_and_says_so(tmp_path, monkeypatch):
    """The exercise takes 500 MB when the re-check's check calls it (once every cell ran: the
    last one sets READY): the re-check's own control group stops it at 400 MB, and the
    exercise's verdict says why (the polling watch is off)."""
    monkeypatch.setattr(sandbox, "GroupWatch", Asleep)
    hog = STANDARDIZE_OK.replace(
        "def standardize(x):\n",
        "def standardize(x):\n"
        "    if 'ipykernel' not in sys.argv[0] and READY:  # the re-check's calls only\n"
        "        block = b'x' * (500 << 20)\n",
    )
    path = write(
        tmp_path,
        "hog.ipynb",
        "import sys\nfrom utils.checks import check_standardize\n\nEPS = 1e-12\nREADY = False",
        hog,
        "READY = True",
    )
    limits = sandbox.Limits(group_memory_mb=400)
    report = check_notebook(path, cell_timeout=60, total_timeout=120, limits=limits)
    assert report.exercises == {"standardize": "failed"}, report.problems
    messages = " ".join(p.message for p in report.problems)
    assert "stopped by the check: over 400 MB of memory together" in messages, messages


def test_without_control_groups_the_polled_watch_stops_it_and_says_so(tmp_path, monkeypatch):
    """The fallback (a normal user without delegation, macOS): no control group is made, and
    the watch that polls the sandbox's processes gives the same verdict."""
    monkeypatch.setenv("DLB_NO_CGROUP", "1")
    made = []
    create = cgroup.Group.create
    monkeypatch.setattr(
        cgroup.Group, "create", staticmethod(lambda limits: made.append(create(limits)) or made[-1])
    )
    path = write(tmp_path, "hog.ipynb", HOG)
    limits = sandbox.Limits(group_memory_mb=400)
    report = check_notebook(path, cell_timeout=50, total_timeout=60, limits=limits)
    assert made == [None]
    error = report.first_error
    assert error is not None and "kernel died" in error.message, report.problems
    assert "stopped by the check: over 400 MB of memory together" in error.message


def running(pid: int) -> bool:
    """Whether a process runs (a zombie, dead but not yet waited for, does not)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return text[text.rfind(")") + 2 :].split()[0] != "Z"


# --------------------------------------------------------------------------- the host's disk

FILL = '''import os
import sys

FILLED = []


def fill_everything():
    """100 MB chunks, up to 2 GB, wherever it can write; then 500 MB on its stderr."""
    chunk = b"0" * (100 << 20)
    places = {os.getcwd(), "/tmp", "/dev/shm", os.path.expanduser("~")}
    places.add(os.path.dirname(os.path.abspath(sys.argv[0])))  # its own folder
    places |= {os.path.join("/", name) for name in os.listdir("/")}
    places |= {line.split()[1] for line in open("/proc/self/mounts")}
    written = 0
    for place in sorted(places):
        for k in range(20):
            if written >= 20 * len(chunk):
                break
            try:
                with open(os.path.join(place, f"fill{k}.bin"), "wb") as handle:
                    handle.write(chunk)
                written += len(chunk)
            except OSError:
                break
    for _ in range(5):
        os.write(2, chunk)
    FILLED.append(written)'''

STANDARDIZE_FILLS = STANDARDIZE_OK.replace(
    "def standardize(x):\n",
    "def standardize(x):\n"
    "    if 'ipykernel' not in sys.argv[0]:  # in the re-check's process only\n"
    "        if not FILLED:\n"
    "            fill_everything()\n"
    "        if FILLED[0] < 300 << 20:  # a wrong answer unless the flood ran (in tmpfs)\n"
    "            return x\n",
)


KERNEL_FOLDER = (  # as root the checker takes the kernel's socket folder back once it started
    "import os\nfrom ipykernel import get_connection_file\n\n"
    "folder = os.path.dirname(get_connection_file())\n"
    "for k in range(5):\n"
    "    try:\n"
    "        with open(os.path.join(folder, f'fill{k}.bin'), 'wb') as handle:\n"
    "            handle.write(b'0' * (100 << 20))\n"
    "    except OSError:\n"
    "        break"
)


class DiskWatch:
    """The least free space seen under each folder, and the largest file any checker workspace
    (``dlb-check-*`` in the temporary folder) held outside its copy of utils/, polled."""

    def __init__(self, *folders: Path):
        self.free = {f: shutil.disk_usage(f).free for f in folders}
        self.largest = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        tmp = Path(tempfile.gettempdir())
        while not self._stop.wait(0.1):
            for folder in self.free:
                self.free[folder] = min(self.free[folder], shutil.disk_usage(folder).free)
            for space in tmp.glob("dlb-check-*"):
                for path, dirs, files in os.walk(space):
                    dirs[:] = [d for d in dirs if d != "files"]  # the notebook, utils/
                    for name in files:
                        try:
                            size = os.lstat(os.path.join(path, name)).st_size
                        except OSError:
                            continue
                        self.largest = max(self.largest, size)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def big_files(folder: Path, since: float, over: int) -> list[str]:
    found = []
    for path, _dirs, files in os.walk(folder):
        for name in files:
            try:
                info = os.lstat(os.path.join(path, name))
            except OSError:
                continue
            if info.st_size > over and info.st_mtime >= since:
                found.append(os.path.join(path, name))
    return found


def test_disk_floods_and_stderr_floods_stay_in_the_sandbox(tmp_path):
    """The kernel writes 500 MB on its stderr (and, as root, tries 500 MB in its socket folder,
    the one host folder it has); the exercise, when the re-check calls it, writes
    100 MB chunks up to 2 GB everywhere it can, then 500 MB on its stderr. The host's disk
    holds none of it (only tmpfs folders, in the sandbox's memory, take what fits), its
    stderr's last 4 kB are all the checker keeps, and the exercise still gets its verdict
    (passed: its function answers wrong unless it wrote 300 MB or more, in the sandbox)."""
    folder = tmp_path / "submissions"
    write(
        folder,
        "flood.ipynb",
        "import os\nchunk = b'e' * (1 << 20)\nfor _ in range(500):\n    os.write(2, chunk)",
        KERNEL_FOLDER if os.geteuid() == 0 else "pass",
        "from utils.checks import check_standardize\n\nEPS = 1e-12",
        FILL,
        STANDARDIZE_FILLS,
    )
    began = time.time()
    disk = DiskWatch(tmp_path, Path(tempfile.gettempdir()))
    before = {f: shutil.disk_usage(f).free for f in disk.free}
    try:
        done, rows, _ = check(tmp_path, str(folder), "--cell-timeout", "120")
    finally:
        disk.stop()
    assert "Traceback" not in done.stdout, done.stdout[-3000:]
    assert done.returncode in (0, 1), done.stdout[-3000:]
    row = rows["flood.ipynb"]
    assert row["exercises"] == "standardize: passed", row
    for place, free in disk.free.items():
        print(f"{place}: free space dropped by at most {(before[place] - free) / MB:.0f} MB")
        assert before[place] - free < 300 * MB, place
    print(f"largest file in a checker workspace: {disk.largest} bytes")
    assert disk.largest < 64 << 10  # no kernel.err or runner.err of 200 MB any more
    over = sandbox.Limits().file_mb * MB
    left = big_files(tmp_path, began, over) + big_files(Path(tempfile.gettempdir()), began, over)
    assert left == []


# --------------------------------------------------------------------------- the checker's memory


def test_comm_and_metadata_floods_do_not_reach_the_checkers_memory(tmp_path):
    """The issue's 16 comm messages of 150 MB, scaled to run in seconds: 8 comm messages and 4
    displays with metadata of 40 MB each (480 MB in all). Decoding one such message took about
    ten copies of it (460 MB); now a message over 16 MB is dropped undecoded, and the smaller
    ones count in the output caps. Outputs after the flood still arrive."""
    flood = (
        "from IPython.display import display\nfrom ipykernel.comm import Comm\n\n"
        "payload = 'x' * (40 << 20)\n"
        "channel = Comm(target_name='flood')\n"
        "for _ in range(8):\n    channel.send({'blob': payload})\n"
        "for _ in range(4):\n"
        "    display({'text/plain': 'hi'}, raw=True, metadata={'text/plain': {'m': payload}})\n"
        "del payload"
    )
    folder = tmp_path / "submissions"
    write(folder, "flood.ipynb", flood, "print('after the flood')")
    done, rows, peak = check(tmp_path, str(folder), "--cell-timeout", "120")
    print(f"peak resident memory: command {peak['command']} MB, worker {peak['worker']} MB")
    assert done.returncode == 0, done.stdout[-3000:]
    assert rows["flood.ipynb"]["status"] == "ok", rows
    assert 0 < peak["worker"] < 300 and peak["command"] < 300, peak


def test_a_25_mb_cell_gets_its_row_and_the_checker_survives(tmp_path):
    """One code cell of 25 MB (4 million short lines) beside two ordinary notebooks: read only
    (--no-run) and run (its cell past a 10 s limit), every file has its row, the big one says
    it is too large, and no checker process comes near its 4 GB guard."""
    folder = tmp_path / "submissions"
    write(folder, "a.ipynb", "y = 2\nprint(y)")
    write(folder, "b.ipynb", "z = 3")
    with open(folder / "big.ipynb", "w", encoding="utf-8") as handle:  # source: one string
        json.dump(notebook(new_code_cell("x = 1\n" * (25 * 10**6 // 6))), handle)
    assert (folder / "big.ipynb").stat().st_size < 50e6  # under the size a file may have
    # Room for the ordinary notebooks on a loaded machine; the big cell's run ends at its limit
    # (it takes over a minute here) or before: either way the run's verdict is its row's.
    for options in (["--no-run"], ["--cell-timeout", "10", "--total-timeout", "120"]):
        done, rows, peak = check(tmp_path, str(folder), "--jobs", "1", *options)
        print(f"{options}: peak command {peak['command']} MB, worker {peak['worker']} MB")
        assert done.returncode in (0, 1), done.stdout[-3000:]  # not killed, no usage error
        assert set(rows) == {"a.ipynb", "b.ipynb", "big.ipynb"}, done.stdout[-3000:]
        assert rows["a.ipynb"]["status"] == rows["b.ipynb"]["status"] == "ok", rows
        big = rows["big.ipynb"]
        assert "holds 24999 kB of code: too large" in big["problems"], big
        assert "the checker's process" not in big["problems"], big  # its worker was not killed
        assert 0 < peak["worker"] < 1500 and peak["command"] < 300, peak


def test_501_shell_lines_do_not_stop_a_read_only_batch(tmp_path):
    """IPython's magic transformer once took seconds per pass over such a cell, and the batch
    lost most of its rows (issue 21: 102 of 125 "not checked"): every file keeps its row."""
    folder = tmp_path / "submissions"
    bang = write(folder, "bang.ipynb", "!echo 1234\n" * 501)  # 5.5 kB
    assert len(nbformat.read(bang, as_version=4).cells[-1].source) > 5000
    for k in range(3):
        write(folder, f"n{k}.ipynb", f"x = {k}")
    done, rows, _ = check(tmp_path, str(folder), "--no-run", "--jobs", "2")
    assert done.returncode == 0, done.stdout[-3000:]
    assert set(rows) == {"bang.ipynb", "n0.ipynb", "n1.ipynb", "n2.ipynb"}
    assert all(r["status"] == "ok" for r in rows.values()), rows
