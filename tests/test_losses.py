"""utils.losses against closed forms and torch.nn.functional, extreme inputs, and bad inputs."""

import math

import pytest
import torch
import torch.nn.functional as F

from utils import losses


def test_squared_loss_scalar_targets_match_mse():
    y_hat, y = torch.tensor([1.0, 2.0, -1.0]), torch.tensor([0.0, 2.5, 1.0])
    assert torch.allclose(losses.squared_loss(y_hat, y), F.mse_loss(y_hat, y))
    assert torch.allclose(
        losses.squared_loss(y_hat, y, reduction="none"), torch.tensor([1.0, 0.25, 4.0])
    )
    assert losses.squared_loss(y_hat, y, reduction="sum").item() == pytest.approx(5.25)


def test_squared_loss_vectors_sum_components():
    y_hat = torch.tensor([[1.0, 2.0], [0.0, 0.0]])
    y = torch.tensor([[0.0, 0.0], [3.0, 4.0]])
    assert losses.squared_loss(y_hat, y, reduction="none").tolist() == [5.0, 25.0]
    assert losses.squared_loss(y_hat, y).item() == pytest.approx(15.0)
    assert torch.allclose(
        losses.squared_loss(y_hat, y, reduction="sum"), F.mse_loss(y_hat, y, reduction="sum")
    )


def test_zero_one_loss_counts_errors():
    y_hat, y = torch.tensor([1, -1, 1, -1]), torch.tensor([1, 1, -1, -1])
    out = losses.zero_one_loss(y_hat, y, reduction="none")
    assert out.dtype.is_floating_point
    assert out.tolist() == [0.0, 1.0, 1.0, 0.0]
    assert losses.zero_one_loss(y_hat, y).item() == 0.5
    assert losses.zero_one_loss(y_hat, y, reduction="sum").item() == 2.0


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_matches_torch(reduction):
    torch.manual_seed(0)
    p = torch.rand(50, dtype=torch.float64) * 0.98 + 0.01
    y = (torch.rand(50) < 0.5).double()
    ours = losses.binary_cross_entropy(p, y, reduction=reduction)
    theirs = F.binary_cross_entropy(p, y, reduction=reduction)
    assert torch.allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    a = torch.randn(50, dtype=torch.float64) * 5
    ours = losses.binary_cross_entropy(a, y, from_logits=True, reduction=reduction)
    theirs = F.binary_cross_entropy_with_logits(a, y, reduction=reduction)
    assert torch.allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_binary_cross_entropy_closed_form_value():
    out = losses.binary_cross_entropy(torch.tensor([0.9]), torch.tensor([1.0]))
    assert out.item() == pytest.approx(-math.log(0.9), rel=1e-6)


def test_binary_cross_entropy_at_exact_zero_and_one():
    p = torch.tensor([0.0, 1.0, 0.0, 1.0])
    y = torch.tensor([0.0, 1.0, 1.0, 0.0])
    out = losses.binary_cross_entropy(p, y, reduction="none")
    assert out.tolist() == [0.0, 0.0, 100.0, 100.0]  # right: 0; confidently wrong: "large"
    assert torch.equal(out, F.binary_cross_entropy(p, y, reduction="none"))


def test_binary_cross_entropy_from_extreme_logits():
    a = torch.tensor([1000.0, -1000.0, 1000.0, -1000.0])
    y = torch.tensor([1.0, 0.0, 0.0, 1.0])
    out = losses.binary_cross_entropy(a, y, from_logits=True, reduction="none")
    assert torch.isfinite(out).all()
    assert out.tolist() == [0.0, 0.0, 1000.0, 1000.0]
    # The naive route through the sigmoid loses everything beyond the clamp.
    naive = losses.binary_cross_entropy(torch.sigmoid(a), y, reduction="none")
    assert naive[2].item() == 100.0


def test_binary_cross_entropy_gradient_is_finite_from_logits():
    a = torch.tensor([1000.0, -1000.0, 0.0], requires_grad=True)
    losses.binary_cross_entropy(a, torch.tensor([0.0, 1.0, 1.0]), from_logits=True).backward()
    assert torch.isfinite(a.grad).all()
    assert torch.allclose(a.grad, (torch.sigmoid(a) - torch.tensor([0.0, 1.0, 1.0])) / 3)


def test_cross_entropy_indices_and_one_hot_agree_with_torch():
    torch.manual_seed(1)
    logits = torch.randn(20, 4, dtype=torch.float64) * 3
    y = torch.randint(0, 4, (20,))
    one_hot = F.one_hot(y, 4).double()
    expected = F.cross_entropy(logits, y)
    assert torch.allclose(losses.cross_entropy(logits, y, from_logits=True), expected)
    assert torch.allclose(losses.cross_entropy(logits, one_hot, from_logits=True), expected)
    p = torch.softmax(logits, dim=1)
    assert torch.allclose(losses.cross_entropy(p, y), F.nll_loss(torch.log(p), y))
    assert torch.allclose(
        losses.cross_entropy(p, one_hot, reduction="none"),
        F.cross_entropy(logits, y, reduction="none"),
    )
    assert torch.allclose(
        losses.cross_entropy(p, y, reduction="sum"), F.cross_entropy(logits, y, reduction="sum")
    )


def test_cross_entropy_is_minus_log_of_true_class():
    p = torch.tensor([[0.7, 0.2, 0.1]])
    assert losses.cross_entropy(p, torch.tensor([1])).item() == pytest.approx(-math.log(0.2))


def test_cross_entropy_extreme_logits():
    logits = torch.tensor([[1000.0, -1000.0, 0.0], [1000.0, 1000.0, -1000.0]])
    y = torch.tensor([1, 0])
    out = losses.cross_entropy(logits, y, from_logits=True, reduction="none")
    assert torch.isfinite(out).all()
    assert torch.allclose(out, F.cross_entropy(logits, y, reduction="none"))
    out64 = losses.cross_entropy(logits.double(), y, from_logits=True, reduction="none")
    assert torch.allclose(out64, torch.tensor([2000.0, math.log(2)], dtype=torch.float64))


def test_cross_entropy_probability_zero_on_true_class_is_large_not_inf():
    p = torch.tensor([[1.0, 0.0]])
    assert losses.cross_entropy(p, torch.tensor([1])).item() == 100.0
    assert losses.cross_entropy(p, torch.tensor([0])).item() == 0.0


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: losses.squared_loss(torch.zeros(3), torch.zeros(4)), ["`y_hat`", "(3,)", "(4,)"]),
        (lambda: losses.zero_one_loss(torch.zeros(2), torch.zeros(2, 1)), ["same shape"]),
        (lambda: losses.squared_loss(torch.zeros(0), torch.zeros(0)), ["`y_hat`", "empty"]),
        (lambda: losses.zero_one_loss([], []), ["empty"]),
        (
            lambda: losses.squared_loss(torch.tensor([1.0, math.nan]), torch.zeros(2)),
            ["`y_hat`", "NaN"],
        ),
        (
            lambda: losses.binary_cross_entropy(torch.tensor([0.5]), torch.tensor([math.nan])),
            ["`y`", "NaN"],
        ),
        (
            lambda: losses.binary_cross_entropy(torch.tensor([1.2]), torch.tensor([1.0])),
            ["`y_hat`", "[0, 1]", "1.2", "from_logits"],
        ),
        (
            lambda: losses.binary_cross_entropy(torch.tensor([-0.1]), torch.tensor([1.0])),
            ["`y_hat`", "-0.1"],
        ),
        (
            lambda: losses.binary_cross_entropy(torch.tensor([0.5]), torch.tensor([-1.0])),
            ["`y`", "(y + 1) / 2"],
        ),
        (
            lambda: losses.binary_cross_entropy(torch.tensor([0.5]), torch.tensor([2.0])),
            ["`y`", "max 2"],
        ),
        (
            lambda: losses.cross_entropy(torch.ones(2, 3) / 3, torch.tensor([0, 3])),
            ["`y`", "0..2", "found 3"],
        ),
        (
            lambda: losses.cross_entropy(torch.ones(2, 3) / 3, torch.tensor([-1, 0])),
            ["`y`", "found -1"],
        ),
        (
            lambda: losses.cross_entropy(torch.ones(2, 3) / 3, torch.tensor([0, 1, 2])),
            ["`y`", "(2,)", "(3,)"],
        ),
        (
            lambda: losses.cross_entropy(torch.ones(2, 3), torch.tensor([0, 1])),
            ["`y_hat`", "sum to 1", "from_logits"],
        ),
        (
            lambda: losses.cross_entropy(torch.ones(2, 3) / 3, torch.ones(2, 4) / 4),
            ["same shape"],
        ),
        (
            lambda: losses.cross_entropy(torch.zeros(0, 3), torch.zeros(0, dtype=torch.long)),
            ["`y_hat`", "empty"],
        ),
        (
            lambda: losses.squared_loss(torch.zeros(2), torch.zeros(2), reduction="avg"),
            ["`reduction`", "'avg'"],
        ),
    ],
)
def test_bad_inputs_raise_value_error_naming_the_argument(call, words):
    with pytest.raises(ValueError) as info:
        call()
    for word in words:
        assert word in str(info.value)


def test_lists_are_accepted():
    assert losses.squared_loss([1.0, 3.0], [1.0, 1.0]).item() == 2.0
