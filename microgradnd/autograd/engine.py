"""The backward engine: reverse topological order, gradient accumulation, hooks, buffer release.

``run_backward`` is the whole algorithm:

1. give each output's node its seed gradient and put it in a heap ordered by creation (``seq``);
2. take the newest node from the heap: all its consumers were created after it, so they have run and
   its gradient is complete. Call the op's ``backward`` with it, sum each returned gradient back to
   its input's shape and dtype (``unbroadcast_to``, the one place broadcasting is undone) and send it
   to the node that made that input (adding it to the node's pending gradient, or putting the node in
   the heap); this visits the nodes in reverse topological order without a separate pass over the
   graph, and without recursion (a 100,000-op chain works);
3. add the gradients of leaves into ``.grad`` (or return them, for ``autograd.grad``);
4. release what each node saved for backward unless ``retain_graph``.

Backward runs with grad recording off unless ``create_graph=True``, in which case the gradients are
Tensors with a graph of their own and can be differentiated again.
"""
from __future__ import annotations

import gc as _gc
import sys as _sys
from heapq import heappop, heappush

import numpy as np

from . import grad_mode
from .function import _FP_IGNORE, _RELEASED, _SECOND_BACKWARD, _fp_state, check_versions

_state = grad_mode._state


class _Anomaly:
    __slots__ = ("enabled",)

    def __init__(self):
        self.enabled = False


anomaly_state = _Anomaly()


def unbroadcast_to(grad, shape):
    """Sum ``grad`` (a Tensor) over the axes that broadcasting added or stretched, to get ``shape``."""
    gshape = grad._data.shape
    if gshape == shape:
        return grad
    extra = len(gshape) - len(shape)
    axes = tuple(range(extra)) + tuple(
        i + extra for i, n in enumerate(shape) if n == 1 and gshape[i + extra] != 1
    )
    if axes:
        grad = grad.sum(dim=axes)
    if grad._data.shape != shape:
        grad = grad.reshape(shape)
    return grad


_SMALL = 1024  # gradients with at most this many elements are summed out of place / in one call


def _seq(node):
    return node.seq


Tensor = None  # microgradnd.tensor.Tensor (that module imports this package): bound on first use
bump_version = None


def _bind_tensor():
    """Bind ``Tensor`` and ``bump_version`` once; an import statement in a function runs the import
    machinery (~1 us) at every call, and backward is called once per training step."""
    global Tensor, bump_version
    from ..tensor import Tensor as tensor_class, bump_version as bump

    Tensor, bump_version = tensor_class, bump
    return Tensor


def topological_order(roots):
    """Nodes reachable from ``roots`` (Tensors), each after every node it consumes.

    An op's inputs exist before the op runs, so the nodes it reads were created before it (by
    ``_producer``, also when an input was modified in place later) and creation order (``seq``) is a
    topological order: collect the reachable nodes with an explicit stack (no recursion, so a
    100,000-op chain works) and sort them by it.
    """
    seen = set()
    stack = []
    for r in roots:
        fn = r.grad_fn
        if fn is not None and fn not in seen:
            seen.add(fn)
            stack.append(fn)
    while stack:
        node = stack.pop()
        nseq = node.seq
        for x, need in zip(node.inputs, node.needs_input_grad):
            if need:
                child = _producer(x, nseq)
                if child is not None and child not in seen:
                    seen.add(child)
                    stack.append(child)
    return sorted(seen, key=_seq)


def _producer(x, nseq):
    """The node that made ``x`` as the node created at ``nseq`` saw it (PyTorch's forward-time edge).

    ``x.grad_fn`` (None for a leaf) unless an in-place op (or ``detach_``) changed it after that node
    was recorded: the tensor then lists each earlier ``grad_fn`` with the sequence number at which it
    was replaced. ``run_backward`` inlines the first two tests and calls this for the rest.
    """
    fn = x.grad_fn
    if fn is None:
        if x._rg:
            return None  # a leaf
        # else: detached after the node was recorded (or never made by an op)
    elif fn.seq < nseq:
        return fn  # made before the node, unchanged since
    # else: rebound by an in-place op after the node was recorded (equal: x.add_(x) made the node
    # itself x's grad_fn; a node never consumes its own output)
    for replaced_at, before in getattr(x, "_history", ()):
        if replaced_at > nseq:
            return before
    return fn


_DETACHED_SAVED = (
    "Trying to use a saved tensor that has been detached in-place, i.e. with .detach_(). This is not "
    "supported: an op recorded before the detach_() reads it in backward; use the out-of-place "
    ".detach() instead"
)


def _reads(node, x):
    """Whether ``node``'s backward reads ``x`` (a saved input, or a value in save_for_backward)."""
    versions = node._versions_inputs
    if versions is not None and any(v is not None for a, v in zip(node.inputs, versions) if a is x):
        return True
    saved = node._saved
    return type(saved) is tuple and saved is not _RELEASED and any(s is x for s in saved)


def _check_saved(node):
    """Raise for what ``node``'s backward reads: an input detached in place since forward (checked
    first, as PyTorch does) or a value modified in place (``check_versions``)."""
    for x in node.inputs:
        if (isinstance(x, Tensor) and x.grad_fn is None and not x._rg and _reads(node, x)
                and _producer(x, node.seq) is not None):
            raise RuntimeError(_DETACHED_SAVED)
    check_versions(node)


def _as_tensor_grad(value, like):
    Tensor or _bind_tensor()

    if value is None:
        if like.numel() != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs; this output has shape "
                f"{tuple(like.shape)}: pass gradient= (e.g. y.backward(mg.ones_like(y))) or reduce it "
                f"first (y.sum().backward())"
            )
        return Tensor._make(np.ones(like.shape, dtype=like.dtype), None)
    if not isinstance(value, Tensor):
        value = Tensor._make(np.asarray(value, dtype=like.dtype), None)
    if value.shape != like.shape:
        raise RuntimeError(
            f"backward: gradient has shape {tuple(value.shape)} but the output has shape "
            f"{tuple(like.shape)}; they must match"
        )
    return value


def run_backward(outputs, grad_outputs, retain_graph=None, create_graph=False, inputs=None,
                 allow_unused=False, accumulate=True):
    """Backpropagate from ``outputs``; accumulate into leaves' ``.grad`` or return grads for ``inputs``.

    With ``inputs`` given (``autograd.grad``) returns a list of gradients, one per input, and leaves
    ``.grad`` untouched.
    """
    Tensor or _bind_tensor()

    if retain_graph is None:
        retain_graph = create_graph
    outputs = list(outputs)
    for out in outputs:
        if not out.requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn: nothing in "
                "this output's graph requires grad (create the inputs with requires_grad=True)"
            )
    seeds = [_as_tensor_grad(g, o) for o, g in zip(outputs, grad_outputs)]

    wanted_leaf = None
    wanted_node = None
    captured = None
    if inputs is not None:
        captured = {}
        wanted_leaf = {id(t): t for t in inputs if t.grad_fn is None}
        wanted_node = {id(t.grad_fn): t for t in inputs if t.grad_fn is not None}

    previous = _state.enabled
    _state.enabled = bool(create_graph)
    # The engine's own NumPy calls (gradient sums) warn no more than forwards do: NumPy's
    # floating-point warnings are ignored for the whole pass.
    fp_token = _fp_state.set(_FP_IGNORE)
    # The pass allocates a few objects per node and frees them at once by reference counting; it
    # makes no reference cycles. The cyclic collector would still run every few hundred nodes and
    # walk the whole live graph each time (a third of the pass on a long chain), so it waits until
    # the pass is over.
    gc_was_enabled = _gc.isenabled()
    if gc_was_enabled:
        _gc.disable()
    node_grads = {}  # node -> summed gradient of its output, for the nodes waiting in `ready`
    node = None
    try:
        leaf_grads = {}  # id(leaf) -> [leaf, grad]
        owned = set()  # keys whose summed gradient this pass allocated: safe to add into in place
        # The nodes that received a gradient, newest first (a heap on -seq). A node's consumers were
        # all created after it, so when it is the newest waiting node every consumer on a path from
        # the outputs has run and its gradient is complete: this is a reverse topological order,
        # found while walking (no separate pass over the graph, no sort).
        ready = []

        for out, g in zip(outputs, seeds):
            fn = out.grad_fn
            if fn is None:
                _send_to_leaf(leaf_grads, owned, out, g, create_graph)
            else:
                prev = node_grads.get(fn)
                if prev is None:
                    node_grads[fn] = g
                    heappush(ready, (-fn.seq, fn))
                    fn.output = out  # lets the root's backward read its own value
                else:
                    node_grads[fn] = _sum_grads(prev, g, fn, owned, create_graph)
        anomaly = anomaly_state.enabled
        pop_grad = node_grads.pop
        while ready:
            node = heappop(ready)[1]
            grad = pop_grad(node)
            if node._saved is _RELEASED:
                raise RuntimeError(_SECOND_BACKWARD)
            if node._hooks:
                for hook in list(node._hooks):
                    new = hook(grad)
                    if new is not None:
                        grad = new
            if node._retained is not None:
                _retain(node, grad, create_graph)
            if wanted_node is not None and id(node) in wanted_node:
                captured[id(wanted_node[id(node)])] = grad
            versions = node._versions_inputs
            if versions is not None:
                if len(versions) == 2:  # the common case, without a loop
                    v0, v1 = versions
                    x0, x1 = node.inputs
                    if (v0 is not None and x0._vc[0] != v0) or (v1 is not None and x1._vc[0] != v1):
                        _check_saved(node)  # raises, naming the op and the input
                else:
                    for x, v in zip(node.inputs, versions):
                        if v is not None and x._vc[0] != v:
                            _check_saved(node)
            out_vc = node._output_version
            if out_vc is not None and out_vc[0] != node._output_v:
                check_versions(node)
            fn = node.fn
            try:
                # the op's backward may read its output value (node.output): it is set only while
                # this node's gradient is pending, never kept (it would make a cycle)
                grads = fn.backward(node, grad)
            finally:
                node.output = None
            inputs_ = node.inputs
            if type(grads) is not tuple:
                grads = (grads,)
            if len(grads) != len(inputs_):
                raise RuntimeError(
                    f"function {node.name()} returned an incorrect number of gradients (expected "
                    f"{len(inputs_)}, got {len(grads)})"
                )
            if anomaly:
                _check_anomaly(node, grads)
            nseq = node.seq
            for x, g, need in zip(inputs_, grads, node.needs_input_grad):
                if g is None or not need:
                    continue  # no gradient, or x did not require grad when this node was recorded
                child = x.grad_fn  # the node that made x (at forward time: _producer's fast tests)
                if child is None:
                    if not x._rg:
                        child = _producer(x, nseq)  # detached after this node was recorded
                        if child is not None and _reads(node, x):
                            raise RuntimeError(_DETACHED_SAVED)
                elif child.seq >= nseq:
                    child = _producer(x, nseq)  # rebound by an in-place op after this node
                if not isinstance(g, Tensor):
                    g = Tensor._make(np.asarray(g), None)
                xd = x._data
                gd = g._data
                if gd.shape != xd.shape:
                    try:
                        g = unbroadcast_to(g, xd.shape)
                    except (ValueError, RuntimeError):
                        raise RuntimeError(
                            f"function {node.name()} returned a gradient of shape {tuple(g.shape)} for an "
                            f"input of shape {tuple(x.shape)}"
                        ) from None
                    gd = g._data
                if gd.dtype is not xd.dtype and gd.dtype != xd.dtype:
                    g = g.to(xd.dtype)
                    gd = g._data
                if child is None:
                    entry = leaf_grads.get(id(x))
                    if entry is not None and not create_graph and gd.size <= _SMALL:
                        entry.append(gd)  # _send_to_leaf's common case, inlined
                    else:
                        _send_to_leaf(leaf_grads, owned, x, g, create_graph)
                else:
                    prev = node_grads.get(child)
                    if prev is None:
                        node_grads[child] = g
                        heappush(ready, (-child.seq, child))
                        child.output = x
                    else:
                        node_grads[child] = _sum_grads(prev, g, child, owned, create_graph)
            if not retain_graph and (node._saved is not None or fn.saves_inputs or fn.saves_output):
                node._saved = _RELEASED  # a second backward through this node raises
                extra = node.__dict__
                if extra:
                    _release_extra(node, extra)
        # the walk's last locals would count as holders of the last gradients (see _accumulate)
        grads = g = gd = x = grad = None
    finally:
        _state.enabled = previous
        _fp_state.reset(fp_token)
        if gc_was_enabled:
            _gc.enable()
        # after an error: drop the output references of the node that raised and of those still
        # waiting (a finished node dropped its own); none may outlive the pass (it is a cycle)
        if node is not None:
            node.output = None
        for node in node_grads:
            node.output = None

    for entry in leaf_grads.values():
        if len(entry) > 2:  # gradients that waited (see _send_to_leaf): one sum
            with np.errstate(all="ignore"):  # inf + -inf is NaN, silently, as any op's result here
                entry[1] = entry[1]._make(np.add.reduce(np.stack([entry[1]._data] + entry[2:])), None)
            del entry[2:]

    if inputs is not None:
        for leaf_id, (leaf, g) in leaf_grads.items():
            if leaf_id in wanted_leaf:
                captured[leaf_id] = _run_leaf_hooks(leaf, g)
        result = []
        for t in inputs:
            g = captured.get(id(t))
            if g is None and not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
            result.append(g)
        return result

    if accumulate:
        for leaf, g in leaf_grads.values():
            g = _run_leaf_hooks(leaf, g)
            _accumulate(leaf, g, create_graph)
    return None


def _send_to_leaf(leaf_grads, owned, x, g, create_graph):
    """Add ``g`` to what leaf ``x`` has received in this pass (``leaf_grads[id(x)] = [x, total, ...]``).

    A leaf used many times (a weight in a loop) gets many small gradients: without ``create_graph``
    they wait in the entry's list and ``run_backward`` sums them in one NumPy call after the walk.
    """
    entry = leaf_grads.get(id(x))
    if entry is None:
        leaf_grads[id(x)] = [x, g]
    elif not create_graph and g._data.size <= _SMALL:
        entry.append(g._data)
    else:
        entry[1] = _sum_grads(entry[1], g, id(x), owned, create_graph)


def _retain(node, grad, create_graph):
    """Store ``grad`` as the ``.grad`` of the non-leaf tensor that asked for ``retain_grad()``."""
    Tensor or _bind_tensor()

    t = node._retained()
    if t is None:
        return
    if create_graph:
        t.grad = grad if t.grad is None else t.grad + grad
    else:
        total = grad._data if t.grad is None else t.grad._data + grad._data
        t.grad = Tensor._make(np.array(total, copy=True), None)


def _release_extra(node, extra):
    """Free what forward stored on ``node`` beyond its slots (``extra``, its ``__dict__``: masks,
    custom values), a saved buffer too, when backward released the node (``retain_graph=False``).

    The slots a drawing or a recomputation needs (fn, inputs, kwargs) stay, and so does the
    nn.Module mark that ``draw_graph(collapse_modules=True)`` reads.
    """
    calls = extra.get("module_calls")
    extra.clear()
    if calls is not None:
        node.module_calls = calls


def _sum_grads(total, g, key, owned, create_graph):
    """``total + g`` for two gradients of one tensor (same shape and dtype).

    With ``create_graph`` it is a recorded add (the sum must be differentiable). Otherwise no graph is
    needed: the first sum allocates a new array, which this pass then owns and adds into in place.
    """
    if create_graph:
        return total + g
    # run_backward ignores floating-point warnings for the pass: inf + -inf is NaN silently
    if key in owned:
        td = total._data
        if td.size > _SMALL:
            np.add(td, g._data, out=td, casting="unsafe")
        else:  # NumPy's in-place add costs more than a new array when the arrays are tiny
            total._data = td + g._data
        return total
    owned.add(key)
    return total._make(np.asarray(total._data + g._data), None)


def _run_leaf_hooks(leaf, g):
    hooks = leaf._hooks
    if hooks:
        for hook in list(hooks):
            new = hook(g)
            if new is not None:
                g = new
    return g


# References to a gradient that only this pass holds, counted inside _accumulate (sys.getrefcount's
# own argument included): the array is held by its Tensor, the local and the argument; the Tensor by
# the pass's leaf table, the caller's loop variable, the parameter and the argument.
_ARRAY_REFS = 3
_TENSOR_REFS = 4
# the test needs CPython's reference counts; elsewhere the first gradient is always copied
_getrefcount = _sys.getrefcount if _sys.implementation.name == "cpython" else None


def _accumulate(leaf, g, create_graph):
    Tensor or _bind_tensor()

    if leaf.grad is None:
        if create_graph:
            leaf.grad = g
        else:
            d = g._data
            if (_getrefcount is not None and d.base is None and d.flags.writeable
                    and _getrefcount(d) <= _ARRAY_REFS
                    and _getrefcount(g) <= _TENSOR_REFS):
                # nothing but this pass can see the array (no other tensor, view, caller or hook holds
                # it): it becomes .grad as it is. PyTorch's AccumulateGrad steals a gradient by the
                # same reference-count test.
                leaf.grad = Tensor._make(d, None)
            else:
                # a copy: the array is shared with another leaf, the caller's gradient or a view
                leaf.grad = Tensor._make(np.array(d, copy=True), None)
    elif create_graph or leaf.grad.requires_grad:
        leaf.grad = leaf.grad + g
    else:
        token = _fp_state.set(_FP_IGNORE)
        try:
            np.add(leaf.grad._data, g._data, out=leaf.grad._data, casting="unsafe")
        finally:
            _fp_state.reset(token)
        bump_version(leaf.grad)


def _check_anomaly(node, grads):
    Tensor or _bind_tensor()

    for i, g in enumerate(grads):
        if isinstance(g, Tensor) and g.dtype.kind == "f" and not np.all(np.isfinite(g._data)):
            kind = "nan" if np.isnan(g._data).any() else "inf"
            raise RuntimeError(
                f"Function '{node.name()}' returned {kind} values in its {i}th output "
                f"(detect_anomaly: the backward of op '{node.fn.__name__}' produced non-finite gradients)"
            )
