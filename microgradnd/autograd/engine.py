"""The backward engine: reverse topological order, gradient accumulation, hooks, buffer release.

``run_backward`` is the whole algorithm:

1. walk the graph from the outputs with an explicit stack (no recursion, so a 100,000-op chain works)
   and record a post-order, i.e. every node after all the nodes it consumes;
2. visit the nodes in reverse post-order (each node after all of its consumers), call the op's
   ``backward`` with the summed upstream gradient, and sum each returned gradient back to its input's
   shape and dtype (``unbroadcast_to``, the one place broadcasting is undone);
3. add the gradients of leaves into ``.grad`` (or return them, for ``autograd.grad``);
4. release what each node saved for backward unless ``retain_graph``.

Backward runs with grad recording off unless ``create_graph=True``, in which case the gradients are
Tensors with a graph of their own and can be differentiated again.
"""
from __future__ import annotations

import numpy as np

from . import grad_mode
from .function import _FP_IGNORE, _SECOND_BACKWARD, Node, _fp_state, check_versions

_state = grad_mode._state


class _Anomaly:
    __slots__ = ("enabled",)

    def __init__(self):
        self.enabled = False


anomaly_state = _Anomaly()


def unbroadcast_to(grad, shape):
    """Sum ``grad`` (a Tensor) over the axes that broadcasting added or stretched, to get ``shape``."""
    gshape = grad.shape
    if gshape == shape:
        return grad
    extra = len(gshape) - len(shape)
    axes = tuple(range(extra)) + tuple(
        i + extra for i, n in enumerate(shape) if n == 1 and gshape[i + extra] != 1
    )
    if axes:
        grad = grad.sum(dim=axes)
    if grad.shape != shape:
        grad = grad.reshape(shape)
    return grad


def _children(node):
    """The nodes (forward-time edges) or, for a node made without them, the input Tensors."""
    edges = node.edges
    return iter(edges) if edges is not None else iter(node.inputs)


def topological_order(roots):
    """Nodes reachable from ``roots`` (Tensors), each after every node it consumes (iterative DFS)."""
    from ..tensor import Tensor

    order = []
    visited = set()  # nodes hash by identity
    stack = []
    for r in roots:
        if r.grad_fn is not None and r.grad_fn not in visited:
            visited.add(r.grad_fn)
            stack.append((r.grad_fn, _children(r.grad_fn)))
        while stack:
            node, children = stack[-1]
            for x in children:
                if isinstance(x, Node):  # a forward-time edge
                    child = x
                    if child not in visited:
                        visited.add(child)
                        stack.append((child, _children(child)))
                        break
                elif isinstance(x, Tensor):
                    child = x.grad_fn
                    if child is not None and child not in visited:
                        visited.add(child)
                        stack.append((child, _children(child)))
                        break
            else:
                stack.pop()
                order.append(node)
    return order


def _as_tensor_grad(value, like):
    from ..tensor import Tensor

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
    from ..tensor import Tensor

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
    order = []
    try:
        node_grads = {}  # node -> summed gradient of its output
        leaf_grads = {}  # id(leaf) -> [leaf, grad]
        owned = set()  # keys whose summed gradient this pass allocated: safe to add into in place

        def send(x, g):
            fn = x.grad_fn
            if fn is None:
                entry = leaf_grads.get(id(x))
                if entry is None:
                    leaf_grads[id(x)] = [x, g]
                else:
                    entry[1] = _sum_grads(entry[1], g, id(x), owned, create_graph)
            else:
                prev = node_grads.get(fn)
                node_grads[fn] = g if prev is None else _sum_grads(prev, g, fn, owned, create_graph)

        for out, g in zip(outputs, seeds):
            send(out, g)
        for out in outputs:
            if out.grad_fn is not None:
                out.grad_fn.output = out  # lets the root's backward read its own value
        order = topological_order(outputs)
        anomaly = anomaly_state.enabled
        for node in reversed(order):
            grad = node_grads.pop(node, None)
            output = node.output
            node.output = None
            if grad is None:  # not on a path from the outputs' gradients (cannot happen for roots)
                continue
            if node._released:
                raise RuntimeError(_SECOND_BACKWARD)
            if node._hooks:
                for hook in list(node._hooks):
                    new = hook(grad)
                    if new is not None:
                        grad = new
            if node._retained is not None:
                t = node._retained()
                if t is not None:
                    if create_graph:
                        t.grad = grad if t.grad is None else t.grad + grad
                    else:
                        total = grad._data if t.grad is None else t.grad._data + grad._data
                        t.grad = Tensor._make(np.array(total, copy=True), None)
            if wanted_node is not None and id(node) in wanted_node:
                captured[id(wanted_node[id(node)])] = grad
            check_versions(node)
            # the op's backward may want its output value: hand it over for the call only
            node.output = output
            fp_token = _fp_state.set(_FP_IGNORE)  # backwards on raw arrays warn no more than forwards
            try:
                grads = node.fn.backward(node, grad)
            finally:
                node.output = None
                _fp_state.reset(fp_token)
            if not isinstance(grads, tuple):
                grads = (grads,)
            inputs_ = node.inputs
            if len(grads) != len(inputs_):
                raise RuntimeError(
                    f"function {node.name()} returned an incorrect number of gradients (expected "
                    f"{len(inputs_)}, got {len(grads)})"
                )
            if anomaly:
                _check_anomaly(node, grads)
            edges = node.edges
            for i, (x, g) in enumerate(zip(inputs_, grads)):
                if g is None or not isinstance(x, Tensor) or not x._rg:
                    continue
                if edges is not None and not node.needs_input_grad[i]:
                    continue  # x did not require grad when this node was recorded
                if not isinstance(g, Tensor):
                    g = Tensor._make(np.asarray(g), None)
                if g._data.shape != x._data.shape:
                    try:
                        g = unbroadcast_to(g, x.shape)
                    except (ValueError, RuntimeError):
                        raise RuntimeError(
                            f"function {node.name()} returned a gradient of shape {tuple(g.shape)} for an "
                            f"input of shape {tuple(x.shape)}"
                        ) from None
                if g._data.dtype != x._data.dtype:
                    g = g.to(x._data.dtype)
                fn = x.grad_fn if edges is None else edges[i]  # the node that made x, at forward time
                if fn is None:
                    send(x, g)
                else:  # send(x, g) inlined for the common case: an op's output
                    if fn.output is None:
                        fn.output = x
                    prev = node_grads.get(fn)
                    node_grads[fn] = g if prev is None else _sum_grads(prev, g, fn, owned, create_graph)
            if not retain_graph:
                if node._saved is not None or node.fn.saves_inputs or node.fn.saves_output:
                    node._released = True
                    if node.__dict__:
                        # what forward stored on ctx (masks, custom values) is a saved buffer too;
                        # the slots a drawing or a recomputation needs (fn, inputs, kwargs) stay,
                        # and so does the nn.Module mark that draw_graph(collapse_modules=True) reads
                        calls = node.__dict__.get("module_calls")
                        node.__dict__.clear()
                        if calls is not None:
                            node.module_calls = calls
                node._saved = None
    finally:
        _state.enabled = previous
        for node in order:  # drop every output reference: none may outlive the pass (it is a cycle)
            node.output = None
        for out in outputs:
            if out.grad_fn is not None:
                out.grad_fn.output = None

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


def _sum_grads(total, g, key, owned, create_graph):
    """``total + g`` for two gradients of one tensor (same shape and dtype).

    With ``create_graph`` it is a recorded add (the sum must be differentiable). Otherwise no graph is
    needed: the first sum allocates a new array, which this pass then owns and adds into in place.
    """
    if create_graph:
        return total + g
    token = _fp_state.set(_FP_IGNORE)  # inf + -inf is NaN without a warning, as in every op
    try:
        if key in owned:
            np.add(total._data, g._data, out=total._data, casting="unsafe")
            return total
        owned.add(key)
        return total._make(np.asarray(total._data + g._data), None)
    finally:
        _fp_state.reset(token)


def _run_leaf_hooks(leaf, g):
    hooks = leaf._hooks
    if hooks:
        for hook in list(hooks):
            new = hook(g)
            if new is not None:
                g = new
    return g


def _accumulate(leaf, g, create_graph):
    from ..tensor import Tensor

    if leaf.grad is None:
        if create_graph:
            leaf.grad = g
        else:
            # a copy: the incoming array may be shared with other leaves or with the caller's gradient
            leaf.grad = Tensor._make(np.array(g._data, copy=True), None)
    elif create_graph or leaf.grad.requires_grad:
        leaf.grad = leaf.grad + g
    else:
        token = _fp_state.set(_FP_IGNORE)
        try:
            np.add(leaf.grad._data, g._data, out=leaf.grad._data, casting="unsafe")
        finally:
            _fp_state.reset(token)
        leaf.grad._vc[0] += 1


def _check_anomaly(node, grads):
    from ..tensor import Tensor

    for i, g in enumerate(grads):
        if isinstance(g, Tensor) and g.dtype.kind == "f" and not np.all(np.isfinite(g._data)):
            kind = "nan" if np.isnan(g._data).any() else "inf"
            raise RuntimeError(
                f"Function '{node.name()}' returned {kind} values in its {i}th output "
                f"(detect_anomaly: the backward of op '{node.fn.__name__}' produced non-finite gradients)"
            )
