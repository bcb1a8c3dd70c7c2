"""Checks for the exercises of notebook 05 (activation functions and softmax)."""

from __future__ import annotations

from functools import cache

import torch

from utils.checks._core import Case, Verdict, check_function
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
    both = "ε x + (1 − ε) max(0, x) is x for x ≥ 0 and ε x for x < 0"
    cases = [
        Case((x,), _leaky(x, 0.01), "default ε = 0.01", both),
        Case(
            (x,), _leaky(x, 0.2), "ε = 0.2", "use the argument eps, not a fixed 0.01", {"eps": 0.2}
        ),
        Case((x,), _leaky(x, 0.0), "ε = 0 is the ReLU", both, {"eps": 0.0}),
        Case((x,), x.clone(), "ε = 1 is the identity", both, {"eps": 1.0}),
        Case(
            (x2,),
            _leaky(x2, 0.1),
            "a 2-D input",
            "work element-wise and keep the input's shape (torch.clamp, torch.maximum or "
            "torch.where; no loop over a first dimension)",
            {"eps": 0.1},
        ),
        Case(
            label="its derivative, by autograd: ε for x < 0, 1 for x > 0",
            expected=torch.tensor([0.1, 0.1, 1.0, 1.0]),
            hint=_TORCH_OPS,
            call=_leaky_slope_call(torch.tensor([-2.0, -0.5, 0.5, 3.0]), 0.1),
        ),
    ]
    return check_function("leaky_relu", fn, cases, hint=both)


def _softmax_jacobian_row_call(a: torch.Tensor):
    def call(fn):
        t = a.clone().requires_grad_(True)
        (row,) = torch.autograd.grad(fn(t)[0], t)
        return row

    return call


def check_stable_softmax(fn) -> Verdict:
    """Exercise 5.2: a numerically stable softmax along the last dimension, ``fn(a)``."""
    a_grad = torch.tensor([0.5, 1.0, -2.0])
    t = a_grad.clone().requires_grad_(True)
    (jacobian_row,) = torch.autograd.grad(torch.softmax(t, -1)[0], t)
    cases = [
        Case(
            (torch.tensor([1.0, 2.0, 3.0]),),
            torch.softmax(torch.tensor([1.0, 2.0, 3.0]), -1),
            "logits [1, 2, 3]",
            "softmax(a)_j = exp(a_j) / Σ_k exp(a_k)",
        ),
        Case(
            (torch.zeros(4),),
            torch.full((4,), 0.25),
            "ties: four equal logits",
            "equal logits get equal probabilities, 1/K each",
        ),
        Case(
            (torch.tensor([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]),),
            torch.softmax(torch.tensor([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]), -1),
            "a batch of two rows",
            "normalise each row separately: sum along the last dimension, "
            "a.sum(dim=-1, keepdim=True), so that every row sums to 1",
        ),
        Case(
            (torch.tensor([1000.0, 1000.0]),),
            torch.tensor([0.5, 0.5]),
            "logits [1000, 1000]",
            "for logits [1000, 1000] the answer is [0.5, 0.5], but exp(1000) overflows to inf and "
            "inf / inf = NaN: subtract the maximum before exponentiating",
        ),
        Case(
            (torch.tensor([-1000.0, -1000.0]),),
            torch.tensor([0.5, 0.5]),
            "logits [-1000, -1000]",
            "exp(-1000) underflows to 0 and 0 / 0 = NaN: subtracting the maximum (here -1000) "
            "fixes this too",
        ),
        Case(
            (torch.tensor([1000.0, 0.0, -1000.0]),),
            torch.tensor([1.0, 0.0, 0.0]),
            "logits [1000, 0, -1000]",
            "subtract the maximum before exponentiating",
        ),
        Case(
            (torch.tensor([[1000.0, 999.0], [-5.0, 5.0]]),),
            torch.softmax(torch.tensor([[1000.0, 999.0], [-5.0, 5.0]]), -1),
            "rows on very different scales",
            "subtract the maximum of each row, a.max(dim=-1, keepdim=True).values, "
            "not the maximum of the whole tensor",
        ),
        Case(
            label="its gradient, by autograd (∂softmax(a)_1/∂a)",
            expected=jacobian_row,
            hint=_TORCH_OPS,
            call=_softmax_jacobian_row_call(a_grad),
        ),
    ]
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


def check_ce_gradient_formula(fn) -> Verdict:
    """Exam track: ∂ℓ/∂a_1 for ℓ = −ln softmax(a)_y with K = 3 and the true class y = 1, as a
    formula of a1, a2, a3 (``s1``, ``s2``, ``s3`` stand for the softmax's outputs)."""
    mistakes = [
        ("1 - s1", "the sign: raising the true class's logit lowers the loss, so ∂ℓ/∂a_1 < 0"),
        (
            "-1/s1",
            "that is ∂ℓ/∂s_1; the chain rule goes on through s_1 = softmax(a)_1, which depends on "
            "a_1: multiply by ∂s_1/∂a_1 = s_1(1 − s_1)",
        ),
        ("s1*(1 - s1)", "that is ∂s_1/∂a_1, the softmax's slope; the loss is −ln s_1"),
        ("s1", "that is the answer for a wrong class j (∂ℓ/∂a_j = s_j); here class 1 is true"),
    ]
    hint = (
        "−ln s_1 = −a_1 + ln(e^a1 + e^a2 + e^a3): differentiate both terms in a_1; the result is "
        "softmax(a) − y at coordinate 1"
    )
    return check_formula(
        "ce_gradient_formula",
        fn,
        "s1 - 1",
        _VARIABLES,
        functions=_softmax_names(),
        hint=hint,
        mistakes=mistakes,
    )


def check_softmax_jacobian_entry(fn) -> Verdict:
    """Exam track: the off-diagonal entry ∂s_1/∂a_2 of the softmax's Jacobian (K = 3), as a
    formula of a1, a2, a3 (``s1``, ``s2``, ``s3`` stand for the softmax's outputs)."""
    mistakes = [
        ("s1*s2", "the sign: raising a_2 takes probability away from class 1, so ∂s_1/∂a_2 < 0"),
        ("s1*(1 - s1)", "that is the diagonal entry ∂s_1/∂a_1; a_2 appears only in the sum"),
        ("0", "s_1 depends on a_2 through the normalising sum e^a1 + e^a2 + e^a3"),
        (
            "-s2",
            "a factor s_1 is missing: differentiate e^a1 · (Σ_k e^ak)^(−1) in a_2 with the "
            "chain rule",
        ),
    ]
    hint = (
        "s_1 = e^a1 / Σ_k e^ak; only the denominator depends on a_2: "
        "∂s_1/∂a_2 = −e^a1 e^a2 / (Σ_k e^ak)²; write it with s_1 and s_2"
    )
    return check_formula(
        "softmax_jacobian_entry",
        fn,
        "-s1*s2",
        _VARIABLES,
        functions=_softmax_names(),
        hint=hint,
        mistakes=mistakes,
    )
