"""Checks for the exercises of notebook 02 (the Bayes decision rule)."""

from __future__ import annotations

import math

import torch

from utils.bayes import GaussianClasses
from utils.checks._core import Case, Verdict, check_function
from utils.checks.formulas import check_formula

__all__ = [
    "check_bayes_risk_formula",
    "check_bayes_risk_mc",
    "check_map_rule",
    "check_map_threshold_formula",
    "check_posterior",
]


def check_posterior(fn) -> Verdict:
    """Exercise 2.1: ``posterior(x, priors, means, stds)`` for one-dimensional Gaussian classes:
    P(Y = k | X = x) = π_k p_k(x) / Σ_j π_j p_j(x), shape (n, K)."""

    def case(x, priors, means, stds, label, hint):
        args = tuple(torch.tensor(v, dtype=torch.float64) for v in (x, priors, means, stds))
        model = GaussianClasses(args[1], args[2], args[3] ** 2)
        return Case(args, model.posterior(args[0]), label, hint)

    bayes = "Bayes' formula: π_k p_k(x) / Σ_j π_j p_j(x), with p_k the N(μ_k, σ_k²) density"
    cases = [
        case([-1.0, 0.0, 0.5, 2.0], [0.5, 0.5], [-1.0, 1.0], [1.0, 1.0], "equal priors", bayes),
        case(
            [-1.0, 0.0, 0.5, 2.0],
            [0.2, 0.8],
            [-1.0, 1.0],
            [1.0, 1.0],
            "unequal priors",
            "multiply each density by its prior π_k before normalising",
        ),
        case(
            [-2.0, -0.5, 0.0, 1.5],
            [0.5, 0.5],
            [-1.0, 1.0],
            [0.5, 0.5],
            "equal standard deviations σ = 0.5",
            "the exponent is −(x − μ_k)² / (2σ_k²): divide by the variance σ², not by σ "
            "(with σ = 1 the two agree; here σ = 0.5)",
        ),
        case(
            [-3.0, 0.0, 1.0, 4.0],
            [0.5, 0.5],
            [0.0, 1.0],
            [1.0, 2.0],
            "unequal standard deviations",
            "the density N(μ, σ²) is exp(−(x − μ)² / (2σ²)) / (σ √(2π)): the 1/σ factor matters "
            "when the σ_k differ",
        ),
        case(
            [-2.0, 0.5, 3.0],
            [0.5, 0.3, 0.2],
            [-1.0, 1.0, 3.0],
            [1.0, 0.5, 1.0],
            "three classes",
            "normalise over all K classes: each row must sum to 1",
        ),
        case(
            [-1000.0, 1000.0],
            [0.5, 0.5],
            [-1.0, 1.0],
            [1.0, 1.0],
            "x far from both means",
            "every density underflows to 0 there, and 0/0 is NaN: work with logs, "
            "ln π_k + ln p_k(x), subtract their maximum before exponentiating "
            "(or use torch.softmax on the logs)",
        ),
    ]
    return check_function("posterior", fn, cases, hint=bayes)


def check_map_rule(fn) -> Verdict:
    """Exercise 2.2: ``map_rule(posterior)``, the class of largest posterior for each row, as
    int64 labels of shape (n,), ties going to the smaller index."""

    def case(rows, label, hint):
        post = torch.tensor(rows, dtype=torch.float64)
        return Case((post,), post.argmax(dim=1), label, hint)

    argmax = "MAP = maximum a posteriori: argmax_k P(Y = k | X = x) (the slide's argmin is a slip)"

    def dtype_of(f):
        labels = f(torch.tensor([[0.9, 0.1], [0.3, 0.7]], dtype=torch.float64))
        return str(labels.dtype) if isinstance(labels, torch.Tensor) else type(labels).__name__

    cases = [
        case([[0.9, 0.1], [0.3, 0.7], [0.6, 0.4]], "two classes", argmax),
        case(
            [[0.2, 0.5, 0.3], [0.1, 0.1, 0.8], [0.4, 0.35, 0.25]],
            "three classes",
            "take the argmax over the classes (dim=1), one label per row",
        ),
        case(
            [[0.5, 0.5], [0.45, 0.55], [0.5, 0.5]],
            "a tie",
            "on a tie choose the smallest class index, as the slide's rule does "
            "(torch.argmax does this)",
        ),
        case([[0.1, 0.45, 0.45]], "a single row with a tie", "return shape (n,), here (1,)"),
        Case(
            call=dtype_of,
            expected="torch.int64",
            label="the labels' dtype",
            hint="return integer class labels (torch.int64, what argmax gives), not floats: "
            "float labels like 1.0 break indexing and comparisons with y (use .long())",
        ),
    ]
    return check_function("map_rule", fn, cases, hint=argmax)


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
    pair = "return a pair (risk, stderr)"
    cases = []
    for model, label in [(one_d, "1-D, equal priors"), (skewed, "unequal priors"), (two_d, "2-D")]:
        exact = model.bayes_risk().value
        se = math.sqrt(exact * (1 - exact) / n)
        cases.append(
            Case(
                call=lambda f, m=model: _part(f(m, n, torch.Generator().manual_seed(0)), 0),
                expected=exact,
                label=f"{label}: risk within 4 standard errors of the closed form {exact:.4f}",
                hint=f"{pair}; the risk is the mean of the 0-1 losses 1{{model.predict(x) ≠ y}} "
                "over the sample (use model.predict, the Bayes rule)",
                atol=4 * se,
                rtol=0.0,
            )
        )
        cases.append(
            Case(
                call=lambda f, m=model: _part(f(m, n, torch.Generator().manual_seed(0)), 1),
                expected=se,
                label=f"{label}: standard error ≈ √(R(1 − R)/n) = {se:.5f}",
                hint=f"{pair}; the standard error is the standard deviation of the n losses "
                "divided by √n",
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
            hint="draw the sample with model.sample(n, generator), passing the generator on",
        )
    )
    return check_function("bayes_risk_mc", fn, cases)


def check_map_threshold_formula(fn) -> Verdict:
    """Exam exercise: the MAP threshold t of two Gaussian classes N(μ_0, σ²), N(μ_1, σ²) with
    priors π_0, π_1 and μ_0 < μ_1 (decide 1 when x > t); a formula in mu0, mu1, sigma2 (= σ²),
    pi0, pi1."""
    return check_formula(
        "map_threshold_formula",
        fn,
        "(mu0 + mu1)/2 + sigma2*ln(pi0/pi1)/(mu1 - mu0)",
        "mu0, mu1, sigma2, pi0, pi1",
        positive=["sigma2", "pi0", "pi1"],
        hint="take logs of π_1 p_1(t) = π_0 p_0(t): the t²/(2σ²) terms and the normalising "
        "constants cancel, and what is left is linear in t (keep pi0 and pi1 as two variables)",
    )


def check_bayes_risk_formula(fn) -> Verdict:
    """Exam exercise: the Bayes risk R* of two Gaussian classes with a shared variance (or
    covariance), in terms of the (Mahalanobis) distance Δ = delta and the priors pi0, pi1."""
    return check_formula(
        "bayes_risk_formula",
        fn,
        "pi0*Phi(-delta/2 - ln(pi0/pi1)/delta) + pi1*Phi(-delta/2 + ln(pi0/pi1)/delta)",
        "delta, pi0, pi1",
        positive=True,
        hint="R* = π_0 P(X > t | Y = 0) + π_1 P(X ≤ t | Y = 1); standardise each probability "
        "with (X − μ_k)/σ and write (t − μ_k)/σ with Δ = (μ_1 − μ_0)/σ and η = ln(π_0/π_1)",
    )
