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
    threads: int = 1  # OMP/MKL threads of the kernel


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
        cmd = command(Path(tmp), Limits(), hide=()) + ["/bin/true"]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return False, f"bwrap could not start: {exc}"
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        hint = (
            " (unprivileged user namespaces are off: sysctl kernel.unprivileged_userns_clone=1, "
            "or on Ubuntu 24.04 the AppArmor rule for bwrap; or run the checker as root)"
            if "namespace" in reason.lower() or "permission" in reason.lower()
            else ""
        )
        return False, f"bwrap fails here: {reason}{hint}"
    return True, ""


def _python_mounts() -> list[Path]:
    """The folders the Python interpreter and its packages live in."""
    places = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix)}
    places.add(Path(sys.executable).resolve().parent.parent)
    for entry in sys.path:
        if entry and os.path.isabs(entry) and os.path.isdir(entry):
            place = Path(entry).resolve()
            if not _inside(place, REPO_ROOT):
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
) -> list[str]:
    """The command prefix that runs a program in a sandbox whose working folder is ``work``.

    ``ro_files`` are (host path, sandbox path) pairs mounted read-only (the notebook, ``utils/``);
    ``rw_dirs`` are host folders shared read-write at the same path (the kernel's sockets).
    """
    tmp_mb = max(16, limits.disk_mb // 2)
    home = "/tmp/home"
    args = [bwrap() or "bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    hidden = [p for p in hidden_places(hide) if p != Path("/tmp")]
    for place in hidden:
        args += ["--perms", "0755", "--tmpfs", str(place)]
    for place in _python_mounts():
        cover = [h for h in hidden if _inside(place, h)]
        if cover:
            # bwrap would create the folders in between as 0700: make them traversable.
            for parent in reversed(place.parents):
                if len(parent.parts) > len(max(cover, key=lambda h: len(h.parts)).parts):
                    args += ["--perms", "0755", "--dir", str(parent)]
            args += ["--ro-bind", str(place), str(place)]
    args += ["--perms", "1777", "--size", str(tmp_mb << 20), "--tmpfs", "/tmp"]
    args += ["--perms", "1777", "--size", str(tmp_mb << 20), "--tmpfs", "/dev/shm"]
    args += ["--perms", "0777", "--dir", home]
    made = {Path("/"), Path("/tmp"), Path("/tmp/home")}
    for place in (work, *rw_dirs):
        for parent in reversed(place.parents):
            if parent not in made and not any(parent == h for h in hidden):
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
    if os.geteuid() == 0:
        # No user namespace: keep only the right to drop to a fresh unprivileged user.
        args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        uid = uid if uid is not None else sandbox_uid()
        args += ["--", "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
        args += ["--inh-caps=-all", "--no-new-privs"]
    else:
        args += ["--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
    return args + ["--", *limit_command(limits), "--"]


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


def prepare(folder: Path, uid: int | None) -> None:
    """Let the sandbox's user (``uid``, when running as root) use ``folder``."""
    if uid is None:
        return
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, uid, uid, follow_symlinks=False)
