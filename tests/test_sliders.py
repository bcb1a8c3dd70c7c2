"""Every slider still works after "Run all": each notebook with an ``interact`` is run top to
bottom, then every control of every ``interact`` is moved to other values in the same kernel,
as a student would after running the whole notebook. Any error the slider's function raises
(which Jupyter would print under the slider) fails the test, naming the notebook and the control.

This catches a slider whose function reads a global that a later cell overwrites. The run is
the session's one run of the notebook (tests/notebook_runs.py), which the notebook test and the
readers' edition reuse: a notebook is not executed again here.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tests import notebook_runs

ROOT = Path(__file__).resolve().parent.parent
WITH_SLIDERS = [
    p
    for p in sorted(ROOT.glob("notebooks/*.ipynb"))
    if notebook_runs.uses_sliders(nbformat.read(p, as_version=4))
]


@pytest.mark.slow
@pytest.mark.parametrize("path", WITH_SLIDERS, ids=lambda p: p.name)
def test_every_slider_works_after_run_all(path: Path) -> None:
    result = notebook_runs.run(path)
    assert result.sliders is not None, (
        f"{path.name}: the notebook stopped before its sliders could be moved:\n{result.error}"
    )
    report = result.sliders
    assert report["boxes"] > 0, f"{path.name}: uses `interact` but built no slider"
    assert report["moves"] > 0, f"{path.name}: no slider could be moved"
    assert not report["errors"], f"{path.name}: a slider fails after Run all:\n" + "\n".join(
        report["errors"]
    )
