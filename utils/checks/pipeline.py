"""Checks for the exercise of the appendix notebook 06b (the data pipeline)."""

from __future__ import annotations

import torch

from utils.checks._core import Case, Verdict, check_function

__all__ = ["check_batch_indices"]


def _batch_indices(n: int, batch_size: int, generator: torch.Generator) -> list[torch.Tensor]:
    order = torch.randperm(n, generator=generator)
    return [order[start : start + batch_size] for start in range(0, n, batch_size)]


def check_batch_indices(fn) -> Verdict:
    """Exercise 6b.1: one shuffled pass over n examples, cut into mini-batches of indices."""

    def case(n, batch_size, label, hint=""):
        def call(student):
            return list(student(n, batch_size, torch.Generator().manual_seed(0)))

        expected = _batch_indices(n, batch_size, torch.Generator().manual_seed(0))
        return Case(expected=expected, label=label, hint=hint, call=call)

    cases = [
        case(8, 4, "8 examples in batches of 4"),
        case(
            10,
            4,
            "10 examples in batches of 4: the last batch has 2",
            hint="keep the last, smaller batch: slice with range(0, n, batch_size)",
        ),
        case(3, 5, "a batch size larger than n: one batch", hint="order[0:5] is the whole order"),
    ]
    return check_function(
        "batch_indices",
        fn,
        cases,
        hint="draw one permutation, order = torch.randperm(n, generator=generator), then cut it "
        "into consecutive slices order[start : start + batch_size]",
    )
