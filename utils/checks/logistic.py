"""Checks for the exercises of notebook 04 (sigmoid and logistic regression)."""

from __future__ import annotations

import torch

from utils.checks._core import FAILED, PASSED, Case, ExerciseFailed, Verdict, _emit, check_function
from utils.checks.formulas import check_formula, compare_formulas

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


def check_bce_gradient(fn) -> Verdict:
    """Exercise 4.1: the gradient of the mean BCE, ``fn(w, b, x, y) -> (grad_w, grad_b)``."""
    g = torch.Generator().manual_seed(4)
    sign = (
        "for one example ∂ℓ/∂w = (ŷ − y)·x and ∂ℓ/∂b = ŷ − y with ŷ = σ(wᵀx + b): check the sign "
        "(ŷ − y, not y − ŷ) and return grad_w with the shape of w, grad_b as a scalar"
    )
    mean = (
        "the loss is the mean over the N examples, so is its gradient: (1/N) Σ_i (ŷ_i − y_i) x_i; "
        "a result N times too large is a sum without the 1/N"
    )
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
            sign,
        ),
        (
            torch.tensor([1.0, -1.0]),
            torch.tensor(0.5),
            torch.tensor([[1.0, 2.0]]),
            torch.tensor([0]),
            "one example, y = 0",
            sign,
        ),
        (torch.tensor([0.5, -0.25]), torch.tensor(-0.1), x4, y4, "four examples (the mean)", mean),
        (torch.tensor([0.5, -0.25]), torch.tensor(-0.1), x4, y4.float(), "float labels", mean),
        (
            torch.tensor([1000.0]),
            torch.tensor(0.0),
            torch.tensor([[1.0], [-1.0]]),
            torch.tensor([1, 0]),
            "logits ±1000, both right",
            "for logits ±1000 that are right the gradient is 0: compute ŷ − y with torch.sigmoid, "
            "not through ln ŷ or 1/ŷ, which overflow to inf and give NaN",
        ),
        (
            torch.tensor([1000.0]),
            torch.tensor(0.0),
            torch.tensor([[1.0], [-1.0]]),
            torch.tensor([0, 1]),
            "logits ±1000, both wrong",
            "for logits ±1000 that are wrong ŷ − y = ±1: compute ŷ = torch.sigmoid(x @ w + b)",
        ),
    ]
    cases = [
        Case((w, b, x, y), _autograd_gradient(w, b, x, y), label, hint, atol=1e-6, rtol=1e-5)
        for w, b, x, y, label, hint in raw
    ]
    cases.append(
        Case(
            (w_rand, b_rand, x_rand, y_rand),
            _numerical_gradient(w_rand, b_rand, x_rand, y_rand),
            "ten random examples: compared with the numerical gradient (central differences)",
            mean,
            atol=1e-7,
            rtol=1e-6,
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


def check_bce_from_logits(fn) -> Verdict:
    """Exercises 4.2–4.3: the BCE from the logit, ``fn(a, y) = −y ln σ(a) − (1 − y) ln(1 − σ(a))``
    element-wise, for logits ``a`` and labels ``y`` ∈ {0, 1} of the same shape.

    The first cases are moderate logits, which a direct ``torch.log(torch.sigmoid(a))`` passes;
    then logits of ±30 and ±200, where σ(a) rounds to exactly 0 or 1 in float32.
    """
    overflow = (
        "σ(a) rounds to exactly 1.0 in float32 for a ≳ 17 (and to 0 for a ≲ −104), so ln(1 − σ(a)) "
        "= ln 0 = −inf, and 0·(−inf) = NaN. Write the loss from a itself: −ln σ(a) = "
        "softplus(−a), −ln(1 − σ(a)) = softplus(a), so ℓ = softplus(a) − y·a "
        "(F.softplus, or F.logsigmoid)"
    )
    clamp = (
        "clamping σ(a) into [ε, 1 − ε] avoids the NaN but caps the loss at −ln ε: a confidently "
        "wrong logit of 200 costs 200, not 16. Use ℓ = softplus(a) − y·a"
    )
    a_mid = torch.tensor([-2.0, -0.5, 0.0, 0.5, 3.0])
    y_mid = torch.tensor([1.0, 0.0, 1.0, 1.0, 0.0])
    a_right = torch.tensor([30.0, -30.0])
    y_right = torch.tensor([1.0, 0.0])
    a_wrong = torch.tensor([200.0, -200.0])
    y_wrong = torch.tensor([0.0, 1.0])
    cases = [
        Case(
            (a_mid, y_mid),
            _bce_logits64(a_mid, y_mid).float(),
            "moderate logits",
            "ℓ(σ(a), y) = −y ln σ(a) − (1 − y) ln(1 − σ(a)), element-wise (no mean)",
        ),
        Case(
            (a_mid[None].repeat(2, 1), y_mid[None].repeat(2, 1)),
            _bce_logits64(a_mid, y_mid).float()[None].repeat(2, 1),
            "a 2-D batch",
            "work element-wise and keep the shape of a (no sum, no mean)",
        ),
        Case(
            (a_right, y_right),
            _bce_logits64(a_right, y_right).float(),
            "logits ±30, both right (the loss is ≈ 1e-13)",
            overflow,
        ),
        Case(
            (a_wrong, y_wrong),
            _bce_logits64(a_wrong, y_wrong).float(),
            "logits ±200, both wrong (the loss is 200)",
            overflow,
            rtol=1e-4,
        ),
        Case(
            label="its derivative by autograd at a = ±200 (σ(a) − y = ±1)",
            expected=torch.tensor([1.0, -1.0]),
            hint="the slope of ℓ in a is σ(a) − y: " + clamp,
            call=_bce_slope_call(a_wrong, y_wrong),
        ),
    ]
    name = getattr(fn, "__name__", "bce_from_logits")
    if not name.isidentifier() or name == "<lambda>":
        name = "bce_from_logits"
    verdict = None
    try:
        verdict = check_function(name, fn, cases, hint=overflow, quiet=True)
    except ExerciseFailed as failed:
        message = str(failed)
        if "max abs error" in message and "±200" in message:  # finite but capped
            message = message.replace(overflow, clamp)
        verdict = Verdict(name, FAILED, message)
        _emit(verdict, False)
        raise ExerciseFailed(message) from None
    _emit(verdict, False)
    return verdict


# --- pen-and-paper answers typed as formulas ---------------------------------------------------


def check_sigma_prime_formula(fn) -> Verdict:
    """Exam track: σ'(a) written as a formula of a (e.g. in terms of ``sigma(a)``)."""
    mistakes = [
        (
            "-exp(-a)/(1+exp(-a))**2",
            "the sign: d/da (1 + e^(−a))^(−1) = −(1 + e^(−a))^(−2)·(−e^(−a)); the two minus "
            "signs cancel, so σ' > 0 (σ is increasing)",
        ),
        ("1-sigma(a)", "that is e^(−a)/(1 + e^(−a)) = 1 − σ(a): one factor σ(a) is missing"),
        ("sigma(a)*(1+sigma(a))", "the sign inside: σ'(a) = σ(a)(1 − σ(a)), at most 1/4"),
        ("exp(-a)/(1+exp(-a))", "that is 1 − σ(a): the square of (1 + e^(−a)) is missing"),
    ]
    hint = (
        "write σ(a) = (1 + e^(−a))^(−1), differentiate with the chain rule, then split "
        "e^(−a)/(1 + e^(−a))² into σ(a)·e^(−a)/(1 + e^(−a)) = σ(a)(1 − σ(a))"
    )
    return check_formula(
        "sigma_prime_formula",
        fn,
        "sigma(a)*(1-sigma(a))",
        "a",
        hint=hint,
        mistakes=mistakes,
    )


def check_bce_slope_formula(fn) -> Verdict:
    """Exam track: ∂ℓ/∂a for ℓ = −y ln σ(a) − (1 − y) ln(1 − σ(a)), a formula of a and y."""
    mistakes = [
        (
            "y-sigma(a)",
            "the sign: ℓ decreases when a moves towards the label, so ∂ℓ/∂a < 0 when "
            "y = 1; the derivative is ŷ − y, not y − ŷ",
        ),
        (
            "(sigma(a)-y)*sigma(a)*(1-sigma(a))",
            "a factor σ'(a) too many: (σ(a) − y)σ'(a) is the slope of the squared loss "
            "(σ(a) − y)²/2. For the BCE the σ'(a) = σ(1 − σ) cancels the 1/σ and 1/(1 − σ) of "
            "the logs",
        ),
        (
            "-y/sigma(a) + (1-y)/(1-sigma(a))",
            "that is ∂ℓ/∂ŷ, the slope in ŷ = σ(a); multiply by ∂ŷ/∂a = σ(a)(1 − σ(a))",
        ),
    ]
    hint = (
        "∂ℓ/∂a = ∂ℓ/∂ŷ · σ'(a) with ∂ℓ/∂ŷ = −y/ŷ + (1 − y)/(1 − ŷ) and σ'(a) = ŷ(1 − ŷ); "
        "expand and simplify"
    )
    return check_formula(
        "bce_slope_formula",
        fn,
        "sigma(a) - y",
        "a, y",
        hint=hint,
        mistakes=mistakes,
    )


def check_mle_bce_formula(fn) -> Verdict:
    """Exam track: −ln P(Y = y | X = x) for the model P(Y = 1 | x) = σ(a), one formula of a and
    y, judged at y = 0 and at y = 1 (the labels it must hold for)."""
    name = "mle_bce_formula"
    mistakes = [
        (
            "y*ln(sigma(a)) + (1-y)*ln(1-sigma(a))",
            "that is the log-likelihood ln P(Y = y | x); the loss to minimise is minus it",
        ),
        (
            "-ln(sigma(a))",
            "one formula for both labels: at y = 0 the probability of the label is 1 − σ(a); "
            "write P(Y = y | x) = σ(a)^y (1 − σ(a))^(1 − y), then take −ln",
        ),
    ]
    hint = (
        "P(Y = y | x) = σ(a)^y (1 − σ(a))^(1 − y) for y ∈ {0, 1}; −ln turns the product into "
        "−y ln σ(a) − (1 − y) ln(1 − σ(a))"
    )
    expected = "-y*ln(sigma(a)) - (1-y)*ln(1-sigma(a))"
    try:
        answer = fn()
    except NotImplementedError:
        return check_formula(name, fn, expected, "a, y")  # prints the ⏳ verdict
    except Exception as exc:  # noqa: BLE001 - the student's error is a verdict
        answer, problem = None, f"your function raised {type(exc).__name__}: {exc}"
    else:
        problem = f"expected the formula as a string, got {type(answer).__name__}"
    if isinstance(answer, str):
        problem = None
        for label in (1, 0):
            # y is a number here: the formula must hold at y = 0 and at y = 1, not for every y.
            at = {"y": label}
            problem = compare_formulas(answer, expected, "a", functions=at)
            if problem is not None:
                problem = problem.replace("differs at", f"at y = {label}, differs at")
                for wrong, why in mistakes:
                    if compare_formulas(answer, wrong, "a", functions=at) is None:
                        hint = why
                        break
                break
    if problem is None:
        verdict = Verdict(name, PASSED, f"✅ {name}: equivalent to the expected formula.")
        _emit(verdict, False)
        return verdict
    verdict = Verdict(name, FAILED, f"❌ {name}: {problem}.\n   hint: {hint}")
    _emit(verdict, False)
    raise ExerciseFailed(verdict.message)
