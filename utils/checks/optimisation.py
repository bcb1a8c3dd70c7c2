"""Checks for the exam track of notebook 01b (learning from samples: mini-batch SGD)."""

from __future__ import annotations

from utils.checks._core import Mistake, Verdict
from utils.checks.formulas import check_formula

__all__ = ["check_batch_variance_formula"]


BATCH_VARIANCE_MISTAKES = [
    Mistake(
        "batch_variance_formula.with_replacement",
        "that is the variance when the B indices are drawn with replacement (independent "
        "draws); without replacement two different draws are negatively correlated",
        wrong="s2/B",
    ),
    Mistake(
        "batch_variance_formula.covariance_over_n",
        "close: two different draws have covariance −s2/(N − 1), not −s2/N (the sum of "
        "g_j − ḡ over the N − 1 other examples is −(g_i − ḡ)): redo the sum with it",
        wrong="s2/B * (N - B)/N",
    ),
    Mistake(
        "batch_variance_formula.missing_one_over_b",
        "the variance of a mean of B terms carries a factor 1/B² in front of the sum of "
        "B variances and B(B − 1) covariances: the 1/B is missing",
        wrong="s2 * (N - B)/(N - 1)",
    ),
    Mistake(
        "batch_variance_formula.covariance_sign",
        "the covariance of two different draws is negative (−s2/(N − 1)): it lowers the "
        "variance, it does not raise it",
        wrong="s2/B * (N + B)/(N - 1)",
    ),
    Mistake(
        "batch_variance_formula.covariance_only",
        "that is only the covariance part: add the B variances, Var = (1/B²)(B s2 + B(B − 1) Cov)",
        wrong="s2/B * (B - 1)/(N - 1)",
    ),
]


def check_batch_variance_formula(fn) -> Verdict:
    """Exam 1b.3: the variance of a mini-batch mean drawn without replacement, in N, B and s2.

    ``s2`` is the population variance (1/N) Σ_i (g_i − ḡ)² of the N per-example gradients
    (one coordinate); the batch holds B distinct examples, every such set equally likely.
    """
    mistakes = BATCH_VARIANCE_MISTAKES
    default = (
        "write Var((1/B) Σ_b g_(I_b)) = (1/B²)(B s2 + B(B − 1) c), where c = Cov(g_(I_1), g_(I_2)) "
        "for two different draws; find c from Σ_i (g_i − ḡ) = 0"
    )
    return check_formula(
        "batch_variance_formula",
        fn,
        "s2/B * (N - B)/(N - 1)",
        "N, B, s2",
        positive=True,
        ranges={"N": (20.0, 200.0), "B": (1.0, 10.0), "s2": (0.1, 5.0)},
        hint=default,
        mistakes=mistakes,
    )
