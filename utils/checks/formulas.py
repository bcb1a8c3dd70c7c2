"""Checks for pen-and-paper answers: a formula typed as text, compared with the expected one.

An exam-track exercise asks for a formula ("what is $\\sigma'(a)$ in terms of $\\sigma(a)$?").
The student writes it as a Python-like string in a function, and a ``check_<name>`` built on
`check_formula` answers with one verdict:

- ``✅ name: equivalent to the expected formula.``
- ``❌ name: differs at a = 0.7: yours gives 0.31, the expected formula 0.22.``
- ``❌ name: could not parse ...`` with what to write instead.
- ``⏳ name: not implemented yet`` while the function still raises ``NotImplementedError``.

Any way of writing the right formula passes: ``sigma(a)*(1-sigma(a))``,
``exp(-a)/(1+exp(-a))^2`` and ``sigma(a) - sigma(a)**2`` are all the same function of ``a``.

Whatever the string holds, the checker answers quickly and runs nothing of it:

- The text is read by a small parser with an allow-list: numbers, the exercise's variables, the
  constants ``pi`` and ``e``, the functions of `FUNCTION_NAMES`, ``+ - * / ** ^`` and brackets
  (and implicit products such as ``2 t`` or ``2(a + 1)``). Any other name, a call of anything
  else, attribute access, subscripts, strings, lambdas are refused with a verdict naming them.
  Nothing is passed to ``eval``, ``exec`` or SymPy's ``sympify``.
- Its size is capped (`MAX_LENGTH` characters, `MAX_NODES` nodes, `MAX_DEPTH` levels, brackets
  nested at most `MAX_BRACKETS` deep), as are numbers (at most `MAX_LITERAL`) and constant
  exponents (at most `MAX_EXPONENT` in size; no tower of powers in an exponent).
- The comparison is numerical, at random points of the variables' domain: first near the origin
  (where a difference is easy to read), then over a wide range (|a| up to `WIDE`), so that
  answers that agree only on a small interval are told apart. Each point is evaluated in floats
  and, where floats overflow or lose the digits, again with 40-digit `mpmath`. A difference is
  then confirmed symbolically: when SymPy simplifies the difference to 0 within
  `SIMPLIFY_BUDGET_S` seconds the answer passes after all (a numerical artefact).
"""

from __future__ import annotations

import ast
import cmath
import keyword
import math
import random
import re
import signal
import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from functools import cache
from typing import Any

from utils.checks._core import (
    FAILED,
    NOT_IMPLEMENTED,
    PASSED,
    ExerciseFailed,
    Mistake,
    Verdict,
    _emit,
)

__all__ = ["check_formula", "compare_formulas", "formula_mistakes"]

# Names a student may use besides the exercise's variables (the lecture's and Python's).
FUNCTION_NAMES = (
    "sigma",
    "sigmoid",
    "exp",
    "ln",
    "log",
    "sqrt",
    "tanh",
    "artanh",
    "atanh",
    "abs",
    "Phi",
)
CONSTANT_NAMES = ("pi", "e")

MAX_LENGTH = 1000  # characters
MAX_NODES = 400  # numbers, names, operations and calls
MAX_DEPTH = 200  # levels of the expression tree (a + b + c … is a chain of levels)
MAX_BRACKETS = 25  # brackets nested in brackets
MAX_LITERAL = 1e6  # the largest number written in a formula
MAX_EXPONENT = 64  # the largest constant exponent, in size
WIDE = 50.0  # the wide sampling range: |a| up to 50
SIMPLIFY_BUDGET_S = 0.5

# Unicode a student may paste from the lecture, and what it means.
_UNICODE = {
    "·": "*",
    "×": "*",
    "∙": "*",
    "⋅": "*",
    "÷": "/",
    "−": "-",
    "–": "-",
    "σ": "sigma",
    "Φ": "Phi",
    "π": "pi",
    "√": "sqrt",
    "²": "^2",
    "³": "^3",
}
_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|[-+*/^(),]))"
)
_ALLOWED_NODES = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.Call,
    ast.Name,
    ast.Constant,
    ast.Load,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.Pow,
    ast.USub,
    ast.UAdd,
)


class _Refused(ValueError):
    """The answer is not a formula this checker reads; the message says why, for the student."""


class _OverBudget(BaseException):  # noqa: N818 - not an error: SymPy must not catch it
    """Raised by the alarm when a symbolic computation runs out of time."""


# ---------------------------------------------------------------------------------------------
# Reading the text: tokens → an allow-listed tree
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Names:
    """What a name in a formula may stand for."""

    variables: tuple[str, ...]
    constants: Mapping[str, Any]  # name -> a number, or a SymPy expression of the variables
    functions: Mapping[str, Callable | None]  # name -> an extra callable, None for ours

    def kind(self, name: str) -> str | None:
        if name in self.variables:
            return "variable"
        if name in self.constants:
            return "constant"
        if name in self.functions:
            return "function"
        return None


def _names(variables: Sequence[str], extra: Mapping[str, object]) -> _Names:
    constants: dict[str, Any] = {"pi": math.pi, "e": math.e}
    functions: dict[str, Callable | None] = dict.fromkeys(FUNCTION_NAMES)
    for name, value in extra.items():
        if _is_sympy(value) or isinstance(value, int | float):
            constants[name] = value
            functions.pop(name, None)
        elif callable(value):
            functions[name] = value
            constants.pop(name, None)
        else:
            raise TypeError(f"functions[{name!r}] must be a number, a SymPy expression or callable")
    for name in variables:  # a variable wins over a function of the same name (sigma = σ)
        constants.pop(name, None)
        functions.pop(name, None)
    return _Names(tuple(variables), constants, functions)


def _is_sympy(value: object) -> bool:
    """True for a SymPy expression (a constant of the exercise), False for a SymPy function."""
    if not type(value).__module__.startswith("sympy"):
        return False
    import sympy

    return isinstance(value, sympy.Expr)


def _tokens(text: str) -> list[tuple[str, str]]:
    """(kind, text) pairs; refuses a character that has no place in a formula."""
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            rest = text[pos:].lstrip()
            char = rest[0]
            if char == ".":
                raise _Refused(
                    "it contains '.' outside a number: attribute access (x.y) has no place in a "
                    "formula"
                )
            bad = sorted({c for c in rest if not re.match(r"[A-Za-z0-9_\s.+\-*/^(),]", c)})
            shown = " ".join(repr(c) for c in bad[:8]) if bad else repr(char)
            raise _Refused(f"it contains {shown}, which has no place in a formula")
        kind = match.lastgroup or "op"
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


def _rewrite(tokens: list[tuple[str, str]], names: _Names) -> str:
    """The Python text of the formula: ``^`` as ``**``, implicit products made explicit; refuses
    unknown names, functions without brackets and brackets nested too deep."""
    functions = ", ".join(n for n in names.functions if n not in ("sigmoid", "artanh", "atanh"))
    depth = 0
    out: list[str] = []
    for k, (kind, tok) in enumerate(tokens):
        after = tokens[k + 1] if k + 1 < len(tokens) else ("", "")
        if kind == "name":
            role = names.kind(tok)
            if role is None and keyword.iskeyword(tok):
                raise _Refused(f"it contains the Python word {tok!r}, which is not a formula")
            if role is None:
                if after[1] == "(":
                    raise _Refused(
                        f"it calls {tok}(…), which is not allowed here: the functions you may use "
                        f"are {functions}"
                    )
                raise _Refused(
                    f"it uses {tok}, which is not a variable of this exercise (the variables are "
                    f"{', '.join(names.variables)}; the constants pi and e)"
                )
            if role == "function" and after[1] != "(":
                similar = [v for v in names.variables if re.fullmatch(re.escape(tok) + r"\d+", v)]
                if tok in ("sigma", "σ") and similar:
                    raise _Refused(
                        f"here sigma is the sigmoid, a function: write {similar[0]} for σ² (the "
                        "variance is one variable)"
                    )
                raise _Refused(
                    f"a function is used without its argument in brackets ({tok}; write sigma(a), "
                    f"exp(x), ln(p); the functions are {functions})"
                )
        if kind == "num" and after[0] == "num":
            raise _Refused(
                f"two numbers follow each other ({tok} {after[1]}): put an operator between them"
            )
        if tok == "(":
            depth += 1
            if depth > MAX_BRACKETS:
                raise _Refused(f"its brackets are nested more than {MAX_BRACKETS} deep")
        elif tok == ")":
            depth -= 1
            if depth < 0:
                raise _Refused("a ')' closes a bracket that was never opened")
        out.append("**" if tok == "^" else tok)
        left_ends = kind in ("num", "name") and names.kind(tok) != "function" or tok == ")"
        right_starts = after[0] in ("num", "name") or after[1] == "("
        if left_ends and right_starts:
            out.append("*")  # 2 t, 2(a + 1), (a)(b), x y
    if depth:
        raise _Refused(f"{depth} bracket(s) '(' are never closed")
    return " ".join(out)


def _parse(text: object, names: _Names) -> ast.expr:
    """The checked expression tree of ``text``; raises `_Refused` with a sentence for the student."""
    if not isinstance(text, str):
        raise _Refused(f"expected the formula as a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise _Refused(
            f"it is {len(text)} characters long; a formula here needs at most {MAX_LENGTH}"
        )
    cleaned = text
    for old, new in _UNICODE.items():
        cleaned = cleaned.replace(old, new)
    if not cleaned.strip():
        raise _Refused("the answer is empty")
    source = _rewrite(_tokens(cleaned), names)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise _Refused(
            f"it does not read as a formula ({exc.msg}: look at the operators)"
        ) from None
    except (ValueError, RecursionError, MemoryError):
        raise _Refused("it does not read as a formula") from None
    _walk(tree, names)
    _check_powers(tree.body, names)
    return tree.body


def _walk(tree: ast.AST, names: _Names) -> None:
    """Refuse anything outside the allow-list, and trees too large or too deep (no recursion)."""
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise _Refused(f"it is too long: more than {MAX_NODES} numbers, names and operations")
        if depth > MAX_DEPTH:
            raise _Refused(f"it is nested more than {MAX_DEPTH} levels deep")
        if not isinstance(node, _ALLOWED_NODES):
            what = "a comma outside a function's brackets" if isinstance(node, ast.Tuple) else None
            raise _Refused(f"it contains {what or type(node).__name__}, which is not a formula")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or names.kind(node.func.id) != "function":
                raise _Refused("only the listed functions can be called")
            if node.keywords or len(node.args) != 1:
                raise _Refused(f"{node.func.id}(…) takes one argument, e.g. {node.func.id}(a)")
            stack.append((node.args[0], depth + 1))
            continue
        if isinstance(node, ast.Name) and names.kind(node.id) not in ("variable", "constant"):
            raise _Refused(f"{node.id} is used as a value")
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise _Refused(f"it contains {value!r}, which is not a number")
            if not abs(value) <= MAX_LITERAL:
                raise _Refused(f"it has a number larger than {MAX_LITERAL:g}, too large here")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _constant_value(node: ast.expr, names: _Names) -> float | None:
    """The value of a subexpression without variables (None when it has variables)."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            role = names.kind(sub.id)
            if role == "variable" or _is_sympy(names.constants.get(sub.id)):
                return None
    try:
        value = _evaluate(node, dict(names.constants), _FLOATS)
    except OverflowError:
        return math.inf
    except (ArithmeticError, ValueError, TypeError, KeyError):
        return math.nan
    if isinstance(value, complex):
        return math.nan if value.imag else value.real
    return float(value)


def _check_powers(node: ast.expr, names: _Names) -> None:
    """Constant exponents at most MAX_EXPONENT in size; no power tower in an exponent."""
    for sub in ast.walk(node):
        if not (isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.Pow)):
            continue
        exponent = _constant_value(sub.right, names)
        if exponent is None:
            for inner in ast.walk(sub.right):
                if (
                    isinstance(inner, ast.BinOp)
                    and isinstance(inner.op, ast.Pow)
                    and _constant_value(inner.right, names) is None
                ):
                    raise _Refused(
                        "it has a tower of powers (a variable power inside an exponent), which "
                        "no answer here needs"
                    )
        elif math.isnan(exponent):
            raise _Refused("it has an exponent that cannot be evaluated")
        elif not abs(exponent) <= MAX_EXPONENT:
            raise _Refused(
                f"it raises to the power {exponent:g}: an exponent here is at most {MAX_EXPONENT} "
                "in size"
            )


# ---------------------------------------------------------------------------------------------
# Evaluating the tree: in floats, and with mpmath where floats fail
# ---------------------------------------------------------------------------------------------


def _f_sigma(x):
    if isinstance(x, complex):
        return 1 / (1 + cmath.exp(-x))
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    z = math.exp(x)
    return z / (1 + z)


def _real_only(fn):
    def apply(x):
        if isinstance(x, complex):
            raise ValueError("complex argument")
        return fn(x)

    return apply


_FLOAT = {
    "sigma": _f_sigma,
    "sigmoid": _f_sigma,
    "exp": _real_only(math.exp),
    "ln": _real_only(math.log),
    "log": _real_only(math.log),
    "sqrt": _real_only(math.sqrt),
    "tanh": _real_only(math.tanh),
    "artanh": _real_only(math.atanh),
    "atanh": _real_only(math.atanh),
    "abs": abs,
    "Phi": _real_only(lambda x: 0.5 * math.erfc(-x / math.sqrt(2))),
    "pow": lambda x, y: x**y,
}


@cache
def _mp_functions() -> dict[str, Callable]:
    """The functions with mpmath, guarded so that no value grows beyond what a check needs (an
    exp of exp of exp would otherwise fill the memory)."""
    import mpmath

    big = 1e7

    def too_large(x) -> bool:
        return abs(mpmath.re(x)) > big or abs(mpmath.im(x)) > big

    def exp(x):
        if too_large(x):
            raise OverflowError("exp of a huge number")
        return mpmath.exp(x)

    def sigma(x):
        if too_large(x):
            raise OverflowError("sigma of a huge number")
        return 1 / (1 + mpmath.exp(-x))

    def phi(x):
        if too_large(x):
            raise OverflowError("Phi of a huge number")
        return mpmath.erfc(-x / mpmath.sqrt(2)) / 2

    def tanh(x):
        if too_large(x):
            raise OverflowError("tanh of a huge number")
        return mpmath.tanh(x)

    def power(x, y):
        if x == 0:
            if mpmath.re(y) < 0:
                raise ZeroDivisionError("0 to a negative power")
            return mpmath.mpf(0) if y != 0 else mpmath.mpf(1)
        size = abs(y) * (abs(mpmath.log(abs(x))) + 1)
        if size > big:
            raise OverflowError("a power too large")
        return mpmath.power(x, y)

    def log(x):
        if x == 0:
            raise ValueError("log(0)")
        return mpmath.log(x)

    return {
        "sigma": sigma,
        "sigmoid": sigma,
        "exp": exp,
        "ln": log,
        "log": log,
        "sqrt": mpmath.sqrt,
        "tanh": tanh,
        "artanh": mpmath.atanh,
        "atanh": mpmath.atanh,
        "abs": abs,
        "Phi": phi,
        "pow": power,
    }


@dataclass(frozen=True)
class _Arithmetic:
    """One way of evaluating a formula: in floats, or in 40-digit mpmath numbers."""

    module: str  # what sympy.lambdify evaluates SymPy extras with: "math" or "mpmath"
    number: Callable[[Any], Any]  # a constant or a coordinate, as a number of this kind
    functions: Mapping[str, Callable]  # the names of FUNCTION_NAMES, and "pow"
    precision: Callable[[], AbstractContextManager]  # the working precision while evaluating
    usable: Callable[[Any], bool]  # whether a value can be compared (finite, of a kind it takes)


def _float_usable(value) -> bool:
    return not isinstance(value, complex) and math.isfinite(value)


_FLOATS = _Arithmetic("math", float, _FLOAT, nullcontext, _float_usable)


@cache
def _precise() -> _Arithmetic:
    """Evaluation with mpmath at 40 digits (imported on first use; complex values are kept)."""
    import mpmath

    return _Arithmetic(
        "mpmath", mpmath.mpf, _mp_functions(), lambda: mpmath.workdps(40), mpmath.isfinite
    )


def _evaluate(node: ast.expr, env: Mapping[str, Any], arithmetic: _Arithmetic):
    """The value of a checked tree, with the names' values in ``env`` (depth ≤ MAX_DEPTH)."""
    if isinstance(node, ast.Constant):
        return arithmetic.number(node.value)
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.UnaryOp):
        value = _evaluate(node.operand, env, arithmetic)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Call):
        name = node.func.id  # type: ignore[attr-defined]  # checked by _walk
        fn = env.get(f"{name}()") or arithmetic.functions[name]
        return fn(_evaluate(node.args[0], env, arithmetic))
    assert isinstance(node, ast.BinOp)
    left = _evaluate(node.left, env, arithmetic)
    right = _evaluate(node.right, env, arithmetic)
    if isinstance(node.op, ast.Add):
        return left + right
    if isinstance(node.op, ast.Sub):
        return left - right
    if isinstance(node.op, ast.Mult):
        return left * right
    if isinstance(node.op, ast.Div):
        return left / right
    return arithmetic.functions["pow"](left, right)


# ---------------------------------------------------------------------------------------------
# Comparing two trees
# ---------------------------------------------------------------------------------------------


@dataclass
class _Problem:
    """A formula and what the checker needs to evaluate it."""

    tree: ast.expr
    names: _Names


def _extras_at(
    names: _Names, point: Mapping[str, float], arithmetic: _Arithmetic
) -> dict[str, Any]:
    """The values of the extra names (numbers, SymPy expressions of the variables) at a point."""
    env: dict[str, Any] = {}
    for name, value in names.constants.items():
        if _is_sympy(value):
            env[name] = _lambdified(value, names.variables, arithmetic.module)(
                *(point[v] for v in names.variables)
            )
        else:
            env[name] = arithmetic.number(value)
    for name, fn in names.functions.items():
        if fn is not None:
            env[f"{name}()"] = _call_extra(fn)
    return env


def _call_extra(fn: Callable) -> Callable:
    def call(x):
        value = fn(x)
        if _is_sympy(value):
            value = complex(value.evalf())
        return value

    return call


_LAMBDIFIED: dict[tuple[str, tuple[str, ...], str], Callable] = {}


def _lambdified(expr, variables: tuple[str, ...], lib_name: str) -> Callable:
    key = (str(expr), variables, lib_name)
    if key not in _LAMBDIFIED:
        import sympy

        symbols = [
            next((s for s in expr.free_symbols if s.name == v), sympy.Symbol(v)) for v in variables
        ]
        _LAMBDIFIED[key] = sympy.lambdify(symbols, expr, lib_name)
    return _LAMBDIFIED[key]


def _value_at(problem: _Problem, point: Mapping[str, float], precise: bool):
    """The formula's value at ``point`` (a float; an mpmath number, maybe complex, when
    precise), or None where it cannot be evaluated."""
    arithmetic = _precise() if precise else _FLOATS
    try:
        with arithmetic.precision():
            env = {name: arithmetic.number(value) for name, value in point.items()}
            env |= _extras_at(problem.names, point, arithmetic)
            value = +_evaluate(problem.tree, env, arithmetic)  # rounded to the working precision
        return value if arithmetic.usable(value) else None
    except Exception:  # noqa: BLE001 - a value that cannot be computed is no value
        return None


def _close(g, w, rtol: float, atol: float) -> bool:
    import mpmath

    if abs(mpmath.im(g)) > atol + rtol * abs(g) or abs(mpmath.im(w)) > atol + rtol * abs(w):
        return False
    g, w = mpmath.re(g), mpmath.re(w)
    return abs(g - w) <= max(rtol * max(abs(g), abs(w)), atol)


def _is_real(value, rtol: float, atol: float) -> bool:
    import mpmath

    return abs(mpmath.im(value)) <= atol + rtol * abs(value)


def _shown(value) -> str:
    import mpmath

    if _is_real(value, 1e-7, 1e-9):
        value = mpmath.re(value)
    return mpmath.nstr(value, 6)


def _points(
    variables: Sequence[str],
    pos: set[str],
    ranges: Mapping[str, tuple[float, float]],
    tied: Mapping[str, _Problem],
    samples: int,
    seed: int,
    labels: frozenset[str] = frozenset(),
):
    """Random points: first near the origin, then over the wide range (each variable large with
    probability 1/2); a label is 0 or 1; a tied variable follows its formula."""
    rng = random.Random(seed)
    free = [v for v in variables if v not in tied]
    for wide in (False, True):
        for _ in range(samples * 4):
            point: dict[str, float] = {}
            for v in free:
                if v in labels:
                    point[v] = float(rng.randint(0, 1))
                    continue
                if v in ranges:
                    low, high = ranges[v]
                elif wide and rng.random() < 0.5:
                    low, high = (0.1, WIDE) if v in pos else (-WIDE, WIDE)
                else:
                    low, high = (0.1, 3.0) if v in pos else (-3.0, 3.0)
                point[v] = round(rng.uniform(low, high), 2 if wide else 3)
            for v, formula in tied.items():
                value = _value_at(formula, point, precise=False)
                if value is None:
                    break
                point[v] = float(value)
            else:
                yield wide, point


def _numeric_difference(
    got: _Problem,
    want: _Problem,
    variables: Sequence[str],
    *,
    pos: set[str],
    ranges: Mapping[str, tuple[float, float]],
    tied: Mapping[str, _Problem],
    samples: int,
    seed: int,
    rtol: float,
    atol: float = 1e-9,
    labels: frozenset[str] = frozenset(),
) -> tuple[str | None, int]:
    """(why they differ or None, how many points were compared)."""
    compared = {False: 0, True: 0}
    for wide, point in _points(variables, pos, ranges, tied, samples, seed, labels):
        if compared[wide] >= samples:
            if wide:
                break
            continue
        w, g = _value_at(want, point, False), _value_at(got, point, False)
        if w is not None and g is not None and _close(g, w, rtol, atol):
            compared[wide] += 1
            continue
        w, g = _value_at(want, point, True), _value_at(got, point, True)
        if w is None or not _is_real(w, rtol, atol):
            continue  # outside the expected formula's domain: try another point
        at = ", ".join(f"{n} = {_shown_point(point[n])}" for n in variables)
        if g is None:
            return f"differs at {at}: yours cannot be evaluated there", sum(compared.values())
        if not _is_real(g, rtol, atol):
            return (
                f"differs at {at}: yours gives {_shown(g)}, not a real number (a root or a "
                f"logarithm of a negative number?); the expected formula gives {_shown(w)}",
                sum(compared.values()),
            )
        if not _close(g, w, rtol, atol):
            return (
                f"differs at {at}: yours gives {_shown(g)}, the expected formula {_shown(w)}",
                sum(compared.values()),
            )
        compared[wide] += 1
    return None, sum(compared.values())


def _shown_point(value: float) -> str:
    return f"{value:g}"


# ---------------------------------------------------------------------------------------------
# The symbolic confirmation, under a time budget
# ---------------------------------------------------------------------------------------------


def _within_budget(fn: Callable[[], Any], seconds: float) -> tuple[bool, Any]:
    """(True, fn()) when ``fn`` finishes within ``seconds``; (False, None) when it does not, when
    it raises, or where no alarm can interrupt it (not the main thread, or no SIGALRM)."""
    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        return False, None
    armed = [True]

    def on_alarm(signum, frame):
        if not armed[0]:
            return
        if _importing(frame):  # never leave a module half imported: try again a little later
            signal.setitimer(signal.ITIMER_REAL, 0.02)
            return
        raise _OverBudget

    try:
        previous = signal.signal(signal.SIGALRM, on_alarm)
    except (ValueError, OSError):
        return False, None
    try:
        try:
            signal.setitimer(signal.ITIMER_REAL, seconds)
            return True, fn()
        finally:
            armed[0] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _OverBudget:
        return False, None
    except Exception:  # noqa: BLE001 - SymPy failing to decide is not a verdict
        return False, None
    finally:
        signal.signal(signal.SIGALRM, previous)


def _importing(frame) -> bool:
    """True when the interrupted code is inside an import statement."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


@cache
def _warm_sympy() -> None:
    """Import SymPy and the modules `simplify` imports on its first call, outside any budget."""
    import sympy

    x = sympy.Symbol("x", real=True)
    for expr in (sympy.exp(x) - x, sympy.exp(x) / (1 + sympy.exp(x)) - x, sympy.log(x) + x):
        sympy.simplify(expr)


def _to_sympy(node: ast.expr, symbols: Mapping[str, Any], names: _Names):
    import sympy

    functions = {
        "sigma": lambda x: 1 / (1 + sympy.exp(-x)),
        "sigmoid": lambda x: 1 / (1 + sympy.exp(-x)),
        "exp": sympy.exp,
        "ln": sympy.log,
        "log": sympy.log,
        "sqrt": sympy.sqrt,
        "tanh": sympy.tanh,
        "artanh": sympy.atanh,
        "atanh": sympy.atanh,
        "abs": sympy.Abs,
        "Phi": lambda x: (1 + sympy.erf(x / sympy.sqrt(2))) / 2,
    }

    def build(n: ast.expr):
        if isinstance(n, ast.Constant):
            return (
                sympy.nsimplify(n.value) if isinstance(n.value, float) else sympy.Integer(n.value)
            )
        if isinstance(n, ast.Name):
            if n.id in symbols:
                return symbols[n.id]
            if n.id == "pi":
                return sympy.pi
            if n.id == "e":
                return sympy.E
            value = names.constants[n.id]
            return value if _is_sympy(value) else sympy.nsimplify(value)
        if isinstance(n, ast.UnaryOp):
            value = build(n.operand)
            return -value if isinstance(n.op, ast.USub) else value
        if isinstance(n, ast.Call):
            extra = names.functions.get(n.func.id)  # type: ignore[attr-defined]
            return (extra or functions[n.func.id])(build(n.args[0]))  # type: ignore[attr-defined]
        assert isinstance(n, ast.BinOp)
        left, right = build(n.left), build(n.right)
        if isinstance(n.op, ast.Add):
            return left + right
        if isinstance(n.op, ast.Sub):
            return left - right
        if isinstance(n.op, ast.Mult):
            return left * right
        return left / right if isinstance(n.op, ast.Div) else left**right

    return build(node)


def _simplifies_to_zero(
    got: _Problem,
    want: _Problem,
    variables: Sequence[str],
    pos: set[str],
    tied: Mapping[str, _Problem],
) -> bool:
    def decide() -> bool:
        import sympy

        symbols = {
            n: sympy.Symbol(n, positive=True) if n in pos else sympy.Symbol(n, real=True)
            for n in variables
        }
        difference = _to_sympy(got.tree, symbols, got.names) - _to_sympy(
            want.tree, symbols, want.names
        )
        for name, formula in tied.items():
            difference = difference.subs(
                symbols[name], _to_sympy(formula.tree, symbols, formula.names)
            )
        return sympy.simplify(difference) == 0

    _warm_sympy()
    finished, zero = _within_budget(decide, SIMPLIFY_BUDGET_S)
    return bool(finished and zero)


# ---------------------------------------------------------------------------------------------
# The public functions
# ---------------------------------------------------------------------------------------------


def _variable_names(variables: str | Sequence[str]) -> list[str]:
    names = variables.replace(",", " ").split() if isinstance(variables, str) else list(variables)
    if not names:
        raise ValueError("`variables` must name at least one variable, e.g. 'a' or 'x, y'")
    return names


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
    tied: Mapping[str, str] | None = None,
    symbolic: bool = True,
    labels: Sequence[str] = (),
) -> str | None:
    """None when ``answer`` equals ``expected`` as functions of ``variables``, else why not.

    Parameters
    ----------
    answer, expected : str
        Formulas in Python syntax (``*`` for products, or a space: ``2 t``; ``**`` or ``^`` for
        powers; ``sigma``, ``exp``, ``ln``/``log``, ``sqrt``, ``tanh``, ``artanh``, ``abs``,
        ``Phi``, ``pi``, ``e`` are known). Any other name is refused (see the module's docstring).
    variables : str or sequence of str
        The variables the formula may use, e.g. ``"a"`` or ``"mu0, mu1, sigma2"``.
    positive : bool or sequence of str
        Variables (all when True) that are positive: sampled in (0.1, 3), then up to 50.
    functions : mapping, optional
        Extra names: constants (a number, or a SymPy expression of the variables, such as
        ``s1`` for softmax(a)_1) or functions (callables).
    ranges : mapping, optional
        Where to sample a variable, e.g. ``{"t": (0, 1)}`` for a threshold in [0, 1], so that a
        difference is reported at a point that makes sense for the exercise.
    samples : int
        Points compared near the origin, and again over the wide range.
    tied : mapping, optional
        Variables that follow others, e.g. ``{"pi1": "1 - pi0"}``: the answer may use either.
    symbolic : bool
        Confirm a numerical difference with SymPy (within `SIMPLIFY_BUDGET_S` seconds).
    labels : sequence of str
        Variables that are class labels: sampled in {0, 1} only (an answer right for y ∈ {0, 1}
        is right), and never simplified as real numbers.

    Raises
    ------
    ValueError
        When ``expected`` itself does not parse (a bug of the check, not of the student).
    """
    names_list = _variable_names(variables)
    extra = dict(functions or {})
    names = _names(names_list, extra)
    try:
        want = _Problem(_parse(expected, names), names)
        tied_problems = {v: _Problem(_parse(f, names), names) for v, f in (tied or {}).items()}
    except _Refused as exc:
        raise ValueError(f"the expected formula {expected!r} does not parse: {exc}") from None
    try:
        got = _Problem(_parse(answer, names), names)
    except _Refused as exc:
        return (
            f"could not parse {_short(answer)}: {exc}. Write it in Python syntax, e.g. "
            f"'sigma(a) * (1 - sigma(a))' (use * for products and ** or ^ for powers)"
        )
    pos = set(names_list) if positive is True else set(positive or ())
    problem, compared = _numeric_difference(
        got,
        want,
        names_list,
        pos=pos,
        ranges=dict(ranges or {}),
        tied=tied_problems,
        samples=samples,
        seed=seed,
        rtol=rtol,
        labels=frozenset(labels),
    )
    if problem is None and compared == 0:
        raise ValueError(f"the expected formula {expected!r} cannot be evaluated on its domain")
    if (
        problem is not None
        and symbolic
        and _simplifies_to_zero(got, want, names_list, pos, tied_problems)
    ):
        return None
    return problem


def _short(answer: object, limit: int = 80) -> str:
    text = repr(answer)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mistake_entries(name: str, mistakes: Sequence) -> list[Mistake]:
    """``(wrong, hint)``, ``(mistake_id, wrong, hint)`` or `Mistake` entries, as Mistakes."""
    out = []
    for k, entry in enumerate(mistakes, start=1):
        if isinstance(entry, Mistake):
            out.append(entry)
        elif len(entry) == 3:
            out.append(Mistake(entry[0], entry[2], wrong=entry[1]))
        else:
            base = re.sub(r"[^a-z0-9_]", "_", name.lower()).lstrip("_0123456789") or "formula"
            out.append(Mistake(f"{base}.mistake{k}", entry[1], wrong=entry[0], register=False))
    return out


def formula_mistakes(exercise: str, *entries: tuple[str, str, str]) -> list[Mistake]:
    """The known mistakes of the formula check ``check_<exercise>``, one ``(what, wrong formula,
    hint)`` each, as `Mistake` entries with the ids ``"<exercise>.<what>"``.

    Call it at module level, next to the check (``SLOPE_MISTAKES = formula_mistakes("slope",
    ("sign", "y - sigma(a)", "check the sign"))``, then ``check_formula(..., mistakes=
    SLOPE_MISTAKES)``): the mistakes are declared on import, so that `known_mistakes` lists them
    with their hints without running the check.
    """
    return [Mistake(f"{exercise}.{what}", hint, wrong=wrong) for what, wrong, hint in entries]


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
    mistakes: Sequence = (),
    quiet: bool = False,
    tied: Mapping[str, str] | None = None,
    advice: Callable[[str], str | None] | None = None,
    labels: Sequence[str] = (),
) -> Verdict:
    """Call ``fn()`` (the student's answer, a string) and print whether it equals ``expected``.

    Builds the ``check_<name>`` of a pen-and-paper exercise; see `compare_formulas` for the
    syntax. Raises `ExerciseFailed` when the answer is wrong or unreadable, so that a wrong answer
    in the complete edition fails its cell; a stub that raises ``NotImplementedError`` gives ⏳.
    ``mistakes`` lists known mistakes as ``(wrong formula, hint)``, ``(mistake_id, wrong
    formula, hint)`` or `Mistake` entries: an answer equivalent to a known mistake gets that
    mistake's hint instead of ``hint``, and the verdict records its id (``Verdict.mistake``).
    A ``(wrong formula, hint)`` pair gets the id ``<name>.mistake<k>``, which `known_mistakes`
    does not list: a course check declares its mistakes with `formula_mistakes` instead.
    ``advice(answer)`` may return a hint for a wrong answer that no known mistake matches (a
    misreading of the notation, say).
    """
    known = _mistake_entries(name, mistakes)
    matched: Mistake | None = None
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
            options = {
                "positive": positive,
                "functions": functions,
                "ranges": ranges,
                "tied": tied,
                "labels": labels,
            }
            try:
                problem = compare_formulas(answer, expected, variables, **options)
            except ValueError:
                raise  # the expected formula is broken: a bug of the check, not of the answer
            except Exception as exc:  # noqa: BLE001 - any answer gets a verdict
                problem = f"could not be judged ({type(exc).__name__}); write it more simply"
            if problem is not None and not problem.startswith("could not"):
                matched = next(
                    (m for m in known if _same(answer, m.wrong, variables, options)), None
                )
                if matched is not None:
                    hint = matched.hint
                elif advice is not None:
                    hint = advice(answer) or hint
    if problem is None:
        verdict = Verdict(name, PASSED, f"✅ {name}: equivalent to the expected formula.")
        _emit(verdict, quiet)
        return verdict
    lines = [f"❌ {name}: {problem}."]
    if hint:
        lines.append(f"   hint: {hint}")
    verdict = Verdict(name, FAILED, "\n".join(lines), mistake=matched.id if matched else None)
    _emit(verdict, quiet)
    raise ExerciseFailed(verdict.message, verdict=verdict)


def _same(answer: str, formula: str | None, variables, options) -> bool:
    if formula is None:
        return False
    try:
        return compare_formulas(answer, formula, variables, symbolic=False, **options) is None
    except (ValueError, ArithmeticError, TypeError, RecursionError, MemoryError):
        return False
