"""Handwritten digits for notebook 06: MNIST when it can be had, else scikit-learn's 8×8 digits."""

from __future__ import annotations

import contextlib
import io
import os
import socket
from pathlib import Path
from urllib.parse import urlparse

import torch

from utils.env import data_dir

DIGITS_ENV_VAR = "DLB_DIGITS"
"""Environment variable for `load_digits`: ``sklearn`` forces the offline 8×8 digits (tests, CI),
``mnist`` insists on MNIST; unset or ``auto`` tries MNIST and falls back."""

MNIST_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


class Digits:
    """Handwritten digits split into train / validation / test, ready for an MLP.

    Attributes
    ----------
    name : str
        ``"MNIST"`` or ``"sklearn-digits"`` (scikit-learn's 8×8 digits).
    reason : str
        Why this dataset was used.
    x_train, x_val, x_test : torch.Tensor
        float32 of shape (n, H·W): pixels in [0, 1], then standardised with the mean and standard
        deviation of the training pixels.
    y_train, y_val, y_test : torch.Tensor
        int64 labels in {0, …, 9}.
    image_shape : (int, int)
        (28, 28) for MNIST, (8, 8) for the scikit-learn digits.
    mean, std : float
        The standardisation, undone by `images`.
    """

    n_classes = 10

    def __init__(self, name, reason, splits, image_shape, mean, std) -> None:
        self.name, self.reason = name, reason
        (self.x_train, self.y_train), (self.x_val, self.y_val), (self.x_test, self.y_test) = splits
        self.image_shape = tuple(image_shape)
        self.mean, self.std = float(mean), float(std)

    @property
    def n_features(self) -> int:
        return self.x_train.shape[1]

    @property
    def train(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.x_train, self.y_train

    @property
    def val(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.x_val, self.y_val

    @property
    def test(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.x_test, self.y_test

    def images(self, x: torch.Tensor) -> torch.Tensor:
        """Standardised rows back to images in [0, 1] of shape (n, H, W), for display."""
        return (x.detach().cpu() * self.std + self.mean).clamp(0, 1).reshape(-1, *self.image_shape)

    def describe(self) -> str:
        h, w = self.image_shape
        return (
            f"{self.name}: {len(self.y_train):,} train / {len(self.y_val):,} validation / "
            f"{len(self.y_test):,} test images of {h}×{w} pixels ({self.reason})"
        )

    def __repr__(self) -> str:
        return f"Digits({self.describe()})"


def _split(x, y, n_val: int, n_test: int | None, seed: int):
    """Seeded split of (x, y): train / val, and test when ``n_test`` is given."""
    g = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(y), generator=g)
    x, y = x[order], y[order]
    parts = [n_val] + ([n_test] if n_test is not None else [])
    start, out = 0, []
    for size in parts:
        out.append((x[start : start + size], y[start : start + size]))
        start += size
    train = (x[start:], y[start:])
    return train, *out


MNIST_MIRROR = "https://ossci-datasets.s3.amazonaws.com/mnist/"
"""torchvision's first MNIST mirror, probed before torchvision (1.5 s to import) is loaded."""


def _mnist_mirror_reachable(timeout: float) -> str | None:
    """None when the MNIST mirror answers a TCP connection, else the reason it does not."""

    url = urlparse(MNIST_MIRROR)
    try:
        with socket.create_connection((url.hostname, url.port or 443), timeout=timeout):
            return None
    except OSError as exc:
        return f"{url.hostname}: {exc.strerror or exc}"


def _load_mnist(root, download: bool, timeout: float):
    """MNIST through torchvision (downloaded into ``root/MNIST`` once); raises on failure."""

    raw = Path(root) / "MNIST" / "raw"
    present = all((raw / name).exists() for name in MNIST_FILES)
    if not present:
        if not download:
            raise FileNotFoundError(f"MNIST is not in {raw} and download=False")
        problem = _mnist_mirror_reachable(timeout)
        if problem:
            raise ConnectionError(f"no network ({problem})")
    from torchvision.datasets import MNIST

    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    log = io.StringIO()  # torchvision prints every URL it tries: keep the notebook to one line
    try:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            train = MNIST(str(root), train=True, download=download)
            test = MNIST(str(root), train=False, download=download)
    finally:
        socket.setdefaulttimeout(previous)
    where = "found in" if present else "downloaded into"
    return train, test, f"{where} {raw.parent}"


def _first_line(exc: BaseException) -> str:
    """The exception's first line: torchvision's download errors run over several lines."""
    text = str(exc).strip().splitlines()
    if isinstance(exc, ConnectionError) and text:
        return text[0]
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def load_digits(
    source: str = "auto",
    *,
    root=None,
    download: bool = True,
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
    seed: int = 0,
    timeout: float = 3.0,
    verbose: bool = True,
) -> Digits:
    """Handwritten digits: MNIST when it can be had, else scikit-learn's 8×8 digits.

    Prints one line saying which dataset is used and why (unless ``verbose=False``).

    Parameters
    ----------
    source : {"auto", "mnist", "sklearn"}
        ``"auto"``: MNIST through ``torchvision.datasets.MNIST`` (read from ``root``, downloaded
        there once if missing), falling back to the offline digits when there is no network or
        the download fails (MNIST mirrors have refused Colab with HTTP 403 before).
        ``"mnist"``: MNIST or an error. ``"sklearn"``: the 1,797 8×8 digits that ship with
        scikit-learn (no network). The environment variable ``DLB_DIGITS`` replaces ``"auto"``.
    root : path, optional
        Where MNIST lives (default ``utils.data_dir()``, i.e. ``<repo>/data``).
    download : bool
        Allow downloading MNIST.
    val_fraction : float
        Share of the training images held out for validation.
    test_fraction : float
        Share of the offline digits kept for the test (MNIST has its own 10,000 test images).
    seed : int
        Seed of the split.
    timeout : float
        Seconds to wait for the network before falling back.

    Returns
    -------
    Digits
    """

    choice = _source(source)
    if not 0 < val_fraction < 1 or not 0 < test_fraction < 1:
        raise ValueError(
            f"`val_fraction` and `test_fraction` must lie in (0, 1); found {val_fraction}, "
            f"{test_fraction}"
        )
    digits = None
    if choice in ("auto", "mnist"):
        try:
            mnist = _load_mnist(data_dir() if root is None else root, download, timeout)
        except Exception as exc:  # noqa: BLE001 - any failure (403, DNS, timeout) → fallback
            if choice == "mnist":
                raise RuntimeError(f"MNIST could not be loaded: {_first_line(exc)}") from exc
            reason = f"MNIST unavailable, {_first_line(exc)}"
        else:
            digits = _mnist_split(*mnist, val_fraction, seed)
    elif source == "auto":
        reason = f"asked for the offline dataset ({DIGITS_ENV_VAR}=sklearn)"
    else:
        reason = "asked for the offline dataset"
    if digits is None:
        digits = _sklearn_digits(reason, val_fraction, test_fraction, seed)
    result = _standardised(*digits)
    if verbose:
        print(f"Digits: {result.describe()}")
    return result


def _source(source: str) -> str:
    """``source``, or ``$DLB_DIGITS`` in place of "auto", checked; "offline" means "sklearn"."""
    choice = source
    if source == "auto" and os.environ.get(DIGITS_ENV_VAR, "auto") not in ("", "auto"):
        choice = os.environ[DIGITS_ENV_VAR].strip().lower()
    if choice == "offline":
        choice = "sklearn"
    if choice not in ("auto", "mnist", "sklearn"):
        raise ValueError(
            f"`source` (or ${DIGITS_ENV_VAR}) must be 'auto', 'mnist' or 'sklearn'; found {choice!r}"
        )
    return choice


def _mnist_split(train, test, where, val_fraction: float, seed: int):
    """MNIST's pixels in [0, 1], the training images split into train / validation."""
    x = train.data.reshape(len(train.data), -1).float() / 255
    x_test = test.data.reshape(len(test.data), -1).float() / 255
    n_val = max(1, round(val_fraction * len(x)))
    tr, va = _split(x, train.targets.long(), n_val, None, seed)
    splits = [tr, va, (x_test, test.targets.long())]
    return "MNIST", where, splits, tuple(train.data.shape[1:])


def _sklearn_digits(reason: str, val_fraction: float, test_fraction: float, seed: int):
    """scikit-learn's 1,797 8×8 digits (no network), pixels in [0, 1], split three ways."""
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    x = torch.as_tensor(bunch.data, dtype=torch.float32) / 16
    y = torch.as_tensor(bunch.target, dtype=torch.long)
    n_test = round(test_fraction * len(y))
    n_val = max(1, round(val_fraction * (len(y) - n_test)))
    tr, va, te = _split(x, y, n_val, n_test, seed)
    return "sklearn-digits", reason, [tr, va, te], (8, 8)


def _standardised(name: str, why: str, splits, shape) -> Digits:
    """Every split standardised with the mean and standard deviation of the training pixels."""
    mean = splits[0][0].mean().item()
    std = splits[0][0].std().item()
    splits = [((x - mean) / std, y) for x, y in splits]
    return Digits(name, why, splits, shape, mean, std)
