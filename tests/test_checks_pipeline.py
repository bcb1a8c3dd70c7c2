"""The check of Exercise 6b.1 (batches by indexing)."""

import pytest
import torch


def test_batch_indices_check_accepts_the_reference_and_names_a_dropped_last_batch(capsys):
    from utils.checks import ExerciseFailed
    from utils.checks.pipeline import check_batch_indices

    def right(n, batch_size, generator):
        order = torch.randperm(n, generator=generator)
        return [order[i : i + batch_size] for i in range(0, n, batch_size)]

    def drops_last(n, batch_size, generator):
        order = torch.randperm(n, generator=generator)
        return [order[i : i + batch_size] for i in range(0, n - batch_size + 1, batch_size)]

    assert check_batch_indices(right).passed
    with pytest.raises(ExerciseFailed):
        check_batch_indices(drops_last)
    assert "keep the last, smaller batch" in capsys.readouterr().out
