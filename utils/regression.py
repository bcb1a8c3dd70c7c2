"""Regression with the squared loss on a distribution known in full (notebook 02b).

``Y = g(X) + s(X) ε`` with ``X`` uniform on ``[low, high]`` and ``ε ~ N(0, 1)`` independent of
``X``. For the squared loss $\\ell(\\hat y, y) = (\\hat y - y)^2$ the Bayes rule is the
conditional mean $f^b(x) = \\mathbb E[Y \\mid X = x] = g(x)$ and the Bayes risk is
$R^* = \\mathbb E[s(X)^2]$, the average noise variance. Every risk here is computed by
quadrature over $x$ (no Monte Carlo noise): $R(f) = R^* + \\mathbb E[(f(X) - g(X))^2]$.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

__all__ = ["NoisyFunction", "RegressorEnsemble", "fit_ensemble"]

Fn = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class NoisyFunction:
    """The distribution of $(X, Y)$: ``Y = g(X) + s(X) ε``, ``X ~ U[low, high]``.

    Parameters
    ----------
    g : callable
        The conditional mean, applied element-wise to a tensor of inputs.
    noise_std : float or callable
        $s(x)$: a constant (homoscedastic noise) or a function of ``x``.
    low, high : float
        The interval of ``X``.
    """

    g: Fn
    noise_std: float | Fn
    low: float = -2.0
    high: float = 2.0

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise ValueError(f"need low < high; found low={self.low}, high={self.high}")
        if not callable(self.noise_std) and not self.noise_std >= 0:
            raise ValueError(f"`noise_std` must be >= 0; found {self.noise_std}")

    def std(self, x: torch.Tensor) -> torch.Tensor:
        """$s(x)$, element-wise."""
        if callable(self.noise_std):
            return self.noise_std(x)
        return torch.full_like(x, float(self.noise_std))

    def sample(self, n: int, generator: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
        """``n`` pairs, as float32 tensors of shape (n, 1), from the seed ``generator``."""
        if n < 1:
            raise ValueError(f"`n` must be a positive number of samples; found {n}")
        gen = torch.Generator().manual_seed(generator)
        x = self.low + (self.high - self.low) * torch.rand(n, 1, generator=gen)
        eps = torch.randn(n, 1, generator=gen)
        return x, self.g(x) + self.std(x) * eps

    def grid(self, points: int = 4001) -> torch.Tensor:
        """Midpoints of ``points`` equal cells of ``[low, high]``, shape (points, 1), float64:
        the average of a smooth function over them is $\\mathbb E$ over ``X`` (midpoint rule)."""
        width = (self.high - self.low) / points
        return (self.low + width * (torch.arange(points, dtype=torch.float64) + 0.5))[:, None]

    def bayes_rule(self, x: torch.Tensor) -> torch.Tensor:
        """$f^b(x) = \\mathbb E[Y \\mid X = x] = g(x)$."""
        return self.g(x)

    def bayes_risk(self) -> float:
        """$R^* = \\mathbb E[s(X)^2]$, by quadrature."""
        return (self.std(self.grid()) ** 2).mean().item()

    def risk(self, f: Fn) -> float:
        """$R(f) = R^* + \\mathbb E[(f(X) - g(X))^2]$ for a predictor ``f`` (a function or a
        module taking float32 inputs of shape (n, 1))."""
        x = self.grid()
        with torch.no_grad():
            pred = _on_cpu(f, x)
        return self.bayes_risk() + ((pred - self.g(x)) ** 2).mean().item()


def _on_cpu(f: Fn, x: torch.Tensor) -> torch.Tensor:
    """``f(x)`` as a float64 CPU tensor, feeding a module float32 inputs on its own device."""
    if isinstance(f, nn.Module):
        param = next(f.parameters(), None)
        device = param.device if param is not None else torch.device("cpu")
        return f(x.float().to(device)).double().cpu()
    return f(x).double()


class RegressorEnsemble(nn.Module):
    r"""``members`` independent networks $1 \to$ ``width`` $\to 1$ (tanh; ``width = 0``: lines),
    computed as one batched computation: member ``m`` has its own $W_1, b_1, W_2, b_2$.

    ``forward`` takes inputs of shape (n, 1), shared by all members, or (members, n, 1), and
    returns (members, n, 1). ``member(m)`` is member ``m`` as a function of inputs (n, 1).
    Initialised as ``nn.Linear`` is: uniform in $\pm 1/\sqrt{n_{h-1}}$.
    """

    def __init__(self, members: int, width: int, seed: int = 0) -> None:
        super().__init__()
        if members < 1 or width < 0:
            raise ValueError(f"need members >= 1 and width >= 0; found {members}, {width}")
        gen = torch.Generator().manual_seed(seed)

        def uniform(*shape, fan_in):
            bound = fan_in**-0.5
            return nn.Parameter((2 * torch.rand(*shape, generator=gen) - 1) * bound)

        self.width = width
        hidden = width or 1
        self.W1 = uniform(members, 1, hidden, fan_in=1)
        self.b1 = uniform(members, 1, hidden, fan_in=1)
        if width:
            self.W2 = uniform(members, hidden, 1, fan_in=hidden)
            self.b2 = uniform(members, 1, 1, fan_in=hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim == 2:
            x = x.expand(self.W1.shape[0], *x.shape)
        a1 = x @ self.W1 + self.b1
        if not self.width:
            return a1
        return torch.tanh(a1) @ self.W2 + self.b2

    def member(self, m: int) -> Fn:
        def f(x: torch.Tensor) -> torch.Tensor:
            return self(x.float().to(self.W1.device))[m].double().cpu()

        return f


def fit_ensemble(
    model: RegressorEnsemble,
    xs: list[torch.Tensor],
    ys: list[torch.Tensor],
    steps: int = 800,
    lr: float = 0.02,
    device: torch.device | str = "cpu",
) -> RegressorEnsemble:
    r"""Train member ``m`` on ``(xs[m], ys[m])`` (its own $N_m$ examples) by full-batch Adam on
    $\sum_m \frac{1}{N_m} \sum_i (f_m(x_i) - y_i)^2$. Each member's gradient is the gradient
    of its own empirical risk, and Adam updates each parameter on its own: this is the same as
    training the members one by one, in one loop instead of ``len(xs)``."""
    members = model.W1.shape[0]
    if len(xs) != members or len(ys) != members:
        raise ValueError(f"need one data set per member ({members}); found {len(xs)}, {len(ys)}")
    longest = max(len(x) for x in xs)
    x_pad = torch.zeros(members, longest, 1)
    y_pad = torch.zeros(members, longest, 1)
    weight = torch.zeros(members, longest, 1)
    for m, (x, y) in enumerate(zip(xs, ys, strict=True)):
        x_pad[m, : len(x)], y_pad[m, : len(y)], weight[m, : len(x)] = x, y, 1.0 / len(x)
    model = model.to(device)
    x_pad, y_pad, weight = x_pad.to(device), y_pad.to(device), weight.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    threads = torch.get_num_threads()
    if torch.device(device).type == "cpu":
        torch.set_num_threads(1)  # tensors this small: one thread beats handing work over
    try:
        for _ in range(steps):
            opt.zero_grad()
            loss = (weight * (model(x_pad) - y_pad) ** 2).sum()
            loss.backward()
            opt.step()
    finally:
        torch.set_num_threads(threads)
    return model
