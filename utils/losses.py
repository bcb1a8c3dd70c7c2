"""The loss functions ℓ(ŷ, y) of lecture 1, as in the slides.

- squared (Euclidean) loss   ℓ(ŷ, y) = ‖ŷ − y‖²
- 0-1 loss                   ℓ(ŷ, y) = 1{ŷ ≠ y}
- binary cross-entropy       ℓ(ŷ, y) = −y ln ŷ − (1 − y) ln(1 − ŷ)
- cross-entropy (K classes)  ℓ(ŷ, y) = −Σ_j y[j] ln ŷ[j]     (y one-hot)

Each takes the prediction ŷ first and the target y second, and a ``reduction`` like torch's:
``'none'`` gives one loss per sample, ``'mean'`` their average (the empirical risk) and ``'sum'``
their sum. The cross-entropies accept probabilities or, with ``from_logits=True``, the raw scores
a before the sigmoid/softmax, which is the numerically stable way (softplus, log-sum-exp).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["binary_cross_entropy", "cross_entropy", "squared_loss", "zero_one_loss"]

LOG_MIN = -100.0
"""ln ŷ is clamped at −100 (as ``torch.nn.functional.binary_cross_entropy`` does), so a confident
wrong prediction costs 100 (the slides' "large value in practice") instead of +∞, and
0 · ln 0 gives 0 instead of NaN."""

REDUCTIONS = ("mean", "sum", "none")
FROM_LOGITS = " (for scores, not probabilities, pass from_logits=True)"


# -- validation -----------------------------------------------------------------------------------


def _tensor(value, name: str) -> torch.Tensor:
    """``value`` as a tensor; empty or NaN-holding inputs are refused."""
    t = value if isinstance(value, torch.Tensor) else torch.as_tensor(value)
    if t.numel() == 0:
        raise ValueError(f"`{name}` is empty (shape {tuple(t.shape)}); expected at least one value")
    if t.is_floating_point() and torch.isnan(t).any():
        count = int(torch.isnan(t).sum())
        raise ValueError(f"`{name}` contains NaN ({count} of {t.numel()} values); expected numbers")
    return t


def _float(t: torch.Tensor) -> torch.Tensor:
    return t if t.is_floating_point() else t.to(torch.get_default_dtype())


def _same_shape(y_hat: torch.Tensor, y: torch.Tensor) -> None:
    if y_hat.shape != y.shape:
        raise ValueError(
            f"`y_hat` and `y` must have the same shape; found {tuple(y_hat.shape)} and "
            f"{tuple(y.shape)}"
        )


def _in_unit_interval(t: torch.Tensor, name: str, what: str, advice: str = "") -> None:
    lo, hi = t.min().item(), t.max().item()
    if lo < 0 or hi > 1:
        found = f"min {lo:.4g}" if lo < 0 else f"max {hi:.4g}"
        raise ValueError(f"`{name}` must hold {what} in [0, 1]; found {found}{advice}")


def _reduce(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"`reduction` must be one of {REDUCTIONS}; found {reduction!r}")


# -- the losses -----------------------------------------------------------------------------------


def squared_loss(y_hat, y, reduction: str = "mean") -> torch.Tensor:
    """Squared (Euclidean) loss ℓ(ŷ, y) = ‖ŷ − y‖².

    Parameters
    ----------
    y_hat, y : tensor of shape (N,) or (N, K)
        Predictions and targets: N numbers (𝒴 = ℝ), or N vectors of K numbers (𝒴 = ℝ^K), whose
        squared differences are summed over the K components.
    reduction : {'mean', 'sum', 'none'}
        ``'none'`` returns the N losses.

    Examples
    --------
    >>> squared_loss(torch.tensor([[1.0, 2.0]]), torch.tensor([[0.0, 0.0]]))
    tensor(5.)
    """
    _check_reduction(reduction)
    y_hat, y = _float(_tensor(y_hat, "y_hat")), _float(_tensor(y, "y"))
    _same_shape(y_hat, y)
    loss = (y_hat - y) ** 2
    if loss.ndim >= 2:  # one vector per sample: ‖ŷ − y‖² sums its components
        loss = loss.sum(dim=-1)
    return _reduce(loss, reduction)


def zero_one_loss(y_hat, y, reduction: str = "mean") -> torch.Tensor:
    """0-1 loss ℓ(ŷ, y) = 1{ŷ ≠ y}: 1 for a wrong label, 0 for a right one.

    Parameters
    ----------
    y_hat, y : tensor of labels, same shape
        Predicted and true labels (any label set: {0, 1}, {−1, +1}, {0, …, K−1}).
    reduction : {'mean', 'sum', 'none'}
        ``'mean'`` is the error rate.

    Examples
    --------
    >>> zero_one_loss(torch.tensor([1, -1, 1]), torch.tensor([1, 1, 1]), reduction="none")
    tensor([0., 1., 0.])
    """
    _check_reduction(reduction)
    y_hat, y = _tensor(y_hat, "y_hat"), _tensor(y, "y")
    _same_shape(y_hat, y)
    return _reduce((y_hat != y).to(torch.get_default_dtype()), reduction)


def binary_cross_entropy(
    y_hat, y, from_logits: bool = False, reduction: str = "mean"
) -> torch.Tensor:
    """Binary cross-entropy ℓ(ŷ, y) = −y ln ŷ − (1 − y) ln(1 − ŷ), for y in {0, 1}.

    Parameters
    ----------
    y_hat : tensor
        The predicted probability ŷ = P(Y = 1 | x) in [0, 1] or, with ``from_logits=True``, the
        score a with ŷ = σ(a) = 1 / (1 + e^{−a}).
    y : tensor, same shape
        Targets in {0, 1} (values in between are accepted as soft targets).
    from_logits : bool
        Compute from a directly: −ln σ(a) = softplus(−a) and −ln(1 − σ(a)) = softplus(a), which
        never overflows (a = ±1000 is fine) and is exact where σ(a) rounds to 0 or 1.
    reduction : {'mean', 'sum', 'none'}

    Notes
    -----
    From probabilities, each ln is clamped at −100 (`LOG_MIN`): ℓ(0, 1) = 100, not +∞.

    Examples
    --------
    >>> binary_cross_entropy(torch.tensor([0.9, 0.2]), torch.tensor([1.0, 0.0]), reduction="none")
    tensor([0.1054, 0.2231])
    """
    _check_reduction(reduction)
    y_hat, y = _float(_tensor(y_hat, "y_hat")), _float(_tensor(y, "y"))
    _same_shape(y_hat, y)
    if y.min() < 0:
        raise ValueError(
            f"`y` must hold targets in {{0, 1}}; found min {y.min().item():.4g} "
            "(for labels in {-1, +1} pass (y + 1) / 2)"
        )
    _in_unit_interval(y, "y", "targets")
    if from_logits:
        loss = y * F.softplus(-y_hat) + (1 - y) * F.softplus(y_hat)
    else:
        _in_unit_interval(y_hat, "y_hat", "probabilities", FROM_LOGITS)
        log_p = torch.log(y_hat).clamp(min=LOG_MIN)
        log_not_p = torch.log(1 - y_hat).clamp(min=LOG_MIN)
        loss = -y * log_p - (1 - y) * log_not_p
    return _reduce(loss, reduction)


def cross_entropy(y_hat, y, from_logits: bool = False, reduction: str = "mean") -> torch.Tensor:
    """Multiclass cross-entropy ℓ(ŷ, y) = −Σ_j y[j] ln ŷ[j], with y one-hot.

    With y one-hot for class c, this is −ln ŷ[c]: minus the log-probability of the true class.
    (The slides write ŷ and y the other way round; this is the standard form.)

    Parameters
    ----------
    y_hat : tensor of shape (N, K)
        Predicted probabilities ŷ (each row in [0, 1], summing to 1) or, with
        ``from_logits=True``, scores a with ŷ = softmax(a).
    y : tensor
        Targets: class indices of shape (N,) with values in {0, …, K−1} (an integer tensor), or
        one-hot (or probability) rows of shape (N, K) (a float tensor).
    from_logits : bool
        Use ln softmax(a)[j] = a[j] − ln Σ_i e^{a[i]} with a stable log-sum-exp (the maximum is
        subtracted before exponentiating), so scores of ±1000 are fine.
    reduction : {'mean', 'sum', 'none'}

    Examples
    --------
    >>> p = torch.tensor([[0.7, 0.2, 0.1]])
    >>> cross_entropy(p, torch.tensor([0])), cross_entropy(p, torch.tensor([[1.0, 0.0, 0.0]]))
    (tensor(0.3567), tensor(0.3567))
    """
    _check_reduction(reduction)
    y_hat, y = _float(_tensor(y_hat, "y_hat")), _tensor(y, "y")
    if y_hat.ndim < 1:
        raise ValueError("`y_hat` must have shape (N, K) or (K,); found a single number")
    num_classes = y_hat.shape[-1]
    if y.is_floating_point():  # one-hot or probability rows
        _same_shape(y_hat, y)
        _in_unit_interval(y, "y", "one-hot (or probability) targets")
    else:  # class indices
        if y.shape != y_hat.shape[:-1]:
            raise ValueError(
                f"`y` of class indices must have shape {tuple(y_hat.shape[:-1])} for `y_hat` of "
                f"shape {tuple(y_hat.shape)}; found {tuple(y.shape)}"
            )
        lo, hi = y.min().item(), y.max().item()
        if lo < 0 or hi >= num_classes:
            raise ValueError(
                f"`y` must hold class indices in 0..{num_classes - 1} (K = {num_classes}); "
                f"found {lo if lo < 0 else hi}"
            )
        y = F.one_hot(y.long(), num_classes).to(y_hat.dtype)
    if from_logits:
        # ln softmax(a)[j] = a[j] − ln Σ_i e^{a[i]}; shifting a by its maximum changes nothing in
        # exact arithmetic but keeps every e^{...} in [0, 1]: no overflow, and no lost digits.
        shifted = y_hat - y_hat.max(dim=-1, keepdim=True).values
        log_p = shifted - torch.log(torch.exp(shifted).sum(dim=-1, keepdim=True))
    else:
        _in_unit_interval(y_hat, "y_hat", "probabilities", FROM_LOGITS)
        sums = y_hat.sum(dim=-1)
        worst = (sums - 1).abs().max().item()
        if worst > 1e-3:
            raise ValueError(
                f"each row of `y_hat` must sum to 1 (probabilities); found a row summing to "
                f"{sums.flatten()[(sums - 1).abs().flatten().argmax()].item():.4g} "
                f"{FROM_LOGITS}"
            )
        log_p = torch.log(y_hat).clamp(min=LOG_MIN)
    loss = -(y * log_p).sum(dim=-1)
    return _reduce(loss, reduction)
