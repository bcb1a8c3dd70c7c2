"""Where the code runs: the device, the seed, and the repository's folders.

Every notebook calls `get_device()` once in its setup cell and `seed_everything(...)` once near
the top, so that the same notebook gives the same numbers on every run.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import torch

DEVICE_ENV_VAR = "DLB_DEVICE"
"""Environment variable that overrides the automatic device choice (``cpu``, ``cuda``, ``mps``)."""

KNOWN_DEVICES = ("cpu", "cuda", "mps")


def repo_root() -> Path:
    """The repository's root folder (the one that holds ``utils/``)."""
    return Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """The folder where datasets are downloaded or cached (``<repo>/data``), created if needed."""
    path = repo_root() / "data"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def choose_device(name: str | None = None) -> tuple[torch.device, str]:
    """Pick the device to compute on, and say why.

    The order is CUDA, then Apple MPS, then CPU. ``name`` (or the ``DLB_DEVICE`` environment
    variable, when ``name`` is None) forces a choice; asking for a device that is not there is
    an error rather than a silent fallback, so that a "GPU run" never quietly runs on the CPU.

    Parameters
    ----------
    name : str, optional
        ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"mps"``.

    Returns
    -------
    (torch.device, str)
        The device and a short human-readable reason.

    Examples
    --------
    >>> device, why = choose_device("cpu")
    >>> device.type, why
    ('cpu', 'asked for cpu')
    """
    source = "asked for"
    if name is None and os.environ.get(DEVICE_ENV_VAR):
        name = os.environ[DEVICE_ENV_VAR]
        source = f"{DEVICE_ENV_VAR}={name}"
    if name is None:
        if torch.cuda.is_available():
            return torch.device("cuda"), f"CUDA GPU found: {torch.cuda.get_device_name(0)}"
        if _mps_available():
            return torch.device("mps"), "Apple GPU found (MPS)"
        return torch.device("cpu"), "no CUDA GPU or Apple MPS found"

    if not isinstance(name, str):
        raise TypeError(
            f"`name` must be a str such as 'cpu' or 'cuda'; found {type(name).__name__}"
        )
    kind = name.strip().lower().split(":")[0]
    if kind not in KNOWN_DEVICES:
        raise ValueError(
            f"`name` must be one of {', '.join(KNOWN_DEVICES)} (optionally 'cuda:N'); found {name!r}"
        )
    if kind == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"{source} cuda, but no CUDA GPU is available here: in Colab choose "
            "Runtime > Change runtime type > GPU, or use 'cpu'"
        )
    if kind == "mps" and not _mps_available():
        raise ValueError(f"{source} mps, but Apple's MPS backend is not available here; use 'cpu'")
    device = torch.device(name.strip().lower())
    if device.type == "cuda" and device.index is not None:
        count = torch.cuda.device_count()
        if device.index >= count:
            raise ValueError(f"{source} {name}, but only {count} CUDA device(s) exist")
    return device, f"{source} {device}" if source == "asked for" else source


def get_device(name: str | None = None) -> torch.device:
    """The device to compute on: CUDA, then MPS, then CPU (see `choose_device`)."""
    return choose_device(name)[0]


def as_generator(
    seed: torch.Generator | int | None, name: str = "generator"
) -> torch.Generator | None:
    """A ``torch.Generator`` from a generator (returned as is) or a non-negative int seed; None
    stays None, which torch's random functions read as "use the global generator" (the one
    `seed_everything` seeds). ``name`` is the argument's name in the error message."""
    if seed is None or isinstance(seed, torch.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(
            f"`{name}` must be a torch.Generator, a non-negative int seed or None; found {seed!r}"
        )
    return torch.Generator().manual_seed(seed)


def seed_everything(seed: int = 0, deterministic: bool = False) -> torch.Generator:
    """Seed Python, NumPy and PyTorch (CPU and every GPU) in one call.

    Parameters
    ----------
    seed : int
        Any non-negative integer below 2**32.
    deterministic : bool
        Also ask PyTorch for deterministic algorithms (slower on a GPU, and some operations then
        raise instead of running non-deterministically).

    Returns
    -------
    torch.Generator
        A CPU generator seeded with ``seed``, for code that prefers an explicit generator.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise ValueError(f"`seed` must be an int in [0, 2**32); found {seed!r}")
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - students' code may use the legacy global RNG
    torch.manual_seed(seed)  # also seeds every CUDA device
    if deterministic:
        # cuBLAS needs this workspace setting for deterministic matrix products on CUDA.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.benchmark = False
    else:
        torch.use_deterministic_algorithms(False)
    return torch.Generator().manual_seed(seed)
