"""Checks for notebook 02's exam track: a decision with an asymmetric cost.

The notebook shows the cost-sensitive rule for one cost matrix (a miss costs 5, a false alarm
1) and for Gaussian classes; the exercise asks for the general rule on the posterior, which the
notebook does not print.
"""

from __future__ import annotations

from utils.checks._core import Verdict
from utils.checks.formulas import check_formula

__all__ = ["check_cost_threshold_formula"]


def check_cost_threshold_formula(fn) -> Verdict:
    """Exam 2.6: with costs c_10 (decide 1, truth 0: a false alarm) and c_01 (decide 0, truth 1:
    a miss), the Bayes rule decides 1 when P(Y = 1 | X = x) > τ; τ as a formula in c10, c01."""
    return check_formula(
        "cost_threshold_formula",
        fn,
        "c10 / (c10 + c01)",
        "c10, c01",
        positive=True,
        hint="write the two conditional expected losses with η = P(Y = 1 | X = x): deciding 0 "
        "costs c01·η, deciding 1 costs c10·(1 − η); decide 1 when the second is smaller and "
        "solve for η",
        mistakes=[
            (
                "c01 / (c10 + c01)",
                "the costs are swapped: a dearer miss (larger c01) must make you decide 1 "
                "sooner, i.e. lower the threshold on P(Y = 1 | X = x)",
            ),
            (
                "c10 / c01",
                "that is a threshold on the odds P(Y = 1 | x) / P(Y = 0 | x), not on the "
                "posterior P(Y = 1 | x) itself: replace P(Y = 0 | x) by 1 − P(Y = 1 | x)",
            ),
            (
                "c01 / c10",
                "that is a threshold on the odds, and with the costs swapped; write "
                "c01·η > c10·(1 − η) and solve for η",
            ),
            (
                "1/2 + 0*c10",
                "1/2 is the MAP threshold of the 0-1 loss (c10 = c01); the costs must move it",
            ),
        ],
    )
