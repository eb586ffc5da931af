"""The one walker behind ``draw_graph``, ``explain`` and the backward stepper.

A graph keeps its structure after ``backward()`` (``node.fn``, ``node.inputs``, ``node.kwargs``) and
every tensor keeps its value, but the engine frees saved buffers and does not keep the gradients of
intermediate results. So the walker *recomputes* the backward pass, without touching the engine:

1. visit the nodes in the engine's order (``reversed(topological_order([root]))``);
2. for each node, re-run its op's forward on its inputs with a fresh ``ctx`` (so whatever forward
   stores on ctx is there again), set ``ctx.output`` and ``ctx.needs_input_grad`` as the engine does,
   and call the op's ``backward`` with the summed upstream gradient, under ``no_grad``;
3. what ``backward`` returns is exactly what flowed along each edge (in the broadcast shape); the
   walker then sums it back to the input's shape with the engine's own ``unbroadcast_to`` and records
   which axes that summed away;
4. for elementwise ops (and any op on one-element tensors) it also calls ``backward`` with an upstream
   of ones: the local derivative d(out)/d(in) on each edge (for ``mul``, d(out)/d(a) = b).

Nothing here changes a tensor, a node or the random-number stream.
"""
from __future__ import annotations

import numpy as np

from ..autograd.engine import topological_order, unbroadcast_to
from ..autograd.function import Node
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor

# Ops whose Jacobian is diagonal (after broadcasting): backward(ones) is the local derivative.
ELEMENTWISE_OPS = frozenset({
    "Add", "Sub", "Mul", "Div", "Neg", "Pow", "Exp", "Log", "Sqrt", "Abs", "Sin", "Cos", "Maximum",
    "Minimum", "Clamp", "Where", "Cast", "Clone", "Sigmoid", "Tanh", "Relu", "LeakyRelu", "Elu",
    "Softplus", "Gelu", "NormalCdf",
})


def is_elementwise(node) -> bool:
    """True when each output element depends on the matching (broadcast) element of each input."""
    return node.fn.__name__ in ELEMENTWISE_OPS


def summed_axes(grad_shape, shape):
    """Axes of a gradient of ``grad_shape`` that ``unbroadcast_to`` sums away to reach ``shape``."""
    grad_shape, shape = tuple(grad_shape), tuple(shape)
    if grad_shape == shape:
        return ()
    extra = len(grad_shape) - len(shape)
    if extra < 0:
        return ()
    return tuple(range(extra)) + tuple(
        i + extra for i, n in enumerate(shape) if n == 1 and grad_shape[i + extra] != 1
    )


class EdgeFlow:
    """What moved along one input edge of a node during the (recomputed) backward pass.

    ``position``: operand index; ``source``: the input (Tensor or constant); ``flowing``: the gradient
    that flowed along the edge, in the broadcast shape (what the op's backward returned, None when
    none was needed); ``grad``: the same summed back to the input's shape (what the input receives);
    ``summed``: the axes summed away by broadcasting; ``local``: d(out)/d(in), elementwise ops only.
    """

    __slots__ = ("position", "source", "flowing", "grad", "summed", "local")

    def __init__(self, position, source):
        self.position = position
        self.source = source
        self.flowing = None
        self.grad = None
        self.summed = ()
        self.local = None


class NodeFlow:
    """One step of the backward pass: ``node``, its ``output`` tensor, the summed ``upstream``
    gradient (an array of the output's shape) and one ``EdgeFlow`` per input, in operand order."""

    __slots__ = ("node", "output", "upstream", "edges")

    def __init__(self, node, output, upstream, edges):
        self.node, self.output, self.upstream, self.edges = node, output, upstream, edges


class Graph:
    """The structure of the graph that produced ``root``: nodes in forward order and their outputs."""

    def __init__(self, root):
        if not isinstance(root, Tensor):
            raise TypeError(f"expected a microgradnd Tensor, got {type(root).__name__}")
        self.root = root
        self.order = topological_order([root]) if root.grad_fn is not None else []
        self.position = {id(node): i for i, node in enumerate(self.order)}
        # every node's output tensor: the root, or an input of one of its consumers
        outputs = {}
        if root.grad_fn is not None:
            outputs[id(root.grad_fn)] = root
        for node in self.order:
            for x in node.inputs:
                if isinstance(x, Tensor) and x.grad_fn is not None:
                    outputs.setdefault(id(x.grad_fn), x)
        self.outputs = outputs
        # leaves (tensors without grad_fn) in the order they are first met
        leaves, seen = [], set()
        for node in self.order:
            for x in node.inputs:
                if isinstance(x, Tensor) and x.grad_fn is None and id(x) not in seen:
                    seen.add(id(x))
                    leaves.append(x)
        if root.grad_fn is None:
            leaves.append(root)
        self.leaves = leaves

    def output_of(self, node):
        return self.outputs[id(node)]

    def backward_ran(self) -> bool:
        """Whether ``backward()`` has left gradients on this graph's leaves (or the retained root)."""
        if any(leaf.grad is not None for leaf in self.leaves if leaf._rg):
            return True
        return self.root.grad is not None


def tensor_key(t):
    """Where a gradient of ``t`` is kept: its node for results (as the engine does), itself for leaves."""
    return ("n", id(t.grad_fn)) if t.grad_fn is not None else ("t", id(t))


def _recompute(node, output, upstream, local):
    """Re-run ``node``'s op forward on a fresh ctx, then backward with ``upstream`` (and with ones)."""
    from .. import random as _random

    fn = node.fn
    inputs = node.inputs
    ctx = Node(fn, inputs, node.kwargs)
    ctx.needs_input_grad = tuple(isinstance(x, Tensor) and x._rg for x in inputs)
    state = _random.get_rng_state()  # a random op (dropout) must not advance the user's stream
    try:
        with no_grad(), np.errstate(all="ignore"):
            if fn.array_level:
                arrays = [x._data if isinstance(x, Tensor) else x for x in inputs]
                fn.forward(ctx, *arrays, **node.kwargs)
            else:
                fn.forward(ctx, *inputs, **node.kwargs)
            ctx.output = output
            grads = _as_tuple(fn.backward(ctx, Tensor._make(upstream, None)))
            locals_ = None
            if local:
                ones = np.ones(output.shape, dtype=output.dtype)
                locals_ = _as_tuple(fn.backward(ctx, Tensor._make(ones, None)))
    finally:
        _random.set_rng_state(state)
        ctx.output = None
    if len(grads) != len(inputs):
        raise RuntimeError(
            f"function {node.name()} returned an incorrect number of gradients (expected {len(inputs)}, "
            f"got {len(grads)})"
        )
    return grads, locals_


def _as_tuple(grads):
    return grads if isinstance(grads, tuple) else (grads,)


def _array(g):
    if g is None:
        return None
    return np.asarray(g._data if isinstance(g, Tensor) else g)


def walk_backward(root, gradient=None, local=True, stop=()):
    """Yield a ``NodeFlow`` for each node, in the engine's backward order, recomputing what flowed.

    ``gradient``: the seed d(root) (default ones, as ``backward()`` on a scalar); ``local``: also compute
    local derivatives of elementwise ops; ``stop``: tensors at which propagation stops (their gradient
    is collected but not passed further: used by ``explain`` for derivatives between named tensors).
    After the generator finishes, ``walk.grads`` (see ``BackwardWalk``) holds every total gradient.
    """
    return BackwardWalk(root, gradient, local, stop)


class BackwardWalk:
    """Iterator over ``NodeFlow`` steps; ``grads`` maps ``tensor_key`` -> the gradient accumulated so far."""

    def __init__(self, root, gradient=None, local=True, stop=(), graph=None):
        self.graph = graph if graph is not None else Graph(root)
        self.root = root
        seed = _seed(root, gradient)
        self.seed = seed
        self.local = local
        self.stop = {tensor_key(t) for t in stop}
        self.grads = {tensor_key(root): seed}
        self.steps = []  # every NodeFlow yielded so far
        self._iter = self._run()

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._iter)

    def run(self):
        """Walk to the end; return ``self`` (``grads`` then holds every gradient)."""
        for _ in self._iter:
            pass
        return self

    def grad_of(self, t):
        """The gradient of the root wrt tensor ``t`` accumulated so far (an array, or None)."""
        return self.grads.get(tensor_key(t))

    def _run(self):
        graph = self.graph
        for node in reversed(graph.order):
            key = ("n", id(node))
            upstream = self.grads.get(key)
            if upstream is None or (key in self.stop and node is not self.root.grad_fn):
                continue  # not on a path from the root's gradient (or a stop tensor)
            output = graph.output_of(node)
            want_local = self.local and (is_elementwise(node) or _all_scalar(node, output))
            grads, locals_ = _recompute(node, output, upstream, want_local)
            edges = []
            for i, (x, g) in enumerate(zip(node.inputs, grads)):
                edge = EdgeFlow(i, x)
                if locals_ is not None:
                    edge.local = _array(locals_[i])
                edges.append(edge)
                if g is None or not isinstance(x, Tensor) or not x._rg:
                    continue
                flowing = _array(g)
                edge.flowing = flowing
                reduced = flowing
                if flowing.shape != x.shape:
                    edge.summed = summed_axes(flowing.shape, x.shape)
                    with no_grad():
                        reduced = unbroadcast_to(Tensor._make(flowing, None), x.shape)._data
                if reduced.dtype != x.dtype:
                    reduced = reduced.astype(x.dtype)
                edge.grad = reduced
                k = tensor_key(x)
                prev = self.grads.get(k)
                self.grads[k] = reduced if prev is None else prev + reduced
            flow = NodeFlow(node, output, upstream, edges)
            self.steps.append(flow)
            yield flow


def _all_scalar(node, output):
    return output._data.size == 1 and all(
        not isinstance(x, Tensor) or x._data.size == 1 for x in node.inputs
    )


def _seed(root, gradient):
    if gradient is None:
        return np.ones(root.shape, dtype=root.dtype)
    g = np.asarray(gradient._data if isinstance(gradient, Tensor) else gradient, dtype=root.dtype)
    if g.shape != root.shape:
        raise RuntimeError(
            f"gradient has shape {tuple(g.shape)} but the output has shape {tuple(root.shape)}; they must "
            f"match"
        )
    return g
