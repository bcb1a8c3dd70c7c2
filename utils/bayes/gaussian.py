"""A fully known joint distribution of (X, Y): classes with Gaussian class-conditional densities.

Y takes the values 0, …, K−1 with the priors π_k = P(Y = k), and given Y = k, X ~ N(μ_k, Σ_k) in
ℝ^d. Because everything is known, the Bayes decision rule and the Bayes risk of lecture 1 can be
computed, and any learned classifier compared with them:

- posterior (Bayes' formula)   P(Y = k | X = x) = π_k p_k(x) / Σ_j π_j p_j(x)
- Bayes decision rule          f^b(x) = argmin_y Σ_k ℓ(y, k) P(Y = k | X = x)
  (for the 0-1 loss: the MAP rule, argmax_k P(Y = k | X = x))
- Bayes risk                   R* = E[ℓ(f^b(X), Y)], in closed form for two classes with a shared
  covariance, otherwise by Monte Carlo (with its standard error).
- the 0-1 risk of a line       R(w, b) of f(x) = 1{wᵀx + b ≥ 0}, exactly (two classes), and the best
  line by brute force (in the plane): the approximation error of the family of lines.

Costs are given as a K × K matrix ``cost[y, k]`` = ℓ(y, k): the cost of deciding y when the true
class is k (zero on the diagonal for a sensible loss; the 0-1 loss is 1 − identity).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from utils.bayes.risk import RiskEstimate, _monte_carlo
from utils.env import as_generator


class GaussianClasses:
    """K classes with priors π_k and Gaussian class-conditional densities N(μ_k, Σ_k) in ℝ^d.

    Parameters
    ----------
    priors : sequence or tensor of shape (K,)
        π_k = P(Y = k), positive and summing to 1.
    means : tensor of shape (K, d), or (K,) in one dimension
        μ_k.
    covariances : tensor of shape (K, d, d), or (K,) of variances σ_k² in one dimension
        Σ_k, each symmetric positive definite.

    Examples
    --------
    >>> model = GaussianClasses([0.5, 0.5], means=[-1.0, 1.0], covariances=[1.0, 1.0])
    >>> x, y = model.sample(5, generator=0)
    >>> x.shape, y.shape, model.predict(torch.tensor([[-2.0], [2.0]])).tolist()
    (torch.Size([5, 1]), torch.Size([5]), [0, 1])
    >>> print(model.bayes_risk())
    0.15866 (closed form)
    """

    def __init__(self, priors, means, covariances) -> None:
        priors, means, covariances = (_float64(v) for v in (priors, means, covariances))
        if priors.ndim != 1 or priors.numel() < 1:
            raise ValueError(f"`priors` must have shape (K,); found {tuple(priors.shape)}")
        k = priors.numel()
        if torch.isnan(priors).any() or (priors <= 0).any():
            raise ValueError(f"`priors` must all be positive; found {priors.tolist()}")
        if abs(priors.sum().item() - 1) > 1e-6:
            raise ValueError(f"`priors` must sum to 1; found sum {priors.sum().item():.6g}")
        means_shape, cov_shape = tuple(means.shape), tuple(covariances.shape)
        if means.ndim == 1:  # one dimension: K numbers
            means = means[:, None]
        if means.ndim != 2 or means.shape[0] != k:
            raise ValueError(
                f"`means` must have shape (K, d) = ({k}, d) (or ({k},) in one dimension); "
                f"found {means_shape}"
            )
        d = means.shape[1]
        if covariances.ndim == 1 and d == 1:  # one dimension: K variances
            covariances = covariances[:, None, None]
        if covariances.shape != (k, d, d):
            raise ValueError(
                f"`covariances` must have shape (K, d, d) = ({k}, {d}, {d})"
                f"{f' (or ({k},) variances)' if d == 1 else ''}; found {cov_shape}"
            )
        if not torch.isfinite(means).all() or not torch.isfinite(covariances).all():
            raise ValueError("`means` and `covariances` must be finite; found inf or NaN")
        for j in range(k):
            cov = covariances[j]
            if not torch.allclose(cov, cov.T, rtol=1e-8, atol=1e-12):
                raise ValueError(f"`covariances[{j}]` must be symmetric; found {cov.tolist()}")
        chol, info = torch.linalg.cholesky_ex(covariances)
        if (info != 0).any():
            j = int((info != 0).nonzero()[0])
            raise ValueError(
                f"`covariances[{j}]` must be positive definite (all eigenvalues > 0); found "
                f"eigenvalues {torch.linalg.eigvalsh(covariances[j]).tolist()}"
            )
        self.priors, self.means, self.covariances = priors, means, covariances
        self.num_classes, self.dim = k, d
        self._chol = chol  # Σ_k = L_k L_kᵀ
        self._chol_inv = torch.linalg.inv(chol)  # L_k⁻¹, lower triangular
        self._log_det = 2 * torch.log(torch.diagonal(chol, dim1=-2, dim2=-1)).sum(dim=-1)

    def __repr__(self) -> str:
        return f"GaussianClasses(num_classes={self.num_classes}, dim={self.dim})"

    # -- the distribution ---------------------------------------------------------------------

    def _x(self, x) -> torch.Tensor:
        x = torch.as_tensor(x).detach().to("cpu", torch.float64)
        if x.ndim == 1 and self.dim == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ValueError(
                f"`x` must have shape (n, {self.dim}) (d = {self.dim} features); found "
                f"{tuple(x.shape)}"
            )
        return x

    def sample(
        self, n: int, generator: torch.Generator | int | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw n i.i.d. pairs (x_i, y_i): y_i ~ π, then x_i ~ N(μ_{y_i}, Σ_{y_i}).

        Returns ``x`` of shape (n, d), float32, and ``y`` of shape (n,), int64 in 0..K−1.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"`n` must be a positive int; found {n!r}")
        g = as_generator(generator)
        y = torch.multinomial(self.priors, n, replacement=True, generator=g)
        z = torch.randn(n, self.dim, dtype=torch.float64, generator=g)
        x = self.means[y] + (self._chol[y] @ z[:, :, None])[:, :, 0]
        return x.float(), y

    def class_log_density(self, x) -> torch.Tensor:
        """ln p_k(x) = ln N(x; μ_k, Σ_k) for every class: shape (n, K), float64."""
        x = self._x(x)
        diff = x[:, None, :] - self.means[None]  # (n, K, d)
        # ‖L_k⁻¹ (x − μ_k)‖² is the squared Mahalanobis distance (x − μ_k)ᵀ Σ_k⁻¹ (x − μ_k).
        white = torch.einsum("kij,nkj->nki", self._chol_inv, diff)
        mahalanobis2 = (white**2).sum(dim=-1)
        return -0.5 * (self.dim * math.log(2 * math.pi) + self._log_det + mahalanobis2)

    def posterior(self, x) -> torch.Tensor:
        """P(Y = k | X = x) by Bayes' formula: shape (n, K), float64, rows summing to 1.

        Computed from logs (ln π_k + ln p_k(x) minus their log-sum-exp), so points far from every
        mean, where every density underflows to 0, still get a posterior.
        """
        log_joint = self.class_log_density(x) + torch.log(self.priors)
        return torch.softmax(log_joint, dim=1)

    # -- decisions ----------------------------------------------------------------------------

    def _cost(self, cost) -> torch.Tensor | None:
        if cost is None:
            return None
        cost = torch.as_tensor(cost, dtype=torch.float64).detach().cpu()
        k = self.num_classes
        if cost.shape != (k, k):
            raise ValueError(
                f"`cost` must have shape (K, K) = ({k}, {k}) with cost[y, k] = ℓ(y, k); found "
                f"{tuple(cost.shape)}"
            )
        if not torch.isfinite(cost).all() or (cost < 0).any():
            raise ValueError(f"`cost` must hold finite costs >= 0; found {cost.tolist()}")
        return cost

    def predict(self, x, cost=None) -> torch.Tensor:
        """The Bayes decision rule f^b(x) = argmin_y Σ_k cost[y, k] P(Y = k | X = x).

        With ``cost=None`` (the 0-1 loss) this is the MAP rule argmax_k P(Y = k | X = x); ties go
        to the smaller class index. Returns int64 labels of shape (n,).
        """
        cost = self._cost(cost)
        if cost is None:
            return (self.class_log_density(x) + torch.log(self.priors)).argmax(dim=1)
        expected_cost = self.posterior(x) @ cost.T  # (n, K): E[ℓ(y, Y) | X = x] for each y
        return expected_cost.argmin(dim=1)

    # -- risks --------------------------------------------------------------------------------

    def risk(
        self,
        predict_fn: Callable[[torch.Tensor], torch.Tensor],
        n: int = 200_000,
        generator: torch.Generator | int | None = None,
        cost=None,
    ) -> RiskEstimate:
        """Monte Carlo estimate of the risk E[ℓ(f(X), Y)] of any classifier f = ``predict_fn``.

        ``predict_fn`` receives x of shape (n, d), float32, and returns n labels in 0..K−1.
        The same ``generator`` seed gives the same sample, so classifiers compared with one seed
        are compared on the same data.
        """
        cost = self._cost(cost)
        x, y = self.sample(n, generator)
        y_hat = torch.as_tensor(predict_fn(x)).detach().cpu()
        if y_hat.shape != y.shape:
            raise ValueError(
                f"`predict_fn` must return {n} labels of shape ({n},); found shape "
                f"{tuple(y_hat.shape)}"
            )
        if y_hat.is_floating_point() and not torch.equal(y_hat, y_hat.round()):
            raise ValueError("`predict_fn` must return class labels (integers); found fractions")
        y_hat = y_hat.long()
        if (y_hat < 0).any() or (y_hat >= self.num_classes).any():
            raise ValueError(
                f"`predict_fn` must return labels in 0..{self.num_classes - 1}; found "
                f"{y_hat.min().item()}..{y_hat.max().item()}"
            )
        losses = (y_hat != y).double() if cost is None else cost[y_hat, y]
        return _monte_carlo(losses)

    def bayes_risk(
        self, cost=None, n_mc: int = 200_000, generator: torch.Generator | int | None = None
    ) -> RiskEstimate:
        """The Bayes risk R* = E[ℓ(f^b(X), Y)], the smallest risk any classifier can reach.

        Closed form for two classes with a shared covariance Σ (and a cost that penalises both
        errors): the log-likelihood ratio Λ(x) = ln p_1(x)/p_0(x) is then Gaussian under each
        class, N(∓Δ²/2, Δ²) with Δ² = (μ_1 − μ_0)ᵀ Σ⁻¹ (μ_1 − μ_0), and the rule is Λ(x) > c.
        Otherwise Monte Carlo with ``n_mc`` samples; ``method`` says which.
        """
        cost_matrix = self._cost(cost)
        c = 1 - torch.eye(self.num_classes, dtype=torch.float64) if cost is None else cost_matrix
        shared = self.num_classes == 2 and torch.allclose(
            self.covariances[0], self.covariances[1], rtol=1e-12, atol=0.0
        )
        # Deciding 1 rather than 0 saves c[0,1] − c[1,1] when Y = 1, costs c[1,0] − c[0,0] when Y = 0.
        if shared and c[0, 1] > c[1, 1] and c[1, 0] > c[0, 0]:
            return RiskEstimate(self._two_class_risk(c), 0.0, "closed form")
        return self.risk(lambda x: self.predict(x, cost_matrix), n_mc, generator, cost_matrix)

    def _two_class_risk(self, c: torch.Tensor) -> float:
        pi0, pi1 = self.priors.tolist()
        diff = self.means[1] - self.means[0]
        delta = math.sqrt(diff @ torch.cholesky_solve(diff[:, None], self._chol[0])[:, 0])
        # Decide 1 when π1 (c01 − c11) p1(x) > π0 (c10 − c00) p0(x), i.e. Λ(x) > t:
        t = math.log(pi0 * (c[1, 0] - c[0, 0]).item() / (pi1 * (c[0, 1] - c[1, 1]).item()))
        if delta == 0.0:  # identical classes: always decide by the priors and costs alone
            p_decide_1 = 1.0 if t < 0 else 0.0
            p1_given_0 = p1_given_1 = p_decide_1
        else:
            p1_given_0 = _normal_cdf((-(delta**2) / 2 - t) / delta)  # P(Λ > t | Y = 0)
            p1_given_1 = _normal_cdf((delta**2 / 2 - t) / delta)  # P(Λ > t | Y = 1)
        risk0 = c[1, 0].item() * p1_given_0 + c[0, 0].item() * (1 - p1_given_0)
        risk1 = c[1, 1].item() * p1_given_1 + c[0, 1].item() * (1 - p1_given_1)
        return pi0 * risk0 + pi1 * risk1

    def linear_risk(self, w, b) -> torch.Tensor:
        """The exact 0-1 risk of the line classifier f(x) = 1{wᵀx + b ≥ 0}, for two classes.

        Given Y = k, wᵀX + b ~ N(wᵀμ_k + b, wᵀΣ_k w), so
        R(w, b) = π_0 Φ((wᵀμ_0 + b) / s_0) + π_1 Φ(−(wᵀμ_1 + b) / s_1), s_k = √(wᵀΣ_k w).
        ``w`` has shape (..., d) and ``b`` shape (...) (many lines at once); returns shape (...),
        float64. No sampling: the risk of any line, learned or not, without Monte Carlo noise.
        """
        if self.num_classes != 2:
            raise ValueError(f"`linear_risk` needs two classes; this model has {self.num_classes}")
        w = torch.as_tensor(w).detach().to("cpu", torch.float64)
        b = torch.as_tensor(b).detach().to("cpu", torch.float64)
        if w.shape[-1:] != (self.dim,) or w.shape[:-1] != b.shape:
            raise ValueError(
                f"`w` must have shape (..., {self.dim}) and `b` the shape (...) before it; found "
                f"{tuple(w.shape)} and {tuple(b.shape)}"
            )
        if (w.abs().sum(dim=-1) == 0).any():
            raise ValueError("`w` must not be zero: w = 0 does not define a line")
        centre = w @ self.means.T + b[..., None]  # (..., 2): wᵀμ_k + b
        spread = torch.einsum("...i,kij,...j->...k", w, self.covariances, w).sqrt()
        p_decide_1 = 0.5 * torch.erfc(-centre / spread / math.sqrt(2))  # P(wᵀX + b ≥ 0 | Y = k)
        return self.priors[0] * p_decide_1[..., 0] + self.priors[1] * (1 - p_decide_1[..., 1])

    def best_linear_risk(
        self, num_directions: int = 720, num_offsets: int = 801
    ) -> tuple[float, torch.Tensor, torch.Tensor]:
        """inf over lines of the 0-1 risk, by brute force, in the plane (d = 2, two classes).

        Scans ``num_directions`` unit normals w = (cos φ, sin φ) and, for each, ``num_offsets``
        offsets b spanning the classes, with `linear_risk`; then scans again, as finely, around
        the best pair. Returns ``(risk, w, b)``. Its risk minus the Bayes risk is the
        approximation error of the family of lines.
        """
        if self.dim != 2 or self.num_classes != 2:
            raise ValueError(
                f"`best_linear_risk` scans lines in the plane: it needs d = 2 and two classes; "
                f"found d = {self.dim}, K = {self.num_classes}"
            )
        for name, value in [("num_directions", num_directions), ("num_offsets", num_offsets)]:
            if isinstance(value, bool) or not isinstance(value, int) or value < 8:
                raise ValueError(f"`{name}` must be an int >= 8; found {value!r}")
        step = 2 * math.pi / num_directions
        angles = torch.arange(num_directions, dtype=torch.float64) * step
        w = torch.stack([angles.cos(), angles.sin()], dim=1)
        proj = w @ self.means.T  # (n, 2): wᵀμ_k
        reach = 6 * torch.einsum("ni,kij,nj->nk", w, self.covariances, w).sqrt().max(dim=1).values
        low, high = -proj.max(dim=1).values - reach, -proj.min(dim=1).values + reach
        frac = torch.linspace(0, 1, num_offsets, dtype=torch.float64)
        b = low[:, None] + (high - low)[:, None] * frac  # (n, m)
        risk = self.linear_risk(w[:, None, :].expand(-1, num_offsets, -1), b)
        i, j = divmod(int(risk.argmin()), num_offsets)
        db = (high[i] - low[i]).item() / (num_offsets - 1)
        # A finer scan around the best pair: ± one step of each grid.
        fine_angles = angles[i] + torch.linspace(-step, step, 201, dtype=torch.float64)
        fine_w = torch.stack([fine_angles.cos(), fine_angles.sin()], dim=1)
        fine_b = b[i, j] + torch.linspace(-db, db, 201, dtype=torch.float64)
        fine = self.linear_risk(fine_w[:, None, :].expand(-1, 201, -1), fine_b.expand(201, -1))
        k, m = divmod(int(fine.argmin()), 201)
        return fine[k, m].item(), fine_w[k], fine_b[m]

    @classmethod
    def fit(
        cls, x, y, num_classes: int | None = None, shared_covariance: bool = False
    ) -> GaussianClasses:
        """The plug-in estimate from samples: class frequencies, class means, and the (unbiased)
        class covariances, or their pooled average when ``shared_covariance`` is True.

        Every class needs at least d + 1 samples (2 in one dimension).
        """
        x = torch.as_tensor(x).detach().to("cpu", torch.float64)
        y = torch.as_tensor(y).detach().cpu().long()
        if x.ndim == 1:
            x = x[:, None]
        if x.ndim != 2 or y.shape != (x.shape[0],):
            raise ValueError(
                f"`x` must have shape (n, d) and `y` shape (n,); found {tuple(x.shape)} and "
                f"{tuple(y.shape)}"
            )
        k = int(y.max()) + 1 if num_classes is None else num_classes
        counts = torch.bincount(y, minlength=k)
        d = x.shape[1]
        if (counts < d + 1).any():
            raise ValueError(
                f"every class needs at least {d + 1} samples in `y`; found counts {counts.tolist()}"
            )
        priors = counts.double() / counts.sum()
        means = torch.stack([x[y == j].mean(dim=0) for j in range(k)])
        centred = [x[y == j] - means[j] for j in range(k)]
        scatter = torch.stack([c.T @ c for c in centred])  # (K, d, d)
        if shared_covariance:
            pooled = scatter.sum(dim=0) / (len(y) - k)
            covariances = pooled.expand(k, d, d).clone()
        else:
            covariances = scatter / (counts - 1).double()[:, None, None]
        covariances = (covariances + covariances.transpose(1, 2)) / 2  # exact symmetry
        return cls(priors / priors.sum(), means, covariances)


def _float64(value) -> torch.Tensor:
    """A float64 CPU tensor from a tensor, a number, nested lists, or a list of tensors."""
    if isinstance(value, list | tuple) and any(isinstance(v, torch.Tensor) for v in value):
        value = torch.stack([torch.as_tensor(v, dtype=torch.float64) for v in value])
    return torch.as_tensor(value, dtype=torch.float64).detach().cpu()


def _normal_cdf(z: float) -> float:
    """Φ(z) = P(N(0, 1) ≤ z)."""
    return 0.5 * math.erfc(-z / math.sqrt(2))
