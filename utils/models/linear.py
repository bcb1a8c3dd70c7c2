"""Linear models of the lecture (notebooks 03–05): the perceptron and logistic regression."""

from __future__ import annotations

import torch
from torch import nn


def _check_features(x: torch.Tensor, in_features: int, name: str = "x") -> None:
    """Raise a ValueError unless ``x`` is a float tensor of shape (n, in_features)."""
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"`{name}` must be a torch.Tensor; found {type(x).__name__}")
    if x.dim() != 2 or x.shape[1] != in_features:
        raise ValueError(
            f"`{name}` must have shape (n, {in_features}) (one row per example); "
            f"found shape {tuple(x.shape)}"
        )
    if not x.is_floating_point():
        raise ValueError(f"`{name}` must hold floats; found dtype {x.dtype}")


def _signs(y: torch.Tensor, n: int) -> torch.Tensor:
    """Labels in {0, 1} or in {-1, +1} as signs s = ±1 (class 1 ↦ +1, class 0 or -1 ↦ -1)."""
    if not isinstance(y, torch.Tensor):
        raise ValueError(f"`y` must be a torch.Tensor; found {type(y).__name__}")
    if y.dim() != 1 or y.shape[0] != n:
        raise ValueError(
            f"`y` must have shape ({n},), one label per row of x; found {tuple(y.shape)}"
        )
    values = set(torch.unique(y).tolist())
    if not (values <= {0, 1} or values <= {-1, 1}):
        raise ValueError(
            f"`y` must hold labels in {{0, 1}} or in {{-1, +1}}; found values {sorted(values)}"
        )
    return torch.where(y == 1, 1.0, -1.0)


def perceptron_update(
    w: torch.Tensor, b: torch.Tensor, x_i: torch.Tensor, y_i: int | torch.Tensor, lr: float = 1.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """One step of Rosenblatt's learning rule on one example (x_i, y_i), y_i ∈ {0, 1}.

    With the prediction f(x_i) = σ(wᵀx_i + b), σ the Heaviside step (σ(0) = 1):

        w ← w + lr · (y_i − f(x_i)) · x_i,    b ← b + lr · (y_i − f(x_i)).

    Nothing changes when the example is classified correctly; a missed positive pulls w towards
    x_i, a false positive pushes it away.

    Parameters
    ----------
    w : Tensor of shape (d,)
    b : Tensor of shape () (a scalar tensor)
    x_i : Tensor of shape (d,)
    y_i : int or scalar Tensor, 0 or 1
    lr : float
        The learning rate η > 0.

    Returns
    -------
    (w, b)
        New tensors (the inputs are not modified).
    """
    f_x = (x_i @ w + b >= 0).to(w.dtype)
    error = torch.as_tensor(y_i, dtype=w.dtype) - f_x  # in {-1, 0, +1}
    return w + lr * error * x_i, b + lr * error


def novikoff_bound(
    x: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: float | torch.Tensor = 0.0
) -> tuple[float, float, float]:
    """Novikoff's bound (R/γ)² on the number of updates of the perceptron.

    The bias is handled by appending a constant 1 to every input, x̃ = (x, 1), and θ = (w, b).
    If some θ* separates the data with margin γ = min_i s_i θ*ᵀx̃_i / ‖θ*‖ > 0 (s_i = ±1) and
    R = max_i ‖x̃_i‖, the perceptron started at θ = 0 makes at most (R/γ)² updates, whatever the
    order of the examples and the learning rate.

    Parameters
    ----------
    x : Tensor of shape (n, d)
    y : Tensor of shape (n,), labels in {0, 1} or {-1, +1}
    w, b : a separating hyperplane wᵀx + b = 0 (any one; the best bound uses the widest margin)

    Returns
    -------
    (R, γ, (R/γ)²) : tuple of floats

    Raises
    ------
    ValueError
        If (w, b) does not separate the data (γ ≤ 0).
    """
    w = torch.as_tensor(w, dtype=torch.float64).flatten()
    _check_features(x, w.numel())
    s = _signs(y, x.shape[0]).to(torch.float64)
    x_tilde = torch.cat([x.to(torch.float64), torch.ones(x.shape[0], 1, dtype=torch.float64)], 1)
    theta = torch.cat([w, torch.as_tensor(b, dtype=torch.float64).reshape(1)])
    margin = ((s * (x_tilde @ theta)).min() / theta.norm()).item()
    if not margin > 0:
        raise ValueError(
            f"(w, b) must separate the data, every example on its side with a positive margin; "
            f"found margin γ = {margin:.4g}"
        )
    radius = x_tilde.norm(dim=1).max().item()
    return radius, margin, (radius / margin) ** 2


def max_margin(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, float]:
    """The θ* = (w, b) of largest margin γ* = max_θ min_i s_i θᵀx̃_i / ‖θ‖, x̃ = (x, 1).

    This is the best θ* for Novikoff's bound (R/γ*)². It solves the quadratic programme
    min ½‖θ‖² subject to s_i θᵀx̃_i ≥ 1 for every i (a hard-margin support vector machine in the
    augmented space, the bias inside the norm), whose solution has margin γ* = 1/‖θ‖.

    Parameters
    ----------
    x : Tensor of shape (n, d)
    y : Tensor of shape (n,), labels in {0, 1} or {-1, +1}, linearly separable

    Returns
    -------
    (θ*, γ*) : the unit vector θ*/‖θ*‖ of shape (d + 1,) (float64) and the margin γ*

    Raises
    ------
    ValueError
        If the data are not linearly separable (the programme has no solution).
    """
    from scipy.optimize import minimize  # scikit-learn's dependency; imported only here

    s = _signs(y, x.shape[0]).to(torch.float64)
    x_tilde = torch.cat([x.to(torch.float64), torch.ones(x.shape[0], 1, dtype=torch.float64)], 1)
    z = (s[:, None] * x_tilde).numpy()
    result = minimize(
        lambda t: 0.5 * t @ t,
        z.mean(axis=0),
        jac=lambda t: t,
        constraints=[{"type": "ineq", "fun": lambda t: z @ t - 1, "jac": lambda t: z}],
        method="SLSQP",
        options={"ftol": 1e-12, "maxiter": 1000},
    )
    theta = torch.from_numpy(result.x)
    gamma = ((torch.from_numpy(z) @ theta).min() / theta.norm()).item()
    if not (result.success and gamma > 0):
        raise ValueError(
            f"`x`, `y` must be linearly separable; the max-margin programme found no separating "
            f"θ ({result.message})"
        )
    return theta / theta.norm(), gamma


class Perceptron:
    """Rosenblatt's perceptron f(x) = σ(wᵀx + b), σ the Heaviside step, and its learning rule.

    Trained from scratch with tensors (no autograd): `fit` sweeps through the examples in order
    and applies `perceptron_update` to each one, epoch after epoch, until an epoch makes no
    mistake (convergence) or the weights at the end of an epoch repeat an earlier state: the
    sweeps then repeat forever (cycling, as on XOR).

    Parameters
    ----------
    in_features : int
        The dimension d of the inputs.
    lr : float
        The learning rate η > 0 (started from w = 0, b = 0, it only rescales w and b).

    Attributes
    ----------
    w, b : Tensors of shapes (d,) and ()
    n_updates : int
        Updates made by the last `fit` (mistakes met during training).
    history : list of (w, b)
        The parameters at the start and after every update.
    mistakes_per_epoch : list of int
    converged : bool
        An epoch went through without a mistake.
    cycle : tuple (first_epoch, period) or None
        Set when the state at the end of epoch ``first_epoch + period`` equals the one at the end
        of ``first_epoch``: training would cycle forever.

    Examples
    --------
    >>> x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> y = torch.tensor([0, 0, 0, 1])  # AND
    >>> p = Perceptron(2).fit(x, y)
    >>> p.converged, p.predict(x).tolist()
    (True, [0, 0, 0, 1])
    """

    def __init__(self, in_features: int, lr: float = 1.0) -> None:
        if isinstance(in_features, bool) or not isinstance(in_features, int) or in_features < 1:
            raise ValueError(f"`in_features` must be a positive int; found {in_features!r}")
        if not lr > 0:
            raise ValueError(f"`lr` must be positive; found {lr!r}")
        self.in_features = in_features
        self.lr = float(lr)
        self.w = torch.zeros(in_features)
        self.b = torch.zeros(())
        self.n_updates = 0
        self.history: list[tuple[torch.Tensor, torch.Tensor]] = [(self.w, self.b)]
        self.mistakes_per_epoch: list[int] = []
        self.converged = False
        self.cycle: tuple[int, int] | None = None

    def decision_function(self, x: torch.Tensor) -> torch.Tensor:
        """The score wᵀx + b of every row of ``x``, shape (n,)."""
        _check_features(x, self.in_features)
        return x @ self.w.to(x.dtype) + self.b.to(x.dtype)

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """f(x) = 1{wᵀx + b ≥ 0} for every row of ``x``: int64 labels in {0, 1}, shape (n,)."""
        return (self.decision_function(x) >= 0).long()

    def fit(self, x: torch.Tensor, y: torch.Tensor, max_epochs: int = 100) -> Perceptron:
        """Run the learning rule from w = 0, b = 0 (see the class docstring); returns ``self``.

        ``y`` holds labels in {0, 1} (or {-1, +1}, read as -1 ↦ 0).
        """
        _check_features(x, self.in_features)
        targets = (_signs(y, x.shape[0]) > 0).to(x.dtype)  # labels in {0, 1}
        if isinstance(max_epochs, bool) or not isinstance(max_epochs, int) or max_epochs < 1:
            raise ValueError(f"`max_epochs` must be a positive int; found {max_epochs!r}")
        w, b = torch.zeros(self.in_features, dtype=x.dtype), torch.zeros((), dtype=x.dtype)
        self.history, self.mistakes_per_epoch = [(w, b)], []
        self.n_updates, self.converged, self.cycle = 0, False, None
        seen = {(tuple(w.tolist()), b.item()): 0}  # state at the end of each epoch
        for epoch in range(1, max_epochs + 1):
            mistakes = 0
            for x_i, y_i in zip(x, targets, strict=True):
                new_w, new_b = perceptron_update(w, b, x_i, y_i, self.lr)
                if not (torch.equal(new_w, w) and torch.equal(new_b, b)):
                    w, b = new_w, new_b
                    mistakes += 1
                    self.history.append((w, b))
            self.mistakes_per_epoch.append(mistakes)
            self.n_updates += mistakes
            if mistakes == 0:
                self.converged = True
                break
            state = (tuple(w.tolist()), b.item())
            if state in seen:
                self.cycle = (seen[state], epoch - seen[state])
                break
            seen[state] = epoch
        self.w, self.b = w, b
        return self


class LogisticRegression(nn.Module):
    """Logistic regression: P(Y = 1 | x) = σ(wᵀx + b), σ the sigmoid.

    ``forward`` returns the logits wᵀx + b (not probabilities), the input that
    ``nn.BCEWithLogitsLoss`` expects; `predict_proba` applies the sigmoid and `predict` the
    threshold 1/2 (logit ≥ 0).

    Parameters
    ----------
    in_features : int
        The dimension d of the inputs.

    Examples
    --------
    >>> model = LogisticRegression(2)
    >>> model(torch.zeros(5, 2)).shape
    torch.Size([5])
    """

    def __init__(self, in_features: int) -> None:
        super().__init__()
        if isinstance(in_features, bool) or not isinstance(in_features, int) or in_features < 1:
            raise ValueError(f"`in_features` must be a positive int; found {in_features!r}")
        self.in_features = in_features
        self.linear = nn.Linear(in_features, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The logits wᵀx + b, shape (n,)."""
        _check_features(x, self.in_features)
        return self.linear(x).squeeze(-1)

    @torch.no_grad()
    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        """σ(wᵀx + b) = P(Y = 1 | x) for every row of ``x``, shape (n,)."""
        return torch.sigmoid(self(x))

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """The labels 1{σ(wᵀx + b) ≥ 1/2} = 1{wᵀx + b ≥ 0}, int64 in {0, 1}, shape (n,)."""
        return (self(x) >= 0).long()


def bce_gradient(
    w: torch.Tensor, b: torch.Tensor, x: torch.Tensor, y: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """The gradient of the mean binary cross-entropy of logistic regression, by hand.

    With ŷ_i = σ(wᵀx_i + b) and L(w, b) = (1/N) Σ_i −y_i ln ŷ_i − (1 − y_i) ln(1 − ŷ_i):

        ∂L/∂w = (1/N) Σ_i (ŷ_i − y_i) x_i,    ∂L/∂b = (1/N) Σ_i (ŷ_i − y_i).

    Parameters
    ----------
    w : Tensor (d,);  b : scalar Tensor;  x : Tensor (N, d);  y : Tensor (N,) of 0/1 labels

    Returns
    -------
    (grad_w, grad_b)
        Tensors of shapes (d,) and ().
    """
    _check_features(x, w.numel())
    _signs(y, x.shape[0])
    if not torch.isin(y, torch.tensor([0, 1], dtype=y.dtype, device=y.device)).all():
        raise ValueError("`y` must hold labels in {0, 1} for the binary cross-entropy")
    residual = torch.sigmoid(x @ w + b) - y.to(x.dtype)  # ŷ_i − y_i
    return x.T @ residual / x.shape[0], residual.mean()


# ----------------------------------------------------------------------------------------------
