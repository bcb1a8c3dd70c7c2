"""The "Predict, then run" convention (COMMON interfaces, issue 17 §2), in both editions.

A student must be able to predict before anything on the page gives the answer away. So a
predict cell is followed by exactly this sequence:

1. a markdown cell whose text contains "Predict, then run" (the question);
2. a code cell that only computes and prints: no ``assert``, no ``check_…(`` call;
3. a markdown cell that begins with ``<details>`` (the explanation, folded);
4. a code cell with the asserts that confirm the claim.

A markdown cell that asks for a prediction in other words ("**Predict** …", "Predict → run →
explain") is a predict cell too, and must use the one wording.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(ROOT.glob("notebooks/*.ipynb")) + sorted(
    ROOT.glob("notebooks/exercises/*.ipynb")
)
WORDING = "Predict, then run"
# "**Predict", "### Predict", "Predict →", "Predict ->", "Predict, then run": a request to predict.
ASKS_TO_PREDICT = re.compile(r"(\*\*|_|^#+\s*)Predict\b|\bPredict\s*(→|->|,\s*then)", re.M)
ASSERT = re.compile(r"^\s*assert\b|\bassert\s*\(", re.M)
CHECK_CALL = re.compile(r"\bcheck_\w+\(")


def _code(cell) -> str:
    """A code cell's source without its comments (a comment may mention a check)."""
    return "\n".join(line.split("#", 1)[0] for line in cell.source.split("\n"))


def predict_problems(nb: nbformat.NotebookNode) -> list[str]:
    """Every break of the convention in one notebook, one sentence each (cells count from 0)."""
    cells = nb.cells
    problems = []
    for i, cell in enumerate(cells):
        if cell.cell_type != "markdown" or not ASKS_TO_PREDICT.search(cell.source):
            continue
        where = f"cell {i}"
        if WORDING not in cell.source:
            problems.append(f"{where}: a request to predict must say {WORDING!r}")
        follow = cells[i + 1 : i + 4]
        if len(follow) < 3:
            problems.append(
                f"{where}: needs a code cell, a <details> cell and an assert cell after"
            )
            continue
        run, explain, confirm = follow
        if run.cell_type != "code":
            problems.append(f"cell {i + 1}: the cell after the question must be code that runs")
        else:
            if ASSERT.search(_code(run)):
                problems.append(
                    f"cell {i + 1}: asserts before the student has predicted (it gives the "
                    "answer away): move the asserts after the folded explanation"
                )
            if CHECK_CALL.search(_code(run)):
                problems.append(
                    f"cell {i + 1}: calls a check before the student has predicted: move it "
                    "after the folded explanation"
                )
        if explain.cell_type != "markdown" or not explain.source.lstrip().startswith("<details>"):
            problems.append(
                f"cell {i + 2}: the explanation must be a markdown cell that begins with "
                "<details> (folded until the student has predicted)"
            )
        if confirm.cell_type != "code" or not ASSERT.search(_code(confirm)):
            problems.append(
                f"cell {i + 3}: after the explanation, a code cell must assert what it claims"
            )
    return problems


def _notebook(*cells: tuple[str, str]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    make = {"markdown": nbformat.v4.new_markdown_cell, "code": nbformat.v4.new_code_cell}
    nb.cells = [make[kind](source) for kind, source in cells]
    return nb


GOOD = [
    ("markdown", "**Predict, then run.** What does `w.grad` hold now?"),
    ("code", "f.backward()\nprint(w.grad)  # no check_x( here"),
    ("markdown", "<details><summary>Explanation</summary>\n\n6: they add up.\n\n</details>"),
    ("code", "assert w.grad == 6"),
]


def test_the_convention_passes_a_well_formed_predict_cell() -> None:
    assert predict_problems(_notebook(*GOOD)) == []


@pytest.mark.parametrize(
    ("cells", "found"),
    [
        # 00 c43 before issue 17: the code cell read before predicting asserted the answer
        (
            [GOOD[0], ("code", "f.backward()\nassert w.grad.item() == 6"), *GOOD[2:]],
            "gives the answer away",
        ),
        ([GOOD[0], ("code", "check_autograd_derivative(f)"), *GOOD[2:]], "calls a check"),
        ([*GOOD[:2], ("markdown", "6: they add up."), GOOD[3]], "begins with <details>"),
        ([*GOOD[:3], ("code", "print(w.grad)")], "must assert"),
        ([("markdown", "**Predict → run → explain.** Why?"), *GOOD[1:]], "must say"),
        (GOOD[:2], "needs a code cell"),
    ],
)
def test_the_convention_catches_each_break(cells, found) -> None:
    problems = predict_problems(_notebook(*cells))
    assert any(found in p for p in problems), problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT / "notebooks")))
def test_every_predict_cell_follows_the_convention(path: Path) -> None:
    problems = predict_problems(nbformat.read(path, as_version=4))
    assert not problems, f"{path.relative_to(ROOT)}:\n" + "\n".join(problems)
