"""A dataset kept on the device and served as shuffled mini-batches (notebook 06)."""

from __future__ import annotations

import torch


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
