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


# --- issue 17 §4: an allow-list, caps, and a wide numerical test ----------------------------------


@pytest.mark.parametrize(
    ("answer", "named"),
    [
        ("diff(sigma(a), a)", "diff"),
        ("integrate(sigma(a), a)", "integrate"),
        ("Integral(sigma(a), a)", "Integral"),
        ("Derivative(sigma(a), a)", "Derivative"),
        ("Max(0, a - 4)", "Max"),
        ("exec(chr(97))", "exec"),
        ("a.real", "attribute access"),
        ("lambda a: a", "':'"),
        ("a if a else a", "'if'"),
        ("sigma(a)[0]", "'['"),
    ],
)
def test_a_name_or_construct_outside_the_allow_list_is_named(answer: str, named: str) -> None:
    problem = compare_formulas(answer, SIGMA_PRIME, "a")
    assert problem is not None and problem.startswith("could not parse") and named in problem


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ("10**10**10", "exponent here is at most 64"),
        ("9^9^9", "exponent here is at most 64"),
        ("(a+1)**5000", "exponent here is at most 64"),
        ("a^a^a", "tower of powers"),
        ("sigma(" * 30 + "a" + ")" * 30, "nested more than"),
        ("(" * 2000 + "a" + ")" * 2000, "characters long"),
        ("a" + "+a" * 450, "too long"),
        ("1e300", "too large"),
        ("2 3", "two numbers"),
    ],
)
def test_sizes_depths_and_exponents_are_capped(answer: str, says: str) -> None:
    problem = compare_formulas(answer, SIGMA_PRIME, "a")
    assert problem is not None and problem.startswith("could not parse") and says in problem


def test_implicit_products_unicode_and_a_variable_named_like_a_function_pass() -> None:
    assert compare_formulas("2 sigma(a)(1 - sigma(a))/2", SIGMA_PRIME, "a") is None
    assert compare_formulas("σ(a)·(1 − σ(a))", SIGMA_PRIME, "a") is None
    assert compare_formulas("e^(-a)/(1 + e^(-a))^2", SIGMA_PRIME, "a") is None
    # here sigma is a variable (a standard deviation), not the sigmoid
    assert compare_formulas("(y-f)^2/(2 sigma^2)", "(y - f)**2/(2*sigma**2)", "y, f, sigma") is None


@pytest.mark.parametrize(
    "answer",
    [
        f"{SIGMA_PRIME} + (a - 4 + abs(a - 4))/2",  # = Max(0, a − 4): wrong only for a > 4
        f"{SIGMA_PRIME} + (abs(a + 20) - a - 20)/2",  # wrong only for a < −20
        f"{SIGMA_PRIME} + 1e-3*(a - 10 + abs(a - 10))",  # wrong only for a > 10, by little
    ],
)
def test_an_answer_wrong_only_for_large_arguments_is_caught(answer: str) -> None:
    problem = compare_formulas(answer, SIGMA_PRIME, "a")
    assert problem is not None and problem.startswith("differs at a = ")
    a = float(problem.split("a = ")[1].split(":")[0])
    assert abs(a) > 4


def test_large_arguments_do_not_fail_a_right_answer_written_unstably() -> None:
    # at a = −50 these overflow or lose every digit in floats; 40-digit mpmath decides
    assert compare_formulas("exp(a)/(1 + exp(a))^2", SIGMA_PRIME, "a") is None
    assert compare_formulas("sigma(a) - sigma(a)^2", SIGMA_PRIME, "a") is None
    assert compare_formulas("-ln(1 - sigma(a))", "ln(1 + exp(a))", "a") is None


def test_a_complex_value_is_named_as_such() -> None:
    problem = compare_formulas("sqrt(-1)", SIGMA_PRIME, "a")
    assert problem is not None and "not a real number" in problem


def test_a_tied_variable_accepts_either_form() -> None:
    expected = "ln(pi0/pi1)"
    options = {"ranges": {"pi0": (0.05, 0.95)}, "tied": {"pi1": "1 - pi0"}}
    assert compare_formulas("ln(pi0/(1 - pi0))", expected, "pi0, pi1", **options) is None
    assert compare_formulas("ln(pi0) - ln(pi1)", expected, "pi0, pi1", **options) is None
    assert compare_formulas("ln(pi1/pi0)", expected, "pi0, pi1", **options) is not None


def test_a_verdict_is_given_for_non_strings_and_a_raising_function() -> None:
    for value in (None, 3.5, ["a"], b"a"):
        with pytest.raises(ExerciseFailed, match="as a string"):
            check_formula("p", lambda v=value: v, SIGMA_PRIME, "a", quiet=True)
    with pytest.raises(ExerciseFailed, match="raised ZeroDivisionError"):
        check_formula("p", lambda: 1 / 0, SIGMA_PRIME, "a", quiet=True)


def test_the_time_budget_leaves_the_alarm_as_it_found_it() -> None:
    import signal

    before = signal.getsignal(signal.SIGALRM)
    assert compare_formulas("sigma(a)**2", SIGMA_PRIME, "a") is not None  # runs SymPy
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_simplification_out_of_time_falls_back_to_the_numbers(monkeypatch) -> None:
    from utils.checks import formulas

    monkeypatch.setattr(formulas, "SIMPLIFY_BUDGET_S", 1e-6)
    problem = compare_formulas("(a+1)**64*(a+2)**64 - (a+2)**64*(a+1)**64 + a", "a + 1", "a")
    assert problem is not None and problem.startswith("differs at a = ")
    assert compare_formulas("(a+1)**64*(a+2)**64 - (a+2)**64*(a+1)**64 + a", "a", "a") is None
