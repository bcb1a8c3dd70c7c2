"""The graded lab's key: one team's distribution and the numbers their video should show.

``python -m utils.lab key "Name One" "Name Two"`` (or ``key --notebook SUBMISSION.ipynb``, which
reads the team cell) calls `main`, which prints the normalised team and its fingerprint, the
team's distribution (as notebook 07 draws it), its Bayes risk with the standard error, the exact
risks of the best line and the cross-entropy line, the approximation error and the surrogate
gap of lines, and the excess risks per family and N (median and [min, max] over the lab's
seeds, and the widest against the narrowest MLP paired by seed). `key_numbers` returns the same
as plain data. Everything is computed
exactly as the complete edition of notebook 07 does, with the same seeds, on the CPU: a team's
run on a GPU, or with another optimiser, differs within the spread of the seeds.

Nothing here is published to students: the notebook holds the code, never the answers.
"""

from __future__ import annotations

import argparse
import ast
import math
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import torch

from utils.bayes import paired_difference
from utils.course.lab_hidden import quadratic_features as _quadratic_features
from utils.course.lab_hidden import train_classifier as _train_classifier
from utils.lab_tools import (
    best_line,
    describe_parameters,
    exact_line_risks,
    no_negative_excess,
    over_seeds,
    team_distribution,
)
from utils.models import StackedMLP
from utils.team import normalise_team, team_fingerprint

# The complete edition's settings (tests/test_lab_key.py checks that the notebook agrees).
SEED = 2025
FAMILIES = {
    "logistic": ([2, 1], False),  # (layer sizes, quadratic features?)
    "logistic, quadratic features": ([5, 1], True),
    "MLP width 2": ([2, 2, 1], False),
    "MLP width 8": ([2, 8, 1], False),
    "MLP width 32": ([2, 32, 1], False),
}
SAMPLE_SIZES = [50, 200, 1000, 5000]
SEEDS = [SEED + 10 + s for s in range(5)]
STEPS, LR = 500, 0.03


def _features(quadratic: bool, x: torch.Tensor) -> torch.Tensor:
    return _quadratic_features(x) if quadratic else x


def excess_risks(source, x_test, y_test, bayes_errors) -> dict[tuple[str, int], list]:
    """Every family's paired excess risk per N, one RiskEstimate per seed (as the notebook)."""
    results = {}
    for family, (sizes, quadratic) in FAMILIES.items():
        for n in SAMPLE_SIZES:
            samples = [source.sample(n, generator=seed) for seed in SEEDS]
            x = torch.stack([s[0] for s in samples])
            y = torch.stack([s[1] for s in samples])
            z = _features(quadratic, x.reshape(-1, 2)).reshape(len(SEEDS), n, -1)
            torch.manual_seed(SEEDS[0])
            net = StackedMLP(sizes, copies=len(SEEDS))
            _train_classifier(net, z, y.reshape(-1), STEPS, LR)
            with torch.no_grad():
                logits = net(_features(quadratic, x_test).expand(len(SEEDS), -1, -1))
            errors = ((logits[..., 0] >= 0).long() != y_test).long()
            results[family, n] = [paired_difference(e, bayes_errors) for e in errors]
    return results


#: The figures the lab saves (figures/NAME.png, zipped by the hand-in cell for the slides).
FIGURES = ("bayes_rule", "excess_risk_vs_n", "boundaries_n1000")


def key_data(names: Sequence[str]) -> dict:
    """The team's key as plain data, nested (`main` prints it; `key_numbers` flattens it).

    Keys: "team" (normalised), "fingerprint", "parameters" (text), "bayes_risk" and
    "approximation_error" ({"value", "stderr"}: R* is a Monte Carlo estimate), "best_line_risk",
    "ce_line_risk" and "surrogate_gap" (exact), "sample_best_line" (the best line of a sample,
    paired on the test sample: {"value", "stderr"}), "excess" ({family: {N: summary}}) and
    "widest_minus_narrowest" ({N: summary}, paired by seed), each summary {"median", "min",
    "max", "seeds" (one value per seed), "coverage" (of [min, max] for the median)},
    "test_noise" (median standard error of one estimate), "lowest_z", "alarm_z", "figures".
    Raises ValueError for unusable names.
    """
    normalised = normalise_team(list(names))
    source = team_distribution(names)
    bayes = source.bayes_risk(n_mc=400_000, generator=SEED + 1)
    x_test, y_test = source.sample(100_000, generator=SEED + 2)
    bayes_errors = (source.predict(x_test) != y_test).long()
    selection_x, selection_y = source.sample(40_000, generator=SEED + 3)
    line = best_line(selection_x, selection_y)
    sample_line = paired_difference((line.predict(x_test) != y_test).long(), bayes_errors)
    big_x, big_y = source.sample(200_000, generator=SEED + 4)
    exact = exact_line_risks(source, big_x, big_y)
    results = excess_risks(source, x_test, y_test, bayes_errors)

    def summary(values) -> dict:
        seeds = over_seeds(values)
        return {
            "median": seeds.median,
            "min": seeds.low,
            "max": seeds.high,
            "seeds": list(seeds.values),
            "coverage": seeds.coverage,
        }

    widest, narrowest = "MLP width 32", "MLP width 2"
    paired = {
        n: summary(
            [
                a.value - b.value
                for a, b in zip(results[widest, n], results[narrowest, n], strict=True)
            ]
        )
        for n in SAMPLE_SIZES
    }
    estimates = [e for runs in results.values() for e in runs]
    _, alarm = no_negative_excess(estimates)
    return {
        "team": normalised,
        "fingerprint": team_fingerprint(names),
        "parameters": describe_parameters(source),
        "bayes_risk": {"value": bayes.value, "stderr": bayes.stderr},
        "best_line_risk": exact["best_line"],
        "ce_line_risk": exact["ce_line"],
        "approximation_error": {"value": exact["best_line"] - bayes.value, "stderr": bayes.stderr},
        "surrogate_gap": exact["ce_line"] - exact["best_line"],
        "sample_best_line": {"value": sample_line.value, "stderr": sample_line.stderr},
        "excess": {
            family: {n: summary(results[family, n]) for n in SAMPLE_SIZES} for family in FAMILIES
        },
        "widest_minus_narrowest": paired,
        "test_noise": statistics.median(e.stderr for e in estimates),
        "lowest_z": min(e.value / e.stderr for e in estimates if e.stderr > 0),
        "alarm_z": alarm,
        "figures": list(FIGURES),
    }


def key_numbers(names: Sequence[str]) -> dict:
    """The team's key numbers as ``{label: value}`` for the class report and slides
    (`utils.slides.format_number`): a float is exact, ``(value, stderr)`` carries the noise of
    a sample, a list holds one value per training seed (shown as median [min, max])."""
    key = key_data(names)
    bayes = key["bayes_risk"]
    numbers: dict = {
        "Bayes risk R*": (bayes["value"], bayes["stderr"]),
        "best line's risk (exact)": key["best_line_risk"],
        "approximation error of lines": (key["approximation_error"]["value"], bayes["stderr"]),
        "surrogate gap of lines (exact)": key["surrogate_gap"],
        "logistic regression, N → ∞": (key["ce_line_risk"] - bayes["value"], bayes["stderr"]),
    }
    for family, per_n in key["excess"].items():
        for n, summary in per_n.items():
            numbers[f"{family}, N = {n}"] = list(summary["seeds"])
    for n, summary in key["widest_minus_narrowest"].items():
        numbers[f"MLP width 32 − width 2, N = {n}"] = list(summary["seeds"])
    return numbers


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m utils.lab key "NAME" ... | --notebook FILE``: print the team's key.

    0 on success, 2 when the names are unusable or the notebook has no team cell."""
    parser = argparse.ArgumentParser(
        prog="python -m utils.lab key", description="A team's expected numbers in the graded lab."
    )
    parser.add_argument("names", nargs="*", help="the team's names, in quotes")
    parser.add_argument("--notebook", type=Path, help="read TEAM from this submission instead")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        names = team_from_notebook(args.notebook) if args.notebook is not None else args.names
        normalise_team(list(names))
    except ValueError as exc:
        advice = (
            "" if args.notebook else ' Give the team\'s names, e.g. "Ada Lovelace" "Alan Turing".'
        )
        print(f"error: {exc}.{advice}")
        return 2
    start = time.process_time()
    key = key_data(names)
    print(f"Team: {' | '.join(key['team'])}   (fingerprint {key['fingerprint']})")
    if not 2 <= len(key["team"]) <= 3:
        print(f"note: {len(key['team'])} name(s); a team has 2–3 members")
    print(key["parameters"])
    print()
    rows = [
        ("Bayes risk R*", key["bayes_risk"]["value"], key["bayes_risk"]["stderr"]),
        ("best line's risk (exact)", key["best_line_risk"], None),
        (
            "approximation error of lines",
            key["approximation_error"]["value"],
            key["bayes_risk"]["stderr"],
        ),
        (
            "  sample's best line (paired)",
            key["sample_best_line"]["value"],
            key["sample_best_line"]["stderr"],
        ),
        ("surrogate gap of lines (exact)", key["surrogate_gap"], None),
        (
            "logistic regression at N → ∞",
            key["ce_line_risk"] - key["bayes_risk"]["value"],
            key["bayes_risk"]["stderr"],
        ),
    ]
    for label, value, stderr in rows:
        print(f"{label:<34} {value:>8.4f}" + (f" ± {stderr:.4f}" if stderr is not None else ""))
    print()
    print(f"Excess risk R(f) − R* (paired, test sample of 100 000 points), {len(SEEDS)} seeds;")
    coverage = 1 - 2 * 0.5 ** len(SEEDS)
    print(f"[min, max] over the seeds covers the median with probability {coverage:.0%}:")
    header = f"{'family':>30} {'N':>5} {'median':>8} {'min':>8} {'max':>8}"
    print(header)
    for family in FAMILIES:
        for n in SAMPLE_SIZES:
            e = key["excess"][family][n]
            print(f"{family:>30} {n:>5} {e['median']:>8.4f} {e['min']:>8.4f} {e['max']:>8.4f}")
    print()
    print("MLP width 32 − width 2, paired by seed:")
    for n, d in key["widest_minus_narrowest"].items():
        wins = sum(v < 0 for v in d["seeds"])
        print(
            f"{'':>30} {n:>5} {d['median']:>8.4f} {d['min']:>8.4f} {d['max']:>8.4f}"
            f"   width 32 better in {wins} of {len(d['seeds'])}"
        )
    print()
    print(f"noise of the test sample (median SE of one estimate): {key['test_noise']:.4f}")
    print(
        f"the lowest excess risk is {key['lowest_z']:.2f} standard errors from 0 "
        f"(alarm below −{key['alarm_z']:.2f})"
    )
    print(f"figures: {', '.join(f + '.png' for f in FIGURES)}")
    print(f"computed on the CPU in {math.ceil(time.process_time() - start)} s of CPU time")
    return 0


def team_from_notebook(path: Path) -> list[str]:
    """The TEAM list of a submitted lab notebook (a literal list of strings in a code cell),
    read without running anything."""
    import nbformat

    try:
        nb = nbformat.read(str(path), as_version=4)
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from exc
    for cell in nb.cells:
        if cell.cell_type != "code" or "TEAM" not in cell.source:
            continue
        lines = [ln for ln in cell.source.splitlines() if not ln.lstrip().startswith(("!", "%"))]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            continue
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and [getattr(t, "id", None) for t in node.targets] == ["TEAM"]
                and isinstance(node.value, ast.List | ast.Tuple)
                and all(
                    isinstance(e, ast.Constant) and isinstance(e.value, str)
                    for e in node.value.elts
                )
            ):
                return [e.value for e in node.value.elts]
    raise ValueError(f'{path}: no cell assigns TEAM = ["Name", ...] (a list of names as text)')
