r"""Checks for notebook 02's exam track: a decision with an asymmetric cost.

The notebook shows the cost-sensitive rule for one cost matrix (a miss costs 5, a false alarm
1) and for Gaussian classes; the exercises ask for what it does not print: the general rule on
the posterior, the threshold of Laplace classes, and the expected cost of the Bayes rule. The
priors are written with one variable, ``pi1`` ($\pi_0 = 1 - \pi_1$), sampled in (0.05, 0.95).
"""

from __future__ import annotations

from utils.checks._core import Verdict
from utils.checks.formulas import check_formula, formula_mistakes

__all__ = [
    "check_cost_bayes_risk_formula",
    "check_cost_threshold_formula",
    "check_laplace_threshold_formula",
]


COST_THRESHOLD_MISTAKES = formula_mistakes(
    "cost_threshold_formula",
    (
        "costs_swapped",
        "c01 / (c10 + c01)",
        "the costs are swapped: a dearer miss (larger c01) must make you decide 1 "
        "sooner, i.e. lower the threshold on P(Y = 1 | X = x)",
    ),
    (
        "odds",
        "c10 / c01",
        "that is a threshold on the odds P(Y = 1 | x) / P(Y = 0 | x), not on the "
        "posterior P(Y = 1 | x) itself: replace P(Y = 0 | x) by 1 − P(Y = 1 | x)",
    ),
    (
        "odds_costs_swapped",
        "c01 / c10",
        "that is a threshold on the odds, and with the costs swapped; write "
        "c01·η > c10·(1 − η) and solve for η",
    ),
    (
        "zero_one_threshold",
        "1/2 + 0*c10",
        "1/2 is the MAP threshold of the 0-1 loss (c10 = c01); the costs must move it",
    ),
)


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
        mistakes=COST_THRESHOLD_MISTAKES,
    )


_PI1 = {"pi1": (0.05, 0.95)}
_LN_ODDS = "ln((1 - pi1)/pi1)"  # ln(π_0/π_1)

LAPLACE_THRESHOLD_MISTAKES = formula_mistakes(
    "laplace_threshold_formula",
    (
        "gaussian_shape",
        f"(mu0 + mu1)/2 + beta*{_LN_ODDS}/(mu1 - mu0)",
        "that is the Gaussian threshold's shape: here the log-densities are linear, "
        "not quadratic, in x, and μ_1 − μ_0 cancels",
    ),
    (
        "missing_half",
        f"(mu0 + mu1)/2 + beta*{_LN_ODDS}",
        "the x terms give 2x/β, not x/β: (x − μ_0)/β − (μ_1 − x)/β = (2x − μ_0 − μ_1)/β",
    ),
    (
        "sign",
        f"(mu0 + mu1)/2 - beta/2*{_LN_ODDS}",
        "the sign of the log term: a more probable class 0 (small π_1) must push the "
        "threshold towards μ_1, enlarging the region where 0 is decided",
    ),
)


def check_laplace_threshold_formula(fn) -> Verdict:
    """Exam 2.2 (b): classes with Laplace densities p_k(x) = exp(−|x − μ_k|/β)/(2β), μ_0 < μ_1,
    priors 1 − π_1 and π_1: the MAP threshold between the means, in mu0, mu1, beta, pi1."""
    return check_formula(
        "laplace_threshold_formula",
        fn,
        f"(mu0 + mu1)/2 + beta/2*{_LN_ODDS}",
        "mu0, mu1, beta, pi1",
        positive=["beta"],
        ranges=_PI1,
        hint="between the means |x − μ_0| = x − μ_0 and |x − μ_1| = μ_1 − x: take logs of "
        "π_1 p_1(x) > π_0 p_0(x), the 1/(2β) cancel, and the rest is linear in x "
        "(write π_0 as 1 - pi1)",
        mistakes=LAPLACE_THRESHOLD_MISTAKES,
    )


COST_BAYES_RISK_MISTAKES = formula_mistakes(
    "cost_bayes_risk_formula",
    (
        "zero_one_risk",
        "(1 - pi1)*Phi(-delta/2 - ln((1 - pi1)/pi1)/delta)"
        " + pi1*Phi(-delta/2 + ln((1 - pi1)/pi1)/delta) + 0*c10*c01",
        "that is the 0-1 Bayes risk: the costs weigh each error and move the threshold",
    ),
    (
        "threshold_not_moved",
        "c10*(1 - pi1)*Phi(-delta/2 - ln((1 - pi1)/pi1)/delta)"
        " + c01*pi1*Phi(-delta/2 + ln((1 - pi1)/pi1)/delta)",
        "the costs weigh the errors, but the Bayes rule for the cost also moves its "
        "threshold: η becomes ln(c10 π_0/(c01 π_1))",
    ),
    (
        "costs_swapped_in_log",
        "c10*(1 - pi1)*Phi(-delta/2 - ln(c01*(1 - pi1)/(c10*pi1))/delta)"
        " + c01*pi1*Phi(-delta/2 + ln(c01*(1 - pi1)/(c10*pi1))/delta)",
        "the costs are swapped inside the log: a dearer miss (c01) must lower the "
        "threshold, so c01 goes with π_1 in the denominator",
    ),
)


def check_cost_bayes_risk_formula(fn) -> Verdict:
    """Exam 2.3 (b): Gaussian classes at Mahalanobis distance Δ, priors 1 − π_1 and π_1, a
    false alarm costs c_10 and a miss c_01: the expected cost of the Bayes rule, in delta, pi1,
    c10, c01."""
    eta = "ln(c10*(1 - pi1)/(c01*pi1))"
    return check_formula(
        "cost_bayes_risk_formula",
        fn,
        f"c10*(1 - pi1)*Phi(-delta/2 - {eta}/delta) + c01*pi1*Phi(-delta/2 + {eta}/delta)",
        "delta, pi1, c10, c01",
        positive=["delta", "c10", "c01"],
        ranges=_PI1,
        hint="the rule decides 1 when Λ(x) > η_c = ln(c10 π_0/(c01 π_1)); the expected cost is "
        "c10 π_0 P(Λ(X) > η_c | Y = 0) + c01 π_1 P(Λ(X) ≤ η_c | Y = 1), with Λ(X) ~ N(∓Δ²/2, Δ²)",
        mistakes=COST_BAYES_RISK_MISTAKES,
    )
