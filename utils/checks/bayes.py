"""Checks for the exercises of notebook 02 (the Bayes decision rule)."""

from __future__ import annotations

import math

import torch

from utils.bayes import GaussianClasses
from utils.checks._core import Case, Mistake, Verdict, check_function
from utils.checks.formulas import check_formula

__all__ = [
    "check_bayes_risk_formula",
    "check_bayes_risk_mc",
    "check_map_rule",
    "check_map_threshold_formula",
    "check_posterior",
]


POSTERIOR_BAYES = Mistake(
    "posterior.bayes_formula",
    "Bayes' formula: π_k p_k(x) / Σ_j π_j p_j(x), with p_k the N(μ_k, σ_k²) density",
)
POSTERIOR_PRIORS = Mistake(
    "posterior.priors", "multiply each density by its prior π_k before normalising"
)
POSTERIOR_VARIANCE = Mistake(
    "posterior.sigma_for_variance",
    "the exponent is −(x − μ_k)² / (2σ_k²): divide by the variance σ², not by σ "
    "(with σ = 1 the two agree; here σ = 0.5)",
)
POSTERIOR_SIGMA_FACTOR = Mistake(
    "posterior.sigma_factor",
    "the density N(μ, σ²) is exp(−(x − μ)² / (2σ²)) / (σ √(2π)): the 1/σ factor matters "
    "when the σ_k differ",
)
POSTERIOR_NORMALISE = Mistake(
    "posterior.normalise", "normalise over all K classes: each row must sum to 1"
)
POSTERIOR_UNDERFLOW = Mistake(
    "posterior.underflow",
    "every density underflows to 0 there, and 0/0 is NaN: work with logs, "
    "ln π_k + ln p_k(x), subtract their maximum before exponentiating "
    "(or use torch.softmax on the logs)",
)
MAP_ARGMAX = Mistake(
    "map_rule.argmax",
    "MAP = maximum a posteriori: argmax_k P(Y = k | X = x) (the slide's argmin is a slip)",
)
MAP_DIM = Mistake(
    "map_rule.dimension", "take the argmax over the classes (dim=1), one label per row"
)
MAP_TIE = Mistake(
    "map_rule.tie",
    "on a tie choose the smallest class index, as the slide's rule does (torch.argmax does this)",
)
MAP_SHAPE = Mistake("map_rule.shape", "return shape (n,), here (1,)")
MAP_DTYPE = Mistake(
    "map_rule.float_labels",
    "return integer class labels (torch.int64, what argmax gives), not floats: "
    "float labels like 1.0 break indexing and comparisons with y (use .long())",
)
RISK_MC_RISK = Mistake(
    "bayes_risk_mc.risk",
    "return a pair (risk, stderr); the risk is the mean of the 0-1 losses 1{model.predict(x) ≠ y} "
    "over the sample (use model.predict, the Bayes rule)",
)
RISK_MC_STDERR = Mistake(
    "bayes_risk_mc.stderr",
    "return a pair (risk, stderr); the standard error is the standard deviation of the n losses "
    "divided by √n",
)
RISK_MC_GENERATOR = Mistake(
    "bayes_risk_mc.generator",
    "draw the sample with model.sample(n, generator), passing the generator on",
)


def check_posterior(fn) -> Verdict:
    """Exercise 2.1: ``posterior(x, priors, means, stds)`` for one-dimensional Gaussian classes:
    P(Y = k | X = x) = π_k p_k(x) / Σ_j π_j p_j(x), shape (n, K)."""

    def case(x, priors, means, stds, label, hint):
        args = tuple(torch.tensor(v, dtype=torch.float64) for v in (x, priors, means, stds))
        model = GaussianClasses(args[1], args[2], args[3] ** 2)
        return Case(args, model.posterior(args[0]), label, hint)

    bayes = POSTERIOR_BAYES
    cases = [
        case([-1.0, 0.0, 0.5, 2.0], [0.5, 0.5], [-1.0, 1.0], [1.0, 1.0], "equal priors", bayes),
        case(
            [-1.0, 0.0, 0.5, 2.0],
            [0.2, 0.8],
            [-1.0, 1.0],
            [1.0, 1.0],
            "unequal priors",
            POSTERIOR_PRIORS,
        ),
        case(
            [-2.0, -0.5, 0.0, 1.5],
            [0.5, 0.5],
            [-1.0, 1.0],
            [0.5, 0.5],
            "equal standard deviations σ = 0.5",
            POSTERIOR_VARIANCE,
        ),
        case(
            [-3.0, 0.0, 1.0, 4.0],
            [0.5, 0.5],
            [0.0, 1.0],
            [1.0, 2.0],
            "unequal standard deviations",
            POSTERIOR_SIGMA_FACTOR,
        ),
        case(
            [-2.0, 0.5, 3.0],
            [0.5, 0.3, 0.2],
            [-1.0, 1.0, 3.0],
            [1.0, 0.5, 1.0],
            "three classes",
            POSTERIOR_NORMALISE,
        ),
        case(
            [-1000.0, 1000.0],
            [0.5, 0.5],
            [-1.0, 1.0],
            [1.0, 1.0],
            "x far from both means",
            POSTERIOR_UNDERFLOW,
        ),
    ]
    return check_function("posterior", fn, cases, hint=bayes.hint)


def check_map_rule(fn) -> Verdict:
    """Exercise 2.2: ``map_rule(posterior)``, the class of largest posterior for each row, as
    int64 labels of shape (n,), ties going to the smaller index."""

    def case(rows, label, hint):
        post = torch.tensor(rows, dtype=torch.float64)
        return Case((post,), post.argmax(dim=1), label, hint)

    argmax = MAP_ARGMAX

    def dtype_of(f):
        labels = f(torch.tensor([[0.9, 0.1], [0.3, 0.7]], dtype=torch.float64))
        return str(labels.dtype) if isinstance(labels, torch.Tensor) else type(labels).__name__

    cases = [
        case([[0.9, 0.1], [0.3, 0.7], [0.6, 0.4]], "two classes", argmax),
        case(
            [[0.2, 0.5, 0.3], [0.1, 0.1, 0.8], [0.4, 0.35, 0.25]],
            "three classes",
            MAP_DIM,
        ),
        case(
            [[0.5, 0.5], [0.45, 0.55], [0.5, 0.5]],
            "a tie",
            MAP_TIE,
        ),
        case([[0.1, 0.45, 0.45]], "a single row with a tie", MAP_SHAPE),
        Case(
            call=dtype_of,
            expected="torch.int64",
            label="the labels' dtype",
            hint=MAP_DTYPE,
        ),
    ]
    return check_function("map_rule", fn, cases, hint=argmax.hint)


def _part(result, i: int):
    """Element i of a (value, stderr) pair, or the whole result when it is not a pair."""
    if isinstance(result, tuple | list) and len(result) == 2:
        return result[i]
    return result


def check_bayes_risk_mc(fn) -> Verdict:
    """Exercise 2.3: ``bayes_risk_mc(model, n, generator)`` returns (risk, stderr): the error
    rate of ``model.predict`` on n samples drawn with ``model.sample(n, generator)``, and its
    standard error."""
    one_d = GaussianClasses([0.5, 0.5], [-1.0, 1.0], [1.0, 1.0])
    skewed = GaussianClasses([0.2, 0.8], [-1.0, 1.0], [1.0, 1.0])
    two_d = GaussianClasses(
        [0.4, 0.6], [[0.0, 0.0], [1.0, 2.0]], [[[1.0, 0.3], [0.3, 2.0]], [[1.0, 0.3], [0.3, 2.0]]]
    )
    n = 100_000
    cases = []
    for model, label in [(one_d, "1-D, equal priors"), (skewed, "unequal priors"), (two_d, "2-D")]:
        exact = model.bayes_risk().value
        se = math.sqrt(exact * (1 - exact) / n)
        cases.append(
            Case(
                call=lambda f, m=model: _part(f(m, n, torch.Generator().manual_seed(0)), 0),
                expected=exact,
                label=f"{label}: risk within 4 standard errors of the closed form {exact:.4f}",
                hint=RISK_MC_RISK,
                atol=4 * se,
                rtol=0.0,
            )
        )
        cases.append(
            Case(
                call=lambda f, m=model: _part(f(m, n, torch.Generator().manual_seed(0)), 1),
                expected=se,
                label=f"{label}: standard error ≈ √(R(1 − R)/n) = {se:.5f}",
                hint=RISK_MC_STDERR,
                atol=0.0,
                rtol=0.05,
            )
        )

    def same_seed_twice(f):
        first = _part(f(one_d, 1000, torch.Generator().manual_seed(3)), 0)
        second = _part(f(one_d, 1000, torch.Generator().manual_seed(3)), 0)
        return bool(torch.as_tensor(first).double().eq(torch.as_tensor(second).double()).all())

    cases.append(
        Case(
            call=same_seed_twice,
            expected=True,
            label="the same generator seed gives the same estimate",
            hint=RISK_MC_GENERATOR,
        )
    )
    return check_function("bayes_risk_mc", fn, cases)


_ETA = "ln(pi0/pi1)"
MAP_THRESHOLD_MISTAKES = [
    Mistake(
        "map_threshold_formula.no_priors",
        "that is the threshold for equal priors: with π_0 ≠ π_1 the log prior ratio "
        "ln(π_0/π_1) moves it (keep the priors from π_1 p_1(t) = π_0 p_0(t))",
        wrong="(mu0 + mu1)/2",
    ),
    Mistake(
        "map_threshold_formula.prior_ratio_inverted",
        "the prior term has the wrong sign: when class 0 is more likely (π_0 > π_1) the "
        "threshold must move towards μ_1, so that more x are called 0",
        wrong=f"(mu0 + mu1)/2 - sigma2*{_ETA}/(mu1 - mu0)",
    ),
    Mistake(
        "map_threshold_formula.sigma_for_variance",
        "the prior term scales with the variance σ² (the variable sigma2), not with σ: it comes "
        "from the exponents (x − μ_k)²/(2σ²)",
        wrong=f"(mu0 + mu1)/2 + sqrt(sigma2)*{_ETA}/(mu1 - mu0)",
    ),
    Mistake(
        "map_threshold_formula.not_divided_by_mean_gap",
        "the prior term is not divided by μ_1 − μ_0: solving the linear equation for t divides "
        "every other term by t's coefficient",
        wrong=f"(mu0 + mu1)/2 + sigma2*{_ETA}",
    ),
    Mistake(
        "map_threshold_formula.half_difference",
        "the threshold for equal priors is the midpoint of the means, (μ_0 + μ_1)/2, not half "
        "their difference",
        wrong=f"(mu1 - mu0)/2 + sigma2*{_ETA}/(mu1 - mu0)",
    ),
]

# Priors are probabilities: π_0 in (0.05, 0.95) and π_1 = 1 − π_0, so that an answer written
# with 1 - pi0 for pi1 is as right as one with pi1.
_PRIORS = {"ranges": {"pi0": (0.05, 0.95)}, "tied": {"pi1": "1 - pi0"}}


def check_map_threshold_formula(fn) -> Verdict:
    """Exam exercise: the MAP threshold t of two Gaussian classes N(μ_0, σ²), N(μ_1, σ²) with
    priors π_0, π_1 and μ_0 < μ_1 (decide 1 when x > t); a formula in mu0, mu1, sigma2 (= σ²),
    pi0, pi1 (pi1 or 1 - pi0: both are accepted)."""
    return check_formula(
        "map_threshold_formula",
        fn,
        f"(mu0 + mu1)/2 + sigma2*{_ETA}/(mu1 - mu0)",
        "mu0, mu1, sigma2, pi0, pi1",
        positive=["sigma2"],
        hint="take logs of π_1 p_1(t) = π_0 p_0(t): the t²/(2σ²) terms and the normalising "
        "constants cancel, and what is left is linear in t",
        mistakes=MAP_THRESHOLD_MISTAKES,
        **_PRIORS,
    )


_R0, _R1 = f"Phi(-delta/2 - {_ETA}/delta)", f"Phi(-delta/2 + {_ETA}/delta)"
BAYES_RISK_MISTAKES = [
    Mistake(
        "bayes_risk_formula.equal_priors",
        "that is the risk for equal priors: with π_0 ≠ π_1 the threshold moves by η/Δ in "
        "standard units (η = ln(π_0/π_1)), and each class's error is weighted by its prior",
        wrong="Phi(-delta/2)",
    ),
    Mistake(
        "bayes_risk_formula.priors_swapped",
        "each class's error is weighted by its own prior: π_0 goes with P(X > t | Y = 0), the "
        "error on class 0 (or the η/Δ shifts have the wrong signs)",
        wrong=f"pi1*{_R0} + pi0*{_R1}",
    ),
    Mistake(
        "bayes_risk_formula.no_prior_weights",
        "R* = π_0 P(X > t | Y = 0) + π_1 P(X ≤ t | Y = 1): the two error probabilities are "
        "weighted by the priors, not added",
        wrong=f"{_R0} + {_R1}",
    ),
    Mistake(
        "bayes_risk_formula.full_delta",
        "the threshold of equal priors is halfway between the means: in standard units it is "
        "Δ/2 from each mean, not Δ",
        wrong=f"pi0*Phi(-delta - {_ETA}/delta) + pi1*Phi(-delta + {_ETA}/delta)",
    ),
    Mistake(
        "bayes_risk_formula.eta_not_over_delta",
        "the prior shift of the threshold, σ²η/(μ_1 − μ_0), is η/Δ in standard units (divide by "
        "σ): not η",
        wrong=f"pi0*Phi(-delta/2 - {_ETA}) + pi1*Phi(-delta/2 + {_ETA})",
    ),
]


def check_bayes_risk_formula(fn) -> Verdict:
    """Exam exercise: the Bayes risk R* of two Gaussian classes with a shared variance (or
    covariance), in terms of the (Mahalanobis) distance Δ = delta and the priors pi0, pi1 (pi1
    or 1 - pi0: both are accepted)."""
    return check_formula(
        "bayes_risk_formula",
        fn,
        f"pi0*{_R0} + pi1*{_R1}",
        "delta, pi0, pi1",
        positive=["delta"],
        hint="R* = π_0 P(X > t | Y = 0) + π_1 P(X ≤ t | Y = 1); standardise each probability "
        "with (X − μ_k)/σ and write (t − μ_k)/σ with Δ = (μ_1 − μ_0)/σ and η = ln(π_0/π_1)",
        mistakes=BAYES_RISK_MISTAKES,
        **_PRIORS,
    )
