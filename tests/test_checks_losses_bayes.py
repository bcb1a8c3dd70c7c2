"""The self-checks of notebooks 01–02: wrong answers fail usefully (the references, stubs and
broken code of every check: tests/test_checks_contract.py)."""

import math

import pytest
import torch

from utils.checks import ExerciseFailed
from utils.checks import bayes as bayes_checks
from utils.checks import losses as loss_checks

# -- reference solutions ---------------------------------------------------------------------------


def zero_one_loss(y_hat, y):
    return (y_hat != y).float()


def binary_cross_entropy(y_hat, y):
    return -y * torch.log(y_hat).clamp(min=-100) - (1 - y) * torch.log(1 - y_hat).clamp(min=-100)


def empirical_risk(loss, f, x, y):
    return loss(f(x), y).mean()


def posterior(x, priors, means, stds):
    log_joint = torch.log(priors) - torch.log(stds) - 0.5 * ((x[:, None] - means) / stds) ** 2
    return torch.softmax(log_joint, dim=1)


def map_rule(post):
    return post.argmax(dim=1)


def bayes_risk_mc(model, n, generator):
    x, y = model.sample(n, generator)
    errors = (model.predict(x) != y).float()
    return errors.mean().item(), errors.std().item() / math.sqrt(n)


def test_every_check_is_exported():
    assert sorted(loss_checks.__all__) == [
        "check_binary_cross_entropy",
        "check_empirical_risk",
        "check_gaussian_nll_formula",
        "check_threshold_risk_formula",
        "check_zero_one_loss",
    ]
    assert sorted(bayes_checks.__all__) == [
        "check_bayes_risk_formula",
        "check_bayes_risk_mc",
        "check_map_rule",
        "check_map_threshold_formula",
        "check_posterior",
    ]


def failure(check, fn) -> str:
    with pytest.raises(ExerciseFailed) as info:
        check(fn)
    return str(info.value)


def test_zero_one_loss_wrong_answers():
    assert "hint:" in failure(loss_checks.check_zero_one_loss, lambda a, b: (a == b).float())
    message = failure(loss_checks.check_zero_one_loss, lambda a, b: a != b)
    assert "a float result" in message and ".float()" in message
    message = failure(loss_checks.check_zero_one_loss, lambda a, b: (a != b).float().mean())
    assert "shape" in message


def test_binary_cross_entropy_wrong_answers():
    def unclamped(p, y):
        return -y * torch.log(p) - (1 - y) * torch.log(1 - p)

    message = failure(loss_checks.check_binary_cross_entropy, unclamped)
    assert "ŷ exactly equal to y" in message and "NaN" in message and "finite" in message

    def eps(p, y):
        return -y * torch.log(p + 1e-7) - (1 - y) * torch.log(1 - p + 1e-7)

    message = failure(loss_checks.check_binary_cross_entropy, eps)
    assert "100" in message

    def sign(p, y):
        return y * torch.log(p).clamp(min=-100) + (1 - y) * torch.log(1 - p).clamp(min=-100)

    assert "minus signs" in failure(loss_checks.check_binary_cross_entropy, sign)

    def averaged(p, y):
        return binary_cross_entropy(p, y).mean()

    message = failure(loss_checks.check_binary_cross_entropy, averaged)
    assert "expected shape (4,)" in message and "one loss per element" in message


def test_empirical_risk_wrong_answers():
    message = failure(loss_checks.check_empirical_risk, lambda loss, f, x, y: loss(f(x), y).sum())
    assert "divide by N" in message
    message = failure(loss_checks.check_empirical_risk, lambda loss, f, x, y: loss(y, f(x)).mean())
    assert "prediction first" in message and "max(ŷ − y, 0)" in message


def test_posterior_wrong_answers():
    def naive(x, priors, means, stds):
        dens = priors * torch.exp(-0.5 * ((x[:, None] - means) / stds) ** 2) / stds
        return dens / dens.sum(dim=1, keepdim=True)

    message = failure(bayes_checks.check_posterior, naive)
    assert "far from both means" in message and "logs" in message

    def no_prior(x, priors, means, stds):
        return posterior(x, torch.ones_like(priors) / len(priors), means, stds)

    assert "prior" in failure(bayes_checks.check_posterior, no_prior)

    def no_sigma_factor(x, priors, means, stds):
        log_joint = torch.log(priors) - 0.5 * ((x[:, None] - means) / stds) ** 2
        return torch.softmax(log_joint, dim=1)

    assert "1/σ" in failure(bayes_checks.check_posterior, no_sigma_factor)


def test_map_rule_wrong_answers():
    assert "argmax" in failure(bayes_checks.check_map_rule, lambda p: p.argmin(dim=1))
    message = failure(bayes_checks.check_map_rule, lambda p: (p[:, 1] > 0.5).long())
    assert "three classes" in message

    def last_on_tie(p):
        return p.shape[1] - 1 - p.flip(1).argmax(dim=1)

    assert "smallest class index" in failure(bayes_checks.check_map_rule, last_on_tie)


def test_bayes_risk_mc_wrong_answers():
    def std_not_stderr(model, n, generator):
        value, stderr = bayes_risk_mc(model, n, generator)
        return value, stderr * math.sqrt(n)

    assert "divided by √n" in failure(bayes_checks.check_bayes_risk_mc, std_not_stderr)

    def threshold_at_zero(model, n, generator):
        x, y = model.sample(n, generator)
        errors = ((x[:, 0] > 0).long() != y).float()
        return errors.mean().item(), errors.std().item() / math.sqrt(n)

    message = failure(bayes_checks.check_bayes_risk_mc, threshold_at_zero)
    assert "unequal priors" in message and "model.predict" in message

    def ignores_generator(model, n, generator):
        return bayes_risk_mc(model, n, None)

    assert "generator" in failure(bayes_checks.check_bayes_risk_mc, ignores_generator)
    assert "pair" in failure(bayes_checks.check_bayes_risk_mc, lambda m, n, g: 0.2)


def test_not_a_function_fails():
    assert "expected a function" in failure(loss_checks.check_zero_one_loss, 3)
