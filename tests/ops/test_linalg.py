"""mg.linalg and the matrix products of ops/linalg.py, with values and gradients worked out by hand
(the same ops are compared with torch on random inputs through the registry in test_against_torch.py)."""
import numpy as np
import pytest

import microgradnd as mg

A = [[2.0, 1.0], [1.0, 3.0]]  # det 5, inverse [[3, -1], [-1, 2]] / 5


def t(values, grad=True):
    return mg.tensor(values, dtype=mg.float64, requires_grad=grad)


def test_det_and_its_gradient_is_det_times_the_inverse_transpose():
    a = t(A)
    d = mg.linalg.det(a)
    assert d.item() == pytest.approx(5.0)
    d.backward()
    np.testing.assert_allclose(a.grad.numpy(), [[3.0, -1.0], [-1.0, 2.0]])  # cofactors
    assert mg.det(t([A, [[1.0, 0.0], [0.0, -2.0]]], False)).tolist() == pytest.approx([5.0, -2.0])
    assert a.det().item() == pytest.approx(5.0)


def test_slogdet_sign_logabsdet_and_gradient():
    a = t([[0.0, 2.0], [1.0, 0.0]])  # det -2
    sign, logabsdet = mg.linalg.slogdet(a)
    assert sign.item() == -1.0 and logabsdet.item() == pytest.approx(np.log(2.0))
    assert mg.linalg.slogdet(a).logabsdet is not None
    logabsdet.backward()
    np.testing.assert_allclose(a.grad.numpy(), [[0.0, 0.5], [1.0, 0.0]])  # A⁻ᵀ (A⁻¹ = [[0, 1], [0.5, 0]])


def test_inv_values_gradient_and_singular_error():
    a = t(A)
    inv = mg.linalg.inv(a)
    np.testing.assert_allclose(inv.detach().numpy(), np.array([[3.0, -1.0], [-1.0, 2.0]]) / 5)
    inv.sum().backward()  # -A⁻ᵀ 1 1ᵀ A⁻ᵀ: the row sums of A⁻¹ are (0.4, 0.2)
    np.testing.assert_allclose(a.grad.numpy(), -np.outer([0.4, 0.2], [0.4, 0.2]))
    with pytest.raises(RuntimeError, match="singular"):
        mg.inverse(mg.tensor([[1.0, 2.0], [2.0, 4.0]]))
    with pytest.raises(mg.linalg.LinAlgError):
        mg.linalg.inv(mg.zeros(2, 2))
    with pytest.raises(RuntimeError, match=r"square matrices.*2 by 3"):
        mg.linalg.inv(mg.zeros(2, 3))


def test_solve_vectors_matrices_batches_and_gradients():
    a, b = t(A), t([3.0, 4.0])
    x = mg.linalg.solve(a, b)
    np.testing.assert_allclose(x.detach().numpy(), [1.0, 1.0])
    x.sum().backward()
    g_b = np.array([0.4, 0.2])  # A⁻ᵀ 1
    np.testing.assert_allclose(b.grad.numpy(), g_b)
    np.testing.assert_allclose(a.grad.numpy(), -np.outer(g_b, [1.0, 1.0]))
    batch = mg.linalg.solve(t([A, A], False), t([[3.0, 4.0], [2.0, 1.0]], False))  # a batch of vectors
    np.testing.assert_allclose(batch.numpy(), [[1.0, 1.0], [1.0, 0.0]])
    assert mg.linalg.solve(t(A, False), mg.ones(4, 2, 3, dtype=mg.float64)).shape == (4, 2, 3)
    with pytest.raises(RuntimeError, match="Incompatible shapes"):
        mg.linalg.solve(t(A, False), mg.ones(3, dtype=mg.float64))


def test_matrix_power_positive_zero_negative():
    a = t(A)
    np.testing.assert_allclose(mg.linalg.matrix_power(a, 3).detach().numpy(), [[15.0, 20.0], [20.0, 35.0]])
    np.testing.assert_allclose(mg.matrix_power(a, 0).detach().numpy(), np.eye(2))
    np.testing.assert_allclose(a.matrix_power(-1).detach().numpy(), np.array([[3.0, -1.0], [-1.0, 2.0]]) / 5)
    mg.matrix_power(a, 2).sum().backward()  # d Σ(A²) = 1 Aᵀ + Aᵀ 1 -> row sums + column sums of A
    np.testing.assert_allclose(a.grad.numpy(), [[6.0, 7.0], [7.0, 8.0]])


def test_multi_dot_with_vectors_at_the_ends():
    v, m, w = t([1.0, 2.0]), t(A), t([1.0, -1.0])
    out = mg.linalg.multi_dot([v, m, w])  # vᵀ A w = (4, 7)·(1, -1)
    assert out.shape == () and out.item() == pytest.approx(-3.0)
    out.backward()
    np.testing.assert_allclose(v.grad.numpy(), [1.0, -2.0])  # A w
    np.testing.assert_allclose(w.grad.numpy(), [4.0, 7.0])  # Aᵀ v
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        mg.linalg.multi_dot([mg.ones(2, 3), mg.ones(2, 3)])


def test_cross_values_gradient_and_default_dims():
    a, b = t([1.0, 0.0, 0.0]), t([0.0, 1.0, 0.0])
    c = mg.linalg.cross(a, b)
    assert c.tolist() == [0.0, 0.0, 1.0]
    c.backward(mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64))  # da = b × g, db = g × a
    np.testing.assert_allclose(a.grad.numpy(), [3.0, 0.0, -1.0])
    np.testing.assert_allclose(b.grad.numpy(), [0.0, 3.0, -2.0])
    x = mg.tensor([[1.0, 2.0], [0.0, 0.0], [0.0, 0.0]])
    y = mg.tensor([[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    assert mg.cross(x, y).tolist() == [[0.0, 0.0], [0.0, 0.0], [1.0, 2.0]]  # dim=None: the first of size 3
    with pytest.raises(RuntimeError, match="length 3"):
        mg.linalg.cross(mg.ones(2), mg.ones(2))


def test_kron_and_tensordot():
    k = mg.kron(mg.tensor([[1.0, 2.0]]), mg.tensor([[1.0], [10.0]]))
    assert k.tolist() == [[1.0, 2.0], [10.0, 20.0]]
    a = mg.arange(6.0).reshape(2, 3)
    assert mg.tensordot(a, a, dims=([0, 1], [0, 1])).item() == 55.0
    assert mg.tensordot(a, a.T, dims=1).tolist() == [[5.0, 14.0], [14.0, 50.0]]
    with pytest.raises(RuntimeError, match="contracted dimensions need to match"):
        mg.tensordot(a, a, dims=1)


def test_addmm_family_scales_and_ignores_the_input_when_beta_is_zero():
    inp = mg.tensor([[np.nan, 1.0]], dtype=mg.float64)
    m1, m2 = t([[1.0, 2.0]]), t([[1.0, 0.0], [0.0, 1.0]])
    assert mg.addmm(inp, m1, m2, beta=0, alpha=2).tolist() == [[2.0, 4.0]]
    inp = t([[1.0, 1.0]])
    out = mg.addmm(inp, m1, m2, beta=0.5, alpha=2)
    assert out.tolist() == [[2.5, 4.5]]
    out.sum().backward()
    assert inp.grad.tolist() == [[0.5, 0.5]] and m1.grad.tolist() == [[2.0, 2.0]]
    assert mg.addmv(mg.ones(2), mg.eye(2), mg.tensor([3.0, 4.0])).tolist() == [4.0, 5.0]
    b1, b2 = mg.ones(3, 2, 2), mg.ones(3, 2, 2)
    assert mg.baddbmm(mg.zeros(3, 2, 2), b1, b2).sum().item() == 24.0
    assert mg.addbmm(mg.zeros(2, 2), b1, b2, alpha=0.5).tolist() == [[3.0, 3.0], [3.0, 3.0]]
    x = mg.zeros(2, 2)
    assert x.addbmm_(b1, b2) is x and x.tolist() == [[6.0, 6.0], [6.0, 6.0]]
    with pytest.raises(RuntimeError, match="batch1 must be a 3D tensor"):
        mg.baddbmm(mg.zeros(2, 2), mg.ones(2, 2), mg.ones(2, 2))


def test_norms_vector_matrix_and_dispatch():
    m = mg.tensor([[1.0, -2.0], [-3.0, 4.0]], dtype=mg.float64, requires_grad=True)
    assert mg.linalg.norm(m).item() == pytest.approx(np.sqrt(30.0))
    assert mg.linalg.matrix_norm(m, 1).item() == 6.0  # max absolute column sum
    assert mg.linalg.matrix_norm(m, float("inf")).item() == 7.0  # max absolute row sum
    assert mg.linalg.matrix_norm(m, -1).item() == 4.0
    assert mg.linalg.norm(m, float("-inf")).item() == 3.0
    assert mg.linalg.vector_norm(m, float("inf")).item() == 4.0  # all elements: max |x|
    assert mg.linalg.norm(m, 1, dim=1).tolist() == [3.0, 7.0]
    assert mg.linalg.vector_norm(m, 0).item() == 4.0
    mg.linalg.matrix_norm(m, 1).backward()
    assert m.grad.tolist() == [[0.0, -1.0], [0.0, 1.0]]  # sign of the entries of the winning column
    with pytest.raises(NotImplementedError, match="nuc"):
        mg.linalg.matrix_norm(m, "nuc")
    with pytest.raises(RuntimeError, match="1D or 2D"):
        mg.linalg.norm(mg.ones(2, 2, 2), 3)
