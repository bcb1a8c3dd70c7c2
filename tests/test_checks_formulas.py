"""The symbolic checks of the pen-and-paper answers (utils.checks.formulas)."""

from __future__ import annotations

import pytest

from utils.checks import ExerciseFailed, check_formula, compare_formulas

SIGMA_PRIME = "exp(-a) / (1 + exp(-a))**2"


@pytest.mark.parametrize(
    "answer",
    [
        "sigma(a) * (1 - sigma(a))",
        "sigma(a) - sigma(a)^2",
        "sigmoid(a)*sigmoid(-a)",
        "1/(2 + exp(a) + exp(-a))",
        "σ(a)·(1 − σ(a))".replace("σ", "sigma"),
    ],
)
def test_a_right_formula_written_any_way_is_equivalent(answer: str) -> None:
    assert compare_formulas(answer, SIGMA_PRIME, "a") is None


def test_a_wrong_formula_names_a_point_where_it_differs() -> None:
    problem = compare_formulas("sigma(a)**2", SIGMA_PRIME, "a")
    assert problem is not None and problem.startswith("differs at a = ")
    assert "yours gives" in problem and "the expected formula" in problem


def test_numbers_decide_when_simplification_cannot() -> None:
    # log(p/(1-p)) and log(p) - log(1-p) agree for 0 < p < 1, where the check samples.
    assert compare_formulas("ln(p/(1-p))", "log(p) - log(1 - p)", "p", positive=True) is None
    assert compare_formulas("Phi(-d/2)", "1 - Phi(d/2)", "d") is None


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ("(a + 1", "never closed"),
        ("a + 1)", "never opened"),
        ("z + 1", "not a variable of this exercise"),
        ('__import__("os")', "no place in a formula"),
        ("a; a", "no place in a formula"),
        ("", "empty"),
    ],
)
def test_an_unreadable_answer_says_why(answer: str, says: str) -> None:
    problem = compare_formulas(answer, "a", "a")
    assert problem is not None and problem.startswith("could not parse") and says in problem


def test_a_broken_expected_formula_is_the_checks_bug() -> None:
    with pytest.raises(ValueError, match="expected formula"):
        compare_formulas("a", "a +", "a")
    with pytest.raises(ValueError, match="at least one variable"):
        compare_formulas("a", "a", "")


def test_check_formula_verdicts(capsys: pytest.CaptureFixture[str]) -> None:
    def right() -> str:
        return "sigma(a)*(1-sigma(a))"

    def wrong() -> str:
        return "sigma(a)"

    def stub() -> str:
        raise NotImplementedError

    def not_a_string() -> float:
        return 0.25

    assert check_formula("sigma_prime", right, SIGMA_PRIME, "a").passed
    assert "✅ sigma_prime: equivalent" in capsys.readouterr().out
    assert check_formula("sigma_prime", stub, SIGMA_PRIME, "a").status == "not implemented"
    assert "⏳" in capsys.readouterr().out
    with pytest.raises(ExerciseFailed, match="(?s)differs at a = .*hint: chain rule"):
        check_formula("sigma_prime", wrong, SIGMA_PRIME, "a", hint="chain rule")
    with pytest.raises(ExerciseFailed, match="as a string"):
        check_formula("sigma_prime", not_a_string, SIGMA_PRIME, "a")


def test_a_failed_check_renders_as_one_line_in_jupyter() -> None:
    exc = ExerciseFailed("❌ x: case 1 of 1 failed")
    lines = exc._render_traceback_()
    assert len(lines) == 1 and "ExerciseFailed" in lines[0] and "verdict" in lines[0]


def test_a_function_name_without_brackets_gets_a_hint() -> None:
    problem = compare_formulas("sigma*a", "a", "a")
    assert problem is not None and "without its argument in brackets" in problem


def test_a_difference_is_reported_inside_the_given_range() -> None:
    problem = compare_formulas("t", "t**2", "t", ranges={"t": (0.2, 0.8)})
    assert problem is not None
    t = float(problem.split("t = ")[1].split(":")[0])
    assert 0.2 <= t <= 0.8


def test_a_known_mistake_gets_its_own_hint() -> None:
    mistakes = [("sigma(a)**2", "one factor is 1 - sigma(a), not sigma(a)")]
    with pytest.raises(ExerciseFailed, match="not sigma"):
        check_formula(
            "p", lambda: "sigma(a)^2", SIGMA_PRIME, "a", hint="general", mistakes=mistakes
        )
    with pytest.raises(ExerciseFailed, match="general"):
        check_formula("p", lambda: "sigma(a)", SIGMA_PRIME, "a", hint="general", mistakes=mistakes)
