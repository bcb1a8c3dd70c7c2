"""Checks for the tasks of the graded lab (notebook 07), without any reference solution.

Each check judges the student's function by properties and stored numbers: shapes and types
that the lab's later cells need, invariants, and values at fixed inputs stored as literals
(computed once, in the course source). No function here computes a task's answer; the
instructor's checker adds hidden cases from the course source (see docs/publishing.md).

For that checker, `run_task(task, fn, inputs)` calls a task function on plain inputs and
returns plain data (data in, data out), and `build_network` makes the lab's `StackedMLP` from
plain weights.
"""

from __future__ import annotations

import math
import os

import torch

from utils.checks._core import Case, Verdict, check_function

__all__ = [
    "GRADED_TASKS",
    "ExpectationFailed",
    "build_network",
    "check_log_odds_coefficients",
    "check_quadratic_features",
    "check_test_risk",
    "check_train_classifier",
    "expect",
    "run_task",
]

#: The functions a submission of the graded lab must define (course.json's "graded" list).
GRADED_TASKS = ("log_odds_coefficients", "quadratic_features", "test_risk", "train_classifier")

# -- expectations on the outcome ----------------------------------------------------------------

STRICT_VARIABLE = "DLB_STRICT"


class ExpectationFailed(AssertionError):
    """A prediction of the lecture that the run did not confirm (raised only when strict)."""


def expect(ok, expected: str, got: str) -> None:
    """Compare an outcome of the experiment with what the lecture predicts.

    Prints ``✅ expected …: you got …`` or ``⚠️ expected …, you got …``. It never raises in your
    runs: another team, seed, device or optimiser legitimately changes the numbers, and a
    surprise is something to explain in your video, not an error. Only the course's own test
    run of the complete edition sets the environment variable ``DLB_STRICT=1``, which turns a
    failed expectation into an `ExpectationFailed` error, so that a lab whose story broke is
    caught before it reaches students.
    """
    if bool(ok):
        print(f"✅ expected {expected}: you got {got}")
    elif os.environ.get(STRICT_VARIABLE) == "1":
        raise ExpectationFailed(f"expected {expected}, got {got}")
    else:
        print(f"⚠️ expected {expected}, you got {got}: explain why in your video")


def _t(rows) -> torch.Tensor:
    return torch.tensor(rows, dtype=torch.float64)


# -- Task 1 -------------------------------------------------------------------------------------

_RIGHT = ("A: right (same quadratic form xᵀAx)", "b: right", "c: right")
_WHAT = {
    "A": "the terms of the form xᵀ(·)x",
    "b": "the terms linear in x",
    "c": "everything that does not depend on x",
}
_TYPE_HINT = (
    "return torch tensors in float64 (the next cell computes x @ A with float64 points): "
    "torch.as_tensor(…, dtype=torch.float64), not NumPy arrays or float32"
)

# (priors, means, covariances, stored (A symmetric, b, c), label, hints per wrong component).
_LOG_ODDS_CASES = [
    (
        _t([0.2, 0.8]),
        _t([[1.0, -1.0], [0.0, 2.0]]),
        _t([[[1.0, 0.3], [0.3, 2.0]], [[1.0, 0.3], [0.3, 2.0]]]),
        (_t([[0.0, 0.0], [0.0, 0.0]]), _t([-1.5183246073, 1.7277486911]), 1.2815823192),
        "shared covariance, unequal priors",
        {
            "A": "with Σ₀ = Σ₁ the quadratic terms cancel: A must be 0 here",
            "b": "b collects the terms linear in x: expand (x − μ_k)ᵀΣ_k⁻¹(x − μ_k) and keep "
            "the cross terms, with the sign of ln p(x|1) − ln p(x|0)",
            "c": "c holds the priors, as ln(π₁/π₀), and the constants of both quadratic forms",
        },
    ),
    (
        _t([0.7, 0.3]),
        _t([[0.0, 0.0], [0.0, 0.0]]),
        _t([[[1.0, 0.0], [0.0, 1.0]], [[4.0, 0.0], [0.0, 4.0]]]),
        (_t([[0.375, 0.0], [0.0, 0.375]]), _t([0.0, 0.0]), -2.2335922215),
        "equal means, different spreads",
        {
            "A": "A = −½(Σ₁⁻¹ − Σ₀⁻¹)-type terms: check the ½ and which inverse comes with "
            "which sign (class 1 minus class 0)",
            "b": "with both means at 0 nothing is linear in x: b must be 0 here",
            "c": "c also holds the densities' normalising constants: the −½ ln|Σ_k| terms do "
            "not cancel when the covariances differ",
        },
    ),
    (
        _t([0.5, 0.5]),
        _t([[0.0, 0.0], [1.0, 0.5]]),
        _t([[[0.6, 0.0], [0.0, 0.6]], [[2.5, 0.8], [0.8, 1.5]]]),
        (
            _t([[0.5921757771, 0.1286173633], [0.1286173633, 0.4314040729]]),
            _t([0.3536977492, 0.1446945338]),
            -1.2911594949,
        ),
        "equal priors, unequal covariances",
        {
            "A": "A: the quadratic terms of −½(x − μ₁)ᵀΣ₁⁻¹(x − μ₁) + ½(x − μ₀)ᵀΣ₀⁻¹(x − μ₀), "
            "with the inverses Σ_k⁻¹ (not Σ_k)",
            "b": "b: the cross terms of both quadratic forms give Σ_k⁻¹μ_k with the sign of "
            "ln p(x|1) − ln p(x|0); use the inverses, not the covariances",
            "c": "c: −½μ_kᵀΣ_k⁻¹μ_k for each class (signs as above), −½ ln|Σ_k| each, ln(π₁/π₀)",
        },
    ),
]


def _type_problem(name: str, value) -> str | None:
    """Why ``value`` would break the lab's next cells (None when it is fine)."""
    if name == "c" and isinstance(value, float | int) and not isinstance(value, bool):
        return None
    if type(value).__module__.startswith("numpy"):
        return f"{name}: a NumPy {type(value).__name__}, not a torch tensor"
    if not isinstance(value, torch.Tensor):
        return f"{name}: a {type(value).__name__}, not a torch tensor"
    if value.dtype != torch.float64:
        return f"{name}: {str(value.dtype).replace('torch.', '')}, not float64"
    return None


def _judge_log_odds(result, stored, wrong: list[str]) -> tuple[str, str, str] | str:
    """What is right and wrong in (A, b, c), without showing the stored values.

    A is judged by its quadratic form: xᵀAx = xᵀ((A + Aᵀ)/2)x for every x, so a non-symmetric A
    with the right symmetric part is as right as the symmetric one.
    """
    if not isinstance(result, tuple | list) or len(result) != 3:
        return f"{type(result).__name__}, not a tuple (A, b, c)"
    verdicts = []
    for name, got, want in zip("Abc", result, stored, strict=True):
        want = torch.as_tensor(want, dtype=torch.float64)
        problem = _type_problem(name, got)
        if problem is None:
            got = torch.as_tensor(got).detach().cpu()
            if got.shape != want.shape:
                shape = f"shape {tuple(want.shape)}" if want.ndim else "one number"
                problem = f"{name}: not a tensor of {shape}"
        if problem is not None:
            verdicts.append(problem)
            wrong.append("type")
            continue
        got = got.to(torch.float64)
        if name == "A":
            got = (got + got.T) / 2
        if torch.allclose(got, want, atol=1e-6, rtol=1e-5):
            verdicts.append(_RIGHT["Abc".index(name)])
        else:
            verdicts.append(f"{name}: wrong ({_WHAT[name]})")
            wrong.append(name)
    return tuple(verdicts)


def _log_odds_case(priors, means, covariances, stored, label, hints) -> Case:
    case = Case(expected=_RIGHT, label=label)

    def call(fn):
        wrong: list[str] = []
        verdict = _judge_log_odds(
            fn(priors.clone(), means.clone(), covariances.clone()), stored, wrong
        )
        if "type" in wrong:
            case.hint = _TYPE_HINT
        else:  # the hint of the first wrong component (A, b or c)
            case.hint = next((hints[name] for name in "Abc" if name in wrong), "")
        return verdict

    case.call = call
    return case


def check_log_odds_coefficients(fn) -> Verdict:
    """Task 1: the log posterior odds of two Gaussian classes is xᵀAx + bᵀx + c.

    A is compared through its quadratic form, and the verdict says which of A, b and c is wrong
    (and gives a hint about that one) without printing the expected values. A and b must be
    float64 torch tensors and c a float or a float64 tensor of one number: the next cell
    computes with them and float64 points.
    """
    cases = [_log_odds_case(*spec) for spec in _LOG_ODDS_CASES]
    return check_function("log_odds_coefficients", fn, cases)


# -- Task 2 -------------------------------------------------------------------------------------


def _keeps_float64(x: torch.Tensor):
    """The lab calls quadratic_features on float32 samples and on float64 ones: the result
    must keep the input's dtype."""

    def call(fn):
        result = fn(x.clone())
        if isinstance(result, torch.Tensor) and result.dtype != x.dtype:
            return f"a {str(result.dtype).replace('torch.', '')} tensor (the input was float64)"
        return result

    return call


def check_quadratic_features(fn) -> Verdict:
    """Task 2: (x₁, x₂) ↦ (x₁, x₂, x₁², x₂², x₁x₂), at stored points, keeping the dtype."""
    x = [[0.5, -1.0], [2.0, 3.0], [-1.5, 0.25]]
    want = [
        [0.5, -1.0, 0.25, 1.0, -0.5],
        [2.0, 3.0, 4.0, 9.0, 6.0],
        [-1.5, 0.25, 2.25, 0.0625, -0.375],
    ]
    cases = [
        Case((torch.tensor([[1.0, 2.0]]),), torch.tensor([[1.0, 2.0, 1.0, 4.0, 2.0]]), "one point"),
        Case((torch.tensor(x),), torch.tensor(want), "three points"),
        Case(
            call=_keeps_float64(_t(x)),
            expected=_t(want),
            label="float64 points (the lab's N → ∞ fit)",
            hint="keep the input's dtype: build the columns from x itself (no torch.tensor(...) "
            "of a fixed dtype)",
        ),
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


# -- Task 3 -------------------------------------------------------------------------------------


def _test_risk_case(predict_fn, x, y, stored, label: str, hint: str) -> Case:
    """The standard error may use n (the binomial √(p(1 − p)/n)) or n − 1 (the sample standard
    deviation of the 0/1 errors, as notebook 02 does): both are right. ``stored`` is
    (risk, SE with n, SE with n − 1)."""
    risk, se_n, se_n1 = stored

    def call(fn):
        result = fn(predict_fn, x.clone(), y.clone())
        if isinstance(result, tuple | list) and len(result) == 2 and _numeric(result[1]):
            se = float(torch.as_tensor(result[1], dtype=torch.float64))
            if math.isclose(se, se_n1, rel_tol=1e-5, abs_tol=1e-9):
                return type(result)((result[0], se_n))  # the n − 1 version: as right
        return result

    return Case(call=call, expected=(risk, se_n), label=label, hint=hint)


def _numeric(value) -> bool:
    try:
        torch.as_tensor(value, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        return False
    return True


def check_test_risk(fn) -> Verdict:
    """Task 3: the 0-1 test risk of a classifier and its standard error (with n or n − 1)."""
    x = torch.linspace(-1, 1, 8).reshape(-1, 1)
    y = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1])

    def perfect(t):
        return (t[:, 0] > 0).long()

    def always_one(t):
        return torch.ones(len(t), dtype=torch.long)

    def column(t):
        return (t > -0.5).long()  # shape (n, 1)

    cases = [
        _test_risk_case(
            perfect, x, y, (0.0, 0.0, 0.0), "a perfect classifier", "no error: risk 0, SE 0"
        ),
        _test_risk_case(
            always_one,
            x,
            y,
            (0.5, 0.1767766953, 0.1889822365),
            "always predicting 1",
            "the standard error of a proportion p over n points is √(p(1 − p)/n) (or the "
            "standard deviation of the 0/1 errors over √n)",
        ),
        _test_risk_case(
            column,
            x,
            y,
            (0.25, 0.1530931089, 0.1636634177),
            "predictions of shape (n, 1)",
            "flatten the predictions (.reshape(-1)) before comparing them with y",
        ),
    ]
    return check_function(
        "test_risk", fn, cases, hint="return (risk, standard error) as two floats"
    )


# -- Task 4 -------------------------------------------------------------------------------------

# A fixed StackedMLP [2, 3, 1] (every copy starts from these weights) and a fixed sample.
_W = ([[0.5, -0.3, 0.8], [-0.6, 0.4, 0.2]], [[0.7], [-0.5], [0.3]])
_B = ([[0.1, -0.2, 0.05]], [[-0.1]])
_X = [[0.5, 1.0], [-1.0, 0.5], [1.5, -0.5], [-0.5, -1.5], [0.2, 0.3], [-1.2, 1.1], [0.9, 0.8]]
_X += [[-0.3, -0.2]]
_Y = [1, 0, 0, 1, 1, 0, 1, 1]
# After one step Adam moves every parameter by −lr·sign(gradient); after six, stored values.
_AFTER = {
    1: (
        ([[0.45, -0.35, 0.75], [-0.55, 0.45, 0.25]], [[0.65], [-0.55], [0.35]]),
        ([[0.15, -0.15, 0.1]], [[-0.05]]),
        [0.70013547],
    ),
    6: (
        (
            [[0.2045045, -0.6013607, 0.5000961], [-0.3136921, 0.629342, 0.5003866]],
            [[0.4280641], [-0.8016897], [0.5728292]],
        ),
        ([[0.3937959, -0.045847, 0.3496316]], [[0.194294]]),
        [0.70013547, 0.67069525, 0.64192396, 0.61469424, 0.58880717, 0.56365675],
    ),
}
_TRAIN_HINT = (
    "each step: optimizer.zero_grad(), loss = BCEWithLogitsLoss()(net(x).reshape(-1), "
    "y.float()), loss.backward(), optimizer.step(); one Adam optimizer made once, before the loop"
)
_SHAPE_HINT = (
    "in the experiment net is a StackedMLP: net(x) has shape (copies, n, 1) and y shape "
    "(copies·n,), as here; only net(x).reshape(-1) lines the logits up with y (.squeeze(), "
    ".squeeze(-1) and net(x)[:, 0] do not); the labels are int64: compare with y.float()"
)
_LOSSES_HINT = (
    "train_classifier must return the list of the losses as Python floats (loss.item()), one "
    "per step: not None, and not tensors (a list of tensors keeps every step's graph)"
)


def build_network(sizes, weights, biases):
    """The lab's `StackedMLP` with the given plain weights ((copies, n_in, n_out) each) and
    biases ((copies, 1, n_out) each)."""
    from utils.models import StackedMLP

    weights = [torch.as_tensor(w, dtype=torch.float32) for w in weights]
    net = StackedMLP(list(sizes), copies=int(weights[0].shape[0]))
    with torch.no_grad():
        for param, value in zip((*net.weights, *net.biases), (*weights, *biases), strict=True):
            param.copy_(torch.as_tensor(value, dtype=torch.float32))
    return net


def _stored_network(copies: int):
    weights = [torch.tensor(w).expand(copies, -1, -1) for w in _W]
    biases = [torch.tensor(b).expand(copies, -1, -1) for b in _B]
    return build_network([2, 3, 1], weights, biases)


def _describe_losses(result):
    """The losses as returned when they are a list of floats, else what they are."""
    if isinstance(result, list | tuple) and all(isinstance(v, float) for v in result):
        return list(result)
    if result is None:
        return "None (nothing returned)"
    if isinstance(result, torch.Tensor):
        return f"a tensor of shape {tuple(result.shape)}"
    if isinstance(result, list | tuple):
        kinds = sorted({type(v).__name__ for v in result})
        return f"a {type(result).__name__} of {len(result)} {'/'.join(kinds)}"
    return f"a {type(result).__name__}"


def _train_case(steps: int, copies: int, judge: str) -> Case:
    x = torch.tensor(_X).expand(copies, -1, -1)
    y = torch.tensor(_Y).repeat(copies)
    weights, biases, losses = _AFTER[steps]

    def call(fn):
        net = _stored_network(copies)
        result = fn(net, x.clone(), y.clone(), steps, 0.05)
        if judge == "losses":
            return _describe_losses(result)
        return [p.detach().clone() for p in (*net.weights, *net.biases)]

    what = f"{steps} step(s), {copies} cop{'y' if copies == 1 else 'ies'} of a StackedMLP"
    if judge == "losses":
        return Case(
            call=call,
            expected=losses,
            label=f"{what}: the returned losses",
            hint=_LOSSES_HINT,
            atol=1e-5,
            rtol=1e-4,
        )
    expected = [torch.tensor(v).expand(copies, -1, -1) for v in (*weights, *biases)]
    return Case(
        call=call,
        expected=expected,
        label=f"{what}, labels as int64: the trained weights",
        hint=_SHAPE_HINT if copies > 1 else _TRAIN_HINT,
        atol=1e-5,
        rtol=1e-4,
    )


def check_train_classifier(fn) -> Verdict:
    """Task 4: full-batch training with Adam and the binary cross-entropy on logits, on the
    shapes the experiment uses (a StackedMLP of several copies, y flattened); the trained
    weights (stored values) and the returned losses (a list of floats) are both checked."""
    return check_function(
        "train_classifier",
        fn,
        [_train_case(1, 1, "weights"), _train_case(6, 2, "weights"), _train_case(6, 1, "losses")],
        hint="compare with notebook 06's training step",
    )


# -- data in, data out (the instructor's checker) -----------------------------------------------


def _plain(value):
    """``value`` as plain data: exact tensors (CPU, detached), floats, ints, lists, dicts."""
    if isinstance(value, torch.Tensor):
        return torch.tensor(value.detach().cpu().tolist(), dtype=value.dtype)
    if isinstance(value, bool | int | float | str) or value is None:
        return type(value)(value) if value is not None else None
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if type(value).__module__.startswith("numpy") and hasattr(value, "tolist"):
        return _plain(value.tolist())
    raise TypeError(f"a {type(value).__name__}, which is not plain data")


def run_task(task: str, fn, inputs: dict):
    """Call the task function ``fn`` on plain ``inputs`` and return its result as plain data.

    - log_odds_coefficients: inputs priors, means, covariances -> [A, b, c];
    - quadratic_features: x -> the features;
    - test_risk: predictions, x, y (predict_fn returns ``predictions``) -> [risk, SE];
    - train_classifier: sizes, weights, biases (a StackedMLP, see `build_network`), x, y,
      steps, lr -> {"losses": [...], "weights": [...], "biases": [...]} (trained).

    An error of the student's code is returned as {"error": "..."}, never raised.
    """
    try:
        if task == "log_odds_coefficients":
            out = fn(
                inputs["priors"].clone(), inputs["means"].clone(), inputs["covariances"].clone()
            )
        elif task == "quadratic_features":
            out = fn(inputs["x"].clone())
        elif task == "test_risk":
            predictions = inputs["predictions"].clone()
            out = fn(lambda _x: predictions.clone(), inputs["x"].clone(), inputs["y"].clone())
        elif task == "train_classifier":
            net = build_network(inputs["sizes"], inputs["weights"], inputs["biases"])
            losses = fn(
                net, inputs["x"].clone(), inputs["y"].clone(), inputs["steps"], inputs["lr"]
            )
            out = {
                "losses": losses,
                "weights": [p.detach() for p in net.weights],
                "biases": [p.detach() for p in net.biases],
            }
        else:
            return {"error": f"unknown task {task!r}"}
        return _plain(out)
    except Exception as exc:  # noqa: BLE001 - the student's error is a verdict
        return {"error": f"{type(exc).__name__}: {exc}"}
