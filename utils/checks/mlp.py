"""Checks for the exercises of notebook 06 (feed-forward networks and their training)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from utils.checks._core import Case, Mistake, Verdict, check_function
from utils.checks.formulas import check_formula
from utils.models import MLP, feedforward
from utils.train import training_step

__all__ = [
    "check_delta_recursion_formula",
    "check_feedforward",
    "check_output_delta_formula",
    "check_parameter_count_formula",
    "check_training_step",
    "check_two_layer_backward",
]

TRANSPOSE_HINT = (
    "W_h has shape (n_h, n_{h−1}) (the lecture's W_h ∈ ℝ^{n_h × n_{h−1}}, as nn.Linear's "
    "weight: (out, in)), and a batch f holds one example per row, shape (n, n_{h−1}): the "
    "affine map of every row at once is f @ W_h.T + b_h, not f @ W_h (nor W_h @ f)"
)


TRANSPOSE = Mistake("feedforward.no_transpose", TRANSPOSE_HINT)
FEEDFORWARD_ONE_LAYER = Mistake(
    "feedforward.one_layer",
    "with one example per row, W_h f_{h−1} + b_h is computed as f @ W_h.T + b_h; "
    "with H = 1 there is no hidden layer, hence no ReLU",
)
FEEDFORWARD_HIDDEN_RELU = Mistake(
    "feedforward.hidden_relu",
    "apply the ReLU, f.clamp(min=0), after every layer but the last",
)
FEEDFORWARD_SQUARE = Mistake(
    "feedforward.square_weights",
    "W_h has shape (n_h, n_{h−1}): a batch f of shape (n, n_{h−1}) needs f @ W_h.T, not f @ W_h",
)
FEEDFORWARD_LOOP = Mistake(
    "feedforward.loop",
    "loop over the layers: f = x, then for each (W_h, b_h) one affine map and an "
    "activation (except for the last layer)",
)
FEEDFORWARD_BATCH_OF_ONE = Mistake(
    "feedforward.batch_of_one", "keep the batch dimension: x has shape (1, n_0)"
)
FEEDFORWARD_EMPTY = Mistake(
    "feedforward.empty_batch", "an empty batch of shape (0, n_0) gives shape (0, n_H)"
)
FEEDFORWARD_OUTPUT_RELU = Mistake(
    "feedforward.output_relu",
    "the last layer returns the logits W_H f_{H−1} + b_H, without a ReLU",
)


def _layers(sizes: list[int], seed: int) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Random W_h of shape (n_h, n_{h−1}) and b_h of shape (n_h,) for the given sizes."""
    g = torch.Generator().manual_seed(seed)
    weights = [torch.randn(sizes[h], sizes[h - 1], generator=g) for h in range(1, len(sizes))]
    biases = [torch.randn(sizes[h], generator=g) for h in range(1, len(sizes))]
    return weights, biases


def check_feedforward(fn) -> Verdict:
    """Exercise 6.1: f_0 = x, f_h = σ_h(W_h f_{h−1} + b_h), ReLU hidden layers, linear output."""
    g = torch.Generator().manual_seed(1)
    cases = []
    specs = [
        (
            [3, 2],
            4,
            "one layer (H = 1): only the affine map",
            FEEDFORWARD_ONE_LAYER,
        ),
        (
            [3, 5, 2],
            6,
            "two layers, ReLU on the hidden layer",
            FEEDFORWARD_HIDDEN_RELU,
        ),
        (
            [4, 4, 4],
            5,
            "square weights (n_h = n_{h−1}): W_h or its transpose?",
            FEEDFORWARD_SQUARE,
        ),
        (
            [6, 8, 8, 3],
            7,
            "three layers",
            FEEDFORWARD_LOOP,
        ),
        ([3, 5, 2], 1, "a batch of one example", FEEDFORWARD_BATCH_OF_ONE),
        ([3, 5, 2], 0, "an empty batch", FEEDFORWARD_EMPTY),
    ]
    for k, (sizes, n, label, hint) in enumerate(specs):
        weights, biases = _layers(sizes, seed=10 + k)
        x = torch.randn(n, sizes[0], generator=g)
        cases.append(Case((x, weights, biases), feedforward(x, weights, biases), label, hint))
    # An output layer whose pre-activations are all negative: a ReLU there would give zeros.
    weights, biases = _layers([3, 4, 2], seed=42)
    biases[-1] = torch.tensor([-50.0, -60.0])
    x = torch.randn(5, 3, generator=g)
    cases.append(
        Case(
            (x, weights, biases),
            feedforward(x, weights, biases),
            "negative outputs: σ_H is the identity",
            FEEDFORWARD_OUTPUT_RELU,
        )
    )
    if _multiplies_without_transpose(fn):
        # One diagnosis for every case: the other hints (about the ReLU) would misdirect.
        cases = [
            Case(c.args, c.expected, c.label, TRANSPOSE, atol=c.atol, rtol=c.rtol) for c in cases
        ]
    return check_function(
        "feedforward",
        fn,
        cases,
        hint="f_0 = x; f_h = ReLU(f_{h−1} @ W_h.T + b_h) for the hidden layers; no ReLU at the end",
    )


def _multiplies_without_transpose(fn) -> bool:
    """True when ``fn`` multiplies by W_h instead of W_h.T: it raises a shape error on
    rectangular weights, or on square weights it gives what ``f @ W_h`` gives."""
    weights, biases = _layers([3, 5, 2], seed=99)
    x = torch.randn(4, 3, generator=torch.Generator().manual_seed(98))
    try:
        fn(x.clone(), [w.clone() for w in weights], [b.clone() for b in biases])
    except RuntimeError as exc:
        text = str(exc)
        if "cannot be multiplied" in text or "size mismatch" in text:  # torch's matmul errors
            return True
    except Exception:  # noqa: BLE001 - any other error is for the ordinary verdict
        return False
    weights, biases = _layers([4, 4, 4], seed=97)
    x = torch.randn(6, 4, generator=torch.Generator().manual_seed(96))
    transposed = [w.T.contiguous() for w in weights]
    try:
        out = fn(x.clone(), [w.clone() for w in weights], [b.clone() for b in biases])
        # f @ W_h (with or without the ReLUs placed right) equals the reference with W_h.T
        candidates = (feedforward(x, transposed, biases),)
        return isinstance(out, torch.Tensor) and any(
            out.shape == c.shape and torch.allclose(out.detach().float(), c, atol=1e-5)
            for c in candidates
        )
    except Exception:  # noqa: BLE001
        return False


def _set_parameters(model: nn.Module, seed: int) -> nn.Module:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(0.5 * torch.randn(p.shape, generator=g))
    return model


def _setup_regression(seed: int):
    g = torch.Generator().manual_seed(seed)
    model = _set_parameters(nn.Linear(3, 1), seed)
    x = torch.randn(8, 3, generator=g)
    y = torch.randn(8, 1, generator=g)
    return model, x, y, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.1)


def _setup_classifier(seed: int):
    g = torch.Generator().manual_seed(seed)
    model = _set_parameters(MLP([4, 6, 3]), seed)
    x = torch.randn(10, 4, generator=g)
    y = torch.randint(0, 3, (10,), generator=g)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    return model, x, y, nn.CrossEntropyLoss(), optimizer


def _setup_binary(seed: int):
    g = torch.Generator().manual_seed(seed)
    model = _set_parameters(MLP([2, 5, 1]), seed)
    x = torch.randn(12, 2, generator=g)
    y = torch.randint(0, 2, (12, 1), generator=g).float()
    return model, x, y, nn.BCEWithLogitsLoss(), torch.optim.Adam(model.parameters(), lr=0.05)


def _steps(setup: Callable, seed: int, steps: int) -> Callable[[Callable], tuple]:
    """``call(fn)``: set up a model and an optimizer, run ``fn`` ``steps`` times, and return the
    losses it returned followed by the parameters it left."""

    def call(fn: Callable) -> tuple:
        model, x, y, loss_fn, optimizer = setup(seed)
        losses = [fn(model, x, y, loss_fn, optimizer) for _ in range(steps)]
        return (*losses, *(p.detach().clone() for p in model.parameters()))

    return call


def _returned(fn: Callable) -> str:
    """What kind of value ``fn`` returns for a training step: a number, or a tensor and
    whether it still holds its graph."""
    model, x, y, loss_fn, optimizer = _setup_regression(5)
    out = fn(model, x, y, loss_fn, optimizer)
    if isinstance(out, torch.Tensor):
        if out.grad_fn is not None:
            return f"a tensor holding its graph (grad_fn={type(out.grad_fn).__name__})"
        return "a tensor (detached, but still a tensor, on the model's device)"
    if isinstance(out, bool) or not isinstance(out, int | float):
        return f"a {type(out).__name__}"
    return "a Python number"


TRAINING_STEP_ORDER = (
    "the order is optimizer.zero_grad(), y_hat = model(x), loss = loss_fn(y_hat, y), "
    "loss.backward(), optimizer.step(), then return loss.item()"
)
TRAINING_STEP_MOVE = Mistake(
    "training_step.move", "the parameters must move by −lr·∇loss: " + TRAINING_STEP_ORDER
)
TRAINING_STEP_ZERO_GRAD = Mistake(
    "training_step.zero_grad",
    "call optimizer.zero_grad() at the start of every step: otherwise the gradient "
    "of the previous step is added to the new one",
)
TRAINING_STEP_ORDERED = Mistake("training_step.order", TRAINING_STEP_ORDER)
TRAINING_STEP_LOGITS = Mistake(
    "training_step.logits",
    "pass the model's outputs (logits) to the loss as they are: " + TRAINING_STEP_ORDER,
)
TRAINING_STEP_ITEM = Mistake(
    "training_step.item",
    "return loss.item(), not loss: summing loss tensors (total += loss) chains "
    "the graph nodes of every step; a loss never back-propagated (e.g. computed "
    "without torch.no_grad()) keeps every activation alive; and on a GPU the "
    "tensor stays on the device, so reading it later waits for the GPU",
)


def check_training_step(fn) -> Verdict:
    """Exercise 6.2: zero_grad, forward, loss, backward, step; return the loss as a number."""
    order = TRAINING_STEP_ORDER
    specs = [
        (
            _setup_regression,
            1,
            "one SGD step, a linear model and the squared loss",
            TRAINING_STEP_MOVE,
        ),
        (_setup_regression, 2, "two steps in a row", TRAINING_STEP_ZERO_GRAD),
        (
            _setup_classifier,
            3,
            "an MLP, cross-entropy, SGD with momentum, three steps",
            TRAINING_STEP_ORDERED,
        ),
        (_setup_binary, 2, "binary logits, BCEWithLogitsLoss and Adam", TRAINING_STEP_LOGITS),
    ]
    cases = []
    # Building the cases draws no number from PyTorch's global generator (the notebook's
    # seeded sequence stays as it was), and the reference runs exactly as the student's code.
    with torch.random.fork_rng(devices=[]):
        for setup, steps, label, hint in specs:
            call = _steps(setup, seed=len(cases), steps=steps)
            expected = call(training_step)
            cases.append(Case(expected=expected, label=label, hint=hint, call=call, atol=1e-5))
        cases.append(
            Case(
                expected=_returned(training_step),
                label="the loss is returned as a Python number",
                hint=TRAINING_STEP_ITEM,
                call=_returned,
            )
        )
    with torch.random.fork_rng(devices=[]):
        return check_function(
            "training_step",
            fn,
            cases,
            hint=order + " (the loss before the step, as a Python number)",
        )


# ----------------------------------------------------------------------------------------------
# Backpropagation by hand (exercise 6.3) and the exam track's formulas
# ----------------------------------------------------------------------------------------------


def _autograd_gradients(x, y, w1, b1, w2, b2) -> tuple[torch.Tensor, ...]:
    """The gradients of the mean cross-entropy of a 1-hidden-layer ReLU network, by autograd:
    the side of the comparison that does not share a line of code with a backward pass by hand."""
    params = [p.detach().clone().requires_grad_(True) for p in (w1, b1, w2, b2)]
    logits = feedforward(x, params[0::2], params[1::2])
    loss = nn.functional.cross_entropy(logits, y)
    return torch.autograd.grad(loss, params)


def two_layer_problem(n: int, sizes, generator: torch.Generator):
    """A random batch and two-layer network in float64: ``x`` (n, n_0), class labels ``y``, and
    W_1 (n_1, n_0), b_1, W_2 (n_2, n_1), b_2, for ``sizes`` = (n_0, n_1, n_2)."""
    g = generator
    x = torch.randn(n, sizes[0], generator=g, dtype=torch.float64)
    y = torch.randint(0, sizes[2], (n,), generator=g)
    w1 = torch.randn(sizes[1], sizes[0], generator=g, dtype=torch.float64)
    b1 = torch.randn(sizes[1], generator=g, dtype=torch.float64)
    w2 = torch.randn(sizes[2], sizes[1], generator=g, dtype=torch.float64)
    b2 = torch.randn(sizes[2], generator=g, dtype=torch.float64)
    return x, y, w1, b1, w2, b2


BACKWARD_OUTPUT_DELTA = Mistake(
    "two_layer_backward.output_delta",
    "start at the output: δ_2 = ∂L/∂a_2 = softmax(a_2) − onehot(y); then "
    "∂L/∂W_2 = δ_2 z_1ᵀ and ∂L/∂b_2 = δ_2",
)
BACKWARD_BATCH_MEAN = Mistake(
    "two_layer_backward.batch_mean",
    "L averages over the n examples, so δ_2 = (softmax(a_2) − onehot(y)) / n, and "
    "∂L/∂W_k sums δ_k z_{k−1}ᵀ over the batch: with one example per row, Δ_kᵀ Z_{k−1}",
)
BACKWARD_NO_MEAN = Mistake(
    "two_layer_backward.no_mean",
    "every gradient is n times too large: L is the mean over the batch, so δ_2 carries a "
    "factor 1/n",
)
BACKWARD_RELU_MASK = Mistake(
    "two_layer_backward.relu_mask",
    "δ_1 = (W_2ᵀ δ_2) ⊙ ReLU'(a_1), and ReLU'(a_1) = 1{a_1 > 0}: a unit with a_1 < 0 "
    "gets no gradient (multiply by (a1 > 0), not by z_1 or a_1)",
)
BACKWARD_MASK_BY_Z1 = Mistake(
    "two_layer_backward.mask_by_z1",
    "ReLU'(a_1) is the 0/1 mask 1{a_1 > 0}: multiplying W_2ᵀ δ_2 by z_1 = ReLU(a_1) (or by "
    "a_1) scales each unit's δ by its activation instead of keeping or zeroing it",
)
BACKWARD_TRANSPOSED = Mistake(
    "two_layer_backward.weight_gradient_transposed",
    "each weight gradient has the shape of its weight: ∂L/∂W_1 is (n_1, n_0), ∂L/∂W_2 is "
    "(n_2, n_1). With one example per row it is Δ_kᵀ Z_{k−1} (delta.T @ z); z.T @ delta is its "
    "transpose",
)
BACKWARD_SHAPES = Mistake(
    "two_layer_backward.shapes",
    "each gradient has the shape of its parameter: ∂L/∂W_1 is (n_1, n_0) and "
    "∂L/∂W_2 is (n_2, n_1); with rows, ∂L/∂W_k = Δ_kᵀ Z_{k−1}, and W_2ᵀ δ_2 is "
    "delta2 @ W2",
)


def _backward_variants(x, y, w1, b1, w2, b2) -> list[tuple[Mistake, tuple]]:
    """The gradients that known mistakes of a backward pass by hand give."""
    n = len(x)
    a1 = x @ w1.T + b1
    z1 = a1.clamp(min=0)
    a2 = z1 @ w2.T + b2
    d2 = (torch.softmax(a2, dim=1) - nn.functional.one_hot(y, a2.shape[1]).to(a2.dtype)) / n
    back = d2 @ w2

    def grads(d1, scale=1.0):
        return tuple(scale * g for g in (d1.T @ x, d1.sum(0), d2.T @ z1, d2.sum(0)))

    right = grads(back * (a1 > 0).to(a1.dtype))
    return [
        (BACKWARD_NO_MEAN, grads(back * (a1 > 0).to(a1.dtype), scale=float(n))),
        (BACKWARD_MASK_BY_Z1, grads(back * z1)),
        (BACKWARD_MASK_BY_Z1, grads(back * a1)),
        (BACKWARD_RELU_MASK, grads(back)),
        (BACKWARD_TRANSPOSED, (right[0].T, right[1], right[2], right[3])),
        (BACKWARD_TRANSPOSED, (right[0], right[1], right[2].T, right[3])),
        (BACKWARD_TRANSPOSED, (right[0].T, right[1], right[2].T, right[3])),
    ]


def _explain_backward(args):
    def explain(received):
        if not isinstance(received, tuple | list) or len(received) != 4:
            return None
        got = [torch.as_tensor(g).detach().double() for g in received]
        for mistake, variant in _backward_variants(*args):
            if all(
                g.shape == v.shape and torch.allclose(g, v, atol=1e-8, rtol=1e-6)
                for g, v in zip(got, variant, strict=True)
            ):
                return mistake
        return None

    return explain


def check_two_layer_backward(fn) -> Verdict:
    """Exercise 6.3: the backward pass of z_0 = x, a_1 = W_1 z_0 + b_1, z_1 = ReLU(a_1),
    a_2 = W_2 z_1 + b_2, L = mean cross-entropy; compared with autograd in float64."""
    g = torch.Generator().manual_seed(6)
    specs = [
        (1, [3, 4, 2], "one example", BACKWARD_OUTPUT_DELTA),
        (5, [3, 4, 2], "a batch of 5: L is the mean over the batch", BACKWARD_BATCH_MEAN),
        (6, [3, 4, 2], "a dead hidden unit (a_1 < 0 for every example)", BACKWARD_RELU_MASK),
        (7, [5, 6, 3], "three classes, a wider layer", BACKWARD_SHAPES),
    ]
    cases = []
    for n, sizes, label, hint in specs:
        x, y, w1, b1, w2, b2 = two_layer_problem(n, sizes, g)
        if n < 6:  # every a_1 > 0 here: these cases test δ_2 and the batch mean, not the mask
            b1 = 0.5 - (x @ w1.T).min(dim=0).values
        if "dead" in label:
            b1[0] = -100.0
        args = (x, y, w1, b1, w2, b2)
        expected = _autograd_gradients(*args)
        cases.append(
            Case(args, expected, label, hint, atol=1e-8, rtol=1e-6, explain=_explain_backward(args))
        )
    return check_function(
        "two_layer_backward",
        fn,
        cases,
        hint="return (dW1, db1, dW2, db2), the gradients of L with the shapes of the parameters",
    )


PARAMETER_COUNT_MISTAKES = [
    Mistake(
        "parameter_count_formula.no_biases",
        "the biases are missing: each layer h has a bias b_h besides its weights W_h",
        wrong="n0*n1 + n1*n2",
    ),
    Mistake(
        "parameter_count_formula.bias_sized_by_input",
        "b_h has one entry per unit of layer h (the layer's output), n_h, not n_{h−1}",
        wrong="n0*n1 + n1*n2 + n0 + n1",
    ),
    Mistake(
        "parameter_count_formula.multiplied",
        "the layers' parameters add up: the count of a network is the sum over its layers, not "
        "a product",
        wrong="n0*n1*n2",
    ),
    Mistake(
        "parameter_count_formula.units",
        "that counts units, not parameters: W_h alone has one entry per pair of units of layers "
        "h − 1 and h",
        wrong="n0 + n1 + n2",
    ),
    Mistake(
        "parameter_count_formula.output_bias_missing",
        "the output layer's bias b_2 is missing",
        wrong="n1*(n0 + 1) + n2*n1",
    ),
    Mistake(
        "parameter_count_formula.hidden_bias_missing",
        "the hidden layer's bias b_1 is missing",
        wrong="n1*n0 + n2*(n1 + 1)",
    ),
]


def check_parameter_count_formula(fn: Callable[[], str]) -> Verdict:
    """Exam track: the number of parameters of an MLP n_0 → n_1 → n_2."""
    return check_formula(
        "parameter_count_formula",
        fn,
        "n1*(n0 + 1) + n2*(n1 + 1)",
        "n0, n1, n2",
        positive=True,
        hint="layer h has W_h with n_h × n_{h−1} entries and b_h with n_h entries; add the "
        "two layers",
        mistakes=PARAMETER_COUNT_MISTAKES,
    )


_SLOPE1 = "sigma(a1)*(1 - sigma(a1))"
DELTA_RECURSION_MISTAKES = [
    Mistake(
        "delta_recursion_formula.sigma_not_slope",
        "σ(a_1) is z_1 itself; the chain rule needs ∂z_1/∂a_1, the slope σ'(a_1) of the sigmoid",
        wrong="sigma(a1)*w2*delta2",
    ),
    Mistake(
        "delta_recursion_formula.no_weight",
        "the weight is missing: δ_2 reaches z_1 through a_2 = w_2 z_1 + b_2, so ∂a_2/∂z_1 = w_2",
        wrong=f"{_SLOPE1}*delta2",
    ),
    Mistake(
        "delta_recursion_formula.no_slope",
        "the sigmoid's slope ∂z_1/∂a_1 is missing: z_1 = σ(a_1) lies between a_1 and a_2",
        wrong="w2*delta2",
    ),
    Mistake(
        "delta_recursion_formula.divided_by_weight",
        "∂a_2/∂z_1 = w_2 multiplies δ_2 in the chain rule; it does not divide it",
        wrong=f"{_SLOPE1}*delta2/w2",
    ),
    Mistake(
        "delta_recursion_formula.sign",
        "the sign: every factor of the chain rule here (δ_2, w_2, σ' > 0) enters as it is, with "
        "no minus sign",
        wrong=f"-{_SLOPE1}*w2*delta2",
    ),
]


def check_delta_recursion_formula(fn: Callable[[], str]) -> Verdict:
    """Exam track: δ_1 = ∂L/∂a_1 of a network with one unit per layer and sigmoid σ."""
    return check_formula(
        "delta_recursion_formula",
        fn,
        f"{_SLOPE1}*w2*delta2",
        "a1, w2, delta2",
        hint="chain rule through a_2 = w_2 z_1 + b_2 and z_1 = σ(a_1): "
        "δ_1 = δ_2 · ∂a_2/∂z_1 · ∂z_1/∂a_1, and σ' = σ(1 − σ)",
        mistakes=DELTA_RECURSION_MISTAKES,
    )


OUTPUT_DELTA_MISTAKES = [
    Mistake(
        "output_delta_formula.sign",
        "the sign: L decreases when a_2 moves towards the label, so ∂L/∂a_2 < 0 when y = 1; "
        "the derivative is ŷ − y, not y − ŷ",
        wrong="y - sigma(a2)",
    ),
    Mistake(
        "output_delta_formula.extra_slope",
        "a factor σ'(a_2) too many: that is the slope of the squared loss (σ(a_2) − y)²/2. For "
        "the cross-entropy σ' = σ(1 − σ) cancels the 1/σ and 1/(1 − σ) of the logs",
        wrong="(sigma(a2) - y)*sigma(a2)*(1 - sigma(a2))",
    ),
    Mistake(
        "output_delta_formula.slope_in_y_hat",
        "that is ∂L/∂ŷ, the slope in ŷ = σ(a_2); multiply by ∂ŷ/∂a_2 = σ(a_2)(1 − σ(a_2))",
        wrong="-y/sigma(a2) + (1 - y)/(1 - sigma(a2))",
    ),
]


def check_output_delta_formula(fn: Callable[[], str]) -> Verdict:
    """Exam track: δ_2 = ∂L/∂a_2 for a sigmoid output and the binary cross-entropy (y is a label
    in {0, 1})."""
    return check_formula(
        "output_delta_formula",
        fn,
        "sigma(a2) - y",
        "a2, y",
        labels=["y"],
        hint="L = −y ln σ(a_2) − (1 − y) ln(1 − σ(a_2)); use σ' = σ(1 − σ): most terms cancel",
        mistakes=OUTPUT_DELTA_MISTAKES,
    )
