"""The engine behind every exercise check.

A check calls the student's function on a few cases, compares each result with the reference
answer, and prints one verdict:

- ``✅ name: all N cases passed.``
- ``⏳ name: not implemented yet ...`` when the function still raises ``NotImplementedError``
  (the student edition's stub). This verdict does not raise, so "Run all" goes on.
- ``❌ name: case k of N (label) failed ...`` with the input, the expected and the received value
  and a hint. This raises `ExerciseFailed` (an ``AssertionError``), so that a wrong solution in
  the complete edition fails its cell under nbval.

Whatever the student's function does (raise, return the wrong type, shape or NaN), the check
answers with a verdict, never with an internal error of its own.
"""

from __future__ import annotations

import copy
import math
import re
import traceback
from collections.abc import Callable, Sequence
from dataclasses import InitVar, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

__all__ = [
    "Case",
    "ExerciseFailed",
    "Mistake",
    "Named",
    "Verdict",
    "check_function",
    "known_mistakes",
    "short_repr",
]

PASSED, FAILED, NOT_IMPLEMENTED = "passed", "failed", "not implemented"


class ExerciseFailed(AssertionError):
    """Raised by a check whose exercise gives a wrong answer; the message is the verdict.

    ``verdict`` is the `Verdict` (when the check passed it on), so that a caller that catches the
    exception still learns which known mistake the answer matched (``.mistake``)."""

    def __init__(self, *args: object, verdict: Verdict | None = None) -> None:
        super().__init__(*args)
        self.verdict = verdict

    @property
    def mistake(self) -> str | None:
        """The id of the known mistake the wrong answer matched, or None."""
        return self.verdict.mistake if self.verdict is not None else None

    def _render_traceback_(self) -> list[str]:
        # IPython shows these lines instead of a traceback: the verdict is printed just above,
        # and 30 lines through utils/checks would only repeat it. The cell still fails.
        return ["\x1b[0;31mExerciseFailed\x1b[0m: the check above failed (❌): see its verdict."]


@dataclass
class Verdict:
    """What a check concluded: ``status`` is 'passed', 'failed' or 'not implemented'.

    ``mistake`` is the stable id of the known mistake a wrong answer matched (such as
    "bce_gradient.sign"; see `known_mistakes`), or None (passed, or no known mistake matched)."""

    name: str
    status: str
    message: str
    mistake: str | None = None

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def __str__(self) -> str:
        return self.message

    def _ipython_display_(self) -> None:
        # The check has printed the verdict already: show nothing more as the cell's result.
        return None


_KNOWN: dict[str, str] = {}
_ID = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")


@dataclass(frozen=True)
class Mistake:
    """A known mistake of an exercise: a stable id ("exercise.what", e.g. "bce_gradient.sign"),
    the hint a student sees when the answer shows it, and for a formula check the wrong formula
    the mistake gives (``wrong``).

    Declare them at module level, so that `known_mistakes` lists every one without running a
    check: ``SIGN = Mistake("bce_gradient.sign", "check the sign ...")``, then
    ``Case(..., hint=SIGN)`` or ``check_formula(..., mistakes=[SIGN_FORMULA])``.
    """

    id: str
    hint: str
    wrong: str | None = None
    register: InitVar[bool] = True

    def __post_init__(self, register: bool) -> None:
        if not _ID.fullmatch(self.id):
            raise ValueError(f"a mistake id is 'exercise.what' in lower case, got {self.id!r}")
        if register:
            if _KNOWN.get(self.id, self.hint) != self.hint:
                raise ValueError(f"the mistake id {self.id!r} is declared twice, with two hints")
            _KNOWN[self.id] = self.hint


def known_mistakes() -> dict[str, str]:
    """{mistake id: hint} for every known mistake of the checks in `utils.checks` (declared when
    the check modules are imported; no check is run)."""
    import utils.checks  # noqa: F401 - imports every check module, which declares its mistakes

    return dict(sorted(_KNOWN.items()))


class Named:
    """A function shown by its formula in a verdict's input line."""

    def __init__(self, fn, text: str) -> None:
        self.fn, self.text = fn, text

    def __call__(self, *args):
        return self.fn(*args)

    def __repr__(self) -> str:
        return self.text


@dataclass
class Case:
    """One test case of an exercise.

    Parameters
    ----------
    args : tuple
        Positional arguments for the student's function (deep-copied for every call, so a
        function that modifies its inputs in place cannot spoil the reference).
    expected : Any
        The reference answer: a tensor, a number, a bool, or a tuple/list of those.
    label : str
        What the case is about, shown when it fails ("ties", "logits of ±1000").
    hint : str or Mistake
        What to look at when this case fails; a `Mistake` gives its hint and its id.
    kwargs : dict
        Keyword arguments for the student's function.
    call : callable, optional
        ``call(fn) -> result`` replaces ``fn(*args, **kwargs)`` when the exercise needs a set-up
        (a model and an optimizer for a training step, say).
    atol, rtol : float
        Tolerances for floating-point comparisons (as in `torch.allclose`).
    mistake : str, optional
        The id of the known mistake this case catches (set from ``hint`` when it is a `Mistake`);
        a verdict that shows this case's hint records it.
    explain : callable, optional
        ``explain(received) -> Mistake | str | None``: the hint for what a wrong result shows
        (the known mistake it matches, or a sentence), consulted before ``hint`` when the case
        fails on a returned value; None falls back to ``hint``.
    """

    args: tuple = ()
    expected: Any = None
    label: str = ""
    hint: str = ""
    kwargs: dict = field(default_factory=dict)
    call: Callable[[Callable], Any] | None = None
    atol: float = 1e-6
    rtol: float = 1e-5
    mistake: str | None = None
    explain: Callable[[Any], Any] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.hint, Mistake):
            self.mistake = self.mistake or self.hint.id
            self.hint = self.hint.hint


def short_repr(value: Any, limit: int = 160) -> str:
    """A one-line description of a value for a verdict, cut to ``limit`` characters."""
    if isinstance(value, torch.Tensor):
        body = np.array2string(
            value.detach().cpu().numpy(), precision=4, separator=", ", threshold=8, edgeitems=3
        )
        body = " ".join(body.split())
        dtype = str(value.dtype).replace("torch.", "")
        text = f"tensor({body}, shape={tuple(value.shape)}, dtype={dtype})"
    elif isinstance(value, tuple | list):
        inner = ", ".join(short_repr(v, limit) for v in value)
        text = f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    elif isinstance(value, float):
        text = f"{value:.6g}"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.floating | np.integer) and not isinstance(value, bool)


def _compare(expected: Any, received: Any, atol: float, rtol: float) -> str | None:
    """None when ``received`` matches ``expected``, else a sentence saying what differs."""
    if isinstance(expected, tuple | list):
        if not isinstance(received, tuple | list):
            return (
                f"expected a {type(expected).__name__} of {len(expected)} values, "
                f"got {type(received).__name__}"
            )
        if len(received) != len(expected):
            return f"expected {len(expected)} values, got {len(received)}"
        for i, (e, r) in enumerate(zip(expected, received, strict=True)):
            problem = _compare(e, r, atol, rtol)
            if problem:
                return f"value {i}: {problem}"
        return None

    if isinstance(expected, torch.Tensor):
        if not isinstance(received, torch.Tensor):
            return f"expected a torch.Tensor, got {type(received).__name__}"
        if tuple(received.shape) != tuple(expected.shape):
            return f"expected shape {tuple(expected.shape)}, got shape {tuple(received.shape)}"
        got = received.detach().cpu()
        want = expected.detach().cpu()
        if not (want.is_floating_point() or want.is_complex()):  # labels, counts, booleans
            if got.is_floating_point() and torch.isnan(got).any():
                return "the result contains NaN"
            if not torch.equal(got.to(torch.float64), want.to(torch.float64)):
                wrong = (got.to(torch.float64) != want.to(torch.float64)).sum().item()
                return f"values differ in {wrong} of {want.numel()} entries"
            return None
        got = got.to(torch.float64)
        want = want.to(torch.float64)
        if torch.isnan(got).any() and not torch.isnan(want).any():
            return "the result contains NaN (look for 0 * inf, log(0) or exp overflow)"
        if not torch.allclose(got, want, atol=atol, rtol=rtol, equal_nan=True):
            overflowed = ~torch.isfinite(got) & torch.isfinite(want)
            if overflowed.any():
                return (
                    f"values differ: {int(overflowed.sum())} of {want.numel()} entries are ±inf "
                    "where the expected values are finite (an overflow?)"
                )
            finite = torch.isfinite(got) & torch.isfinite(want)
            if finite.any():
                err = (got - want)[finite].abs().max().item()
                return f"values differ: max abs error {err:.3g} (tolerance {atol:g} + {rtol:g}·|x|)"
            return "values differ (infinite values do not match)"
        return None

    if isinstance(expected, bool):
        if isinstance(received, torch.Tensor) and received.numel() == 1:
            received = bool(received.item())
        if not isinstance(received, bool | np.bool_):
            return f"expected a bool, got {type(received).__name__}"
        return None if bool(received) == expected else "values differ"

    if _is_number(expected):
        if isinstance(received, torch.Tensor):
            if received.numel() != 1:
                return f"expected a single number, got a tensor of shape {tuple(received.shape)}"
            received = received.item()
        if not _is_number(received):
            return f"expected a number, got {type(received).__name__}"
        if isinstance(received, float) and math.isnan(received) and not math.isnan(expected):
            return "the result is NaN (look for 0 * inf, log(0) or exp overflow)"
        if not math.isclose(float(received), float(expected), rel_tol=rtol, abs_tol=atol):
            return f"values differ by {abs(float(received) - float(expected)):.3g}"
        return None

    return None if received == expected else "values differ"


def _raised_not_implemented(exc: BaseException) -> bool:
    return isinstance(exc, NotImplementedError)


def _describe_exception(exc: BaseException) -> str:
    """The exception and the line of the student's code that raised it."""
    frames = traceback.extract_tb(exc.__traceback__)
    # The innermost frame outside this package and the installed libraries is the student's.
    here = str(Path(__file__).resolve().parent.parent)
    user = [
        f
        for f in frames
        if not f.filename.startswith(here)
        and "site-packages" not in f.filename
        and "<frozen" not in f.filename
    ]
    where = f" (line: {user[-1].line.strip()})" if user and user[-1].line else ""
    return f"{type(exc).__name__}: {exc}{where}"


def check_function(
    name: str,
    fn: Callable,
    cases: Sequence[Case],
    *,
    hint: str = "",
    quiet: bool = False,
) -> Verdict:
    """Run ``fn`` on every case and print (and return) the verdict.

    Parameters
    ----------
    name : str
        The exercise's name, as the student knows it (usually the function's name).
    fn : callable
        The student's function.
    cases : sequence of Case
        The cases, from the simplest to the edge cases; the first failure is reported.
    hint : str
        A general hint, shown when a case without a hint of its own fails.
    quiet : bool
        Do not print; only return the verdict (and still raise on failure).

    Raises
    ------
    ExerciseFailed
        When a case fails: the message is the verdict.
    """
    if not callable(fn):
        verdict = Verdict(
            name,
            FAILED,
            f"❌ {name}: expected a function, got {type(fn).__name__}. Pass the function itself "
            f"(`check(my_function)`, without parentheses after its name).",
        )
        _emit(verdict, quiet)
        raise ExerciseFailed(verdict.message, verdict=verdict)
    total = len(cases)
    for k, case in enumerate(cases, start=1):
        label = f" ({case.label})" if case.label else ""
        inputs = ", ".join(
            [short_repr(a) for a in case.args]
            + [f"{n}={short_repr(v)}" for n, v in case.kwargs.items()]
        )
        try:
            if case.call is not None:
                received = case.call(fn)
            else:
                received = fn(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        except Exception as exc:  # noqa: BLE001 - any error of the student's code is a verdict
            if _raised_not_implemented(exc):
                verdict = Verdict(
                    name,
                    NOT_IMPLEMENTED,
                    f"⏳ {name}: not implemented yet. Replace the `raise NotImplementedError` "
                    f"line under `# YOUR CODE HERE` with your code, then run this cell again.",
                )
                _emit(verdict, quiet)
                return verdict
            problem = f"your function raised {_describe_exception(exc)}"
        else:
            try:
                problem = _compare(case.expected, received, case.atol, case.rtol)
            except Exception as exc:  # noqa: BLE001 - an odd return value is still a verdict
                problem = f"its result could not be compared ({type(exc).__name__}: {exc})"
        if problem:
            lines = [f"❌ {name}: case {k} of {total}{label} failed: {problem}."]
            if inputs:
                lines.append(f"   input:    {inputs}")
            lines.append(f"   expected: {short_repr(case.expected)}")
            if "raised" not in problem:
                lines.append(f"   received: {short_repr(received)}")
            shown, mistake = case.hint or hint, case.mistake if case.hint else None
            if case.explain is not None and "raised" not in problem:
                shown, mistake = _explained(case, received, shown, mistake)
            if shown:
                lines.append(f"   hint:     {shown}")
            verdict = Verdict(name, FAILED, "\n".join(lines), mistake=mistake)
            _emit(verdict, quiet)
            raise ExerciseFailed(verdict.message, verdict=verdict)
    verdict = Verdict(name, PASSED, f"✅ {name}: all {total} cases passed.")
    _emit(verdict, quiet)
    return verdict


def _explained(case: Case, received: Any, hint: str, mistake: str | None):
    """(hint, mistake id) from ``case.explain(received)``, or the ones given when it has none."""
    try:
        found = case.explain(received)  # type: ignore[misc]
    except Exception:  # noqa: BLE001 - an odd result keeps the case's own hint
        found = None
    if isinstance(found, Mistake):
        return found.hint, found.id
    if isinstance(found, str) and found:
        return found, None
    return hint, mistake


def _emit(verdict: Verdict, quiet: bool) -> None:
    if not quiet:
        print(verdict.message)
