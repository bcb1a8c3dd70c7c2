"""The training loop: one `training_step`, and `fit`, which runs it over epochs.

``fit`` minimises the empirical risk (1/N) Σ_i ℓ(f_θ(x_i), y_i) by mini-batch gradient descent:
an epoch (`_epoch`) runs `training_step` (zero_grad, forward, loss, backward, step) on every
batch; after it, a measurement (`_measure`) evaluates the training and the validation data, both
with θ fixed, so that their difference is the generalisation gap; a stop rule (`_stop`) ends the
run cleanly when the loss becomes NaN or infinite. The rest is bookkeeping: where the batches
come from, a progress bar, an interrupt.

It is written to run at full speed on a GPU as well as on a CPU: the data is moved to the device
once (see `utils.data.DeviceBatches`), the running sums stay on the device, and the loss is read
back to Python (a synchronisation point on a GPU) only a few times per epoch.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from utils.train.evaluation import (
    _amp_dtype,
    _as_batches,
    _autocast,
    _check_device,
    _move,
    count_correct,
    evaluate,
)
from utils.train.history import History

_CHECK_EVERY = 25  # batches between two checks for a NaN/inf loss (each check syncs a GPU)


def training_step(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    *,
    amp: bool = False,
    scaler: torch.amp.GradScaler | None = None,
    tensors: bool = False,
) -> float | tuple[torch.Tensor, torch.Tensor]:
    """One step of gradient descent on one mini-batch; returns the batch's loss (before the step).

    The five lines every PyTorch training loop is made of: forget the previous gradients, compute
    f_θ(x), the loss, its gradient with respect to θ by backpropagation, and update θ.

    `fit` calls it with three extras a notebook can ignore: ``amp`` runs the forward pass in
    mixed precision on CUDA; ``scaler`` (a ``torch.amp.GradScaler``, for float16) scales the
    loss so that small gradients do not round to 0; ``tensors=True`` returns the detached loss
    and outputs ``(loss, y_hat)`` as tensors instead of ``loss.item()``, so that a GPU is not
    made to wait for every batch.
    """
    optimizer.zero_grad()
    with _autocast(x.device, amp):
        y_hat = model(x)
        loss = loss_fn(y_hat, y)
    if scaler is None:
        loss.backward()
        optimizer.step()
    else:
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
    if tensors:
        return loss.detach(), y_hat.detach()
    return loss.item()


def _training_measurement(
    train: object, size: int | None, batch_size: int, device: torch.device, seed: int
) -> object | None:
    """What `fit` evaluates after each epoch to measure the training loss and accuracy: the
    training data itself, or a fixed random subset of ``size`` examples (the same every epoch,
    so that the curve moves only because θ moves). None when ``size == 0``, or when ``train`` is
    an iterable other than a DataLoader (it cannot be replayed safely)."""
    from utils.data import DeviceBatches

    if size == 0:
        return None
    if isinstance(train, DeviceBatches):
        x, y = train.x, train.y
    elif isinstance(train, tuple | list) and len(train) == 2:
        x, y = train
    elif isinstance(train, torch.utils.data.DataLoader):
        dataset = train.dataset
        n = len(dataset)  # type: ignore[arg-type]
        if size is not None and size < n:
            g = torch.Generator().manual_seed(seed)
            keep = torch.randperm(n, generator=g)[:size].tolist()
            dataset = torch.utils.data.Subset(dataset, keep)
        return torch.utils.data.DataLoader(
            dataset, batch_size=batch_size, shuffle=False, collate_fn=train.collate_fn
        )
    else:  # any other iterable of batches may be one-shot or costly to replay: not measured
        return None
    if size is not None and size < len(x):
        g = torch.Generator().manual_seed(seed)
        keep = torch.randperm(len(x), generator=g)[:size].to(x.device)
        x, y = x[keep], y[keep]
    return DeviceBatches(x, y, batch_size=batch_size, shuffle=False, device=device, seed=0)


def _progress_bar(enabled: bool, total: int | None, epochs: int):
    if not enabled:
        return None
    from tqdm.auto import tqdm  # a widget in Jupyter, a text bar on a terminal

    bar = tqdm(total=total, desc=f"epoch 1/{epochs}", unit="batch", leave=True, mininterval=0.2)
    bar.refresh()  # the first display (a widget in Jupyter) is slow: not in the first epoch's time
    return bar


def fit(
    model: nn.Module,
    train: object,
    val: object | None,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    epochs: int,
    device: torch.device | str,
    *,
    batch_size: int = 128,
    shuffle: bool = True,
    seed: int | None = None,
    progress: bool = True,
    amp: bool = False,
    accuracy: bool = True,
    eval_batch_size: int = 1024,
    train_eval_size: int | None = 10_000,
    verbose: bool = False,
) -> History:
    """Train ``model`` for ``epochs`` passes over ``train``; after each, measure it on the
    training data and on ``val`` with θ fixed. Every batch is one `training_step`.

    Parameters
    ----------
    model : nn.Module
        Already on ``device`` (``model.to(device)``), so that ``optimizer`` holds its parameters.
    train, val : (x, y) tensors, DeviceBatches or DataLoader
        A pair of tensors becomes `utils.data.DeviceBatches` (moved to ``device`` once, shuffled
        at every epoch when ``shuffle``, mini-batches of ``batch_size``). A DataLoader's batches
        are moved to ``device`` one by one. ``val`` may be None (its entries are then NaN).
    loss_fn : callable
        ``loss_fn(outputs, y)`` with ``reduction='mean'``: ``nn.CrossEntropyLoss()`` with logits
        of shape (n, K) and class indices, or ``nn.BCEWithLogitsLoss()`` with logits of shape
        (n,) and float labels in {0, 1} (an output of shape (n, 1) is squeezed to (n,)).
    seed : int, optional
        Seed of the shuffling. None draws it from PyTorch's global generator, so that
        ``seed_everything`` makes the whole run reproducible (the same history on a CPU).
    progress, verbose : bool
        Show a progress bar (a widget in Jupyter); print `History.summary` after every epoch.
    amp : bool
        Mixed precision on CUDA (bfloat16 on recent GPUs, float16 with loss scaling on older
        ones); ignored on CPU and MPS.
    accuracy : bool
        Measure the accuracy (classification); False for regression.
    eval_batch_size, train_eval_size : int
        Batch size of the measurements (memory only). The training loss and accuracy are
        measured on ``train_eval_size`` training examples (a fixed random subset, the same every
        epoch), or on all when None or fewer; 0 skips it (``train_loss`` is NaN, as for an
        iterable of batches); ``running_loss``/``running_acc`` are always recorded.

    Returns a `History`, one entry per completed epoch. On a NaN or infinite loss, training
    stops with a message and the history so far; so does an interrupt (Ctrl-C, or Jupyter's
    stop button).
    """
    device = _check_device(device)
    _check_fit_arguments(optimizer, epochs, batch_size, train_eval_size)
    if seed is None:
        seed = int(torch.randint(0, 2**62, (1,)).item())
    batches = _as_batches(train, "train", batch_size, shuffle, device, seed)
    val_batches = (
        None if val is None else _as_batches(val, "val", eval_batch_size, False, device, None)
    )
    measured = _training_measurement(train, train_eval_size, eval_batch_size, device, seed)
    run = _Run(model, loss_fn, optimizer, device, amp, accuracy, batches, measured, val_batches)
    history = History()
    bar = _progress_bar(progress, _total_batches(batches, epochs), epochs)
    try:
        for epoch in range(1, epochs + 1):
            if not run.epoch(history, epoch, epochs, bar):
                break
            if verbose:
                print(history.summary())
    except KeyboardInterrupt:
        _interrupted(history)
    finally:
        if bar is not None:
            bar.close()
        model.train()
    return history


class _Run:
    """What `fit` needs at every epoch: the step, the data, and how to measure."""

    def __init__(self, model, loss_fn, optimizer, device, amp, accuracy, batches, measured, val):
        self.model, self.loss_fn, self.optimizer, self.device = model, loss_fn, optimizer, device
        self.amp, self.accuracy = amp, accuracy
        self.batches, self.measured, self.val = batches, measured, val
        use_scaler = amp and device.type == "cuda" and _amp_dtype(device) == torch.float16
        self.scaler = torch.amp.GradScaler("cuda") if use_scaler else None
        self.squeezed = _squeezing(loss_fn)

    def step(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """`training_step`, its loss and outputs kept on the device (no wait for a GPU)."""
        return training_step(
            self.model,
            x,
            y,
            self.squeezed,
            self.optimizer,
            amp=self.amp,
            scaler=self.scaler,
            tensors=True,
        )

    def measure(self, data: object | None) -> tuple[float, float]:
        """The mean loss and accuracy on ``data`` with θ fixed; (NaN, NaN) when there is none."""
        if data is None:
            return math.nan, math.nan
        return evaluate(
            self.model, data, self.loss_fn, self.device, amp=self.amp, accuracy=self.accuracy
        )

    def epoch(self, history: History, epoch: int, epochs: int, bar) -> bool:
        """An epoch, the measurement, the stop rule; records the epoch in ``history``, or
        returns False (and records nothing) when the loss became NaN or infinite."""
        if bar is not None:
            bar.set_description(f"epoch {epoch}/{epochs}")
        run = _epoch(self.model, self.batches, self.step, self.device, self.accuracy, bar)
        if run.count and not run.finite:
            _stop(history, f"in epoch {epoch}", f" (around batch {run.batches})")
            return False
        # Both measured now, with the θ the epoch ended with: their difference is the
        # generalisation gap of this model (the running means mix every θ of the epoch).
        train_loss, train_acc = self.measure(self.measured)
        if self.measured is not None and run.count and not math.isfinite(train_loss):
            _stop(history, f"after epoch {epoch}", "")
            return False
        val_loss, val_acc = self.measure(self.val)
        _record(history, run, self.accuracy, train_loss, train_acc, val_loss, val_acc)
        if bar is not None:
            postfix = {"loss": f"{train_loss:.4f}"}
            if self.accuracy:
                postfix["acc"] = f"{train_acc:.3f}"
            if self.val is not None and self.accuracy:
                postfix["val_acc"] = f"{val_acc:.3f}"
            bar.set_postfix(postfix, refresh=True)
        return True


def _check_fit_arguments(optimizer, epochs, batch_size, train_eval_size) -> None:
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"`epochs` must be a non-negative int; found {epochs!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"`batch_size` must be a positive int; found {batch_size!r}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise ValueError(
            f"`optimizer` must be a torch.optim.Optimizer; found {type(optimizer).__name__}"
        )
    if train_eval_size is not None and (
        isinstance(train_eval_size, bool)
        or not isinstance(train_eval_size, int)
        or train_eval_size < 0
    ):
        raise ValueError(
            f"`train_eval_size` must be None or a non-negative int; found {train_eval_size!r}"
        )


def _squeezing(loss_fn):
    """``loss_fn`` applied to outputs of shape (n, 1) squeezed to (n,) when the labels are (n,)."""

    def loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if out.ndim == 2 and out.shape[1] == 1 and y.ndim == 1:
            out = out.squeeze(1)
        return loss_fn(out, y)

    return loss


def _total_batches(batches: object, epochs: int) -> int | None:
    try:
        return len(batches) * epochs  # type: ignore[arg-type]
    except TypeError:
        return None


@dataclass
class _Pass:
    """One epoch's training pass: the running sums (on the device), examples, batches, time."""

    total_loss: torch.Tensor
    correct: torch.Tensor
    count: int
    batches: int
    seconds: float
    finite: bool


def _epoch(model: nn.Module, batches, step, device: torch.device, accuracy: bool, bar) -> _Pass:
    """One pass over the training batches, one `training_step` each. The loss and the correct
    predictions are summed on the device; the sum is checked for NaN/inf every few batches."""
    model.train()
    start = time.perf_counter()
    total_loss = torch.zeros((), device=device)
    correct = torch.zeros((), device=device, dtype=torch.long)
    count = b = 0
    for b, (x, y) in enumerate(batches, start=1):
        x, y = _move(x, y, device)
        loss, out = step(x, y)
        n = y.shape[0]
        total_loss += loss.float() * n
        if accuracy:
            correct += count_correct(out, y)
        count += n
        if bar is not None:
            bar.update(1)
        if b % _CHECK_EVERY == 0 and not torch.isfinite(total_loss).item():
            break
    finite = bool(torch.isfinite(total_loss).item())  # waits for the GPU: the time is complete
    return _Pass(total_loss, correct, count, b, time.perf_counter() - start, finite)


def _interrupted(history: History) -> None:
    history.stopped = f"interrupted during epoch {history.epochs + 1}"
    print(
        f"Interrupted: keeping the history of the {history.epochs} completed epoch(s); "
        "the model keeps its current parameters."
    )


def _stop(history: History, when: str, where: str) -> None:
    """The stop rule's message: the loss became NaN or infinite, so the steps were too large."""
    history.stopped = f"the loss became NaN or infinite {when}"
    print(
        f"Stopped: the training loss became NaN or infinite {when}{where}. The steps were too "
        "large: try a smaller learning rate (e.g. 10 times smaller), or check the inputs for NaN "
        "and their scale."
    )


def _record(history: History, run: _Pass, accuracy: bool, *measured: float) -> None:
    train_loss, train_acc, val_loss, val_acc = measured
    history.running_loss.append(run.total_loss.item() / run.count if run.count else math.nan)
    history.running_acc.append(
        run.correct.item() / run.count if (run.count and accuracy) else math.nan
    )
    history.train_loss.append(train_loss)
    history.train_acc.append(train_acc)
    history.val_loss.append(val_loss)
    history.val_acc.append(val_acc)
    history.seconds.append(run.seconds)
