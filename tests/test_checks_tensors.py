"""The checks of notebook 00: the right answer passes, written several ways; each typical
mistake fails on the case made for it, with a hint that names the mistake."""

import pytest
import torch

from utils.checks import ExerciseFailed
from utils.checks.tensors import check_autograd_derivative, check_series_grad_formula


def by_copy(f, x):
    x = x.detach().clone().requires_grad_(True)
    f(x).sum().backward()
    return x.grad


def by_autograd_grad(f, x):
    x = x.detach().requires_grad_(True)  # a new tensor object: the caller's is untouched
    return torch.autograd.grad(f(x).sum(), x)[0]


def mutating(f, x):
    x.requires_grad_()  # switches recording on for the caller's own tensor
    f(x).sum().backward()
    return x.grad


def clone_without_detach(f, x):
    x = x.clone().requires_grad_()  # not a leaf when the caller's x requires grad
    f(x).sum().backward()
    return x.grad


@pytest.mark.parametrize("solution", [by_copy, by_autograd_grad])
def test_right_answers_pass(solution, capsys):
    assert check_autograd_derivative(solution).passed
    assert "✅" in capsys.readouterr().out


def test_mutating_the_input_fails_and_says_so(capsys):
    with pytest.raises(ExerciseFailed):
        check_autograd_derivative(mutating)
    out = capsys.readouterr().out
    assert "the caller's tensor afterwards" in out
    assert "x.requires_grad switched on" in out and "a .grad left on x" in out
    assert "x.requires_grad_() acts on the caller's own tensor" in out
    assert "clone" not in out  # the hint names the mistake; the student finds the fix


def test_the_callers_tensor_is_really_left_alone():
    x = torch.linspace(0.0, 1.0, 4)
    by_copy(torch.sin, x)
    assert not x.requires_grad and x.grad is None
    mutating(torch.sin, x)  # the check's premise: the naive version does change it
    assert x.requires_grad and x.grad is not None


def test_clone_without_detach_fails_with_the_leaf_hint(capsys):
    with pytest.warns(UserWarning, match="not a leaf"), pytest.raises(ExerciseFailed):
        check_autograd_derivative(clone_without_detach)
    out = capsys.readouterr().out
    assert "an x that already requires grad" in out and "call .detach() before .clone()" in out


@pytest.mark.parametrize(
    "answer",
    [
        "4*(1 + ((x - 1)/(x + 1))**2) / (x + 1)**2",
        "8*(x^2 + 1)/(x + 1)^4",
        "2*(2/(x+1)^2) + 2*((x-1)/(x+1))^2 * 2/(x+1)^2",
    ],
)
def test_series_grad_right_answers_pass(answer):
    assert check_series_grad_formula(lambda: answer).passed


@pytest.mark.parametrize(
    ("answer", "named"),
    [
        ("2*(1 + ((x - 1)/(x + 1))**2)", "that is dg/du"),
        ("-4*(1 + ((x - 1)/(x + 1))**2)/(x + 1)**2", "the sign of du/dx"),
        ("1/x", "the whole series"),
        ("2*(1 + ((x - 1)/(x + 1))**2)/(x + 1)**2", "a factor 2 is missing"),
        ("x", "(dg/du)·(du/dx)"),
    ],
)
def test_series_grad_mistakes_get_their_hint(answer, named, capsys):
    with pytest.raises(ExerciseFailed):
        check_series_grad_formula(lambda: answer)
    assert named in capsys.readouterr().out


def test_unanswered_series_grad_waits(capsys):
    def stub():
        raise NotImplementedError

    assert check_series_grad_formula(stub).status == "not implemented"
    assert "⏳" in capsys.readouterr().out
