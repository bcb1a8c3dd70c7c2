"""Every slider still works after "Run all": each notebook with an ``interact`` is run top to
bottom, then every control of every ``interact`` is moved to other values in the same kernel,
as a student would after running the whole notebook. Any error the slider's function raises
(which Jupyter would print under the slider) fails the test, naming the notebook and the control.

This catches a slider whose function reads a global that a later cell overwrites.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
WITH_SLIDERS = [
    p
    for p in sorted(ROOT.glob("notebooks/*.ipynb"))
    if any(
        c.cell_type == "code" and "interact" in c.source
        for c in nbformat.read(p, as_version=4).cells
    )
]

# Run first: remember every `interactive` the notebook builds (`interact` builds one each).
PROLOGUE = """\
import ipywidgets as _dlb_w
_DLB_BOXES = []
_dlb_init = _dlb_w.interactive.__init__
def _dlb_record(self, *args, **kwargs):
    _dlb_init(self, *args, **kwargs)
    _DLB_BOXES.append(self)
_dlb_w.interactive.__init__ = _dlb_record
"""

# Run last: move every control; `interactive.update` reports an error of the slider's function
# through IPython's showtraceback, which we record instead of printing.
EPILOGUE = """\
import json as _dlb_json
import traceback as _dlb_tb
import matplotlib.pyplot as _dlb_plt
_dlb_errors, _dlb_moves = [], 0
_dlb_ip = get_ipython()
_dlb_ip.showtraceback = lambda *a, **k: _dlb_errors.append(_dlb_tb.format_exc(limit=-3))

def _dlb_candidates(control):
    values = getattr(control, "_options_values", None)
    if values:
        return list(values)[:4]
    if isinstance(control.value, bool):
        return [not control.value]
    if hasattr(control, "min") and hasattr(control, "max"):
        lo, hi = control.min, control.max
        return [lo, hi, type(control.value)(lo + (hi - lo) / 3)]
    return []

for _dlb_k, _dlb_box in enumerate(_DLB_BOXES):
    for _dlb_c in _dlb_box.kwargs_widgets:
        for _dlb_v in _dlb_candidates(_dlb_c):
            if _dlb_v == _dlb_c.value:
                continue
            _dlb_before = len(_dlb_errors)
            _dlb_c.value = _dlb_v
            _dlb_moves += 1
            for _dlb_e in _dlb_errors[_dlb_before:]:
                _dlb_errors[_dlb_errors.index(_dlb_e)] = (
                    f"interact #{_dlb_k + 1}, {_dlb_c.description or '?'} = {_dlb_v!r}:\\n{_dlb_e}"
                )
            _dlb_plt.close("all")
print(_dlb_json.dumps({"boxes": len(_DLB_BOXES), "moves": _dlb_moves, "errors": _dlb_errors}))
"""


@pytest.mark.parametrize("path", WITH_SLIDERS, ids=lambda p: p.name)
def test_every_slider_works_after_run_all(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(PROLOGUE))
    nb.cells.append(nbformat.v4.new_code_cell(EPILOGUE))
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    out = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    report = json.loads(out.strip().splitlines()[-1])
    assert report["boxes"] > 0, f"{path.name}: uses `interact` but built no slider"
    assert report["moves"] > 0, f"{path.name}: no slider could be moved"
    assert not report["errors"], f"{path.name}: a slider fails after Run all:\n" + "\n".join(
        report["errors"]
    )
