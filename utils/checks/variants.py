"""Exam-track formulas that notebooks 04–06 do not print: a variant of each derivation (another
loss, activation or network), so that the typed answer must be derived, not copied.

Each check is built on `utils.checks.formulas.check_formula`: the answer is compared with the
expected formula symbolically, and a known mistake gets a hint that names it. The known mistakes
are declared at module level with `formula_mistakes` (ids "<exercise>.<what>"), so that
`utils.checks.known_mistakes` lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from utils.checks._core import Verdict
from utils.checks.formulas import check_formula, formula_mistakes

__all__ = [
    "check_log_sigma_slope_formula",
    "check_log_softmax_formula",
    "check_squared_slope_formula",
    "check_tanh_delta_formula",
    "check_tanh_output_formula",
    "check_tempered_ce_formula",
    "check_deep_count_formula",
    "check_two_example_nll_formula",
]

Answer = Callable[[], str]


@cache
def _softmax_names(tempered: bool) -> dict:
    """s1, s2, s3 = softmax(a)_j, or p1, p2, p3 = softmax(a / T)_j, for use in an answer (SymPy is
    imported on the first formula check only)."""
    import sympy

    a = sympy.symbols("a1, a2, a3", real=True)
    if tempered:
        t = sympy.Symbol("T", positive=True)
        terms = [sympy.exp(a_j / t) for a_j in a]
        return {f"p{j + 1}": term / sum(terms) for j, term in enumerate(terms)}
    terms = [sympy.exp(a_j) for a_j in a]
    return {f"s{j + 1}": term / sum(terms) for j, term in enumerate(terms)}


# ---- notebook 04 -----------------------------------------------------------------------------

LOG_SIGMA_SLOPE_MISTAKES = formula_mistakes(
    "log_sigma_slope_formula",
    (
        "sigma_prime",
        "sigma(a)*(1 - sigma(a))",
        "that is σ'(a) itself; the chain rule divides it by σ(a)",
    ),
    (
        "missing_sigma_prime",
        "1/sigma(a)",
        "the chain rule: d ln σ(a)/da = σ'(a)/σ(a), the factor σ'(a) is missing",
    ),
    ("sign", "sigma(a) - 1", "the sign: ln σ(a) increases with a, so its slope is positive"),
)


def check_log_sigma_slope_formula(fn: Answer) -> Verdict:
    """Exam 4.1: the derivative of ln σ(a) in a."""
    return check_formula(
        "log_sigma_slope_formula",
        fn,
        "1 - sigma(a)",
        "a",
        hint="d ln σ(a)/da = σ'(a)/σ(a), and σ' = σ(1 − σ)",
        mistakes=LOG_SIGMA_SLOPE_MISTAKES,
    )


TWO_EXAMPLE_NLL_MISTAKES = formula_mistakes(
    "two_example_nll_formula",
    (
        "label_zero",
        "-ln(sigma(a1)) - ln(sigma(a2))",
        "the second example has label 0: its probability is 1 − σ(a2), not σ(a2)",
    ),
    (
        "log_likelihood",
        "ln(sigma(a1)) + ln(1 - sigma(a2))",
        "that is the log-likelihood; the loss to minimise is minus it",
    ),
    (
        "product_of_logs",
        "ln(sigma(a1)) * ln(1 - sigma(a2))",
        "independence multiplies the probabilities, so the logarithm adds their logs",
    ),
    (
        "mean_not_sum",
        "-ln(sigma(a1)*(1 - sigma(a2)))/2",
        "the negative log-likelihood is the sum over the examples, not the mean",
    ),
)


def check_two_example_nll_formula(fn: Answer) -> Verdict:
    """Exam 4.2: −ln of the likelihood of two independent examples, logits a1 (label 1), a2
    (label 0), for the model P(Y = 1 | x) = σ(a)."""
    return check_formula(
        "two_example_nll_formula",
        fn,
        "-ln(sigma(a1)) - ln(1 - sigma(a2))",
        "a1, a2",
        hint="P(D) = σ(a1) · (1 − σ(a2)) by independence; take −ln of the product",
        mistakes=TWO_EXAMPLE_NLL_MISTAKES,
    )


SQUARED_SLOPE_MISTAKES = formula_mistakes(
    "squared_slope_formula",
    (
        "cross_entropy_slope",
        "sigma(a) - y",
        "that is the slope of the cross-entropy; the squared loss keeps σ'(a)",
    ),
    (
        "missing_sigma_prime",
        "2*(sigma(a) - y)",
        "the chain rule through ŷ = σ(a): a factor σ'(a) = σ(a)(1 − σ(a)) is missing",
    ),
    (
        "missing_two",
        "(sigma(a) - y)*sigma(a)*(1 - sigma(a))",
        "the derivative of u² is 2u: a factor 2 is missing",
    ),
    (
        "sign",
        "2*(y - sigma(a))*sigma(a)*(1 - sigma(a))",
        "the sign: the loss grows with a when σ(a) > y",
    ),
)


def check_squared_slope_formula(fn: Answer) -> Verdict:
    """Exam 4.3: ∂ℓ/∂a for the squared loss ℓ = (σ(a) − y)² of a sigmoid output."""
    return check_formula(
        "squared_slope_formula",
        fn,
        "2*(sigma(a) - y)*sigma(a)*(1 - sigma(a))",
        "a, y",
        hint="ℓ = u² with u = σ(a) − y: ∂ℓ/∂a = 2u · ∂u/∂a, and σ' = σ(1 − σ)",
        mistakes=SQUARED_SLOPE_MISTAKES,
    )


# ---- notebook 05 -----------------------------------------------------------------------------

TEMPERED_CE_MISTAKES = formula_mistakes(
    "tempered_ce_formula",
    ("missing_one_over_t", "p1 - 1", "the chain rule through a / T: a factor 1/T is missing"),
    ("times_t", "(p1 - 1)*T", "∂(a_1/T)/∂a_1 = 1/T: divide by T, do not multiply"),
    ("sign", "(1 - p1)/T", "the sign: raising the true class's logit lowers the loss"),
)


def check_tempered_ce_formula(fn: Answer) -> Verdict:
    """Exam 5.1: ∂ℓ/∂a_1 for ℓ = −ln softmax(a / T)_1, K = 3 (p1, p2, p3 = softmax(a / T))."""
    return check_formula(
        "tempered_ce_formula",
        fn,
        "(p1 - 1)/T",
        "a1, a2, a3, T",
        positive=["T"],
        ranges={"T": (0.2, 5.0)},
        functions=_softmax_names(True),
        hint="ℓ = −a_1/T + ln Σ_k e^(a_k/T); differentiate each term in a_1",
        mistakes=TEMPERED_CE_MISTAKES,
    )


LOG_SOFTMAX_MISTAKES = formula_mistakes(
    "log_softmax_formula",
    ("softmax_slope", "-s1*s2", "that is ∂s_1/∂a_2; the logarithm divides it by s_1"),
    ("sign", "s2", "the sign: raising a_2 takes probability away from class 1"),
    (
        "diagonal",
        "1 - s1",
        "that is the diagonal entry ∂ ln s_1/∂a_1; here only the sum depends on a_2",
    ),
    ("zero", "0", "ln s_1 = a_1 − ln Σ_k e^(a_k) depends on a_2 through the sum"),
)


def check_log_softmax_formula(fn: Answer) -> Verdict:
    """Exam 5.2: ∂ ln s_1 / ∂a_2 for K = 3 (s1, s2, s3 = softmax(a))."""
    return check_formula(
        "log_softmax_formula",
        fn,
        "-s2",
        "a1, a2, a3",
        functions=_softmax_names(False),
        hint="ln s_1 = a_1 − ln(e^a1 + e^a2 + e^a3); differentiate in a_2",
        mistakes=LOG_SOFTMAX_MISTAKES,
    )


# ---- notebook 06 -----------------------------------------------------------------------------

DEEP_COUNT_MISTAKES = formula_mistakes(
    "deep_count_formula",
    (
        "no_biases",
        "n1*n0 + n1*n1 + n2*n1",
        "the biases are missing: layer h has n_h biases besides its n_h · n_(h−1) weights",
    ),
    (
        "one_hidden_layer",
        "n1*(n0 + 1) + n2*(n1 + 1)",
        "that is one hidden layer; the second hidden layer adds n1 · (n1 + 1)",
    ),
    (
        "hidden_weights",
        "n0*n1 + n1*n2 + 2*n1 + n2",
        "the weights between the two hidden layers are missing: n1 × n1 of them",
    ),
)


def check_deep_count_formula(fn: Answer) -> Verdict:
    """Exam 6.1: the parameters of an MLP n0 → n1 → n1 → n2 (two hidden layers of width n1)."""
    return check_formula(
        "deep_count_formula",
        fn,
        "n1*(n0 + 1) + n1*(n1 + 1) + n2*(n1 + 1)",
        "n0, n1, n2",
        positive=True,
        hint="layer h has W_h ∈ R^(n_h × n_(h−1)) and b_h ∈ R^(n_h); add up the three layers",
        mistakes=DEEP_COUNT_MISTAKES,
    )


TANH_DELTA_MISTAKES = formula_mistakes(
    "tanh_delta_formula",
    (
        "sigmoid_slope",
        "sigma(a1)*(1 - sigma(a1))*w2*delta2",
        "that is the sigmoid's slope; here σ = tanh, whose slope is 1 − tanh²",
    ),
    (
        "missing_square",
        "(1 - tanh(a1))*w2*delta2",
        "tanh'(a) = 1 − tanh(a)², the square is missing",
    ),
    ("missing_weight", "(1 - tanh(a1)**2)*delta2", "the weight w2 is missing: a_2 = w_2 z_1 + b_2"),
    (
        "missing_delta",
        "(1 - tanh(a1)**2)*w2",
        "δ_2 is missing: δ_1 = ∂L/∂a_2 · ∂a_2/∂z_1 · ∂z_1/∂a_1",
    ),
)


def check_tanh_delta_formula(fn: Answer) -> Verdict:
    """Exam 6.2: δ_1 for one unit per layer and the tanh activation, from a1, w2, delta2."""
    return check_formula(
        "tanh_delta_formula",
        fn,
        "(1 - tanh(a1)**2)*w2*delta2",
        "a1, w2, delta2",
        hint="δ_1 = δ_2 · ∂a_2/∂z_1 · ∂z_1/∂a_1 with z_1 = tanh(a_1) and tanh' = 1 − tanh²",
        mistakes=TANH_DELTA_MISTAKES,
    )


TANH_OUTPUT_MISTAKES = formula_mistakes(
    "tanh_output_formula",
    (
        "missing_slope",
        "tanh(a2) - y",
        "the slope tanh'(a2) = 1 − tanh(a2)² is missing: it cancels only for the "
        "sigmoid with the cross-entropy",
    ),
    (
        "factor_two",
        "2*(tanh(a2) - y)*(1 - tanh(a2)**2)",
        "the 1/2 of the loss cancels the 2 of the square's derivative",
    ),
    (
        "missing_square",
        "(tanh(a2) - y)*(1 - tanh(a2))",
        "tanh'(a) = 1 − tanh(a)², the square is missing",
    ),
    ("sign", "(y - tanh(a2))*(1 - tanh(a2)**2)", "the sign: L grows with a2 when ŷ > y"),
)


def check_tanh_output_formula(fn: Answer) -> Verdict:
    """Exam 6.3: δ_2 = ∂L/∂a_2 for ŷ = tanh(a_2) and L = (ŷ − y)²/2."""
    return check_formula(
        "tanh_output_formula",
        fn,
        "(tanh(a2) - y)*(1 - tanh(a2)**2)",
        "a2, y",
        hint="L = u²/2 with u = tanh(a2) − y: ∂L/∂a2 = u · ∂u/∂a2",
        mistakes=TANH_OUTPUT_MISTAKES,
    )
