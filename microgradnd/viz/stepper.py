"""The backward pass, one step at a time: ``backward_steps(output)`` yields what the engine does per node.

Each ``BackwardStep`` holds the node, its op, the upstream gradient (dOut/d(node's output), summed
over its consumers), one ``StepInput`` per operand (local derivative, the gradient sent along the
edge) and the gradients accumulated so far. Steps come in the engine's order and are recomputed by the
same walker as ``draw_graph`` (``trace.py``): running the stepper changes no tensor and no ``.grad``.
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from . import labels
from .names import display_name, op_name, resolve_names
from .trace import BackwardWalk, Graph, tensor_key


def _tensor(array):
    return None if array is None else Tensor._make(np.array(array, copy=True), None)


class StepInput:
    """One operand of a step: ``position``, ``input`` (Tensor or constant), ``name``, ``local``
    (d(out)/d(input) for elementwise/scalar ops, else None), ``grad`` (what flowed along the edge,
    summed to the input's shape; None when the input needs no gradient) and ``summed`` (axes)."""

    __slots__ = ("position", "input", "name", "local", "grad", "summed")

    def __init__(self, position, input, name, local, grad, summed):
        self.position, self.input, self.name = position, input, name
        self.local, self.grad, self.summed = local, grad, summed

    def __repr__(self):
        return f"StepInput(position={self.position}, name={self.name!r}, local={self.local}, grad={self.grad})"


class BackwardStep:
    """One node of the backward pass (see the module docstring)."""

    __slots__ = ("index", "node", "op", "output", "name", "upstream", "inputs", "_grads", "_tensors", "_flow")

    def __init__(self, index, node, op, output, name, upstream, inputs, grads, tensors, flow=None):
        self.index, self.node, self.op, self.output, self.name = index, node, op, output, name
        self.upstream, self.inputs = upstream, inputs
        self._grads, self._tensors, self._flow = grads, tensors, flow

    @property
    def accumulated(self):
        """``[(tensor, gradient so far), ...]`` after this step, for every tensor reached so far."""
        return [(self._tensors[k], _tensor(g)) for k, g in self._grads.items() if k in self._tensors]

    def grad_of(self, t):
        """The gradient of the output wrt ``t`` accumulated up to and including this step (or None)."""
        return _tensor(self._grads.get(tensor_key(t)))

    def describe(self, max_values=6) -> str:
        """Plain text: the op, the upstream gradient and what each operand receives."""
        fmt = lambda a: labels.format_array(a._data if isinstance(a, Tensor) else a, max_values)  # noqa: E731
        target = f" → {self.name}" if self.name else ""
        lines = [f"step {self.index + 1}: {self.op}{target}, upstream gradient {fmt(self.upstream)}"]
        for inp in self.inputs:
            if inp.name:
                who = inp.name
            elif isinstance(inp.input, Tensor):
                who = f"input {inp.position} (= {fmt(inp.input)})"
            else:
                who = f"constant {fmt(inp.input)}"
            if inp.grad is None:
                lines.append(f"  {who}: no gradient needed")
                continue
            text = f"  {who}: "
            if inp.local is not None:
                text += f"local {fmt(inp.local)} × upstream = "
            text += fmt(inp.grad)
            if inp.summed:
                text += f" ({labels.axes_text(inp.summed)})"
            lines.append(text)
        return "\n".join(lines)

    __str__ = describe

    def __repr__(self):
        return f"<BackwardStep {self.index}: {self.op}>"


def backward_steps(output, gradient=None, names=None, infer_names=True):
    """Yield a ``BackwardStep`` per node of ``output``'s graph, in the order ``backward()`` visits them.

    ``gradient`` is the seed, as in ``output.backward(gradient)`` (needed for non-scalar outputs).
    """
    check_output(output, gradient, "backward_steps")
    names = resolve_names(names, infer_names)
    return _steps(output, gradient, names)


def check_output(output, gradient, what):
    """The errors ``backward()`` would raise, raised before any step is taken."""
    if not isinstance(output, Tensor):
        raise TypeError(f"{what}: expected a microgradnd Tensor, got {type(output).__name__}")
    if output.grad_fn is None:
        raise RuntimeError(
            f"{what}: this tensor was not made by a recorded op (it has no grad_fn), so there is "
            "no backward pass to step through; create its inputs with requires_grad=True"
        )
    if gradient is None and output._data.size != 1:
        raise RuntimeError(
            f"grad can be implicitly created only for scalar outputs; this output has shape "
            f"{tuple(output.shape)}: pass gradient= (e.g. {what}(y, gradient=mg.ones_like(y)))"
        )


def _steps(output, gradient, names, graph=None):
    graph = graph if graph is not None else Graph(output)
    tensors = {tensor_key(t): t for t in graph.leaves}
    for node in graph.order:
        out = graph.output_of(node)
        tensors[tensor_key(out)] = out
    walk = BackwardWalk(output, gradient, local=True, graph=graph)
    for i, flow in enumerate(walk):
        inputs = tuple(
            StepInput(e.position, e.source,
                      display_name(e.source, names) if isinstance(e.source, Tensor) else "",
                      _tensor(e.local) if e.flowing is not None else None, _tensor(e.grad), e.summed)
            for e in flow.edges
        )
        yield BackwardStep(i, flow.node, op_name(flow.node), flow.output, display_name(flow.output, names),
                           _tensor(flow.upstream), inputs, dict(walk.grads), tensors, flow)
