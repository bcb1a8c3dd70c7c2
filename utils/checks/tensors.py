"""Checks for the exercises of notebooks 00 (tensors) and 00b (autograd and graphs)."""

from __future__ import annotations

import torch

from utils.checks._core import Case, Mistake, Named, Verdict, check_function
from utils.checks.formulas import check_formula

__all__ = [
    "check_standardize",
    "check_relu_unit_grad",
    "check_autograd_derivative",
    "check_series_grad_formula",
]


STANDARDIZE_CONSTANT = Mistake(
    "standardize.constant_column",
    "a column whose standard deviation is 0 cannot be divided by it: leave it at 0",
)
RELU_GRAD_KINK = Mistake(
    "relu_unit_grad.kink", "PyTorch takes the derivative of max(t, 0) at t = 0 to be 0"
)
RELU_GRAD_RULE = Mistake(
    "relu_unit_grad.rule", "∂f/∂w = x·1{w·x + b > 0} and ∂f/∂b = 1{w·x + b > 0}"
)
AUTOGRAD_CALLERS_TENSOR = Mistake(
    "autograd_derivative.callers_tensor",
    "your function changed the caller's x: x.requires_grad_() acts on the caller's "
    "own tensor, and backward() leaves a .grad on it: work on a copy of x that "
    "records operations",
)
AUTOGRAD_NOT_A_LEAF = Mistake(
    "autograd_derivative.clone_not_leaf",
    "x.clone() of a tensor that requires grad is not a leaf of the graph, so "
    "backward() fills no .grad on it: call .detach() before .clone()",
)


def _standardize(x: torch.Tensor) -> torch.Tensor:
    centred = x - x.mean(dim=0)
    std = x.std(dim=0, unbiased=False)
    return centred / torch.where(std > 0, std, torch.ones_like(std))


def check_standardize(fn) -> Verdict:
    """Exercise 0.1: each column to mean 0 and standard deviation 1 (constant columns to 0)."""
    g = torch.Generator().manual_seed(0)
    wide = torch.randn(50, 3, generator=g) * torch.tensor([1.0, 10.0, 0.1]) + torch.tensor(
        [5.0, -2.0, 0.0]
    )
    constant = torch.cat([torch.randn(6, 1, generator=g), torch.full((6, 1), 7.0)], dim=1)
    cases = [
        Case(
            (torch.tensor([[1.0, 2.0], [3.0, 6.0]]),),
            _standardize(torch.tensor([[1.0, 2.0], [3.0, 6.0]])),
            "two rows",
        ),
        Case((wide,), _standardize(wide), "columns on very different scales", atol=1e-5),
        Case(
            (constant,),
            _standardize(constant),
            "a constant column",
            hint=STANDARDIZE_CONSTANT,
        ),
    ]
    return check_function(
        "standardize",
        fn,
        cases,
        hint="use x.mean(dim=0) and x.std(dim=0, unbiased=False); broadcasting does the rest",
    )


def _relu_unit_grad(
    w: torch.Tensor, b: torch.Tensor, x: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    active = (w * x + b > 0).to(x.dtype)
    return active * x, active


def check_relu_unit_grad(fn) -> Verdict:
    """Exercise 0b.1: the gradient of f = max(w·x + b, 0) with respect to w and b, by hand."""
    cases = []
    for w, b, x, label in [
        (2.0, 1.0, 3.0, "active unit (w·x + b > 0)"),
        (-2.0, 1.0, 3.0, "inactive unit (w·x + b < 0)"),
        (1.0, -3.0, 3.0, "exactly at the kink (w·x + b = 0)"),
        (0.5, 0.0, -4.0, "negative input, inactive"),
    ]:
        w_, b_, x_ = torch.tensor(w), torch.tensor(b), torch.tensor(x)
        hint = RELU_GRAD_KINK if "kink" in label else RELU_GRAD_RULE
        cases.append(Case((w_, b_, x_), _relu_unit_grad(w_, b_, x_), label, hint=hint))
    return check_function("relu_unit_grad", fn, cases)


def _what_changed(fn) -> str:
    """Call ``fn(torch.sin, x)`` on a tensor of the caller's and say what it did to that tensor."""
    x = torch.linspace(-1.0, 1.0, 5)
    before = x.clone()
    fn(Named(torch.sin, "sin"), x)
    changes = []
    if x.requires_grad:
        changes.append("x.requires_grad switched on")
    if x.grad is not None:
        changes.append("a .grad left on x")
    if not torch.equal(x.detach(), before):
        changes.append("the values of x changed")
    return ", ".join(changes) if changes else "x untouched"


def check_autograd_derivative(fn) -> Verdict:
    """Exercise 0b.2: the derivative f'(x) at many points, computed by autograd, on a copy of x."""
    x = torch.linspace(-2.0, 2.0, 9)
    leaf = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
    copy_hint = (
        "work on a copy that records operations: x.detach().clone().requires_grad_(), "
        "call f on it, then .sum().backward() and return the copy's .grad"
    )
    cases = [
        Case((Named(torch.sin, "sin"), x), torch.cos(x), "f = sin", atol=1e-6),
        Case((Named(lambda t: t**3, "x³"), x), 3 * x**2, "f = x³", atol=1e-5),
        Case((Named(torch.exp, "exp"), torch.tensor([0.0])), torch.tensor([1.0]), "a single point"),
        Case(
            (Named(lambda t: torch.relu(t) * 2.0, "2·max(x, 0)"), torch.tensor([-1.0, 0.0, 1.0])),
            torch.tensor([0.0, 0.0, 2.0]),
            "f = 2·max(x, 0), with the kink",
        ),
        Case(
            call=_what_changed,
            expected="x untouched",
            label="the caller's tensor afterwards",
            hint=AUTOGRAD_CALLERS_TENSOR,
        ),
        Case(
            (Named(torch.log, "ln"), leaf),
            1 / leaf.detach(),
            "an x that already requires grad",
            hint=AUTOGRAD_NOT_A_LEAF,
        ),
    ]
    return check_function("autograd_derivative", fn, cases, hint=copy_hint)


_U = "((x - 1)/(x + 1))"
SERIES_GRAD_MISTAKES = [
    Mistake(
        "series_grad_formula.dg_du_only",
        "that is dg/du: the chain rule multiplies it by du/dx",
        wrong=f"2*(1 + {_U}**2)",
    ),
    Mistake(
        "series_grad_formula.du_dx_sign",
        "the sign of du/dx: by the quotient rule its numerator is (x + 1) − (x − 1), which is "
        "positive",
        wrong=f"-4*(1 + {_U}**2)/(x + 1)**2",
    ),
    Mistake(
        "series_grad_formula.whole_series",
        "1/x is the derivative of ln x, the whole series; two terms give the derivative of "
        "2u + (2/3)u³ only",
        wrong="1/x",
    ),
    Mistake(
        "series_grad_formula.factor_two",
        "a factor 2 is missing: check du/dx with the quotient rule, and dg/du term by term",
        wrong=f"2*(1 + {_U}**2)/(x + 1)**2",
    ),
]


def check_series_grad_formula(fn) -> Verdict:
    """Exam 0b.1: g'(x) for the two-term series g(x) = 2u + (2/3)u³ with u = (x − 1)/(x + 1)."""
    hint = (
        "g'(x) = (dg/du)·(du/dx): differentiate 2u + (2/3)u³ in u, and u = (x − 1)/(x + 1) in x "
        "with the quotient rule"
    )
    return check_formula(
        "series_grad_formula",
        fn,
        f"4*(1 + {_U}**2)/(x + 1)**2",
        "x",
        positive=True,
        hint=hint,
        mistakes=SERIES_GRAD_MISTAKES,
    )
