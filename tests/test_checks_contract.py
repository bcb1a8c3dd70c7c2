"""One contract over every exercise check in `utils.checks` (except notebook 07's, which
tests/test_checks_lab.py covers): a right answer passes with ✅, a stub is ⏳ and does not raise,
broken code gets a ❌ verdict (never a crash), and every known mistake (`known_mistakes()`) has a
wrong answer here that gets that mistake's hint and records its id. A new check or a new known
mistake without an entry here fails the test that lists them."""

from __future__ import annotations

import math
import sys
import warnings

import pytest
import torch
import torch.nn.functional as F

import utils.checks as checks
from tests.test_checks_mlp import _no_zero_grad  # the step that forgets zero_grad()
from utils.checks import ExerciseFailed, known_mistakes
from utils.checks import lab as lab_checks
from utils.checks.mlp import two_layer_problem  # noqa: F401 - the module's own problem maker
from utils.models import bce_gradient, feedforward, perceptron_update, two_layer_backward
from utils.train import training_step

# --- right answers -------------------------------------------------------------------------------


def standardize(x):
    std = x.std(dim=0, unbiased=False)
    return (x - x.mean(dim=0)) / torch.where(std > 0, std, torch.ones_like(std))


def relu_unit_grad(w, b, x):
    active = (w * x + b > 0).to(x.dtype)
    return active * x, active


def autograd_derivative(f, x):
    x = x.detach().clone().requires_grad_(True)
    f(x).sum().backward()
    return x.grad


def zero_one_loss(y_hat, y):
    return (y_hat != y).float()


def binary_cross_entropy(p, y):
    return -y * torch.log(p).clamp(min=-100) - (1 - y) * torch.log(1 - p).clamp(min=-100)


def empirical_risk(loss, f, x, y):
    return loss(f(x), y).mean()


def posterior(x, priors, means, stds, power=2, sigma_factor=True):
    log_joint = torch.log(priors) - 0.5 * (x[:, None] - means) ** 2 / stds**power
    if sigma_factor:
        log_joint = log_joint - torch.log(stds)
    return torch.softmax(log_joint, dim=1)


def map_rule(p):
    return p.argmax(dim=1)


def bayes_risk_mc(model, n, generator):
    x, y = model.sample(n, generator)
    errors = (model.predict(x) != y).float()
    return errors.mean().item(), errors.std().item() / math.sqrt(n)


def margin(theta, x_tilde, s):
    return (s * (x_tilde @ theta)).min() / theta.norm()


def bce_from_logits(a, y):
    return F.softplus(a) - y * a


def leaky_relu(x, eps=0.01):
    return eps * x + (1 - eps) * x.clamp(min=0)


def stable_softmax(a):
    e = torch.exp(a - a.max(dim=-1, keepdim=True).values)
    return e / e.sum(dim=-1, keepdim=True)


RIGHT = {
    "check_standardize": standardize,
    "check_relu_unit_grad": relu_unit_grad,
    "check_autograd_derivative": autograd_derivative,
    "check_series_grad_formula": "8*(x^2 + 1)/(x + 1)^4",
    "check_zero_one_loss": zero_one_loss,
    "check_binary_cross_entropy": binary_cross_entropy,
    "check_empirical_risk": empirical_risk,
    "check_gaussian_nll_formula": "(y-f)^2/(2 sigma^2) + ln(sigma*sqrt(2*pi))",
    "check_threshold_risk_formula": "(2 t^3 - 3 t + 2)/3",
    "check_posterior": posterior,
    "check_map_rule": map_rule,
    "check_bayes_risk_mc": bayes_risk_mc,
    "check_map_threshold_formula": "(mu0 + mu1)/2 + sigma2*ln(pi0/(1 - pi0))/(mu1 - mu0)",
    "check_bayes_risk_formula": "pi0*Phi(-delta/2 - ln(pi0/pi1)/delta) "
    "+ pi1*(1 - Phi(delta/2 - ln(pi0/pi1)/delta))",
    "check_perceptron_update": perceptron_update,
    "check_margin": margin,
    "check_novikoff_bound_formula": "R^2/gamma^2",
    "check_bce_gradient": bce_gradient,
    "check_bce_from_logits": bce_from_logits,
    "check_sigma_prime_formula": "exp(-a)/(1 + exp(-a))^2",
    "check_bce_slope_formula": "1/(1 + exp(-a)) - y",
    "check_mle_bce_formula": "ln(1 + exp(-a)) + (1 - y)*a",
    "check_leaky_relu": leaky_relu,
    "check_stable_softmax": stable_softmax,
    "check_ce_gradient_formula": "-(exp(a2) + exp(a3))/(exp(a1) + exp(a2) + exp(a3))",
    "check_softmax_jacobian_entry": "-exp(a1 + a2)/(exp(a1) + exp(a2) + exp(a3))^2",
    "check_feedforward": feedforward,
    "check_training_step": training_step,
    "check_two_layer_backward": two_layer_backward,
    "check_parameter_count_formula": "n1*n0 + n1 + n2*n1 + n2",
    "check_delta_recursion_formula": "delta2*w2*exp(-a1)/(1 + exp(-a1))^2",
    "check_output_delta_formula": "sigma(a2) - y",
    # notebooks 04–06: the exam-track variants (utils/checks/variants.py), 06b's batch indices
    "check_log_sigma_slope_formula": "sigma(-a)",
    "check_two_example_nll_formula": "ln(1 + exp(-a1)) + ln(1 + exp(a2))",
    "check_squared_slope_formula": "2*(sigma(a) - y)*exp(-a)/(1 + exp(-a))**2",
    "check_tempered_ce_formula": "-(p2 + p3)/T",
    "check_log_softmax_formula": "-exp(a2)/(exp(a1) + exp(a2) + exp(a3))",
    "check_deep_count_formula": "n1**2 + n1*(n0 + n2 + 2) + n2",
    "check_tanh_delta_formula": "(1 - tanh(a1)**2)*w2*delta2",
    "check_tanh_output_formula": "(tanh(a2) - y)*(1 - tanh(a2)**2)",
    "check_batch_indices": lambda n, b, g: list(torch.randperm(n, generator=g).split(b)),
    # notebooks 01b, 02, 02b, 03: the exam-track variants
    "check_batch_variance_formula": "s2*(N - B)/(B*(N - 1))",
    "check_cost_threshold_formula": "1/(1 + c01/c10)",
    "check_laplace_threshold_formula": "(mu0 + mu1)/2 + beta*ln(1/pi1 - 1)/2",
    "check_cost_bayes_risk_formula": "c10*(1 - pi1)*Phi(-delta/2 - ln(c10*(1 - pi1)/(c01*pi1))/delta)"
    " + c01*pi1*(1 - Phi(delta/2 - ln(c10*(1 - pi1)/(c01*pi1))/delta))",
    "check_explained_share_formula": "1 - s2/(a^2*tau2 + s2)",
    "check_novikoff_svm_formula": "(R*norm)^2",
}

LAB = set(lab_checks.__all__)
ALL_CHECKS = sorted(
    name
    for name in vars(checks)
    if name.startswith("check_") and name not in ("check_function", "check_formula")
    if name not in LAB
)


def as_answer(value):
    """A right or wrong answer as the function a check calls."""
    return (lambda: value) if isinstance(value, str) else value


def test_every_check_has_a_right_answer_here():
    assert sorted(RIGHT) == ALL_CHECKS


@pytest.mark.parametrize("name", ALL_CHECKS)
def test_a_right_answer_passes(name, capsys):
    verdict = getattr(checks, name)(as_answer(RIGHT[name]))
    assert verdict.passed and verdict.mistake is None, verdict.message
    assert "✅" in capsys.readouterr().out


@pytest.mark.parametrize("name", ALL_CHECKS)
def test_a_stub_waits_and_broken_code_gets_a_verdict(name, capsys):
    check = getattr(checks, name)

    def stub(*args, **kwargs):
        raise NotImplementedError("Exercise: your code here")

    assert check(stub).status == "not implemented"
    assert "⏳" in capsys.readouterr().out
    for broken in (
        lambda *a, **k: float("nan"),
        lambda *a, **k: None,
        lambda *a, **k: 1 / 0,
        lambda *a, **k: "a string",
        42,
    ):
        with pytest.raises(ExerciseFailed) as info:
            check(broken)
        assert str(info.value).startswith("❌"), name
    with pytest.raises(ExerciseFailed, match="raised KeyError"):
        check(lambda *a, **k: (_ for _ in ()).throw(KeyError("oops")))


# --- a wrong answer for every known mistake of a Case-based check -------------------------------


def _residual(w, b, x, y):
    return torch.sigmoid(x @ w + b) - y.to(x.dtype)


def _bce_grad(shift=0.0):
    def grad(w, b, x, y):
        r = _residual(w, b, x, y) + shift
        return x.T @ r / len(y), r.mean()

    return grad


def _via_logs(w, b, x, y):
    p = torch.sigmoid(x @ w + b)
    y = y.to(x.dtype)
    dt = (-y / p + (1 - y) / (1 - p)) * p * (1 - p)
    return x.T @ dt / len(y), dt.mean()


def _squared_loss_gradient(w, b, x, y):
    p = torch.sigmoid(x @ w + b)
    r = (p - y.to(x.dtype)) * p * (1 - p)
    return x.T @ r / len(y), r.mean()


def _large_wrong_logits_halved(w, b, x, y):
    a = x @ w + b
    r = _residual(w, b, x, y)
    r = torch.where(a.abs() > 100, 0.5 * r, r)  # half the gradient where the logit is large
    return x.T @ r / len(y), r.mean()


def _rule(strict=False, sign=1.0, use_lr=True, positive_only=False):
    def update(w, b, x_i, y_i, lr=1.0):
        t = float(x_i @ w + b)
        f_x = float(t > 0) if strict else float(t >= 0)
        error = float(y_i) - f_x
        if positive_only:
            error = max(error, 0.0)
        step = (lr if use_lr else 1.0) * sign * error
        return w + step * x_i, b + step

    return update


def _sign_rule(mistake):
    def update(w, b, x_i, y_i, lr=1.0):
        s = 2.0 * float(y_i) - 1.0
        if mistake(s, float(x_i @ w + b)):
            return w + lr * s * x_i, b + lr * s
        return w, b

    return update


def _two_features_only(w, b, x_i, y_i, lr=1.0):
    t = float(x_i @ w + b) if len(w) == 2 else float(b - x_i @ w)
    error = float(y_i) - float(t >= 0)
    return w + lr * error * x_i, b + lr * error


def _naive_posterior(x, priors, means, stds):
    dens = priors * torch.exp(-0.5 * ((x[:, None] - means) / stds) ** 2) / stds
    return dens / dens.sum(dim=1, keepdim=True)


def _mutating(f, x):
    x.requires_grad_()
    f(x).sum().backward()
    return x.grad


def _clone_without_detach(f, x):
    x = x.clone().requires_grad_()
    f(x).sum().backward()
    return x.grad


def _naive_softmax(a):
    e = torch.exp(a)
    return e / e.sum(dim=-1, keepdim=True)


def _clipped_softmax(a):
    e = torch.exp(a.clamp(-50, 50))
    return e / e.sum(dim=-1, keepdim=True)


def _ties_one_hot(a):
    if (a == a[..., :1]).all():
        return F.one_hot(torch.zeros(a.shape[:-1], dtype=torch.long), a.shape[-1]).float()
    return stable_softmax(a)


def _leaky_in_place(x, eps=0.01):
    x[x < 0] *= eps
    return x


def _ff(transpose=True, relu_hidden=True, relu_out=False):
    def forward(x, weights, biases):
        f = x
        for h, (w, b) in enumerate(zip(weights, biases, strict=True)):
            f = (f @ w.T if transpose else f @ w) + b
            last = h == len(weights) - 1
            if (relu_hidden and not last) or (relu_out and last):
                f = f.clamp(min=0)
        return f

    return forward


def _backward(mask=lambda a1, z1: (a1 > 0).to(a1.dtype), d2_scale=1.0, power=1):
    def backward(x, y, w1, b1, w2, b2):
        a1 = x @ w1.T + b1
        z1 = a1.clamp(min=0)
        a2 = z1 @ w2.T + b2
        d2 = (torch.softmax(a2, 1) - F.one_hot(y, a2.shape[1]).to(a2.dtype)) / len(x) ** power
        d2 = d2 * d2_scale
        d1 = (d2 @ w2) * mask(a1, z1)
        return d1.T @ x, d1.sum(0), d2.T @ z1, d2.sum(0)

    return backward


def _wider_output_doubled(x, y, w1, b1, w2, b2):
    dw1, db1, dw2, db2 = two_layer_backward(x, y, w1, b1, w2, b2)
    return (dw1, db1, 2 * dw2, db2) if w2.shape[0] == 3 else (dw1, db1, dw2, db2)


def _backward_softmax_only(x, y, w1, b1, w2, b2):
    a1 = x @ w1.T + b1
    z1 = a1.clamp(min=0)
    d2 = torch.softmax(z1 @ w2.T + b2, 1) / len(x)
    d1 = (d2 @ w2) * (a1 > 0).to(a1.dtype)
    return d1.T @ x, d1.sum(0), d2.T @ z1, d2.sum(0)


def _step_with_softmax_before_cross_entropy(model, x, y, loss_fn, optimizer):
    """Probabilities, not the model's outputs, handed to the cross-entropy loss."""
    squash = isinstance(loss_fn, torch.nn.CrossEntropyLoss)
    return training_step(
        model, x, y, lambda a, b: loss_fn(a.softmax(dim=1) if squash else a, b), optimizer
    )


def _step_with_sigmoid_before_bce(model, x, y, loss_fn, optimizer):
    """Probabilities, not logits, handed to BCEWithLogitsLoss (which applies the sigmoid)."""
    squash = isinstance(loss_fn, torch.nn.BCEWithLogitsLoss)
    return training_step(
        model, x, y, lambda a, b: loss_fn(a.sigmoid() if squash else a, b), optimizer
    )


WRONG = {
    # notebook 00
    "standardize.constant_column": (
        "check_standardize",
        lambda x: (x - x.mean(0)) / x.std(0, unbiased=False),
    ),
    "relu_unit_grad.rule": ("check_relu_unit_grad", lambda w, b, x: (x, torch.ones_like(x))),
    "relu_unit_grad.kink": (
        "check_relu_unit_grad",
        lambda w, b, x: ((w * x + b >= 0).float() * x, (w * x + b >= 0).float()),
    ),
    "autograd_derivative.callers_tensor": ("check_autograd_derivative", _mutating),
    "autograd_derivative.clone_not_leaf": ("check_autograd_derivative", _clone_without_detach),
    # notebook 01
    "zero_one_loss.flipped": ("check_zero_one_loss", lambda a, b: (a == b).float()),
    "zero_one_loss.agreement_costs": (
        "check_zero_one_loss",
        lambda a, b: (a != b).float() if (a != b).any() else torch.ones(a.shape),
    ),
    "zero_one_loss.shape": ("check_zero_one_loss", lambda a, b: (a != b).float().flatten()),
    "zero_one_loss.not_float": ("check_zero_one_loss", lambda a, b: a != b),
    "zero_one_loss.empty": (
        "check_zero_one_loss",
        lambda a, b: (a != b).float() if a.numel() else torch.zeros(1),
    ),
    "binary_cross_entropy.formula": (
        "check_binary_cross_entropy",
        lambda p, y: -binary_cross_entropy(p, y),
    ),
    "binary_cross_entropy.nan_at_certainty": (
        "check_binary_cross_entropy",
        lambda p, y: -y * torch.log(p) - (1 - y) * torch.log(1 - p),
    ),
    "binary_cross_entropy.sure_wrong_cost": (
        "check_binary_cross_entropy",
        lambda p, y: -y * torch.log(p + 1e-7) - (1 - y) * torch.log(1 - p + 1e-7),
    ),
    "binary_cross_entropy.reduced": (
        "check_binary_cross_entropy",
        lambda p, y: binary_cross_entropy(p, y).flatten(),
    ),
    "empirical_risk.average": ("check_empirical_risk", lambda loss, f, x, y: loss(f(x), y).sum()),
    "empirical_risk.argument_order": (
        "check_empirical_risk",
        lambda loss, f, x, y: loss(y, f(x)).mean(),
    ),
    "empirical_risk.sample_count": (
        "check_empirical_risk",
        lambda loss, f, x, y: loss(f(x), y).sum() / x.numel(),
    ),
    # notebook 02
    "posterior.bayes_formula": (
        "check_posterior",
        lambda x, pr, m, s: pr * torch.exp(-0.5 * ((x[:, None] - m) / s) ** 2),
    ),
    "posterior.priors": (
        "check_posterior",
        lambda x, pr, m, s: posterior(x, torch.ones_like(pr) / len(pr), m, s),
    ),
    "posterior.sigma_for_variance": (
        "check_posterior",
        lambda x, pr, m, s: posterior(x, pr, m, s, power=1),
    ),
    "posterior.sigma_factor": (
        "check_posterior",
        lambda x, pr, m, s: posterior(x, pr, m, s, sigma_factor=False),
    ),
    "posterior.normalise": (
        "check_posterior",
        lambda x, pr, m, s: posterior(x, pr, m, s) * (1.0 if len(pr) == 2 else 1.1),
    ),
    "posterior.underflow": ("check_posterior", _naive_posterior),
    "map_rule.argmax": ("check_map_rule", lambda p: p.argmin(dim=1)),
    "map_rule.dimension": ("check_map_rule", lambda p: (p[:, 1] > 0.5).long()),
    "map_rule.tie": ("check_map_rule", lambda p: p.shape[1] - 1 - p.flip(1).argmax(dim=1)),
    "map_rule.shape": ("check_map_rule", lambda p: p.argmax(dim=1).squeeze()),
    "map_rule.float_labels": ("check_map_rule", lambda p: p.argmax(dim=1).float()),
    "bayes_risk_mc.risk": (
        "check_bayes_risk_mc",
        lambda m, n, g: (
            lambda x, y: (
                ((x[:, 0] > 0).long() != y).float().mean().item(),
                ((x[:, 0] > 0).long() != y).float().std().item() / math.sqrt(n),
            )
        )(*m.sample(n, g)),
    ),
    "bayes_risk_mc.stderr": (
        "check_bayes_risk_mc",
        lambda m, n, g: (bayes_risk_mc(m, n, g)[0], bayes_risk_mc(m, n, g)[1] * math.sqrt(n)),
    ),
    "bayes_risk_mc.generator": ("check_bayes_risk_mc", lambda m, n, g: bayes_risk_mc(m, n, None)),
    # notebook 03
    "perceptron_update.changed_when_correct": (
        "check_perceptron_update",
        lambda w, b, x, y, lr=1.0: (w + lr * (2 * float(y) - 1) * x, b + lr * (2 * float(y) - 1)),
    ),
    "perceptron_update.missed_positive": ("check_perceptron_update", _rule(sign=-1.0)),
    "perceptron_update.false_positive": ("check_perceptron_update", _rule(positive_only=True)),
    "perceptron_update.margin_condition": (
        "check_perceptron_update",
        _sign_rule(lambda s, t: s * t < 1),
    ),
    "perceptron_update.boundary_class_0": ("check_perceptron_update", _rule(strict=True)),
    "perceptron_update.boundary_class_1": (
        "check_perceptron_update",
        _sign_rule(lambda s, t: s * t <= 0),
    ),
    "perceptron_update.learning_rate": ("check_perceptron_update", _rule(use_lr=False)),
    "perceptron_update.features": ("check_perceptron_update", _two_features_only),
    "margin.definition": ("check_margin", lambda t, x, s: (s * (x @ t)).max() / t.norm()),
    "margin.not_normalised": ("check_margin", lambda t, x, s: (s * (x @ t)).min()),
    "margin.abs": ("check_margin", lambda t, x, s: (s * (x @ t)).abs().min() / t.norm()),
    "margin.norm_of_w": ("check_margin", lambda t, x, s: (s * (x @ t)).min() / t[:-1].norm()),
    "margin.rows": (
        "check_margin",
        lambda t, x, s: (s * (x[:, :3] @ t[:3])).min() / t.norm(),
    ),
    # notebook 04
    "bce_gradient.one_example": ("check_bce_gradient", _bce_grad(shift=0.1)),
    "bce_gradient.sign": (
        "check_bce_gradient",
        lambda w, b, x, y: tuple(-g for g in bce_gradient(w, b, x, y)),
    ),
    "bce_gradient.squared_loss": ("check_bce_gradient", _squared_loss_gradient),
    "bce_gradient.sum_not_mean": (
        "check_bce_gradient",
        lambda w, b, x, y: (x.T @ _residual(w, b, x, y), _residual(w, b, x, y).sum()),
    ),
    "bce_gradient.product_of_means": (
        "check_bce_gradient",
        lambda w, b, x, y: (
            _residual(w, b, x, y).mean() * x.mean(dim=0),
            _residual(w, b, x, y).mean(),
        ),
    ),
    "bce_gradient.mean": (
        "check_bce_gradient",
        lambda w, b, x, y: (
            x.T @ _residual(w, b, x, y) / len(y) ** 2,
            _residual(w, b, x, y).mean(),
        ),
    ),
    "bce_gradient.through_logs": ("check_bce_gradient", _via_logs),
    "bce_gradient.large_wrong_logits": ("check_bce_gradient", _large_wrong_logits_halved),
    "bce_from_logits.formula": ("check_bce_from_logits", lambda a, y: F.softplus(a) + y * a),
    "bce_from_logits.reduced": (
        "check_bce_from_logits",
        lambda a, y: bce_from_logits(a, y).flatten(),
    ),
    "bce_from_logits.sigmoid_rounds": (
        "check_bce_from_logits",
        lambda a, y: -y * torch.log(torch.sigmoid(a)) - (1 - y) * torch.log(1 - torch.sigmoid(a)),
    ),
    "bce_from_logits.exp_overflows": (
        "check_bce_from_logits",
        lambda a, y: torch.log1p(torch.exp(a)) - y * a,
    ),
    "bce_from_logits.clamped": (
        "check_bce_from_logits",
        lambda a, y: (lambda p: -y * torch.log(p) - (1 - y) * torch.log(1 - p))(
            torch.sigmoid(a).clamp(1e-7, 1 - 1e-7)
        ),
    ),
    "bce_from_logits.slope": ("check_bce_from_logits", lambda a, y: bce_from_logits(a, y).detach()),
    # notebook 05
    "leaky_relu.formula": ("check_leaky_relu", lambda x, eps=0.01: torch.relu(x)),
    "leaky_relu.fixed_eps": ("check_leaky_relu", lambda x, eps=0.01: leaky_relu(x, 0.01)),
    "leaky_relu.elementwise": (
        "check_leaky_relu",
        lambda x, eps=0.01: torch.stack([leaky_relu(v, eps) for v in x.flatten()]),
    ),
    "leaky_relu.torch_ops": ("check_leaky_relu", _leaky_in_place),
    "stable_softmax.formula": ("check_stable_softmax", torch.sigmoid),
    "stable_softmax.ties": ("check_stable_softmax", _ties_one_hot),
    "stable_softmax.rows": ("check_stable_softmax", lambda a: torch.exp(a) / torch.exp(a).sum()),
    "stable_softmax.overflow": ("check_stable_softmax", _naive_softmax),
    "stable_softmax.large_logits": ("check_stable_softmax", _clipped_softmax),
    "stable_softmax.global_maximum": (
        "check_stable_softmax",
        lambda a: _naive_softmax(a - a.max()),
    ),
    "stable_softmax.torch_ops": (
        "check_stable_softmax",
        lambda a: torch.tensor(stable_softmax(a).tolist()),
    ),
    # notebook 06
    "feedforward.no_transpose": ("check_feedforward", _ff(transpose=False)),
    "feedforward.one_layer": ("check_feedforward", _ff(relu_out=True)),
    "feedforward.hidden_relu": ("check_feedforward", _ff(relu_hidden=False)),
    "feedforward.square_weights": (
        "check_feedforward",
        lambda x, ws, bs: feedforward(x, ws, bs) * (1.01 if ws[0].shape == (4, 4) else 1.0),
    ),
    "feedforward.loop": ("check_feedforward", lambda x, ws, bs: feedforward(x, ws[:2], bs[:2])),
    "feedforward.batch_of_one": (
        "check_feedforward",
        lambda x, ws, bs: feedforward(x, ws, bs).squeeze(0),
    ),
    "feedforward.empty_batch": (
        "check_feedforward",
        lambda x, ws, bs: torch.stack([feedforward(r[None], ws, bs)[0] for r in x]),
    ),
    "feedforward.output_relu": (
        "check_feedforward",
        lambda x, ws, bs: feedforward(x, ws, bs).clamp(min=0 if bs[-1].max() < -10 else -1e9),
    ),
    "training_step.move": ("check_training_step", lambda m, x, y, lf, o: lf(m(x), y).item()),
    "training_step.zero_grad": ("check_training_step", _no_zero_grad),
    "training_step.order": ("check_training_step", _step_with_softmax_before_cross_entropy),
    "training_step.logits": ("check_training_step", _step_with_sigmoid_before_bce),
    "training_step.item": (
        "check_training_step",
        lambda m, x, y, lf, o: torch.tensor(training_step(m, x, y, lf, o)),
    ),
    "two_layer_backward.output_delta": ("check_two_layer_backward", _backward_softmax_only),
    "two_layer_backward.batch_mean": ("check_two_layer_backward", _backward(power=2)),
    "two_layer_backward.no_mean": ("check_two_layer_backward", _backward(power=0)),
    "two_layer_backward.relu_mask": (
        "check_two_layer_backward",
        _backward(mask=lambda a1, z1: torch.ones_like(a1)),
    ),
    "two_layer_backward.mask_by_z1": (
        "check_two_layer_backward",
        _backward(mask=lambda a1, z1: z1),
    ),
    "two_layer_backward.weight_gradient_transposed": (
        "check_two_layer_backward",
        lambda *args: (lambda g: (g[0].T, *g[1:]))(two_layer_backward(*args)),
    ),
    "two_layer_backward.shapes": ("check_two_layer_backward", _wider_output_doubled),
}


def _formula_mistakes() -> dict[str, tuple[str, str]]:
    """id -> (check, wrong formula) for every known mistake of a formula check."""
    found = {}
    modules = [m for n, m in sorted(sys.modules.items()) if n.startswith("utils.checks.")]
    for module in modules:
        if module is lab_checks:
            continue
        for value in vars(module).values():
            if isinstance(value, list):
                for m in value:
                    if isinstance(m, checks.Mistake) and m.wrong is not None:
                        exercise = m.id.split(".")[0]
                        name = f"check_{exercise}"
                        found[m.id] = (name, m.wrong)
    return found


FORMULA_WRONG = _formula_mistakes()


def test_every_formula_check_hands_over_declared_mistakes(monkeypatch):
    """A formula check's known mistakes are `Mistake`s declared on import (listed by
    `known_mistakes`, so found above), never ``(wrong, hint)`` pairs with unlisted ids."""
    handed: dict[str, list] = {}

    def formula(name, fn, expected, variables, *, mistakes=(), **kwargs):
        handed[name] = list(mistakes)
        return checks.Verdict(name, "passed", "")

    def function(name, fn, cases, **kwargs):
        return checks.Verdict(name, "passed", "")

    for module_name, module in sorted(sys.modules.items()):
        if module_name.startswith("utils.checks.") and module is not lab_checks:
            for attribute, fake in (("check_formula", formula), ("check_function", function)):
                if hasattr(module, attribute):
                    monkeypatch.setattr(module, attribute, fake)
    for name in ALL_CHECKS:
        getattr(checks, name)(lambda *a, **k: None)
    formula_checks = {
        n.removeprefix("check_") for n, right in RIGHT.items() if isinstance(right, str)
    }
    assert set(handed) == formula_checks
    known = known_mistakes()
    for name, mistakes in handed.items():
        assert mistakes, f"{name} names no known mistake"
        for mistake in mistakes:
            assert isinstance(mistake, checks.Mistake), (name, mistake)
            assert mistake.id.startswith(f"{name}."), (name, mistake.id)
            assert known.get(mistake.id) == mistake.hint, (name, mistake.id)
            assert FORMULA_WRONG[mistake.id] == (f"check_{name}", mistake.wrong)


CASES = sorted({**WRONG, **FORMULA_WRONG}.items())


def test_every_known_mistake_has_a_wrong_answer_here():
    lab_ids = {key for key in known_mistakes() if f"check_{key.split('.')[0]}" in LAB}
    assert set(known_mistakes()) - lab_ids == set(WRONG) | set(FORMULA_WRONG)


@pytest.mark.parametrize(("mistake", "entry"), CASES, ids=[m for m, _ in CASES])
def test_a_known_mistake_gets_its_hint_and_id(mistake, entry):
    name, wrong = entry
    with warnings.catch_warnings(), pytest.raises(ExerciseFailed) as info:
        warnings.simplefilter("ignore")
        getattr(checks, name)(as_answer(wrong))
    assert info.value.mistake == mistake, str(info.value)
    assert known_mistakes()[mistake] in str(info.value)
