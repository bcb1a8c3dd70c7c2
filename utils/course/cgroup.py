"""Per-notebook limits that the Linux kernel enforces: one control group per sandbox.

Where the checker may make control groups (root with cgroup v1, as on CI; a delegated cgroup v2
subtree with the memory, cpu and pids controllers), each sandbox gets a group of its own:

- memory: ``Limits.group_memory_mb`` for all its processes together, swap included (its
  ``tmpfs`` files count too); past it the kernel's OOM killer stops one of them;
- tasks: ``Limits.processes`` (+4 for the launcher, bwrap and setpriv);
- CPU: ``Limits.threads`` cores (the notebook's share of the machine: one when a batch checks
  as many notebooks at once as there are cores, the default), for the notebook and everything
  it starts.

A process cannot leave its control group (``setsid``, a double fork or a daemon do not), and the
sandbox's first process joins the group before it starts anything (`Group.prefix`). When the
check ends `Group.close` kills whatever is left and removes the group. Where no group can be
made (a normal user without delegation, macOS), or with ``DLB_NO_CGROUP=1`` set, `Group.create`
answers None and `utils.course.sandbox.GroupWatch`'s polling is the only guard.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shlex
import signal
import sys
import time
from pathlib import Path

from utils.course.sandbox import Limits

PERIOD_US = 100_000  # the CPU quota's period: a core is PERIOD_US of CPU time per period
CONTROLLERS = ("memory", "cpu", "pids")


def _places() -> dict[str, Path]:
    """controller -> this process's own folder in its hierarchy ("" for cgroup v2)."""
    own: dict[str, str] = {}
    for line in Path("/proc/self/cgroup").read_text(encoding="ascii").splitlines():
        _, names, path = line.split(":", 2)
        for name in names.split(",") if names else [""]:
            own[name] = path
    found: dict[str, Path] = {}
    for line in Path("/proc/self/mounts").read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        point, kind, options = fields[1], fields[2], fields[3].split(",")
        for name in [""] if kind == "cgroup2" else [*CONTROLLERS, "cpuacct"]:
            if (kind == "cgroup2" or name in options) and name in own:
                found[name] = Path(point) / own[name].lstrip("/")
    return found


def _write(path: Path, value: object) -> None:
    path.write_text(f"{value}\n", encoding="ascii")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii", errors="replace")
    except OSError:
        return ""


def _field(text: str, key: str) -> int | None:
    """The number after ``key`` in a "key value" file (memory.events, cpu.stat), or None."""
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == key and parts[1].isdigit():
            return int(parts[1])
    return None


def _remove_stale(place: Path) -> None:
    """Remove the empty groups of checkers that are gone (killed before they could)."""
    with contextlib.suppress(OSError):
        for folder in place.glob("dlb-check-*"):
            pid = folder.name.split("-")[2]
            if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                with contextlib.suppress(OSError):
                    folder.rmdir()


class Group:
    """One sandbox's control group (see the module); `create` makes one or answers None."""

    def __init__(self, folders: list[Path], v2: bool, limits: Limits):
        self.folders, self.v2, self.limits = folders, v2, limits

    @classmethod
    def create(cls, limits: Limits) -> Group | None:
        if not sys.platform.startswith("linux") or os.environ.get("DLB_NO_CGROUP"):
            return None
        name = f"dlb-check-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            places = _places()
        except (OSError, ValueError):
            return None
        for place in set(places.values()):
            _remove_stale(place)
        group = cls([], True, limits)
        try:
            if "" in places and group._make_v2(places[""] / name):
                return group
            group.v2 = False
            if all(c in places for c in CONTROLLERS):
                group._make_v1(places, name)
                return group
        except OSError:
            pass
        group.close()
        return None

    def _make_v2(self, folder: Path) -> bool:
        base = folder.parent
        wanted = set(CONTROLLERS)
        if not wanted <= set(_read(base / "cgroup.controllers").split()):
            return False  # not delegated here (or a v1 machine's empty unified hierarchy)
        if not wanted <= set(_read(base / "cgroup.subtree_control").split()):
            _write(base / "cgroup.subtree_control", " ".join(f"+{c}" for c in CONTROLLERS))
        folder.mkdir()
        self.folders = [folder]
        _write(folder / "memory.max", self.limits.group_memory_mb << 20)
        if (folder / "memory.swap.max").exists():
            _write(folder / "memory.swap.max", 0)
        _write(folder / "pids.max", self.limits.processes + 4)
        _write(folder / "cpu.max", f"{self.quota_us()} {PERIOD_US}")
        return True

    def _make_v1(self, places: dict[str, Path], name: str) -> None:
        for controller in [*CONTROLLERS, "cpuacct"]:
            if controller in places and places[controller] / name not in self.folders:
                (places[controller] / name).mkdir()
                self.folders.append(places[controller] / name)
        memory, cpu = places["memory"] / name, places["cpu"] / name
        _write(memory / "memory.limit_in_bytes", self.limits.group_memory_mb << 20)
        if (memory / "memory.memsw.limit_in_bytes").exists():  # memory and swap together
            _write(memory / "memory.memsw.limit_in_bytes", self.limits.group_memory_mb << 20)
        _write(places["pids"] / name / "pids.max", self.limits.processes + 4)
        _write(cpu / "cpu.cfs_period_us", PERIOD_US)
        _write(cpu / "cpu.cfs_quota_us", self.quota_us())

    def quota_us(self) -> int:
        return max(1, self.limits.threads) * PERIOD_US

    def _file(self, name: str) -> Path | None:
        """The group's file ``name`` (in whichever hierarchy has it), or None."""
        return next((f / name for f in self.folders if (f / name).exists()), None)

    def prefix(self) -> list[str]:
        """A command prefix whose process joins the group, then becomes the command: the
        sandbox's first process is in the group before it can start anything."""
        files = " ".join(shlex.quote(str(f / "cgroup.procs")) for f in self.folders)
        script = f'for f in {files}; do echo $$ > "$f" || exit 125; done; exec "$@"'
        return ["/bin/sh", "-c", script, "sh"]

    def reason(self) -> str:
        """Why the group's processes were stopped ("" when the kernel did not stop one)."""
        if self.v2:
            killed = _field(_read(self.folders[0] / "memory.events"), "oom_kill")
        else:
            control = self._file("memory.oom_control")
            killed = _field(_read(control), "oom_kill") if control else None
            if killed is None:  # an older kernel: the limit was reached at least once
                failed = self._file("memory.failcnt")
                text = _read(failed).strip() if failed else ""
                killed = int(text) if text.isdigit() else 0
        if killed:
            return f"over {self.limits.group_memory_mb} MB of memory together"
        return ""

    def cpu_seconds(self) -> float | None:
        """The CPU time all the group's processes have used, or None where it is not counted."""
        if self.v2:
            usec = _field(_read(self.folders[0] / "cpu.stat"), "usage_usec")
            return None if usec is None else usec / 1e6
        usage = self._file("cpuacct.usage")
        text = _read(usage).strip() if usage else ""
        return int(text) / 1e9 if text.isdigit() else None

    def members(self) -> set[int]:
        pids: set[int] = set()
        for folder in self.folders:
            pids |= {int(p) for p in _read(folder / "cgroup.procs").split() if p.isdigit()}
        return pids

    def close(self) -> None:
        """Kill every process left in the group, then remove it."""
        for _ in range(100):
            members = self.members()
            if not members:
                break
            for pid in members:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.02)
        for folder in reversed(self.folders):
            for _ in range(100):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # EBUSY until the last process has left
                    time.sleep(0.02)
        self.folders = []
