"""How much of an MNIST epoch is spent feeding the model? Three pipelines, one run.

An MNIST-shaped problem (60,000 synthetic 28×28 images in MNIST's IDX files, 10 classes), an MLP
784-256-10, SGD, one epoch of batches of 128:

1. canonical: ``torchvision.datasets.MNIST`` read from the IDX files, ``ToTensor`` and
   ``Normalize`` transforms, ``DataLoader(shuffle=True)``, as in PyTorch's official MNIST
   example (every image goes through PIL and the transforms, one at a time);
2. project: the whole training set as one tensor, ``utils.data.DeviceBatches`` + ``utils.train.fit``;
3. compute-only bound: the same zero_grad/forward/backward/step loop over batches made in advance.

Run from the repository root::

    python bench/bench_training_pipeline.py            # CPU, threads as PyTorch chooses
    python bench/bench_training_pipeline.py --device cuda

Targets on 2 CPU cores: (1)/(2) ≥ 5 and (2)/(3) ≤ 1.25.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.mnist_idx import write_mnist_idx  # noqa: E402
from utils.data import DeviceBatches  # noqa: E402
from utils.env import get_device  # noqa: E402
from utils.models import MLP  # noqa: E402
from utils.train import fit  # noqa: E402

MEAN, STD = 0.1307, 0.3081  # the official example's normalisation


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _model_and_optimizer(device: torch.device, seed: int):
    torch.manual_seed(seed)
    model = MLP([784, 256, 10]).to(device)
    return model, torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)


def canonical(root: str, device: torch.device, batch_size: int, seed: int) -> float:
    """(1) torchvision MNIST + ToTensor/Normalize + DataLoader, the loop of the official example."""
    from torchvision import datasets, transforms

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((MEAN,), (STD,))])
    dataset = datasets.MNIST(root, train=True, download=False, transform=transform)
    pin = device.type == "cuda"
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=batch_size, shuffle=True, num_workers=0, pin_memory=pin
    )
    return _timed_epoch(loader, device, seed)


def _tensors(root: str, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    from torchvision import datasets

    dataset = datasets.MNIST(root, train=True, download=False)
    x = (dataset.data.reshape(len(dataset), -1).float() / 255 - MEAN) / STD
    return x.to(device), dataset.targets.to(device)


def project(x, y, device: torch.device, batch_size: int, seed: int) -> float:
    """(2) DeviceBatches + fit; the epoch's seconds as fit measures them."""
    model, optimizer = _model_and_optimizer(device, seed)
    batches = DeviceBatches(x, y, batch_size, device=device, seed=seed)
    history = fit(model, batches, None, nn.CrossEntropyLoss(), optimizer, 1, device, progress=False)
    return history.seconds[0]


def compute_only(x, y, device: torch.device, batch_size: int, seed: int) -> float:
    """(3) The bare loop over mini-batches made (shuffled, contiguous) before the clock starts."""
    g = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(x), generator=g).to(device)
    xs, ys = x[order], y[order]
    batches = [
        (xs[i : i + batch_size], ys[i : i + batch_size]) for i in range(0, len(x), batch_size)
    ]
    return _timed_epoch(batches, device, seed)


def _timed_epoch(batches, device: torch.device, seed: int) -> float:
    """Seconds for one epoch of the plain training loop over ``batches`` (the same loop for the
    canonical pipeline and the compute-only bound, so that only the data path differs)."""
    model, optimizer = _model_and_optimizer(device, seed)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    _sync(device)
    start = time.perf_counter()
    for data, target in batches:
        data, target = data.to(device), target.to(device)  # a no-op for tensors already there
        optimizer.zero_grad()
        loss = loss_fn(model(data), target)
        loss.backward()
        optimizer.step()
    _sync(device)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or mps")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--images", type=int, default=60_000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the best of each kept")
    args = parser.parse_args()

    device = get_device(args.device)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"{os.cpu_count()} CPUs, load average {load:.2f}"
    )
    with tempfile.TemporaryDirectory() as root:
        write_mnist_idx(root, n_train=args.images, n_test=10, seed=0)
        x, y = _tensors(root, device)
        # Rounds of (1), (2), (3) in turn, the best of each kept: a machine shared with other
        # work slows some runs down, and interleaving spreads that over the three pipelines.
        t1 = t2 = t3 = float("inf")
        for _ in range(args.repeat):
            t1 = min(t1, canonical(root, device, args.batch_size, seed=0))
            t2 = min(t2, project(x, y, device, args.batch_size, seed=0))
            t3 = min(t3, compute_only(x, y, device, args.batch_size, seed=0))
    n = args.images
    print(f"one epoch of {n:,} images 28×28, MLP 784-256-10, batch {args.batch_size}:")
    print(f"  (1) canonical torchvision MNIST + transforms + DataLoader: {t1:7.3f} s/epoch")
    print(f"  (2) DeviceBatches + fit:                                   {t2:7.3f} s/epoch")
    print(f"  (3) compute-only bound (batches made in advance):          {t3:7.3f} s/epoch")
    print(f"  (1)/(2) = {t1 / t2:.2f}   (target ≥ 5)")
    print(f"  (2)/(3) = {t2 / t3:.2f}   (target ≤ 1.25)")
    if hasattr(os, "getloadavg"):
        print(f"load average at the end: {os.getloadavg()[0]:.2f} (other work skews the figures)")


if __name__ == "__main__":
    main()
