"""Checks for the tasks of the graded lab (notebook 07)."""

from __future__ import annotations

import copy
import math

import torch
from torch import nn

from utils.checks._core import Case, Verdict, check_function

__all__ = [
    "check_log_odds_coefficients",
    "check_quadratic_features",
    "check_test_risk",
    "check_train_classifier",
]


def _log_odds_coefficients(priors, means, covariances):
    p0, p1 = torch.as_tensor(priors, dtype=torch.float64)
    m0, m1 = torch.as_tensor(means, dtype=torch.float64)
    s0, s1 = torch.as_tensor(covariances, dtype=torch.float64)
    i0, i1 = torch.linalg.inv(s0), torch.linalg.inv(s1)
    a = -0.5 * (i1 - i0)
    b = i1 @ m1 - i0 @ m0
    c = (
        -0.5 * m1 @ i1 @ m1
        + 0.5 * m0 @ i0 @ m0
        - 0.5 * torch.logdet(s1)
        + 0.5 * torch.logdet(s0)
        + math.log(p1 / p0)
    )
    return a, b, c


def check_log_odds_coefficients(fn) -> Verdict:
    """Task 1: the log posterior odds of two Gaussian classes is xᵀAx + bᵀx + c."""
    shared = torch.tensor([[1.0, 0.3], [0.3, 2.0]], dtype=torch.float64)
    problems = [
        (
            torch.tensor([0.5, 0.5]),
            torch.tensor([[0.0, 0.0], [1.0, 0.5]], dtype=torch.float64),
            torch.stack(
                [
                    torch.eye(2, dtype=torch.float64) * 0.6,
                    torch.tensor([[2.5, 0.8], [0.8, 1.5]], dtype=torch.float64),
                ]
            ),
            "the lab's distribution",
            "A = −½(Σ₁⁻¹ − Σ₀⁻¹), b = Σ₁⁻¹μ₁ − Σ₀⁻¹μ₀; c collects the constants, log-determinants and ln(π₁/π₀)",
        ),
        (
            torch.tensor([0.2, 0.8]),
            torch.tensor([[1.0, -1.0], [0.0, 2.0]], dtype=torch.float64),
            torch.stack([shared, shared]),
            "shared covariance, unequal priors",
            "with Σ₀ = Σ₁ the quadratic term vanishes (A = 0), and ln(π₁/π₀) enters c",
        ),
        (
            torch.tensor([0.7, 0.3]),
            torch.tensor([[0.0, 0.0], [0.0, 0.0]], dtype=torch.float64),
            torch.stack([torch.eye(2, dtype=torch.float64), torch.eye(2, dtype=torch.float64) * 4]),
            "equal means, different spreads",
            "c includes −½ ln|Σ₁| + ½ ln|Σ₀|: the wider class has the lower density peak",
        ),
    ]
    cases = [
        Case((p, m, s), _log_odds_coefficients(p, m, s), label, hint=hint, atol=1e-8, rtol=1e-6)
        for p, m, s, label, hint in problems
    ]
    return check_function("log_odds_coefficients", fn, cases)


def _quadratic_features(x: torch.Tensor) -> torch.Tensor:
    return torch.cat([x, x**2, x[:, :1] * x[:, 1:2]], dim=1)


def check_quadratic_features(fn) -> Verdict:
    """Task 2: (x₁, x₂) ↦ (x₁, x₂, x₁², x₂², x₁x₂)."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(6, 2, generator=g)
    cases = [
        Case((torch.tensor([[1.0, 2.0]]),), torch.tensor([[1.0, 2.0, 1.0, 4.0, 2.0]]), "one point"),
        Case((x,), _quadratic_features(x), "six random points"),
        Case(
            (torch.zeros(0, 2),),
            torch.zeros(0, 5),
            "an empty batch",
            hint="work on whole columns, not row by row",
        ),
    ]
    return check_function(
        "quadratic_features",
        fn,
        cases,
        hint="the columns, in order: x₁, x₂, x₁², x₂², x₁·x₂ (torch.cat along dim=1)",
    )


def _test_risk(predict_fn, x, y):
    errors = (predict_fn(x).reshape(-1) != y).to(torch.float64)
    n = errors.numel()
    p = errors.mean().item()
    return p, math.sqrt(p * (1 - p) / n)


def check_test_risk(fn) -> Verdict:
    """Task 3: the 0-1 test risk of a classifier and its standard error."""
    x = torch.linspace(-1, 1, 8).reshape(-1, 1)
    y = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1])

    def perfect(t):
        return (t[:, 0] > 0).long()

    def always_one(t):
        return torch.ones(len(t), dtype=torch.long)

    def column(t):
        return (t > -0.5).long()  # shape (n, 1)

    cases = [
        Case(
            (perfect, x, y),
            _test_risk(perfect, x, y),
            "a perfect classifier",
            hint="no error: risk 0, standard error 0",
        ),
        Case(
            (always_one, x, y),
            _test_risk(always_one, x, y),
            "always predicting 1",
            hint="the standard error of a proportion p over n samples is √(p(1 − p)/n)",
        ),
        Case(
            (column, x, y),
            _test_risk(column, x, y),
            "predictions of shape (n, 1)",
            hint="flatten the predictions (.reshape(-1)) before comparing them with y",
        ),
    ]
    return check_function(
        "test_risk", fn, cases, hint="return (risk, standard error) as two floats"
    )


def _train_classifier(net, x, y, steps, lr):
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(net(x).reshape(-1), y.float())
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def _train_case(steps: int, width: int):
    g = torch.Generator().manual_seed(steps + width)
    x = torch.randn(40, 2, generator=g)
    y = (x[:, 0] * x[:, 1] > 0).long()
    torch.manual_seed(width)
    start = nn.Sequential(nn.Linear(2, width), nn.ReLU(), nn.Linear(width, 1))
    reference = copy.deepcopy(start)
    _train_classifier(reference, x, y, steps, 0.05)
    expected = [p.detach().clone() for p in reference.parameters()]

    def call(fn):
        net = copy.deepcopy(start)
        fn(net, x.clone(), y.clone(), steps, 0.05)
        return [p.detach().clone() for p in net.parameters()]

    return Case(
        call=call,
        expected=expected,
        label=f"{steps} step(s), hidden width {width}, labels as int64",
        hint=(
            "each step: optimizer.zero_grad(), loss = BCEWithLogitsLoss()(net(x).reshape(-1), "
            "y.float()), loss.backward(), optimizer.step(); one Adam optimizer made once, before the loop"
        ),
        atol=1e-5,
        rtol=1e-4,
    )


def check_train_classifier(fn) -> Verdict:
    """Task 4: full-batch training with Adam and the binary cross-entropy on logits."""
    return check_function(
        "train_classifier",
        fn,
        [_train_case(1, 3), _train_case(25, 8)],
        hint="compare with notebook 06's training step",
    )
