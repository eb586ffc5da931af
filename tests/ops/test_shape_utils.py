"""Shape utilities and running extrema of ops/shape_utils.py, with values worked out by hand (the same
functions against torch are in test_against_torch.py, SHAPE_UTILS)."""
import numpy as np
import pytest

import microgradnd as mg


def test_tensor_split_sections_indices_and_the_strict_splits():
    x = mg.arange(7.0)
    assert [p.tolist() for p in mg.tensor_split(x, 3)] == [[0, 1, 2], [3, 4], [5, 6]]
    assert [p.tolist() for p in x.tensor_split([2, -1, 9])] == [[0, 1], [2, 3, 4, 5], [6], []]
    m = mg.arange(12.0).reshape(2, 6)
    assert [p.shape for p in mg.hsplit(m, 3)] == [(2, 2)] * 3
    assert mg.vsplit(m, 2)[1].tolist() == [[6, 7, 8, 9, 10, 11]]
    with pytest.raises(RuntimeError, match="not divisible"):
        mg.hsplit(m, 4)
    with pytest.raises(RuntimeError, match="at least 3 dimension"):
        mg.dsplit(m, 2)


def test_stacks_and_atleast():
    a, b = mg.tensor([1.0, 2.0]), mg.tensor([3.0, 4.0])
    assert mg.column_stack([a, b]).tolist() == [[1, 3], [2, 4]]
    assert mg.row_stack([a, b]).tolist() == [[1, 2], [3, 4]]
    assert mg.dstack([a, b]).tolist() == [[[1, 3], [2, 4]]]
    assert mg.atleast_3d(a).shape == (1, 2, 1) and mg.atleast_3d(mg.ones(2, 3)).shape == (2, 3, 1)
    assert mg.atleast_2d(mg.tensor(5.0)).shape == (1, 1)
    assert [t.shape for t in mg.atleast_1d(mg.tensor(1.0), a)] == [(1,), (2,)]


def test_rot90_directions():
    m = mg.tensor([[1, 2], [3, 4]])
    assert mg.rot90(m).tolist() == [[2, 4], [1, 3]]  # counter-clockwise, from dim 0 towards dim 1
    assert m.rot90(-1).tolist() == [[3, 1], [4, 2]]
    assert mg.rot90(m, 2).tolist() == [[4, 3], [2, 1]]
    assert mg.rot90(m, 1, (1, 0)).tolist() == [[3, 1], [4, 2]]


def test_unfold_windows_and_their_gradient_adds_overlaps():
    x = mg.arange(5.0, dtype=mg.float64).requires_grad_()
    w = x.unfold(0, 3, 1)
    assert w.tolist() == [[0, 1, 2], [1, 2, 3], [2, 3, 4]]
    w.sum().backward()
    assert x.grad.tolist() == [1, 2, 3, 2, 1]  # how many windows hold each element
    assert mg.arange(8.0).reshape(2, 4).unfold(1, 2, 2).tolist() == [[[0, 1], [2, 3]], [[4, 5], [6, 7]]]
    with pytest.raises(RuntimeError, match="maximum size"):
        x.unfold(0, 6, 1)


def test_sum_to_size_broadcast_shapes_cartesian_prod_combinations():
    x = mg.ones(2, 3, 4)
    assert x.sum_to_size(3, 1).tolist() == [[8.0]] * 3
    with pytest.raises(RuntimeError, match="not expandable"):
        x.sum_to_size(2, 1)
    assert mg.broadcast_shapes((2, 1), (3, 1, 4)) == (3, 2, 4)
    with pytest.raises(RuntimeError, match="broadcast_shapes"):
        mg.broadcast_shapes((2,), (3,))
    assert mg.cartesian_prod(mg.tensor([1, 2]), mg.tensor([5, 6])).tolist() == [[1, 5], [1, 6], [2, 5], [2, 6]]
    assert mg.combinations(mg.tensor([1, 2, 3])).tolist() == [[1, 2], [1, 3], [2, 3]]
    assert mg.combinations(mg.tensor([1, 2]), with_replacement=True).tolist() == [[1, 1], [1, 2], [2, 2]]


def test_diag_embed_diagflat_take():
    assert mg.diag_embed(mg.tensor([1.0, 2.0])).tolist() == [[1, 0], [0, 2]]
    assert mg.diag_embed(mg.tensor([1.0]), offset=1).tolist() == [[0, 1], [0, 0]]
    assert mg.diagflat(mg.tensor([[1.0, 2.0]])).tolist() == [[1, 0], [0, 2]]
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    out = mg.take(x, mg.tensor([3, 0, 3]))
    assert out.tolist() == [4.0, 1.0, 4.0]
    out.sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0], [0.0, 2.0]]
    with pytest.raises(IndexError, match="out of range"):
        mg.take(x, mg.tensor([4]))


def test_diff_orders_prepend_and_bools():
    x = mg.tensor([1.0, 4.0, 9.0, 16.0])
    assert mg.diff(x).tolist() == [3, 5, 7] and x.diff(n=2).tolist() == [2, 2]
    assert mg.diff(x, prepend=mg.tensor([0.0])).tolist() == [1, 3, 5, 7]
    assert mg.diff(mg.tensor([True, True, False])).tolist() == [False, True]


def test_cummax_cummin_ties_go_to_the_later_index_and_gradient_follows():
    x = mg.tensor([1.0, 3.0, 2.0, 3.0, 0.0], requires_grad=True)
    values, indices = mg.cummax(x, 0)
    assert values.tolist() == [1, 3, 3, 3, 3] and indices.tolist() == [0, 1, 1, 3, 3]
    values.sum().backward()
    assert x.grad.tolist() == [1, 2, 0, 2, 0]
    assert mg.cummin(mg.tensor([2.0, 1.0, 1.0, 5.0]), 0).indices.tolist() == [0, 1, 2, 2]
    v, i = mg.cummax(mg.tensor([1.0, float("nan"), 5.0]), 0)
    assert np.isnan(v.tolist()[1:]).all() and i.tolist() == [0, 1, 1]
