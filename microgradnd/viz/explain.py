"""``explain(output, wrt)``: the chain-rule derivation with numbers, node by node, as the course does it.

Only *named* tensors appear in the derivation (``name=``, or the caller's variables); unnamed
intermediates are folded into the local derivative between the named tensors around them. For the
2-2-2 network of the course::

    dE/dW5 = dE/do1 × do1/dz3 × dz3/dW5 = 0.20944600 × 0.23802157 × 0.51998934 = 0.02592286

and a tensor used by several nodes gets the sum over them (``dE/dh1 = 0.02243370 + 0.00997311 =
0.03240681``). Numbers come from the same recomputed backward pass as ``draw_graph`` (``trace.py``).
For tensors, ``index`` picks the element of ``wrt`` (and ``output_index`` the element of a non-scalar
output); between tensors that are not elementwise-related the step is shown as a vector-Jacobian product.
"""
from __future__ import annotations

import re

import numpy as np

from ..tensor import Tensor
from .labels import format_fixed, format_number
from .labels import format_array
from .names import display_name, op_name, resolve_names
from .trace import BackwardWalk, Graph, is_elementwise, tensor_key


_SIMPLE_NAME = re.compile(r"[\w.]+")


def explain(output, wrt, index=None, *, output_index=None, names=None, infer_names=True, decimals=8):
    """The chain rule for d(output)/d(wrt), written out with numbers (a ``str``).

    ``index``: the element of a non-scalar ``wrt`` to explain (``explain(y, W, index=(0, 1))``);
    ``output_index``: the element of a non-scalar ``output``; ``names``: extra names ``{"h1": t}``.
    """
    if not isinstance(output, Tensor) or not isinstance(wrt, Tensor):
        raise TypeError("explain(output, wrt): both must be microgradnd Tensors")
    names = resolve_names(names, infer_names)
    return Explanation(output, wrt, index, output_index, names, decimals).text()


def _check_index(t, index, what, arg):
    if t._data.size == 1:
        return tuple(0 for _ in t.shape)
    if index is None:
        raise ValueError(
            f"explain: {what} has shape {tuple(t.shape)}, so the chain rule is explained for one element "
            f"at a time: pass {arg}=(i, ...) with {t.ndim} indices, e.g. {arg}={(0,) * t.ndim}"
        )
    if isinstance(index, (int, np.integer)):
        index = (int(index),)
    index = tuple(int(i) for i in index)
    if len(index) != t.ndim or any(not -n <= i < n for i, n in zip(index, t.shape)):
        raise IndexError(f"explain: {arg}={index} is not an element of a tensor of shape {tuple(t.shape)}")
    return tuple(i % n for i, n in zip(index, t.shape))


class Explanation:
    def __init__(self, output, wrt, index, output_index, names, decimals):
        self.output, self.wrt, self.decimals = output, wrt, decimals
        self.out_index = _check_index(output, output_index, "the output", "output_index")
        self.index = _check_index(wrt, index, "wrt", "index")
        graph = Graph(output)
        self.graph = graph
        # every tensor of the graph, in forward order, and the named ones
        tensors = list(graph.leaves)
        for node in graph.order:
            tensors.append(graph.output_of(node))
        self.tensors = {tensor_key(t): t for t in tensors}
        self.tensors.setdefault(tensor_key(wrt), wrt)  # a wrt outside the graph: "does not reach"
        self.names = {}
        for key, t in self.tensors.items():
            name = display_name(t, names)
            if name:
                self.names[key] = name
        self.out_key, self.wrt_key = tensor_key(output), tensor_key(wrt)
        self.names.setdefault(self.out_key, "f")
        self.names.setdefault(self.wrt_key, "x" if self.names.get(self.out_key) != "x" else "w")
        seed = np.zeros(output.shape, dtype=output.dtype)
        seed[self.out_index] = 1
        self.adjoint = BackwardWalk(output, seed, local=False, graph=graph).run().grads
        self._relations()

    # -- the graph of named tensors ------------------------------------------------------------------
    def _relations(self):
        """For each named result y: which named tensors feed it through unnamed ops, with dy/dx."""
        named = [self.tensors[k] for k in self.names]
        self.consumers = {}  # x_key -> [y_key, ...] in forward order
        self.local = {}  # (y_key, x_key) -> local derivative array (x's shape) or None
        self.contribution = {}  # (y_key, x_key) -> dOut/dy · dy/dx (x's shape)
        self.via = {}  # (y_key, x_key) -> names of the ops between them, in forward order
        for y in named:
            y_key = tensor_key(y)
            if y.grad_fn is None or self.adjoint.get(y_key) is None:
                continue
            stop = [t for t in named if t is not y]
            vjp = BackwardWalk(y, self.adjoint[y_key], local=False, stop=stop).run()
            ones = BackwardWalk(y, None if y._data.size == 1 else np.ones(y.shape, y.dtype), local=False,
                                stop=stop).run()
            diagonal = all(is_elementwise(s.node) and not any(e.summed for e in s.edges) for s in ones.steps)
            for x in named:
                x_key = tensor_key(x)
                if x_key == y_key or x_key not in vjp.grads:
                    continue
                self.consumers.setdefault(x_key, []).append(y_key)
                self.contribution[(y_key, x_key)] = vjp.grads[x_key]
                scalar = y._data.size == 1 and x._data.size == 1
                same = diagonal and y.shape == x.shape
                if y_key == self.out_key and y._data.size > 1 and self.out_index != self.index:
                    same = False  # d out[i]/d x[j] off the diagonal: not a product of local derivatives
                self.via[(y_key, x_key)] = [op_name(s.node) for s in reversed(vjp.steps)]
                self.local[(y_key, x_key)] = ones.grads[x_key] if (scalar or same) else None

    # -- text ------------------------------------------------------------------------------------------
    def text(self):
        o, x = self.out_key, self.wrt_key
        out_t, x_t = self.output, self.wrt
        lines = [f"{self._name(o, self.out_index)} = {self._num(out_t._data[self.out_index])}, "
                 f"{self._name(x, self.index)} = {self._num(x_t._data[self.index])}"]
        if x == o:
            return f"{self._d(o, x)} = 1"

        if not self.consumers.get(x):
            why = "" if x_t.requires_grad else " (it does not require grad: create it with requires_grad=True)"
            lines.append(f"{self._name(x)} does not reach {self._name(o)}{why}: {self._d(o, x)} = 0")
            return "\n".join(lines)
        pending, done = [x], set()
        while pending:
            key = pending.pop(0)
            if key in done:
                continue
            done.add(key)
            lines.extend(self._explain_node(key, pending))
        return "\n".join(lines)

    def _explain_node(self, x, pending):
        """Lines deriving dOut/dx: a product along a single path, or a sum over x's consumers."""
        consumers = self.consumers[x]
        total = self.adjoint.get(x)
        total_text = self._num(total[self._idx(x)])
        if len(consumers) == 1:
            y = consumers[0]
            factors = self._path_factors(y, x, pending)
            if factors is None:
                return [f"{self._d(self.out_key, x)} = {self._vjp_text(y, x)}{total_text}{self._vjp_note(y, x)}"]
            return [self._product_line(self._d(self.out_key, x), factors, total_text)]
        lines = [f"{self._d(self.out_key, x)}: {self._name(x)} is used by {len(consumers)} nodes "
                 f"({', '.join(self._name(y) for y in consumers)}); the chain rule adds up their contributions:"]
        terms = []
        for y in consumers:
            value = self.contribution[(y, x)][self._idx(x)]
            terms.append(self._num(value))
            factors = self._path_factors(y, x, pending)
            if factors is None:
                lines.append(f"  via {self._name(y)}: {self._vjp_text(y, x)}{terms[-1]}{self._vjp_note(y, x)}")
            else:
                lines.append("  via " + self._name(y) + ": " + self._product_line(None, factors, terms[-1]))
        lines.append(f"{self._d(self.out_key, x)} = {' + '.join(terms)} = {total_text}")
        return lines

    def _vjp_text(self, y, x):
        if y == self.out_key:
            return ""
        return f"({self._d(self.out_key, y, False)} · {self._d(y, x, False)}){self._index_text(x)} = "

    def _vjp_note(self, y, x):
        """Why this step is not a plain product: the ops in between, and dOut/dy when it is a vector."""
        ops = ", ".join(dict.fromkeys(self.via.get((y, x), [])))
        note = f"   (backward through {ops}" if ops else "   ("
        if y != self.out_key:
            note += f"; {self._d(self.out_key, y, False)} = {format_array(self.adjoint[y], 6)}"
        return note + ")"

    def _path_factors(self, y, x, pending):
        """[(label, value)] for dOut/dy × dy/dx, dOut/dy expanded along single-consumer paths; None when
        the step from x to y is not elementwise (then it is a vector-Jacobian product)."""
        local = self.local.get((y, x))
        if local is None:
            return None
        factors = [(self._d(y, x), local[self._idx(x)])]
        child = y
        while child != self.out_key:
            ups = self.consumers.get(child, [])
            if len(ups) == 1 and self.local.get((ups[0], child)) is not None:
                up = ups[0]
                factors.append((self._d(up, child), self.local[(up, child)][self._idx(child)]))
                child = up
                continue
            # several consumers (or a non-elementwise step): stop and explain dOut/dchild separately
            factors.append((self._d(self.out_key, child), self.adjoint[child][self._idx(child)]))
            pending.append(child)
            break
        factors.reverse()
        return factors

    def _product_line(self, lhs, factors, total_text):
        symbols = " × ".join(label for label, _ in factors)
        values = " × ".join(self._num(v) for _, v in factors)
        head = f"{lhs} = " if lhs else ""
        if len(factors) == 1:
            return f"{head}{total_text}" if symbols == lhs else f"{head}{symbols} = {total_text}"
        return f"{head}{symbols} = {values} = {total_text}"

    # -- names and numbers --------------------------------------------------------------------------
    def _idx(self, key):
        """The element shown for tensor ``key``: the chosen one when it has wrt's shape, else the only one."""
        t = self.tensors[key]
        if key == self.out_key:
            return self.out_index
        if t._data.size == 1:
            return tuple(0 for _ in t.shape)
        return self.index

    def _index_text(self, key):
        t = self.tensors[key]
        if t._data.size == 1:
            return ""
        idx = self.out_index if key == self.out_key else self.index
        return "[" + ", ".join(str(i) for i in idx) + "]"

    def _name(self, key, index=None):
        name = self.names[key]
        if not _SIMPLE_NAME.fullmatch(name):
            name = f"({name})"  # an expression used as a name: d(apple * n)/dapple
        if index is not None and self.tensors[key]._data.size > 1:
            name += "[" + ", ".join(str(i) for i in index) + "]"
        return name

    def _d(self, num, den, indexed=True):
        if indexed:
            return f"d{self._name(num) + self._index_text(num)}/d{self._name(den) + self._index_text(den)}"
        return f"d{self._name(num)}/d{self._name(den)}"

    def _num(self, value):
        return format_fixed(value, self.decimals) if self.decimals is not None else format_number(value)
