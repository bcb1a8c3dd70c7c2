"""The training loop: one training step, `fit` over epochs, and `evaluate`.

``fit`` minimises the empirical risk (1/N) Σ_i ℓ(f_θ(x_i), y_i) by mini-batch gradient descent:
for every batch it runs the five lines of `training_step` (zero_grad, forward, loss, backward,
step). Everything else in this file is bookkeeping: where the batches come from, what is measured
after each epoch (the training and the validation data, both with θ fixed, so that their
difference is the generalisation gap), a progress bar, and stopping cleanly.

It is written to run at full speed on a GPU as well as on a CPU: the data is moved to the device
once (see `utils.data.DeviceBatches`), the running sums stay on the device, and the loss is read
back to Python (a synchronisation point on a GPU) only a few times per epoch.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import torch
from torch import nn

__all__ = [
    "History",
    "confusion_matrix",
    "count_correct",
    "evaluate",
    "fit",
    "predict",
    "training_step",
]

_CHECK_EVERY = 25  # batches between two checks for a NaN/inf loss (each check syncs a GPU)


def training_step(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
) -> float:
    """One step of gradient descent on one mini-batch; returns the batch's loss (before the step).

    The five lines every PyTorch training loop is made of: forget the previous gradients, compute
    f_θ(x), the loss, its gradient with respect to θ by backpropagation, and update θ.
    """
    optimizer.zero_grad()
    y_hat = model(x)
    loss = loss_fn(y_hat, y)
    loss.backward()
    optimizer.step()
    return loss.item()


@dataclass
class History:
    """What `fit` measured, one entry per completed epoch.

    Attributes
    ----------
    train_loss, val_loss : list of float
        The mean loss on the training data (or a fixed subset of it, see ``fit``'s
        ``train_eval_size``) and on the validation data, both measured after the epoch with θ
        fixed: ``val_loss[e] - train_loss[e]`` is the generalisation gap of the model of epoch e.
    train_acc, val_acc : list of float
        The same for the accuracy (fraction in [0, 1]; NaN when ``accuracy=False``).
    seconds : list of float
        Wall-clock seconds of each epoch's training pass (the measurements not included).
    stopped : str or None
        Why training stopped before ``epochs`` (a NaN/inf loss, an interrupt), or None.
    running_loss, running_acc : list of float
        The mean loss and accuracy over the epoch's training batches, each batch measured just
        before its own step: an average over a θ that changes during the epoch, free to compute
        but biased (early batches saw a worse model), so it lies above ``train_loss``.
    """

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    stopped: str | None = None
    running_loss: list[float] = field(default_factory=list)
    running_acc: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        """The number of completed epochs."""
        return len(self.train_loss)

    def __len__(self) -> int:
        return self.epochs

    def as_dict(self) -> dict[str, list[float]]:
        """The per-epoch lists, keyed by name (handy for ``pandas.DataFrame(history.as_dict())``)."""
        return {
            "train_loss": list(self.train_loss),
            "train_acc": list(self.train_acc),
            "val_loss": list(self.val_loss),
            "val_acc": list(self.val_acc),
            "seconds": list(self.seconds),
            "running_loss": list(self.running_loss),
            "running_acc": list(self.running_acc),
        }

    def summary(self) -> str:
        """One line about the last epoch."""
        if not self.epochs:
            return "no epoch completed" + (f" ({self.stopped})" if self.stopped else "")
        if math.isnan(self.train_loss[-1]) and self.running_loss:  # the training data not measured
            line = (
                f"epoch {self.epochs}: running mean of the training batches: loss "
                f"{self.running_loss[-1]:.4f}, acc {self.running_acc[-1]:.2%}"
            )
        else:
            line = (
                f"epoch {self.epochs}: train loss {self.train_loss[-1]:.4f}, "
                f"train acc {self.train_acc[-1]:.2%}"
            )
        if self.val_loss and not math.isnan(self.val_loss[-1]):
            line += f", val loss {self.val_loss[-1]:.4f}, val acc {self.val_acc[-1]:.2%}"
        return line + f", {sum(self.seconds) / self.epochs:.2f} s/epoch"


# ----------------------------------------------------------------------------------------------
# Batches, predictions and accuracy
# ----------------------------------------------------------------------------------------------


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


# ----------------------------------------------------------------------------------------------
# fit
# ----------------------------------------------------------------------------------------------


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
    training data and on ``val`` with θ fixed.

    Parameters
    ----------
    model : nn.Module
        Already on ``device`` (``model.to(device)``), so that ``optimizer`` holds its parameters.
    train, val : (x, y) tensors, DeviceBatches or DataLoader
        A pair of tensors is turned into `utils.data.DeviceBatches` (moved to ``device`` once,
        shuffled mini-batches of ``batch_size``). A DataLoader's batches are moved to ``device``
        one by one. ``val`` may be None (no validation: its entries are NaN).
    loss_fn : callable
        ``loss_fn(outputs, y)`` with ``reduction='mean'``: ``nn.CrossEntropyLoss()`` with logits
        of shape (n, K) and class indices, or ``nn.BCEWithLogitsLoss()`` with logits of shape
        (n,) and float labels in {0, 1} (an output of shape (n, 1) is squeezed to (n,)).
    optimizer : torch.optim.Optimizer
    epochs : int
    device : torch.device or str
    batch_size : int
        Mini-batch size when ``train`` is a pair of tensors.
    shuffle : bool
        Shuffle the training pairs at every epoch (pairs of tensors only).
    seed : int, optional
        Seed of the shuffling. None draws it from PyTorch's global generator, so that
        ``seed_everything`` makes the whole run reproducible: the same seed gives the same
        history on a CPU.
    progress : bool
        Show a progress bar (a widget in Jupyter, text elsewhere).
    amp : bool
        Mixed precision on CUDA (bfloat16 on recent GPUs, float16 with loss scaling on older
        ones); ignored on CPU and MPS.
    accuracy : bool
        Measure the accuracy (classification); False for regression.
    eval_batch_size : int
        Batch size of the measurement passes (memory only).
    train_eval_size : int or None
        After each epoch, the training loss and accuracy are measured on this many training
        examples (a fixed random subset, the same every epoch), or on all of them when None or
        when there are fewer. 0 skips the measurement (``train_loss`` is then NaN, as for a
        ``train`` that is neither tensors nor a DataLoader); the running averages
        ``running_loss``/``running_acc`` are always recorded.
    verbose : bool
        Print `History.summary` after every epoch (useful when ``progress=False``).

    Returns
    -------
    History
        One entry per completed epoch. On a NaN or infinite loss, training stops with a message
        and the history so far; so does an interrupt (Ctrl-C, or Jupyter's stop button).
    """
    device = _check_device(device)
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"`epochs` must be a non-negative int; found {epochs!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"`batch_size` must be a positive int; found {batch_size!r}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise ValueError(
            f"`optimizer` must be a torch.optim.Optimizer; found {type(optimizer).__name__}"
        )
    if seed is None:
        seed = int(torch.randint(0, 2**62, (1,)).item())
    batches = _as_batches(train, "train", batch_size, shuffle, device, seed)
    val_batches = (
        None if val is None else _as_batches(val, "val", eval_batch_size, False, device, None)
    )
    if train_eval_size is not None and (
        isinstance(train_eval_size, bool)
        or not isinstance(train_eval_size, int)
        or train_eval_size < 0
    ):
        raise ValueError(
            f"`train_eval_size` must be None or a non-negative int; found {train_eval_size!r}"
        )
    train_measured = _training_measurement(train, train_eval_size, eval_batch_size, device, seed)
    try:
        n_batches = len(batches)  # type: ignore[arg-type]
    except TypeError:
        n_batches = None
    use_scaler = amp and device.type == "cuda" and _amp_dtype(device) == torch.float16
    scaler = torch.amp.GradScaler("cuda") if use_scaler else None

    history = History()
    bar = _progress_bar(progress, None if n_batches is None else n_batches * epochs, epochs)
    try:
        for epoch in range(1, epochs + 1):
            if bar is not None:
                bar.set_description(f"epoch {epoch}/{epochs}")
            model.train()
            start = time.perf_counter()
            total_loss = torch.zeros((), device=device)
            correct = torch.zeros((), device=device, dtype=torch.long)
            count = 0
            for b, (x, y) in enumerate(batches, start=1):
                x, y = _move(x, y, device)
                optimizer.zero_grad(set_to_none=True)
                with _autocast(device, amp):
                    out = _outputs(model, x, y)
                    loss = loss_fn(out, y)
                if scaler is not None:
                    scaler.scale(loss).backward()
                    scaler.step(optimizer)
                    scaler.update()
                else:
                    loss.backward()
                    optimizer.step()
                n = y.shape[0]
                with torch.no_grad():
                    total_loss += loss.detach().float() * n
                    if accuracy:
                        correct += count_correct(out.detach(), y)
                count += n
                if bar is not None:
                    bar.update(1)
                if b % _CHECK_EVERY == 0 and not torch.isfinite(total_loss).item():
                    break
            if count and not torch.isfinite(total_loss).item():
                history.stopped = f"the loss became NaN or infinite in epoch {epoch}"
                print(
                    f"Stopped: the training loss became NaN or infinite in epoch {epoch} "
                    f"(around batch {b}). The steps were too large: try a smaller learning rate "
                    f"(e.g. 10 times smaller), or check the inputs for NaN and their scale."
                )
                break
            running_loss = total_loss.item() / count if count else math.nan
            running_acc = correct.item() / count if (count and accuracy) else math.nan
            seconds = time.perf_counter() - start
            # Both measured now, with the θ the epoch ended with: their difference is the
            # generalisation gap of this model (the running means mix every θ of the epoch).
            if train_measured is not None:
                train_loss, train_acc = evaluate(
                    model, train_measured, loss_fn, device, amp=amp, accuracy=accuracy
                )
            else:
                train_loss, train_acc = math.nan, math.nan
            if train_measured is not None and count and not math.isfinite(train_loss):
                history.stopped = f"the loss became NaN or infinite after epoch {epoch}"
                print(
                    f"Stopped: the training loss became NaN or infinite after epoch {epoch}. "
                    "The steps were too large: try a smaller learning rate (e.g. 10 times "
                    "smaller), or check the inputs for NaN and their scale."
                )
                break
            if val_batches is not None:
                val_loss, val_acc = evaluate(
                    model, val_batches, loss_fn, device, amp=amp, accuracy=accuracy
                )
            else:
                val_loss, val_acc = math.nan, math.nan
            history.running_loss.append(running_loss)
            history.running_acc.append(running_acc)
            history.train_loss.append(train_loss)
            history.train_acc.append(train_acc)
            history.val_loss.append(val_loss)
            history.val_acc.append(val_acc)
            history.seconds.append(seconds)
            if bar is not None:
                postfix = {"loss": f"{train_loss:.4f}"}
                if accuracy:
                    postfix["acc"] = f"{train_acc:.3f}"
                if val_batches is not None and accuracy:
                    postfix["val_acc"] = f"{val_acc:.3f}"
                bar.set_postfix(postfix, refresh=True)
            if verbose:
                print(history.summary())
    except KeyboardInterrupt:
        history.stopped = f"interrupted during epoch {history.epochs + 1}"
        print(
            f"Interrupted: keeping the history of the {history.epochs} completed epoch(s); "
            "the model keeps its current parameters."
        )
    finally:
        if bar is not None:
            bar.close()
        model.train()
    return history
