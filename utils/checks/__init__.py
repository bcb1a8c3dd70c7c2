"""Self-checks for the exercises, one function per exercise, grouped by notebook.

Each ``check_<exercise>(fn)`` prints a verdict: all passed; not implemented yet; or the first
failing case with its input, the expected and the received value, and a hint (and then raises
an ``AssertionError``). See `utils.checks._core` for how verdicts are made, and
`utils.checks.formulas` for the pen-and-paper answers typed as formulas.

A wrong answer that shows a known mistake gets that mistake's hint, and its verdict records the
mistake's stable id (``Verdict.mistake``, also ``ExerciseFailed.mistake``);
`known_mistakes()` lists every id with its hint.
"""

from utils.checks._core import (
    Case,
    ExerciseFailed,
    Mistake,
    Verdict,
    check_function,
    known_mistakes,
)
from utils.checks.activations import *  # noqa: F403 - notebook 05
from utils.checks.bayes import *  # noqa: F403 - notebook 02
from utils.checks.costs import *  # noqa: F403 - notebook 02 (exam track)
from utils.checks.formulas import check_formula, compare_formulas
from utils.checks.lab import *  # noqa: F403 - notebook 07
from utils.checks.logistic import *  # noqa: F403 - notebook 04
from utils.checks.losses import *  # noqa: F403 - notebook 01
from utils.checks.mlp import *  # noqa: F403 - notebook 06
from utils.checks.novikoff import *  # noqa: F403 - notebook 03 (exam track)
from utils.checks.optimisation import *  # noqa: F403 - notebook 01b
from utils.checks.perceptron import *  # noqa: F403 - notebook 03
from utils.checks.pipeline import *  # noqa: F403 - notebook 06b
from utils.checks.regression import *  # noqa: F403 - notebook 02b (exam track)
from utils.checks.tensors import *  # noqa: F403 - notebook 00
from utils.checks.variants import *  # noqa: F403 - notebooks 04–06: exam-track variants

__all__ = [
    "Case",
    "ExerciseFailed",
    "Mistake",
    "Verdict",
    "check_formula",
    "check_function",
    "compare_formulas",
    "known_mistakes",
]
