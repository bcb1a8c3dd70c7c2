"""Tests of utils/train/: fit, training_step, evaluate, History, and the helpers around them."""

import math

import pytest
import torch
from torch import nn

import utils.train.loop as loop
from utils.data import DeviceBatches, make_moons
from utils.models import MLP
from utils.train import (
    History,
    confusion_matrix,
    count_correct,
    evaluate,
    fit,
    predict,
    training_step,
)


def _moons_run(seed: int, epochs: int = 3, **kwargs) -> History:
    torch.manual_seed(seed)
    x, y = make_moons(256, noise=0.1, seed=seed)
    model = MLP([2, 16, 2])
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    return fit(
        model,
        (x, y),
        (x[:64], y[:64]),
        nn.CrossEntropyLoss(),
        optimizer,
        epochs,
        "cpu",
        batch_size=32,
        **{"progress": False} | kwargs,
    )


def test_fit_learns_multiclass_and_fills_history():
    history = _moons_run(0, epochs=20)
    assert history.epochs == len(history) == 20
    assert history.stopped is None
    for name, values in history.as_dict().items():
        assert len(values) == 20, name
    assert history.train_loss[-1] < history.train_loss[0] / 3
    assert history.train_acc[-1] > 0.95 and history.val_acc[-1] > 0.95
    assert all(s > 0 for s in history.seconds)
    assert "epoch 20" in history.summary()


def test_fit_binary_logits_with_bce():
    """Logits of shape (n,) (LogisticRegression) and (n, 1) (MLP) both train with BCE."""
    torch.manual_seed(0)
    x = torch.randn(400, 2)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).float()

    class Logistic(nn.Module):  # forward returns shape (n,), as utils.models.LogisticRegression
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(2, 1)

        def forward(self, x):
            return self.linear(x).squeeze(-1)

    for model in (Logistic(), MLP([2, 8, 1])):
        optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
        history = fit(
            model, (x, y), (x, y), nn.BCEWithLogitsLoss(), optimizer, 15, "cpu", progress=False
        )
        assert history.train_acc[-1] > 0.95, type(model).__name__
        loss, acc = evaluate(model, (x, y), nn.BCEWithLogitsLoss(), "cpu")
        assert acc == pytest.approx(history.val_acc[-1]) and acc > 0.95
        assert loss == pytest.approx(history.val_loss[-1])


def test_same_seed_same_history_on_cpu():
    a, b = _moons_run(3), _moons_run(3)
    assert a.train_loss == b.train_loss and a.val_acc == b.val_acc
    c = _moons_run(4)
    assert c.train_loss != a.train_loss


def test_nan_loss_stops_with_message(capsys):
    torch.manual_seed(0)
    x, y = make_moons(256, seed=0)
    x[5, 0] = float("nan")  # one bad input makes every later loss NaN
    model = MLP([2, 8, 2])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    history = fit(model, (x, y), None, nn.CrossEntropyLoss(), optimizer, 50, "cpu", progress=False)
    assert history.epochs == 0
    assert "NaN or infinite" in history.stopped
    assert "smaller learning rate" in capsys.readouterr().out


def test_huge_learning_rate_stops_after_some_epochs(capsys):
    torch.manual_seed(0)
    x = torch.randn(200, 2) * 100
    y = x.sum(1, keepdim=True) ** 2
    model = MLP([2, 32, 1])
    optimizer = torch.optim.SGD(model.parameters(), lr=10.0)
    history = fit(
        model, (x, y), None, nn.MSELoss(), optimizer, 100, "cpu", progress=False, accuracy=False
    )
    assert history.stopped is not None and history.epochs < 100
    assert all(math.isfinite(v) for v in history.train_loss)
    assert math.isnan(history.val_loss[0]) if history.epochs else True
    assert "learning rate" in capsys.readouterr().out


def test_interrupt_keeps_history(capsys):
    x, y = make_moons(64, seed=0)
    epochs_seen = []

    class Interrupting:  # a DataLoader-like iterable whose third pass is interrupted
        def __len__(self):
            return 2

        def __iter__(self):
            epochs_seen.append(1)
            if len(epochs_seen) == 3:
                raise KeyboardInterrupt
            yield x[:32], y[:32]
            yield x[32:], y[32:]

    model = MLP([2, 4, 2])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    history = fit(
        model, Interrupting(), None, nn.CrossEntropyLoss(), optimizer, 10, "cpu", progress=False
    )
    assert history.epochs == 2
    assert "interrupted" in history.stopped
    assert "keeping the history of the 2 completed" in capsys.readouterr().out


def test_dataloader_and_device_batches_give_same_epoch_loss():
    x, y = make_moons(100, seed=1)
    loss_fn = nn.CrossEntropyLoss()
    torch.manual_seed(0)
    model = MLP([2, 8, 2])
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=10)
    batches = DeviceBatches(x, y, batch_size=10, shuffle=False)
    assert evaluate(model, loader, loss_fn, "cpu") == pytest.approx(
        evaluate(model, batches, loss_fn, "cpu")
    )
    # evaluate does not depend on the batch size, and leaves the training mode as it was
    model.train()
    assert evaluate(model, (x, y), loss_fn, "cpu", batch_size=7) == pytest.approx(
        evaluate(model, (x, y), loss_fn, "cpu", batch_size=100)
    )
    assert model.training
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    history = fit(model, loader, batches, loss_fn, optimizer, 2, "cpu", progress=False)
    assert history.epochs == 2


def test_progress_bar_renders_as_text(capsys):
    _moons_run(0, epochs=2, progress=True)
    err = capsys.readouterr().err
    assert "epoch 2/2" in err and "batch" in err


def test_fit_validates_arguments():
    x, y = make_moons(20, seed=0)
    model = MLP([2, 4, 2])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss()
    with pytest.raises(ValueError, match="`epochs`"):
        fit(model, (x, y), None, loss_fn, optimizer, -1, "cpu", progress=False)
    with pytest.raises(ValueError, match="`batch_size`"):
        fit(model, (x, y), None, loss_fn, optimizer, 1, "cpu", batch_size=0, progress=False)
    with pytest.raises(ValueError, match="`train`"):
        fit(model, x, None, loss_fn, optimizer, 1, "cpu", progress=False)
    with pytest.raises(ValueError, match="`optimizer`"):
        fit(model, (x, y), None, loss_fn, "sgd", 1, "cpu", progress=False)


def test_count_correct_multiclass_and_binary():
    logits = torch.tensor([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]])
    assert count_correct(logits, torch.tensor([0, 1, 1])).item() == 2
    binary = torch.tensor([0.5, -0.1, 0.0, -3.0])
    assert count_correct(binary, torch.tensor([1.0, 0.0, 1.0, 1.0])).item() == 3
    assert count_correct(binary[:, None], torch.tensor([1.0, 0.0, 1.0, 1.0])).item() == 3


def test_training_step_matches_manual_sgd():
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    x, y = torch.randn(5, 3), torch.randn(5, 1)
    w0, b0 = model.weight.detach().clone(), model.bias.detach().clone()
    residual = (x @ w0.T + b0 - y).detach()
    loss = training_step(model, x, y, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.1))
    assert loss == pytest.approx((residual**2).mean().item())
    grad_w = 2 * residual.T @ x / 5
    assert torch.allclose(model.weight, w0 - 0.1 * grad_w, atol=1e-6)


def test_fit_runs_training_step_on_every_batch(monkeypatch):
    calls = []

    def counted(model, x, y, loss_fn, optimizer, **extras):
        calls.append(len(y))
        return training_step(model, x, y, loss_fn, optimizer, **extras)

    monkeypatch.setattr(loop, "training_step", counted)
    history = _moons_run(seed=0, epochs=2)
    assert history.epochs == 2
    assert calls == [32] * (256 // 32) * 2  # 8 batches of 32 in each of the 2 epochs


def test_training_step_keeps_the_loss_on_the_device_when_asked():
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    x, y = torch.randn(4, 3), torch.tensor([0, 1, 1, 0])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)  # θ unchanged: same loss twice
    as_number = training_step(model, x, y, nn.CrossEntropyLoss(), optimizer)
    loss, outputs = training_step(model, x, y, nn.CrossEntropyLoss(), optimizer, tensors=True)
    assert isinstance(as_number, float) and not loss.requires_grad and not outputs.requires_grad
    assert loss.item() == pytest.approx(as_number) and outputs.shape == (4, 2)


def test_predict_and_confusion_matrix():
    model = nn.Linear(2, 3)
    x = torch.randn(10, 2)
    out = predict(model, x, "cpu", batch_size=3)
    assert out.shape == (10, 3) and torch.allclose(out, model(x).detach())
    cm = confusion_matrix(torch.tensor([0, 1, 2, 2, 1]), torch.tensor([0, 2, 2, 2, 1]), 3)
    assert cm.tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 2]]
    with pytest.raises(ValueError, match="same length"):
        confusion_matrix(torch.tensor([0, 1]), torch.tensor([0]))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_fit_on_cuda_with_amp():
    x, y = make_moons(512, seed=0)
    model = MLP([2, 32, 2]).cuda()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    history = fit(
        model,
        (x, y),
        (x, y),
        nn.CrossEntropyLoss(),
        optimizer,
        10,
        "cuda",
        amp=True,
        progress=False,
    )
    assert history.val_acc[-1] > 0.95


def test_amp_is_ignored_off_cuda_and_verbose_prints(capsys):
    a = _moons_run(5, epochs=2)
    b = _moons_run(5, epochs=2, amp=True, verbose=True)
    assert a.train_loss == b.train_loss  # amp=True changes nothing on the CPU
    assert capsys.readouterr().out.count("epoch ") == 2


def test_training_loss_is_measured_after_the_epoch_with_theta_fixed():
    """train_loss/acc are the model's end-of-epoch values on the training data (the running
    means over the epoch's batches are kept apart, and are biased upwards while θ improves)."""
    torch.manual_seed(0)
    x, y = make_moons(256, noise=0.1, seed=0)
    loss_fn = nn.CrossEntropyLoss()
    model = MLP([2, 16, 2])
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    history = fit(model, (x, y), (x, y), loss_fn, optimizer, 3, "cpu", progress=False)
    end_loss, end_acc = evaluate(model, (x, y), loss_fn, "cpu")
    assert history.train_loss[-1] == pytest.approx(end_loss, rel=1e-6)
    assert history.train_acc[-1] == pytest.approx(end_acc)
    # same data for training and validation: the gap measured after the epoch is zero
    assert history.val_loss[-1] == pytest.approx(history.train_loss[-1], rel=1e-6)
    assert len(history.running_loss) == len(history.running_acc) == 3
    assert history.running_loss[0] > history.train_loss[0]  # epoch 1 starts from a bad θ
    # a DataLoader is measured over its dataset; a fixed subset when train_eval_size is smaller
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, y), batch_size=32, shuffle=True
    )
    history = fit(model, loader, None, loss_fn, optimizer, 1, "cpu", progress=False)
    assert history.train_loss[-1] == pytest.approx(evaluate(model, (x, y), loss_fn, "cpu")[0])
    subset = fit(
        model, (x, y), None, loss_fn, optimizer, 2, "cpu", progress=False, train_eval_size=40
    )
    full_loss = evaluate(model, (x, y), loss_fn, "cpu")[0]
    assert math.isfinite(subset.train_loss[-1]) and subset.train_loss[-1] != full_loss
    skipped = fit(
        model, (x, y), None, loss_fn, optimizer, 1, "cpu", progress=False, train_eval_size=0
    )
    assert math.isnan(skipped.train_loss[0]) and math.isfinite(skipped.running_loss[0])
    assert "running mean of the training batches" in skipped.summary()
    with pytest.raises(ValueError, match="`train_eval_size`"):
        fit(model, (x, y), None, loss_fn, optimizer, 1, "cpu", progress=False, train_eval_size=-1)
