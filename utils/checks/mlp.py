"""Checks for the exercises of notebook 06 (feed-forward networks and their training)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from utils.checks._core import Case, Verdict, check_function
from utils.models import MLP, feedforward
from utils.train import training_step

__all__ = ["check_feedforward", "check_training_step"]


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
            "with one example per row, W_h f_{h−1} + b_h is computed as f @ W_h.T + b_h; "
            "with H = 1 there is no hidden layer, hence no ReLU",
        ),
        (
            [3, 5, 2],
            6,
            "two layers, ReLU on the hidden layer",
            "apply the ReLU, f.clamp(min=0), after every layer but the last",
        ),
        (
            [4, 4, 4],
            5,
            "square weights (n_h = n_{h−1}): W_h or its transpose?",
            "W_h has shape (n_h, n_{h−1}): a batch f of shape (n, n_{h−1}) needs f @ W_h.T, "
            "not f @ W_h",
        ),
        (
            [6, 8, 8, 3],
            7,
            "three layers",
            "loop over the layers: f = x, then for each (W_h, b_h) one affine map and an "
            "activation (except for the last layer)",
        ),
        ([3, 5, 2], 1, "a batch of one example", "keep the batch dimension: x has shape (1, n_0)"),
        ([3, 5, 2], 0, "an empty batch", "an empty batch of shape (0, n_0) gives shape (0, n_H)"),
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
            "the last layer returns the logits W_H f_{H−1} + b_H, without a ReLU",
        )
    )
    return check_function(
        "feedforward",
        fn,
        cases,
        hint="f_0 = x; f_h = ReLU(f_{h−1} @ W_h.T + b_h) for the hidden layers; no ReLU at the end",
    )


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


def check_training_step(fn) -> Verdict:
    """Exercise 6.2: zero_grad, forward, loss, backward, step; return the loss as a number."""
    order = "the order is optimizer.zero_grad(), y_hat = model(x), loss = loss_fn(y_hat, y), "
    order += "loss.backward(), optimizer.step(), then return loss.item()"
    specs = [
        (
            _setup_regression,
            1,
            "one SGD step, a linear model and the squared loss",
            "the parameters must move by −lr·∇loss: " + order,
        ),
        (
            _setup_regression,
            2,
            "two steps in a row",
            "call optimizer.zero_grad() at the start of every step: otherwise the gradient "
            "of the previous step is added to the new one",
        ),
        (
            _setup_classifier,
            3,
            "an MLP, cross-entropy, SGD with momentum, three steps",
            order,
        ),
        (
            _setup_binary,
            2,
            "binary logits, BCEWithLogitsLoss and Adam",
            "pass the model's outputs (logits) to the loss as they are: " + order,
        ),
    ]
    cases = []
    # Building the cases draws no number from PyTorch's global generator (the notebook's
    # seeded sequence stays as it was), and the reference runs exactly as the student's code.
    with torch.random.fork_rng(devices=[]):
        for setup, steps, label, hint in specs:
            call = _steps(setup, seed=len(cases), steps=steps)
            expected = call(training_step)
            cases.append(Case(expected=expected, label=label, hint=hint, call=call, atol=1e-5))
    with torch.random.fork_rng(devices=[]):
        return check_function(
            "training_step",
            fn,
            cases,
            hint=order + " (the loss before the step, as a Python number)",
        )
