"""Checks for notebook 02b: the Bayes rule for regression.

The exam exercise asks for a quantity the notebook does not print: the share of the best
constant predictor's risk that the Bayes rule removes, for ``Y = a X + ε``.
"""

from __future__ import annotations

from utils.checks._core import Verdict
from utils.checks.formulas import check_formula, formula_mistakes

__all__ = ["check_explained_share_formula"]


EXPLAINED_SHARE_MISTAKES = formula_mistakes(
    "explained_share_formula",
    (
        "remaining_share",
        "s2 / (a**2 * tau2 + s2)",
        "that is the share that remains, R*/R(c*): the question asks for the share "
        "removed, 1 − R*/R(c*)",
    ),
    (
        "signal_to_noise",
        "a**2 * tau2 / s2",
        "that is the signal-to-noise ratio a²τ²/s², not a share of R(c*): divide the "
        "removed risk by the whole risk Var(Y) = a²τ² + s²",
    ),
    (
        "coefficient_not_squared",
        "a * tau2 / (a * tau2 + s2)",
        "Var(aX) = a² Var(X): the coefficient comes out squared",
    ),
    (
        "variance_squared",
        "a**2 * tau2 / (a**2 * tau2 + s2**2)",
        "s2 already stands for the variance s²: do not square it again",
    ),
)


def check_explained_share_formula(fn) -> Verdict:
    """Exam 2b.2: ``Y = a X + ε`` with ``X ~ N(0, τ²)`` and ``ε ~ N(0, s²)`` independent; the
    share ``(R(c*) − R*) / R(c*)`` of the best constant's risk removed by the Bayes rule, as a
    formula in a, tau2 (= τ²), s2 (= s²)."""
    return check_formula(
        "explained_share_formula",
        fn,
        "a**2 * tau2 / (a**2 * tau2 + s2)",
        "a, tau2, s2",
        positive=["tau2", "s2"],
        hint="the best constant is E[Y] and its risk is Var(Y) = a²τ² + s²; the Bayes rule "
        "is E[Y | X = x] = a x and its risk is the noise variance s²",
        mistakes=EXPLAINED_SHARE_MISTAKES,
    )
