"""Datasets: small synthetic problems the notebooks generate, and handwritten digits.

Three rooms, each read on its own:

- `utils.data.synthetic`: the risk examples (notebooks 01–02), the 2-D classification problems
  (linearly separable, XOR, blobs; notebooks 03–05) and the two moons (notebook 06)
- `utils.data.digits`: handwritten digits, MNIST or scikit-learn's 8×8 digits (notebook 06)
- `utils.data.batches`: `DeviceBatches`, a dataset kept on the device as mini-batches (notebook 06)

Everything is importable from here as well (``from utils.data import make_xor``).
"""

from utils.data.batches import DeviceBatches
from utils.data.digits import DIGITS_ENV_VAR, MNIST_FILES, MNIST_MIRROR, Digits, load_digits
from utils.data.synthetic import (
    coin_flip_classification,
    make_blobs,
    make_linearly_separable,
    make_moons,
    make_xor,
    sine_regression,
    sine_regression_risk,
)

__all__ = [
    "DIGITS_ENV_VAR",
    "MNIST_FILES",
    "MNIST_MIRROR",
    "DeviceBatches",
    "Digits",
    "coin_flip_classification",
    "load_digits",
    "make_blobs",
    "make_linearly_separable",
    "make_moons",
    "make_xor",
    "sine_regression",
    "sine_regression_risk",
]
