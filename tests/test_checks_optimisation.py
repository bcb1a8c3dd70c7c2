"""The check of notebook 01b's exam formula judges fairly: the variance of a mini-batch mean
drawn without replacement passes however it is written, and each typical slip gets a hint that
names it, without printing the answer."""

import pytest

from utils.checks import ExerciseFailed
from utils.checks.optimisation import check_batch_variance_formula

RIGHT = [
    "s2/B * (N - B)/(N - 1)",
    "s2 * (1 - (B - 1)/(N - 1)) / B",
    "(B*s2 - B*(B - 1)*s2/(N - 1)) / B**2",
]
SLIPS = [
    ("s2/B", "with replacement"),
    ("s2/B * (N - B)/N", "not −s2/N"),
    ("s2 * (N - B)/(N - 1)", "the 1/B is missing"),
    ("s2/B * (N + B)/(N - 1)", "is negative"),
    ("s2/B * (B - 1)/(N - 1)", "add the B variances"),
]


@pytest.mark.parametrize("answer", RIGHT)
def test_right_answers_pass(answer):
    assert check_batch_variance_formula(lambda: answer).passed


@pytest.mark.parametrize(("answer", "named"), SLIPS)
def test_each_slip_gets_its_hint_and_no_answer(answer, named, capsys):
    with pytest.raises(ExerciseFailed) as info:
        check_batch_variance_formula(lambda: answer)
    out = capsys.readouterr().out
    assert named in out
    assert info.value.mistake.startswith("batch_variance_formula.")  # a stable id
    assert "(N − B)/(N − 1)" not in out and "(N - B)/(N - 1)" not in out


def test_not_implemented_is_a_verdict():
    def stub():
        raise NotImplementedError("Exercise batch_variance_formula")

    assert check_batch_variance_formula(stub).status == "not implemented"
