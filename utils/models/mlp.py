"""Feed-forward networks of the lecture (notebook 06): by hand with tensors, and as modules."""

from __future__ import annotations

import torch
from torch import nn


def feedforward(
    x: torch.Tensor, weights: list[torch.Tensor], biases: list[torch.Tensor]
) -> torch.Tensor:
    """The lecture's feed-forward network, written with tensors only.

    f_0(x) = x,  f_h(x) = σ_h(W_h f_{h−1}(x) + b_h) for h = 1, …, H, with σ_h = ReLU for the
    hidden layers and σ_H = identity (the output is the logits; the loss applies the softmax).

    Parameters
    ----------
    x : Tensor of shape (n, n_0)
        One example per row, so the affine map of a batch is ``f @ W_h.T + b_h``.
    weights : list of Tensor
        W_1, …, W_H with W_h of shape (n_h, n_{h−1}).
    biases : list of Tensor
        b_1, …, b_H with b_h of shape (n_h,).

    Returns
    -------
    Tensor of shape (n, n_H)
    """
    if len(weights) != len(biases) or not weights:
        raise ValueError(
            f"`weights` and `biases` must be non-empty lists of the same length; found "
            f"{len(weights)} and {len(biases)}"
        )
    f = x
    for h, (w, b) in enumerate(zip(weights, biases, strict=True), start=1):
        f = f @ w.T + b
        if h < len(weights):
            f = f.clamp(min=0)  # ReLU
    return f


def two_layer_backward(
    x: torch.Tensor,
    y: torch.Tensor,
    w1: torch.Tensor,
    b1: torch.Tensor,
    w2: torch.Tensor,
    b2: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Backpropagation by hand through a ReLU network with one hidden layer.

    The slide's variables, for one example: z_0 = x, a_1 = W_1 z_0 + b_1, z_1 = ReLU(a_1),
    a_2 = W_2 z_1 + b_2 (the logits), and L the cross-entropy of softmax(a_2) with the label y,
    averaged over the batch. With δ_k = ∂L/∂a_k:

        δ_2 = (softmax(a_2) − onehot(y)) / n,    δ_1 = (W_2ᵀ δ_2) ⊙ 1{a_1 > 0},
        ∂L/∂W_k = δ_k z_{k−1}ᵀ,                  ∂L/∂b_k = δ_k,

    each summed over the examples of the batch. With one example per row (Δ_k of shape
    (n, n_k)), the sums over the batch are matrix products: ∂L/∂W_k = Δ_kᵀ Z_{k−1}.

    Parameters
    ----------
    x : Tensor of shape (n, n_0)
    y : Tensor of shape (n,)
        Class indices in [0, n_2).
    w1, b1, w2, b2 : Tensor
        W_1 (n_1, n_0), b_1 (n_1,), W_2 (n_2, n_1), b_2 (n_2,).

    Returns
    -------
    (dW1, db1, dW2, db2)
        The gradients of L, with the shapes of the parameters.
    """
    if (
        x.ndim != 2
        or w1.shape != (b1.shape[0], x.shape[1])
        or w2.shape != (b2.shape[0], w1.shape[0])
    ):
        raise ValueError(
            f"shapes must be x (n, n_0), W_1 (n_1, n_0), b_1 (n_1,), W_2 (n_2, n_1), b_2 (n_2,); "
            f"found {tuple(x.shape)}, {tuple(w1.shape)}, {tuple(b1.shape)}, {tuple(w2.shape)}, "
            f"{tuple(b2.shape)}"
        )
    n = x.shape[0]
    a1 = x @ w1.T + b1  # forward pass, keeping what the backward pass needs
    z1 = a1.clamp(min=0)
    a2 = z1 @ w2.T + b2
    delta2 = (torch.softmax(a2, dim=1) - nn.functional.one_hot(y, a2.shape[1]).to(a2.dtype)) / n
    delta1 = (delta2 @ w2) * (a1 > 0).to(a2.dtype)  # W_2ᵀ δ_2 for every row, times ReLU'(a_1)
    return delta1.T @ x, delta1.sum(0), delta2.T @ z1, delta2.sum(0)


class MLP(nn.Sequential):
    """A feed-forward network with layer sizes n_0, n_1, …, n_H.

    ``Linear(n_{h−1}, n_h)`` followed by ``activation()`` for every hidden layer, and a last
    ``Linear(n_{H−1}, n_H)`` without activation: the output is the logits (the loss,
    ``nn.CrossEntropyLoss`` or ``nn.BCEWithLogitsLoss``, applies softmax or sigmoid). Inputs with
    more than two dimensions (images) are flattened first.

    Parameters
    ----------
    sizes : sequence of int
        [n_0, …, n_H], at least two sizes. ``MLP([2, 1])`` is logistic regression (H = 1, no
        hidden layer).
    activation : type of nn.Module
        The hidden layers' σ_h, as a class (``nn.ReLU``, ``nn.Tanh``, ``nn.Sigmoid``, …).

    Examples
    --------
    >>> MLP([784, 256, 10])
    MLP(
      (0): Flatten(start_dim=1, end_dim=-1)
      (1): Linear(in_features=784, out_features=256, bias=True)
      (2): ReLU()
      (3): Linear(in_features=256, out_features=10, bias=True)
    )
    """

    def __init__(self, sizes, activation: type[nn.Module] = nn.ReLU) -> None:
        sizes = list(sizes)
        if len(sizes) < 2 or any(
            isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in sizes
        ):
            raise ValueError(
                f"`sizes` must be at least two positive ints [n_0, ..., n_H]; found {sizes!r}"
            )
        if not (isinstance(activation, type) and issubclass(activation, nn.Module)):
            raise ValueError(
                "`activation` must be an nn.Module class such as nn.ReLU (the class, not "
                f"nn.ReLU()); found {activation!r}"
            )
        layers: list[nn.Module] = [nn.Flatten()]
        for h in range(1, len(sizes)):
            layers.append(nn.Linear(sizes[h - 1], sizes[h]))
            if h < len(sizes) - 1:
                layers.append(activation())
        super().__init__(*layers)
        self.sizes = sizes


class StackedMLP(nn.Module):
    """``copies`` independent MLPs of the same sizes, run as one batched matrix product.

    To train a network on several seeds (several training samples, several initialisations)
    at the cost of about one: the input has shape (copies, n, n_0) and copy s sees only
    ``x[s]``, so the output (copies, n, n_H) holds each network's logits for its own sample.
    With the loss averaged over all copies, each copy's gradient is its own loss's gradient
    divided by ``copies``, which Adam's per-parameter scaling undoes: training the stack with
    Adam is training each network alone. Every W_h and b_h starts as in ``nn.Linear``
    (uniform in ±1/√n_{h−1}). ``StackedMLP([2, 1], copies)`` is logistic regression.

    Examples
    --------
    >>> net = StackedMLP([2, 8, 1], copies=5)
    >>> net(torch.zeros(5, 100, 2)).shape
    torch.Size([5, 100, 1])
    """

    def __init__(self, sizes, copies: int, activation: type[nn.Module] = nn.ReLU) -> None:
        super().__init__()
        sizes = list(sizes)
        if len(sizes) < 2 or any(
            isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in sizes
        ):
            raise ValueError(
                f"`sizes` must be at least two positive ints [n_0, ..., n_H]; found {sizes!r}"
            )
        if isinstance(copies, bool) or not isinstance(copies, int) or copies < 1:
            raise ValueError(f"`copies` must be a positive int; found {copies!r}")
        self.sizes, self.copies = sizes, copies
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
            bound = n_in**-0.5
            self.weights.append(
                nn.Parameter(torch.empty(copies, n_in, n_out).uniform_(-bound, bound))
            )
            self.biases.append(nn.Parameter(torch.empty(copies, 1, n_out).uniform_(-bound, bound)))
        self.activation = activation()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 3 or x.shape[0] != self.copies or x.shape[2] != self.sizes[0]:
            raise ValueError(
                f"`x` must have shape (copies, n, n_0) = ({self.copies}, n, {self.sizes[0]}); "
                f"found {tuple(x.shape)}"
            )
        last = len(self.weights) - 1
        for h, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            x = torch.baddbmm(b, x, w)  # x_s W_s + b_s for every copy s at once
            if h < last:
                x = self.activation(x)
        return x


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """The number of (trainable) scalar parameters of ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def mlp_parameter_count(sizes) -> int:
    """Σ_{h=1}^{H} n_h (n_{h−1} + 1): the entries of every W_h (n_h × n_{h−1}) and b_h (n_h)."""
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"`sizes` must hold at least two sizes; found {sizes!r}")
    return sum(sizes[h] * (sizes[h - 1] + 1) for h in range(1, len(sizes)))
