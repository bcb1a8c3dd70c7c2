"""utils.selection: the seeds of a setting trained at once are the same networks as trained alone."""

import pytest
import torch

from utils.selection import train_seeds


def _data(n, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=g)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0.5).long()  # three classes
    return x, y


def test_each_seed_learns_as_if_trained_alone():
    train, val = _data(60, 0), _data(30, 1)
    together = train_seeds(train, val, width=8, lr=0.05, seeds=[3, 7], epochs=3, batch_size=16)
    alone = train_seeds(train, val, width=8, lr=0.05, seeds=[7], epochs=3, batch_size=16)
    assert together.val_error.shape == (3, 2)
    for p_together, p_alone in zip(together.snapshots[-1], alone.snapshots[-1], strict=True):
        assert torch.allclose(p_together[1], p_alone[0], atol=1e-5)
    assert torch.equal(together.val_error[:, 1], alone.val_error[:, 0])


def test_training_lowers_the_validation_error_and_epochs_are_chosen_on_it():
    train, val = _data(300, 2), _data(100, 3)
    runs = train_seeds(train, val, width=16, lr=0.05, seeds=[0, 1, 2], epochs=15, batch_size=32)
    mean, se = runs.mean_and_se()
    assert mean[-1] < 0.5 * mean[0] and (se >= 0).all()
    assert mean[runs.best_epoch() - 1] == mean.min()
    assert runs.error(*val, epochs=runs.best_epoch()).shape == (3,)


def test_bad_arguments_are_named():
    train, val = _data(20, 0), _data(10, 1)
    with pytest.raises(ValueError, match="width"):
        train_seeds(train, val, width=0, lr=0.1, seeds=[0], epochs=1)
    with pytest.raises(ValueError, match="train must be"):
        train_seeds((train[0], train[1][:5]), val, width=4, lr=0.1, seeds=[0], epochs=1)
    runs = train_seeds(train, val, width=4, lr=0.1, seeds=[0], epochs=2)
    with pytest.raises(ValueError, match="epochs must be in 1..2"):
        runs.error(*val, epochs=3)
