"""The graded lab's hidden tests: reference solutions of its four tasks and the cases the
instructor's checker adds to the students' self-checks (course source only, never published).

Data in, data out (see docs/publishing.md): a hidden case is a task name and plain inputs
(tensors, floats, ints, lists); the student's function runs on them in the checker's sandbox
through `utils.checks.lab.run_task`, which returns plain data; `judge` compares that data with
the reference here, in a process that never loaded student code.

- `hidden_cases()`: the cases, a list of `HiddenCase(task, label, inputs)`, deterministic;
- `judge(case, output) -> (ok, message)`: the verdict on one output;
- `run_hidden(namespace)`: both in one process (for the course's own tests and a quick look);
- `REFERENCES`: task name -> reference function (the complete edition's tasks, data in/out).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from utils.checks.lab import GRADED_TASKS, build_network, run_task

__all__ = [
    "REFERENCES",
    "HiddenCase",
    "hidden_cases",
    "judge",
    "log_odds_coefficients",
    "quadratic_features",
    "run_hidden",
    "test_risk",
    "train_classifier",
]


# -- reference solutions ------------------------------------------------------------------------


def log_odds_coefficients(priors, means, covariances):
    """(A, b, c), float64, A symmetric: ln P(Y=1|x)/P(Y=0|x) = xᵀAx + bᵀx + c."""
    p0, p1 = torch.as_tensor(priors, dtype=torch.float64)
    m0, m1 = torch.as_tensor(means, dtype=torch.float64)
    s0, s1 = torch.as_tensor(covariances, dtype=torch.float64)
    i0, i1 = torch.linalg.inv(s0), torch.linalg.inv(s1)
    a = -0.5 * (i1 - i0)
    b = i1 @ m1 - i0 @ m0
    c = -0.5 * m1 @ i1 @ m1 + 0.5 * m0 @ i0 @ m0 - 0.5 * torch.logdet(s1) + 0.5 * torch.logdet(s0)
    return (a + a.T) / 2, b, c + math.log(p1 / p0)


def quadratic_features(x: torch.Tensor) -> torch.Tensor:
    """(n, 2) -> (n, 5): x₁, x₂, x₁², x₂², x₁·x₂."""
    return torch.cat([x, x**2, x[:, :1] * x[:, 1:2]], dim=1)


def test_risk(predict_fn, x, y) -> tuple[float, float]:
    """(risk, binomial standard error) of predict_fn on (x, y)."""
    errors = (predict_fn(x).reshape(-1) != y).to(torch.float64)
    p = errors.mean().item()
    return p, math.sqrt(p * (1 - p) / errors.numel())


def train_classifier(net, x, y, steps, lr) -> list[float]:
    """Full-batch Adam on BCEWithLogitsLoss(net(x).reshape(-1), y.float()); the losses."""
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(net(x).reshape(-1), y.float())
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


REFERENCES = {
    "log_odds_coefficients": log_odds_coefficients,
    "quadratic_features": quadratic_features,
    "test_risk": test_risk,
    "train_classifier": train_classifier,
}
assert tuple(REFERENCES) == GRADED_TASKS


# -- hidden cases -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HiddenCase:
    """One hidden case: the task, what it is about, and its plain inputs (see `run_task`)."""

    task: str
    label: str
    inputs: dict = field(default_factory=dict)


def _covariance(g: torch.Generator) -> torch.Tensor:
    m = torch.randn(2, 2, generator=g, dtype=torch.float64)
    return m @ m.T + 0.3 * torch.eye(2, dtype=torch.float64)


def hidden_cases(seed: int = 7) -> list[HiddenCase]:
    """The hidden cases (other inputs than the public self-checks'), the same for every call."""
    g = torch.Generator().manual_seed(seed)
    cases = []
    for k in range(3):
        p1 = 0.2 + 0.6 * torch.rand(1, generator=g, dtype=torch.float64).item()
        cases.append(
            HiddenCase(
                "log_odds_coefficients",
                f"random Gaussian classes {k + 1}",
                {
                    "priors": torch.tensor([1 - p1, p1], dtype=torch.float64),
                    "means": torch.randn(2, 2, generator=g, dtype=torch.float64),
                    "covariances": torch.stack([_covariance(g), _covariance(g)]),
                },
            )
        )
    for dtype in (torch.float32, torch.float64):
        x = torch.randn(7, 2, generator=g).to(dtype)
        cases.append(HiddenCase("quadratic_features", f"7 points, {dtype}", {"x": x}))
    for n in (9, 40):
        x = torch.randn(n, 2, generator=g)
        y = torch.randint(0, 2, (n,), generator=g)
        predictions = torch.randint(0, 2, (n,), generator=g)
        cases.append(
            HiddenCase("test_risk", f"{n} points", {"predictions": predictions, "x": x, "y": y})
        )
    for copies, width, steps in ((1, 5, 7), (3, 4, 12)):
        sizes = [2, width, 1]
        x = torch.randn(copies, 30, 2, generator=g)
        y = (x[..., 0] + x[..., 1] ** 2 > 0.5).long().reshape(-1)
        weights = [
            0.5 * torch.randn(copies, i, o, generator=g)
            for i, o in zip(sizes, sizes[1:], strict=False)
        ]
        biases = [0.1 * torch.randn(copies, 1, o, generator=g) for o in sizes[1:]]
        cases.append(
            HiddenCase(
                "train_classifier",
                f"{copies} cop{'y' if copies == 1 else 'ies'}, width {width}, {steps} steps",
                {
                    "sizes": sizes,
                    "weights": weights,
                    "biases": biases,
                    "x": x,
                    "y": y,
                    "steps": steps,
                    "lr": 0.02,
                },
            )
        )
    return cases


def _close(got, want, atol=1e-6, rtol=1e-5) -> bool:
    try:
        got = torch.as_tensor(got, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        return False
    want = torch.as_tensor(want, dtype=torch.float64)
    return got.shape == want.shape and torch.allclose(got, want, atol=atol, rtol=rtol)


def judge(case: HiddenCase, output) -> tuple[bool, str]:
    """(ok, message) for the plain ``output`` of `run_task` on ``case``; never raises."""
    try:
        return _judge(case, output)
    except Exception as exc:  # noqa: BLE001 - an odd output is a verdict, not a crash
        return False, f"{case.task} ({case.label}): the output could not be judged ({exc})"


def _judge(case: HiddenCase, output) -> tuple[bool, str]:
    where = f"{case.task} ({case.label})"
    if isinstance(output, dict) and "error" in output:
        return False, f"{where}: {output['error']}"
    inputs = case.inputs
    if case.task == "log_odds_coefficients":
        want = log_odds_coefficients(inputs["priors"], inputs["means"], inputs["covariances"])
        if not isinstance(output, list | tuple) or len(output) != 3:
            return False, f"{where}: not three values (A, b, c)"
        a = torch.as_tensor(output[0], dtype=torch.float64)
        wrong = [
            name
            for name, got, ref in zip(
                "Abc", ((a + a.T) / 2, output[1], output[2]), want, strict=True
            )
            if not _close(got, ref)
        ]
        return (not wrong), f"{where}: " + (f"{', '.join(wrong)} wrong" if wrong else "right")
    if case.task == "quadratic_features":
        ok = _close(output, quadratic_features(inputs["x"].to(torch.float64)))
        return ok, f"{where}: " + ("right" if ok else "wrong columns")
    if case.task == "test_risk":
        predictions = inputs["predictions"]
        risk, se = test_risk(lambda _x: predictions, inputs["x"], inputs["y"])
        n = len(inputs["y"])
        ok = isinstance(output, list | tuple) and len(output) == 2 and _close(output[0], risk)
        ok = ok and (_close(output[1], se) or _close(output[1], se * math.sqrt(n / (n - 1))))
        return ok, f"{where}: " + ("right" if ok else "wrong risk or standard error")
    if case.task == "train_classifier":
        net = build_network(inputs["sizes"], inputs["weights"], inputs["biases"])
        losses = train_classifier(net, inputs["x"], inputs["y"], inputs["steps"], inputs["lr"])
        if not isinstance(output, dict):
            return False, f"{where}: no losses and weights"
        ok = _close(output.get("losses"), losses, atol=1e-5, rtol=1e-4)
        trained = [p.detach() for p in (*net.weights, *net.biases)]
        got = list(output.get("weights", [])) + list(output.get("biases", []))
        ok = ok and len(got) == len(trained)
        ok = ok and all(
            _close(a, b, atol=1e-5, rtol=1e-4) for a, b in zip(got, trained, strict=False)
        )
        return ok, f"{where}: " + ("right" if ok else "wrong losses or trained weights")
    return False, f"{where}: unknown task"


def run_hidden(namespace: dict) -> list[tuple[str, str, bool, str]]:
    """Every hidden case on the functions of ``namespace`` (task name -> function), in this
    process: (task, label, ok, message) per case. The checker runs `run_task` in its sandbox."""
    rows = []
    for case in hidden_cases():
        fn = namespace.get(case.task)
        if not callable(fn):
            rows.append((case.task, case.label, False, f"{case.task}: not defined"))
            continue
        ok, message = judge(case, run_task(case.task, fn, case.inputs))
        rows.append((case.task, case.label, ok, message))
    return rows
