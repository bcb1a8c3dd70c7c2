"""Handing in the graded lab: the grader's check from inside the notebook, and the figures.

- `check_handin()` checks the notebook the way the grader will (`python -m utils.lab check`):
  in Colab it asks Colab's front end for the notebook as it is open now, outside Colab it checks
  the saved file when Jupyter says which one it is, or prints the command to run.
- `download_figures()` zips the ``figures/`` folder for your slides, builds ``slides.pptx`` (a
  deck of your own figures and numbers, `utils.slides`) and puts it in the zip, and in Colab
  downloads the zip (Colab's file browser downloads files, not folders).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["check_handin", "download_figures"]

ROOT = Path(__file__).resolve().parent.parent  # the folder that holds utils/
NESTED = "DLB_HANDIN_CHECK"  # set for the checker's own run of the notebook: no check inside it
NOTEBOOK_NAME = "07_graded_lab.ipynb"


def _in_colab() -> bool:
    return "google.colab" in sys.modules


def _colab_notebook(timeout_s: float) -> dict | None:
    """The notebook open in Colab's front end, as a dict (None when the front end does not
    answer in time)."""
    from google.colab import _message  # only in Colab

    reply = _message.blocking_request("get_ipynb", request="", timeout_sec=timeout_s)
    if not isinstance(reply, dict) or not isinstance(reply.get("ipynb"), dict):
        return None
    return reply["ipynb"]


def _notebook_on_disk() -> Path | None:
    """The path of the open notebook when the front end tells the kernel (JupyterLab and
    Notebook 7 set JPY_SESSION_NAME; VS Code sets __vsc_ipynb_file__); else None."""
    candidates = [os.environ.get("JPY_SESSION_NAME", "")]
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            candidates.append(str(shell.user_ns.get("__vsc_ipynb_file__", "")))
    except ImportError:
        pass
    for name in candidates:
        if name.endswith(".ipynb") and Path(name).is_file():
            return Path(name).resolve()
    return None


def check_handin(path: str | Path | None = None, timeout_s: float = 1800) -> int | None:
    """Check this notebook as the grader will, and print the checker's verdict.

    Parameters
    ----------
    path : str or Path, optional
        The notebook file to check. By default: in Colab, the notebook as it is open now (save
        is not needed); elsewhere, the saved file that Jupyter names (save first).
    timeout_s : float
        The checker's limit for the whole run (it runs every cell again, in a fresh kernel).

    Returns
    -------
    int or None
        The checker's exit status (0: ready to hand in, 1: something blocks), or None when
        nothing was checked. A blocked notebook is reported, never raised: this cell must not
        itself become an error in your notebook.
    """
    if os.environ.get(NESTED):
        print("(This is the checker's own run of the notebook: nothing more to check here.)")
        return None
    with tempfile.TemporaryDirectory(prefix="dlb-handin-") as tmp:
        if path is not None:
            target = Path(path)
        elif _in_colab():
            notebook = _colab_notebook(timeout_s=120)
            if notebook is None:
                print(
                    "Colab did not send the notebook (timeout). Run this cell again, or\n"
                    "download the notebook (File > Download > .ipynb) and check it with\n"
                    f"    python -m utils.lab check {NOTEBOOK_NAME}"
                )
                return None
            target = Path(tmp) / NOTEBOOK_NAME
            target.write_text(json.dumps(notebook), encoding="utf-8")
        else:
            target = _notebook_on_disk()
            if target is None:
                print(
                    "Outside Colab, save the notebook and check the file from the folder that\n"
                    "holds utils/ (the repository's root):\n"
                    f"    python -m utils.lab check path/to/{NOTEBOOK_NAME}"
                )
                return None
            print(f"Checking the saved file {target.name} (save first: the file, not the screen).")
        if not target.is_file():
            print(f"No notebook at {target}: nothing checked.")
            return None
        print("Running the whole notebook again in a fresh kernel, as the grader will ...")
        return _run_checker(target, timeout_s)


def _run_checker(target: Path, timeout_s: float) -> int:
    env = dict(os.environ)
    env[NESTED] = "1"  # the checker's kernel inherits it: its run of this cell stops at once
    env.pop("JPY_SESSION_NAME", None)
    command = [sys.executable, "-m", "utils.lab", "check", str(target)]
    command += ["--total-timeout", str(timeout_s)]
    try:
        run = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout_s + 120
        )
    except subprocess.TimeoutExpired:
        print(f"The check did not finish within {timeout_s + 120:g} s.")
        return 1
    print((run.stdout + run.stderr).strip())
    if run.returncode == 0:
        print("\nThe checker found nothing that blocks: hand in this notebook and your video.")
    else:
        print("\nFix every ❌ above, then run this cell again.")
    return run.returncode


def download_figures(
    folder: str | Path = "figures",
    *,
    team: Sequence[str] | None = None,
    numbers: Mapping[str, object] | None = None,
    excess: Mapping | None = None,
    distribution: str | None = None,
    slides: bool = True,
) -> Path | None:
    """Zip ``folder`` (the figures `save_figure` wrote) into ``<folder>.zip``, with a slide deck
    ``slides.pptx`` built from them; in Colab, also download the zip (not during the checker's
    run of the notebook, which has no browser). Returns the zip's path (None when there is no
    figure yet).

    ``team``, ``numbers``, ``excess`` and ``distribution`` go on the slides (see
    `utils.slides.build_slides`: numbers with their uncertainty, ``excess`` as notebook 07's
    ``results``); ``slides=False`` zips the figures only. The deck is written next to the
    folder (``slides.pptx``) and added to the zip. A deck that cannot be built (python-pptx
    missing offline, a number that is not a number) is reported, never raised: the figures are
    zipped anyway.
    """
    folder = Path(folder)
    if not folder.is_dir() or not any(folder.iterdir()):
        print(f"No figures in {folder}/ yet: run the cells that save them first.")
        return None
    archive = Path(
        shutil.make_archive(str(folder), "zip", root_dir=folder.parent, base_dir=folder.name)
    )
    count = sum(1 for p in folder.iterdir() if p.is_file())
    print(f"{count} files zipped into {archive.name} ({archive.stat().st_size / 1e6:.1f} MB)")
    nested = bool(os.environ.get(NESTED))
    if slides:
        deck = _build_deck(folder, team, numbers, excess, distribution, install=not nested)
        if deck is not None:
            with zipfile.ZipFile(archive, "a", compression=zipfile.ZIP_DEFLATED) as handle:
                handle.write(deck, deck.name)
            print(f"{deck.name} added to {archive.name}: your figures and numbers, with prompts")
            print("for what to say; put your answers in your own words, then record.")
    if nested:  # the checker's run has no browser to download into
        print("(The checker's own run: the zip is not downloaded.)")
    elif _in_colab():
        from google.colab import files

        files.download(str(archive))
    else:
        print(f"It is at {archive.resolve()}")
    return archive


def _build_deck(folder: Path, team, numbers, excess, distribution, install: bool) -> Path | None:
    """``slides.pptx`` next to ``folder``, or None (and a message saying why)."""
    from utils import slides

    out = folder.parent / "slides.pptx"
    try:
        slides.build_slides(
            out,
            team=team,
            figures=folder,
            numbers=numbers,
            excess=excess,
            distribution=distribution,
            install=install and _in_colab(),
        )
    except (RuntimeError, ValueError, OSError) as exc:
        print(f"No slides.pptx: {exc}")
        return None
    except Exception as exc:  # the hand-in cell must not fail: the figures are zipped anyway
        print(f"No slides.pptx: {type(exc).__name__}: {exc}")
        return None
    return out
