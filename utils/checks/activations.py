"""Checks for the exercises of notebook 05 (activation functions and softmax)."""

from __future__ import annotations

from functools import cache

import torch

from utils.checks._core import Case, Mistake, Verdict, check_function
from utils.checks.formulas import check_formula

__all__ = [
    "check_ce_gradient_formula",
    "check_leaky_relu",
    "check_softmax_jacobian_entry",
    "check_stable_softmax",
]

_TORCH_OPS = (
    "build the result from torch operations only (no .item(), .tolist(), .numpy(), no in-place "
    "change of the input), so that autograd can differentiate it"
)


LEAKY_FORMULA = Mistake(
    "leaky_relu.formula", "ε x + (1 − ε) max(0, x) is x for x ≥ 0 and ε x for x < 0"
)
LEAKY_EPS = Mistake("leaky_relu.fixed_eps", "use the argument eps, not a fixed 0.01")
LEAKY_SHAPE = Mistake(
    "leaky_relu.elementwise",
    "work element-wise and keep the input's shape (torch.clamp, torch.maximum or "
    "torch.where; no loop over a first dimension)",
)
LEAKY_TORCH_OPS = Mistake("leaky_relu.torch_ops", _TORCH_OPS)


def _leaky(x: torch.Tensor, eps: float) -> torch.Tensor:
    return eps * x + (1 - eps) * x.clamp(min=0)


def _leaky_slope_call(x: torch.Tensor, eps: float):
    def call(fn):
        t = x.clone().requires_grad_(True)
        (slope,) = torch.autograd.grad(fn(t, eps=eps).sum(), t)
        return slope

    return call


def check_leaky_relu(fn) -> Verdict:
    """Exercise 5.1: the leaky ReLU ``fn(x, eps=0.01) = ε x + (1 − ε) max(0, x)``, element-wise."""
    x = torch.tensor([-2.0, -0.5, 0.0, 0.5, 3.0])
    x2 = torch.tensor([[-1.0, 2.0, -3.0], [4.0, -5.0, 0.0]])
    both = LEAKY_FORMULA
    cases = [
        Case((x,), _leaky(x, 0.01), "default ε = 0.01", both),
        Case((x,), _leaky(x, 0.2), "ε = 0.2", LEAKY_EPS, {"eps": 0.2}),
        Case((x,), _leaky(x, 0.0), "ε = 0 is the ReLU", both, {"eps": 0.0}),
        Case((x,), x.clone(), "ε = 1 is the identity", both, {"eps": 1.0}),
        Case(
            (x2,),
            _leaky(x2, 0.1),
            "a 2-D input",
            LEAKY_SHAPE,
            {"eps": 0.1},
        ),
        Case(
            label="its derivative, by autograd: ε for x < 0, 1 for x > 0",
            expected=torch.tensor([0.1, 0.1, 1.0, 1.0]),
            hint=LEAKY_TORCH_OPS,
            call=_leaky_slope_call(torch.tensor([-2.0, -0.5, 0.5, 3.0]), 0.1),
        ),
    ]
    return check_function("leaky_relu", fn, cases, hint=both.hint)


def _softmax_jacobian_row_call(a: torch.Tensor):
    def call(fn):
        t = a.clone().requires_grad_(True)
        (row,) = torch.autograd.grad(fn(t)[0], t)
        return row

    return call


SOFTMAX_FORMULA = Mistake("stable_softmax.formula", "softmax(a)_j = exp(a_j) / Σ_k exp(a_k)")
SOFTMAX_TIES = Mistake("stable_softmax.ties", "equal logits get equal probabilities, 1/K each")
SOFTMAX_PER_ROW = Mistake(
    "stable_softmax.rows",
    "normalise each row separately: sum along the last dimension, "
    "a.sum(dim=-1, keepdim=True), so that every row sums to 1",
)
SOFTMAX_OVERFLOW = Mistake(
    "stable_softmax.overflow",
    "exp(1000) overflows to inf (exp(−1000) underflows to 0) in float32, and inf / inf or "
    "0 / 0 is NaN: subtract the maximum before exponentiating",
)
SOFTMAX_LARGE_LOGITS = Mistake(
    "stable_softmax.large_logits",
    "equal logits, however large, get equal probabilities, and a logit far above the others "
    "takes all of it: the result must not depend on adding a constant to every logit",
)
SOFTMAX_ROW_MAXIMUM = Mistake(
    "stable_softmax.global_maximum",
    "subtract the maximum of each row, a.max(dim=-1, keepdim=True).values, "
    "not the maximum of the whole tensor",
)
SOFTMAX_GRADIENT = Mistake("stable_softmax.torch_ops", _TORCH_OPS)


def _explain_scales(received):
    """Rows [1000, 999] and [−5, 5]: NaN in the second row only is a global maximum subtracted
    (exp(−1005) / exp(−995) are 0 / 0); NaN in the first row is an overflow."""
    got = torch.as_tensor(received).detach()
    if got.shape != (2, 2) or not got.is_floating_point():
        return None
    bad = ~torch.isfinite(got)
    if bad[1].any() and not bad[0].any():
        return SOFTMAX_ROW_MAXIMUM
    return SOFTMAX_OVERFLOW if bad.any() else SOFTMAX_LARGE_LOGITS


def _explain_large_logits(received):
    """The overflow hint only when the result overflowed (inf or NaN)."""
    got = torch.as_tensor(received).detach()
    if got.is_floating_point() and not torch.isfinite(got).all():
        return SOFTMAX_OVERFLOW
    return SOFTMAX_LARGE_LOGITS


def check_stable_softmax(fn) -> Verdict:
    """Exercise 5.2: a numerically stable softmax along the last dimension, ``fn(a)``.

    The reference is computed in float64. For logits of size 1000 the tolerance is what float32
    rounding allows a right method (the spacing of float32 numbers near 1000 is 6e-5: exp(a −
    logsumexp(a)) is off by about 1.5e-5 there), and much less than any mistake gives."""
    a_grad = torch.tensor([0.5, 1.0, -2.0])
    t = a_grad.clone().requires_grad_(True)
    (jacobian_row,) = torch.autograd.grad(torch.softmax(t, -1)[0], t)

    def case(logits, label, hint, large=False):
        a = torch.tensor(logits)
        expected = torch.softmax(a.double(), -1).float()
        if large:
            return Case(
                (a,), expected, label, hint, atol=1e-6, rtol=2e-4, explain=_explain_large_logits
            )
        return Case((a,), expected, label, hint)

    cases = [
        case([1.0, 2.0, 3.0], "logits [1, 2, 3]", SOFTMAX_FORMULA),
        case([0.0, 0.0, 0.0, 0.0], "ties: four equal logits", SOFTMAX_TIES),
        case([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]], "a batch of two rows", SOFTMAX_PER_ROW),
        case([1000.0, 1000.0], "logits [1000, 1000]", SOFTMAX_OVERFLOW, large=True),
        case([-1000.0, -1000.0], "logits [-1000, -1000]", SOFTMAX_OVERFLOW, large=True),
        case([1000.0, 0.0, -1000.0], "logits [1000, 0, -1000]", SOFTMAX_OVERFLOW, large=True),
        case(
            [[1000.0, 999.0], [-5.0, 5.0]],
            "rows on very different scales",
            SOFTMAX_ROW_MAXIMUM,
            large=True,
        ),
        Case(
            label="its gradient, by autograd (∂softmax(a)_1/∂a)",
            expected=jacobian_row,
            hint=SOFTMAX_GRADIENT,
            call=_softmax_jacobian_row_call(a_grad),
        ),
    ]
    cases[6].explain = _explain_scales
    return check_function(
        "stable_softmax",
        fn,
        cases,
        hint="exp(a − max a) / Σ exp(a − max a), along the last dimension",
    )


# --- pen-and-paper answers typed as formulas (K = 3 logits a1, a2, a3) -------------------------

_VARIABLES = "a1, a2, a3"


@cache
def _softmax_names() -> dict:
    """s1, s2, s3: shorthands for softmax(a)_1, softmax(a)_2, softmax(a)_3 in an answer (SymPy is
    imported on the first formula check, not with `utils.checks`)."""
    import sympy

    a = sympy.symbols(_VARIABLES, real=True)
    denominator = sum(sympy.exp(a_k) for a_k in a)
    return {f"s{j + 1}": sympy.exp(a_j) / denominator for j, a_j in enumerate(a)}


CE_GRADIENT_MISTAKES = [
    Mistake(
        "ce_gradient_formula.sign",
        "the sign: raising the true class's logit lowers the loss, so ∂ℓ/∂a_1 < 0",
        wrong="1 - s1",
    ),
    Mistake(
        "ce_gradient_formula.slope_in_s1",
        "that is ∂ℓ/∂s_1; the chain rule goes on through s_1 = softmax(a)_1, which depends on "
        "a_1: multiply by ∂s_1/∂a_1",
        wrong="-1/s1",
    ),
    Mistake(
        "ce_gradient_formula.softmax_slope",
        "that is ∂s_1/∂a_1, the softmax's slope; the loss is −ln s_1",
        wrong="s1*(1 - s1)",
    ),
    Mistake(
        "ce_gradient_formula.wrong_class",
        "that is the answer for a class j that is not the true one; here class 1 is true, and "
        "−a_1 in −ln s_1 adds a term",
        wrong="s1",
    ),
]


def check_ce_gradient_formula(fn) -> Verdict:
    """Exam track: ∂ℓ/∂a_1 for ℓ = −ln softmax(a)_y with K = 3 and the true class y = 1, as a
    formula of a1, a2, a3 (``s1``, ``s2``, ``s3`` stand for the softmax's outputs)."""
    hint = (
        "−ln s_1 = −a_1 + ln(e^a1 + e^a2 + e^a3): differentiate both terms in a_1, then write the "
        "result with s_1"
    )
    return check_formula(
        "ce_gradient_formula",
        fn,
        "s1 - 1",
        _VARIABLES,
        functions=_softmax_names(),
        hint=hint,
        mistakes=CE_GRADIENT_MISTAKES,
    )


SOFTMAX_JACOBIAN_MISTAKES = [
    Mistake(
        "softmax_jacobian_entry.sign",
        "the sign: raising a_2 takes probability away from class 1, so ∂s_1/∂a_2 < 0",
        wrong="s1*s2",
    ),
    Mistake(
        "softmax_jacobian_entry.diagonal",
        "that is the diagonal entry ∂s_1/∂a_1; a_2 appears only in the sum",
        wrong="s1*(1 - s1)",
    ),
    Mistake(
        "softmax_jacobian_entry.zero",
        "s_1 depends on a_2 through the normalising sum e^a1 + e^a2 + e^a3",
        wrong="0",
    ),
    Mistake(
        "softmax_jacobian_entry.factor_missing",
        "a factor is missing: e^a1 stays in the numerator while (Σ_k e^ak)^(−1) is "
        "differentiated in a_2 (chain rule); then write both fractions with s_1 and s_2",
        wrong="-s2",
    ),
]


def check_softmax_jacobian_entry(fn) -> Verdict:
    """Exam track: the off-diagonal entry ∂s_1/∂a_2 of the softmax's Jacobian (K = 3), as a
    formula of a1, a2, a3 (``s1``, ``s2``, ``s3`` stand for the softmax's outputs)."""
    hint = (
        "s_1 = e^a1 / Σ_k e^ak; only the denominator depends on a_2: differentiate "
        "(Σ_k e^ak)^(−1) in a_2 with the chain rule, then write the result with s_1 and s_2"
    )
    return check_formula(
        "softmax_jacobian_entry",
        fn,
        "-s1*s2",
        _VARIABLES,
        functions=_softmax_names(),
        hint=hint,
        mistakes=SOFTMAX_JACOBIAN_MISTAKES,
    )
