"""Measuring a model with θ fixed: `evaluate`, `predict`, `count_correct`, `confusion_matrix`,
and the helpers `fit` shares with them (where the batches come from, the device, mixed precision).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterable

import torch
from torch import nn


def _as_batches(
    data: object,
    name: str,
    batch_size: int,
    shuffle: bool,
    device: torch.device,
    seed: int | None,
) -> Iterable:
    """``(x, y)`` tensors become `DeviceBatches`; a DataLoader or any iterable of batches stays."""
    from utils.data import DeviceBatches  # utils.data imports nothing from here

    if isinstance(data, DeviceBatches):
        return data.to(device)
    if (
        isinstance(data, tuple | list)
        and len(data) == 2
        and all(isinstance(t, torch.Tensor) for t in data)
    ):
        return DeviceBatches(
            data[0], data[1], batch_size=batch_size, shuffle=shuffle, device=device, seed=seed
        )
    if isinstance(data, torch.utils.data.DataLoader) or (
        isinstance(data, Iterable) and not isinstance(data, torch.Tensor | str | tuple | list)
    ):
        return data
    raise ValueError(
        f"`{name}` must be a pair (x, y) of tensors, a DeviceBatches or a DataLoader; "
        f"found {type(data).__name__}"
    )


def _outputs(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """f_θ(x), with an output of shape (n, 1) squeezed to (n,) when the labels have shape (n,)."""
    out = model(x)
    if out.ndim == 2 and out.shape[1] == 1 and y.ndim == 1:
        out = out.squeeze(1)
    return out


def count_correct(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The number of correct predictions in a batch, as a 0-d tensor on the batch's device.

    Multiclass logits of shape (n, K) predict ``argmax_k``; binary logits of shape (n,) (or
    (n, 1)) predict class 1 when the logit is ≥ 0, i.e. when σ(logit) ≥ 1/2 — the MAP rule.
    """
    if logits.ndim == 2 and logits.shape[1] > 1:
        return (logits.argmax(dim=1) == y).sum()
    return ((logits.reshape(-1) >= 0) == (y.reshape(-1) >= 0.5)).sum()


def _move(x: torch.Tensor, y: torch.Tensor, device: torch.device):
    if x.device != device:
        x = x.to(device, non_blocking=True)
    if y.device != device:
        y = y.to(device, non_blocking=True)
    return x, y


def _amp_dtype(device: torch.device) -> torch.dtype:
    """bfloat16 on GPUs that compute in it natively (compute capability ≥ 8: A100, L4, H100),
    float16 (with loss scaling) on older ones such as Colab's T4, where bfloat16 is emulated."""
    major, _ = torch.cuda.get_device_capability(device)
    return torch.bfloat16 if major >= 8 else torch.float16


def _autocast(device: torch.device, amp: bool):
    """Mixed precision on CUDA; a no-op elsewhere."""
    if not (amp and device.type == "cuda"):
        return contextlib.nullcontext()
    return torch.autocast("cuda", dtype=_amp_dtype(device))


def _check_device(device: torch.device | str) -> torch.device:
    if not isinstance(device, torch.device | str):
        raise ValueError(
            f"`device` must be a torch.device or a str such as 'cpu'; found {type(device).__name__}"
        )
    return torch.device(device)


@torch.no_grad()
def evaluate(
    model: nn.Module,
    data: object,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    device: torch.device | str,
    *,
    batch_size: int = 1024,
    amp: bool = False,
    accuracy: bool = True,
) -> tuple[float, float]:
    """The mean loss and the accuracy of ``model`` on ``data``, without changing the model.

    Parameters
    ----------
    model : nn.Module
        Already on ``device``. Put in evaluation mode (``model.eval()``) for the pass and
        restored to its previous mode after.
    data : (x, y) tensors, DeviceBatches or DataLoader
    loss_fn : callable
        A loss with ``reduction='mean'`` such as ``nn.CrossEntropyLoss()``.
    device : torch.device or str
    batch_size : int
        Batch size when ``data`` is a pair of tensors (memory only: the result does not depend
        on it).
    amp : bool
        Mixed precision on CUDA (ignored elsewhere).
    accuracy : bool
        Compute the accuracy (see `count_correct`); False for regression (the accuracy is NaN).

    Returns
    -------
    (float, float)
        (mean loss, accuracy in [0, 1]); (NaN, NaN) for empty data.
    """
    device = _check_device(device)
    batches = _as_batches(data, "data", batch_size, False, device, None)
    was_training = model.training
    model.eval()
    total_loss = torch.zeros((), device=device)
    correct = torch.zeros((), device=device, dtype=torch.long)
    count = 0
    try:
        for x, y in batches:
            x, y = _move(x, y, device)
            with _autocast(device, amp):
                out = _outputs(model, x, y)
                loss = loss_fn(out, y)
            n = y.shape[0]
            total_loss += loss.detach().float() * n
            if accuracy:
                correct += count_correct(out, y)
            count += n
    finally:
        model.train(was_training)
    if count == 0:
        return math.nan, math.nan
    acc = correct.item() / count if accuracy else math.nan
    return total_loss.item() / count, acc


@torch.no_grad()
def predict(
    model: nn.Module, x: torch.Tensor, device: torch.device | str, *, batch_size: int = 4096
) -> torch.Tensor:
    """f_θ(x) for every row of ``x``, computed on ``device`` in batches, returned on the CPU."""
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"`x` must be a torch.Tensor; found {type(x).__name__}")
    device = _check_device(device)
    was_training = model.training
    model.eval()
    try:
        outs = [model(x[i : i + batch_size].to(device)) for i in range(0, len(x), batch_size)]
    finally:
        model.train(was_training)
    return torch.cat(outs).cpu() if outs else torch.empty(0)


def confusion_matrix(
    y_true: torch.Tensor, y_pred: torch.Tensor, n_classes: int | None = None
) -> torch.Tensor:
    """C[i, j] = the number of samples of class i predicted as class j (an int64 tensor)."""
    y_true = torch.as_tensor(y_true).reshape(-1).long().cpu()
    y_pred = torch.as_tensor(y_pred).reshape(-1).long().cpu()
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"`y_true` and `y_pred` must have the same length; found {len(y_true)} and {len(y_pred)}"
        )
    if n_classes is None:
        n_classes = int(max(y_true.max().item(), y_pred.max().item())) + 1 if len(y_true) else 0
    if len(y_true) and (
        min(y_true.min(), y_pred.min()) < 0 or max(y_true.max(), y_pred.max()) >= n_classes
    ):
        raise ValueError(f"labels must lie in [0, {n_classes}); found values outside")
    flat = torch.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes)
