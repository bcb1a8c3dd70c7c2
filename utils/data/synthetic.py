"""Small synthetic problems the notebooks generate, with risks known exactly where possible.

Every generator returns tensors and takes a ``seed`` or a ``torch.Generator``, so that the same
seed gives the same data.
"""

from __future__ import annotations

import torch

from utils.env import as_generator

# ----------------------------------------------------------------------------------------------
# Risk and Bayes examples (notebooks 01–02)
# ----------------------------------------------------------------------------------------------


def sine_regression(
    n: int, noise_std: float = 0.3, generator: torch.Generator | int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """A regression problem whose risks are known exactly.

    X ~ Uniform(−1, 1) and Y = sin(πX) + ε with ε ~ N(0, noise_std²) independent of X. The best
    predictor (squared loss) is f^b(x) = sin(πx), with risk noise_std²; `sine_regression_risk`
    gives the risk of any other predictor.

    Returns ``x`` and ``y``, both float32 of shape (n,).
    """
    _check_count(n)
    if not noise_std >= 0:
        raise ValueError(f"`noise_std` must be >= 0; found {noise_std!r}")
    g = as_generator(generator)
    x = 2 * torch.rand(n, generator=g, dtype=torch.float64) - 1
    y = torch.sin(torch.pi * x) + noise_std * torch.randn(n, generator=g, dtype=torch.float64)
    return x.float(), y.float()


def sine_regression_risk(f, noise_std: float = 0.3, num_points: int = 4001) -> float:
    """The exact risk E[(f(X) − Y)²] of a predictor ``f`` for `sine_regression`.

    Since ε is independent of X with mean 0, the risk is E[(f(X) − sin πX)²] + noise_std²; the
    expectation over X ~ Uniform(−1, 1) is an integral, computed with Simpson's rule on
    ``num_points`` points (error far below 1e-9 for smooth f such as polynomials).

    ``f`` maps a float64 tensor of shape (m,) to predictions of shape (m,).
    """
    if num_points < 3 or num_points % 2 == 0:
        raise ValueError(f"`num_points` must be odd and >= 3; found {num_points!r}")
    x = torch.linspace(-1, 1, num_points, dtype=torch.float64)
    prediction = torch.as_tensor(f(x)).detach().to(torch.float64).reshape(-1)
    if prediction.shape != x.shape:
        raise ValueError(f"`f` must return {num_points} predictions; found {prediction.numel()}")
    gap = (prediction - torch.sin(torch.pi * x)) ** 2
    weights = torch.ones(num_points, dtype=torch.float64)
    weights[1:-1:2], weights[2:-1:2] = 4.0, 2.0
    h = 2 / (num_points - 1)
    mean_gap = (h / 3 * weights * gap).sum().item() / 2  # the density of X is 1/2 on [−1, 1]
    return mean_gap + noise_std**2


def coin_flip_classification(
    n: int, generator: torch.Generator | int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """A binary classification problem whose risks are known exactly.

    X ~ Uniform(0, 1) and, given X = x, Y = 1 with probability x (else 0). The threshold rule
    f_t(x) = 1{x > t} has 0-1 risk t²/2 + (1 − t)²/2, smallest (1/4) at t = 1/2.

    Returns ``x`` (float32, shape (n,)) and ``y`` (int64, shape (n,)).
    """
    _check_count(n)
    g = as_generator(generator)
    x = torch.rand(n, generator=g, dtype=torch.float64)
    y = (torch.rand(n, generator=g, dtype=torch.float64) < x).long()
    return x.float(), y


# ----------------------------------------------------------------------------------------------
# 2-D classification problems: linearly separable, XOR (notebooks 03–05)
# ----------------------------------------------------------------------------------------------


def _check_count(n: int, name: str = "n") -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"`{name}` must be a positive int; found {n!r}")


def make_linearly_separable(
    n: int = 100,
    margin: float = 0.1,
    seed: int | torch.Generator | None = 0,
    *,
    w: tuple[float, float] = (1.0, -2.0),
    b: float = 0.5,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Points in the square [-2, 2]² labelled by the side of the line wᵀx + b = 0.

    Points closer to the line than ``margin`` (the Euclidean distance |wᵀx + b| / ‖w‖) are
    redrawn, so the two classes are separated by a band of width 2 · margin around the line.

    Parameters
    ----------
    n : int
        Number of points.
    margin : float
        Half-width of the empty band around the line, ≥ 0.
    seed : int, torch.Generator or None
    w, b : the true separating line (known, so that the notebooks can compare with it).

    Returns
    -------
    x : float32 Tensor of shape (n, 2)
    y : int64 Tensor of shape (n,), y_i = 1{wᵀx_i + b ≥ 0} ∈ {0, 1}

    Examples
    --------
    >>> x, y = make_linearly_separable(50, margin=0.2, seed=0)
    >>> x.shape, y.shape
    (torch.Size([50, 2]), torch.Size([50]))
    """
    _check_count(n)
    w_t = torch.as_tensor(w, dtype=torch.float32)
    if w_t.shape != (2,) or w_t.norm() == 0:
        raise ValueError(f"`w` must be a non-zero vector of 2 numbers; found {w!r}")
    if not 0 <= margin < 1:
        raise ValueError(f"`margin` must be in [0, 1) (points lie in [-2, 2]²); found {margin!r}")
    generator = as_generator(seed, "seed")
    kept = torch.empty(0, 2)
    while kept.shape[0] < n:  # rejection sampling: keep the points outside the band
        candidates = 4 * torch.rand(2 * n, 2, generator=generator) - 2
        distance = (candidates @ w_t + b).abs() / w_t.norm()
        kept = torch.cat([kept, candidates[distance >= margin]])
    x = kept[:n]
    y = (x @ w_t + b >= 0).long()
    return x, y


def make_xor(
    n: int = 200, noise: float = 0.2, seed: int | torch.Generator | None = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """The XOR problem: four Gaussian clusters at the corners (±1, ±1).

    The label is 1 when the two coordinates of the corner have opposite signs (the exclusive or
    of "x₁ > 0" and "x₂ > 0"), 0 otherwise: no line separates the classes. The corners get
    n/4 points each (in the order (1, 1), (-1, -1), (1, -1), (-1, 1), repeated), so that
    ``make_xor(4, noise=0)`` gives exactly the four corners.

    Parameters
    ----------
    n : int
        Number of points.
    noise : float
        Standard deviation of the Gaussian noise around each corner, ≥ 0.
    seed : int, torch.Generator or None

    Returns
    -------
    x : float32 Tensor of shape (n, 2)
    y : int64 Tensor of shape (n,) in {0, 1}
    """
    _check_count(n)
    if not noise >= 0:
        raise ValueError(f"`noise` must be a standard deviation ≥ 0; found {noise!r}")
    generator = as_generator(seed, "seed")
    corners = torch.tensor([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    corner_labels = torch.tensor([0, 0, 1, 1])
    which = torch.arange(n) % 4
    x = corners[which] + noise * torch.randn(n, 2, generator=generator)
    return x, corner_labels[which]


def make_blobs(
    n: int = 300,
    centers: torch.Tensor | None = None,
    std: float = 0.6,
    seed: int | torch.Generator | None = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """K Gaussian clusters ("blobs") in the plane, one per class, for multiclass problems.

    Parameters
    ----------
    n : int
        Number of points; class k gets the points i with i mod K = k.
    centers : Tensor of shape (K, 2), optional
        The clusters' centres; by default three centres on a circle of radius 2 (K = 3).
    std : float
        Standard deviation of every cluster, > 0.
    seed : int, torch.Generator or None

    Returns
    -------
    x : float32 Tensor of shape (n, 2)
    y : int64 Tensor of shape (n,) in {0, ..., K − 1}
    """
    _check_count(n)
    if centers is None:
        angles = torch.tensor([90.0, 210.0, 330.0]).deg2rad()
        centers = 2 * torch.stack([angles.cos(), angles.sin()], dim=1)
    centers = torch.as_tensor(centers, dtype=torch.float32)
    if centers.dim() != 2 or centers.shape[1] != 2 or centers.shape[0] < 2:
        raise ValueError(
            f"`centers` must have shape (K, 2) with K ≥ 2; found {tuple(centers.shape)}"
        )
    if not std > 0:
        raise ValueError(f"`std` must be positive; found {std!r}")
    generator = as_generator(seed, "seed")
    y = torch.arange(n) % centers.shape[0]
    x = centers[y] + std * torch.randn(n, 2, generator=generator)
    return x, y


# ----------------------------------------------------------------------------------------------
# Two moons (notebook 06)
# ----------------------------------------------------------------------------------------------


def make_moons(
    n: int = 200, noise: float = 0.1, seed: int | torch.Generator = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Two interleaving half circles ("two moons"): a 2-D problem no line separates.

    Parameters
    ----------
    n : int
        Number of points (half of them, rounded down, in class 0).
    noise : float
        Standard deviation of the Gaussian noise added to both coordinates.
    seed : int or torch.Generator

    Returns
    -------
    (x, y)
        ``x`` float32 of shape (n, 2), roughly in [-1, 2] × [-0.7, 1.2]; ``y`` int64 labels in
        {0, 1} of shape (n,), in random order.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"`n` must be an int ≥ 2; found {n!r}")
    if not noise >= 0:
        raise ValueError(f"`noise` must be ≥ 0; found {noise!r}")
    g = as_generator(seed, "seed")
    n0 = n // 2
    t0 = torch.rand(n0, generator=g) * torch.pi
    t1 = torch.rand(n - n0, generator=g) * torch.pi
    upper = torch.stack([torch.cos(t0), torch.sin(t0)], dim=1)
    lower = torch.stack([1 - torch.cos(t1), 0.5 - torch.sin(t1)], dim=1)
    x = torch.cat([upper, lower]) + noise * torch.randn(n, 2, generator=g)
    y = torch.cat([torch.zeros(n0, dtype=torch.long), torch.ones(n - n0, dtype=torch.long)])
    order = torch.randperm(n, generator=g)
    return x[order].float(), y[order]
