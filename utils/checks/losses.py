"""Checks for the exercises of notebook 01 (risk and loss functions)."""

from __future__ import annotations

import torch

from utils import losses
from utils.checks._core import Case, Mistake, Named, Verdict, check_function
from utils.checks.formulas import check_formula

__all__ = [
    "check_binary_cross_entropy",
    "check_empirical_risk",
    "check_gaussian_nll_formula",
    "check_threshold_risk_formula",
    "check_zero_one_loss",
]


ZERO_ONE_FLIP = Mistake(
    "zero_one_loss.flipped",
    "the loss is 1 where ŷ and y differ and 0 where they agree: use `y_hat != y`",
)
ZERO_ONE_TIES = Mistake("zero_one_loss.agreement_costs", "ŷ = y must cost 0")
ZERO_ONE_SHAPE = Mistake("zero_one_loss.shape", "work element-wise: keep the input's shape")
ZERO_ONE_FLOAT = Mistake(
    "zero_one_loss.not_float",
    "comparisons give booleans; convert them with `.float()` so they can be averaged",
)
ZERO_ONE_EMPTY = Mistake("zero_one_loss.empty", "an empty batch gives an empty result")
BCE_FORMULA = Mistake(
    "binary_cross_entropy.formula",
    "ℓ(ŷ, y) = −y ln ŷ − (1 − y) ln(1 − ŷ), one loss per element (no mean): mind both "
    "minus signs, and use torch.log",
)
BCE_EXACT = Mistake(
    "binary_cross_entropy.nan_at_certainty",
    "a right and sure prediction costs 0, but here ln 0 = −inf and 0 · (−inf) = NaN: "
    "each logarithm must stay finite before it is multiplied by y or 1 − y",
)
BCE_SURE_WRONG = Mistake(
    "binary_cross_entropy.sure_wrong_cost",
    "the slides' +∞ is 'a large value in practice': as in "
    "torch.nn.functional.binary_cross_entropy, a sure wrong prediction costs exactly 100 "
    "(which lower bound on each logarithm gives that?)",
)
BCE_REDUCED = Mistake("binary_cross_entropy.reduced", "work element-wise: do not average or sum")
RISK_AVERAGE = Mistake(
    "empirical_risk.average",
    "the empirical risk is an average: (1/N) Σ_i ℓ(f(x_i), y_i), so divide by N",
)
RISK_ORDER = Mistake(
    "empirical_risk.argument_order",
    "ℓ takes the prediction first and the target second: ℓ(f(x_i), y_i)",
)
RISK_N = Mistake(
    "empirical_risk.sample_count",
    "N is the number of samples (x.shape[0]), and ℓ already gives one number per sample",
)


def _is_float_tensor(value) -> bool:
    return isinstance(value, torch.Tensor) and value.is_floating_point()


def check_zero_one_loss(fn) -> Verdict:
    """Exercise 1.1: ``zero_one_loss(y_hat, y)``, element-wise 1{ŷ ≠ y} as a float tensor."""

    def ref(y_hat, y):
        return losses.zero_one_loss(y_hat, y, reduction="none")

    labels01 = (torch.tensor([1, 0, 1, 1, 0]), torch.tensor([1, 1, 0, 1, 0]))
    labels_pm = (torch.tensor([1, -1, -1, 1]), torch.tensor([-1, -1, 1, 1]))
    same = (torch.tensor([2, 0, 1]), torch.tensor([2, 0, 1]))
    grid = (torch.tensor([[0, 1], [2, 2]]), torch.tensor([[0, 2], [2, 1]]))
    empty = (torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.long))
    flip = ZERO_ONE_FLIP
    cases = [
        Case(labels01, ref(*labels01), "labels in {0, 1}", flip),
        Case(labels_pm, ref(*labels_pm), "labels in {−1, +1}", flip),
        Case(same, ref(*same), "every prediction right (ties ŷ = y)", ZERO_ONE_TIES),
        Case(grid, ref(*grid), "a 2 × 2 batch", ZERO_ONE_SHAPE),
        Case(
            call=lambda f: _is_float_tensor(f(*labels01)),
            expected=True,
            label="a float result",
            hint=ZERO_ONE_FLOAT,
        ),
        Case(empty, torch.zeros(0), "an empty batch", ZERO_ONE_EMPTY),
    ]
    return check_function("zero_one_loss", fn, cases)


def check_binary_cross_entropy(fn) -> Verdict:
    """Exercise 1.2: ``binary_cross_entropy(y_hat, y)``, element-wise −y ln ŷ − (1 − y) ln(1 − ŷ)
    from probabilities, finite at ŷ ∈ {0, 1} (a sure wrong prediction costs 100, as in torch)."""

    def ref(y_hat, y):
        return losses.binary_cross_entropy(y_hat, y, reduction="none")

    mixed = (torch.tensor([0.9, 0.2, 0.6, 0.05]), torch.tensor([1.0, 0.0, 0.0, 1.0]))
    ones = (torch.tensor([0.5, 0.99, 0.01]), torch.ones(3))
    exact = (torch.tensor([0.0, 1.0]), torch.tensor([0.0, 1.0]))
    wrong = (torch.tensor([0.0, 1.0]), torch.tensor([1.0, 0.0]))
    grid = (torch.tensor([[0.3, 0.7], [0.5, 0.8]]), torch.tensor([[0.0, 1.0], [1.0, 1.0]]))
    formula = BCE_FORMULA
    cases = [
        Case(mixed, ref(*mixed), "probabilities and labels in {0, 1}", formula),
        Case(ones, ref(*ones), "y = 1 everywhere: the loss is −ln ŷ", formula),
        Case(
            exact,
            ref(*exact),
            "ŷ exactly equal to y (0 and 1)",
            BCE_EXACT,
        ),
        Case(
            wrong,
            ref(*wrong),
            "ŷ exactly 0 or 1 and wrong",
            BCE_SURE_WRONG,
        ),
        Case(grid, ref(*grid), "a 2 × 2 batch", BCE_REDUCED),
    ]
    return check_function("binary_cross_entropy", fn, cases)


def check_empirical_risk(fn) -> Verdict:
    """Exercise 1.3: ``empirical_risk(loss, f, x, y)`` = (1/N) Σ_i ℓ(f(x_i), y_i)."""

    squared = Named(lambda y_hat, y: (y_hat - y) ** 2, "ℓ(ŷ, y) = (ŷ − y)²")
    zero_one = Named(lambda y_hat, y: (y_hat != y).float(), "ℓ(ŷ, y) = 1{ŷ ≠ y}")
    # Not symmetric, ℓ(ŷ, y) ≠ ℓ(y, ŷ): it catches the arguments swapped.
    over_prediction = Named(lambda y_hat, y: (y_hat - y).clamp(min=0), "ℓ(ŷ, y) = max(ŷ − y, 0)")
    vector_squared = Named(lambda y_hat, y: ((y_hat - y) ** 2).sum(dim=1), "ℓ(ŷ, y) = ‖ŷ − y‖²")
    double = Named(lambda x: 2 * x, "f(x) = 2x")
    threshold = Named(lambda x: (x > 0.5).long(), "f(x) = 1{x > 0.5}")

    x = torch.tensor([0.0, 1.0, 2.0])
    y = torch.tensor([0.0, 1.0, 1.0])
    xc = torch.tensor([0.1, 0.4, 0.6, 0.9])
    yc = torch.tensor([0, 1, 1, 1])
    xv = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    yv = torch.tensor([[0.0, 0.0], [0.0, 0.0]])
    average = RISK_AVERAGE
    cases = [
        Case((squared, double, x, y), 10 / 3, "squared loss, f(x) = 2x", average),
        Case((zero_one, threshold, xc, yc), 0.25, "0-1 loss, f(x) = 1{x > 0.5}", average),
        Case(
            (over_prediction, double, x, y),
            4 / 3,
            "a loss that is not symmetric",
            RISK_ORDER,
        ),
        Case(
            (squared, double, torch.tensor([1.5]), torch.tensor([1.0])),
            4.0,
            "a single sample (N = 1)",
            average,
        ),
        Case(
            (vector_squared, double, xv, yv),
            4.0,
            "vector outputs (𝒴 = ℝ²): N = 2 samples, one loss each",
            RISK_N,
        ),
    ]
    return check_function("empirical_risk", fn, cases, hint=average.hint)


# -- pen-and-paper answers (the exam track), checked symbolically ----------------------------------


GAUSSIAN_NLL_MISTAKES = [
    Mistake(
        "gaussian_nll_formula.no_constant",
        "the normalising constant is missing: −ln p also takes −ln of the density's factor "
        "1/(σ√(2π)) (it does not depend on f, so it does not move the minimiser, but it is part "
        "of −ln p)",
        wrong="(y - f)**2 / (2*sigma**2)",
    ),
    Mistake(
        "gaussian_nll_formula.log_likelihood",
        "that is ln p(y | x), the log-likelihood: the exercise asks for its negative",
        wrong="-(y - f)**2 / (2*sigma**2) - ln(sigma) - ln(2*pi)/2",
    ),
    Mistake(
        "gaussian_nll_formula.two_sigma",
        "the Gaussian density's exponent divides by 2σ², not 2σ",
        wrong="(y - f)**2 / (2*sigma) + ln(sigma) + ln(2*pi)/2",
    ),
    Mistake(
        "gaussian_nll_formula.no_half",
        "the Gaussian density's exponent is −(y − f)²/(2σ²): the factor 1/2 is missing",
        wrong="(y - f)**2 / sigma**2 + ln(sigma) + ln(2*pi)/2",
    ),
    Mistake(
        "gaussian_nll_formula.no_log_sigma",
        "−ln of 1/(σ√(2π)) is ln σ + ln(2π)/2: the ln σ term is missing",
        wrong="(y - f)**2 / (2*sigma**2) + ln(2*pi)/2",
    ),
    Mistake(
        "gaussian_nll_formula.no_log_two_pi",
        "−ln of 1/(σ√(2π)) is ln σ + ln(2π)/2: the constant ln(2π)/2 is missing",
        wrong="(y - f)**2 / (2*sigma**2) + ln(sigma)",
    ),
    Mistake(
        "gaussian_nll_formula.log_variance",
        "the density's factor is 1/(σ√(2π)) = 1/√(2πσ²): −ln of it gives ln σ, not ln σ²",
        wrong="(y - f)**2 / (2*sigma**2) + ln(sigma**2) + ln(2*pi)/2",
    ),
]


def check_gaussian_nll_formula(fn) -> Verdict:
    """Exam 1.1: −ln p(y | x) when Y = f + ε with ε ~ N(0, σ²), as a formula in y, f, sigma."""
    variables, positive = "y, f, sigma", ["sigma"]
    mistakes = GAUSSIAN_NLL_MISTAKES
    default = (
        "p(y | x) is the N(f, σ²) density at y, (1/(σ√(2π))) exp(−(y − f)²/(2σ²)): take −ln of it"
    )
    expected = "(y - f)**2 / (2*sigma**2) + ln(sigma) + ln(2*pi)/2"
    return check_formula(
        "gaussian_nll_formula",
        fn,
        expected,
        variables,
        positive=positive,
        hint=default,
        mistakes=mistakes,
    )


THRESHOLD_RISK_MISTAKES = [
    Mistake(
        "threshold_risk_formula.errors_swapped",
        "the two kinds of error are swapped: for x ≤ t the rule says 0, so it errs when Y = 1 "
        "(probability x²); for x > t it says 1 and errs when Y = 0 (probability 1 − x²)",
        wrong="t - 2*t**3/3 + 1/3",
    ),
    Mistake(
        "threshold_risk_formula.linear_posterior",
        "that is the risk for P(Y = 1 | X = x) = x, the notebook's example: here it is x²",
        wrong="t**2/2 + (1 - t)**2/2",
    ),
    Mistake(
        "threshold_risk_formula.left_error_only",
        "that is only the error for x ≤ t: add the error for x > t, ∫ from t to 1 of (1 − x²)",
        wrong="t**3/3",
    ),
    Mistake(
        "threshold_risk_formula.right_error_only",
        "that is only the error for x > t: add the error for x ≤ t, ∫ from 0 to t of x²",
        wrong="1 - t - (1 - t**3)/3",
    ),
]


def check_threshold_risk_formula(fn) -> Verdict:
    """Exam 1.2: the 0-1 risk of f_t(x) = 1{x > t} when X ~ U(0, 1) and P(Y = 1 | X = x) = x²."""
    variables = "t"
    mistakes = THRESHOLD_RISK_MISTAKES
    default = (
        "R(f_t) = P(X ≤ t, Y = 1) + P(X > t, Y = 0) = ∫ from 0 to t of x² dx + ∫ from t to 1 of "
        "(1 − x²) dx (the density of X is 1 on [0, 1])"
    )
    return check_formula(
        "threshold_risk_formula",
        fn,
        "2*t**3/3 - t + 2/3",
        variables,
        ranges={"t": (0.0, 1.0)},
        hint=default,
        mistakes=mistakes,
    )
