"""Lesson modules a student reads in one sitting: at most 400 lines each, functions at most 80.

The lesson modules are ``utils/*.py`` and the lesson packages under ``utils/`` (``utils/data/``,
``utils/plots/``, …); the course's tooling (``utils/course/``) and the exercises' checks
(``utils/checks/``) are not lessons and are not counted here.
"""

import ast
from pathlib import Path

import pytest

UTILS = Path(__file__).resolve().parent.parent / "utils"
NOT_LESSONS = {"course", "checks"}
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80


def lesson_modules() -> list[Path]:
    modules = sorted(UTILS.glob("*.py"))
    for package in sorted(p for p in UTILS.iterdir() if (p / "__init__.py").is_file()):
        if package.name not in NOT_LESSONS:
            modules += sorted(package.rglob("*.py"))
    return modules


def long_functions(source: str) -> list[str]:
    """Every function (methods and nested functions included) longer than the limit, counted
    from its first decorator to its last line, docstring included."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([d.lineno for d in node.decorator_list] + [node.lineno])
            length = node.end_lineno - first + 1
            if length > MAX_FUNCTION_LINES:
                found.append(f"{node.name} (line {first}: {length} lines)")
    return found


MODULES = lesson_modules()

# Modules over the limits that their owners have still to split: each is an expected failure,
# strict, so that the test says so when the module is split and the entry can go.
TO_SPLIT: dict[str, str] = {}  # a module over the limits, named here with why, until it is split


def test_the_lesson_packages_are_found():
    names = {p.relative_to(UTILS).as_posix() for p in MODULES}
    assert {"data/__init__.py", "plots/__init__.py", "train/loop.py", "env.py"} <= names
    assert not any(name.startswith(("course/", "checks/")) for name in names)


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, marks=pytest.mark.xfail(strict=True, reason=TO_SPLIT[name]))
        if (name := p.relative_to(UTILS).as_posix()) in TO_SPLIT
        else p
        for p in MODULES
    ],
    ids=lambda p: p.relative_to(UTILS).as_posix(),
)
def test_a_lesson_module_is_read_in_one_sitting(path):
    source = path.read_text(encoding="utf-8")
    lines = len(source.splitlines())
    assert lines <= MAX_MODULE_LINES, (
        f"{path.relative_to(UTILS.parent)} has {lines} lines (at most {MAX_MODULE_LINES}): split "
        "it by topic or notebook into a package whose __init__ re-exports the names"
    )
    too_long = long_functions(source)
    assert not too_long, (
        f"{path.relative_to(UTILS.parent)}: functions over {MAX_FUNCTION_LINES} lines: "
        + ", ".join(too_long)
        + "; split them into named steps"
    )


def test_long_functions_are_found():
    def body(n, indent):
        return "".join(f"{indent}x = {i}\n" for i in range(n))

    at_the_limit = "def short():\n" + body(MAX_FUNCTION_LINES - 1, "    ")
    assert long_functions(at_the_limit) == []
    decorated = "class A:\n    @property\n    def long(self):\n" + body(MAX_FUNCTION_LINES, " " * 8)
    assert long_functions(decorated) == [f"long (line 2: {MAX_FUNCTION_LINES + 2} lines)"]
