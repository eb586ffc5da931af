"""Default dtypes and PyTorch's type promotion (checked against PyTorch 2.13)."""
import numpy as np
import pytest

import microgradnd as mg


@pytest.mark.parametrize("make, expected", [
    (lambda: mg.ones(3) * 2.5, mg.float32),  # float32 * Python float stays float32
    (lambda: mg.tensor([1, 2]) * 2.5, mg.float32),  # int tensor * float -> default float
    (lambda: mg.tensor([1, 2]) / mg.tensor([3, 4]), mg.float32),  # int / int true division
    (lambda: mg.tensor([1, 2]) / 2, mg.float32),
    (lambda: mg.tensor(2.0, dtype=mg.float64) * mg.ones(3), mg.float32),  # 0-d float64 is weak
    (lambda: mg.ones(2) * mg.tensor(np.ones(2)), mg.float64),  # dimensioned float64 wins
    (lambda: mg.tensor(1.0) * mg.tensor(1.0, dtype=mg.float64), mg.float64),  # both 0-d
    (lambda: mg.tensor(1) * mg.tensor(1.0), mg.float32),  # int 0-d * float 0-d
    (lambda: mg.tensor([1], dtype=mg.int32) * mg.tensor(1.0, dtype=mg.float64), mg.float64),
    (lambda: mg.tensor([1], dtype=mg.int64) * mg.tensor([1.0], dtype=mg.float16), mg.float16),
    (lambda: mg.tensor([1], dtype=mg.int32) * mg.tensor(2), mg.int32),
    (lambda: mg.tensor([1], dtype=mg.uint8) * mg.tensor([1], dtype=mg.int8), mg.int16),
    (lambda: mg.tensor([1, 2]) + mg.tensor([True, False]), mg.int64),
    (lambda: mg.tensor([True]) + mg.tensor([True, False]), mg.bool),
    (lambda: mg.tensor([True]) * 2.0, mg.float32),
    (lambda: mg.tensor([1]) * 2, mg.int64),
    (lambda: mg.tensor([1, 2]) ** 2.0, mg.float32),
    (lambda: mg.tensor([1, 2]) ** 2, mg.int64),
    (lambda: 2.0 ** mg.tensor([1, 2]), mg.float32),
    (lambda: mg.ones(2) ** mg.tensor(2.0, dtype=mg.float64), mg.float32),
    (lambda: mg.sqrt(mg.tensor([1, 4])), mg.float32),
    (lambda: mg.abs(mg.tensor([-1, 4])), mg.int64),
    (lambda: mg.tensor([True, False]).sum(), mg.int64),
    (lambda: mg.tensor([1], dtype=mg.int32).sum(), mg.int64),
    (lambda: mg.where(mg.tensor([True, False]), mg.tensor([1, 2]), 0.5), mg.float32),
    (lambda: mg.clamp(mg.tensor([1, 2]), min=1.5), mg.float32),
    (lambda: mg.clamp(mg.tensor([1, 2]), min=1), mg.int64),
    (lambda: mg.maximum(mg.tensor([1, 2]), mg.tensor([1.0, 3.0])), mg.float32),
    (lambda: mg.cat([mg.ones(2, dtype=mg.int64), mg.ones(2)]), mg.float32),
    (lambda: mg.cat([mg.ones(2), mg.ones(2, dtype=mg.float64)]), mg.float64),
    (lambda: mg.tensor([5, 6]) // 2, mg.int64),
    (lambda: mg.ones(2) * np.float32(2), mg.float32),
    (lambda: mg.tensor([1]) * np.float64(2), mg.float32),
])
def test_promotion_matches_pytorch(make, expected):
    assert make().dtype == expected


def test_comparisons_return_bool():
    assert (mg.ones(3) < 2).dtype == mg.bool
    assert (mg.tensor([1, 2]) == mg.tensor([1.0, 2.5])).tolist() == [True, False]


def test_set_default_dtype_changes_what_python_floats_become():
    try:
        mg.set_default_dtype(mg.float64)
        assert mg.tensor(1.5).dtype == mg.float64
        assert (mg.tensor([1, 2]) / 2).dtype == mg.float64
        assert mg.zeros(2).dtype == mg.float64
    finally:
        mg.set_default_dtype(mg.float32)
    assert mg.tensor(1.5).dtype == mg.float32
    with pytest.raises(TypeError):
        mg.set_default_dtype(mg.int64)


def test_dtype_objects_and_aliases():
    assert mg.float32 == np.float32 and mg.float == mg.float32 and mg.double == mg.float64
    assert mg.long == mg.int64 and mg.int == mg.int32
    assert mg.ones(2, dtype=float).dtype == mg.float32
    assert mg.ones(2, dtype=int).dtype == mg.int64
    assert mg.ones(2, dtype="float64").dtype == mg.float64
    with pytest.raises(TypeError):
        mg.ones(2, dtype="not a dtype")


def test_bool_arithmetic_errors_like_pytorch():
    with pytest.raises(RuntimeError, match="logical_not"):
        -mg.tensor([True])
    with pytest.raises(RuntimeError, match="logical_xor"):
        mg.tensor([True]) - mg.tensor([False])


def test_integer_negative_power_raises():
    with pytest.raises(RuntimeError, match="negative integer powers"):
        mg.tensor([2]) ** -1
    assert (mg.tensor([2.0]) ** -1).tolist() == [0.5]
