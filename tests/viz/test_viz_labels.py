"""Numbers on the drawings: shortest faithful form at single precision, arrays, summaries."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgradnd.viz.labels import axes_text, format_array, format_fixed, format_number, shape_text, summary


@pytest.mark.parametrize("value, text", [
    (np.float32(2.2), "2.2"), (2.2000000000000002, "2.2"), (220.00000000000003, "220"),
    (np.float32(220.0), "220"), (220.0, "220"), (np.float32(3) * np.float32(1.1), "3.3"),
    (0.1 + 0.2, "0.3"), (100, "100"), (np.int64(-7), "-7"), (True, "True"), (-0.0, "0"), (0.0, "0"),
    (1e-7, "1e-07"), (1.5e10, "1.5e+10"), (-2.5, "-2.5"), (np.float64(1e300), "1e+300"),
    (float("nan"), "nan"), (float("inf"), "inf"), (-np.inf, "-inf"), (np.float16(0.1), "0.1"),
    (0.20944600, "0.209446"), (1234567.0, "1234567"),
])
def test_format_number(value, text):
    assert format_number(value) == text


@settings(max_examples=200, deadline=None)
@given(st.floats(width=32, allow_nan=False, allow_infinity=False))
def test_format_number_reads_back_within_float32_display_precision(v):
    v = np.float32(v)
    text = format_number(v)
    back = float(text)
    assert abs(back - float(v)) <= 5e-7 * abs(float(v)) + 1e-45
    # and it is short: at most 7 significant digits
    digits = text.lstrip("-").split("e")[0].replace(".", "").strip("0")
    assert len(digits) <= 7


def test_arrays_and_summaries():
    assert format_array(np.array([1.0, 2.5, 3.0])) == "[1, 2.5, 3]"
    assert format_array(np.array([[1, 2], [3, 4]])) == "[[1, 2], [3, 4]]"
    assert format_array(np.float32(2.2)) == "2.2"
    assert format_array(np.array([0.123456789, 1.0])) == "[0.12346, 1]"
    big = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert format_array(big) == "(3, 4) float32 · min 0 · mean 5.5 · max 11"
    assert format_array(big, max_values=12) == "[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]"
    assert summary(np.zeros((0, 2))) == "(0, 2) float64"
    assert shape_text((3,)) == "(3,)" and shape_text(()) == "()"
    assert axes_text((0,)) == "sum over dim 0" and axes_text((0, 2)) == "sum over dims 0, 2"
    assert format_fixed(0.2094460012) == "0.20944600"
