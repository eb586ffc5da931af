"""Elementwise math of ops/special.py at the points where PyTorch picks a convention (values worked out
by hand; the same points against torch itself are in test_against_torch.py, SPECIAL_POINTS)."""
import math

import numpy as np
import pytest

import microgradnd as mg

NAN, INF = float("nan"), float("inf")


def grads(fn, *values):
    xs = [mg.tensor(v, dtype=mg.float64, requires_grad=True) for v in values]
    out = fn(*xs)
    out.sum().backward()
    return out.detach().numpy(), [np.zeros(x.shape) if x.grad is None else x.grad.numpy() for x in xs]


def test_atan2_quadrants_and_zero_gradient_at_the_origin():
    out, (ga, gb) = grads(mg.atan2, [0.0, 1.0, 0.0, 1.0], [0.0, 0.0, -1.0, 1.0])
    np.testing.assert_allclose(out, [0.0, math.pi / 2, math.pi, math.pi / 4])
    np.testing.assert_allclose(ga, [0.0, 0.0, -1.0, 0.5])  # b / (a² + b²), 0 at the origin
    np.testing.assert_allclose(gb, [0.0, -1.0, 0.0, -0.5])  # -a / (a² + b²)


def test_hypot_gradient_is_nan_at_the_origin():
    out, (ga, gb) = grads(mg.hypot, [3.0, 0.0], [4.0, 0.0])
    np.testing.assert_allclose(out, [5.0, 0.0])
    np.testing.assert_allclose(ga, [0.6, NAN])
    np.testing.assert_allclose(gb, [0.8, NAN])
    big = mg.tensor([1e300], dtype=mg.float64)
    assert mg.hypot(big, big).item() == pytest.approx(1e300 * math.sqrt(2))


def test_copysign_gradient_is_the_sign_product_and_zero_at_zero():
    out, (ga, gb) = grads(mg.copysign, [0.0, 2.0, -2.0, 3.0], [1.0, -0.0, 0.0, -2.0])
    np.testing.assert_array_equal(out, [0.0, -2.0, 2.0, -3.0])
    np.testing.assert_array_equal(ga, [0.0, -1.0, -1.0, -1.0])
    np.testing.assert_array_equal(gb, [0.0, 0.0, 0.0, 0.0])
    assert mg.copysign(mg.tensor([3]), -1).tolist() == [-3.0]  # integers become the default float


@pytest.mark.parametrize("fn, to_a", [(mg.fmax, [1.0, 1.0, 0.0, 1.0, 1.0]), (mg.fmin, [1.0, 0.0, 0.0, 1.0, 1.0])])
def test_fmax_fmin_ignore_nan_and_give_ties_to_the_first_input(fn, to_a):
    out, (ga, gb) = grads(fn, [1.0, 2.0, NAN, NAN, 3.0], [1.0, 1.0, 2.0, NAN, NAN])
    expected = [1.0, 2.0 if fn is mg.fmax else 1.0, 2.0, NAN, 3.0]
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(ga, to_a)
    np.testing.assert_array_equal(gb, 1.0 - np.array(to_a))


def test_logit_gradient_outside_the_unit_interval_and_outside_eps():
    out, (g,) = grads(mg.logit, [0.5, 0.0, -0.5, 0.8])
    np.testing.assert_allclose(out, [0.0, -INF, NAN, math.log(4.0)])
    np.testing.assert_allclose(g, [4.0, INF, NAN, 1 / 0.16])
    out, (g,) = grads(lambda x: mg.logit(x, eps=0.1), [0.05, 0.1, 0.5, 0.95, 1.0])
    np.testing.assert_allclose(out, [-math.log(9.0), -math.log(9.0), 0.0, math.log(9.0), math.log(9.0)])
    np.testing.assert_allclose(g, [0.0, 1 / 0.09, 4.0, 0.0, 0.0])  # the bounds themselves are inside


def test_sinc_is_one_with_zero_gradient_at_zero():
    out, (g,) = grads(mg.sinc, [0.0, 1.0, 0.5])
    np.testing.assert_allclose(out, [1.0, 0.0, 2 / math.pi], atol=1e-15)
    np.testing.assert_allclose(g, [0.0, -1.0, -4 / math.pi])  # (πx·cos πx - sin πx) / (πx²)


def test_xlogy_is_zero_where_x_is_zero_unless_y_is_nan():
    out, (gx, gy) = grads(mg.xlogy, [0.0, 0.0, 0.0, 0.0, 2.0, 0.0], [0.0, 1.0, NAN, INF, 3.0, -1.0])
    np.testing.assert_allclose(out, [0.0, 0.0, NAN, 0.0, 2 * math.log(3.0), 0.0])
    np.testing.assert_allclose(gx, [0.0, 0.0, NAN, INF, math.log(3.0), 0.0])  # ln y, 0 where x == 0, y <= 0
    np.testing.assert_allclose(gy, [NAN, 0.0, NAN, 0.0, 2 / 3, -0.0])  # x / y
    assert mg.xlogy(2, mg.tensor([math.e])).item() == pytest.approx(2.0)


def test_nan_to_num_replaces_and_blocks_the_gradient_there():
    out, (g,) = grads(mg.nan_to_num, [NAN, INF, -INF, 1.5])
    np.testing.assert_array_equal(out, [0.0, np.finfo(np.float64).max, np.finfo(np.float64).min, 1.5])
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0, 1.0])
    out = mg.nan_to_num(mg.tensor([NAN, INF, -INF]), nan=2.0, posinf=3.0, neginf=-4.0)
    assert out.tolist() == [2.0, 3.0, -4.0] and out.dtype == mg.float32
    assert mg.tensor([INF]).nan_to_num().item() == np.finfo(np.float32).max


def test_logaddexp_is_stable_and_its_gradient_is_a_softmax():
    out, (ga, gb) = grads(mg.logaddexp, [1000.0, 1.0, -INF], [1000.0, 1.0, 1.0])
    np.testing.assert_allclose(out, [1000.0 + math.log(2.0), 1.0 + math.log(2.0), 1.0])
    np.testing.assert_allclose(ga, [0.5, 0.5, 0.0])
    np.testing.assert_allclose(gb, [0.5, 0.5, 1.0])
    out, (ga, _) = grads(mg.logaddexp2, [3.0], [1.0])
    np.testing.assert_allclose(out, [math.log2(10.0)])
    np.testing.assert_allclose(ga, [0.8])  # 2³ / (2³ + 2¹)


def test_inverse_functions_and_their_gradients_at_the_edges():
    np.testing.assert_allclose(mg.erfinv(mg.tensor([0.0, 0.5, 1.0, -1.0, 1.5])).numpy(),
                               [0.0, 0.4769362762044699, INF, -INF, NAN], rtol=1e-6)
    near_one = 1.0 - 2.0 ** -53  # erfc(x) = 2⁻⁵³ is far outside the first guess's range
    assert math.erfc(mg.erfinv(mg.tensor(near_one, dtype=mg.float64)).item()) == pytest.approx(2.0 ** -53, rel=1e-12)
    _, (g,) = grads(mg.erfinv, [0.0, 1.0])
    np.testing.assert_allclose(g, [math.sqrt(math.pi) / 2, INF])
    for fn, x, slope in [(mg.asin, 1.0, INF), (mg.acosh, 1.0, INF), (mg.atanh, 1.0, INF), (mg.acos, 0.0, -1.0),
                         (mg.atan, 1.0, 0.5), (mg.asinh, 0.0, 1.0), (mg.exp2, 3.0, 8 * math.log(2.0)),
                         (mg.erfc, 0.0, -2 / math.sqrt(math.pi)), (mg.sinh, 0.0, 1.0), (mg.cosh, 0.0, 0.0)]:
        _, (g,) = grads(fn, [x])
        np.testing.assert_allclose(g, [slope], err_msg=fn.__name__)


def test_sinh_cosh_erfc_keep_precision_where_the_naive_formulas_lose_it():
    assert mg.sinh(mg.tensor(1e-10, dtype=mg.float64)).item() == pytest.approx(1e-10, rel=1e-14)
    assert mg.erfc(mg.tensor(10.0, dtype=mg.float64)).item() == pytest.approx(2.088487583762545e-45, rel=1e-12)


def test_composites_frac_sgn_signbit_float_power_degrees_heaviside():
    out, (g,) = grads(mg.frac, [1.5, -1.5, 2.0])
    np.testing.assert_array_equal(out, [0.5, -0.5, 0.0])
    np.testing.assert_array_equal(g, [1.0, 1.0, 1.0])
    out, (g,) = grads(mg.sgn, [-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(out, [-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0])
    assert mg.signbit(mg.tensor([-0.0, 0.0, -1.0])).tolist() == [True, False, True]
    p = mg.float_power(mg.tensor([2, 3]), 2)
    assert p.dtype == mg.float64 and p.tolist() == [4.0, 9.0]
    assert mg.deg2rad(mg.tensor([180])).item() == pytest.approx(math.pi)
    assert mg.rad2deg(mg.tensor(math.pi, dtype=mg.float64)).item() == pytest.approx(180.0)
    h = mg.heaviside(mg.tensor([-1.0, 0.0, 2.0]), mg.tensor([0.5]))
    assert h.tolist() == [0.0, 0.5, 1.0] and not h.requires_grad
    with pytest.raises(RuntimeError, match="different dtypes"):
        mg.heaviside(mg.tensor([1.0]), mg.tensor([1]))
    with pytest.raises(RuntimeError, match="frac"):
        mg.frac(mg.tensor([1]))


def test_in_place_variants_write_the_result_and_check_dtypes():
    x = mg.tensor([0.5, -0.25], dtype=mg.float64)
    assert x.atan_() is x
    np.testing.assert_allclose(x.numpy(), np.arctan([0.5, -0.25]))
    y = mg.tensor([1.0, 2.0], dtype=mg.float64)
    y.atan2_(mg.tensor([1.0, 0.0], dtype=mg.float64))
    np.testing.assert_allclose(y.numpy(), [math.pi / 4, math.pi / 2])
    z = mg.tensor([0.5], dtype=mg.float64)
    z.erfinv_().erf_()
    np.testing.assert_allclose(z.numpy(), [0.5])
    with pytest.raises(RuntimeError, match="float_power_"):
        mg.tensor([2.0]).float_power_(2)
    with pytest.raises(RuntimeError, match="can't be cast"):
        mg.tensor([1, 2]).sinh_()
    w = mg.tensor([0.5], requires_grad=True)
    v = w * 1.0
    v.logit_()
    v.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [4.0])


def test_binary_ops_name_themselves_on_shapes_that_do_not_broadcast():
    with pytest.raises(RuntimeError, match="atan2.*\\(2,\\) and \\(3,\\)"):
        mg.atan2(mg.ones(2), mg.ones(3))


def test_float32_erf_erfc_and_gelu_are_vectorised_and_accurate_to_float32():
    import math

    rng = np.random.default_rng(3)
    for scale in (1e-6, 0.1, 0.45, 0.55, 1.0, 3.0):
        a = (rng.standard_normal(2000) * scale).astype(np.float32)
        for name, exact in (("erf", math.erf), ("erfc", math.erfc)):
            got = getattr(mg, name)(mg.tensor(a))
            assert got.dtype == mg.float32
            ref = np.array([exact(float(v)) for v in a])
            np.testing.assert_allclose(got.numpy(), ref, rtol=3e-7, atol=1e-30)
    # float64 stays exact (math.erf itself)
    x = np.array([0.1, -0.7, 2.5])
    assert mg.erf(mg.tensor(x)).tolist() == [math.erf(v) for v in x]
    # GELU on float32 runs through the vectorised erf: x·½(1 + erf(x/√2)), as PyTorch computes it
    # (at x = -3 the 1 + erf cancels to 1e-6 relative; PyTorch 2.13 gives the same float32 number)
    xs = (-3.0, -0.3, 0.0, 0.3, 3.0)
    g = mg.nn.functional.gelu(mg.tensor(np.array(xs, dtype=np.float32)))
    exact = [v * 0.5 * math.erfc(-v / math.sqrt(2)) for v in xs]
    np.testing.assert_allclose(g.numpy(), exact, rtol=2e-6)
    assert g.numpy()[0] == np.float32(-0.0040496885776519775)
