"""Creation functions: signatures, dtypes and values as in PyTorch."""
import numpy as np
import pytest

import microgradnd as mg


def test_tensor_dtype_rules():
    assert mg.tensor(1.5).dtype == mg.float32
    assert mg.tensor([1, 2.5]).dtype == mg.float32
    assert mg.tensor([1, 2]).dtype == mg.int64
    assert mg.tensor([True, False]).dtype == mg.bool
    assert mg.tensor(np.ones(3)).dtype == mg.float64  # NumPy arrays keep their dtype
    assert mg.tensor(np.ones(3, dtype=np.int32)).dtype == mg.int32
    assert mg.tensor(np.ones(2, dtype=np.float16)).dtype == mg.float16
    assert mg.tensor([np.float64(1.5)]).dtype == mg.float64
    assert mg.tensor(np.float32(2)).dtype == mg.float32
    assert mg.tensor([]).dtype == mg.float32 and mg.tensor([]).shape == (0,)
    assert mg.tensor([1.0, 2.0], dtype=mg.float64).dtype == mg.float64
    assert mg.tensor([mg.tensor(1.0), mg.tensor(2.0)]).tolist() == [1.0, 2.0]


def test_tensor_copies_and_from_numpy_shares():
    a = np.ones(3)
    t = mg.tensor(a)
    a[0] = 5
    assert t.tolist() == [1.0, 1.0, 1.0]
    s = mg.from_numpy(a)
    a[1] = 7
    assert s.tolist() == [5.0, 7.0, 1.0]
    assert mg.as_tensor(a)._data is a
    with pytest.raises(TypeError):
        mg.from_numpy([1, 2])


def test_tensor_bad_data():
    with pytest.raises((TypeError, ValueError)):
        mg.tensor(["a"])
    with pytest.raises(ValueError):
        mg.tensor([[1, 2], [3]])


def test_requires_grad_only_for_floating_tensors():
    assert mg.tensor([1.0], requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="floating point"):
        mg.tensor([1], requires_grad=True)
    with pytest.raises(RuntimeError):
        mg.zeros(2, dtype=mg.int64, requires_grad=True)


@pytest.mark.parametrize("fn", [mg.zeros, mg.ones, mg.empty, mg.rand, mg.randn])
def test_shape_spellings(fn):
    assert fn(2, 3).shape == (2, 3)
    assert fn((2, 3)).shape == (2, 3)
    assert fn([2, 3]).shape == (2, 3)
    assert fn(2, 3).dtype == mg.float32
    assert fn(2, dtype=mg.float64).dtype == mg.float64
    assert fn(2, requires_grad=True).requires_grad
    assert fn(()).shape == ()


def test_bad_sizes():
    with pytest.raises(RuntimeError, match="negative dimension"):
        mg.ones(-1)
    with pytest.raises(TypeError):
        mg.zeros(2.5)


def test_full_and_likes():
    assert mg.full((2,), 3).dtype == mg.int64
    assert mg.full((2,), 1.5).dtype == mg.float32
    assert mg.full((2,), True).dtype == mg.bool
    assert mg.full((2, 2), 7.0).tolist() == [[7.0, 7.0], [7.0, 7.0]]
    x = mg.ones(2, 3, dtype=mg.int64)
    assert mg.zeros_like(x).dtype == mg.int64 and mg.zeros_like(x).shape == (2, 3)
    assert mg.ones_like(x, dtype=mg.float32).dtype == mg.float32
    assert mg.full_like(x, 2.7).tolist() == [[2, 2, 2], [2, 2, 2]]
    assert mg.rand_like(mg.ones(2, dtype=mg.float64)).dtype == mg.float64
    assert mg.randn_like(mg.ones(4)).shape == (4,)


def test_arange_linspace_eye():
    assert mg.arange(5).tolist() == [0, 1, 2, 3, 4] and mg.arange(5).dtype == mg.int64
    assert mg.arange(5, 0, -1).tolist() == [5, 4, 3, 2, 1]
    r = mg.arange(0, 1, 0.25)
    assert r.dtype == mg.float32 and r.tolist() == [0.0, 0.25, 0.5, 0.75]
    assert len(mg.arange(0, 1, 0.1)) == 10
    assert mg.linspace(-1, 1, 5).tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert mg.linspace(0, 1, 1).tolist() == [0.0]
    assert mg.eye(2, 3).tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    assert mg.eye(3).dtype == mg.float32


def test_legacy_constructors():
    assert mg.FloatTensor([1, 2]).dtype == mg.float32
    assert mg.FloatTensor(2, 3).shape == (2, 3)
    assert mg.LongTensor([1.7, 2]).tolist() == [1, 2]
    assert mg.Tensor([1, 2]).dtype == mg.float32  # the legacy constructor: default float dtype
    assert mg.Tensor(2, 3).shape == (2, 3) and mg.Tensor().shape == (0,)
    assert mg.Tensor(mg.ones(2, dtype=mg.int64)).dtype == mg.int64
    assert isinstance(mg.tensor([1]), mg.Tensor)


def test_random_is_seeded_and_in_range():
    mg.manual_seed(0)
    a = mg.randn(5)
    mg.manual_seed(0)
    b = mg.randn(5)
    assert a.tolist() == b.tolist()
    u = mg.rand(1000)
    assert 0.0 <= u.min().item() and u.max().item() < 1.0
    r = mg.randint(0, 5, (100,))
    assert r.dtype == mg.int64 and 0 <= r.min().item() and r.max().item() < 5
    assert sorted(mg.randperm(6).tolist()) == list(range(6))
    g = mg.Generator().manual_seed(3)
    h = mg.Generator().manual_seed(3)
    assert mg.rand(3, generator=g).tolist() == mg.rand(3, generator=h).tolist()


def test_parity_sweep_creation_additions():
    import numpy as np
    import pytest

    import microgradnd as mg

    assert mg.zeros(size=(2, 3)).shape == (2, 3) and mg.ones(size=[4]).tolist() == [1.0] * 4
    assert mg.empty(size=(1, 2)).shape == (1, 2)
    with pytest.raises(TypeError):
        mg.zeros(2, size=(2,))
    with pytest.raises(RuntimeError, match="inconsistent with step sign"):
        mg.arange(0, 5, -1)
    with pytest.raises(RuntimeError, match="inconsistent with step sign"):
        mg.arange(5, 0)
    assert mg.arange(5, 0, -2).tolist() == [5, 3, 1] and mg.arange(0).shape == (0,)
    r = mg.randint_like(mg.zeros(3, 4), 2, 5)
    assert r.shape == (3, 4) and r.dtype == mg.float32 and 2 <= r.min().item() and r.max().item() <= 4
    assert mg.randint_like(mg.zeros(2, dtype=mg.int64), 3).dtype == mg.int64
    s = mg.scalar_tensor(3)
    assert s.shape == () and s.dtype == mg.float32 and s.item() == 3.0
    assert mg.tril_indices(3, 3).tolist() == [[0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]]
    assert mg.triu_indices(3, 3, 1).tolist() == [[0, 0, 1], [1, 2, 2]]
    np.testing.assert_array_equal(mg.tril_indices(2, 4, 1).numpy(), [[0, 0, 1, 1, 1], [0, 1, 0, 1, 2]])
