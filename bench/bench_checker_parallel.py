"""How much faster `python -m utils.lab check --jobs 2` checks a class than `--jobs 1`.

Writes a folder of small notebooks (a team cell, a few quick cells, a short sleep standing for a
student's slower cells), then checks the folder with ``--jobs 1`` and ``--jobs N`` side by side
in this one run, alternating the order, and prints both times and their ratio with the load
average before and after. Run it on a machine as quiet as you can get it::

    OMP_NUM_THREADS=1 python bench/bench_checker_parallel.py            # 40 notebooks, 1 vs 2
    python bench/bench_checker_parallel.py --notebooks 20 --jobs 4 --repeats 2

The checks run in the sandbox when bubblewrap works here (else with ``--no-sandbox``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from utils.course import sandbox  # noqa: E402


def write_class(folder: Path, count: int, sleep_s: float) -> None:
    """``count`` small notebooks, each a little different."""
    for k in range(count):
        cells = [
            new_markdown_cell(f"# Lab of team {k}"),
            new_code_cell(f'TEAM = ["Student {k:02} A", "Student {k:02} B"]'),
            new_code_cell(f"import math\nvalues = [math.sqrt(i) for i in range({1000 * (k + 1)})]"),
            new_code_cell(f"import time\ntime.sleep({sleep_s})\ntotal = sum(values)"),
            new_code_cell("print(f'{total:.2f}')"),
        ]
        for cell in cells[1:]:
            cell.execution_count, cell.outputs = 1, []
        nb = new_notebook(cells=cells)
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
        nbformat.write(nb, folder / f"team_{k:02}.ipynb")


def check(folder: Path, jobs: int, sandboxed: bool) -> float:
    """Seconds that `utils.lab check FOLDER --jobs JOBS` takes, start-up included."""
    cmd = [sys.executable, "-m", "utils.lab", "check", str(folder), "--jobs", str(jobs)]
    cmd += ["--cell-timeout", "60", "--total-timeout", "120"]
    if not sandboxed:
        cmd.append("--no-sandbox")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    began = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO_ROOT, env=env)
    elapsed = time.perf_counter() - began
    if "notebook(s) ready to hand in" not in done.stdout:
        raise SystemExit(f"the check failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2, help="compared with --jobs 1")
    parser.add_argument("--sleep", type=float, default=0.5, help="seconds of sleep per notebook")
    parser.add_argument("--repeats", type=int, default=1, help="pairs of runs (best kept)")
    args = parser.parse_args()
    sandboxed = sandbox.availability()[0]
    with tempfile.TemporaryDirectory(prefix="dlb-bench-") as tmp:
        folder = Path(tmp)
        write_class(folder, args.notebooks, args.sleep)
        load_before = os.getloadavg()
        serial, parallel = [], []
        for repeat in range(args.repeats):
            order = [1, args.jobs] if repeat % 2 == 0 else [args.jobs, 1]
            for jobs in order:
                (serial if jobs == 1 else parallel).append(check(folder, jobs, sandboxed))
        load_after = os.getloadavg()
    one, many = min(serial), min(parallel)
    print(
        f"{args.notebooks} notebooks, {'sandboxed' if sandboxed else 'NOT sandboxed'}, "
        f"{os.cpu_count()} cores"
    )
    print(f"--jobs 1: {one:.1f} s   --jobs {args.jobs}: {many:.1f} s   ratio {one / many:.2f}x")
    print(
        "load average (1, 5, 15 min) before: "
        + ", ".join(f"{x:.2f}" for x in load_before)
        + "; after: "
        + ", ".join(f"{x:.2f}" for x in load_after)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
