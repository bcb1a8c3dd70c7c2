"""Training plots (notebook 06): learning curves, a confusion matrix, an image grid."""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch


def plot_learning_curves(history, ax=None, *, title: str | None = None, running: bool = True):
    """Loss and accuracy per epoch, training vs validation, side by side.

    Both curves are measured after each epoch with θ fixed (see `utils.train.History`), so the
    distance between them is the generalisation gap of the model of that epoch: the training
    loss keeps falling while the validation loss flattens (or rises, when the model overfits).
    The running mean over the epoch's batches, which mixes every θ of the epoch, is drawn
    dotted when ``running`` is True: it lies above the end-of-epoch training curve.

    Parameters
    ----------
    history : utils.train.History
        What ``fit`` returned (anything with ``train_loss``, ``val_loss``, ``train_acc`` and
        ``val_acc`` lists; ``running_loss``/``running_acc`` are drawn when present).
    ax : pair of matplotlib Axes, optional
        Where to draw the loss and the accuracy.
    title : str, optional
        A title above both panels.
    running : bool
        Also draw the running means of the training batches.

    Returns
    -------
    numpy array of two Axes
    """
    import math

    import numpy as np

    for name in ("train_loss", "val_loss", "train_acc", "val_acc"):
        if not hasattr(history, name):
            raise ValueError(
                f"`history` must be a History from utils.train.fit; found "
                f"{type(history).__name__} without `{name}`"
            )
    if ax is None:
        fig, ax = plt.subplots(1, 2, figsize=(10, 3.5))
    ax = np.asarray(ax).reshape(-1)
    if ax.size != 2:
        raise ValueError(f"`ax` must be a pair of Axes; found {ax.size}")
    epochs = range(1, len(history.train_loss) + 1)
    panels = (
        ("loss", history.train_loss, history.val_loss, getattr(history, "running_loss", [])),
        ("accuracy", history.train_acc, history.val_acc, getattr(history, "running_acc", [])),
    )
    for axis, (label, train, val, run) in zip(ax, panels, strict=True):
        if any(not math.isnan(v) for v in train):
            axis.plot(epochs, train, "o-", ms=3, color="C0", label="train")
        if any(not math.isnan(v) for v in val):
            axis.plot(epochs, val, "s-", ms=3, color="C1", label="validation")
        if running and len(run) == len(epochs) and any(not math.isnan(v) for v in run):
            axis.plot(epochs, run, ":", color="C0", alpha=0.7, label="train, running mean")
        axis.set_xlabel("epoch")
        axis.set_ylabel(label)
        axis.grid(alpha=0.3)
        axis.legend()
    if title:
        ax[0].figure.suptitle(title)
    return ax


def plot_confusion_matrix(
    y_true: torch.Tensor,
    y_pred: torch.Tensor,
    n_classes: int | None = None,
    ax: plt.Axes | None = None,
    *,
    class_names=None,
    normalize: bool = False,
) -> plt.Axes:
    """The confusion matrix C[i, j] = #{true class i, predicted j}, as a heat map with counts.

    The diagonal holds the correct predictions; a large entry off the diagonal names a pair of
    classes the model confuses. ``normalize=True`` divides each row by its total (the recall of
    each class on the diagonal).

    Returns
    -------
    matplotlib Axes
    """
    from utils.train import confusion_matrix

    counts = confusion_matrix(y_true, y_pred, n_classes)
    k = counts.shape[0]
    values = counts.double()
    if normalize:
        values = values / values.sum(dim=1, keepdim=True).clamp(min=1)
    ax = ax if ax is not None else plt.subplots(figsize=(0.5 * k + 2, 0.5 * k + 1.5))[1]
    image = ax.imshow(values.numpy(), cmap="Blues")
    names = [str(i) for i in range(k)] if class_names is None else [str(c) for c in class_names]
    if len(names) != k:
        raise ValueError(f"`class_names` must have {k} names; found {len(names)}")
    ax.set_xticks(range(k), names)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    high = values.max().item()
    for i in range(k):
        for j in range(k):
            v = values[i, j].item()
            if v:
                text = f"{v:.2f}" if normalize else f"{int(v)}"
                color = "white" if v > 0.6 * high else "black"
                ax.text(j, i, text, ha="center", va="center", fontsize=8, color=color)
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return ax


def show_image_grid(
    images: torch.Tensor,
    labels: torch.Tensor | None = None,
    predictions: torch.Tensor | None = None,
    *,
    image_shape: tuple[int, int] | None = None,
    ncols: int = 8,
    fig=None,
    title: str | None = None,
):
    """A grid of grey-level images, each titled with its label (and prediction, red if wrong).

    Parameters
    ----------
    images : Tensor of shape (n, H, W), (n, 1, H, W) or (n, H·W) with ``image_shape``
    labels, predictions : Tensor of shape (n,), optional
    image_shape : (int, int), optional
        (H, W) for flattened images.
    ncols : int
    fig : matplotlib Figure, optional
        An empty figure to draw into.

    Returns
    -------
    matplotlib Figure
    """
    if not isinstance(images, torch.Tensor):
        raise ValueError(f"`images` must be a torch.Tensor; found {type(images).__name__}")
    images = images.detach().cpu().float()
    if image_shape is not None:
        images = images.reshape(-1, *image_shape)
    if images.dim() == 4 and images.shape[1] == 1:
        images = images[:, 0]
    if images.dim() != 3:
        raise ValueError(
            "`images` must have shape (n, H, W) or (n, 1, H, W), or (n, H·W) with "
            f"`image_shape`; found {tuple(images.shape)}"
        )
    n = images.shape[0]
    for name, value in (("labels", labels), ("predictions", predictions)):
        if value is not None and len(value) != n:
            raise ValueError(f"`{name}` must have {n} entries, one per image; found {len(value)}")
    ncols = max(1, min(ncols, n))
    nrows = max(1, -(-n // ncols))
    fig = fig if fig is not None else plt.figure(figsize=(1.3 * ncols, 1.5 * nrows + 0.3))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for i, axis in enumerate(axes.flat):
        axis.axis("off")
        if i >= n:
            continue
        axis.imshow(images[i].numpy(), cmap="gray_r")
        parts, color = [], "black"
        if labels is not None:
            parts.append(f"y={int(labels[i])}")
        if predictions is not None:
            parts.append(f"ŷ={int(predictions[i])}")
            if labels is not None and int(predictions[i]) != int(labels[i]):
                color = "tab:red"
        if parts:
            axis.set_title(" ".join(parts), fontsize=9, color=color)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------
# Saving figures for slides (the graded lab, notebook 07)
# ----------------------------------------------------------------------------------------------
