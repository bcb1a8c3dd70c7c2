"""Model selection on a validation set: one setting (width, learning rate) trained from several
seeds at once, its validation error after every epoch, and the test error at a chosen epoch.

The seeds of one setting are independent networks n_0 → width → K (ReLU) stored in one tensor
per parameter (a leading dimension of size S), trained with Adam on their own shuffled
mini-batches: the loss is the sum over the seeds of each seed's mean cross-entropy, so each
network receives exactly its own gradient (and Adam, element-wise, treats each independently).
One batched step costs about as much as a single network's step on a CPU: a grid of settings ×
seeds takes seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

__all__ = ["SeedRuns", "train_seeds"]


@dataclass
class SeedRuns:
    """S networks of one setting: ``val_error[e, s]`` after epoch ``e + 1`` for seed ``s``."""

    width: int
    lr: float
    seeds: list[int]
    val_error: torch.Tensor  # (epochs, S)
    snapshots: list[list[torch.Tensor]] = field(repr=False)  # parameters after each epoch

    def mean_and_se(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Per epoch: the mean validation error over the seeds and its standard error."""
        s = self.val_error.shape[1]
        if s == 1:  # one seed: no spread to measure
            return self.val_error[:, 0], torch.zeros(len(self.val_error))
        return self.val_error.mean(dim=1), self.val_error.std(dim=1) / math.sqrt(s)

    def best_epoch(self) -> int:
        """The number of epochs (from 1) with the smallest mean validation error."""
        return int(self.mean_and_se()[0].argmin()) + 1

    def error(self, x: torch.Tensor, y: torch.Tensor, epochs: int) -> torch.Tensor:
        """The error rate of each seed's network after ``epochs`` epochs on (x, y), shape (S,)."""
        if not 1 <= epochs <= len(self.snapshots):
            raise ValueError(f"epochs must be in 1..{len(self.snapshots)}, got {epochs}")
        params = self.snapshots[epochs - 1]
        return _errors(params, x.to(params[0].device), y.to(params[0].device)).cpu()


def _init(n_in: int, n_out: int, seed: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    """nn.Linear's initialisation (uniform in ±1/√n_in), from the given seed."""
    generator = torch.Generator().manual_seed(seed)
    bound = 1 / math.sqrt(n_in)
    w = (torch.rand(n_out, n_in, generator=generator) * 2 - 1) * bound
    b = (torch.rand(n_out, generator=generator) * 2 - 1) * bound
    return w.to(device), b.to(device)


def _logits(params, x: torch.Tensor) -> torch.Tensor:
    """x of shape (S, B, n_0) or (B, n_0) → logits (S, B, K)."""
    w1, b1, w2, b2 = params
    hidden = torch.relu(torch.matmul(x, w1.transpose(1, 2)) + b1[:, None, :])
    return torch.matmul(hidden, w2.transpose(1, 2)) + b2[:, None, :]


def _errors(params, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return (_logits(params, x).argmax(dim=2) != y).float().mean(dim=1)


def train_seeds(
    train: tuple[torch.Tensor, torch.Tensor],
    val: tuple[torch.Tensor, torch.Tensor],
    width: int,
    lr: float,
    seeds: list[int],
    epochs: int,
    batch_size: int = 64,
    device: torch.device | str = "cpu",
) -> SeedRuns:
    """Train one network n_0 → width → K per seed (Adam, cross-entropy) and record the validation
    error of each after every epoch.

    Parameters
    ----------
    train, val : (x, y) pairs, x of shape (N, n_0) (float), y of shape (N,) (class indices).
    width : the hidden layer's width n_1 (≥ 1).
    lr : Adam's learning rate (> 0).
    seeds : one seed per network; it sets the initial weights and the order of the batches.
    epochs : passes over the training data (≥ 1).
    batch_size : examples per mini-batch (≥ 1).
    device : where to train ("cpu", "cuda", "mps").
    """
    (x, y), (x_val, y_val) = train, val
    if x.ndim != 2 or y.shape != (x.shape[0],):
        raise ValueError(
            f"train must be (x (N, n_0), y (N,)), got {tuple(x.shape)}, {tuple(y.shape)}"
        )
    if width < 1 or epochs < 1 or batch_size < 1 or not lr > 0 or not seeds:
        raise ValueError(
            f"expected width, epochs, batch_size ≥ 1, lr > 0 and at least one seed; got "
            f"width={width}, epochs={epochs}, batch_size={batch_size}, lr={lr}, seeds={seeds}"
        )
    device = torch.device(device)
    n, n_in = x.shape
    n_classes = int(max(y.max(), y_val.max())) + 1
    x, y, x_val, y_val = (t.to(device) for t in (x, y, x_val, y_val))
    layers = [
        [_init(n_in, width, s, device), _init(width, n_classes, 10_000 + s, device)] for s in seeds
    ]
    params = [
        torch.stack([layer[0][0] for layer in layers]),
        torch.stack([layer[0][1] for layer in layers]),
        torch.stack([layer[1][0] for layer in layers]),
        torch.stack([layer[1][1] for layer in layers]),
    ]
    for p in params:
        p.requires_grad_(True)
    optimizer = torch.optim.Adam(params, lr=lr)
    shufflers = [torch.Generator().manual_seed(20_000 + s) for s in seeds]
    val_error, snapshots = [], []
    for _ in range(epochs):
        order = torch.stack([torch.randperm(n, generator=g) for g in shufflers]).to(device)
        for start in range(0, n, batch_size):
            batch = order[:, start : start + batch_size]  # (S, B): each seed its own examples
            logits = _logits(params, x[batch])
            loss = F.cross_entropy(logits.transpose(1, 2), y[batch], reduction="none")
            optimizer.zero_grad()
            loss.mean(dim=1).sum().backward()  # Σ_s (mean loss of seed s): no seed sees another
            optimizer.step()
        snapshots.append([p.detach().clone() for p in params])
        val_error.append(_errors(params, x_val, y_val).cpu())
    return SeedRuns(width, lr, list(seeds), torch.stack(val_error), snapshots)
