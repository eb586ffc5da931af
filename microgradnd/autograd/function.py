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
import functools
import itertools
import weakref

import numpy as np

from . import grad_mode

_state = grad_mode._state
_next_seq = itertools.count(1).__next__  # creation order of nodes (cheaper than a class counter)
_Tensor = None  # microgradnd.tensor.Tensor, bound on first use (tensor.py imports this package)

# Floating-point errors (overflow, 0/0, inf-inf) give inf/NaN silently, as in PyTorch: every primitive's
# forward runs with NumPy's error state set to "ignore". NumPy >= 2 keeps that state in a context
# variable. Setting and resetting it around every op allocates a new context mapping and a token each
# time (with the garbage collection they cause, ~1.5 us per op); instead forwards run inside one
# ``contextvars.Context`` in which the state is "ignore" (``Context.run`` allocates nothing). A Context
# can be entered by one thread at a time and not twice: when it is busy (another thread is inside, or a
# forward applies an op), ``_run_fp_busy`` runs the forward under ``np.errstate`` instead.
try:
    from numpy._core.umath import _extobj_contextvar as _fp_state, _make_extobj

    _FP_IGNORE = _make_extobj(all="ignore")
    # A snapshot of the importing context: only NumPy code runs in it (array forwards), and that
    # reads nothing from context variables but the error state.
    _FP_CONTEXT = contextvars.copy_context()
    _FP_CONTEXT.run(_fp_state.set, _FP_IGNORE)
    _run_fp = _FP_CONTEXT.run
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

    def _run_fp(fn, *args, **kwargs):
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)

    _fp_state, _FP_IGNORE = _LegacyFpState(), object()


def _run_fp_busy(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` ignoring floating-point errors, when ``_run_fp`` could not enter its context.

    ``Context.run`` refuses an entered context before it runs anything, so the caller tells that case
    from an error of ``fn`` itself by the traceback: it ends in the caller's own frame.
    """
    with np.errstate(all="ignore"):
        return fn(*args, **kwargs)


def _tensor_class():
    global _Tensor, _make, _own_vc, _V0
    from ..tensor import _V0, Tensor, _own_vc

    _Tensor = Tensor
    _make = Tensor._make  # bound once: looking up a classmethod builds a bound method per call
    return Tensor


_make = None
_own_vc = None  # microgradnd.tensor._own_vc, bound with the Tensor class
_V0 = None  # microgradnd.tensor._V0 (the shared version counter of tensors never modified in place)


class Node:
    """One recorded op application. It is ``tensor.grad_fn`` and the ``ctx`` passed to forward/backward.

    Structural fields (kept after backward so a graph can still be drawn): ``fn`` (the op class),
    ``inputs`` (the positional arguments in operand order, Tensors or constants), ``kwargs``.
    ``save_for_backward`` holds what backward needs beyond that; it is released after backward
    unless ``retain_graph=True``.
    """

    __slots__ = (
        "fn", "inputs", "kwargs", "needs_input_grad", "output", "_saved", "_versions", "_hooks",
        "_retained", "seq", "_versions_inputs", "_output_version", "__dict__", "__weakref__",
    )

    _output_v = 0  # the output's version at forward (set on the instance only when not 0)

    def __init__(self, fn, inputs, kwargs):
        # Op.apply's one- and two-input paths build nodes field by field (no __init__ call per op):
        # a field added here must be added there (_apply1, _apply2); a test compares the three.
        self.fn = fn
        self.inputs = inputs
        self.kwargs = kwargs
        self.output = None  # set by the engine while backward runs (never kept: it would make a cycle)
        self._saved = None  # save_for_backward's values (with _versions); _RELEASED after backward
        self._hooks = None
        self._retained = None
        self._versions_inputs = None  # input versions at forward, for ops that read their inputs
        self._output_version = None  # the output's version counter (a list), for ops that read the output
        self.seq = _next_seq()

    # -- PyTorch's ctx API ------------------------------------------------------------------------
    def save_for_backward(self, *items):
        """Keep arrays or tensors for backward (``ctx.save_for_backward``); released after backward."""
        Tensor = _Tensor or _tensor_class()
        self._saved = items
        self._versions = tuple(t._vc[0] if isinstance(t, Tensor) else None for t in items)

    @property
    def saved_tensors(self):
        """What ``save_for_backward`` kept; raises if a backward already released it or a tensor was modified in place."""
        saved = self._saved
        if saved is None:
            return ()
        if saved is _RELEASED:
            raise RuntimeError(_SECOND_BACKWARD)
        for i, (item, v) in enumerate(zip(saved, self._versions)):
            if v is not None and item._vc[0] != v:
                raise RuntimeError(_modified_message(self.name(), i, item, v))
        return saved

    saved_values = saved_tensors

    def mark_non_differentiable(self, *tensors):
        """Outputs of a custom Function's forward that get no gradient (``ctx.mark_non_differentiable``):
        they are returned with ``requires_grad=False`` and backward receives zeros for them."""
        self._non_differentiable = {id(t) for t in tensors}

    def mark_dirty(self, *tensors):
        """Accepted for PyTorch compatibility; a Function's output is always a new tensor here."""

    def set_materialize_grads(self, value: bool):
        """Accepted for PyTorch compatibility; upstream gradients are always materialised here (an
        output that got no gradient passes zeros to backward, never None)."""

    # -- introspection ----------------------------------------------------------------------------
    def name(self) -> str:
        """PyTorch's ``grad_fn.name()``: ``MulBackward0`` for a built-in op, ``MyFnBackward`` for a custom
        ``Function`` subclass ``MyFn``."""
        fn = self.fn
        named = fn.torch_name  # an op whose PyTorch name is not its own (Linear -> AddmmBackward0)
        if named is not None:
            return named if isinstance(named, str) else named(self)
        return fn.__name__ + fn.backward_suffix

    @property
    def next_functions(self):
        """``((node, 0), ...)``, one pair per input, as PyTorch's: the node that made the input (as this
        node saw it when it was recorded), an ``AccumulateGrad`` for a leaf that requires grad, ``None``
        for an input that needs no gradient (a constant, or a tensor without requires_grad)."""
        from .engine import _producer

        Tensor = _Tensor or _tensor_class()
        pairs = []
        for x, need in zip(self.inputs, self.needs_input_grad):
            fn = _producer(x, self.seq) if isinstance(x, Tensor) and need else None
            if fn is None and need:
                fn = AccumulateGrad.of(x)
            pairs.append((fn, 0))
        return tuple(pairs)

    def register_hook(self, fn):
        """Hook called with the gradient of this node's output before its backward runs."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return _RemovableHandle(self._hooks, fn)

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"


class AccumulateGrad:
    """What ``next_functions`` shows for a leaf that requires grad (PyTorch's ``AccumulateGrad``):
    ``.variable`` is the leaf, whose ``.grad`` backward accumulates into. One per leaf while it is
    referenced, so two nodes that consume the same leaf show the same object, as in PyTorch."""

    __slots__ = ("variable", "__weakref__")
    _alive = weakref.WeakValueDictionary()  # id(leaf) -> its AccumulateGrad (which keeps the leaf alive)
    next_functions = ()

    def __init__(self, variable):
        self.variable = variable

    @classmethod
    def of(cls, leaf):
        node = cls._alive.get(id(leaf))
        if node is None or node.variable is not leaf:
            node = cls._alive[id(leaf)] = cls(leaf)
        return node

    def name(self) -> str:
        """``torch::autograd::AccumulateGrad``, PyTorch's name for it."""
        return "torch::autograd::AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {id(self):#x}>"


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


# Node._saved after backward released the node: a second backward (or saved_tensors) then raises
_RELEASED = ("released by backward",)


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

    Subclass it with ``forward(ctx, *args)`` (runs on Tensors, with grad recording off; returns a
    Tensor or a tuple of outputs) and ``backward(ctx, *grad_outputs)`` (one gradient per forward output
    in; returns one gradient per forward argument, ``None`` for those that need none), then call
    ``MyFn.apply(*args)``. Check it with ``mg.autograd.gradcheck``. Several outputs: see
    ``autograd/multi_output.py``.
    """

    # Primitive ops (``Op``) compute on NumPy arrays; custom Functions compute on Tensors.
    array_level = False
    backward_suffix = "Backward"  # grad_fn.name(): PyTorch adds no number to a custom Function's
    torch_name = None  # or a name / a function of the node, where PyTorch names the op differently
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
        if isinstance(result, tuple):  # several outputs: one gradient each in backward
            if not record:
                return result
            from .multi_output import record_outputs

            return record_outputs(cls, ctx, args, result, Tensor)
        if not isinstance(result, Tensor):
            result = Tensor._make(np.asarray(result), None)
        if record and id(result) not in ctx.__dict__.get("_non_differentiable", ()):
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
    """The ``ctx`` a primitive's forward gets when nothing is recorded (``_SCRATCH``, one for all): what
    forward keeps on it for backward (masks) is dropped at once. Building a ``Node``, or any object,
    there would be wasted work on every op run under ``no_grad`` and on every op a backward pass runs."""

    __slots__ = ()
    needs_input_grad = ()
    inputs = ()
    kwargs = {}

    def __setattr__(self, name, value):
        pass  # nothing is recorded: no backward will read it


_SCRATCH = _Scratch()
_new = object.__new__
CROSSED = "crossed"  # Op.saves_inputs of a·b and a @ b (see Op)
_NO_KWARGS = {}  # the kwargs of every node recorded without keyword arguments (shared: never mutated)
# needs_input_grad of one- and two-input ops, shared (no tuple per op)
_NEEDS1 = (True,)
_NEEDS_TT, _NEEDS_TF, _NEEDS_FT = (True, True), (True, False), (False, True)
# input versions of a two-input op that saves its inputs, in the common case: nothing modified yet
_V00, _V0N, _VN0 = (0, 0), (0, None), (None, 0)


def _apply2(cls, a, b):
    """``cls.apply(a, b)``: an op with two positional inputs and no keyword arguments.

    The hot path of the library (``+``, ``*``, ``@`` and the ops a backward pass runs), spelled out:
    no argument tuples or dicts, no ``Node.__init__`` call, no tuple built for what is shared.
    """
    Tensor = _Tensor or _tensor_class()
    ta = isinstance(a, Tensor)
    tb = isinstance(b, Tensor)
    need_a = ta and a._rg
    need_b = tb and b._rg
    record = (need_a or need_b) and _state.enabled
    if record:
        # Node.__init__'s fields, set here without the call
        ctx = _new(Node)
        ctx.fn = cls
        ctx.inputs = (a, b)
        ctx.kwargs = _NO_KWARGS
        ctx.output = None
        ctx._saved = None
        ctx._hooks = None
        ctx._retained = None
        ctx._versions_inputs = None
        ctx._output_version = None
        ctx.seq = _next_seq()
    else:
        ctx = _SCRATCH
    try:
        out = _run_fp(cls.forward, ctx, a._data if ta else a, b._data if tb else b)
    except RuntimeError as error:
        if error.__traceback__.tb_next is not None:  # raised by the forward, not by Context.run
            raise
        out = _run_fp_busy(cls.forward, ctx, a._data if ta else a, b._data if tb else b)
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    if not record:
        return _make(out, None)
    ctx.needs_input_grad = (_NEEDS_TT if need_b else _NEEDS_TF) if need_a else _NEEDS_FT
    saves = cls.saves_inputs
    if saves:
        if saves is CROSSED:  # a is read only for b's gradient and b only for a's (as PyTorch saves)
            va = a._vc[0] if ta and need_b else None
            vb = b._vc[0] if tb and need_a else None
        else:
            va = a._vc[0] if ta else None
            vb = b._vc[0] if tb else None
        if va == 0:
            ctx._versions_inputs = _V00 if vb == 0 else _V0N if vb is None else (va, vb)
        else:
            ctx._versions_inputs = _VN0 if va is None and vb == 0 else (va, vb)
    result = _make(out, ctx)
    if cls.saves_output:
        ctx._output_version = _own_vc(result)  # the output's version counter, expected at 0
    return result


def _apply1(cls, a):
    """``cls.apply(a)``: an op with one positional input and no keyword arguments (see ``_apply2``)."""
    Tensor = _Tensor or _tensor_class()
    ta = isinstance(a, Tensor)
    record = ta and a._rg and _state.enabled
    if record:
        # Node.__init__'s fields, set here without the call
        ctx = _new(Node)
        ctx.fn = cls
        ctx.inputs = (a,)
        ctx.kwargs = _NO_KWARGS
        ctx.output = None
        ctx._saved = None
        ctx._hooks = None
        ctx._retained = None
        ctx._versions_inputs = None
        ctx._output_version = None
        ctx.seq = _next_seq()
    else:
        ctx = _SCRATCH
    try:
        out = _run_fp(cls.forward, ctx, a._data if ta else a)
    except RuntimeError as error:
        if error.__traceback__.tb_next is not None:  # raised by the forward, not by Context.run
            raise
        out = _run_fp_busy(cls.forward, ctx, a._data if ta else a)
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    if not record:
        return _make(out, None)
    ctx.needs_input_grad = _NEEDS1
    if cls.saves_inputs:
        ctx._versions_inputs = _V0 if a._vc is _V0 else (a._vc[0],)
    result = _make(out, ctx)
    if cls.saves_output:
        ctx._output_version = _own_vc(result)  # the output's version counter, expected at 0
    return result


def _apply_array_op(cls, *args, **kwargs):
    """``Op.apply``: forward on arrays; a ``Node`` only when an input requires grad in grad mode."""
    if not kwargs:
        nargs = len(args)
        if nargs == 2:
            return _apply2(cls, args[0], args[1])
        if nargs == 1:
            return _apply1(cls, args[0])
    Tensor = _Tensor or _tensor_class()
    record = _records(args, Tensor)
    ctx = Node(cls, args, kwargs or _NO_KWARGS) if record else _SCRATCH
    arrays = [a._data if isinstance(a, Tensor) else a for a in args]
    try:
        out = _run_fp(cls.forward, ctx, *arrays, **kwargs)
    except RuntimeError as error:
        if error.__traceback__.tb_next is not None:  # raised by the forward, not by Context.run
            raise
        out = _run_fp_busy(cls.forward, ctx, *arrays, **kwargs)
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    if not record:
        return _make(out, None)
    result = _make(out, ctx)
    _record_inputs(ctx, cls, args, result)
    return result


def _record_inputs(ctx, cls, args, result):
    """Store on ``ctx`` which inputs need a gradient and, for ops that read them, their versions."""
    Tensor = _Tensor
    ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._rg for a in args)
    if cls.saves_inputs:
        ctx._versions_inputs = versions = tuple(a._vc[0] if isinstance(a, Tensor) else None for a in args)
        if cls.saves_inputs is CROSSED and len(args) == 2:
            need_a, need_b = ctx.needs_input_grad
            ctx._versions_inputs = (versions[0] if need_b else None, versions[1] if need_a else None)
    if cls.saves_output:
        ctx._output_version = _own_vc(result)
        if result._vc[0]:
            ctx._output_v = result._vc[0]


def _plain_arity(forward):
    """The number of inputs of ``forward(ctx, ...)`` when it takes only plain positional parameters
    (no defaults, ``*args``, ``**kwargs`` or keyword-only ones), else None."""
    code = getattr(forward, "__code__", None)
    if code is None or forward.__defaults__ or code.co_kwonlyargcount or code.co_flags & 0x0C:
        return None  # 0x04 CO_VARARGS, 0x08 CO_VARKEYWORDS
    return code.co_argcount - 1


class Op(Function):
    """Base for primitive ops: ``forward`` on NumPy arrays, ``backward`` with Tensor ops (see module doc)."""

    array_level = True
    backward_suffix = "Backward0"  # grad_fn.name() of a built-in op in PyTorch: MulBackward0
    # An Op's backward reads ctx.inputs unless it says otherwise: False (reads none), or CROSSED for
    # a two-input op whose backward reads each input only for the other's gradient (a·b, a @ b). A
    # read input modified in place before backward makes backward raise, as in PyTorch.
    saves_inputs = True
    apply = classmethod(_apply_array_op)

    def __init_subclass__(cls, **kwargs):
        # An op whose forward takes exactly one or two inputs (no defaults, no keywords) gets as
        # ``apply`` the fixed-arity path itself, bound to the class by a partial: calling it then
        # builds no bound method, argument tuple or kwargs dict (~2k instructions of every op).
        super().__init_subclass__(**kwargs)
        if "apply" in cls.__dict__:
            return  # the subclass defines its own
        arity = _plain_arity(cls.forward)
        if arity == 1:
            cls.apply = functools.partial(_apply1, cls)
        elif arity == 2:
            cls.apply = functools.partial(_apply2, cls)
        else:
            cls.apply = classmethod(_apply_array_op)

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
