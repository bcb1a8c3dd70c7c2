"""Tests of utils.env: device choice and seeding."""

import random

import numpy as np
import pytest
import torch

from utils.env import choose_device, data_dir, get_device, repo_root, seed_everything


def test_default_device_is_cpu_without_gpu(monkeypatch):
    monkeypatch.delenv("DLB_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr("utils.env._mps_available", lambda: False)
    device, why = choose_device()
    assert device == torch.device("cpu")
    assert "no CUDA" in why


def test_cuda_preferred_then_mps(monkeypatch):
    monkeypatch.delenv("DLB_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda i=0: "Fake T4")
    assert choose_device() == (torch.device("cuda"), "CUDA GPU found: Fake T4")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr("utils.env._mps_available", lambda: True)
    assert choose_device()[0] == torch.device("mps")


def test_explicit_and_environment_override(monkeypatch):
    monkeypatch.setenv("DLB_DEVICE", "cpu")
    device, why = choose_device()
    assert device.type == "cpu" and "DLB_DEVICE=cpu" in why
    monkeypatch.delenv("DLB_DEVICE")
    assert get_device(" CPU ") == torch.device("cpu")


def test_unknown_device_name_is_a_clear_error():
    with pytest.raises(ValueError, match=r"`name` must be one of cpu, cuda, mps.*'tpu'"):
        get_device("tpu")
    with pytest.raises(TypeError, match="must be a str"):
        get_device(0)


def test_cuda_where_there_is_none(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="no CUDA GPU is available.*Change runtime type"):
        get_device("cuda")
    monkeypatch.setenv("DLB_DEVICE", "cuda")
    with pytest.raises(ValueError, match="DLB_DEVICE=cuda"):
        get_device()


def test_mps_where_there_is_none(monkeypatch):
    monkeypatch.setattr("utils.env._mps_available", lambda: False)
    with pytest.raises(ValueError, match="MPS backend is not available"):
        get_device("mps")


def test_seed_everything_repeats_every_generator():
    def draw():
        return random.random(), np.random.rand(), torch.rand(3)  # noqa: NPY002 - the global RNG is what is seeded

    seed_everything(123)
    first = draw()
    seed_everything(123)
    second = draw()
    assert first[:2] == second[:2] and torch.equal(first[2], second[2])
    seed_everything(124)
    assert not torch.equal(draw()[2], first[2])


def test_seed_everything_returns_a_seeded_generator_and_can_be_deterministic():
    g1 = seed_everything(7, deterministic=True)
    try:
        assert torch.are_deterministic_algorithms_enabled()
        assert torch.equal(
            torch.rand(2, generator=g1), torch.rand(2, generator=torch.Generator().manual_seed(7))
        )
    finally:
        seed_everything(0)
    assert not torch.are_deterministic_algorithms_enabled()


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, True, "0"])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="`seed` must be an int"):
        seed_everything(seed)


def test_folders():
    assert (repo_root() / "utils" / "__init__.py").is_file()
    assert data_dir() == repo_root() / "data" and data_dir().is_dir()
