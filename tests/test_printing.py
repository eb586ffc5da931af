"""How tensors print (``microgradnd/printing.py``): PyTorch's layout, formats and options.
The expected strings are what PyTorch 2.13 prints for the same tensors."""
import numpy as np
import pytest

import microgradnd as mg


@pytest.fixture(autouse=True)
def _default_options():
    mg.set_printoptions(profile="default")
    yield
    mg.set_printoptions(profile="default")


def test_a_long_vector_is_summarised_and_formatted_from_what_is_shown():
    x = mg.arange(2000)
    assert repr(x) == "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"
    # the hidden middle would call for scientific notation; the shown ends do not
    v = mg.tensor(np.r_[[-2.325, -0.2188, -1.2459], np.full(1500, 1e-7), [0.5236, -0.387, -0.0997]], dtype=mg.float32)
    assert repr(v) == "tensor([-2.3250, -0.2188, -1.2459,  ...,  0.5236, -0.3870, -0.0997])"


def test_a_summarised_matrix_wraps_and_elides_rows():
    x = mg.arange(40 * 30, dtype=mg.float32).reshape(40, 30) * 10.5
    expected = (
        "tensor([[0.0000e+00, 1.0500e+01, 2.1000e+01,  ..., 2.8350e+02, 2.9400e+02,\n"
        "         3.0450e+02],\n"
        "        [3.1500e+02, 3.2550e+02, 3.3600e+02,  ..., 5.9850e+02, 6.0900e+02,\n"
        "         6.1950e+02],\n"
        "        [6.3000e+02, 6.4050e+02, 6.5100e+02,  ..., 9.1350e+02, 9.2400e+02,\n"
        "         9.3450e+02],\n"
        "        ...,\n"
        "        [1.1655e+04, 1.1666e+04, 1.1676e+04,  ..., 1.1938e+04, 1.1949e+04,\n"
        "         1.1960e+04],\n"
        "        [1.1970e+04, 1.1980e+04, 1.1991e+04,  ..., 1.2254e+04, 1.2264e+04,\n"
        "         1.2274e+04],\n"
        "        [1.2285e+04, 1.2296e+04, 1.2306e+04,  ..., 1.2568e+04, 1.2579e+04,\n"
        "         1.2590e+04]])"
    )
    assert repr(x) == expected


def test_number_formats():
    assert repr(mg.tensor([1.0, 2.0, 3.0])) == "tensor([1., 2., 3.])"
    assert repr(mg.tensor([0.1, 0.25, 3.0])) == "tensor([0.1000, 0.2500, 3.0000])"
    assert repr(mg.tensor([1e-8, 1.0, 1e8])) == "tensor([1.0000e-08, 1.0000e+00, 1.0000e+08])"
    assert repr(mg.tensor([float("nan"), float("inf"), -float("inf"), 1.5])) == "tensor([   nan,    inf,   -inf, 1.5000])"
    assert repr(mg.tensor(3.14159)) == "tensor(3.1416)"
    assert repr(mg.tensor([True, False])) == "tensor([ True, False])"
    assert repr(mg.tensor([[1, 2], [3, 40]])) == "tensor([[ 1,  2],\n        [ 3, 40]])"


def test_empty_tensors_show_their_size_and_any_dtype_but_the_default_float():
    assert repr(mg.zeros(0)) == "tensor([])"
    assert repr(mg.zeros(0, 3)) == "tensor([], size=(0, 3))"
    assert repr(mg.zeros(2, 0, dtype=mg.int64)) == "tensor([], size=(2, 0), dtype=mg.int64)"


def test_a_suffix_that_passes_the_line_width_goes_on_its_own_line():
    x = mg.tensor([1.5] * 10, dtype=mg.float64, requires_grad=True) * 1
    assert repr(x) == ("tensor([1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000, 1.5000,\n"
                       "        1.5000], dtype=mg.float64, grad_fn=<MulBackward0>)")
    y = mg.arange(20, dtype=mg.float32) * 1e-6
    assert repr(y).endswith("1.8000e-05, 1.9000e-05])")


def test_print_options():
    mg.set_printoptions(precision=2)
    assert repr(mg.tensor([1.23456, 2.5])) == "tensor([1.23, 2.50])"
    mg.set_printoptions(sci_mode=True)
    assert repr(mg.tensor([1.5, 2.0])) == "tensor([1.50e+00, 2.00e+00])"
    mg.set_printoptions(profile="default", threshold=5, edgeitems=1)
    assert repr(mg.arange(10)) == "tensor([0,  ..., 9])"
    mg.set_printoptions(profile="default", linewidth=20)
    assert repr(mg.arange(8)) == "tensor([0, 1, 2, 3,\n        4, 5, 6, 7])"
    mg.set_printoptions(profile="full")
    assert "..." not in repr(mg.arange(2000))
    assert mg.get_printoptions()["threshold"] == float("inf")
    with pytest.raises(ValueError, match="unknown profile"):
        mg.set_printoptions(profile="tiny")


def test_print_options_leave_numpy_alone():
    before = np.get_printoptions()
    mg.set_printoptions(precision=1, threshold=3, linewidth=30, sci_mode=False)
    assert np.get_printoptions() == before


def test_random_tensors_print_as_in_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    for _ in range(400):
        shape = tuple(int(s) for s in rng.integers(1, 9, size=rng.integers(0, 4)))
        if rng.random() < 0.2:
            shape = (int(rng.integers(900, 1300)),)
        size = int(np.prod(shape))
        kind = rng.integers(0, 5)
        if kind == 0:
            a = (rng.standard_normal(size) * 10.0 ** rng.integers(-2, 4)).astype(np.float32)
        elif kind == 1:
            a = (rng.standard_normal(size) * 10.0 ** rng.integers(-8, 9, size=size)).astype(np.float32)
        elif kind == 2:
            a = rng.integers(-100, 100, size=size).astype(np.float32)
        elif kind == 3:
            a = rng.integers(-10 ** 6, 10 ** 6, size=size)
        else:
            a = rng.standard_normal(size).astype(np.float32)
            a[rng.random(size) < 0.2] = np.nan
            a[rng.random(size) < 0.1] = -np.inf
            a[rng.random(size) < 0.2] = 0.0
        a = a.reshape(shape)
        assert repr(mg.tensor(a)) == repr(torch.tensor(a)), a
