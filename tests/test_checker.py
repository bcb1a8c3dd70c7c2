"""The checker's architecture, its sandbox's limits and its report (issues 20 §3 and 21 §3–4).

Fast tests: a few small sandboxes, no notebook kernel.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from utils.course import checker, judging, running, sandbox
from utils.course.report import CSV_COLUMNS, Report, csv_field, csv_row, path_text, write_csv

ROOT = Path(__file__).resolve().parents[1]
WORKS, WHY = sandbox.availability()
needs_sandbox = pytest.mark.skipif(not WORKS, reason=f"no working bubblewrap sandbox: {WHY}")
SHIMS = {"utils.lab", "utils.notebooks", "utils.site", "utils.release"}


# --------------------------------------------------------------------------- architecture


def import_graph() -> dict[str, set[str]]:
    """module -> the utils modules it imports (at the top or inside a function)."""
    modules = {}
    for path in (ROOT / "utils").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                    for a in node.names
                ]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                # A module's own parent packages are loaded before it anyway: importing one
                # (utils.checks._core's lazy `import utils.checks`) adds no dependency.
                if target and target != name and not name.startswith(target + "."):
                    graph[name].add(target)
    return graph


def test_the_import_graph_has_no_circle_and_no_back_arrow():
    graph = import_graph()
    assert "utils.course.checker" in graph and "utils.course.kernel" in graph
    cycles, state, stack = [], {}, []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append([*stack[stack.index(target) :], target])
            elif not state.get(target):
                visit(target)
        stack.pop()
        state[module] = 2

    for module in sorted(graph):
        if not state.get(module):
            visit(module)
    assert cycles == []
    back = [(m, t) for m, targets in graph.items() for t in targets if t in SHIMS]
    assert [(m, t) for m, t in back if m.startswith("utils.course")] == []


def test_one_kernel_runner_for_the_checker_the_site_and_the_twin():
    graph = import_graph()
    for user in ("utils.course.running", "utils.course.site", "utils.course.colab_twin"):
        assert "utils.course.kernel" in graph[user], user
    for path in (ROOT / "utils" / "course").glob("*.py"):
        if path.name != "kernel.py":
            assert "get_msg" not in path.read_text(encoding="utf-8"), path.name
    # The checker's runner is a module, not Python in a string.
    assert "RUNNER" not in (ROOT / "utils" / "course" / "judging.py").read_text()
    assert not hasattr(sandbox, "prepare")


def test_messages_are_awaited_in_short_polls():
    import asyncio
    from queue import Empty

    from utils.course.kernel import in_slices

    asked = []

    async def get_msg(timeout=None):
        asked.append(timeout)
        if len(asked) < 3:
            raise Empty
        return {"msg": len(asked)}

    assert asyncio.run(in_slices(get_msg)(timeout=300)) == {"msg": 3}
    assert all(t is not None and t <= 1.0 for t in asked)

    async def never(timeout=None):
        raise Empty

    with pytest.raises(Empty):
        asyncio.run(in_slices(never)(timeout=0.05))


def test_the_tooling_imports_no_torch():
    modules = [
        "utils",
        "utils.lab",
        "utils.notebooks",
        "utils.release",
        "utils.site",
        *(
            f"utils.course.{p.stem}"
            for p in (ROOT / "utils" / "course").glob("*.py")
            if p.stem not in ("lab_key", "answer_key", "lab_hidden", "__init__")
        ),
    ]
    code = "import importlib, sys\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    code += "print('torch' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert done.stdout.strip() == "False", done.stderr[-2000:]


def test_the_lab_command_line_still_works():
    done = subprocess.run(
        [sys.executable, "-m", "utils.lab", "check", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0 and "--no-run" in done.stdout


# --------------------------------------------------------------------------- the sandbox


def run_in_sandbox(code: str, limits=None, env=None, watch=False, wait=60):
    """Run Python ``code`` in a sandbox; return (stdout, stderr, the GroupWatch or None)."""
    limits = limits or sandbox.Limits()
    with tempfile.TemporaryDirectory(prefix="dlb-test-") as tmp:
        cmd = sandbox.command(Path(tmp) / "work", limits) + [sandbox.python(), "-c", code]
        process = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env or sandbox.launcher_environment(),
            start_new_session=True,
        )
        guard = sandbox.GroupWatch(process.pid, limits) if watch else None
        try:
            out, err = process.communicate(timeout=wait)
        finally:
            process.kill()
            if guard is not None:
                guard.stop()
    return out, err, guard


@needs_sandbox
def test_pid_1_shows_no_host_path_and_no_secret(tmp_path):
    secret_env = {**sandbox.launcher_environment(), "SECRET_TOKEN": "xyz-secret"}
    code = (
        "import json\nout = {}\n"
        "for name in ('cmdline', 'environ'):\n"
        "    try:\n"
        "        out[name] = open('/proc/1/' + name, 'rb').read().decode('latin-1')\n"
        "    except OSError as exc:\n"
        "        out[name] = 'unreadable'\n"
        "print(json.dumps(out))"
    )
    out, err, _ = run_in_sandbox(code)
    seen = json.loads(out)
    assert str(Path.cwd()) not in seen["cmdline"] and str(ROOT) not in seen["cmdline"], seen
    assert "--tmpfs" not in seen["cmdline"]
    # The launcher's environment is the sandbox's PID 1's: the caller passes a clean one.
    assert "SECRET" not in seen["environ"]
    out, err, _ = run_in_sandbox(code, env=secret_env)
    assert "xyz-secret" not in json.loads(out)["environ"] or os.geteuid() != 0


@needs_sandbox
def test_no_namespace_no_mount_and_read_only_hiding_folders():
    code = (
        "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "print('userns', libc.unshare(0x10000000), 'mountns', libc.unshare(0x00020000))\n"
        "for place in ('/var/tmp', '/mnt', '/srv', '/tmp'):\n"
        "    try:\n"
        "        open(place + '/x', 'w').write('x')\n"
        "        print('wrote', place)\n"
        "    except OSError as exc:\n"
        "        print('refused', place)\n"
        "print('fds', sorted(os.listdir('/proc/self/fd')))"
    )
    out, err, _ = run_in_sandbox(code)
    assert "userns -1 mountns -1" in out, out + err
    for place in ("/var/tmp", "/mnt", "/srv"):
        if Path(place).is_dir():
            assert f"refused {place}" in out, out
    assert "wrote /tmp" in out  # its own, size-limited tmpfs
    assert "fds ['0', '1', '2', '3']" in out  # bwrap's --args file is closed (3: listdir's)


@needs_sandbox
def test_memory_is_limited_per_sandbox_not_per_process():
    limits = sandbox.Limits(group_memory_mb=400)
    code = (
        "import os, time\n"
        "for _ in range(4):\n"
        "    if os.fork() == 0:\n"
        "        os.setsid()\n"
        "        block = bytearray(150 << 20)\n"
        "        time.sleep(60)\n"
        "time.sleep(60)\n"
        "print('slept to the end')"
    )
    out, err, guard = run_in_sandbox(code, limits=limits, watch=True)
    assert "400 MB" in guard.reason
    assert "slept to the end" not in out  # stopped by the watch, not by the sleep's end


@needs_sandbox
def test_a_child_that_starts_its_own_session_gets_the_lowest_priority():
    code = (
        "import os, time\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    os.setsid()\n"
        "    time.sleep(4)\n"
        "    os._exit(0)\n"
        "time.sleep(3)\n"
        "print(open(f'/proc/{pid}/autogroup').read().strip())\n"
        "print(open('/proc/self/autogroup').read().strip())"
    )
    if not Path("/proc/self/autogroup").exists():
        pytest.skip("no scheduler autogroups on this kernel")
    out, err, _ = run_in_sandbox(code, watch=True)
    child, own = out.strip().splitlines()
    assert child.endswith("nice 19"), out
    assert not own.endswith("nice 19"), out


@needs_sandbox
def test_a_python_under_tmp_runs_in_the_sandbox(tmp_path, monkeypatch):
    venv = Path(tempfile.mkdtemp(prefix="dlb-venv-"))
    venv.chmod(0o755)  # as root, the sandbox's user must be able to reach it
    try:
        subprocess.run(
            [sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)],
            check=True,
            timeout=120,
        )
        monkeypatch.setenv("DLB_CHECK_PYTHON", str(venv / "bin" / "python"))
        sandbox.python.cache_clear()
        out, err, _ = run_in_sandbox("import sys, json; print(sys.prefix)")
        assert out.strip() == str(venv), err
    finally:
        sandbox.python.cache_clear()
        subprocess.run(["rm", "-rf", str(venv)], check=False)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="control groups are Linux's")
@pytest.mark.parametrize("version", [2, 1])
def test_a_control_groups_files(tmp_path, monkeypatch, version):
    """The files `utils.course.cgroup` reads and writes, on a stand-in tree (the real ones need
    root or a delegated subtree: tests/test_sandbox_limits.py): the limits, the prefix that
    joins the group, the OOM verdict, the CPU time."""
    from utils.course import cgroup

    base = tmp_path / "fs"
    if version == 2:
        places = {"": base}
        base.mkdir()
        (base / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
        (base / "cgroup.subtree_control").write_text("")
    else:
        places = {c: base / c for c in ("memory", "cpu", "pids", "cpuacct")}
        for folder in places.values():
            folder.mkdir(parents=True)
    monkeypatch.setattr(cgroup, "_places", lambda: places)
    monkeypatch.delenv("DLB_NO_CGROUP", raising=False)
    group = cgroup.Group.create(sandbox.Limits(group_memory_mb=300, processes=20, threads=2))
    assert group is not None and group.v2 == (version == 2)
    written = {p.relative_to(base).as_posix(): p.read_text().strip() for p in base.rglob("*.*")}
    if version == 2:
        name = group.folders[0].name
        assert written["cgroup.subtree_control"] == "+memory +cpu +pids"
        assert written[f"{name}/memory.max"] == str(300 << 20)
        assert written[f"{name}/pids.max"] == "24" and written[f"{name}/cpu.max"] == "200000 100000"
        (group.folders[0] / "memory.events").write_text("low 0\noom 2\noom_kill 1\n")
        (group.folders[0] / "cpu.stat").write_text("usage_usec 2500000\nuser_usec 1\n")
    else:
        name = group.folders[0].name
        assert written[f"memory/{name}/memory.limit_in_bytes"] == str(300 << 20)
        assert written[f"pids/{name}/pids.max"] == "24"
        assert written[f"cpu/{name}/cpu.cfs_quota_us"] == "200000"
        assert written[f"cpu/{name}/cpu.cfs_period_us"] == "100000"
        (places["memory"] / name / "memory.oom_control").write_text("under_oom 0\noom_kill 3\n")
        (places["cpuacct"] / name / "cpuacct.usage").write_text("2500000000\n")
    prefix = group.prefix()
    assert prefix[:2] == ["/bin/sh", "-c"] and prefix[3] == "sh"
    assert all(str(f / "cgroup.procs") in prefix[2] for f in group.folders)
    assert group.reason() == "over 300 MB of memory together"
    assert group.cpu_seconds() == 2.5
    for folder in group.folders:  # a real group's files vanish with it
        for path in folder.iterdir():
            path.unlink()
    folders = list(group.folders)
    group.close()
    assert not any(f.exists() for f in folders) and group.folders == []


def test_the_folder_the_checker_runs_in_is_not_shown_to_notebooks(tmp_path, monkeypatch):
    """`python -m utils.lab` puts the current folder first on sys.path, and a script run from
    /tmp puts /tmp there: neither is mounted back into the sandbox (the instructor's files)."""
    from utils.course.sandbox import _inside, _python_mounts

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path[1:], "/tmp", str(tmp_path)])
    mounts = _python_mounts()
    assert not any(_inside(tmp_path, m) or _inside(Path("/tmp"), m) for m in mounts), mounts
    assert Path(sys.prefix).resolve() in [m.resolve() for m in mounts] or any(
        _inside(Path(sys.prefix), m) for m in mounts
    )


def test_a_subfolder_of_the_kernels_folder_counts(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "f").write_bytes(b"x" * 5000)
    (tmp_path / "g").write_bytes(b"x" * 100)
    assert running.folder_size(tmp_path) == 5100


def test_a_missing_module_does_not_blame_colab():
    hint = running.module_hint("No module named 'pandas'")
    assert "Colab lacks" not in hint and "not a mistake of the notebook" in hint
    assert "Colab has scikit-learn" in running.module_hint("No module named 'sklearn.svm'")
    assert "Colab lacks torchviz" in running.module_hint("No module named 'torchviz'")


# --------------------------------------------------------------------------- reading


def test_ipython_syntax_is_read_in_linear_time():
    source = "\n".join(f"!echo {i}" for i in range(501)) + "\nfiles = !ls\nx = 1 % 2\n"
    tree = judging.parse(source)
    assert tree is not None and len(tree.body) == 503
    assert judging.parse("x = 1\n" * 200_000) is None  # over the size read statically


def test_a_no_run_batch_of_hostile_files_keeps_every_row(tmp_path, capsys):
    folder = tmp_path / "class"
    folder.mkdir()

    def put(name, *sources):
        nb = new_notebook(cells=[new_markdown_cell("# A")] + [new_code_cell(s) for s in sources])
        nbformat.write(nb, folder / name)

    put("bangs.ipynb", "\n".join(f"!echo {i}" for i in range(501)))
    put("big.ipynb", "x = 1\n" * 1_500_000)  # 9 MB in one cell
    put("ok.ipynb", 'TEAM = ["Ada Lovelace", "Alan Turing"]')
    put("UPPER.IPYNB", "x = 1")
    (folder / "link.ipynb").symlink_to(tmp_path, target_is_directory=True)
    (folder / "surrogate.ipynb").write_text(
        '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code",'
        ' "metadata": {}, "outputs": [], "execution_count": null, "source": "x = \\"\\ud800\\""}]}'
    )
    out = tmp_path / "rows.csv"
    status = checker.main(["check", str(folder), "--no-run", "--csv", str(out), "--jobs", "2"])
    assert status == 1
    rows = {Path(r["file"]).name: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert set(rows) == {
        "bangs.ipynb",
        "big.ipynb",
        "ok.ipynb",
        "UPPER.IPYNB",
        "link.ipynb",
        "surrogate.ipynb",
    }
    assert "folder" in rows["link.ipynb"]["problems"] or "link" in rows["link.ipynb"]["problems"]
    assert "lone surrogate" in rows["surrogate.ipynb"]["problems"]


def test_a_file_named_like_an_option_is_a_notebook(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1")]), tmp_path / "--csv=x.ipynb")
    assert checker._paths_first(["check", "--csv=x.ipynb"]) == ["check", "./--csv=x.ipynb"]
    assert checker.main(["check", "--no-run", "--no-team", "--csv=x.ipynb"]) == 0
    assert (tmp_path / "--csv=x.ipynb").read_text().startswith("{")  # not overwritten
    assert checker.main(["check", "--no-run", "--csv", "out.ipynb", "--csv=x.ipynb"]) == 2


# --------------------------------------------------------------------------- the report


def test_csv_fields_are_neutral_for_both_separators():
    for text in ("Ada Lovelace;=1+1", ";=1+1;@SUM(2+2)", "semicolon;=2+3.ipynb", "a, +b", "=x"):
        field = csv_field(text)
        for piece in field.replace(",", ";").split(";"):
            assert piece.lstrip()[:1] not in ("=", "+", "-", "@"), (text, field)
    assert csv_field("-1.5") == "-1.5"


def test_raw_byte_names_print_distinctly():
    assert path_text(os.fsdecode(b"team\xff.ipynb")) != path_text("team\\xff.ipynb")


def test_the_csv_has_mistakes_and_the_team_fingerprint(tmp_path):
    report = Report(Path("a.ipynb"), team=["Ada"], team_fingerprint="1a2b3c4d")
    report.exercises = {"bce_gradient": "failed", "standardize": "passed"}
    report.mistakes = {"bce_gradient": "bce_gradient.sign"}
    row = csv_row(report)
    assert row["mistakes"] == "bce_gradient=bce_gradient.sign"
    assert row["team_fingerprint"] == "1a2b3c4d"
    write_csv([report], tmp_path / "x.csv")
    header = (tmp_path / "x.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == CSV_COLUMNS
    back = Report.from_json(json.loads(json.dumps(report.to_json())))
    assert back.mistakes == report.mistakes and back.team_fingerprint == "1a2b3c4d"


def _as_normal_user() -> list[str] | None:
    """A command that runs a Python as an unprivileged user, or None: this Python, else the
    system's (this one may live where only root can read, such as /root/.pyenv); the sandbox
    needs only the standard library."""
    import shutil

    if os.geteuid() != 0 or shutil.which("runuser") is None:
        return None
    prefix = ["runuser", "-u", "nobody", "--"]
    for python in (sys.executable, "/usr/bin/python3"):
        try:
            done = subprocess.run(
                [*prefix, python, "-c", "import utils.course.sandbox"],
                cwd=ROOT,
                capture_output=True,
                timeout=120,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return [*prefix, "env", "SECRET_TOKEN=xyz-secret", python]
    return None


@needs_sandbox
def test_as_a_normal_user_pid_1_holds_no_secret():
    python = _as_normal_user()
    if python is None:
        pytest.skip(
            "no Python can be run as user nobody here (not root, no runuser, or both this "
            "interpreter and /usr/bin/python3 are missing or unreadable to nobody)"
        )
    code = (
        "import json, os, subprocess, tempfile\nfrom pathlib import Path\n"
        "from utils.course import sandbox\n"
        "tmp = Path(tempfile.mkdtemp())\n"
        "cmd = sandbox.command(tmp / 'work', sandbox.Limits()) + [sandbox.python(), '-c', "
        "\"print(open('/proc/1/environ', 'rb').read().decode('latin-1'))\"]\n"
        "print(subprocess.run(cmd, capture_output=True, text=True, "
        "env=sandbox.launcher_environment()).stdout)\n"
        "import shutil\nshutil.rmtree(tmp, ignore_errors=True)"
    )
    done = subprocess.run(
        [*python, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "xyz-secret" not in done.stdout + done.stderr
    assert "PATH=" in done.stdout, done.stderr[-1000:]


def test_a_checks_known_mistake_reaches_the_outcome(monkeypatch):
    """The re-check keeps the verdict's ``mistake`` id (the checks' known mistakes) for the
    CSV's ``mistakes`` column; the sandbox side is a stand-in that answers plain data."""
    import torch

    import utils.checks
    from utils.checks import _core
    from utils.course import plain, recheck

    asked = []

    class Channel:
        def ask(self, request):
            asked.append(request)
            return {"value": plain.to_json(torch.zeros(2))}

    def check_fake(fn):
        fn(torch.ones(2))
        verdict = _core.Verdict("fake", "failed", "❌ fake: the sign")
        verdict.mistake = "fake.sign"
        _core._emit(verdict, False)
        raise _core.ExerciseFailed(verdict.message)

    check_fake.__module__ = "utils.checks._core"
    monkeypatch.setattr(utils.checks, "check_fake", check_fake, raising=False)
    ready = {"fake": {"defined": True, "callable": True}}
    outcome = recheck.judge(Channel(), "fake", "check_fake", ready)
    assert (outcome.status, outcome.mistake) == ("failed", "fake.sign")
    assert asked == [
        {
            "op": "call",
            "task": "fake",
            "args": plain.to_json((torch.ones(2),)),
            "kwargs": {"$d": []},
        }
    ]
    missing = recheck.judge(Channel(), "fake", "check_fake", {})
    assert missing.status == "missing"


def _children_of_this_process() -> list[str]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                text = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = text[text.rfind(")") + 2 :].split()
            if int(fields[1]) == os.getpid():
                found.append(f"{entry} ({text[text.find('(') + 1 : text.rfind(')')]}, {fields[0]})")
    return found


@pytest.mark.slow
@pytest.mark.parametrize("sandboxed", [pytest.param(True, marks=needs_sandbox), False])
def test_a_check_leaves_no_process_behind_not_even_a_zombie(tmp_path, sandboxed):
    """The kernel's process (bwrap's, or the kernel unsandboxed) is killed and reaped when the
    check ends: before, every sandboxed check left a dead bwrap in the process table."""
    before = set(_children_of_this_process())
    nbformat.write(
        new_notebook(cells=[new_code_cell("import subprocess\nsubprocess.Popen(['sleep', '97'])")]),
        tmp_path / "a.ipynb",
    )
    report = checker.check_notebook(
        tmp_path / "a.ipynb",
        team_required=False,
        cell_timeout=120,
        total_timeout=300,
        sandboxed=sandboxed,
    )
    assert report.ran and report.first_error is None, report.first_error
    assert set(_children_of_this_process()) - before == set()
    left = subprocess.run(["pgrep", "-f", "^sleep 97$"], capture_output=True, text=True).stdout
    assert not left.strip(), f"the notebook's child outlived its check: {left}"
