"""Checks for notebook 03's exam track: Novikoff's bound under another normalisation.

The notebook proves and prints $k \\le (R/\\gamma)^2$ for a separator of norm 1; the exercise
asks for the bound when the separator is normalised as a support vector machine's is
($s_i \\theta^{*\\top} \\tilde x_i \\ge 1$), which the notebook does not print.
"""

from __future__ import annotations

from utils.checks._core import Verdict
from utils.checks.formulas import check_formula, formula_mistakes

__all__ = ["check_novikoff_svm_formula"]


NOVIKOFF_SVM_MISTAKES = formula_mistakes(
    "novikoff_svm_formula",
    (
        "inverse_norm",
        "R**2 / norm**2",
        "the margin of the unit vector θ*/‖θ*‖ is 1/‖θ*‖, not ‖θ*‖: a longer θ* "
        "means a thinner band, hence more updates, not fewer",
    ),
    (
        "unit_norm",
        "R**2 + 0*norm",
        "that is (R/γ)² with γ = 1, as if θ* had norm 1; here it does not: normalise θ* first",
    ),
    ("not_squared", "R * norm", "the bound is a square: √k ≤ R/γ, so k ≤ (R/γ)²"),
)


def check_novikoff_svm_formula(fn) -> Verdict:
    """Exam 3.1 (d): the bound on the number of updates when s_i θ*ᵀx̃_i ≥ 1 for all i and
    ‖x̃_i‖ ≤ R; a formula in R and norm (= ‖θ*‖)."""
    return check_formula(
        "novikoff_svm_formula",
        fn,
        "R**2 * norm**2",
        "R, norm",
        positive=True,
        hint="divide θ* by its norm: the unit vector θ*/‖θ*‖ separates with margin "
        "γ = 1/‖θ*‖; then use k ≤ (R/γ)²",
        mistakes=NOVIKOFF_SVM_MISTAKES,
    )
