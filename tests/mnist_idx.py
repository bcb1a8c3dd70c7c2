"""A test fixture: small synthetic MNIST files, so that the MNIST path runs without network.

Used by tests/test_data_digits.py and bench/bench_training_pipeline.py (not lesson code).
"""

import struct
from pathlib import Path

import numpy as np


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
