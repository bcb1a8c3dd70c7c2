"""`History`: what `utils.train.fit` measured, one entry per completed epoch."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


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
