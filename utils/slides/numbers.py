"""Numbers on the slides, with their uncertainty (see `utils.slides`)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

# ------------------------------------------------------------------------------ numbers


def _is_estimate(value: object) -> bool:
    return hasattr(value, "value") and hasattr(value, "stderr")


def _as_float(value: object, what: str) -> float:
    if _is_estimate(value):
        value = value.value
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number; found {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a finite number; found {number}")
    return number


def format_number(value: object, label: str = "a number") -> str:
    """``value`` with its uncertainty, as on the slides (see the module's docstring)."""
    if isinstance(value, list):
        return format_over_seeds(value, label)
    if isinstance(value, tuple):
        if len(value) != 2:
            raise ValueError(f"{label}: a tuple must be (value, standard error); found {value!r}")
        mean, stderr = _as_float(value[0], label), _as_float(value[1], label)
    elif _is_estimate(value):
        mean, stderr = _as_float(value.value, label), _as_float(value.stderr, label)
    else:
        return f"{_as_float(value, label):.4f}"
    return f"{mean:.4f}" if stderr == 0 else f"{mean:.4f} ± {stderr:.4f}"


def format_over_seeds(values: Sequence, label: str = "a number") -> str:
    """The median and [min, max] of the values over the training seeds."""
    if isinstance(values, str | bytes) or not isinstance(values, Sequence) or not values:
        raise ValueError(
            f"{label}: expected a non-empty list of values over seeds; found {values!r}"
        )
    numbers = [_as_float(v, label) for v in values]
    return f"{statistics.median(numbers):.4f} [{min(numbers):.4f}, {max(numbers):.4f}]"


def coverage_of_range(seeds: int) -> float:
    """Probability that [min, max] of ``seeds`` independent values covers their median."""
    return 1 - 2 * 0.5**seeds


def _uncertainty_kind(value: object) -> str:
    if isinstance(value, list):
        return f"median [min, max] over {len(value)} seeds"
    if isinstance(value, tuple) or _is_estimate(value):
        stderr = _as_float(value[1] if isinstance(value, tuple) else value.stderr, "stderr")
        return "exact" if stderr == 0 else "± standard error of the sample it is measured on"
    return "exact"


# ------------------------------------------------------------------------------ figures
