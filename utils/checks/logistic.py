"""Checks for the exercises of notebook 04 (sigmoid and logistic regression)."""

from __future__ import annotations

import torch

from utils.checks._core import (
    Case,
    Mistake,
    Verdict,
    check_function,
)
from utils.checks.formulas import check_formula

__all__ = [
    "check_bce_from_logits",
    "check_bce_gradient",
    "check_bce_slope_formula",
    "check_mle_bce_formula",
    "check_sigma_prime_formula",
]


def _mean_bce(w: torch.Tensor, b: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    logits = x.double() @ w.double() + b.double()
    return torch.nn.functional.binary_cross_entropy_with_logits(logits, y.double())


def _autograd_gradient(w, b, x, y) -> tuple[torch.Tensor, torch.Tensor]:
    w64 = w.detach().double().requires_grad_(True)
    b64 = b.detach().double().requires_grad_(True)
    grad_w, grad_b = torch.autograd.grad(_mean_bce(w64, b64, x, y), (w64, b64))
    return grad_w.to(w.dtype), grad_b.to(w.dtype)


def _numerical_gradient(w, b, x, y, h: float = 1e-6) -> tuple[torch.Tensor, torch.Tensor]:
    """Central differences (L(θ + h e_k) − L(θ − h e_k)) / 2h, in float64."""
    theta = torch.cat([w.double(), b.double().reshape(1)])

    def loss(t: torch.Tensor) -> float:
        return _mean_bce(t[:-1], t[-1], x, y).item()

    grad = torch.zeros_like(theta)
    for k in range(theta.numel()):
        step = torch.zeros_like(theta)
        step[k] = h
        grad[k] = (loss(theta + step) - loss(theta - step)) / (2 * h)
    return grad[:-1].to(w.dtype), grad[-1].to(w.dtype)


BCE_GRADIENT_ONE_EXAMPLE = Mistake(
    "bce_gradient.one_example",
    "for one example ∂ℓ/∂w = (ŷ − y)·x and ∂ℓ/∂b = ŷ − y with ŷ = σ(wᵀx + b): return grad_w "
    "with the shape of w, grad_b as a scalar",
)
BCE_GRADIENT_SIGN = Mistake(
    "bce_gradient.sign",
    "the sign: the gradient points where the loss grows, (ŷ − y)·x, not (y − ŷ)·x; a step "
    "against it must move ŷ towards y",
)
BCE_GRADIENT_SQUARED_LOSS = Mistake(
    "bce_gradient.squared_loss",
    "that is the gradient of the squared loss (ŷ − y)²/2 through the sigmoid: it carries the "
    "factor σ'(a) = ŷ(1 − ŷ), which the logarithms of the cross-entropy cancel",
)
BCE_GRADIENT_SUM = Mistake(
    "bce_gradient.sum_not_mean",
    "the result is N times too large: the loss is the mean over the N examples, so its "
    "gradient has the factor 1/N (this is the sum)",
)
BCE_GRADIENT_PRODUCT_OF_MEANS = Mistake(
    "bce_gradient.product_of_means",
    "the gradient is the mean of the products (ŷ_i − y_i)·x_i; the product of the means, "
    "mean(ŷ − y)·mean(x), is a different number as soon as N > 1",
)
BCE_GRADIENT_MEAN = Mistake(
    "bce_gradient.mean",
    "the loss is the mean over the N examples, so is its gradient: average (ŷ_i − y_i)·x_i "
    "over the examples",
)
BCE_GRADIENT_THROUGH_LOGS = Mistake(
    "bce_gradient.through_logs",
    "for logits ±1000 that are right the gradient is 0: compute ŷ − y with torch.sigmoid, not "
    "through ln ŷ or 1/ŷ, which overflow to inf and give NaN",
)
BCE_GRADIENT_LARGE_WRONG = Mistake(
    "bce_gradient.large_wrong_logits",
    "for logits ±1000 that are wrong ŷ − y = ±1: compute ŷ = torch.sigmoid(x @ w + b)",
)


def _bce_gradient_variants(w, b, x, y) -> list[tuple[Mistake, tuple[torch.Tensor, torch.Tensor]]]:
    """The gradients that known mistakes give, in float64, to recognise them in a result."""
    x64, y64 = x.double(), y.double()
    p = torch.sigmoid(x64 @ w.double() + b.double())
    r = p - y64
    n = len(y64)
    squared = r * p * (1 - p)
    return [
        (BCE_GRADIENT_SIGN, (-x64.T @ r / n, -r.mean())),
        (BCE_GRADIENT_SIGN, (-x64.T @ r, -r.sum())),
        (BCE_GRADIENT_SQUARED_LOSS, (x64.T @ squared / n, squared.mean())),
        (BCE_GRADIENT_SQUARED_LOSS, (2 * x64.T @ squared / n, 2 * squared.mean())),
        (BCE_GRADIENT_SUM, (x64.T @ r, r.sum())),
        (BCE_GRADIENT_SUM, (x64.T @ r, r.mean())),
        (BCE_GRADIENT_PRODUCT_OF_MEANS, (r.mean() * x64.mean(dim=0), r.mean())),
    ]


def _matches(received, variant, atol: float = 1e-6) -> bool:
    """True when ``received`` (a tuple of tensors or numbers) equals ``variant`` within atol."""
    if not isinstance(received, tuple | list) or len(received) != len(variant):
        return False
    for got, want in zip(received, variant, strict=True):
        got = torch.as_tensor(got).detach().double().cpu()
        if got.shape != want.shape or not torch.allclose(got, want, atol=atol, rtol=1e-4):
            return False
    return True


def _explain_bce_gradient(w, b, x, y):
    def explain(received):
        for mistake, variant in _bce_gradient_variants(w, b, x, y):
            if _matches(received, variant):
                return mistake
        return None

    return explain


def check_bce_gradient(fn) -> Verdict:
    """Exercise 4.1: the gradient of the mean BCE, ``fn(w, b, x, y) -> (grad_w, grad_b)``."""
    g = torch.Generator().manual_seed(4)
    x4 = torch.tensor([[1.0, 2.0], [-1.0, 0.5], [0.0, -2.0], [3.0, 1.0]])
    y4 = torch.tensor([1, 0, 0, 1])
    x_rand = torch.randn(10, 3, generator=g, dtype=torch.float64)
    y_rand = (torch.rand(10, generator=g) < 0.5).long()
    w_rand = torch.randn(3, generator=g, dtype=torch.float64)
    b_rand = torch.tensor(0.3, dtype=torch.float64)
    raw = [
        (
            torch.tensor([0.0]),
            torch.tensor(0.0),
            torch.tensor([[2.0]]),
            torch.tensor([1]),
            "one example, y = 1",
            BCE_GRADIENT_ONE_EXAMPLE,
        ),
        (
            torch.tensor([1.0, -1.0]),
            torch.tensor(0.5),
            torch.tensor([[1.0, 2.0]]),
            torch.tensor([0]),
            "one example, y = 0",
            BCE_GRADIENT_ONE_EXAMPLE,
        ),
        (
            torch.tensor([0.5, -0.25]),
            torch.tensor(-0.1),
            x4,
            y4,
            "four examples (the mean)",
            BCE_GRADIENT_MEAN,
        ),
        (
            torch.tensor([0.5, -0.25]),
            torch.tensor(-0.1),
            x4,
            y4.float(),
            "float labels",
            BCE_GRADIENT_MEAN,
        ),
        (
            torch.tensor([1000.0]),
            torch.tensor(0.0),
            torch.tensor([[1.0], [-1.0]]),
            torch.tensor([1, 0]),
            "logits ±1000, both right",
            BCE_GRADIENT_THROUGH_LOGS,
        ),
        (
            torch.tensor([1000.0]),
            torch.tensor(0.0),
            torch.tensor([[1.0], [-1.0]]),
            torch.tensor([0, 1]),
            "logits ±1000, both wrong",
            BCE_GRADIENT_LARGE_WRONG,
        ),
    ]
    cases = [
        Case(
            (w, b, x, y),
            _autograd_gradient(w, b, x, y),
            label,
            hint,
            atol=1e-6,
            rtol=1e-5,
            explain=_explain_bce_gradient(w, b, x, y),
        )
        for w, b, x, y, label, hint in raw
    ]
    cases.append(
        Case(
            (w_rand, b_rand, x_rand, y_rand),
            _numerical_gradient(w_rand, b_rand, x_rand, y_rand),
            "ten random examples: compared with the numerical gradient (central differences)",
            BCE_GRADIENT_MEAN,
            atol=1e-7,
            rtol=1e-6,
            explain=_explain_bce_gradient(w_rand, b_rand, x_rand, y_rand),
        )
    )
    return check_function(
        "bce_gradient",
        fn,
        cases,
        hint="∇_w L = (1/N) Xᵀ(σ(Xw + b) − y), ∂L/∂b = mean(σ(Xw + b) − y)",
    )


# --- the loss from the logits (naive → fails → fix) ------------------------------------------


def _bce_logits64(a: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    a64, y64 = a.double(), y.double()
    return torch.nn.functional.softplus(a64) - y64 * a64  # = −y ln σ(a) − (1 − y) ln(1 − σ(a))


def _bce_slope_call(a: torch.Tensor, y: torch.Tensor):
    def call(fn):
        t = a.clone().requires_grad_(True)
        (slope,) = torch.autograd.grad(fn(t, y.clone()).sum(), t)
        return slope

    return call


BCE_LOGITS_FORMULA = Mistake(
    "bce_from_logits.formula",
    "ℓ(σ(a), y) = −y ln σ(a) − (1 − y) ln(1 − σ(a)), element-wise (no mean)",
)
BCE_LOGITS_SHAPE = Mistake(
    "bce_from_logits.reduced",
    "work element-wise and keep the shape of a (no sum, no mean)",
)
BCE_LOGITS_SIGMOID_ROUNDS = Mistake(
    "bce_from_logits.sigmoid_rounds",
    "σ(a) rounds to exactly 1.0 in float32 for a ≳ 17 (and to 0 for a ≲ −104), so ln(1 − σ(a)) "
    "= ln 0 = −inf, and 0·(−inf) = NaN. Write the loss from a itself: −ln σ(a) = "
    "softplus(−a), −ln(1 − σ(a)) = softplus(a), so ℓ = softplus(a) − y·a "
    "(F.softplus, or F.logsigmoid)",
)
BCE_LOGITS_EXP_OVERFLOWS = Mistake(
    "bce_from_logits.exp_overflows",
    "exp(a) overflows to inf in float32 for a ≳ 89, so ln(1 + exp(a)) (log1p(exp(a)) too) is "
    "inf where softplus(a) ≈ a: use F.softplus(a), or max(a, 0) + log1p(exp(−|a|)), which never "
    "exponentiates a large number",
)
BCE_LOGITS_CLAMPED = Mistake(
    "bce_from_logits.clamped",
    "clamping σ(a) into [ε, 1 − ε] avoids the NaN but caps the loss at −ln ε: a confidently "
    "wrong logit of 200 costs 200, not 16. Use ℓ = softplus(a) − y·a",
)
BCE_LOGITS_SLOPE = Mistake(
    "bce_from_logits.slope",
    "the slope of ℓ in a is σ(a) − y, ±1 here: a loss built from torch operations on a (no "
    "clamp of σ(a), no .detach()) gives it to autograd",
)


def _explain_large_logits(expected: torch.Tensor):
    """What a wrong loss at logits ±200 shows: inf (an overflowing exp), NaN (σ rounded to 0 or
    1 inside a log), or finite and too small (a clamp)."""

    def explain(received):
        got = torch.as_tensor(received).detach().double()
        if got.shape != expected.shape:
            return None
        if torch.isinf(got).any() and not torch.isnan(got).any():
            return BCE_LOGITS_EXP_OVERFLOWS
        if torch.isnan(got).any():
            return BCE_LOGITS_SIGMOID_ROUNDS
        if (got < 0.5 * expected.double()).any():
            return BCE_LOGITS_CLAMPED
        return None

    return explain


def check_bce_from_logits(fn) -> Verdict:
    """Exercises 4.2–4.3: the BCE from the logit, ``fn(a, y) = −y ln σ(a) − (1 − y) ln(1 − σ(a))``
    element-wise, for logits ``a`` and labels ``y`` ∈ {0, 1} of the same shape.

    The first cases are moderate logits, which a direct ``torch.log(torch.sigmoid(a))`` passes;
    then logits of ±30 and ±200, where σ(a) rounds to exactly 0 or 1 in float32.
    """
    a_mid = torch.tensor([-2.0, -0.5, 0.0, 0.5, 3.0])
    y_mid = torch.tensor([1.0, 0.0, 1.0, 1.0, 0.0])
    a_right = torch.tensor([30.0, -30.0])
    y_right = torch.tensor([1.0, 0.0])
    a_wrong = torch.tensor([200.0, -200.0])
    y_wrong = torch.tensor([0.0, 1.0])
    wrong_loss = _bce_logits64(a_wrong, y_wrong).float()
    cases = [
        Case(
            (a_mid, y_mid),
            _bce_logits64(a_mid, y_mid).float(),
            "moderate logits",
            BCE_LOGITS_FORMULA,
        ),
        Case(
            (a_mid[None].repeat(2, 1), y_mid[None].repeat(2, 1)),
            _bce_logits64(a_mid, y_mid).float()[None].repeat(2, 1),
            "a 2-D batch",
            BCE_LOGITS_SHAPE,
        ),
        Case(
            (a_right, y_right),
            _bce_logits64(a_right, y_right).float(),
            "logits ±30, both right (the loss is ≈ 1e-13)",
            BCE_LOGITS_SIGMOID_ROUNDS,
        ),
        Case(
            (a_wrong, y_wrong),
            wrong_loss,
            "logits ±200, both wrong (the loss is 200)",
            BCE_LOGITS_SIGMOID_ROUNDS,
            rtol=1e-4,
            explain=_explain_large_logits(wrong_loss),
        ),
        Case(
            label="its derivative by autograd at a = ±200 (σ(a) − y = ±1)",
            expected=torch.tensor([1.0, -1.0]),
            hint=BCE_LOGITS_SLOPE,
            call=_bce_slope_call(a_wrong, y_wrong),
        ),
    ]
    name = getattr(fn, "__name__", "bce_from_logits")
    if not name.isidentifier() or name == "<lambda>":
        name = "bce_from_logits"
    return check_function(name, fn, cases, hint=BCE_LOGITS_SIGMOID_ROUNDS.hint)


# --- pen-and-paper answers typed as formulas ---------------------------------------------------


SIGMA_PRIME_MISTAKES = [
    Mistake(
        "sigma_prime_formula.sign",
        "the sign: d/da (1 + e^(−a))^(−1) = −(1 + e^(−a))^(−2)·(−e^(−a)); the two minus "
        "signs cancel, so σ' > 0 (σ is increasing)",
        wrong="-exp(-a)/(1+exp(-a))**2",
    ),
    Mistake(
        "sigma_prime_formula.missing_sigma_factor",
        "that is e^(−a)/(1 + e^(−a)) = 1 − σ(a): one factor σ(a) is missing (the square of "
        "1 + e^(−a) became a first power)",
        wrong="1-sigma(a)",
    ),
    Mistake(
        "sigma_prime_formula.sign_inside",
        "the sign inside: σ' is at most 1/4 (at a = 0), but σ(a)(1 + σ(a)) grows up to 2",
        wrong="sigma(a)*(1+sigma(a))",
    ),
]


def check_sigma_prime_formula(fn) -> Verdict:
    """Exam track: σ'(a) written as a formula of a (e.g. in terms of ``sigma(a)``)."""
    hint = (
        "write σ(a) = (1 + e^(−a))^(−1), differentiate with the chain rule, then split "
        "e^(−a)/(1 + e^(−a))² into two factors you recognise: σ(a) and e^(−a)/(1 + e^(−a))"
    )
    return check_formula(
        "sigma_prime_formula",
        fn,
        "sigma(a)*(1-sigma(a))",
        "a",
        hint=hint,
        mistakes=SIGMA_PRIME_MISTAKES,
    )


BCE_SLOPE_MISTAKES = [
    Mistake(
        "bce_slope_formula.sign",
        "the sign: ℓ decreases when a moves towards the label, so ∂ℓ/∂a < 0 when "
        "y = 1; the derivative is ŷ − y, not y − ŷ",
        wrong="y-sigma(a)",
    ),
    Mistake(
        "bce_slope_formula.extra_slope",
        "a factor σ'(a) too many: (σ(a) − y)σ'(a) is the slope of the squared loss "
        "(σ(a) − y)²/2. For the BCE the σ'(a) = σ(1 − σ) cancels the 1/σ and 1/(1 − σ) of "
        "the logs",
        wrong="(sigma(a)-y)*sigma(a)*(1-sigma(a))",
    ),
    Mistake(
        "bce_slope_formula.slope_in_y_hat",
        "that is ∂ℓ/∂ŷ, the slope in ŷ = σ(a); multiply by ∂ŷ/∂a = σ(a)(1 − σ(a))",
        wrong="-y/sigma(a) + (1-y)/(1-sigma(a))",
    ),
]


def check_bce_slope_formula(fn) -> Verdict:
    """Exam track: ∂ℓ/∂a for ℓ = −y ln σ(a) − (1 − y) ln(1 − σ(a)), a formula of a and the label
    y ∈ {0, 1}."""
    hint = (
        "∂ℓ/∂a = ∂ℓ/∂ŷ · σ'(a) with ∂ℓ/∂ŷ = −y/ŷ + (1 − y)/(1 − ŷ) and σ'(a) = ŷ(1 − ŷ); "
        "expand and simplify"
    )
    return check_formula(
        "bce_slope_formula",
        fn,
        "sigma(a) - y",
        "a, y",
        labels=["y"],
        hint=hint,
        mistakes=BCE_SLOPE_MISTAKES,
    )


MLE_BCE_MISTAKES = [
    Mistake(
        "mle_bce_formula.log_likelihood",
        "that is the log-likelihood ln P(Y = y | x); the loss to minimise is minus it",
        wrong="y*ln(sigma(a)) + (1-y)*ln(1-sigma(a))",
    ),
    Mistake(
        "mle_bce_formula.one_label",
        "one formula for both labels: at y = 0 the probability of the label is 1 − σ(a); "
        "write P(Y = y | x) = σ(a)^y (1 − σ(a))^(1 − y), then take −ln",
        wrong="-ln(sigma(a))",
    ),
    Mistake(
        "mle_bce_formula.labels_swapped",
        "the labels are swapped: the model gives P(Y = 1 | x) = σ(a), so y = 1 goes with σ(a) "
        "and y = 0 with 1 − σ(a)",
        wrong="-(1-y)*ln(sigma(a)) - y*ln(1-sigma(a))",
    ),
]


def check_mle_bce_formula(fn) -> Verdict:
    """Exam track: −ln P(Y = y | X = x) for the model P(Y = 1 | x) = σ(a), one formula of a and
    y, judged at y = 0 and at y = 1 (the labels it must hold for)."""
    hint = (
        "P(Y = y | x) = σ(a)^y (1 − σ(a))^(1 − y) for y ∈ {0, 1}; −ln turns the product into a "
        "sum of two logarithms"
    )
    return check_formula(
        "mle_bce_formula",
        fn,
        "-y*ln(sigma(a)) - (1-y)*ln(1-sigma(a))",
        "a, y",
        labels=["y"],
        hint=hint,
        mistakes=MLE_BCE_MISTAKES,
    )
