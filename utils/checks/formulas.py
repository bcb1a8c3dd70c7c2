"""Checks for pen-and-paper answers: a formula typed as text, compared symbolically.

An exam-track exercise asks for a formula ("what is $\\sigma'(a)$ in terms of $\\sigma(a)$?").
The student writes it as a Python-like string in a function, and a ``check_<name>`` built on
`check_formula` answers with one verdict:

- ``✅ name: equivalent to the expected formula.``
- ``❌ name: differs at a = 0.7: yours gives 0.31, the expected formula 0.22.``
- ``❌ name: could not parse ...`` with what to write instead.
- ``⏳ name: not implemented yet`` while the function still raises ``NotImplementedError``.

Any way of writing the right formula passes: ``sigma(a)*(1-sigma(a))``,
``exp(-a)/(1+exp(-a))^2`` and ``sigma(a) - sigma(a)**2`` are all the same function of ``a``.
The comparison is symbolic first (SymPy simplifies the difference), then numerical at random
points of the variables' domain, so an answer SymPy cannot simplify is still judged fairly.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING

from utils.checks._core import FAILED, NOT_IMPLEMENTED, PASSED, ExerciseFailed, Verdict, _emit

if TYPE_CHECKING:
    import sympy

__all__ = ["check_formula", "compare_formulas"]

# Names a student may use besides the exercise's variables (the lecture's and Python's).
FUNCTION_NAMES = ("sigma", "sigmoid", "exp", "ln", "log", "sqrt", "tanh", "artanh", "atanh", "abs")
CONSTANT_NAMES = ("pi", "e", "Phi")


@cache
def _known_names() -> dict[str, object]:
    """SymPy for FUNCTION_NAMES and CONSTANT_NAMES (imported on the first formula check, not when
    `utils.checks` is: SymPy takes about 0.3 s to import)."""
    import sympy

    def sigma(a):
        return 1 / (1 + sympy.exp(-a))

    names = {
        "sigma": sigma,
        "sigmoid": sigma,
        "exp": sympy.exp,
        "ln": sympy.log,
        "log": sympy.log,
        "sqrt": sympy.sqrt,
        "tanh": sympy.tanh,
        "artanh": sympy.atanh,
        "atanh": sympy.atanh,
        "abs": sympy.Abs,
        "pi": sympy.pi,
        "e": sympy.E,
        "Phi": lambda x: (1 + sympy.erf(x / sympy.sqrt(2))) / 2,
    }
    assert set(names) == set(FUNCTION_NAMES + CONSTANT_NAMES)
    return names


def _symbols(
    variables: str | Sequence[str], positive: bool | Sequence[str]
) -> dict[str, sympy.Symbol]:
    names = variables.replace(",", " ").split() if isinstance(variables, str) else list(variables)
    if not names:
        raise ValueError("`variables` must name at least one variable, e.g. 'a' or 'x, y'")
    import sympy

    pos = set(names) if positive is True else set(positive or ())
    return {
        n: sympy.Symbol(n, positive=True) if n in pos else sympy.Symbol(n, real=True) for n in names
    }


def _parse(text: str, symbols: Mapping[str, sympy.Symbol], extra: Mapping[str, object]):
    """The SymPy expression for ``text``; raises ValueError with a sentence for the student."""
    cleaned = text.strip().replace("·", "*").replace("−", "-").replace("×", "*")
    if not cleaned:
        raise ValueError("the answer is empty")
    bad = sorted(set(re.sub(r"[\w\s.+\-*/^(),]", "", cleaned)))
    if bad or "__" in cleaned:
        shown = " ".join(bad) if bad else "__"
        raise ValueError(f"it contains {shown}, which has no place in a formula")
    depth = 0
    for ch in cleaned:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            raise ValueError("a ')' closes a bracket that was never opened")
    if depth:
        raise ValueError(f"{depth} bracket(s) '(' are never closed")
    import sympy
    from sympy.parsing.sympy_parser import (
        convert_xor,
        implicit_multiplication_application,
        parse_expr,
        standard_transformations,
    )

    transforms = (*standard_transformations, implicit_multiplication_application, convert_xor)
    local = {**_known_names(), **extra, **symbols}
    try:
        expr = parse_expr(cleaned, local_dict=local, transformations=transforms, evaluate=True)
    except TypeError:
        raise ValueError(
            "a function is used without its argument in brackets (write sigma(a), exp(x), "
            f"ln(p); the functions are {', '.join((*FUNCTION_NAMES, 'Phi'))})"
        ) from None
    except Exception as exc:  # noqa: BLE001 - any parse error becomes a verdict
        raise ValueError(f"{type(exc).__name__}: {exc}".strip().rstrip(":")) from None
    if not isinstance(expr, sympy.Expr):
        raise ValueError(f"it is not a formula (it reads as {type(expr).__name__})")
    unknown = sorted(str(s) for s in expr.free_symbols if str(s) not in symbols)
    if unknown:
        raise ValueError(
            f"it uses {', '.join(unknown)}, which is not a variable of this exercise "
            f"(the variables are {', '.join(symbols)})"
        )
    return expr


def compare_formulas(
    answer: str,
    expected: str,
    variables: str | Sequence[str],
    *,
    positive: bool | Sequence[str] = False,
    functions: Mapping[str, object] | None = None,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    samples: int = 24,
    seed: int = 0,
    rtol: float = 1e-7,
) -> str | None:
    """None when ``answer`` equals ``expected`` as functions of ``variables``, else why not.

    Parameters
    ----------
    answer, expected : str
        Formulas in Python syntax (``*`` for products; ``**`` or ``^`` for powers; ``sigma``,
        ``exp``, ``ln``/``log``, ``sqrt``, ``tanh``, ``artanh``, ``Phi``, ``pi`` are known).
    variables : str or sequence of str
        The variables the formula may use, e.g. ``"a"`` or ``"mu0, mu1, sigma2"``.
    positive : bool or sequence of str
        Variables (all when True) that are positive: sampled in (0.1, 3) instead of (-3, 3).
    functions : mapping, optional
        Extra names (constants or SymPy functions) the formula may use.
    ranges : mapping, optional
        Where to sample a variable, e.g. ``{"t": (0, 1)}`` for a threshold in [0, 1], so that a
        difference is reported at a point that makes sense for the exercise.

    Raises
    ------
    ValueError
        When ``expected`` itself does not parse (a bug of the check, not of the student).
    """
    import sympy

    symbols = _symbols(variables, positive)
    extra = dict(functions or {})
    try:
        want = _parse(expected, symbols, extra)
    except ValueError as exc:
        raise ValueError(f"the expected formula {expected!r} does not parse: {exc}") from None
    try:
        got = _parse(answer, symbols, extra)
    except ValueError as exc:
        return (
            f"could not parse {answer!r}: {exc}. Write it in Python syntax, e.g. "
            f"'sigma(a) * (1 - sigma(a))' (use * for products and ** or ^ for powers)"
        )
    try:
        if sympy.simplify(got - want) == 0:
            return None
    except Exception:  # noqa: BLE001 - fall back to numbers when SymPy cannot decide
        pass
    rng = random.Random(seed)
    pos = set(symbols) if positive is True else set(positive or ())
    names = list(symbols)
    f_got = sympy.lambdify([symbols[n] for n in names], got, "math")
    f_want = sympy.lambdify([symbols[n] for n in names], want, "math")
    compared = 0
    for _ in range(samples * 4):
        bounds = {n: (0.1, 3.0) if n in pos else (-3.0, 3.0) for n in names} | dict(ranges or {})
        point = [round(rng.uniform(*bounds[n]), 3) for n in names]
        try:
            w = complex(f_want(*point))
        except (ArithmeticError, ValueError, TypeError):
            continue  # outside the expected formula's domain: try another point
        if not (math.isfinite(w.real) and abs(w.imag) < 1e-12):
            continue
        at = ", ".join(f"{n} = {v:g}" for n, v in zip(names, point, strict=True))
        try:
            g = complex(f_got(*point))
        except (ArithmeticError, ValueError, TypeError) as exc:
            return f"differs at {at}: yours cannot be evaluated there ({exc})"
        if (
            not math.isfinite(g.real)
            or abs(g.imag) > 1e-9
            or not math.isclose(g.real, w.real, rel_tol=rtol, abs_tol=1e-9)
        ):
            return f"differs at {at}: yours gives {g.real:.6g}, the expected formula {w.real:.6g}"
        compared += 1
        if compared >= samples:
            return None
    if compared == 0:
        raise ValueError(f"the expected formula {expected!r} cannot be evaluated on its domain")
    return None


def check_formula(
    name: str,
    fn: Callable[[], str],
    expected: str,
    variables: str | Sequence[str],
    *,
    positive: bool | Sequence[str] = False,
    functions: Mapping[str, object] | None = None,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    hint: str = "",
    mistakes: Sequence[tuple[str, str]] = (),
    quiet: bool = False,
) -> Verdict:
    """Call ``fn()`` (the student's answer, a string) and print whether it equals ``expected``.

    Builds the ``check_<name>`` of a pen-and-paper exercise; see `compare_formulas` for the
    syntax. Raises `ExerciseFailed` when the answer is wrong or unreadable, so that a wrong answer
    in the complete edition fails its cell; a stub that raises ``NotImplementedError`` gives ⏳.
    ``mistakes`` lists ``(wrong formula, hint)`` pairs: an answer equivalent to a known mistake
    gets that mistake's hint instead of ``hint``.
    """
    try:
        answer = fn()
    except NotImplementedError:
        verdict = Verdict(
            name,
            NOT_IMPLEMENTED,
            f"⏳ {name}: not implemented yet. Derive the formula on paper, then return it as a string "
            f"in place of the `raise NotImplementedError` line.",
        )
        _emit(verdict, quiet)
        return verdict
    except Exception as exc:  # noqa: BLE001 - the student's error is a verdict
        problem = f"your function raised {type(exc).__name__}: {exc}"
    else:
        if not isinstance(answer, str):
            problem = (
                f'expected the formula as a string, e.g. "sigma(a) * (1 - sigma(a))", '
                f"got {type(answer).__name__}"
            )
        else:
            options = {"positive": positive, "functions": functions, "ranges": ranges}
            problem = compare_formulas(answer, expected, variables, **options)
            if problem is not None:
                hint = next(
                    (why for wrong, why in mistakes if _same(answer, wrong, variables, options)),
                    hint,
                )
    if problem is None:
        verdict = Verdict(name, PASSED, f"✅ {name}: equivalent to the expected formula.")
        _emit(verdict, quiet)
        return verdict
    lines = [f"❌ {name}: {problem}."]
    if hint:
        lines.append(f"   hint: {hint}")
    verdict = Verdict(name, FAILED, "\n".join(lines))
    _emit(verdict, quiet)
    raise ExerciseFailed(verdict.message)


def _same(answer: str, formula: str, variables, options) -> bool:
    try:
        return compare_formulas(answer, formula, variables, **options) is None
    except ValueError:  # a known mistake that cannot be evaluated on the domain
        return False
