"""The instructor's key (utils.course.answer_key) and the lab notebook's promises to students:
no outcome assertion, no published answers, placeholders the checker recognises."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from utils.course import answer_key as lab_key
from utils.lab_tools import describe_parameters, team_distribution
from utils.notebooks import read_notebook
from utils.team import team_fingerprint

ROOT = Path(__file__).resolve().parent.parent
EDITIONS = {
    "complete": ROOT / "notebooks" / "07_graded_lab.ipynb",
    "student": ROOT / "notebooks" / "exercises" / "07_graded_lab.ipynb",
}


def code(edition: str) -> list[str]:
    return [c.source for c in read_notebook(EDITIONS[edition]).cells if c.cell_type == "code"]


def markdown(edition: str) -> str:
    cells = read_notebook(EDITIONS[edition]).cells
    return "\n\n".join(c.source for c in cells if c.cell_type == "markdown")


def test_key_prints_the_teams_numbers(capsys, monkeypatch):
    """The key's layout, on fewer sizes and steps (the settings are the notebook's: below)."""
    monkeypatch.setattr(lab_key, "SAMPLE_SIZES", [50, 1000])
    monkeypatch.setattr(lab_key, "STEPS", 60)
    team = ["Grace Hopper", "Edsger Dijkstra"]
    assert lab_key.main(team) == 0
    out = capsys.readouterr().out
    assert f"(fingerprint {team_fingerprint(team)})" in out
    assert "Team: dijkstra edsger | grace hopper" in out
    assert describe_parameters(team_distribution(team)) in out
    assert re.search(r"Bayes risk R\*\s+0\.\d{4} ± 0\.\d{4}", out)
    assert re.search(r"best line's risk \(exact\)\s+0\.\d{4}$", out, re.M)
    assert re.search(r"surrogate gap of lines \(exact\)\s+0\.\d{4}$", out, re.M)
    rows = [
        ln for ln in out.splitlines() if re.fullmatch(r"\s*[\w ,]*\s+\d+(\s+-?\d\.\d{4}){3}.*", ln)
    ]
    for family in lab_key.FAMILIES:
        assert sum(ln.strip().startswith(family + " ") for ln in rows) == 2, family
    # aligned columns, negative values included: every number's decimal point at one place
    points = {tuple(m.start() for m in re.finditer(r"\.", ln[31:61])) for ln in rows}
    assert len(points) == 1, points
    assert max(len(line) for line in out.splitlines()) <= 100
    lowest = float(re.search(r"the lowest excess risk is (-?\d+\.\d+)", out).group(1))
    alarm = float(re.search(r"alarm below −(\d+\.\d+)", out).group(1))
    assert lowest > -alarm  # the true excess risk is ≥ 0: no paired estimate clearly below it
    assert "figures: bayes_rule.png, excess_risk_vs_n.png, boundaries_n1000.png" in out


def test_key_reads_the_team_from_a_submission(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(lab_key, "key_data", lambda names: (_ for _ in ()).throw(KeyError(names)))
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 07"),
        nbformat.v4.new_code_cell('TEAM = ["Chloé Martin", "Søren Hugo-Bernard"]  # us'),
    ]
    path = tmp_path / "sub.ipynb"
    nbformat.write(nb, path)
    assert lab_key.team_from_notebook(path) == ["Chloé Martin", "Søren Hugo-Bernard"]
    with pytest.raises(KeyError) as info:  # reached the computation with the submission's team
        lab_key.main(["--notebook", str(path)])
    assert info.value.args[0] == ["Chloé Martin", "Søren Hugo-Bernard"]
    nb.cells[1].source = "TEAM = names_from_somewhere()"
    nbformat.write(nb, path)
    assert lab_key.main(["--notebook", str(path)]) == 2
    assert "no cell assigns TEAM" in capsys.readouterr().out
    nb.cells[1].source = 'TEAM = ["Chloé Martin", "martin chloe"]'
    nbformat.write(nb, path)
    from utils.course import checker  # `python -m utils.lab key --notebook FILE` reaches it

    assert checker.main(["key", "--notebook", str(path)]) == 2
    assert "the same member twice" in capsys.readouterr().out


def test_key_refuses_no_names(capsys):
    assert lab_key.main(["", "  "]) == 2
    assert "error: `team` must hold at least one name" in capsys.readouterr().out


def test_key_uses_the_notebooks_settings():
    """The key reproduces the complete edition's numbers only with the same settings."""
    source = "\n".join(code("complete"))
    assert f"SEED = {lab_key.SEED}\n" in source
    assert f"SAMPLE_SIZES = {lab_key.SAMPLE_SIZES}\n" in source
    assert "SEEDS = [SEED + 10 + s for s in range(5)]" in source
    assert lab_key.SEEDS == [lab_key.SEED + 10 + s for s in range(5)]
    assert f"STEPS, LR = {lab_key.STEPS}, {lab_key.LR}\n" in source
    for family, (sizes, quadratic) in lab_key.FAMILIES.items():
        features = "quadratic_features" if quadratic else "lambda x: x"
        assert f'"{family}": ({sizes}, {features}),' in source
    for call in [
        "source.bayes_risk(n_mc=400_000, generator=SEED + 1)",
        "source.sample(100_000, generator=SEED + 2)",
        "source.sample(40_000, generator=SEED + 3)",
        "source.sample(200_000, generator=SEED + 4)",
    ]:
        assert call in source


@pytest.mark.parametrize("edition", EDITIONS)
def test_no_outcome_assertion(edition):
    """Outcomes go through expect(): it prints for students and fails only in the course's
    own runs (DLB_STRICT=1)."""
    asserts = []
    for source in code(edition):
        tree = ast.parse(
            "\n".join(ln for ln in source.splitlines() if not ln.startswith(("!", "%")))
        )
        asserts += [ast.unparse(node) for node in ast.walk(tree) if isinstance(node, ast.Assert)]
    assert asserts == []
    assert sum(s.count("expect(") for s in code(edition)) >= 9


@pytest.mark.parametrize("edition", EDITIONS)
def test_no_published_answers_and_recognisable_placeholders(edition):
    text = markdown(edition)
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    for question in ["**Q1.**", "**Q2.**", "**Q3.**", "**Q4.**"]:
        after = text.split(question, 1)[1]
        segment = re.split(r"\*\*Q\d|^## ", after, maxsplit=1, flags=re.M)[0]
        assert segment.strip().endswith("*Your answer here.*"), question
    for field in [
        "**Question.**",
        "**Hypothesis**",
        "**Experiment**",
        "**Result with",
        "**Conclusion**",
    ]:
        paragraph = text.split(field, 1)[1].split("\n\n", 1)[0]
        assert paragraph.endswith("*Your answer here.*"), field
    assert re.search(
        r'^TEAM = \["Student name 1", "Student name 2", "Student name 3"\]$',
        "\n".join(code(edition)),
        re.M,
    )


def test_part_b_menu_and_rubric():
    text = markdown("complete")
    part_b = text.split("## 4. Part B", 1)[1].split("## 5.", 1)[0]
    assert len(re.findall(r"^\d\. \*\*", part_b, re.M)) >= 4
    assert "at least 20 seeds per setting for $N \\le 200$" in part_b
    rubric = text.split("## 5. How the lab is graded", 1)[1].split("## 6.", 1)[0]
    assert "| part | weight | full | half | none |" in rubric
    for row, weight in [
        ("Video", "80 %"),
        ("introduction", "10 %"),
        ("theoretical analysis", "35 %"),
        ("your program", "35 %"),
        ("results", "20 %"),
        ("Notebook", "20 %"),
    ]:
        line = re.search(rf"^\| \**{row}\** \| \**{weight}\** \|.*$", rubric, re.M)
        assert line, row
        levels = [c.strip() for c in line.group(0).strip("|").split("|")[2:]]
        assert len(levels) == 3 and all(len(c) > 10 for c in levels), (row, levels)
    hand_in = text.split("## 6.", 1)[1]
    assert (
        "post the video's URL on\nthe course website"
        in hand_in.replace("#", "").replace("\n   ", "\n")
        or "post the video's URL on" in hand_in
    )
    assert "http" not in hand_in  # never the site's address


def test_key_numbers_are_what_the_slides_and_class_report_format(monkeypatch):
    from utils.slides import format_number

    seeds = {
        "median": 0.02,
        "min": 0.01,
        "max": 0.03,
        "seeds": [0.01, 0.02, 0.03],
        "coverage": 0.75,
    }
    nested = {
        "bayes_risk": {"value": 0.2, "stderr": 0.0007},
        "best_line_risk": 0.25,
        "approximation_error": {"value": 0.05, "stderr": 0.0007},
        "surrogate_gap": 0.01,
        "ce_line_risk": 0.26,
        "excess": {"logistic": {50: seeds}},
        "widest_minus_narrowest": {50: {**seeds, "seeds": [-0.1, -0.05, 0.01]}},
    }
    monkeypatch.setattr(lab_key, "key_data", lambda names: nested)
    numbers = lab_key.key_numbers(["A", "B"])
    text = {label: format_number(value, label) for label, value in numbers.items()}
    assert "0.2000 ± 0.0007" in text["Bayes risk R*"]
    assert "[0.0100, 0.0300]" in text["logistic, N = 50"] or "0.0200" in text["logistic, N = 50"]
    assert numbers["MLP width 32 − width 2, N = 50"] == [-0.1, -0.05, 0.01]
    assert numbers["surrogate gap of lines (exact)"] == 0.01
