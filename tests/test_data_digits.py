"""Tests of notebook 06's data: two moons, DeviceBatches, the digits loader (no network)."""

import socket

import pytest
import torch

import utils.data as data
import utils.data.digits as digits_module
from tests.mnist_idx import write_mnist_idx
from utils.data import DeviceBatches, load_digits, make_moons


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails at once (and is recorded)."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network disabled in tests")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", lambda self, *a: refuse(*a))
    monkeypatch.delenv(data.DIGITS_ENV_VAR, raising=False)
    return attempts


def test_make_moons_shapes_balance_and_seed():
    x, y = make_moons(101, noise=0.1, seed=3)
    assert x.shape == (101, 2) and x.dtype == torch.float32
    assert y.dtype == torch.int64 and set(y.tolist()) == {0, 1}
    assert (y == 0).sum() == 50
    assert torch.equal(make_moons(101, noise=0.1, seed=3)[0], x)
    assert not torch.equal(make_moons(101, noise=0.1, seed=4)[0], x)
    # without noise every point lies on its half circle
    x0, y0 = make_moons(50, noise=0.0, seed=0)
    upper = x0[y0 == 0]
    assert torch.allclose(upper.norm(dim=1), torch.ones(len(upper)), atol=1e-5)
    with pytest.raises(ValueError, match="`n`"):
        make_moons(1)


def test_device_batches_cover_every_sample_once_per_epoch():
    x = torch.arange(103.0)[:, None]
    batches = DeviceBatches(x, torch.arange(103), batch_size=10, seed=0)
    assert len(batches) == 11
    orders = []
    for _ in range(2):
        seen = torch.cat([yb for _, yb in batches])
        assert sorted(seen.tolist()) == list(range(103))
        assert all(torch.equal(xb[:, 0].long(), yb) for xb, yb in batches)
        orders.append(seen)
    assert not torch.equal(orders[0], orders[1])  # a new order at every epoch
    assert not torch.equal(orders[0], torch.arange(103))


def test_device_batches_seeding_order_and_drop_last():
    x, y = torch.randn(50, 3), torch.arange(50)
    first = [yb for _, yb in DeviceBatches(x, y, 8, seed=1)]
    again = [yb for _, yb in DeviceBatches(x, y, 8, seed=1)]
    other = [yb for _, yb in DeviceBatches(x, y, 8, seed=2)]
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
    assert not all(torch.equal(a, b) for a, b in zip(first, other, strict=True))
    torch.manual_seed(0)
    a = [yb for _, yb in DeviceBatches(x, y, 8)]
    torch.manual_seed(0)
    b = [yb for _, yb in DeviceBatches(x, y, 8)]
    assert all(torch.equal(u, v) for u, v in zip(a, b, strict=True))
    ordered = DeviceBatches(x, y, 8, shuffle=False, drop_last=True)
    assert len(ordered) == 6
    assert torch.equal(torch.cat([yb for _, yb in ordered]), torch.arange(48))
    assert ordered.to("cpu") is ordered
    with pytest.raises(ValueError, match="same length"):
        DeviceBatches(x, y[:3])
    with pytest.raises(ValueError, match="`batch_size`"):
        DeviceBatches(x, y, 0)


def test_mnist_path_reads_idx_files_through_torchvision(tmp_path, no_network, capsys):
    write_mnist_idx(tmp_path, n_train=200, n_test=30, seed=0)
    digits = load_digits(root=tmp_path, val_fraction=0.1, seed=0)
    line = capsys.readouterr().out.strip()
    assert line.count("\n") == 0 and line.startswith("Digits: MNIST") and "found in" in line
    assert no_network == []  # files present: no connection attempted
    assert digits.name == "MNIST" and digits.image_shape == (28, 28)
    assert digits.x_train.shape == (180, 784) and digits.x_val.shape == (20, 784)
    assert digits.x_test.shape == (30, 784) and digits.y_test.dtype == torch.int64
    # standardised with the training pixels' statistics, and images() undoes it
    assert abs(digits.x_train.mean().item()) < 1e-4
    assert abs(digits.x_train.std().item() - 1) < 1e-3
    from torchvision.datasets import MNIST

    raw = MNIST(str(tmp_path), train=False).data
    assert torch.allclose(digits.images(digits.x_test), raw.float() / 255, atol=1e-5)


def test_offline_fallback_says_why_in_one_line(tmp_path, no_network, capsys):
    digits = load_digits(root=tmp_path, seed=0)
    line = capsys.readouterr().out.strip()
    assert "\n" not in line and "sklearn-digits" in line and "no network" in line
    assert len(no_network) == 1  # one quick probe, no download attempts
    assert digits.name == "sklearn-digits" and digits.image_shape == (8, 8)
    sizes = len(digits.y_train), len(digits.y_val), len(digits.y_test)
    assert sum(sizes) == 1797 and sizes[2] == 359
    assert digits.x_train.shape[1] == digits.n_features == 64
    # the three splits are a partition of the 1,797 images (a permutation of them)
    from sklearn.datasets import load_digits as sklearn_digits

    pixels = torch.cat([digits.images(x) for x in (digits.x_train, digits.x_val, digits.x_test)])
    original = torch.as_tensor(sklearn_digits().data, dtype=torch.float32) / 16
    key = torch.arange(1, 65, dtype=torch.float32)
    got = (pixels.reshape(-1, 64) * key).sum(1).sort().values
    want = (original * key).sum(1).sort().values
    assert torch.allclose(got, want, atol=1e-3)


def test_forced_offline_by_argument_and_env(tmp_path, no_network, monkeypatch, capsys):
    write_mnist_idx(tmp_path, n_train=50, n_test=10)
    assert load_digits("sklearn", root=tmp_path).name == "sklearn-digits"
    monkeypatch.setenv(data.DIGITS_ENV_VAR, "sklearn")
    assert load_digits(root=tmp_path).name == "sklearn-digits"
    assert "DLB_DIGITS=sklearn" in capsys.readouterr().out
    assert no_network == []


def test_failed_download_falls_back_and_mnist_only_raises(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(data.DIGITS_ENV_VAR, raising=False)
    monkeypatch.setattr(digits_module, "_mnist_mirror_reachable", lambda timeout: None)

    def forbidden(self):
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz:\nHTTP Error 403")

    from torchvision.datasets import MNIST

    monkeypatch.setattr(MNIST, "download", forbidden)
    digits = load_digits(root=tmp_path, verbose=True)
    out = capsys.readouterr().out
    assert digits.name == "sklearn-digits"
    assert out.count("\n") == 1 and "Error downloading" in out
    with pytest.raises(RuntimeError, match="MNIST could not be loaded"):
        load_digits("mnist", root=tmp_path)
    with pytest.raises(ValueError, match="`source`"):
        load_digits("cifar", root=tmp_path)


def test_split_is_seeded(tmp_path, no_network):
    a = load_digits("sklearn", seed=0, verbose=False)
    b = load_digits("sklearn", seed=0, verbose=False)
    c = load_digits("sklearn", seed=1, verbose=False)
    assert torch.equal(a.y_train, b.y_train) and not torch.equal(a.y_train, c.y_train)


def test_mirror_constant_matches_torchvision():
    from torchvision.datasets import MNIST

    assert data.MNIST_MIRROR == MNIST.mirrors[0]
