"""``Tensor``: a NumPy array, its gradient and the ``Node`` that made it.

Every operator and math method here is a one-line door into ``microgradnd.ops``, where each op's
forward and backward live side by side. Nothing in this file computes a derivative.
"""
from __future__ import annotations

import numbers
import weakref

import numpy as np

from . import dtypes as _dt
from . import printing as _printing
from .autograd import engine as _engine
from .autograd import grad_mode as _grad_mode
from .autograd.function import _next_seq

_state = _grad_mode._state


def _to_array(data, dtype=None):
    """Convert Python data / arrays / Tensors to an ndarray with microgradnd's dtype rules."""
    with np.errstate(all="ignore"):  # 1e300 -> float32 is inf, as in PyTorch, without a NumPy warning
        return _convert(data, dtype)


def _convert(data, dtype):
    if isinstance(data, Tensor):
        arr = data._data
        return arr.astype(dtype) if dtype is not None and arr.dtype != dtype else arr.copy()
    if isinstance(data, np.ndarray):
        return data.astype(dtype) if dtype is not None and data.dtype != dtype else data.copy()
    if isinstance(data, np.generic):
        return np.array(data, dtype=dtype)
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in _flatten(data)):
        data = _nested_tensors_to_lists(data)
    if dtype is None:
        arr = np.array(data)
        if arr.dtype == np.float64 and not _contains_numpy_float64(data):
            arr = arr.astype(_dt.get_default_dtype())
        elif arr.dtype.kind in "iu" and arr.dtype != np.int64:
            arr = arr.astype(np.int64)
        elif arr.dtype.kind == "O" or arr.dtype.kind in "USc":
            raise TypeError(
                f"tensor: cannot make a tensor from {type(data).__name__} holding {arr.dtype} data; "
                f"pass numbers, nested lists of numbers or a NumPy array"
            )
        return arr
    return np.array(data, dtype=dtype)


def _is_size(arg):
    """An int (``Tensor(3)``) or an explicit size, as in ``Tensor(2, 3)``."""
    return isinstance(arg, (int, np.integer)) and not isinstance(arg, (bool, np.bool_))


def _flatten(data):
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(x)
        else:
            yield x


def _nested_tensors_to_lists(data):
    if isinstance(data, Tensor):
        return data._data.tolist()
    if isinstance(data, (list, tuple)):
        return [_nested_tensors_to_lists(x) for x in data]
    return data


def _contains_numpy_float64(data):
    if isinstance(data, np.ndarray):
        return data.dtype == np.float64
    if isinstance(data, np.floating):
        return data.dtype == np.float64
    if isinstance(data, (list, tuple)):
        return any(_contains_numpy_float64(x) for x in data[:1]) if data else False
    return False


# A tensor's version counter is a one-element list shared by the tensor and its views, bumped by
# every in-place write. Most tensors (op outputs, temporaries of backward) are never written in place
# nor viewed: they all share this read-only counter at version 0, and get a list of their own only
# when one is needed (``_own_vc``, ``bump_version``). One list fewer per op is one object fewer for
# the garbage collector to walk while a graph is alive.
_V0 = (0,)


def _own_vc(t):
    """``t``'s version counter as a list of its own (made on first need), to share or to bump."""
    vc = t._vc
    if vc is _V0:
        vc = t._vc = [0]
    return vc


def bump_version(t):
    """Record an in-place write of ``t``: its version counter (shared with its views) goes up by one."""
    _own_vc(t)[0] += 1


class Tensor:
    """An n-dimensional array that records the operations applied to it (``torch.Tensor``).

    ``Tensor(data)`` is PyTorch's legacy constructor (default float dtype); ``mg.tensor(data)`` infers
    the dtype from the data (see its rules).
    """

    # Slots set only when needed (never initialised, read with getattr):
    # _history: on a tensor whose grad_fn an in-place op or detach_() replaced, for the nodes
    #   recorded before that (autograd.engine._producer);
    # _base_info: on a view (basic indexing, reshape/view, permute/transpose sharing memory):
    #   (base, view op, its kwargs), so that an in-place change of the view is recorded on the base;
    # _views: on a tensor with recorded views, weak references to them and how each was made, so
    #   that an in-place change of the tensor re-derives their graphs (Tensor._rebind).
    __slots__ = ("_data", "grad", "grad_fn", "_rg", "name", "_vc", "_hooks", "_history", "_base_info",
                 "_views", "__weakref__")
    __array_priority__ = 1000  # ndarray <op> Tensor dispatches to Tensor's reflected operator

    def __init__(self, *args, dtype=None, requires_grad=False, name=None, device=None):
        # PyTorch's legacy constructor: Tensor(data) gives the default float dtype (Tensor([1, 2]) is
        # float32; a Tensor argument keeps its dtype), Tensor(2, 3) a zero-filled tensor of that shape.
        # mg.tensor(data) is the constructor with the inferring dtype rules.
        if device is not None:
            _check_device(device)
        dtype = _dt.to_dtype(dtype)
        if len(args) == 1 and not _is_size(args[0]):
            data = args[0]
            if dtype is None and not isinstance(data, Tensor):
                dtype = _dt.get_default_dtype()
            self._data = _to_array(data, dtype)
        else:
            if not all(_is_size(n) for n in args):
                raise TypeError(f"Tensor(): expected data or a size made of ints, got {args!r}")
            shape = tuple(int(n) for n in args) if args else (0,)
            self._data = np.zeros(shape, dtype=dtype or _dt.get_default_dtype())
        self.grad = None
        self.grad_fn = None
        self._rg = False
        self.name = name
        self._vc = _V0
        self._hooks = None
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _make(cls, array, grad_fn):
        """Wrap an ndarray without copying (internal: ops build their outputs with this)."""
        t = object.__new__(cls)
        t._data = array
        t.grad = None
        t.grad_fn = grad_fn
        t._rg = grad_fn is not None
        t.name = None
        t._vc = _V0
        t._hooks = None
        return t

    # -- data and autograd attributes ------------------------------------------------------------
    @property
    def data(self):
        """This tensor's values as a new leaf Tensor outside the graph, sharing memory (``Tensor.data``).

        As in PyTorch, in-place changes through it (``p.data -= lr * p.grad``, ``w.grad.data.zero_()``,
        ``m.weight.data.normal_(0, 0.02)``) change this tensor without being recorded or
        version-checked. ``.numpy()`` or ``np.asarray(t)`` gives the NumPy array itself.
        """
        t = Tensor._make(self._data, None)
        t._vc = _V0  # changes made through .data are invisible to autograd's checks, as in PyTorch
        return t

    @data.setter
    def data(self, value):
        """``t.data = other`` swaps in other's values (shape and dtype may change), as in PyTorch."""
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    @property
    def requires_grad(self):
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value):
        value = bool(value)
        if value and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients; this one is "
                f"{self._data.dtype} (make it with dtype=mg.float32, or call .float() first)"
            )
        if not value and self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        self._rg = value

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` in place and return self (``Tensor.requires_grad_``)."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        """True for tensors not made by a recorded op (user-created, or not requiring grad)."""
        return self.grad_fn is None

    @property
    def shape(self):
        """The dimensions, a ``mg.Size`` (a tuple, as ``torch.Size``)."""
        return Size(self._data.shape)

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def device(self):
        return _CPU

    @property
    def is_cuda(self):
        return False

    @property
    def _version(self):
        return self._vc[0]

    def dim(self):
        return self._data.ndim

    def size(self, dim=None):
        """``t.size()`` is the shape; ``t.size(d)`` one dimension (negative ``d`` counts from the end)."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_norm_dim(dim, self._data.ndim, "size")]

    def numel(self):
        return int(self._data.size)

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    # -- conversion --------------------------------------------------------------------------------
    def numpy(self):
        """The array (shared memory). Like PyTorch, refuses when the tensor requires grad."""
        if self._rg:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        return self._data

    def item(self):
        """The single value as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar (item() needs "
                f"exactly one element; shape is {tuple(self._data.shape)})"
            )
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub":
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous (shape "
                f"{tuple(self._data.shape)}); use .any() or .all()"
            )
        return bool(self._data.reshape(()).item())

    def __array__(self, dtype=None, copy=None):
        """``np.asarray(t)``: the values; like ``numpy()``, refused when the tensor requires grad."""
        if self._rg:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        data = self._data if dtype is None else self._data.astype(dtype, copy=False)
        return data.copy() if copy else data

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """NumPy meets a Tensor: ``array <op> tensor`` is the Tensor's reflected operator; any other
        ufunc runs on the arrays (``out=`` may name tensors: their buffers are written)."""
        out = kwargs.get("out")
        if out is None and method == "__call__" and len(inputs) == 2 and not kwargs:
            a, b = inputs
            name = _REFLECTED_UFUNCS.get(ufunc)
            if name is not None and isinstance(b, Tensor) and not isinstance(a, Tensor):
                return getattr(b, name)(a)
        raw = [x._data if isinstance(x, Tensor) else x for x in inputs]
        if out is not None:
            kwargs["out"] = tuple(o._data if isinstance(o, Tensor) else o for o in out)
        return getattr(ufunc, method)(*raw, **kwargs)

    def __hash__(self):
        return id(self)

    def detach(self):
        """A new leaf sharing data (and the version counter) with this tensor, outside the graph."""
        t = Tensor._make(self._data, None)
        t._vc = _own_vc(self)
        return t

    def detach_(self):
        """Make this tensor a leaf outside the graph, in place (``Tensor.detach_``); ops recorded
        earlier keep it as it was."""
        if getattr(self, "_base_info", None) is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead (a view shares its "
                               "base's graph and memory)")
        if self.grad_fn is not None:
            self._note_replaced_grad_fn()
        self.grad_fn = None
        self._rg = False
        return self

    def clone(self):
        """A copy that stays in the graph (gradient flows back to the original)."""
        return _ops.clone(self)

    def to(self, *args, **kwargs):
        """``.to(dtype)``, ``.to('cpu')``, ``.to(device, dtype)``, ``.to(other_tensor)``."""
        dtype = to_args_dtype(args, kwargs)
        if dtype is None or dtype == self._data.dtype:
            return self
        return _ops.cast(self, dtype)

    # -- new_* constructors: same dtype (unless given) and device as this tensor --------------------
    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        """Zeros of ``size`` with this tensor's dtype (``Tensor.new_zeros``)."""
        return self._new(np.zeros, size, dtype, requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        """Ones of ``size`` with this tensor's dtype (``Tensor.new_ones``)."""
        return self._new(np.ones, size, dtype, requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        """Zeros (PyTorch leaves them uninitialised) of ``size`` with this tensor's dtype (``Tensor.new_empty``)."""
        return self._new(np.zeros, size, dtype, requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        """``fill_value`` everywhere, this tensor's dtype (``Tensor.new_full``)."""
        return self._new(lambda shape, dtype: np.full(shape, fill_value, dtype=dtype), (size,), dtype, requires_grad)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        """A copy of ``data`` with this tensor's dtype unless given (``Tensor.new_tensor``)."""
        t = Tensor._make(_to_array(data, _dt.to_dtype(dtype) or self._data.dtype), None)
        return t.requires_grad_() if requires_grad else t

    def _new(self, fill, size, dtype, requires_grad):
        if len(size) == 1 and isinstance(size[0], (tuple, list)):
            size = tuple(size[0])
        t = Tensor._make(fill(tuple(int(n) for n in size), dtype=_dt.to_dtype(dtype) or self._data.dtype), None)
        return t.requires_grad_() if requires_grad else t

    def type(self, dtype=None):
        """The type name (``'mg.FloatTensor'``) or, given a dtype, a legacy type (``mg.FloatTensor``) or
        its name (``'torch.FloatTensor'``), this tensor converted to it (``Tensor.type``)."""
        if dtype is None:
            return _TYPE_NAMES.get(self.dtype, str(self.dtype))
        return self.to(_dt.to_dtype(dtype))

    def cpu(self):
        return self

    def cuda(self, *args, **kwargs):
        raise RuntimeError("microgradnd has no GPU backend yet: mg.cuda.is_available() is False; use 'cpu'")

    def float(self):
        return self.to(_dt.float32)

    def double(self):
        return self.to(_dt.float64)

    def half(self):
        return self.to(_dt.float16)

    def long(self):
        return self.to(_dt.int64)

    def int(self):
        return self.to(_dt.int32)

    def bool(self):
        return self.to(_dt.bool)

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def contiguous(self, memory_format=None):
        """This tensor when its elements are laid out in row-major order, else a row-major copy that
        stays in the graph (``Tensor.contiguous``)."""
        return self if self._data.flags.c_contiguous else _ops.clone(self)

    def is_contiguous(self, memory_format=None):
        """Whether the elements are laid out in row-major order (False for a transposed view, as in
        PyTorch; ``.view()`` of such a tensor may then be refused: use ``.reshape()``)."""
        return bool(self._data.flags.c_contiguous)

    # -- autograd ------------------------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Backpropagate from this tensor and accumulate into leaves' ``.grad`` (``Tensor.backward``)."""
        if inputs is not None:
            grads = _engine.run_backward([self], [gradient], retain_graph, create_graph, inputs=list(inputs),
                                         allow_unused=True)
            for t, g in zip(inputs, grads):
                if g is not None:
                    _engine._accumulate(t, g, create_graph)
            return
        _engine.run_backward([self], [gradient], retain_graph, create_graph)

    def retain_grad(self):
        """Keep ``.grad`` of this non-leaf tensor after backward (``Tensor.retain_grad``)."""
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self.grad_fn._retained = weakref.ref(self)

    @property
    def retains_grad(self):
        return self.grad_fn is not None and self.grad_fn._retained is not None

    def draw_graph(self, **options):
        """Draw the graph that produced this tensor (``mg.draw_graph(self, **options)``)."""
        from .viz import draw_graph

        return draw_graph(self, **options)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor replaces it."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn.register_hook(hook)
        from .autograd.function import _RemovableHandle

        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _RemovableHandle(self._hooks, hook)

    # -- in-place (bump the version counter; allowed where no recorded graph needs the old value) -----
    def _check_inplace(self, op):
        if _state.enabled and self._rg and self.grad_fn is None:
            raise RuntimeError(
                f"a leaf Variable that requires grad is being used in an in-place operation ({op}); "
                f"wrap it in `with mg.no_grad():` (what an optimizer step does) or use an out-of-place op"
            )

    def _write(self, array, op):
        """Write ``array`` into this tensor's buffer in place (the one door every in-place op goes through)."""
        self._check_inplace(op)
        array = np.asarray(array)
        if _state.enabled and self.grad_fn is not None:
            # part of a recorded graph (h.zero_(), h.fill_(v)): recorded, the old value gets a zero
            # gradient, as in PyTorch
            value = _ops.constant(np.broadcast_to(array, self._data.shape).astype(self._data.dtype))
            everywhere = _ops.constant(np.ones(self._data.shape, dtype=bool))
            return self._apply_inplace(lambda t: _ops.where(everywhere, value, t), op)
        try:
            np.copyto(self._data, np.broadcast_to(array, self._data.shape), casting="unsafe")
        except ValueError:
            raise RuntimeError(
                f"{op}: the value of shape {tuple(array.shape)} cannot be written into a tensor of "
                f"shape {tuple(self._data.shape)}"
            ) from None
        bump_version(self)
        return self

    def zero_(self):
        return self._write(0, "zero_")

    def fill_(self, value):
        return self._write(_value_array(value), "fill_")

    def copy_(self, src, non_blocking=False):
        """Write ``src``'s values (broadcast, cast) into this tensor (``Tensor.copy_``); recorded when
        ``src`` requires grad, so the gradient flows to ``src`` as in PyTorch (``buf.copy_(x)``)."""
        if _state.enabled and isinstance(src, Tensor) and src._rg and self._data.dtype.kind == "f":
            everywhere = _ops.constant(np.ones(self.shape, dtype=bool))
            return self._apply_inplace(
                lambda t: _ops.where(everywhere, src if src.dtype == t.dtype else src.to(t.dtype), t), "copy_")
        return self._write(_value_array(src), "copy_")

    def add_(self, other, alpha=1):
        return self._inplace_or_rebind(other if alpha == 1 else other * alpha, "add_")

    def sub_(self, other, alpha=1):
        return self._inplace_or_rebind(other if alpha == 1 else other * alpha, "sub_")

    def mul_(self, other):
        return self._inplace_or_rebind(other, "mul_")

    def div_(self, other, *, rounding_mode=None):
        if rounding_mode is not None:
            return self._apply_inplace(lambda t: _ops.div(t, other, rounding_mode=rounding_mode), "div_")
        return self._inplace_or_rebind(other, "div_")

    def floor_(self):
        """self = ⌊self⌋ (``Tensor.floor_``)."""
        return self._apply_inplace(_ops.floor, "floor_")

    def ceil_(self):
        """self = ⌈self⌉ (``Tensor.ceil_``)."""
        return self._apply_inplace(_ops.ceil, "ceil_")

    def round_(self, decimals=0):
        """self = round(self, decimals) (``Tensor.round_``)."""
        return self._apply_inplace(lambda t: _ops.round(t, decimals=decimals), "round_")

    def trunc_(self):
        """self = trunc(self) (``Tensor.trunc_``)."""
        return self._apply_inplace(_ops.trunc, "trunc_")

    def sign_(self):
        """self = sign(self) (``Tensor.sign_``)."""
        return self._apply_inplace(_ops.sign, "sign_")

    def reciprocal_(self):
        """self = 1/self (``Tensor.reciprocal_``)."""
        return self._apply_inplace(_ops.reciprocal, "reciprocal_")

    def square_(self):
        """self = self² (``Tensor.square_``)."""
        return self._apply_inplace(_ops.square, "square_")

    def remainder_(self, other):
        """self = self mod other, the sign of other (``Tensor.remainder_``)."""
        return self._apply_inplace(lambda t: _ops.remainder(t, other), "remainder_")

    def fmod_(self, other):
        """self = fmod(self, other), the sign of self (``Tensor.fmod_``)."""
        return self._apply_inplace(lambda t: _ops.fmod(t, other), "fmod_")

    def sin_(self):
        """self = sin(self) (``Tensor.sin_``)."""
        return self._apply_inplace(_ops.sin, "sin_")

    def cos_(self):
        """self = cos(self) (``Tensor.cos_``)."""
        return self._apply_inplace(_ops.cos, "cos_")

    def clamp_(self, min=None, max=None):
        return self._apply_inplace(lambda t: _ops.clamp(t, min, max), "clamp_")

    clip_ = clamp_

    def clamp_min_(self, min):
        """self = max(self, min) (``Tensor.clamp_min_``)."""
        return self._apply_inplace(lambda t: _ops.clamp(t, min=min), "clamp_min_")

    def clamp_max_(self, max):
        """self = min(self, max) (``Tensor.clamp_max_``)."""
        return self._apply_inplace(lambda t: _ops.clamp(t, max=max), "clamp_max_")

    def exp_(self):
        """self = eˢᵉˡᶠ (``Tensor.exp_``)."""
        return self._apply_inplace(_ops.exp, "exp_")

    def log_(self):
        """self = ln self (``Tensor.log_``)."""
        return self._apply_inplace(_ops.log, "log_")

    def sqrt_(self):
        """self = √self (``Tensor.sqrt_``)."""
        return self._apply_inplace(_ops.sqrt, "sqrt_")

    def abs_(self):
        """self = |self| (``Tensor.abs_``)."""
        return self._apply_inplace(_ops.abs, "abs_")

    def neg_(self):
        """self = -self (``Tensor.neg_``)."""
        return self._apply_inplace(_ops.neg, "neg_")

    def pow_(self, exponent):
        """self = self ** exponent (``Tensor.pow_``)."""
        return self._apply_inplace(lambda t: _ops.pow(t, exponent), "pow_")

    def relu_(self):
        """self = max(self, 0) (``Tensor.relu_``)."""
        return self._apply_inplace(_ops.relu, "relu_")

    def sigmoid_(self):
        """self = σ(self) (``Tensor.sigmoid_``)."""
        return self._apply_inplace(_ops.sigmoid, "sigmoid_")

    def tanh_(self):
        """self = tanh(self) (``Tensor.tanh_``)."""
        return self._apply_inplace(_ops.tanh, "tanh_")

    def addcmul_(self, tensor1, tensor2, value=1):
        """self += value · tensor1 · tensor2 (``Tensor.addcmul_``, as optimizers use it)."""
        return self._apply_inplace(lambda t: t + tensor1 * tensor2 * value, "addcmul_")

    def addcdiv_(self, tensor1, tensor2, value=1):
        """self += value · tensor1 / tensor2 (``Tensor.addcdiv_``)."""
        return self._apply_inplace(lambda t: t + tensor1 / tensor2 * value, "addcdiv_")

    def lerp_(self, end, weight):
        """self += weight · (end - self) (``Tensor.lerp_``)."""
        return self._apply_inplace(lambda t: t + (end - t) * weight, "lerp_")

    def masked_fill_(self, mask, value):
        """Write ``value`` where ``mask`` is True (``Tensor.masked_fill_``)."""
        return self._apply_inplace(lambda t: _ops.masked_fill(t, mask, value), "masked_fill_")

    def unsqueeze_(self, dim):
        """Insert a size-1 dim at ``dim`` in place (``Tensor.unsqueeze_``)."""
        return self._view_inplace(lambda t: _ops.unsqueeze(t, dim), "unsqueeze_")

    def squeeze_(self, dim=None):
        """Remove size-1 dims (all, or ``dim``) in place (``Tensor.squeeze_``)."""
        return self._view_inplace(lambda t: _ops.squeeze(t, dim), "squeeze_")

    def t_(self):
        """Transpose a ≤2-d tensor in place (``Tensor.t_``)."""
        return self._view_inplace(_ops.t, "t_")

    def transpose_(self, dim0, dim1):
        """Swap two dims in place (``Tensor.transpose_``)."""
        return self._view_inplace(lambda t: _ops.transpose(t, dim0, dim1), "transpose_")

    def _view_inplace(self, fn, name):
        """This tensor becomes ``fn`` of itself, a view op (same memory, new shape), and its version
        goes up, as PyTorch's in-place view ops do; recorded when a graph is (the op reads the tensor
        as it was, through ``old``)."""
        self._check_inplace(name)
        old = self._as_it_was()
        new = fn(old)
        if new is old:
            return self
        bump_version(self)
        if new.grad_fn is not None:
            self._note_replaced_grad_fn()
            self.grad_fn, self._rg = new.grad_fn, True
        self._data = new._data
        return self

    def _apply_inplace(self, fn, name):
        """Replace this tensor's value by ``fn(self)``: in the buffer when no graph is recorded (under
        ``no_grad``, or when nothing involved requires grad), else recorded like ``+=``."""
        self._check_inplace(name)
        since, old = _next_seq(), self._as_it_was()
        result = fn(old)
        if _dt._category(result.dtype) > _dt._category(self._data.dtype):
            raise RuntimeError(
                f"result type {_TYPE_WORDS.get(result.dtype.kind, result.dtype)} can't be cast to the "
                f"desired output type {_TYPE_WORDS.get(self._data.dtype.kind, self._data.dtype)} ({name})")
        if not result.requires_grad:
            return self._write(result._data, name)
        if result.dtype != self.dtype:
            result = result.to(self.dtype)
        self._rebind(result, old, since)
        return self

    def uniform_(self, a=0.0, b=1.0, generator=None):
        from . import random as _random

        return self._write(_random.uniform_array(self.shape, a, b, generator), "uniform_")

    def normal_(self, mean=0.0, std=1.0, generator=None):
        from . import random as _random

        return self._write(_random.normal_array(self.shape, mean, std, generator), "normal_")

    def bernoulli_(self, p=0.5, generator=None):
        """1 with probability ``p`` (a number or a tensor), else 0, in place (``Tensor.bernoulli_``)."""
        from . import random as _random

        prob = p._data if isinstance(p, Tensor) else p
        return self._write(_random.uniform_array(self.shape, 0.0, 1.0, generator) < prob, "bernoulli_")

    def random_(self, from_=0, to=None, generator=None):
        """Integers drawn uniformly from [from_, to) (``random_(to)`` = [0, to)) in place (``Tensor.random_``)."""
        from . import random as _random

        if to is None:
            if from_ == 0:
                raise NotImplementedError("random_(): give an upper bound, random_(to) or random_(from, to)")
            from_, to = 0, from_
        return self._write(_random.rng(generator).integers(from_, to, size=self.shape), "random_")

    def exponential_(self, lambd=1.0, generator=None):
        """Exponential samples with rate ``lambd`` in place (``Tensor.exponential_``)."""
        from . import random as _random

        return self._write(_random.rng(generator).exponential(1.0 / lambd, size=self.shape), "exponential_")

    def __iadd__(self, other):
        return self._inplace_or_rebind(other, "add_")

    def __isub__(self, other):
        return self._inplace_or_rebind(other, "sub_")

    def __imul__(self, other):
        return self._inplace_or_rebind(other, "mul_")

    def __itruediv__(self, other):
        return self._inplace_or_rebind(other, "div_")

    def _inplace_or_rebind(self, other, name):
        """``self <op>= other``: in place on the buffer when no graph is recorded, else recorded."""
        _check_inplace_dtype(self, other, name)
        if isinstance(other, Tensor) and other._data is not self._data and _partial_overlap(self._data, other._data):
            raise RuntimeError(
                "unsupported operation: some elements of the input tensor and the written-to tensor refer "
                "to a single memory location. Please clone() the tensor before performing the operation."
            )
        needs_graph = _state.enabled and (
            self._rg or (isinstance(other, Tensor) and other._rg)
        )
        if not needs_graph:
            with np.errstate(all="ignore"):
                value = _INPLACE_UFUNCS[name](self._data, _value_array(other))
            return self._write(value, name)
        self._check_inplace(name)
        # Recorded in-place on a non-leaf: compute out of place and move the result into this
        # object, so the graph sees `self` as the op's output (what PyTorch's in-place ops do).
        # The old value stays alive in `old` for the backward of the ops that consumed it.
        since, old = _next_seq(), self._as_it_was()
        result = getattr(_ops, name[:-1])(old, other)
        if result.dtype != self.dtype:
            result = result.to(self.dtype)  # float32 += float64 stays float32, as in PyTorch
        self._rebind(result, old, since)
        return self

    def _rebind(self, result, old=None, since=0, bumped=False):
        """Become ``result`` (a recorded in-place op computed out of place; ``old`` is the tensor the
        op read this one's previous value through) and bump this tensor's version, as PyTorch's
        in-place ops do: a node that saved the old value (as input or output) then refuses to
        backward, while nodes recorded earlier keep their forward-time edges. ``since``: a sequence
        number taken before the op ran (its nodes are newer).

        The new value is written into this tensor's memory, so every tensor sharing it (its base,
        its views, a ``detach()``) sees it, as PyTorch's storage does; ``old`` gets a copy of the old
        value first when a backward reads it. A change made through a view is recorded on its base
        (``_through_view``), and the views of a changed tensor re-derive their graph from it
        (``_replay_view``), as PyTorch's views do."""
        if result.shape != self.shape:
            raise RuntimeError(
                f"output with shape {list(self.shape)} doesn't match the broadcast shape {list(result.shape)}"
            )
        view_of = self._view_base()  # (base, view op, its kwargs) or None; a leaf base raises
        if view_of is not None:
            base = view_of[0]
            old_base = base._as_it_was(copy=True)  # before the write below
        if old is not None and old._data is self._data and _read_by_new_nodes(old, result, since):
            old._data = old._data.copy()
        vc = _own_vc(self)
        if not bumped:  # (a base changed through its view: the shared counter already moved)
            vc[0] += 1
        node = result.grad_fn
        if node is not None and node._output_version is not None:
            node._output_version = vc  # the new node's output is this tensor, at this version
            node._output_v = vc[0]
        self._note_replaced_grad_fn()
        if self._data.flags.writeable:
            np.copyto(self._data, result._data, casting="unsafe")
        else:  # a broadcast (expanded) array: nothing can share its memory usefully
            self._data = result._data
        self.grad_fn, self._rg = result.grad_fn, True
        if view_of is not None:  # the base's rebind re-derives this view (and its siblings) from it
            base._rebind(_through_view(old_base, view_of[1], view_of[2], self), bumped=True)
        else:
            for view, fn, kwargs in self._live_views():
                view._replay_view(self, fn, kwargs)

    def _as_it_was(self, copy=False):
        """This tensor's value and producer now, as the operand of a recorded in-place op (or, with
        ``copy``, kept apart from later writes). It has its own version counter: the bump that the
        in-place op makes is for the earlier readers of this tensor, not for this operand."""
        old = Tensor._make(self._data.copy() if copy else self._data, self.grad_fn)
        old._vc = [self._vc[0]]
        return old

    def _note_replaced_grad_fn(self):
        """Keep ``grad_fn`` for the nodes recorded so far before it is replaced: they read this
        tensor as it was (PyTorch's forward-time edges; see autograd.engine._producer)."""
        entry = (_next_seq(), self.grad_fn)
        try:
            self._history.append(entry)
        except AttributeError:
            self._history = [entry]

    def _view_base(self):
        """``(base, view op, kwargs)`` when this tensor is a view of ``base``'s memory (basic
        indexing, reshape/view, permute/transpose), else None; a change of a view of a leaf that
        requires grad raises, as in PyTorch."""
        info = getattr(self, "_base_info", None)
        if info is None:
            return None
        base = info[0]
        if base.grad_fn is None and base._rg:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place "
                               "operation; do it under mg.no_grad() or on a .clone()")
        return info

    def _register_view(self, view, fn, kwargs):
        """Record that ``view`` = ``fn(self, **kwargs)`` shares this tensor's memory (and version
        counter): an in-place change of the view is then recorded on this tensor, and, for a view
        that is itself recorded, an in-place change of this tensor re-derives the view's graph
        (weakly held: a view nobody uses is forgotten)."""
        view._vc = _own_vc(self)
        view._base_info = (self, fn, kwargs)
        if view.grad_fn is None:
            return
        entry = (weakref.ref(view), fn, kwargs)
        views = getattr(self, "_views", None)
        if views is None:
            self._views = [entry]
            return
        n = len(views)
        if n >= 8 and not n & (n - 1):  # at 8, 16, 32, ...: drop views that are gone (amortised O(1))
            views[:] = [e for e in views if e[0]() is not None]
        views.append(entry)

    def _live_views(self):
        views = getattr(self, "_views", None)
        if not views:
            return ()
        live = [(v, fn, kwargs) for ref, fn, kwargs in views if (v := ref()) is not None]
        self._views = [(weakref.ref(v), fn, kwargs) for v, fn, kwargs in live]
        return live

    def _replay_view(self, base, fn, kwargs):
        """After an in-place change of ``base``: this view's values are already the new ones (shared
        memory); its graph becomes ``fn`` applied to the new ``base`` (PyTorch regenerates a view's
        grad_fn the same way), and so on down to its own views."""
        replay = fn.apply(base, **kwargs)
        self._note_replaced_grad_fn()
        self.grad_fn, self._rg = replay.grad_fn, replay._rg
        for view, vfn, vkwargs in self._live_views():
            view._replay_view(self, vfn, vkwargs)

    def __setitem__(self, index, value):
        self._check_inplace("__setitem__")
        needs_graph = _state.enabled and (
            self._rg or (isinstance(value, Tensor) and value._rg)
        )
        if needs_graph:
            since, old = _next_seq(), self._as_it_was()
            result = _ops.index_put(old, _ops.unwrap_index(index), value)
            self._rebind(result, old, since)
            return
        index = _ops.unwrap_index(index)  # a negative step raises ValueError, as in PyTorch
        try:
            self._data[index] = _value_array(value)
        except IndexError as e:
            raise IndexError(f"__setitem__: {e} (tensor shape {tuple(self.shape)})") from None
        except ValueError as e:
            raise RuntimeError(f"__setitem__: {e} (tensor shape {tuple(self.shape)})") from None
        bump_version(self)

    # -- repr ----------------------------------------------------------------------------------------
    def __repr__(self):
        body = _printing.format_array(self._data)
        extras = []
        if self._data.size == 0 and self._data.ndim != 1:
            extras.append(f"size={tuple(self._data.shape)}")
        shown = (_dt.get_default_dtype(),) if self._data.size == 0 else (  # empty: nothing tells int64
            _dt.get_default_dtype(), np.dtype(np.int64), np.dtype(np.bool_))
        if self._data.dtype not in shown:
            extras.append(f"dtype=mg.{self._data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self._rg:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return _printing.with_suffixes("tensor(" + body, extras)

    __str__ = __repr__

    def __format__(self, spec):
        if self._data.ndim == 0 or self._data.size == 1 and spec:
            return format(self.item(), spec)
        return repr(self)

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __reduce__(self):
        raise TypeError("microgradnd tensors are not pickled; use mg.save / mg.load (.npz)")

    def __deepcopy__(self, memo):
        t = Tensor._make(self._data.copy(), None)
        t._rg = self._rg
        t.name = self.name
        if self.grad is not None:
            t.grad = Tensor._make(self.grad._data.copy(), None)
        memo[id(self)] = t
        return t


def _partial_overlap(a, b):
    """Whether arrays ``a`` and ``b`` share some memory without being the very same view of it (an
    in-place op then reads values it has already overwritten: PyTorch refuses it)."""
    if not np.may_share_memory(a, b):
        return False
    return not (a.shape == b.shape and a.strides == b.strides and a.ctypes.data == b.ctypes.data)


def _through_view(old_base, fn, kwargs, new_view):
    """The base's new value after its view (``fn`` with ``kwargs`` applied to ``old_base``) became
    ``new_view``, recorded (PyTorch's CopySlices): the rest of the base keeps its gradient path."""
    from .ops.shape import GetItem, IndexPut, Permute, Reshape

    if fn is GetItem:
        return IndexPut.apply(old_base, new_view, index=kwargs["index"])
    # a reshaped or permuted view covers the whole base: its new value, brought back to the base's
    # layout, replaces all of it (put at [...], so that the base does not look like a view itself)
    if fn is Reshape:
        value = Reshape.apply(new_view, shape=old_base.shape)
    else:
        value = Permute.apply(new_view, dims=tuple(int(d) for d in np.argsort(kwargs["dims"])))
    return IndexPut.apply(old_base, value, index=(Ellipsis,))


def _read_by_new_nodes(old, result, since):
    """Whether a node recorded for ``result`` after sequence number ``since`` (by the in-place op
    that read ``old``) reads ``old``'s value in backward: ``old`` must then keep that value when the
    new one is written over it."""
    from .autograd.engine import _reads

    stack = [result.grad_fn] if result.grad_fn is not None else []
    seen = set()
    while stack:
        node = stack.pop()
        if node.seq <= since or id(node) in seen:
            continue
        seen.add(id(node))
        for x in node.inputs:
            if x is old:
                if _reads(node, old):
                    return True
            elif isinstance(x, Tensor) and x.grad_fn is not None:
                stack.append(x.grad_fn)
    return False


def _check_inplace_dtype(tensor, other, op):
    """PyTorch refuses an in-place op whose result dtype cannot be stored back (int += 1.5, int /= 2)."""
    result = _dt.result_type(tensor, other if not isinstance(other, (list, tuple)) else np.asarray(other))
    if op == "div_" and result.kind != "f":
        result = _dt.get_default_dtype()
    if _dt._category(result) > _dt._category(tensor._data.dtype):
        raise RuntimeError(
            f"result type {_TYPE_WORDS.get(result.kind, result)} can't be cast to the desired output type "
            f"{_TYPE_WORDS.get(tensor._data.dtype.kind, tensor._data.dtype)} ({op} on a {tensor._data.dtype} tensor; "
            f"convert it first, e.g. t = t.float())"
        )


# ufunc(array, tensor) -> the tensor's reflected operator, as NumPy's __array_priority__ deferral did
_REFLECTED_UFUNCS = {
    np.add: "__radd__", np.subtract: "__rsub__", np.multiply: "__rmul__", np.true_divide: "__rtruediv__",
    np.power: "__rpow__", np.matmul: "__rmatmul__", np.floor_divide: "__rfloordiv__", np.remainder: "__rmod__",
    np.bitwise_and: "__rand__", np.bitwise_or: "__ror__", np.equal: "__eq__", np.not_equal: "__ne__",
    np.less: "__gt__", np.less_equal: "__ge__", np.greater: "__lt__", np.greater_equal: "__le__",
}
_TYPE_WORDS = {"f": "Float", "i": "Long", "u": "Byte", "b": "Bool"}
_INPLACE_UFUNCS = {"add_": np.add, "sub_": np.subtract, "mul_": np.multiply, "div_": np.true_divide}


def to_args_dtype(args, kwargs):
    """The dtype asked for by PyTorch-style ``.to(...)`` arguments (None when only a device is named).

    Accepts a dtype, a device ('cpu' or ``mg.device``; anything else raises), another tensor (its
    dtype), ``dtype=``/``device=`` keywords and a positional ``non_blocking`` bool, as ``Tensor.to``
    and ``Module.to`` do in PyTorch.
    """
    dtype = kwargs.get("dtype")
    for a in list(args) + [kwargs.get("device")]:
        if a is None or isinstance(a, bool):
            continue
        if isinstance(a, Tensor):
            dtype = a.dtype
        elif isinstance(a, (str, Device)):
            _check_device(a)
        else:
            dtype = a
    return None if dtype is None else _dt.to_dtype(dtype)


def _value_array(value):
    if isinstance(value, Tensor):
        return value._data
    return value if isinstance(value, (np.ndarray, numbers.Number)) else np.asarray(value)


def _norm_dim(dim, ndim, op):
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"{op}: dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim % n


class Size(tuple):
    """A tensor's dimensions (``torch.Size``): a tuple of ints that prints as ``mg.Size([2, 3])``
    and compares equal to the plain tuple ``(2, 3)``; slicing gives a Size."""

    __slots__ = ()

    def __new__(cls, sizes=()):
        return tuple.__new__(cls, sizes)

    def __repr__(self):
        return f"mg.Size({list(self)})"

    __str__ = __repr__

    def __getitem__(self, index):
        item = tuple.__getitem__(self, index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def numel(self):
        """The number of elements a tensor of this shape holds (``torch.Size.numel``)."""
        n = 1
        for d in self:
            n *= d
        return n


class Device:
    """The only device there is: ``mg.device('cpu')``."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):
        if isinstance(type, Device):
            type, index = type.type, type.index
        _check_device(type)
        self.type, self.index = "cpu", None

    def __repr__(self):
        return "device(type='cpu')"

    def __str__(self):
        return "cpu"

    def __eq__(self, other):
        return isinstance(other, Device) or other == "cpu"

    def __hash__(self):
        return hash("cpu")


def _check_device(device):
    name = device.type if isinstance(device, Device) else str(device)
    if name.split(":")[0] != "cpu":
        raise RuntimeError(
            f"device {name!r} is not available: microgradnd computes on the CPU with NumPy "
            f"(mg.cuda.is_available() is False); use 'cpu'"
        )


_CPU = Device("cpu")
_TYPE_NAMES = {
    np.dtype(np.float32): "mg.FloatTensor",
    np.dtype(np.float64): "mg.DoubleTensor",
    np.dtype(np.int64): "mg.LongTensor",
    np.dtype(np.bool_): "mg.BoolTensor",
}

from . import ops as _ops  # noqa: E402  (ops import Tensor; the methods below only run later)

_ops.install_tensor_methods(Tensor)
