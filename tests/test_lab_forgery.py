"""Verdicts a notebook cannot forge (issue 21 §1) and honest notebooks never blocked (§2).

Each notebook's exercises are re-checked the way the checker does it
(`utils.course.checking.recheck`): the notebook's code in a fresh sandboxed process, the checks
and their comparisons in this one. Every technique of the issue's table, alone and combined,
must end "blocked" for every wrong or missing task; the unusual but honest notebooks must pass.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import utils.checks.lab as public_lab_checks
from utils.course import checking, plain, running, sandbox
from utils.course.report import Report

WORKS, WHY = sandbox.availability()

RIGHT_QF = (
    "import torch\n\n\ndef quadratic_features(x):\n"
    "    return torch.cat([x, x**2, x[:, :1] * x[:, 1:2]], dim=1)"
)
WRONG_QF = "import torch\n\n\ndef quadratic_features(x):\n    return torch.zeros(len(x), 5)"
CHECK_QF = "from utils.checks.lab import check_quadratic_features\n\ncheck_quadratic_features(quadratic_features)"
RIGHT_STD = (
    "def standardize(x):\n"
    "    return (x - x.mean(dim=0)) / x.std(dim=0, unbiased=False).clamp_min(1e-12)"
)
CHECK_STD = "from utils.checks import check_standardize\n\ncheck_standardize(standardize)"


def rechecked(*cells: str, tasks=("quadratic_features",)) -> Report:
    nb = new_notebook(cells=[new_markdown_cell("# 07 · A lab")] + [new_code_cell(c) for c in cells])
    report = Report(Path("submission.ipynb"))
    checking.recheck(nb, report, sandbox.Limits(), WORKS, 240, (), list(tasks))
    return report


FRAME_READER = """
import inspect


def _expected():
    frame = inspect.currentframe().f_back
    while frame is not None:
        for name in ("case", "expected", "cases", "reference"):
            if name in frame.f_locals:
                value = frame.f_locals[name]
                return getattr(value, "expected", value)
        frame = frame.f_back
    return None
"""

ATTACKS = {
    # read the expected value through the caller's frames
    "frame-expected": [
        FRAME_READER + "\n\ndef quadratic_features(x):\n    return _expected()",
        CHECK_QF,
    ],
    # a typed formula's expected string, read from the check's frame
    "frame-formula": [
        FRAME_READER + "\n\ndef sigma_prime_formula():\n    return _expected() or 'a'",
        "from utils.checks.logistic import check_sigma_prime_formula\n\n"
        "check_sigma_prime_formula(sigma_prime_formula)",
    ],
    # lying return values: a tensor subclass that answers allclose/equal with True
    "tensor-subclass": [
        "import torch\n\n\nclass Liar(torch.Tensor):\n    @classmethod\n"
        "    def __torch_function__(cls, func, types, args=(), kwargs=None):\n"
        "        if func in (torch.allclose, torch.equal, torch.Tensor.__eq__):\n"
        "            return True\n"
        "        return super().__torch_function__(func, types, args, kwargs or {})\n\n\n"
        "def quadratic_features(x):\n    return torch.zeros(len(x), 5).as_subclass(Liar)",
        CHECK_QF,
    ],
    # a float subclass whose __float__ reads the caller's expected value
    "float-subclass": [
        FRAME_READER + "\n\nclass F(float):\n    def __float__(self):\n"
        "        value = _expected()\n        return float(value[0] if value else 0.0)\n\n\n"
        "def test_risk(predict, x, y):\n    return (F(0.5), F(0.5))",
        "from utils.checks.lab import check_test_risk\n\ncheck_test_risk(test_risk)",
    ],
    # patch the comparison: torch.allclose / torch.equal inside the function
    "patch-torch": [
        "def quadratic_features(x):\n"
        "    torch_ = __import__('tor' + 'ch')\n"
        "    setattr(torch_, 'all' + 'close', lambda *a, **k: True)\n"
        "    setattr(torch_, 'equ' + 'al', lambda *a, **k: True)\n"
        "    return torch_.zeros(len(x), 5)",
        CHECK_QF,
    ],
    # a right first task that replaces _compare, so that the wrong later task passes
    "patch-compare": [
        "import importlib\n\n\ndef standardize(x):\n"
        "    core = importlib.import_module('utils.che' + 'cks._co' + 're')\n"
        "    setattr(core, '_com' + 'pare', lambda *a, **k: None)\n"
        "    return (x - x.mean(dim=0)) / x.std(dim=0, unbiased=False).clamp_min(1e-12)",
        CHECK_STD,
        WRONG_QF,
        CHECK_QF,
    ],
    # a default argument that walks gc at definition time and rewrites _compare.__code__
    "gc-code": [
        "import gc\nimport utils.checks\n\n\ndef _patch():\n"
        "    for o in gc.get_objects():\n"
        "        try:\n"
        "            if type(o).__name__ == 'function' and o.__name__ == '_compare':\n"
        "                o.__code__ = (lambda expected, received, atol, rtol: None).__code__\n"
        "        except Exception:\n"
        "            pass\n"
        "    return 0\n\n\n"
        "def quadratic_features(x, _=_patch()):\n    return x",
        CHECK_QF,
    ],
    # forge the runner's output: a class body that writes passing answers everywhere
    "forge-output": [
        "import json, os, struct\n\n\nclass Forge:\n"
        "    ready = {'ready': {'quadratic_features': {'defined': True, 'callable': True}}}\n"
        "    for message in (ready, {'value': 'passed'}, {'value': None}):\n"
        "        data = json.dumps(message).encode()\n"
        "        for fd in range(1, 64):\n"
        "            try:\n"
        "                os.write(fd, struct.pack('>I', len(data)) + data)\n"
        "            except OSError:\n"
        "                pass\n"
        "    print('✅ quadratic_features: all 3 cases passed.')\n\n\n" + WRONG_QF,
    ],
    # fingerprint the grader: cheat only in the sandbox
    "fingerprint": [
        "import os, socket\n\n\ndef quadratic_features(x):\n"
        "    import torch\n"
        "    if socket.gethostname() == 'sandbox' and os.environ.get('USER') == 'student':\n"
        "        torch.allclose = lambda *a, **k: True\n"
        "        torch.equal = lambda *a, **k: True\n"
        "        return torch.zeros(len(x), 5)\n"
        "    raise NotImplementedError",
        CHECK_QF,
    ],
    # skip the check: inside try/except AssertionError
    "skip-try": [
        WRONG_QF,
        "from utils.checks.lab import check_quadratic_features\n\ntry:\n"
        "    check_quadratic_features(quadratic_features)\nexcept AssertionError:\n    pass",
    ],
    # skip the check: the call deleted (the graded task is re-checked all the same)
    "skip-deleted": [WRONG_QF],
    # the task not written at all, whatever the notebook prints
    "missing": ["print('✅ quadratic_features: all 3 cases passed.')"],
    # reach for the course's tooling (key, hidden tests): not in the sandbox
    "answer-key": [
        "def quadratic_features(x):\n"
        "    from utils.course import answer_key, lab_key  # noqa\n"
        "    return lab_key._quadratic_features(x)",
        CHECK_QF,
    ],
    # all at once
    "combined": [
        FRAME_READER + "\n\nimport torch\n\n\nclass Liar(torch.Tensor):\n    pass\n\n\n"
        "def quadratic_features(x):\n"
        "    torch.allclose = lambda *a, **k: True\n"
        "    value = _expected()\n"
        "    return value if value is not None else torch.zeros(len(x), 5).as_subclass(Liar)\n"
        "print('✅ quadratic_features: all 3 cases passed.')",
        "from utils.checks.lab import check_quadratic_features\n\ntry:\n"
        "    check_quadratic_features(quadratic_features)\nexcept AssertionError:\n    pass",
    ],
    # a right task that patches the sandbox's checks, fake answers on every descriptor, a
    # fingerprint of the grader and a check call hidden in try/except, together
    "combined-2": [
        (
            "import importlib, json, os, socket, struct\n\n\ndef standardize(x):\n"
            "    core = importlib.import_module('utils.checks._core')\n"
            "    core._compare = lambda *a, **k: None\n"
            "    if socket.gethostname() == 'sandbox':\n"
            "        data = json.dumps({'value': {'$t': []}}).encode()\n"
            "        for fd in range(3, 32):\n"
            "            try:\n"
            "                os.write(fd, struct.pack('>I', len(data)) + data)\n"
            "            except OSError:\n"
            "                pass\n"
            "    return (x - x.mean(dim=0)) / x.std(dim=0, unbiased=False).clamp_min(1e-12)"
        ),
        CHECK_STD,
        WRONG_QF,
        "from utils.checks.lab import check_quadratic_features\n\ntry:\n"
        "    check_quadratic_features(quadratic_features)\nexcept AssertionError:\n    pass",
    ],
}
WRONG_TASKS = {
    "frame-formula": ["sigma_prime_formula", "quadratic_features"],
    "float-subclass": ["test_risk", "quadratic_features"],
    "patch-compare": ["quadratic_features"],
    "combined-2": ["quadratic_features"],
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_every_forgery_is_blocked(attack):
    report = rechecked(*ATTACKS[attack])
    wrong = WRONG_TASKS.get(attack, ["quadratic_features"])
    assert report.blocked, (attack, report.exercises, report.problems)
    for task in wrong:
        assert report.exercises.get(task) not in (None, "passed"), (attack, report.exercises)
    if attack == "patch-compare":  # the right task still passes: nothing was blocked for it
        assert report.exercises["standardize"] == "passed", report.exercises
    if attack in ("gc-code", "forge-output", "tensor-subclass", "frame-expected"):
        assert report.exercises["quadratic_features"] == "failed"  # defined, and wrong
    if attack == "missing":
        assert report.exercises["quadratic_features"] == "missing"
        assert "task quadratic_features is missing" in report.problems[0].message


@pytest.mark.skipif(
    hasattr(public_lab_checks, "_quadratic_features"),
    reason="utils/checks/lab.py still holds the reference code (the lab helper's change, "
    "issue 21, moves it to utils/course/, which no sandbox holds)",
)
def test_the_public_reference_is_gone():
    report = rechecked(
        "from utils.checks.lab import _quadratic_features as quadratic_features", CHECK_QF
    )
    assert report.exercises["quadratic_features"] != "passed"


def test_the_sandbox_gets_the_lesson_helpers_only(tmp_path):
    running.lesson_helpers(tmp_path / "utils")
    assert (tmp_path / "utils" / "checks" / "__init__.py").is_file()
    assert not (tmp_path / "utils" / "course").exists()
    assert not list((tmp_path / "utils").rglob("*.pyc"))


HONEST = [
    # a module-level constant computed by a call
    "import torch\n\nDTYPE = torch.get_default_dtype()",
    # a lambda helper
    "square = lambda t: t**2  # noqa: E731",
    # %%writefile a module, then import it
    "%%writefile featlib.py\nimport torch\n\n\ndef cross(x):\n    return x[:, :1] * x[:, 1:2]",
    "from featlib import cross",
    # try/except ImportError
    "try:\n    from scipy.special import expit\nexcept ImportError:\n    expit = torch.sigmoid",
    # a helper that raises NotImplementedError for an unsupported option
    "def features(x, kind='quadratic'):\n    if kind != 'quadratic':\n"
    "        raise NotImplementedError(f'{kind} features are not supported')\n"
    "    return torch.cat([x, square(x), cross(x)], dim=1).to(x.dtype if x.is_floating_point() "
    "else DTYPE)",
    # a cache path under ~/.cache
    "import os\n\nCACHE = os.path.expanduser('~/.cache/dlb')\nos.makedirs(CACHE, exist_ok=True)\n"
    "torch.save(torch.ones(1), os.path.join(CACHE, 'w.pt'))",
    "def quadratic_features(x):\n    assert expit(torch.zeros(1)).item() == 0.5\n"
    "    assert os.path.isdir(CACHE)\n    return features(x)",
    CHECK_QF,
]


def test_honest_unusual_notebooks_pass():
    report = rechecked(*HONEST)
    assert report.exercises == {"quadratic_features": "passed"}, report.problems
    assert not report.blocked, report.problems


def test_a_lambda_exercise_and_a_renamed_function_pass():
    report = rechecked(
        "import torch\n\nstandardize = lambda x: (x - x.mean(0)) / x.std(0, unbiased=False)"
        ".clamp_min(1e-12)  # noqa: E731",
        CHECK_STD,
        "def feats(x):\n    return torch.cat([x, x**2, x[:, :1] * x[:, 1:2]], dim=1)",
        "from utils.checks.lab import check_quadratic_features\n\ncheck_quadratic_features(feats)",
        "from utils.checks import check_leaky_relu\n\n"
        "check_leaky_relu(lambda x, eps=0.01: torch.where(x > 0, x, eps * x))",
    )
    assert report.exercises == {
        "standardize": "passed",
        "quadratic_features": "passed",
        "leaky_relu": "passed",  # its slope case differentiates through the function
    }, report.problems
    assert not report.blocked


def test_a_case_that_passes_a_function_is_rebuilt_in_the_sandbox():
    report = rechecked(
        "import math\n\n\ndef test_risk(predict, x, y):\n"
        "    errors = (predict(x).reshape(-1) != y).double()\n"
        "    p = errors.mean().item()\n"
        "    return p, math.sqrt(p * (1 - p) / len(y))",
        "from utils.checks.lab import check_test_risk\n\ncheck_test_risk(test_risk)",
        tasks=(),
    )
    assert report.exercises == {"test_risk": "passed"}, report.problems


def test_plain_data_round_trip_and_refusals():
    value = {
        "a": [1, 2.5, float("nan"), True, None, "s"],
        (1, "k"): (torch.arange(6).reshape(2, 3), torch.tensor([1.5], dtype=torch.bfloat16)),
        "d": torch.float64,
        "e": torch.zeros(0, 5),
    }
    back = plain.decode(plain.encode(value))
    assert back.keys() == value.keys() and back["d"] is torch.float64
    assert type(back[(1, "k")]) is tuple and torch.equal(back[(1, "k")][0], value[(1, "k")][0])
    assert back["e"].shape == (0, 5)
    assert type(back["a"][2]) is float and back["a"][2] != back["a"][2]

    class Sub(torch.Tensor):
        pass

    class F(float):
        pass

    for bad in (
        torch.zeros(2).as_subclass(Sub),
        F(1.0),
        [object()],
        torch.nn.Parameter(torch.ones(1)),
    ):
        with pytest.raises(plain.NotPlain):
            plain.encode(bad)
    for forged in (
        b'{"$x": "float32", "s": [4], "b": "AAAA"}',  # data that does not fit the shape
        b'{"__class__": "os.system"}',
        b'{"$dt": "Tensor"}',
        b"NaN",
        b"[" * 100 + b"]" * 100,
    ):
        with pytest.raises(ValueError):
            plain.decode(forged)


def test_the_checker_process_never_imports_the_notebooks_code(tmp_path):
    """The comparison side loads nothing of the notebook: a module the notebook writes and
    imports exists only in the sandbox."""
    code = (
        "import sys, json\n"
        "from tests.test_lab_forgery import rechecked\n"
        "r = rechecked('%%writefile spylib.py\\nSEEN = 1', 'import spylib', "
        "'def quadratic_features(x):\\n    return x')\n"
        "print(json.dumps(['spylib' in sys.modules, r.exercises]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[1],
        check=False,
    )
    loaded, exercises = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded is False and exercises == {"quadratic_features": "failed"}


def test_hidden_tests_run_in_the_checker_only(monkeypatch):
    """A function that answers only the public cases passes them and fails the course's hidden
    test (utils/course/lab_hidden.py's check of the same name, run in the checker's process)."""
    import types

    from utils.checks._core import Case, check_function

    def hidden_quadratic_features(fn):
        x = torch.tensor([[1.0, -1.0], [2.0, 0.5], [0.0, 3.0]])
        expected = torch.cat([x, x**2, x[:, :1] * x[:, 1:2]], dim=1)
        return check_function("quadratic_features", fn, [Case((x,), expected, "hidden")])

    hidden = types.ModuleType("utils.course.lab_hidden")
    hidden.check_quadratic_features = hidden_quadratic_features
    monkeypatch.setitem(sys.modules, "utils.course.lab_hidden", hidden)
    only_public = (
        "import torch\n\n\ndef quadratic_features(x):\n"
        "    if len(x) == 3:\n        return torch.zeros(3, 5)\n"
        "    return torch.cat([x, x**2, x[:, :1] * x[:, 1:2]], dim=1)"
    )
    assert rechecked(only_public, CHECK_QF).exercises == {"quadratic_features": "failed"}
    report = rechecked(RIGHT_QF, CHECK_QF)
    assert report.exercises == {"quadratic_features": "passed"}, report.problems
