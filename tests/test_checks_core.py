"""Tests of the exercise-check engine and of every check's behaviour on broken student code."""

import inspect

import pytest
import torch

import utils.checks as checks
from utils.checks import Case, ExerciseFailed, check_function
from utils.checks.tensors import check_autograd_derivative, check_relu_unit_grad, check_standardize

ALL_CHECKS = sorted(
    (name, fn)
    for name, fn in vars(checks).items()
    if name.startswith("check_") and name not in ("check_function", "check_formula")
)


def square(x):
    return x * x


CASES = [
    Case(
        (torch.tensor([1.0, -2.0]),),
        torch.tensor([1.0, 4.0]),
        "two values",
        hint="multiply x by itself",
    )
]


def test_pass_prints_and_returns_verdict(capsys):
    verdict = check_function("square", square, CASES)
    assert verdict.passed and verdict.status == "passed"
    assert capsys.readouterr().out.strip() == "✅ square: all 1 cases passed."


def test_not_implemented_does_not_raise(capsys):
    def stub(x):
        raise NotImplementedError("Exercise square: replace this line with your code.")

    verdict = check_function("square", stub, CASES)
    assert verdict.status == "not implemented"
    assert "⏳ square: not implemented yet" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("student", "expected_problem"),
    [
        (lambda x: x * 2, "values differ: max abs error 8"),
        (lambda x: (x * x).tolist(), "expected a torch.Tensor, got list"),
        (lambda x: (x * x)[None], "expected shape (2,), got shape (1, 2)"),
        (lambda x: torch.full_like(x, float("nan")), "the result contains NaN"),
        (lambda x: x.undefined_method(), "your function raised AttributeError"),
        (lambda x: None, "expected a torch.Tensor, got NoneType"),
    ],
)
def test_wrong_answers_get_a_verdict_not_a_crash(student, expected_problem):
    with pytest.raises(ExerciseFailed) as info:
        check_function("square", student, CASES, quiet=True)
    message = str(info.value)
    assert message.startswith("❌ square: case 1 of 1 (two values) failed: ")
    assert expected_problem in message
    assert "expected: tensor([1., 4.]" in message
    assert "hint:     multiply x by itself" in message
    assert isinstance(info.value, AssertionError)


def test_raising_function_shows_its_line():
    def student(x):
        y = x + 1
        return y / "text"

    with pytest.raises(ExerciseFailed, match=r"TypeError.*\(line: return y / \"text\"\)"):
        check_function("square", student, CASES, quiet=True)


def test_not_a_function():
    with pytest.raises(ExerciseFailed, match="expected a function, got int"):
        check_function("square", 3, CASES, quiet=True)


def test_inputs_are_copied_for_each_call():
    x = torch.tensor([1.0, -2.0])

    def in_place(t):
        return t.mul_(t)

    check_function("square", in_place, [Case((x,), torch.tensor([1.0, 4.0]))] * 2, quiet=True)
    assert torch.equal(x, torch.tensor([1.0, -2.0]))


def test_numbers_tuples_and_bools():
    check_function("n", lambda: torch.tensor(0.5), [Case((), 0.5)], quiet=True)
    check_function("t", lambda: (1, torch.ones(2)), [Case((), (1, torch.ones(2)))], quiet=True)
    with pytest.raises(ExerciseFailed, match="expected 2 values, got 1"):
        check_function("t", lambda: (1,), [Case((), (1, torch.ones(2)))], quiet=True)
    with pytest.raises(ExerciseFailed, match="values differ"):
        check_function("b", lambda: False, [Case((), True)], quiet=True)
    with pytest.raises(ExerciseFailed, match="values differ in 1 of 3 entries"):
        check_function(
            "l", lambda: torch.tensor([0, 1, 1]), [Case((), torch.tensor([0, 1, 2]))], quiet=True
        )


def test_checks_exist_and_take_one_function():
    assert len(ALL_CHECKS) >= 3
    for name, fn in ALL_CHECKS:
        assert len(inspect.signature(fn).parameters) >= 1, name


@pytest.mark.parametrize(("name", "check"), ALL_CHECKS)
def test_every_check_survives_broken_student_code(name, check):
    def stub(*args, **kwargs):
        raise NotImplementedError("stub")

    assert check(stub).status == "not implemented", name
    for broken in (
        lambda *a, **k: float("nan"),
        lambda *a, **k: None,
        lambda *a, **k: 1 / 0,
        lambda *a, **k: "a string",
    ):
        with pytest.raises(ExerciseFailed):
            check(broken)


def test_notebook_00_checks_reject_typical_mistakes():
    with pytest.raises(ExerciseFailed, match="a constant column"):
        check_standardize(lambda x: (x - x.mean(0)) / x.std(0, unbiased=False))
    with pytest.raises(ExerciseFailed, match="exactly at the kink"):
        check_relu_unit_grad(
            lambda w, b, x: ((w * x + b >= 0).float() * x, (w * x + b >= 0).float())
        )
    with pytest.raises(ExerciseFailed, match="f = sin"):
        check_autograd_derivative(lambda f, x: f(x))
