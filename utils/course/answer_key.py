"""The graded lab's key: one team's distribution and the numbers their video should show.

``python -m utils.lab key "Name One" "Name Two"`` calls `main`, which prints the team's
distribution (as notebook 07 draws it from the names), its Bayes risk with the standard error,
the best line's risk, the approximation error and the surrogate gap of lines, and the excess
risks per family and N (median and range over the lab's five seeds). Everything is computed
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
    fit_cross_entropy,
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


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m utils.lab key "NAME" ... | --notebook FILE``: print the team's key.

    0 on success, 2 when the names are unusable or the notebook has no team cell."""
    parser = argparse.ArgumentParser(
        prog="python -m utils.lab key", description="A team's expected numbers in the graded lab."
    )
    parser.add_argument("names", nargs="*", help="the team's names, in quotes")
    parser.add_argument("--notebook", type=Path, help="read TEAM from this submission instead")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.notebook is not None:
        try:
            names = team_from_notebook(args.notebook)
        except ValueError as exc:
            print(f"error: {exc}")
            return 2
    else:
        names = args.names
    try:
        normalised = normalise_team(list(names))
    except ValueError as exc:
        print(f'error: {exc}. Give the team\'s names, e.g. "Ada Lovelace" "Alan Turing".')
        return 2
    start = time.monotonic()
    print(f"Team: {', '.join(names)}")
    print(f"normalised: {' | '.join(normalised)}   (fingerprint {team_fingerprint(names)})")
    if not 2 <= len(normalised) <= 3:
        print(f"note: {len(normalised)} name(s); a team has 2–3 members")
    source = team_distribution(names)
    print(describe_parameters(source))

    bayes = source.bayes_risk(n_mc=400_000, generator=SEED + 1)
    x_test, y_test = source.sample(100_000, generator=SEED + 2)
    bayes_errors = (source.predict(x_test) != y_test).long()
    selection_x, selection_y = source.sample(40_000, generator=SEED + 3)
    line = best_line(selection_x, selection_y)
    line_errors = (line.predict(x_test) != y_test).long()
    line_risk = paired_difference(line_errors, torch.zeros_like(line_errors))
    approx = paired_difference(line_errors, bayes_errors)
    big_x, big_y = source.sample(200_000, generator=SEED + 4)
    ce_line = fit_cross_entropy(big_x, big_y)
    surrogate = paired_difference((ce_line.predict(x_test) != y_test).long(), line_errors)

    print()
    print(f"Bayes risk R*                      {bayes.value:.4f} ± {bayes.stderr:.4f}")
    print(f"best line's risk                   {line_risk.value:.4f} ± {line_risk.stderr:.4f}")
    print(f"approximation error of lines       {approx.value:.4f} ± {approx.stderr:.4f}")
    print(f"surrogate gap of lines             {surrogate.value:.4f} ± {surrogate.stderr:.4f}")
    print(f"  logistic regression at N → ∞     {approx.value + surrogate.value:.4f}")

    results = excess_risks(source, x_test, y_test, bayes_errors)
    print()
    print("Excess risk R(f) − R* (paired, on a test sample of 100 000 points), 5 seeds:")
    print(f"{'median, N =':>30}" + "".join(f"{n:>8}" for n in SAMPLE_SIZES))
    for family in FAMILIES:
        medians = [statistics.median(e.value for e in results[family, n]) for n in SAMPLE_SIZES]
        print(f"{family:>30}" + "".join(f"{m:8.4f}" for m in medians))
    print(f"{'min – max, N =':>30}" + "".join(f"{n:>14}" for n in SAMPLE_SIZES))
    for family in FAMILIES:
        spans = []
        for n in SAMPLE_SIZES:
            values = [e.value for e in results[family, n]]
            spans.append(f"{min(values):.3f} – {max(values):.3f}")
        print(f"{family:>30}" + "".join(f"{s:>14}" for s in spans))
    worst = max(e.stderr for runs in results.values() for e in runs)
    lowest = min(e.value / e.stderr for runs in results.values() for e in runs if e.stderr > 0)
    print(f"each seed's standard error ≤ {worst:.4f}; the lowest excess risk is {lowest:.2f}")
    print(f"standard errors from 0; computed on the CPU in {math.ceil(time.monotonic() - start)} s")
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
