"""How an operation is recorded: ``Function`` (custom ops, PyTorch's API), ``Op`` (primitives on arrays)
and ``Node`` (one application of either: the ``grad_fn`` of its output and the ``ctx`` of its backward).

A primitive is a subclass of ``Op`` with two static methods side by side::

    class Mul(Op):
        @staticmethod
        def forward(ctx, a, b):          # NumPy arrays (or Python scalars) in, an array out
            return a * b

        @staticmethod
        def backward(ctx, grad):         # grad is a Tensor; use ctx.inputs / ctx.output (Tensors)
            a, b = ctx.inputs
            return grad * b, grad * a    # one gradient per positional input, None where not needed

Because ``backward`` is written with Tensor ops, running it with grad mode on (``create_graph=True``)
records the graph of the derivative itself: higher derivatives need no second mechanism. Gradients
are returned in the *broadcast* shape; the engine sums them back to each input's shape and dtype
(``unbroadcast_to``), so broadcasting is handled in exactly one place.
"""
from __future__ import annotations

import contextvars
import itertools
import threading

import numpy as np

from . import grad_mode

_state = grad_mode._state
_next_seq = itertools.count(1).__next__  # creation order of nodes (cheaper than a class counter)
_Tensor = None  # microgradnd.tensor.Tensor, bound on first use (tensor.py imports this package)

# Floating-point errors (overflow, 0/0, inf-inf) give inf/NaN silently, as in PyTorch: every primitive's
# forward runs with NumPy's error state set to "ignore". NumPy >= 2 keeps that state in a context
# variable. Setting and resetting it around every op allocates a new context mapping and a token each
# time (with the garbage collection they cause, ~1.5 us per op); instead each thread keeps one
# ``contextvars.Context`` in which the state is "ignore" and runs forwards inside it (``Context.run``
# allocates nothing). Inside a backward pass the state is already "ignore" and forwards run directly.
try:
    from numpy._core.umath import _extobj_contextvar as _fp_state, _make_extobj

    _FP_IGNORE = _make_extobj(all="ignore")
    _fp_local = threading.local()

    def _fp_run():
        """``run`` of this thread's Context in which NumPy's floating-point errors are ignored (made on
        first use).

        The Context is a snapshot of the context at that moment: only NumPy code runs in it (array
        forwards), and that reads nothing from context variables but the error state.
        """
        try:
            return _fp_local.run
        except AttributeError:
            context = contextvars.copy_context()
            context.run(_fp_state.set, _FP_IGNORE)
            _fp_local.run = context.run
            return _fp_local.run
except ImportError:  # NumPy 1.x: the same through the public (slower) API
    class _LegacyFpState:
        @staticmethod
        def get():
            return np.geterr()

        @staticmethod
        def set(_):
            return np.seterr(all="ignore")

        @staticmethod
        def reset(old):
            np.seterr(**old)

    def _run_ignoring_fp(fn, *args, **kwargs):
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)

    _fp_state, _FP_IGNORE = _LegacyFpState(), object()

    def _fp_run():
        return _run_ignoring_fp


def _tensor_class():
    global _Tensor, _make, _own_vc
    from ..tensor import Tensor, _own_vc

    _Tensor = Tensor
    _make = Tensor._make  # bound once: looking up a classmethod builds a bound method per call
    return Tensor


_make = None
_own_vc = None  # microgradnd.tensor._own_vc, bound with the Tensor class


class Node:
    """One recorded op application. It is ``tensor.grad_fn`` and the ``ctx`` passed to forward/backward.

    Structural fields (kept after backward so a graph can still be drawn): ``fn`` (the op class),
    ``inputs`` (the positional arguments in operand order, Tensors or constants), ``kwargs``.
    ``save_for_backward`` holds what backward needs beyond that; it is released after backward
    unless ``retain_graph=True``.
    """

    __slots__ = (
        "fn", "inputs", "kwargs", "needs_input_grad", "output", "_saved", "_versions",
        "_released", "_hooks", "_retained", "seq", "_versions_inputs", "_output_version", "edges",
        "__dict__", "__weakref__",
    )

    _output_v = 0  # the output's version at forward (set on the instance only when not 0)

    def __init__(self, fn, inputs, kwargs):
        self.fn = fn
        self.inputs = inputs
        self.kwargs = kwargs
        self.output = None  # set by the engine while backward runs (never kept: it would make a cycle)
        self._saved = None
        self._versions = None
        self._released = False
        self._hooks = None
        self._retained = None
        self._versions_inputs = None  # input versions at forward, for ops that read their inputs
        self._output_version = None  # the output's version counter (a list), for ops that read the output
        # each Tensor input's grad_fn at forward time (PyTorch's edges): a later in-place op that
        # rebinds an input to a new node must not reroute this node's gradient (None: read x.grad_fn)
        self.edges = None
        self.seq = _next_seq()

    # -- PyTorch's ctx API ------------------------------------------------------------------------
    def save_for_backward(self, *items):
        """Keep arrays or tensors for backward (``ctx.save_for_backward``); released after backward."""
        self._saved = items
        from ..tensor import Tensor

        self._versions = tuple(t._vc[0] if isinstance(t, Tensor) else None for t in items)

    @property
    def saved_tensors(self):
        """What ``save_for_backward`` kept; raises if a backward already released it or a tensor was modified in place."""
        if self._saved is None and self._released:
            raise RuntimeError(_SECOND_BACKWARD)
        saved = self._saved or ()
        if self._versions is not None:
            for i, (item, v) in enumerate(zip(saved, self._versions)):
                if v is not None and item._vc[0] != v:
                    raise RuntimeError(_modified_message(self.name(), i, item, v))
        return saved

    saved_values = saved_tensors

    def mark_non_differentiable(self, *tensors):
        """Accepted for PyTorch compatibility; outputs of a Function are differentiable here."""

    def mark_dirty(self, *tensors):
        """Accepted for PyTorch compatibility; a Function's output is always a new tensor here."""

    def set_materialize_grads(self, value: bool):
        """Accepted for PyTorch compatibility; upstream gradients are always materialised here."""

    # -- introspection ----------------------------------------------------------------------------
    def name(self) -> str:
        """``MulBackward``-style name, as PyTorch's ``grad_fn.name()``."""
        return self.fn.__name__ + "Backward"

    @property
    def next_functions(self):
        """``((node_or_None, 0), ...)`` per input, like PyTorch's (leaves show as ``None`` here)."""
        from ..tensor import Tensor

        return tuple((x.grad_fn, 0) if isinstance(x, Tensor) else (None, 0) for x in self.inputs)

    def register_hook(self, fn):
        """Hook called with the gradient of this node's output before its backward runs."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return _RemovableHandle(self._hooks, fn)

    def __repr__(self):
        return f"<{self.name()} object>"


_SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)


def _modified_message(op, index, tensor, expected):
    return (
        f"one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: {op} needs input {index} (shape {tuple(tensor.shape)}, dtype {tensor.dtype}) at "
        f"version {expected}, but it is now at version {tensor._vc[0]}. Compute on a copy "
        f"(.clone()) instead of modifying it in place, or do the in-place change after backward()."
    )


class _RemovableHandle:
    __slots__ = ("_hooks", "_fn")

    def __init__(self, hooks, fn):
        self._hooks, self._fn = hooks, fn

    def remove(self):
        """Unregister the hook (idempotent)."""
        try:
            self._hooks.remove(self._fn)
        except ValueError:
            pass


class Function:
    """Base for custom differentiable operations, with PyTorch's API.

    Subclass it with ``forward(ctx, *args)`` (runs on Tensors, with grad recording off) and
    ``backward(ctx, *grad_outputs)`` (returns one gradient per forward argument, ``None`` for those that
    need none), then call ``MyFn.apply(*args)``. Check it with ``mg.autograd.gradcheck``.
    """

    # Primitive ops (``Op``) compute on NumPy arrays; custom Functions compute on Tensors.
    array_level = False
    # Which forward values backward reads; an in-place change of them before backward raises.
    # A custom Function reads only what it passed to ctx.save_for_backward (checked there).
    saves_inputs = False
    saves_output = False

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a Function subclass must define backward(ctx, *grad_outputs)")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward and, when any input requires grad and grad mode is on, record a ``Node``."""
        Tensor = _Tensor or _tensor_class()  # hot path: no import statement per op

        ctx = Node(cls, args, kwargs)
        record = _records(args, Tensor)
        previous = _state.enabled
        _state.enabled = False
        try:
            result = cls.forward(ctx, *args, **kwargs)
        finally:
            _state.enabled = previous
        if isinstance(result, tuple):
            raise TypeError(
                f"{cls.__name__}.forward returned a tuple; microgradnd's custom Functions support a "
                f"single Tensor output (combine outputs with mg.cat, or write one Function per output)"
            )
        if not isinstance(result, Tensor):
            result = Tensor._make(np.asarray(result), None)
        if record:
            result = Tensor._make(result._data, ctx)
            _record_inputs(ctx, cls, args, result)
        return result


def _records(args, Tensor):
    """True when grad mode is on and one of ``args`` is a Tensor that requires grad."""
    if _state.enabled:
        for a in args:
            if isinstance(a, Tensor) and a._rg:
                return True
    return False


class _Scratch:
    """The ``ctx`` a primitive's forward gets when nothing is recorded: it may set attributes on it
    (masks for backward), which are dropped at once. Building a ``Node`` there would be wasted work
    on every op run under ``no_grad`` and on every op a backward pass runs."""

    needs_input_grad = ()
    inputs = ()
    kwargs = {}


# needs_input_grad of a two-input op, shared: (need_a, need_b) -> the tuple (no allocation per op)
_NEEDS2 = {(a, b): (a, b) for a in (False, True) for b in (False, True)}
# input versions of a two-input op that saves its inputs, for the common small versions
_VERSIONS2 = {(a, b): (a, b) for a in (None, 0, 1, 2, 3) for b in (None, 0, 1, 2, 3)}


def _apply_array_op(cls, *args, **kwargs):
    """``Op.apply``: forward on arrays; a ``Node`` only when an input requires grad in grad mode.

    The hot path of the library (every primitive, also every op a backward pass runs), so the one-
    and two-input cases are spelled out: no lists, no generators, no Node or error-state token when
    neither is needed.
    """
    Tensor = _Tensor or _tensor_class()
    nargs = len(args)
    if nargs == 2:
        a, b = args
        ta = isinstance(a, Tensor)
        tb = isinstance(b, Tensor)
        need_a = ta and a._rg
        need_b = tb and b._rg
        record = (need_a or need_b) and _state.enabled
        ctx = Node(cls, args, kwargs) if record else _Scratch()
        if _fp_state.get() is _FP_IGNORE:  # already ignoring (inside a backward pass)
            out = (cls.forward(ctx, a._data if ta else a, b._data if tb else b, **kwargs) if kwargs
                   else cls.forward(ctx, a._data if ta else a, b._data if tb else b))
        else:
            # (an empty **kwargs passed through costs ~0.1 us per op)
            out = (_fp_run()(cls.forward, ctx, a._data if ta else a, b._data if tb else b, **kwargs)
                   if kwargs else _fp_run()(cls.forward, ctx, a._data if ta else a, b._data if tb else b))
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        if not record:
            return _make(out, None)
        ctx.needs_input_grad = _NEEDS2[need_a, need_b]
        if cls.saves_inputs:
            va = a._vc[0] if ta else None
            vb = b._vc[0] if tb else None
            ctx._versions_inputs = _VERSIONS2.get((va, vb)) or (va, vb)
        result = _make(out, ctx)
        ctx.edges = (a.grad_fn if need_a else None, b.grad_fn if need_b else None)
        if cls.saves_output:
            ctx._output_version = _own_vc(result)  # the output's version counter, expected at 0
        return result
    if nargs == 1:
        a = args[0]
        ta = isinstance(a, Tensor)
        record = ta and a._rg and _state.enabled
        ctx = Node(cls, args, kwargs) if record else _Scratch()
        if _fp_state.get() is _FP_IGNORE:
            out = cls.forward(ctx, a._data if ta else a, **kwargs) if kwargs else cls.forward(ctx, a._data if ta else a)
        else:
            out = (_fp_run()(cls.forward, ctx, a._data if ta else a, **kwargs) if kwargs
                   else _fp_run()(cls.forward, ctx, a._data if ta else a))
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        if not record:
            return _make(out, None)
        ctx.needs_input_grad = _NEEDS1
        if cls.saves_inputs:
            ctx._versions_inputs = (a._vc[0],)
        result = _make(out, ctx)
        ctx.edges = (a.grad_fn,)
        if cls.saves_output:
            ctx._output_version = _own_vc(result)  # the output's version counter, expected at 0
        return result
    record = _records(args, Tensor)
    ctx = Node(cls, args, kwargs) if record else _Scratch()
    arrays = [a._data if isinstance(a, Tensor) else a for a in args]
    if _fp_state.get() is _FP_IGNORE:
        out = cls.forward(ctx, *arrays, **kwargs)
    else:
        out = _fp_run()(cls.forward, ctx, *arrays, **kwargs)
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    if not record:
        return _make(out, None)
    result = _make(out, ctx)
    _record_inputs(ctx, cls, args, result)
    return result


_NEEDS1 = (True,)


def _record_inputs(ctx, cls, args, result):
    """Store on ``ctx`` which inputs need a gradient, their versions and nodes now (PyTorch's edges)."""
    Tensor = _Tensor
    needs = []
    versions = []
    edges = []
    for a in args:
        if isinstance(a, Tensor):
            needs.append(a._rg)
            versions.append(a._vc[0])
            edges.append(a.grad_fn if a._rg else None)
        else:
            needs.append(False)
            versions.append(None)
            edges.append(None)
    ctx.needs_input_grad = tuple(needs)
    ctx.edges = tuple(edges)
    if cls.saves_inputs:
        ctx._versions_inputs = tuple(versions)
    if cls.saves_output:
        ctx._output_version = _own_vc(result)
        if result._vc[0]:
            ctx._output_v = result._vc[0]


class Op(Function):
    """Base for primitive ops: ``forward`` on NumPy arrays, ``backward`` with Tensor ops (see module doc)."""

    array_level = True
    saves_inputs = True  # an Op's backward reads ctx.inputs unless it says otherwise
    apply = classmethod(_apply_array_op)

    # Domain metadata used by the generated gradient tests (see microgradnd.ops.registry).


def check_versions(node: Node):
    """Raise when an input or output that ``node``'s backward reads was modified in place since forward."""
    versions = node._versions_inputs
    if versions is not None:
        for i, (x, v) in enumerate(zip(node.inputs, versions)):
            if v is not None and x._vc[0] != v:  # a version is recorded for Tensor inputs only
                raise RuntimeError(_modified_message(node.name(), i, x, v))
    out_vc = node._output_version
    if out_vc is not None and out_vc[0] != node._output_v:
        raise RuntimeError(
            f"one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: the output of {node.name()} is at version {out_vc[0]}; expected version "
            f"{node._output_v}. Modify a .clone() instead, or do it after backward()."
        )
