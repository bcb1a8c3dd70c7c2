"""The exam-track variants of notebooks 04–06: a right answer (in two forms) passes, each known
mistake gets its own hint, and an unrelated answer fails."""

import pytest

from utils.checks import ExerciseFailed
from utils.checks import variants as v

CASES = {
    v.check_log_sigma_slope_formula: ["1 - sigma(a)", "sigma(-a)", "exp(-a)/(1 + exp(-a))"],
    v.check_two_example_nll_formula: [
        "-ln(sigma(a1)) - ln(1 - sigma(a2))",
        "ln(1 + exp(-a1)) + ln(1 + exp(a2))",
    ],
    v.check_squared_slope_formula: [
        "2*(sigma(a) - y)*sigma(a)*(1 - sigma(a))",
        "2*(sigma(a) - y)*exp(-a)/(1 + exp(-a))**2",
    ],
    v.check_tempered_ce_formula: [
        "(p1 - 1)/T",
        "(exp(a1/T)/(exp(a1/T) + exp(a2/T) + exp(a3/T)) - 1)/T",
        "-(p2 + p3)/T",
    ],
    v.check_log_softmax_formula: ["-s2", "-exp(a2)/(exp(a1) + exp(a2) + exp(a3))"],
    v.check_deep_count_formula: [
        "n1*(n0 + 1) + n1*(n1 + 1) + n2*(n1 + 1)",
        "n1**2 + n1*(n0 + n2 + 2) + n2",
    ],
    v.check_tanh_delta_formula: [
        "(1 - tanh(a1)**2)*w2*delta2",
        "4*w2*delta2*exp(2*a1)/(exp(2*a1) + 1)**2",
    ],
    v.check_tanh_output_formula: [
        "(tanh(a2) - y)*(1 - tanh(a2)**2)",
        "tanh(a2) - y - tanh(a2)**2*(tanh(a2) - y)",
    ],
}

MISTAKES = {
    v.check_log_sigma_slope_formula: [("1/sigma(a)", "factor σ'(a) is missing")],
    v.check_two_example_nll_formula: [("-ln(sigma(a1)) - ln(sigma(a2))", "label 0")],
    v.check_squared_slope_formula: [("sigma(a) - y", "cross-entropy")],
    v.check_tempered_ce_formula: [("p1 - 1", "1/T is missing")],
    v.check_log_softmax_formula: [("-s1*s2", "divides it by s_1")],
    v.check_deep_count_formula: [("n1*(n0 + 1) + n2*(n1 + 1)", "one hidden layer")],
    v.check_tanh_delta_formula: [("sigma(a1)*(1 - sigma(a1))*w2*delta2", "sigmoid's slope")],
    v.check_tanh_output_formula: [("tanh(a2) - y", "is missing")],
}


def _answer(text):
    return lambda: text


@pytest.mark.parametrize("check", list(CASES), ids=lambda c: c.__name__)
def test_right_answers_pass(check):
    for text in CASES[check]:
        assert check(_answer(text)).passed, text


@pytest.mark.parametrize("check", list(MISTAKES), ids=lambda c: c.__name__)
def test_known_mistakes_get_their_hint(check, capsys):
    for text, words in MISTAKES[check]:
        with pytest.raises(ExerciseFailed):
            check(_answer(text))
        assert words in capsys.readouterr().out, text


@pytest.mark.parametrize("check", list(CASES), ids=lambda c: c.__name__)
def test_an_unrelated_answer_fails(check):
    with pytest.raises(ExerciseFailed):
        check(_answer("42"))


def test_a_stub_is_not_implemented_yet():
    def stub():
        raise NotImplementedError

    assert v.check_tanh_delta_formula(stub).status != "passed"
