"""The graded lab's lesson tools (notebook 07): each team's own distribution, the best line of a
sample, and the line that minimises the cross-entropy.

- `team_distribution(TEAM)`: two Gaussian classes in ℝ² drawn from the team's names (sorted and
  normalised, then hashed), the same for the same team and different for another, redrawn until
  the lab's story holds: a curved Bayes boundary, lines clearly worse than the Bayes rule, a Bayes
  risk neither tiny nor near ½.
- `best_line(x, y)`: the line with the fewest errors on a sample, by brute force: on a large
  sample its risk minus the Bayes risk is the approximation error of the family of lines.
- `fit_cross_entropy(z, y)`: logistic regression solved to the end (L-BFGS): the line that
  minimises the cross-entropy, whose excess over the best line is the surrogate gap.

On a known distribution `utils.bayes.GaussianClasses.best_linear_risk` gives the best line's risk
exactly; `best_line` works on any sample (Part B's mixtures too).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from utils.bayes import GaussianClasses
from utils.team import normalise_team, team_fingerprint

__all__ = [
    "ALPHA",
    "FALSE_ALARM_RATE",
    "LinearRule",
    "OverSeeds",
    "exact_line_risks",
    "no_negative_excess",
    "over_seeds",
    "story_numbers",
    "z_threshold",
    "best_line",
    "describe_parameters",
    "fit_cross_entropy",
    "normalise_team",
    "team_distribution",
    "team_fingerprint",
    "team_seed",
]


@dataclass(frozen=True)
class LinearRule:
    """The classifier x ↦ 1{wᵀx + b > 0}: a line in ℝ² (a hyperplane in ℝ^d)."""

    w: torch.Tensor
    b: float

    def predict(self, x) -> torch.Tensor:
        """Labels 0/1 (int64) for the rows of ``x``, on the device of ``x``."""
        x = torch.as_tensor(x)
        w = self.w.to(x.device, torch.float64)
        return (x.to(torch.float64) @ w + self.b > 0).long()


def best_line(x, y, directions: int = 180, refine: int = 60) -> LinearRule:
    """The line with the fewest errors on the sample (x, y) in ℝ², by brute force.

    For each unit direction w = (cos α, sin α), α on a grid over [0, π), the points are sorted
    by their projection wᵀx_i; a threshold between two neighbours is one candidate line, and the
    error counts of all n + 1 thresholds (in both orientations, w and −w) come from one
    cumulative sum. A second, finer grid around the best angle refines it. The 0-1 loss has no
    useful gradient, which is why we scan instead of descending; in 2-D the scan is cheap.

    On a large sample this approximates arg min over lines of the 0-1 risk R(f): the **best
    line**, whose risk minus the Bayes risk is the approximation error of the family of lines.
    Measure its risk on another sample: on this one it is slightly optimistic.
    """
    x = torch.as_tensor(x).detach().to("cpu", torch.float64)
    y = torch.as_tensor(y).detach().cpu().long()
    if x.ndim != 2 or x.shape[1] != 2 or y.shape != (x.shape[0],):
        raise ValueError(
            f"`x` must have shape (n, 2) (points in ℝ²) and `y` shape (n,); found "
            f"{tuple(x.shape)} and {tuple(y.shape)}"
        )
    if isinstance(directions, bool) or not isinstance(directions, int) or directions < 2:
        raise ValueError(f"`directions` must be an int >= 2; found {directions!r}")
    step = math.pi / directions
    angles = torch.arange(directions, dtype=torch.float64) * step
    errors, rule = _scan_lines(x, y, angles)
    if refine:
        angle = math.atan2(rule.w[1].item(), rule.w[0].item())
        fine = angle + torch.linspace(-step, step, refine + 1, dtype=torch.float64)
        fine_errors, fine_rule = _scan_lines(x, y, fine)
        if fine_errors < errors:
            rule = fine_rule
    return rule


def _scan_lines(
    x: torch.Tensor, y: torch.Tensor, angles: torch.Tensor, chunk: int = 16
) -> tuple[int, LinearRule]:
    """The fewest errors of any line with a normal in ``angles`` (both orientations)."""
    n = len(y)
    ones = int(y.sum())
    best: tuple[int, LinearRule] | None = None
    k = torch.arange(n + 1, dtype=torch.long)[:, None]
    for part in angles.split(chunk):
        w = torch.stack([part.cos(), part.sin()], dim=1)  # (D, 2)
        proj, order = (x @ w.T).sort(dim=0)  # (n, D), ascending
        # Decide 1 above the threshold placed after the k smallest projections: the errors are
        # the class-1 points among the k below plus the class-0 points among the n − k above.
        ones_below = torch.cat([torch.zeros(1, len(part), dtype=torch.long), y[order].cumsum(0)])
        up = ones_below + (n - ones) - (k - ones_below)  # (n + 1, D)
        for errs, sign in ((up, 1.0), (n - up, -1.0)):  # n − up: decide 1 *below*
            flat = int(errs.argmin())
            count = int(errs.flatten()[flat])
            if best is None or count < best[0]:
                i, j = divmod(flat, len(part))
                lo = proj[i - 1, j].item() if i > 0 else proj[0, j].item() - 1.0
                hi = proj[i, j].item() if i < n else proj[n - 1, j].item() + 1.0
                # sign · (wᵀx − t) > 0, with t halfway between the two neighbours
                best = (count, LinearRule(sign * w[j], -sign * (lo + hi) / 2))
    assert best is not None
    return best


def fit_cross_entropy(z, y, max_iter: int = 200) -> LinearRule:
    """The logistic regression θ = (w, b) with the smallest mean cross-entropy on (z, y).

    The empirical risk (1/N) Σ_i ℓ(σ(wᵀz_i + b), y_i) with the cross-entropy ℓ is convex in θ,
    so L-BFGS (in float64) finds its minimum to many digits, with no learning rate to tune. On
    a very large sample this is the **cross-entropy minimiser** of the family: where training
    ends up when N → ∞, which is not the best classifier of the family for the 0-1 loss.
    """
    z = torch.as_tensor(z).detach().to("cpu", torch.float64)
    y = torch.as_tensor(y).detach().to("cpu", torch.float64)
    if z.ndim != 2 or y.shape != (z.shape[0],):
        raise ValueError(
            f"`z` must have shape (n, d) and `y` shape (n,); found {tuple(z.shape)} and "
            f"{tuple(y.shape)}"
        )
    scale = z.std(dim=0).clamp_min(1e-12)  # standardised features: a well-conditioned problem
    zs = z / scale
    theta = torch.zeros(z.shape[1] + 1, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS(
        [theta],
        max_iter=max_iter,
        tolerance_grad=1e-12,
        tolerance_change=1e-15,
        line_search_fn="strong_wolfe",
    )

    def closure():
        optimizer.zero_grad()
        logits = zs @ theta[:-1] + theta[-1]
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, y)
        loss.backward()
        return loss

    optimizer.step(closure)
    theta = theta.detach()
    return LinearRule(theta[:-1] / scale, theta[-1].item())


def team_seed(team: Sequence[str]) -> int:
    """A 63-bit seed from the normalised team (`utils.team.normalise_team`): SHA-256 of the
    names, one per line; its first 8 hex digits are the team's fingerprint."""
    digest = hashlib.sha256("\n".join(normalise_team(team)).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


#: What every team's distribution satisfies (checked when it is drawn; exact risks for lines).
BAYES_RISK_RANGE = (0.08, 0.30)
MIN_LINE_GAP = 0.02  # best line's risk − Bayes risk (the approximation error of lines)
MIN_SURROGATE_GAP = 0.004  # cross-entropy line's risk − best line's risk, both exact
MIN_CONSTANT_MARGIN = 0.03  # the cross-entropy line beats always answering the likelier class


def team_distribution(team: Sequence[str], screen_n: int = 20_000) -> GaussianClasses:
    """The graded lab's distribution for this team: two Gaussian classes in ℝ².

    Drawn deterministically from the team (`team_seed`): the same names always give the same
    parameters, and two teams get different ones. Draws are rejected until every quantity the
    lab asks about is measurable and its text holds (`story_numbers`):

    - unequal covariances (a tight class and a wide one), so the Bayes boundary is curved;
    - a Bayes risk R* between 0.08 and 0.30 (neither trivial nor a coin toss), on a screening
      sample of ``screen_n`` points;
    - the best line at least 0.02 worse than the Bayes rule (lines clearly miss the boundary);
    - a surrogate gap of lines of at least 0.004 (exact risks: far above every noise of the lab);
    - the cross-entropy line at least 0.03 better than always answering the likelier class.

    Priors, means and covariances are rounded to two decimals, so that they can be printed and
    typed again exactly.
    """
    seed = team_seed(team)
    draw = torch.Generator().manual_seed(seed)
    for attempt in range(1000):
        model = _draw_gaussian_classes(draw)
        if _story_holds(model, screen_n, generator=(seed + attempt) % 2**63):
            return model
    raise RuntimeError(f"no distribution satisfied the lab's constraints for {team!r}")


def describe_parameters(model: GaussianClasses) -> str:
    """The priors, means and covariances of a two-class model in ℝ², one line each."""
    if model.num_classes != 2 or model.dim != 2:
        raise ValueError(
            f"`model` must have 2 classes in dimension 2; found {model.num_classes} classes in "
            f"dimension {model.dim}"
        )

    def vector(v) -> str:
        return "(" + ", ".join(f"{t:.2f}" for t in v.tolist()) + ")"

    def matrix(m) -> str:
        return "[" + ", ".join("[" + vector(row)[1:-1] + "]" for row in m) + "]"

    (p0, p1), (m0, m1), (s0, s1) = model.priors.tolist(), model.means, model.covariances
    return (
        f"priors       π₀ = {p0:.2f}, π₁ = {p1:.2f}\n"
        f"means        μ₀ = {vector(m0)}, μ₁ = {vector(m1)}\n"
        f"covariances  Σ₀ = {matrix(s0)}, Σ₁ = {matrix(s1)}"
    )


def _draw_gaussian_classes(g: torch.Generator) -> GaussianClasses:
    u = torch.rand(10, dtype=torch.float64, generator=g).tolist()
    pi1 = _round(0.4 + 0.2 * u[0])
    radius, angle = 0.6 + 1.4 * u[1], 2 * math.pi * u[2]
    mean1 = [_round(radius * math.cos(angle)), _round(radius * math.sin(angle))]
    tight = _covariance(0.5 + 0.4 * u[3], 0.5 + 0.4 * u[4], math.pi * u[5])
    wide = _covariance(1.0 + 0.8 * u[6], 0.6 + 0.8 * u[7], math.pi * u[8])
    covariances = [tight, wide] if u[9] < 0.5 else [wide, tight]
    return GaussianClasses([_round(1 - pi1), pi1], [[0.0, 0.0], mean1], covariances)


def _covariance(std1: float, std2: float, angle: float) -> list[list[float]]:
    """R diag(std1², std2²) Rᵀ with R the rotation by ``angle``, rounded to two decimals."""
    c, s = math.cos(angle), math.sin(angle)
    a = _round(c * c * std1**2 + s * s * std2**2)
    d = _round(s * s * std1**2 + c * c * std2**2)
    b = _round(c * s * (std1**2 - std2**2))
    return [[a, b], [b, d]]


def _round(value: float) -> float:
    return round(value, 2) + 0.0  # + 0.0 turns −0.0 into 0.0


def story_numbers(model: GaussianClasses, n: int, generator: int) -> dict[str, float] | None:
    """The screening's numbers: Bayes risk (on ``n`` samples), the exact risks of the best line
    and of the cross-entropy line (fitted on the same sample), and the constant classifier's
    risk; None as soon as one condition of `team_distribution` fails."""
    x, y = model.sample(n, generator=generator)
    bayes = (model.predict(x) != y).double().mean().item()
    if not BAYES_RISK_RANGE[0] <= bayes <= BAYES_RISK_RANGE[1]:
        return None
    best, _, _ = model.best_linear_risk(num_directions=360, num_offsets=401)
    if best - bayes < MIN_LINE_GAP:
        return None
    ce = fit_cross_entropy(x, y)
    ce_risk = model.linear_risk(ce.w, torch.tensor(ce.b, dtype=torch.float64)).item()
    constant = model.priors.min().item()
    if ce_risk - best < MIN_SURROGATE_GAP or ce_risk > constant - MIN_CONSTANT_MARGIN:
        return None
    return {"bayes": bayes, "best_line": best, "ce_line": ce_risk, "constant": constant}


def _story_holds(model: GaussianClasses, n: int, generator: int) -> bool:
    return story_numbers(model, n, generator) is not None


def exact_line_risks(model: GaussianClasses, x, y) -> dict[str, float]:
    """The exact 0-1 risks (`GaussianClasses.linear_risk`, no test sample) of the best line of
    the family (a fine scan, `best_linear_risk`) and of the line that minimises the
    cross-entropy on (x, y) (`fit_cross_entropy`: on a large sample, θ*_CE)."""
    best, _, _ = model.best_linear_risk()
    ce = fit_cross_entropy(x, y)
    ce_risk = model.linear_risk(ce.w, torch.tensor(ce.b, dtype=torch.float64)).item()
    return {"best_line": best, "ce_line": ce_risk, "ce_rule": ce}


# -- uncertainty over seeds and many expectations at once ---------------------------------------


@dataclass(frozen=True)
class OverSeeds:
    """A quantity measured once per training seed: its median and range over the seeds.

    For n independent seeds, [min, max] covers the median of the quantity's distribution over
    training samples with probability 1 − 2·2⁻ⁿ (94 % for 5 seeds, > 99.9 % for 20): each
    seed falls below that median with probability ½, and the interval misses it only when all
    seeds fall on the same side. ``mean`` ± ``sem`` (SD/√n) is the other usual summary.
    """

    values: tuple[float, ...]

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def median(self) -> float:
        ordered = sorted(self.values)
        mid = len(ordered) // 2
        return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    @property
    def coverage(self) -> float:
        return 1 - 2 * 0.5**self.n

    @property
    def mean(self) -> float:
        return sum(self.values) / self.n

    @property
    def sem(self) -> float:
        if self.n < 2:
            return float("nan")
        m = self.mean
        return math.sqrt(sum((v - m) ** 2 for v in self.values) / (self.n - 1) / self.n)

    def __str__(self) -> str:
        return f"{self.median:.4f} [{self.low:.4f}, {self.high:.4f}]"


def over_seeds(values) -> OverSeeds:
    """`OverSeeds` of numbers (or of RiskEstimates: their values), one per seed."""
    values = tuple(float(getattr(v, "value", v)) for v in values)
    if not values:
        raise ValueError("`values` must hold one number per seed; found none")
    return OverSeeds(values)


#: The family-wise rate of false ⚠️ the lab allows per team, split between its tests.
FALSE_ALARM_RATE = 0.01
ALPHA = {"bayes_agrees": 0.002, "well_specified": 0.002, "no_negative_excess": 0.006}


def z_threshold(alpha: float, tests: int = 1, two_sided: bool = False) -> float:
    """The z beyond which a test of level ``alpha`` shared by ``tests`` tests (Bonferroni:
    α/m each, so the chance of any false alarm is at most α) raises an alarm."""
    from statistics import NormalDist

    if not 0 < alpha < 1 or tests < 1:
        raise ValueError(f"need 0 < alpha < 1 and tests >= 1; found {alpha!r}, {tests!r}")
    tail = alpha / tests / (2 if two_sided else 1)
    return NormalDist().inv_cdf(1 - tail)


def no_negative_excess(estimates, alpha: float = ALPHA["no_negative_excess"]) -> tuple[bool, float]:
    """(ok, threshold): every paired excess risk above −threshold standard errors, with the
    threshold chosen so that all of them at once raise a false alarm with probability ≤ alpha
    when every true excess risk is ≥ 0 (Bonferroni over the estimates)."""
    estimates = [e for e in estimates if e.stderr > 0]
    if not estimates:
        return True, 0.0
    threshold = z_threshold(alpha, len(estimates))
    return min(e.value / e.stderr for e in estimates) > -threshold, threshold
