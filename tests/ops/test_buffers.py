"""microgradnd.ops.buffers: large arrays are reused only when nothing references them any more."""
import numpy as np
import pytest

import microgradnd as mg
from microgradnd.ops import buffers

BIG = (256, 512)  # 512 KB of float32: above buffers.MIN_BYTES


@pytest.fixture(autouse=True)
def empty_pool(monkeypatch):
    """Each test starts from an empty module (other tests may have filled it)."""
    monkeypatch.setattr(buffers, "_held", {})
    monkeypatch.setattr(buffers, "_held_bytes", 0)


def test_a_free_array_is_reused_and_a_held_one_never():
    a = buffers.empty(BIG, np.float32)
    first = id(a)
    b = buffers.empty(BIG, np.float32)
    assert b is not a  # `a` is still held here
    del a
    c = buffers.empty(BIG, np.float32)
    assert id(c) == first  # free again: handed out again
    view = c[::2]
    del c
    d = buffers.empty(BIG, np.float32)
    assert id(d) != first  # a view still holds it through its base
    assert not np.shares_memory(d, view)
    del b, d, view


def test_small_arrays_and_other_shapes_or_dtypes_are_separate():
    small = buffers.empty((4, 4), np.float32)
    assert small.shape == (4, 4) and small.dtype == np.float32
    a = buffers.empty(BIG, np.float32)
    b = buffers.empty(BIG, np.float64)
    c = buffers.empty((512, 256), np.float32)
    assert b.dtype == np.float64 and c.shape == (512, 256)
    assert not np.shares_memory(a, b) and not np.shares_memory(a, c)
    z = buffers.zeros(BIG, np.float32)
    np.testing.assert_array_equal(z, np.zeros(BIG, np.float32))


def test_outputs_kept_by_tensors_are_never_overwritten():
    rng = np.random.default_rng(0)
    xs = [mg.tensor(rng.standard_normal(BIG).astype(np.float32)) for _ in range(3)]
    ys = [mg.relu(x) for x in xs]  # each output is a pooled array while its tensor lives
    for x, y in zip(xs, ys):
        np.testing.assert_array_equal(y.numpy(), np.maximum(x.numpy(), 0))
    assert len({id(y.numpy()) for y in ys}) == 3
    kept = ys[0].numpy()  # a NumPy reference of the caller's keeps the array out of reuse too
    del ys
    again = mg.relu(xs[1])
    assert not np.shares_memory(again.numpy(), kept)
    np.testing.assert_array_equal(kept, np.maximum(xs[0].numpy(), 0))


def test_training_steps_with_reused_buffers_match_fresh_computation():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((16, 1, 28, 28)).astype(np.float32)
    conv = mg.nn.Conv2d(1, 8, 3, padding=1)
    model = mg.nn.Sequential(conv, mg.nn.ReLU(), mg.nn.MaxPool2d(2))
    grads = []
    for _ in range(3):  # the second and third step run on reused arrays
        conv.zero_grad()
        out = model(mg.tensor(x))
        (out * out).sum().backward()
        grads.append(conv.weight.grad.numpy().copy())
    np.testing.assert_array_equal(grads[0], grads[1])
    np.testing.assert_array_equal(grads[0], grads[2])


def test_the_module_holds_at_most_max_bytes_and_makes_room_from_free_arrays(monkeypatch):
    size = 256 * 512 * 4
    monkeypatch.setattr(buffers, "MAX_BYTES", 3 * size)
    arrays = [buffers.empty(BIG, np.float32) for _ in range(5)]
    assert buffers._held_bytes == 3 * size
    assert sum(len(v) for v in buffers._held.values()) == 3
    assert len({id(a) for a in arrays}) == 5
    del arrays  # all free now: a new shape takes the room of free ones
    other = [buffers.empty((512, 256), np.float32) for _ in range(2)]
    assert buffers._held_bytes == 3 * size
    assert len(buffers._held[((512, 256), np.dtype(np.float32))]) == 2
    del other
