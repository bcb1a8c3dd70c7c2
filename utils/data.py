"""Datasets: small synthetic problems the notebooks generate, and handwritten digits.

Every generator returns tensors and takes a ``seed`` or a ``torch.Generator``, so that the same
seed gives the same data.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import struct
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import torch

from utils.env import as_generator, data_dir

# ----------------------------------------------------------------------------------------------
# Risk and Bayes examples (notebooks 01–02)
# ----------------------------------------------------------------------------------------------


def sine_regression(
    n: int, noise_std: float = 0.3, generator: torch.Generator | int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """A regression problem whose risks are known exactly.

    X ~ Uniform(−1, 1) and Y = sin(πX) + ε with ε ~ N(0, noise_std²) independent of X. The best
    predictor (squared loss) is f^b(x) = sin(πx), with risk noise_std²; `sine_regression_risk`
    gives the risk of any other predictor.

    Returns ``x`` and ``y``, both float32 of shape (n,).
    """
    _check_count(n)
    if not noise_std >= 0:
        raise ValueError(f"`noise_std` must be >= 0; found {noise_std!r}")
    g = as_generator(generator)
    x = 2 * torch.rand(n, generator=g, dtype=torch.float64) - 1
    y = torch.sin(torch.pi * x) + noise_std * torch.randn(n, generator=g, dtype=torch.float64)
    return x.float(), y.float()


def sine_regression_risk(f, noise_std: float = 0.3, num_points: int = 4001) -> float:
    """The exact risk E[(f(X) − Y)²] of a predictor ``f`` for `sine_regression`.

    Since ε is independent of X with mean 0, the risk is E[(f(X) − sin πX)²] + noise_std²; the
    expectation over X ~ Uniform(−1, 1) is an integral, computed with Simpson's rule on
    ``num_points`` points (error far below 1e-9 for smooth f such as polynomials).

    ``f`` maps a float64 tensor of shape (m,) to predictions of shape (m,).
    """
    if num_points < 3 or num_points % 2 == 0:
        raise ValueError(f"`num_points` must be odd and >= 3; found {num_points!r}")
    x = torch.linspace(-1, 1, num_points, dtype=torch.float64)
    prediction = torch.as_tensor(f(x)).detach().to(torch.float64).reshape(-1)
    if prediction.shape != x.shape:
        raise ValueError(f"`f` must return {num_points} predictions; found {prediction.numel()}")
    gap = (prediction - torch.sin(torch.pi * x)) ** 2
    weights = torch.ones(num_points, dtype=torch.float64)
    weights[1:-1:2], weights[2:-1:2] = 4.0, 2.0
    h = 2 / (num_points - 1)
    mean_gap = (h / 3 * weights * gap).sum().item() / 2  # the density of X is 1/2 on [−1, 1]
    return mean_gap + noise_std**2


def coin_flip_classification(
    n: int, generator: torch.Generator | int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """A binary classification problem whose risks are known exactly.

    X ~ Uniform(0, 1) and, given X = x, Y = 1 with probability x (else 0). The threshold rule
    f_t(x) = 1{x > t} has 0-1 risk t²/2 + (1 − t)²/2, smallest (1/4) at t = 1/2.

    Returns ``x`` (float32, shape (n,)) and ``y`` (int64, shape (n,)).
    """
    _check_count(n)
    g = as_generator(generator)
    x = torch.rand(n, generator=g, dtype=torch.float64)
    y = (torch.rand(n, generator=g, dtype=torch.float64) < x).long()
    return x.float(), y


# ----------------------------------------------------------------------------------------------
# 2-D classification problems: linearly separable, XOR (notebooks 03–05)
# ----------------------------------------------------------------------------------------------


def _check_count(n: int, name: str = "n") -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"`{name}` must be a positive int; found {n!r}")


def make_linearly_separable(
    n: int = 100,
    margin: float = 0.1,
    seed: int | torch.Generator | None = 0,
    *,
    w: tuple[float, float] = (1.0, -2.0),
    b: float = 0.5,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Points in the square [-2, 2]² labelled by the side of the line wᵀx + b = 0.

    Points closer to the line than ``margin`` (the Euclidean distance |wᵀx + b| / ‖w‖) are
    redrawn, so the two classes are separated by a band of width 2 · margin around the line.

    Parameters
    ----------
    n : int
        Number of points.
    margin : float
        Half-width of the empty band around the line, ≥ 0.
    seed : int, torch.Generator or None
    w, b : the true separating line (known, so that the notebooks can compare with it).

    Returns
    -------
    x : float32 Tensor of shape (n, 2)
    y : int64 Tensor of shape (n,), y_i = 1{wᵀx_i + b ≥ 0} ∈ {0, 1}

    Examples
    --------
    >>> x, y = make_linearly_separable(50, margin=0.2, seed=0)
    >>> x.shape, y.shape
    (torch.Size([50, 2]), torch.Size([50]))
    """
    _check_count(n)
    w_t = torch.as_tensor(w, dtype=torch.float32)
    if w_t.shape != (2,) or w_t.norm() == 0:
        raise ValueError(f"`w` must be a non-zero vector of 2 numbers; found {w!r}")
    if not 0 <= margin < 1:
        raise ValueError(f"`margin` must be in [0, 1) (points lie in [-2, 2]²); found {margin!r}")
    generator = as_generator(seed, "seed")
    kept = torch.empty(0, 2)
    while kept.shape[0] < n:  # rejection sampling: keep the points outside the band
        candidates = 4 * torch.rand(2 * n, 2, generator=generator) - 2
        distance = (candidates @ w_t + b).abs() / w_t.norm()
        kept = torch.cat([kept, candidates[distance >= margin]])
    x = kept[:n]
    y = (x @ w_t + b >= 0).long()
    return x, y


def make_xor(
    n: int = 200, noise: float = 0.2, seed: int | torch.Generator | None = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """The XOR problem: four Gaussian clusters at the corners (±1, ±1).

    The label is 1 when the two coordinates of the corner have opposite signs (the exclusive or
    of "x₁ > 0" and "x₂ > 0"), 0 otherwise: no line separates the classes. The corners get
    n/4 points each (in the order (1, 1), (-1, -1), (1, -1), (-1, 1), repeated), so that
    ``make_xor(4, noise=0)`` gives exactly the four corners.

    Parameters
    ----------
    n : int
        Number of points.
    noise : float
        Standard deviation of the Gaussian noise around each corner, ≥ 0.
    seed : int, torch.Generator or None

    Returns
    -------
    x : float32 Tensor of shape (n, 2)
    y : int64 Tensor of shape (n,) in {0, 1}
    """
    _check_count(n)
    if not noise >= 0:
        raise ValueError(f"`noise` must be a standard deviation ≥ 0; found {noise!r}")
    generator = as_generator(seed, "seed")
    corners = torch.tensor([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    corner_labels = torch.tensor([0, 0, 1, 1])
    which = torch.arange(n) % 4
    x = corners[which] + noise * torch.randn(n, 2, generator=generator)
    return x, corner_labels[which]


def make_blobs(
    n: int = 300,
    centers: torch.Tensor | None = None,
    std: float = 0.6,
    seed: int | torch.Generator | None = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """K Gaussian clusters ("blobs") in the plane, one per class, for multiclass problems.

    Parameters
    ----------
    n : int
        Number of points; class k gets the points i with i mod K = k.
    centers : Tensor of shape (K, 2), optional
        The clusters' centres; by default three centres on a circle of radius 2 (K = 3).
    std : float
        Standard deviation of every cluster, > 0.
    seed : int, torch.Generator or None

    Returns
    -------
    x : float32 Tensor of shape (n, 2)
    y : int64 Tensor of shape (n,) in {0, ..., K − 1}
    """
    _check_count(n)
    if centers is None:
        angles = torch.tensor([90.0, 210.0, 330.0]).deg2rad()
        centers = 2 * torch.stack([angles.cos(), angles.sin()], dim=1)
    centers = torch.as_tensor(centers, dtype=torch.float32)
    if centers.dim() != 2 or centers.shape[1] != 2 or centers.shape[0] < 2:
        raise ValueError(
            f"`centers` must have shape (K, 2) with K ≥ 2; found {tuple(centers.shape)}"
        )
    if not std > 0:
        raise ValueError(f"`std` must be positive; found {std!r}")
    generator = as_generator(seed, "seed")
    y = torch.arange(n) % centers.shape[0]
    x = centers[y] + std * torch.randn(n, 2, generator=generator)
    return x, y


# ----------------------------------------------------------------------------------------------
# Two moons / spirals, handwritten digits, device-resident batches (notebook 06)
# ----------------------------------------------------------------------------------------------


def make_moons(
    n: int = 200, noise: float = 0.1, seed: int | torch.Generator = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Two interleaving half circles ("two moons"): a 2-D problem no line separates.

    Parameters
    ----------
    n : int
        Number of points (half of them, rounded down, in class 0).
    noise : float
        Standard deviation of the Gaussian noise added to both coordinates.
    seed : int or torch.Generator

    Returns
    -------
    (x, y)
        ``x`` float32 of shape (n, 2), roughly in [-1, 2] × [-0.7, 1.2]; ``y`` int64 labels in
        {0, 1} of shape (n,), in random order.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"`n` must be an int ≥ 2; found {n!r}")
    if not noise >= 0:
        raise ValueError(f"`noise` must be ≥ 0; found {noise!r}")
    g = as_generator(seed, "seed")
    n0 = n // 2
    t0 = torch.rand(n0, generator=g) * torch.pi
    t1 = torch.rand(n - n0, generator=g) * torch.pi
    upper = torch.stack([torch.cos(t0), torch.sin(t0)], dim=1)
    lower = torch.stack([1 - torch.cos(t1), 0.5 - torch.sin(t1)], dim=1)
    x = torch.cat([upper, lower]) + noise * torch.randn(n, 2, generator=g)
    y = torch.cat([torch.zeros(n0, dtype=torch.long), torch.ones(n - n0, dtype=torch.long)])
    order = torch.randperm(n, generator=g)
    return x[order].float(), y[order]


class DeviceBatches:
    """A whole dataset kept as two tensors on the device, served as shuffled mini-batches.

    Use it in place of a ``DataLoader`` when the dataset fits in the device's memory (MNIST is
    188 MB as float32): the data is moved once, and a mini-batch is one indexing operation
    ``x[idx]`` instead of ``batch_size`` calls to a ``Dataset`` plus a collate and a copy.

    Parameters
    ----------
    x, y : torch.Tensor
        Inputs and labels, with the same first dimension.
    batch_size : int
    shuffle : bool
        A new random order at every pass (epoch); otherwise the batches are slices in order.
    device : torch.device or str, optional
        Where to keep the data (default: where ``x`` is).
    seed : int, optional
        Seed of the shuffling. None draws one from PyTorch's global generator (so that
        ``seed_everything`` fixes it). The permutation is drawn on the CPU, so the order is the
        same on every device.
    drop_last : bool
        Skip a last batch smaller than ``batch_size``.

    Examples
    --------
    >>> batches = DeviceBatches(torch.zeros(10, 3), torch.arange(10), batch_size=4, seed=0)
    >>> len(batches), [len(y) for _, y in batches]
    (3, [4, 4, 2])
    """

    def __init__(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        batch_size: int = 128,
        *,
        shuffle: bool = True,
        device: torch.device | str | None = None,
        seed: int | None = None,
        drop_last: bool = False,
    ) -> None:
        if not isinstance(x, torch.Tensor) or not isinstance(y, torch.Tensor):
            raise ValueError(
                f"`x` and `y` must be tensors; found {type(x).__name__} and {type(y).__name__}"
            )
        if len(x) != len(y):
            raise ValueError(f"`x` and `y` must have the same length; found {len(x)} and {len(y)}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"`batch_size` must be a positive int; found {batch_size!r}")
        device = x.device if device is None else torch.device(device)
        self.x = x.to(device)
        self.y = y.to(device)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        if seed is None:
            seed = int(torch.randint(0, 2**62, (1,)).item())
        self.seed = seed
        self.generator = torch.Generator().manual_seed(seed)

    @property
    def device(self) -> torch.device:
        return self.x.device

    @property
    def num_samples(self) -> int:
        return len(self.x)

    def __len__(self) -> int:
        """The number of batches per pass."""
        full, rest = divmod(len(self.x), self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)

    def __iter__(self):
        n, size = len(self.x), self.batch_size
        stop = n - n % size if self.drop_last else n
        if not self.shuffle:
            for i in range(0, stop, size):
                yield self.x[i : i + size], self.y[i : i + size]  # views: no copy
            return
        order = torch.randperm(n, generator=self.generator).to(self.device, non_blocking=True)
        for i in range(0, stop, size):
            idx = order[i : i + size]
            yield self.x[idx], self.y[idx]

    def to(self, device: torch.device | str) -> DeviceBatches:
        """The same batches on ``device`` (``self`` when already there)."""
        device = torch.device(device)
        same = device.type == self.device.type and (
            device.index is None or device.index == self.device.index
        )
        if same:
            return self
        moved = DeviceBatches(
            self.x,
            self.y,
            self.batch_size,
            shuffle=self.shuffle,
            device=device,
            seed=self.seed,
            drop_last=self.drop_last,
        )
        moved.generator.set_state(self.generator.get_state())
        return moved

    def __repr__(self) -> str:
        return (
            f"DeviceBatches({self.num_samples} samples of shape {tuple(self.x.shape[1:])} on "
            f"{self.device}, {len(self)} batches of {self.batch_size}, shuffle={self.shuffle})"
        )


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


def write_mnist_idx(
    root, n_train: int = 600, n_test: int = 100, *, image_size: int = 28, seed: int = 0
):
    """Write small synthetic MNIST files (IDX format, uncompressed) where torchvision reads them.

    The files land in ``root/MNIST/raw/`` under MNIST's names, so that
    ``torchvision.datasets.MNIST(root)`` loads them exactly as it loads the real ones (used by the
    tests and the benchmark, without network). Each class is a fixed random pattern plus noise,
    so the images are learnable.

    Returns
    -------
    pathlib.Path
        The ``raw`` folder.
    """

    for name, value in (("n_train", n_train), ("n_test", n_test), ("image_size", image_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"`{name}` must be a positive int; found {value!r}")
    raw = Path(root) / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    templates = rng.random((10, image_size, image_size)) < 0.25
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = rng.integers(0, 10, size=n).astype(np.uint8)
        noise = rng.integers(0, 160, size=(n, image_size, image_size))
        images = np.clip(templates[labels] * 96 + noise, 0, 255).astype(np.uint8)
        with open(raw / f"{prefix}-images-idx3-ubyte", "wb") as f:
            f.write(struct.pack(">IIII", 0x0803, n, image_size, image_size))
            f.write(images.tobytes())
        with open(raw / f"{prefix}-labels-idx1-ubyte", "wb") as f:
            f.write(struct.pack(">II", 0x0801, n))
            f.write(labels.tobytes())
    return raw


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

    choice = source
    if source == "auto" and os.environ.get(DIGITS_ENV_VAR, "auto") not in ("", "auto"):
        choice = os.environ[DIGITS_ENV_VAR].strip().lower()
    if choice == "offline":
        choice = "sklearn"
    if choice not in ("auto", "mnist", "sklearn"):
        raise ValueError(
            f"`source` (or ${DIGITS_ENV_VAR}) must be 'auto', 'mnist' or 'sklearn'; found {choice!r}"
        )
    if not 0 < val_fraction < 1 or not 0 < test_fraction < 1:
        raise ValueError(
            f"`val_fraction` and `test_fraction` must lie in (0, 1); found {val_fraction}, "
            f"{test_fraction}"
        )
    if root is None:
        root = data_dir()

    digits = None
    if choice in ("auto", "mnist"):
        try:
            train, test, where = _load_mnist(root, download, timeout)
        except Exception as exc:  # noqa: BLE001 - any failure (403, DNS, timeout) → fallback
            if choice == "mnist":
                raise RuntimeError(f"MNIST could not be loaded: {_first_line(exc)}") from exc
            reason = f"MNIST unavailable, {_first_line(exc)}"
        else:
            x = train.data.reshape(len(train.data), -1).float() / 255
            x_test = test.data.reshape(len(test.data), -1).float() / 255
            n_val = max(1, round(val_fraction * len(x)))
            (tr, va) = _split(x, train.targets.long(), n_val, None, seed)
            splits = [tr, va, (x_test, test.targets.long())]
            digits = ("MNIST", where, splits, tuple(train.data.shape[1:]))
    else:
        reason = (
            f"asked for the offline dataset ({DIGITS_ENV_VAR}=sklearn)"
            if (source == "auto")
            else "asked for the offline dataset"
        )

    if digits is None:
        from sklearn.datasets import load_digits as sklearn_digits

        bunch = sklearn_digits()
        x = torch.as_tensor(bunch.data, dtype=torch.float32) / 16
        y = torch.as_tensor(bunch.target, dtype=torch.long)
        n_test = round(test_fraction * len(y))
        n_val = max(1, round(val_fraction * (len(y) - n_test)))
        tr, va, te = _split(x, y, n_val, n_test, seed)
        digits = ("sklearn-digits", reason, [tr, va, te], (8, 8))

    name, why, splits, shape = digits
    mean = splits[0][0].mean().item()
    std = splits[0][0].std().item()
    splits = [((x - mean) / std, y) for x, y in splits]
    result = Digits(name, why, splits, shape, mean, std)
    if verbose:
        print(f"Digits: {result.describe()}")
    return result
