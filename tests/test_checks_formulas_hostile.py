"""The formula checker gives a verdict to anything, quickly, and runs nothing of it (issue 17 §4).

More than 100 hostile and junk answers go through the formula checks in a separate process that
runs in an empty temporary folder: every answer must get a ✅ or ❌ verdict (no exception other
than ExerciseFailed), no file may appear (in the folder or at the marker path the strings try to
create), and no answer may take more than 2 s of CPU time. A watchdog (faulthandler) ends the
process when one answer stalls, and the test names that answer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The marker file each "code" string would create if it were executed. Written into the strings
# below as the placeholder MARKER, replaced by an absolute path in the test.
CODE = [
    "exec(chr(111)+chr(112)+chr(101)+chr(110)+chr(40)+chr(39)+MARKER+chr(39)+chr(41))",
    "__import__('os').system('touch MARKER')",
    '__import__("pathlib").Path("MARKER").touch()',
    "open('MARKER', 'w')",
    "eval(\"open('MARKER', 'w')\")",
    "compile('open(1)', 'x', 'exec')",
    "sympify(\"__import__('os').system('touch MARKER')\")",
    "S(\"open('MARKER','w')\")",
    "parse_expr(\"open('MARKER','w')\")",
    "Symbol('x').__class__.__base__.__subclasses__()",
    "a.__class__.__mro__[1].__subclasses__()",
    "getattr(a, '__class__')",
    "globals()['__builtins__']['open']('MARKER', 'w')",
    "(lambda: open('MARKER', 'w'))()",
    "[open('MARKER','w') for _ in 'a']",
    "open\n('MARKER', 'w')",
    "a; open('MARKER', 'w')",
    "a\nimport os",
    "breakpoint()",
    "input()",
    "exit()",
    "quit()",
    "help()",
    "vars()",
    "locals()",
    "dir()",
    "type(a)",
    "sigma.__globals__",
    "exp.__self__",
    "sigma(a).func",
    "Function('f')(a)",
    "lambdify(a, a)",
    "a if open('MARKER','w') else a",
    "(x := 1)",
    "f'{a}'",
    "b'a'",
    "'a'",
    "a @ a",
    "a % 2",
    "a // 2",
    "a << 2",
    "~a",
    "not a",
    "a and a",
    "a < 1",
    "a[0]",
    "{a: 1}",
    "...",
]

HEAVY = [
    "10**10**10",
    "9^9^9",
    "2^2^2^2^2^2",
    "factorial(10**7)",
    "(a+1)**5000",
    "(a+1)**65",
    "(a+1)**-65",
    "(a+1)**64*(a+2)**64*(a+3)**64*(a+4)**64*(a+5)**64",
    "(sigma(a)+exp(a)+tanh(a))**64*(sigma(-a)+exp(-a))**64",
    "sigma(" * 30 + "a" + ")" * 30,
    "sigma(" * 12 + "a" + ")" * 12,
    "exp(" * 20 + "a" + ")" * 20,
    "exp(exp(exp(exp(a))))",
    "exp(exp(exp(exp(exp(exp(a))))))**64",
    "(" * 2000 + "a" + ")" * 2000,
    "(" * 400 + "a" + ")" * 400,
    "(" * 26 + "a" + ")" * 26,
    "((((a",
    "a))))",
    "a^a^a^a",
    "a**(a**a)",
    "e^(e^(e^a))",
    "1e300",
    "1e5**64",
    "123456789123456789",
    "0.000000000000000000000000001",
    "1/0",
    "0**-1",
    "0^0",
    "ln(0)",
    "ln(-1)",
    "sqrt(-1)",
    "artanh(2)",
    "exp(1000*exp(a))",
    "sigma(1e6*a)",
    "Phi(1e6*a)",
    "tanh(1e6*exp(a))",
    "a" + "+a" * 600,
    "a" + "*a" * 300,
    "-" * 300 + "a",
    "a" * 5000,
    "sigma(a)" + "*(1-sigma(a))" * 40,
    "+".join(f"sigma({k}*a)" for k in range(1, 120)),
]

SYMPY_NAMES = [
    "Integral(sigma(a), a)",
    "Derivative(sigma(a), a)",
    "diff(sigma(a), a)",
    "integrate(sigma(a), a)",
    "simplify(a)",
    "Max(0, a - 4)",
    "Min(a, 1)",
    "Piecewise((a, a > 0), (0, True))",
    "Heaviside(a)",
    "factorial(a)",
    "gamma(a)",
    "zeta(a)",
    "oo",
    "zoo",
    "nan",
    "I",
    "E",
    "N(a)",
    "Sum(a, (a, 1, 10))",
    "limit(a, a, 0)",
    "sin(a)",
    "cos(a)",
    "floor(a)",
    "sign(a)",
    "re(a)",
    "lambda",
    "lambda a: a",
    "True",
    "None",
    "print",
    "sigma",
    "exp",
    "a.b.c.d",
    "a.real",
    "sigma(a, a)",
    "sigma()",
    "sigma(a=1)",
    "sigma(*a)",
]

JUNK = [
    "",
    "   ",
    "\n\t",
    "\x00",
    "a\x00b",
    "∫ σ(a) da",
    "σ(a)·(1 − σ(a))",
    "σ′(a)",
    "∂ℓ/∂a",
    "😀",
    "a²",
    "√(a)",
    "ａ",  # a full-width letter  # noqa: RUF003
    "é",
    "\u202ea",
    "\\sigma(a)(1-\\sigma(a))",
    "$\\sigma(a)$",
    "sigma(a)*(1-sigma(a)",
    "sigma(a)*(1-sigma(a)))",
    "a +",
    "* a",
    "a ** ",
    "a***2",
    "a +* 2",
    "2..3",
    "1e",
    "1e+",
    ".e5",
    "a, a",
    "(a, a)",
    "z",
    "x + y",
    "sigma(a) * (1 - sigma(a))",  # right: ✅
    "sigmoid(a)*sigmoid(-a)",  # right: ✅
    "2 sigma(a)(1 - sigma(a))/2",  # right, implicit products: ✅
    "sigma(a)*(1-sigma(a)) + (a - 4 + abs(a - 4))/2",  # wrong only for a > 4
    "sigma(a)*(1-sigma(a)) + (abs(a + 20) - a - 20)/2",  # wrong only for a < −20
    "sigma(a)**2",
    None,
    3.5,
    ["sigma(a)"],
    b"sigma(a)",
]

CHECKS = [
    "check_formula",  # σ'(a) in the variable a
    "check_map_threshold_formula",  # five variables, tied priors
    "check_ce_gradient_formula",  # extra names s1, s2, s3 (SymPy expressions)
    "check_mle_bce_formula",  # judged at y = 0 and y = 1
]

RUNNER = r"""
import faulthandler, json, sys, time
from utils.checks import ExerciseFailed, check_formula
import utils.checks as checks
import sympy, mpmath  # imported before the clock starts: not part of an answer's time

strings = json.loads(sys.stdin.read())
SIGMA_PRIME = "exp(-a)/(1 + exp(-a))**2"
names = json.loads(sys.argv[1])
for i, (value, name) in enumerate(zip(strings, names)):
    if isinstance(value, dict):
        value = value["bytes"].encode() if "bytes" in value else value["list"]
    faulthandler.dump_traceback_later(float(sys.argv[2]), exit=True)
    start = time.process_time()
    try:
        if name == "check_formula":
            verdict = check_formula("p", lambda: value, SIGMA_PRIME, "a", quiet=True)
        else:
            verdict = getattr(checks, name)(lambda: value)
        status, message = verdict.status, verdict.message
    except ExerciseFailed as exc:
        status, message = "failed", str(exc)
    except BaseException as exc:
        status, message = "escaped", f"{type(exc).__name__}: {exc}"
    cpu = time.process_time() - start
    faulthandler.cancel_dump_traceback_later()
    print(json.dumps({"i": i, "check": name, "status": status, "message": message, "cpu": cpu}))
    sys.stdout.flush()
"""


def _encoded(value):
    if isinstance(value, bytes):
        return {"bytes": value.decode()}
    if isinstance(value, list):
        return {"list": value}
    return value


def test_more_than_100_hostile_answers_each_get_a_verdict_run_nothing_and_write_nothing(tmp_path):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    marker = tmp_path / "marker"
    strings = [
        s.replace("MARKER", str(marker)) if isinstance(s, str) else s
        for s in CODE + HEAVY + SYMPY_NAMES + JUNK
    ]
    assert len(strings) >= 100
    # The junk goes to the σ' check (its asserts below); the rest to each check in turn.
    names = [CHECKS[k % len(CHECKS)] for k in range(len(CODE + HEAVY + SYMPY_NAMES))]
    names += ["check_formula"] * len(JUNK)
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, json.dumps(names), "60"],
        input=json.dumps([_encoded(s) for s in strings]),
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=900,  # a stall guard for the whole batch; the watchdog names a stalled answer
    )
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    if len(results) < len(strings):
        stalled = strings[len(results)]
        pytest.fail(f"no verdict for {stalled!r:.200}: the process ended ({proc.stderr[-2000:]})")
    for result, value in zip(results, strings, strict=True):
        shown = f"{value!r:.120} ({result['check']})"
        assert result["status"] in ("passed", "failed"), f"{shown}: {result['message']}"
        assert result["message"][:1] in ("✅", "❌"), f"{shown}: {result['message']}"
        assert result["cpu"] < 2.0, f"{shown} took {result['cpu']:.2f} s of CPU time"
    assert list(cwd.iterdir()) == [], "an answer wrote a file"
    assert not marker.exists(), "an answer was executed: it created the marker file"
    by_value = {repr(v): r for v, r in zip(strings, results, strict=True)}
    # The answers that are formulas are judged, not refused.
    assert by_value[repr("sigma(a) * (1 - sigma(a))")]["status"] == "passed"
    assert (
        "differs at a = "
        in by_value[repr("sigma(a)*(1-sigma(a)) + (a - 4 + abs(a - 4))/2")]["message"]
    )
    assert (
        "differs at a = -"
        in by_value[repr("sigma(a)*(1-sigma(a)) + (abs(a + 20) - a - 20)/2")]["message"]
    )
    # A refused name is named in the verdict.
    for value in ("Integral(sigma(a), a)", "diff(sigma(a), a)", "factorial(10**7)"):
        assert value.split("(")[0] in by_value[repr(value)]["message"], value
