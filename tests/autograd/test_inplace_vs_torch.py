"""Random programs of ops, in-place changes (also through views, and of tensors that have views) and
``detach_()`` on intermediate tensors, run in microgradnd and in PyTorch 2.13: both raise (an in-place
change of a value a backward reads) or both give the same gradients. This checks that each node sends
its gradient to the producer its input had when the node was recorded (``autograd.engine._producer``),
which inputs each op's backward reads, and that a change through a view reaches its base and a
change of a base reaches its views (``Tensor._rebind``)."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import microgradnd as mg

torch = pytest.importorskip("torch")

# (kind, i, j, constant): kind picks the step, i and j pick tensors (mod the number alive)
_STEP = st.tuples(st.sampled_from(["mul", "add", "tanh", "exp", "mul_", "add_", "mul_const_", "detach_",
                                   "slice_mul_", "slice", "relu_", "view_mul_", "view_relu_", "t_add_",
                                   "keep_view", "keep_row", "row_zero_", "fill_"]),
                  st.integers(0, 7), st.integers(0, 7), st.sampled_from([0.5, 2.0, -1.5]))


def _steps(fw, program, alive):
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
        elif kind == "relu_":
            a.relu_()
        elif kind == "view_mul_":  # through a reshaped view
            a.view(-1).mul_(c)
        elif kind == "view_relu_" and a.numel() == 6:
            a.view(3, 2).relu_()
        elif kind == "t_add_":  # through a transposed view, by another view
            a.t().add_(b.t())
        elif kind == "keep_view" and a.numel() == 6:  # a view of a view that stays alive
            alive.append(a.view(3, 2).view(2, 3))
        elif kind == "keep_row":
            alive.append(a[0:1])
        elif kind == "row_zero_":
            a[0].zero_()
        elif kind == "fill_":
            a.fill_(c)


def _run(fw, program, x0, w0):
    x = fw.tensor(x0, requires_grad=True)
    w = fw.tensor(w0, requires_grad=True)
    alive = [x * 1.0, w * 1.0]  # intermediates (never leaves: in-place on a leaf that requires grad raises)
    try:
        _steps(fw, program, alive)
    except RuntimeError as e:  # e.g. an in-place op whose operand partly overlaps its target
        return "raised in the program: " + str(e)[:40]
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
    kinds = {step[0] for step in program}
    # A view kept alive across detach_() of its base: PyTorch re-derives the view's graph from the
    # detached base at the view's next use (no gradient flows through it any more, yet it still
    # says requires_grad=True); here the view keeps the graph it had. Programs do not combine the two
    assume(not ("detach_" in kinds and kinds & {"keep_view", "keep_row"}))
    x0 = np.array([[0.3, -0.7, 1.1], [-0.2, 0.5, 0.8]])
    w0 = np.array([[0.9, 0.2, -0.4], [0.6, -1.3, 0.1]])
    ours, theirs = _run(mg, program, x0, w0), _run(torch, program, x0, w0)
    if isinstance(theirs, str) or isinstance(ours, str):
        assert ours == theirs, program
        return
    for a, b in zip(ours, theirs):
        assert (a is None) == (b is None), program
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=str(program))
