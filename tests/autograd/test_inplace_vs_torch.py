"""Random programs of ops, in-place changes and ``detach_()`` on intermediate tensors, run in
microgradnd and in PyTorch 2.13: both raise (an in-place change of a value a backward reads) or both
give the same gradients. This checks that each node sends its gradient to the producer its input had
when the node was recorded (``autograd.engine._producer``) and which inputs each op's backward reads."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microgradnd as mg

torch = pytest.importorskip("torch")

# (kind, i, j, constant): kind picks the step, i and j pick tensors (mod the number alive)
_STEP = st.tuples(st.sampled_from(["mul", "add", "tanh", "exp", "mul_", "add_", "mul_const_", "detach_",
                                   "slice_mul_", "slice"]),
                  st.integers(0, 7), st.integers(0, 7), st.sampled_from([0.5, 2.0, -1.5]))


def _run(fw, program, x0, w0):
    x = fw.tensor(x0, requires_grad=True)
    w = fw.tensor(w0, requires_grad=True)
    alive = [x * 1.0, w * 1.0]  # intermediates (never leaves: in-place on a leaf that requires grad raises)
    for kind, i, j, c in program:
        a, b = alive[i % len(alive)], alive[j % len(alive)]
        if kind == "mul":
            alive.append(a * b)
        elif kind == "add":
            alive.append(a + b)
        elif kind == "tanh":
            alive.append(fw.tanh(a))
        elif kind == "exp":
            alive.append(fw.exp(a * 0.1))
        elif kind == "mul_":
            a.mul_(b)
        elif kind == "add_":
            a.add_(b)
        elif kind == "mul_const_":
            a.mul_(c)
        elif kind == "detach_":
            a.detach_()
        elif kind == "slice_mul_":  # through a basic-indexing view: the base changes too
            a[1:].mul_(c)
        elif kind == "slice":  # a consumer of a view of a
            alive.append(b * a[0])
    outputs = [t for t in alive if t.requires_grad]
    if not outputs:
        return "nothing requires grad"
    loss = outputs[0].sum()
    for t in outputs[1:]:
        loss = loss + t.sum()
    try:
        loss.backward()
    except RuntimeError as e:
        message = str(e)
        # a value backward reads was modified or detached in place (when both happened, which of the
        # two errors comes first depends on the order PyTorch unpacks an op's saved values)
        if "inplace operation" in message or "detached in-place" in message:
            return "raised: a saved value was changed in place"
        return "raised: " + message
    return [None if t.grad is None else np.asarray(t.grad.detach().numpy(), dtype=np.float64) for t in (x, w)]


@settings(max_examples=300, deadline=None)
@given(st.lists(_STEP, min_size=1, max_size=8))
def test_in_place_programs_give_pytorchs_gradients_or_its_error(program):
    x0 = np.array([0.3, -0.7, 1.1])
    w0 = np.array([0.9, 0.2, -0.4])
    ours, theirs = _run(mg, program, x0, w0), _run(torch, program, x0, w0)
    if isinstance(theirs, str) or isinstance(ours, str):
        assert ours == theirs, program
        return
    for a, b in zip(ours, theirs):
        assert (a is None) == (b is None), program
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=str(program))
