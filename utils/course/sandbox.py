"""A bubblewrap sandbox around every process a submitted notebook starts.

What a notebook's code sees inside (Linux with ``bwrap``, Debian's ``bubblewrap``):

- the host's file system **read-only**, with the instructor's places hidden behind empty
  folders: ``/home``, ``/root``, ``$HOME``, the temporary folders, ``/mnt``, ``/media``, ``/srv``,
  the repository, the current folder and the folders being checked (the Python installation is
  mounted back, read-only, when it lives there);
- one writable folder, its working folder (a size-limited ``tmpfs``) holding the notebook and a
  read-only copy of ``utils/``; a size-limited ``/tmp`` with a fresh ``HOME`` in it;
- no network (``--unshare-net``: not even the host's 127.0.0.1), its own process, IPC and host
  name namespaces: it sees none of the host's processes and cannot signal them;
- limits (``prlimit``) on address space, processes, CPU seconds, file size and open files;
  for all its processes together, memory, tasks and one CPU core in a control group of its own
  where one can be made (`utils.course.cgroup`), and in any case a watch that polls them
  (`GroupWatch`);
- an environment of its own: nothing of the instructor's variables, only what a kernel needs;
- when the check ends, the sandbox's first process dies and the kernel takes every process of the
  namespace with it (``--unshare-pid --die-with-parent``): ``setsid``, daemons, fork bombs.

Run as root (CI, a container), bwrap keeps no capability and the notebook runs under a fresh
unprivileged user id (``setpriv``), so that root-only files (``/etc/shadow``) stay unreadable
and the process limit counts this sandbox alone. Run as a normal user, bwrap uses an unprivileged
user namespace instead.
"""

from __future__ import annotations

import functools
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SYSTEM = (
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib64",
    "/etc",
    "/dev",
    "/proc",
    "/sys",
)  # never hidden

NOT_SANDBOXED = (
    "not sandboxed: the notebook's code ran with your rights (no bubblewrap sandbox); check "
    "students' notebooks on Linux with bubblewrap installed"
)


@dataclass(frozen=True)
class Limits:
    """What one notebook may use; every value is per notebook."""

    memory_mb: int = 6144  # address space of each process (torch alone maps ~1.5 GB)
    processes: int = 128
    cpu_s: int = 3600  # CPU seconds of each process
    file_mb: int = 200  # largest file it may write
    disk_mb: int = 512  # its working folder; /tmp (with HOME) gets half of it
    open_files: int = 1024
    threads: int = 1  # OMP/MKL threads of the kernel; its cores, with a control group
    group_memory_mb: int = 8192  # resident memory of all its processes together


@functools.cache
def bwrap() -> str | None:
    """The path of ``bwrap``, or None."""
    return shutil.which("bwrap")


@functools.cache
def availability() -> tuple[bool, str]:
    """(True, "") when a sandbox starts here, else (False, why not, in one line)."""
    if not sys.platform.startswith("linux"):
        return False, f"bubblewrap needs Linux (this is {sys.platform})"
    if bwrap() is None:
        return False, "bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        return False, "setpriv (util-linux) is missing: as root the sandbox needs it"
    if shutil.which("prlimit") is None:
        return False, "prlimit (util-linux) is missing"
    with tempfile.TemporaryDirectory(prefix="dlb-probe-") as tmp:
        # The real interpreter, as a notebook's kernel starts it (a venv under /tmp, say).
        probe = [python(), "-c", "import json, sys; print(sys.version_info[0])"]
        cmd = command(Path(tmp) / "work", Limits(), hide=()) + probe
        try:
            done = subprocess.run(
                cmd, capture_output=True, text=True, timeout=60, env=launcher_environment()
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return False, f"bwrap could not start: {exc}"
    if done.returncode != 0 or done.stdout.strip() != "3":
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        if "python" in reason.lower() or done.returncode in (126, 127):
            return False, (
                f"the sandbox cannot start this Python ({python()}): {reason}; put the "
                "interpreter outside the temporary folders, or check with --no-sandbox"
            )
        hint = (
            " (unprivileged user namespaces are off: sysctl kernel.unprivileged_userns_clone=1, "
            "or on Ubuntu 24.04 the AppArmor rule for bwrap; or run the checker as root)"
            if "namespace" in reason.lower() or "permission" in reason.lower()
            else ""
        )
        return False, f"bwrap fails here: {reason}{hint}"
    return True, ""


def _python_mounts() -> list[Path]:
    """The folders the Python interpreter and its packages live in (``sys.path`` too, for
    packages a ``.pth`` file adds; not its first entry, the folder of the checker's script or
    the current one, nor a place hidden as a whole: ``python -m`` run in a folder would show
    that folder to every notebook)."""
    places = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix)}
    places.add(Path(sys.executable).resolve().parent.parent)
    if python() != sys.executable:  # the Colab twin's venv, and the Python it was made from
        places.add(Path(python()).parent.parent)
        places.add(Path(python()).resolve().parent.parent)
    whole = {*hidden_places(), Path("/").resolve()}
    for entry in sys.path[1:]:
        if entry and os.path.isabs(entry) and os.path.isdir(entry):
            place = Path(entry).resolve()
            if not _inside(place, REPO_ROOT) and place not in whole:
                places.add(place)
    kept = sorted(places, key=lambda p: len(p.parts))
    return [p for i, p in enumerate(kept) if not any(_inside(p, q) for q in kept[:i])]


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError):
        return False
    return True


def hidden_places(extra: tuple[Path, ...] = ()) -> list[Path]:
    """Folders replaced by empty ones in the sandbox (the instructor's files)."""
    places = [Path(p) for p in ("/home", "/root", "/mnt", "/media", "/srv", "/var/tmp", "/tmp")]
    places += [Path(tempfile.gettempdir()), REPO_ROOT, Path.cwd()]
    home = os.environ.get("HOME")
    if home:
        places.append(Path(home))
    places += list(extra)
    unique: list[Path] = []
    for place in places:
        try:
            resolved = place.resolve()
        except OSError:
            continue
        system = any(_inside(Path(s), resolved) for s in SYSTEM)  # e.g. checking from /usr
        if not system and resolved.is_dir() and resolved not in unique:
            unique.append(resolved)
    return sorted(unique, key=lambda p: len(p.parts))


def sandbox_uid() -> int:
    """A fresh unprivileged user id for one sandbox (only when the checker runs as root)."""
    return 200_000 + secrets.randbelow(800_000)


def command(
    work: Path,
    limits: Limits,
    *,
    hide: tuple[Path, ...] = (),
    ro_files: tuple[tuple[Path, Path], ...] = (),
    rw_dirs: tuple[Path, ...] = (),
    uid: int | None = None,
    args_file: Path | None = None,
) -> list[str]:
    """The command prefix that runs a program in a sandbox whose working folder is ``work``.

    ``ro_files`` are (host path, sandbox path) pairs mounted read-only (the notebook, ``utils/``);
    ``rw_dirs`` are host folders shared read-write at the same path (the kernel's sockets).
    bwrap's options go through a file (``args_file``, default ``work``'s parent/bwrap.args) read
    with ``--args``, so that the sandbox's first process, which a notebook sees as PID 1, shows
    no host path on its command line; start the command with `launcher_environment`, so that its
    environment holds nothing of the instructor's either.
    """
    options = bwrap_options(work, limits, hide=hide, ro_files=ro_files, rw_dirs=rw_dirs)
    tail: list[str] = []
    if os.geteuid() == 0:
        # No user namespace: keep only the right to drop to a fresh unprivileged user.
        options += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        uid = uid if uid is not None else sandbox_uid()
        tail += ["--", "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
        tail += ["--inh-caps=-all", "--no-new-privs"]
    else:
        options += ["--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
    seccomp = seccomp_file(work.parent)
    args_file = args_file or work.parent / "bwrap.args"
    args_file.write_bytes(b"".join(os.fsencode(a) + b"\0" for a in options))
    os.chmod(args_file, 0o600)
    script = (
        'a=$1; s=$2; shift 2; if [ -n "$s" ]; then exec "$0" --args 3 --seccomp 4 "$@" 3<"$a" '
        '4<"$s"; else exec "$0" --args 3 "$@" 3<"$a"; fi'
    )
    launcher = ["/bin/sh", "-c", script, bwrap() or "bwrap", str(args_file), str(seccomp or "")]
    return [*launcher, *(tail or ["--"]), *limit_command(limits), "--"]


def bwrap_options(
    work: Path,
    limits: Limits,
    *,
    hide: tuple[Path, ...] = (),
    ro_files: tuple[tuple[Path, Path], ...] = (),
    rw_dirs: tuple[Path, ...] = (),
) -> list[str]:
    """bwrap's options (file system, namespaces, environment) for a sandbox in ``work``."""
    tmp_mb = max(16, limits.disk_mb // 2)
    home = "/tmp/home"
    args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    # /tmp gets its own tmpfs below, which hides whatever was under it.
    hidden = [p for p in hidden_places(hide) if not _inside(p, Path("/tmp"))]
    for place in hidden:  # empty, tiny, and read-only once the interpreter is mounted back
        args += ["--perms", "0755", "--size", str(1 << 20), "--tmpfs", str(place)]
    args += ["--perms", "1777", "--size", str(tmp_mb << 20), "--tmpfs", "/tmp"]
    args += ["--perms", "1777", "--size", str(tmp_mb << 20), "--tmpfs", "/dev/shm"]
    cover_all = [*hidden, Path("/tmp")]
    for place in _python_mounts():  # after every tmpfs that would hide it (a venv in /tmp)
        cover = [h for h in cover_all if _inside(place, h)]
        if cover:
            # bwrap would create the folders in between as 0700: make them traversable.
            deepest = max(cover, key=lambda h: len(h.parts))
            for parent in reversed(place.parents):
                if len(parent.parts) > len(deepest.parts):
                    args += ["--perms", "0755", "--dir", str(parent)]
            args += ["--ro-bind", str(place), str(place)]
    for place in hidden:
        args += ["--remount-ro", str(place)]
    args += ["--perms", "0777", "--dir", home]
    made = {Path("/"), Path("/tmp"), Path("/tmp/home")}
    for place in (work, *rw_dirs, *(target for _, target in ro_files)):
        for parent in reversed(place.parents):
            if parent not in made and not any(parent == h for h in hidden):
                if _inside(parent, Path("/tmp")) or any(_inside(parent, h) for h in hidden):
                    args += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
    args += ["--perms", "1777", "--size", str(limits.disk_mb << 20), "--tmpfs", str(work)]
    for source, target in ro_files:
        args += ["--ro-bind", str(source), str(target)]
    for folder in rw_dirs:
        args += ["--bind", str(folder), str(folder)]
    args += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"]
    args += ["--unshare-cgroup-try", "--hostname", "sandbox"]
    args += ["--die-with-parent", "--new-session", "--chdir", str(work), "--clearenv"]
    for name, value in environment(limits, home).items():
        args += ["--setenv", name, value]
    return args


# seccomp: a notebook may not make namespaces or mount anything (bwrap's --disable-userns
# covers user namespaces when the checker is not root; this covers root too, and mounts).
_ARCHES = {  # machine: (AUDIT_ARCH, denied system calls, clone, clone3)
    "x86_64": (0xC000003E, (272, 308, 165, 166, 155, 428, 429, 430, 431, 432, 433, 442), 56, 435),
    "aarch64": (0xC00000B7, (97, 268, 40, 39, 41, 428, 429, 430, 431, 432, 433, 442), 220, 435),
}
_NAMESPACE_FLAGS = 0x10000000 | 0x00020000 | 0x20000000 | 0x40000000 | 0x04000000 | 0x08000000
_NAMESPACE_FLAGS |= 0x02000000  # CLONE_NEWUSER, NEWNS, NEWPID, NEWNET, NEWUTS, NEWIPC, NEWCGROUP


def seccomp_program() -> bytes | None:
    """A classic BPF seccomp filter (bwrap --seccomp) that refuses unshare, setns, mount and
    its relatives, and clone with a namespace flag (EPERM); clone3 says ENOSYS, so that the C
    library falls back to clone. None on a machine it does not know."""
    import platform
    import struct

    arch = _ARCHES.get(platform.machine())
    if arch is None:
        return None
    audit, denied, clone, clone3 = arch
    allow, eperm, enosys = 0x7FFF0000, 0x00050001, 0x00050000 | 38
    body: list[tuple[int, str | int, str | int, int]] = []  # code, jt, jf, k (labels resolved)
    body.append((0x20, 0, 0, 4))  # A = arch
    body.append((0x15, 0, "deny", audit))
    body.append((0x20, 0, 0, 0))  # A = nr
    if audit == 0xC000003E:
        body.append((0x35, "deny", 0, 0x40000000))  # the x32 ABI
    for number in denied:
        body.append((0x15, "deny", 0, number))
    body.append((0x15, "nosys", 0, clone3))
    body.append((0x15, 0, "allow", clone))
    body.append((0x20, 0, 0, 16))  # A = low word of the flags
    body.append((0x45, "deny", "allow", _NAMESPACE_FLAGS))
    labels = {"allow": len(body), "deny": len(body) + 1, "nosys": len(body) + 2}
    body += [(0x06, 0, 0, allow), (0x06, 0, 0, eperm), (0x06, 0, 0, enosys)]
    out = b""
    for index, (code, jt, jf, k) in enumerate(body):
        jt = labels[jt] - index - 1 if isinstance(jt, str) else jt
        jf = labels[jf] - index - 1 if isinstance(jf, str) else jf
        out += struct.pack("=HBBI", code, jt, jf, k)
    return out


def seccomp_file(folder: Path) -> Path | None:
    """The filter of `seccomp_program`, written in ``folder`` (None: none here)."""
    program = seccomp_program()
    if program is None:
        return None
    path = folder / "seccomp.bpf"
    path.write_bytes(program)
    return path


class GroupWatch:
    """Limits on a sandbox's processes *together* (rlimits count one process each): every
    half second it sums the resident memory, CPU time and number of the processes that descend
    from the sandbox's first one (``setsid`` or a double fork does not leave that tree: an
    orphan goes to the sandbox's own PID 1), and kills them all past ``group_memory_mb``,
    ``cpu_s`` or ``processes``. A process that starts a session of its own (and so a scheduler
    autogroup of its own, out of the notebook's share of the CPU) gets that autogroup's nice
    value raised to 19, so that it cannot take the neighbours' CPU."""

    def __init__(self, pid: int, limits: Limits):
        import threading

        self.pid, self.limits, self.reason = pid, limits, ""
        self.stopped = threading.Event()
        self._niced: set[int] = set()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.stopped.set()

    @staticmethod
    def _stat(pid: str) -> list[str] | None:
        try:
            with open(f"/proc/{pid}/stat", "rb") as handle:
                text = handle.read().decode("ascii", "replace")
        except OSError:
            return None
        return text[text.rfind(")") + 2 :].split()  # fields from the 3rd (state) on

    def members(self) -> dict[int, list[str]]:
        """pid -> its /proc stat fields, for the first process and all its descendants."""
        parents: dict[int, int] = {}
        stats: dict[int, list[str]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                fields = self._stat(entry)
                if fields and len(fields) > 20:
                    parents[int(entry)], stats[int(entry)] = int(fields[1]), fields
        found, frontier = {self.pid}, [self.pid]
        children: dict[int, list[int]] = {}
        for child, parent in parents.items():
            children.setdefault(parent, []).append(child)
        while frontier:
            for child in children.get(frontier.pop(), []):
                if child not in found:
                    found.add(child)
                    frontier.append(child)
        return {pid: stats[pid] for pid in found if pid in stats}

    def _run(self) -> None:
        ticks = os.sysconf("SC_CLK_TCK")
        page_mb = os.sysconf("SC_PAGE_SIZE") / (1 << 20)
        while not self.stopped.wait(0.5):
            members = self.members()
            if self.pid not in members:
                return
            rss = sum(int(f[21]) for f in members.values()) * page_mb
            cpu = sum(sum(int(v) for v in f[11:15]) for f in members.values()) / ticks
            if len(members) > self.limits.processes + 4:
                self.reason = f"over {self.limits.processes} processes together"
            elif rss > self.limits.group_memory_mb:
                self.reason = f"over {self.limits.group_memory_mb} MB of memory together"
            elif cpu > self.limits.cpu_s:
                self.reason = f"over {self.limits.cpu_s} s of CPU time together"
            if self.reason:
                for pid in [self.pid, *members]:
                    try:
                        os.kill(pid, 9)
                    except OSError:
                        pass
                return
            # The sandbox's own session: bwrap's (--new-session) first child's.
            own = {members[self.pid][3]}
            own |= {f[3] for p, f in members.items() if int(f[1]) == self.pid and p != self.pid}
            for pid, fields in members.items():
                if fields[3] not in own and fields[3] not in self._niced:
                    try:
                        with open(f"/proc/{pid}/autogroup", "w", encoding="ascii") as handle:
                            handle.write("19")
                        self._niced.add(fields[3])
                    except OSError:
                        pass


def launcher_environment() -> dict[str, str]:
    """The environment bwrap itself starts with (a notebook can read it as PID 1's): none of
    the instructor's variables."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}


def colab_runtime() -> tuple[str, str, Path | None]:
    """(runtime, Colab's Python version, the built twin's interpreter or None), from the newest
    ``constraints/colab-RUNTIME.txt`` and the twin's cache (``.ci/colab-twin RUNTIME``)."""
    import hashlib
    import re

    files = sorted((REPO_ROOT / "constraints").glob("colab-*.txt"))
    if not files:
        return "", "", None
    newest = files[-1]
    runtime = newest.name.removeprefix("colab-").removesuffix(".txt")
    text = newest.read_text(encoding="utf-8", errors="replace")
    match = re.search(r"Python (\d+\.\d+)", text[:2000])
    digest = hashlib.sha256(newest.read_bytes()).hexdigest()[:12]
    cache = Path(os.environ.get("DLB_TWIN_CACHE") or Path.home() / ".cache" / "dlb-colab-twin")
    venv = cache / runtime / f"venv-{digest}"
    built = venv / "bin" / "python"
    ready = (venv / ".complete").is_file() and built.exists()
    return runtime, match.group(1) if match else "", built if ready else None


@functools.cache
def python() -> str:
    """The interpreter that runs a notebook's code: ``DLB_CHECK_PYTHON`` when set, else the
    Colab twin's (Colab's Python and packages) when it is built, else this one."""
    chosen = os.environ.get("DLB_CHECK_PYTHON")
    if chosen:
        return chosen
    twin = colab_runtime()[2]
    return str(twin) if twin is not None else sys.executable


def python_warning() -> str:
    """A sentence when the notebooks run on another Python than Colab's, else ""."""
    runtime, colab, twin = colab_runtime()
    if not colab:
        return ""
    if python() == sys.executable:
        mine = f"{sys.version_info[0]}.{sys.version_info[1]}"
    else:
        try:
            mine = subprocess.run(
                [python(), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            mine = "?"
    if mine == colab:
        return ""
    return (
        f"the notebook ran on Python {mine}, Colab ({runtime}) on {colab}: a module or syntax "
        f"may work on one and not the other; build the Colab twin (.ci/colab-twin {runtime} "
        "--build) and the checker uses its Python"
    )


def popen_options() -> dict:
    return {}


def limit_command(limits: Limits) -> list[str]:
    """``prlimit`` options for ``limits`` (applied to the program and everything it starts)."""
    return [
        "prlimit",
        f"--as={limits.memory_mb << 20}",
        f"--nproc={limits.processes}",
        f"--cpu={limits.cpu_s}",
        f"--fsize={limits.file_mb << 20}",
        f"--nofile={limits.open_files}",
        "--core=0",
    ]


def environment(limits: Limits, home: str) -> dict[str, str]:
    """The only variables a notebook gets: none of the instructor's."""
    threads = str(max(1, limits.threads))
    return {
        "HOME": home,
        "USER": "student",
        "LOGNAME": "student",
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TMPDIR": "/tmp",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
        "OPENBLAS_NUM_THREADS": threads,
        "TQDM_DISABLE": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # debugpy's start-up note, not a kernel's words
    }


PLATFORM_VARIABLES = (
    "SYSTEMROOT",
    "WINDIR",
    "COMSPEC",
    "PATHEXT",
    "TEMP",
    "TMP",
    "TMPDIR",
    "USERPROFILE",
    "APPDATA",
    "LOCALAPPDATA",
    "PROGRAMDATA",
)


def unsandboxed_environment(limits: Limits) -> dict[str, str]:
    """Without bubblewrap: the same small environment, but HOME stays the user's own."""
    env = environment(limits, os.path.expanduser("~"))
    env["PATH"] = os.environ.get("PATH", env["PATH"])
    env.pop("TMPDIR")
    for name in PLATFORM_VARIABLES:  # what Windows and macOS processes cannot do without
        if name in os.environ:
            env[name] = os.environ[name]
    return env
