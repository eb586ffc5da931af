"""Shape ops: reshape, permute, expand, cat, indexing and its scatter-add backward, pad.

Each backward is the inverse movement of the gradient: reshape back, permute back, sum the expanded
axes, slice the concatenated pieces apart, scatter-add the indexed elements.
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Op
from .registry import OpSpec, add_spec, random_dim, random_index, random_shape, register
from .util import Tensor, as_operand, constant, norm_dim

# ---------------------------------------------------------------------------------------------------
# primitives


@register("reshape", arity=1, broadcast=False, call=lambda x, shape: reshape(x, shape),
          kwargs=lambda rng, shapes: {"shape": _random_reshape(rng, shapes[0])})
class Reshape(Op):
    """out = x with a new shape (same elements in row-major order);  grad is reshaped back"""

    torch_name = staticmethod(lambda node: _reshape_torch_name(node.inputs[0].shape, node.kwargs["shape"]))

    saves_inputs = False

    @staticmethod
    def forward(ctx, x, shape=()):
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad.reshape(x.shape)


@register("permute", arity=1, broadcast=False, min_dims=1, call=lambda x, dims: permute(x, dims),
          kwargs=lambda rng, shapes: {"dims": tuple(int(d) - len(shapes[0]) * int(rng.random() < 0.3)
                                                    for d in rng.permutation(len(shapes[0])))})
class Permute(Op):
    """out = x with its axes reordered by ``dims``;  grad is permuted by the inverse order"""

    torch_name = "PermuteBackward0"  # grad_fn.name() as PyTorch's permute / .T (t() and transpose differ)

    saves_inputs = False

    @staticmethod
    def forward(ctx, x, dims=()):
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, grad):
        inverse = tuple(np.argsort(ctx.kwargs["dims"]))
        return permute(grad, inverse)


@register("expand", arity=1, broadcast=False, sample=lambda rng: _expand_sample(rng),
          call=lambda x, shape: expand(x, shape))
class Expand(Op):
    """out = x broadcast to ``shape`` (``expand``/``broadcast_to``);  grad is summed over the new axes"""

    saves_inputs = False

    @staticmethod
    def forward(ctx, x, shape=()):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        # the engine's unbroadcast_to sums the gradient back to the input's shape
        return grad


@register("cat", arity=2, broadcast=False, sample=lambda rng: _cat_sample(rng, 2),
          call=lambda *xs, dim: cat(xs, dim))
class Cat(Op):
    """out = the inputs joined along ``dim``;  each input gets its slice of the gradient"""

    saves_inputs = False

    @staticmethod
    def forward(ctx, *xs, dim=0):
        return np.concatenate(xs, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        dim = ctx.kwargs["dim"]
        grads, start = [], 0
        for x, need in zip(ctx.inputs, ctx.needs_input_grad):
            n = x.shape[dim]
            if need:
                index = (slice(None),) * dim + (slice(start, start + n),)
                grads.append(getitem(grad, index))
            else:
                grads.append(None)
            start += n
        return tuple(grads)


@register("getitem", arity=1, broadcast=False, min_dims=1, call=lambda x, index: x[index],
          kwargs=lambda rng, shapes: {"index": random_index(rng, shapes[0], "basic")})
class GetItem(Op):
    """out = x[index] (basic, advanced or boolean);  grad is scatter-added into zeros of x's shape"""

    torch_name = staticmethod(lambda node: _getitem_torch_name(node.kwargs["index"]))

    saves_inputs = False

    @staticmethod
    def forward(ctx, x, index=None):
        return np.asarray(x[index])

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return index_add_into(grad, x.shape, ctx.kwargs["index"])


@register("index_add_into", arity=1, broadcast=False, sample=lambda rng: _index_add_sample(rng),
          call=lambda g, shape, index: index_add_into(g, shape, index))
class IndexAddInto(Op):
    """out = zeros(shape) with g scatter-added at ``index`` (repeated indices add up);  grad = grad[index]"""

    saves_inputs = False

    @staticmethod
    def forward(ctx, g, shape=(), index=None):
        out = np.zeros(shape, dtype=g.dtype)
        np.add.at(out, index, g)
        return out

    @staticmethod
    def backward(ctx, grad):
        return getitem(grad, ctx.kwargs["index"])


@register("index_put", arity=2, broadcast=False, sample=lambda rng: _index_put_sample(rng),
          call=lambda x, v, index: index_put(x, index, v))
class IndexPut(Op):
    """out = x with x[index] replaced by v (``x[index] = v`` recorded);  grads: g with zeros at index, g[index]"""

    saves_inputs = False

    @staticmethod
    def forward(ctx, x, v, index=None):
        out = x.copy()
        out[index] = v
        return out

    @staticmethod
    def backward(ctx, grad):
        index = ctx.kwargs["index"]
        keep = np.ones(grad.shape, dtype=bool)
        keep[index] = False
        gx = grad * constant(keep.astype(grad.dtype)) if ctx.needs_input_grad[0] else None
        gv = None
        if ctx.needs_input_grad[1]:
            gv = getitem(grad, index)
            v = ctx.inputs[1]
            if isinstance(v, Tensor) and gv.shape != v.shape:
                gv = _sum_to_shape(gv, v.shape)
        return gx, gv


def _reshape_torch_name(before, after):
    """PyTorch's grad_fn name for a reshape: unsqueeze / squeeze when only size-1 dims come or go."""
    before, after = tuple(before), tuple(after)
    if len(after) == len(before) + 1 and tuple(n for n in after if n != 1) == tuple(n for n in before if n != 1):
        return "UnsqueezeBackward0"
    if len(after) < len(before) and tuple(n for n in before if n != 1) == tuple(n for n in after if n != 1):
        return "SqueezeBackward1" if len(before) - len(after) == 1 else "SqueezeBackward0"  # (one dim: squeeze(d))
    return "ViewBackward0"


def _getitem_torch_name(index):
    """PyTorch's grad_fn name for indexing: an index tensor or mask, an integer, a new axis, slices."""
    items = index if isinstance(index, tuple) else (index,)
    if any(not (i is None or i is Ellipsis or isinstance(i, (slice, int, np.integer))) for i in items):
        return "IndexBackward0"
    if any(isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in items):
        return "SelectBackward0"
    if any(i is None for i in items):
        return "UnsqueezeBackward0"
    return "SliceBackward0"


def _sum_to_shape(g, shape):
    from ..autograd.engine import unbroadcast_to

    return unbroadcast_to(g, tuple(shape))


@register("pad", arity=1, broadcast=False, min_dims=1,
          kwargs=lambda rng, shapes: {"pad": tuple(int(p) for p in rng.integers(0, 3, size=2 * int(rng.integers(1, len(shapes[0]) + 1))))})
class Pad(Op):
    """out = x with constant padding (``F.pad`` order: last dim first);  grad is the centre slice"""

    saves_inputs = False

    @staticmethod
    def forward(ctx, x, widths=(), value=0.0):
        return np.pad(x, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        index = tuple(slice(lo, lo + n) for (lo, _), n in zip(ctx.kwargs["widths"], x.shape))
        return getitem(grad, index)


@register("flip", arity=1, broadcast=False, min_dims=1,
          kwargs=lambda rng, shapes: {"dims": tuple(int(d) for d in rng.permutation(len(shapes[0]))[:int(rng.integers(1, len(shapes[0]) + 1))])})
class Flip(Op):
    """out = x reversed along ``dims``;  grad is flipped back"""

    saves_inputs = False

    @staticmethod
    def forward(ctx, x, dims=()):
        return np.flip(x, axis=dims).copy()

    @staticmethod
    def backward(ctx, grad):
        return flip(grad, ctx.kwargs["dims"])


# ---------------------------------------------------------------------------------------------------
# public functions


def _tensor(x, op):
    x = as_operand(x, op)
    return x if isinstance(x, Tensor) else Tensor._make(np.asarray(x), None)


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def reshape(x, *shape):
    """Same elements, new shape; one dim may be -1 (``torch.reshape`` / ``Tensor.view``)."""
    x = _tensor(x, "reshape")
    shape = _shape_arg(shape)
    if shape == x.shape:
        return x
    try:
        out_shape = _resolve_shape(shape, x.numel())
    except ValueError as e:
        raise RuntimeError(f"reshape: shape {list(shape)} is invalid for input of size {x.numel()} "
                           f"(shape {tuple(x.shape)}): {e}") from None
    return _view_of(Reshape.apply(x, shape=out_shape), x, Reshape, {"shape": out_shape})


def _view_of(out, x, fn, kwargs):
    """When ``out`` = ``fn(x, **kwargs)`` is a view of ``x``'s memory: it shares x's version counter
    and in-place changes reach across, as PyTorch's views do (``Tensor._register_view``)."""
    base = out._data.base
    if base is not None and (base is x._data or base is x._data.base):  # NumPy collapses view chains
        x._register_view(out, fn, kwargs)
    return out


def _resolve_shape(shape, size):
    if shape.count(-1) > 1:
        raise ValueError("only one dimension can be inferred")
    known = int(np.prod([s for s in shape if s != -1])) if shape else 1
    if -1 in shape:
        if known == 0 or size % known:
            raise ValueError("the sizes do not divide")
        shape = tuple(size // known if s == -1 else s for s in shape)
    elif known != size:
        raise ValueError("the number of elements differs")
    if any(s < 0 for s in shape):
        raise ValueError("negative dimension")
    return shape


def view(x, *shape):
    """``reshape`` that never copies (``Tensor.view``): a shape that would need a copy of a
    non-contiguous tensor (a transposed one) raises, as in PyTorch."""
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list)):
        return _tensor(x, "view").to(shape[0])
    data = _tensor(x, "view")._data
    if not data.flags.c_contiguous:  # a view must not copy: refused where PyTorch refuses it
        try:
            data.reshape(_shape_arg(shape), copy=False)
        except ValueError as e:
            if "copy" in str(e):
                raise RuntimeError(
                    "view size is not compatible with input tensor's size and stride (at least one "
                    "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
                ) from None
    return reshape(x, *shape)


def flatten(x, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim..end_dim`` into one (``torch.flatten``)."""
    x = _tensor(x, "flatten")
    if x.ndim == 0:
        return reshape(x, 1)
    s = norm_dim(start_dim, x.ndim, "flatten")
    e = norm_dim(end_dim, x.ndim, "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = x.shape[:s] + (int(np.prod(x.shape[s:e + 1])),) + x.shape[e + 1:]
    return reshape(x, shape)


def unflatten(x, dim, sizes):
    """Split one dim into ``sizes`` (``torch.unflatten``)."""
    x = _tensor(x, "unflatten")
    d = norm_dim(dim, x.ndim, "unflatten")
    sizes = tuple(sizes)
    if -1 in sizes:
        sizes = _resolve_shape(sizes, x.shape[d])
    return reshape(x, x.shape[:d] + sizes + x.shape[d + 1:])


def permute(x, *dims):
    """Reorder the axes (``torch.permute``)."""
    x = _tensor(x, "permute")
    dims = _shape_arg(dims)
    if len(dims) != x.ndim:
        raise RuntimeError(
            f"permute: number of dims don't match: the input has {x.ndim} dims, dims={dims} has {len(dims)}"
        )
    dims = tuple(norm_dim(d, x.ndim, "permute") for d in dims)
    if sorted(dims) != list(range(x.ndim)):
        raise RuntimeError(f"permute: dims {dims} repeat a dimension")
    if dims == tuple(range(x.ndim)):
        return x
    return _view_of(Permute.apply(x, dims=dims), x, Permute, {"dims": dims})


def transpose(x, dim0, dim1):
    """Swap two axes (``torch.transpose``)."""
    x = _tensor(x, "transpose")
    if x.ndim < 2 and x.ndim == 0:
        return x
    d0, d1 = norm_dim(dim0, x.ndim, "transpose"), norm_dim(dim1, x.ndim, "transpose")
    dims = list(range(x.ndim))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return permute(x, dims)


def t(x):
    """Transpose of a ≤2-d tensor (``torch.t``)."""
    x = _tensor(x, "t")
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return transpose(x, 0, 1) if x.ndim == 2 else x


def T(x):
    """All axes reversed (``Tensor.T``)."""
    x = _tensor(x, "T")
    return permute(x, tuple(range(x.ndim))[::-1]) if x.ndim >= 2 else x


def mT(x):
    """The last two axes swapped (``Tensor.mT``)."""
    return transpose(x, -2, -1)


def squeeze(x, dim=None):
    """Remove size-1 dims (all, or the given ones; others are left alone like PyTorch)."""
    x = _tensor(x, "squeeze")
    if dim is None:
        shape = tuple(n for n in x.shape if n != 1)
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        dims = {norm_dim(d, x.ndim, "squeeze") for d in dims} if x.ndim else set()
        shape = tuple(n for i, n in enumerate(x.shape) if not (i in dims and n == 1))
    return reshape(x, shape)


def unsqueeze(x, dim):
    """Insert a size-1 dim at ``dim`` (``torch.unsqueeze``)."""
    x = _tensor(x, "unsqueeze")
    d = norm_dim(dim, x.ndim + 1, "unsqueeze")
    return reshape(x, x.shape[:d] + (1,) + x.shape[d:])


def expand(x, *shape):
    """Broadcast to ``shape``; -1 keeps a dim (``Tensor.expand``)."""
    x = _tensor(x, "expand")
    shape = _shape_arg(shape)
    if len(shape) < x.ndim:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(shape)}) must be greater or equal to the "
            f"number of dimensions in the tensor ({x.ndim})"
        )
    lead = len(shape) - x.ndim
    shape = tuple(x.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(shape))
    if shape == x.shape:
        return x
    for i, n in enumerate(x.shape):
        if n != 1 and n != shape[i + lead]:
            raise RuntimeError(
                f"expand: the expanded size of the tensor ({shape[i + lead]}) must match the existing "
                f"size ({n}) at non-singleton dimension {i + lead}. Target sizes: {list(shape)}. "
                f"Tensor sizes: {list(x.shape)}"
            )
    return Expand.apply(x, shape=shape)


def broadcast_to(x, shape):
    """Broadcast to ``shape`` (``torch.broadcast_to``)."""
    return expand(x, tuple(shape))


def expand_as(x, other):
    return expand(x, other.shape)


def broadcast_tensors(*tensors):
    """Broadcast all to a common shape (``torch.broadcast_tensors``)."""
    shape = np.broadcast_shapes(*[t.shape for t in tensors])
    return tuple(expand(t, shape) for t in tensors)


def cat(tensors, dim=0, **kwargs):
    """Join along an existing dim (``torch.cat``; ``axis=`` accepted)."""
    if "axis" in kwargs:
        dim = kwargs.pop("axis")
    tensors = [_tensor(t, "cat") for t in tensors]
    if not tensors:
        raise RuntimeError("cat: expected a non-empty list of Tensors")
    # PyTorch skips legacy empty 1-d tensors
    tensors = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or tensors[:1]
    ref = tensors[0]
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated; "
                               f"use stack, or unsqueeze it first")
    d = norm_dim(dim, ref.ndim, "cat")
    for i, t in enumerate(tensors):
        if t.ndim != ref.ndim or any(a != b for j, (a, b) in enumerate(zip(t.shape, ref.shape)) if j != d):
            raise RuntimeError(
                f"cat: sizes of tensors must match except in dimension {d}: tensor 0 has shape "
                f"{tuple(ref.shape)} and tensor {i} has shape {tuple(t.shape)}"
            )
    from ..dtypes import result_type

    dtype = result_type(*tensors)
    tensors = [t if t.dtype == dtype else t.to(dtype) for t in tensors]
    if len(tensors) == 1:
        return tensors[0].clone() if tensors[0].requires_grad else Tensor._make(tensors[0]._data.copy(), None)
    return Cat.apply(*tensors, dim=d)


concat = concatenate = cat


def stack(tensors, dim=0):
    """Join along a new dim (``torch.stack``)."""
    tensors = [_tensor(t, "stack") for t in tensors]
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.shape != shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 and "
                f"{list(t.shape)} at entry {i}"
            )
    d = norm_dim(dim, len(shape) + 1, "stack")
    return cat([unsqueeze(t, d) for t in tensors], dim=d)


def split(x, split_size_or_sections=None, dim=0, *, split_size=None):
    """Pieces of size ``n`` (the last may be smaller) or of the listed sizes (``torch.split``;
    ``Tensor.split`` names the sizes ``split_size``)."""
    if split_size is not None:
        split_size_or_sections = split_size
    x = _tensor(x, "split")
    if x.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = norm_dim(dim, x.ndim, "split")
    n = x.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size <= 0 and n > 0:
            raise RuntimeError(f"split: split_size must be positive, got {size}")
        sizes = [min(size, n - s) for s in range(0, n, size)] if n else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                f"dimension {d}), but got split_sizes={sizes}"
            )
    pieces, start = [], 0
    for s in sizes:
        pieces.append(getitem(x, (slice(None),) * d + (slice(start, start + s),)))
        start += s
    return tuple(pieces)


def chunk(x, chunks, dim=0):
    """``chunks`` nearly equal pieces (``torch.chunk``)."""
    x = _tensor(x, "chunk")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if x.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    n = x.shape[norm_dim(dim, x.ndim, "chunk")]
    size = -(-n // chunks) if chunks > 0 else n
    return split(x, max(size, 1), dim)


def unbind(x, dim=0):
    """All slices along ``dim`` (``torch.unbind``)."""
    x = _tensor(x, "unbind")
    if x.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = norm_dim(dim, x.ndim, "unbind")
    return tuple(getitem(x, (slice(None),) * d + (i,)) for i in range(x.shape[d]))


def narrow(x, dim, start, length):
    """``length`` elements from ``start`` along ``dim`` (``torch.narrow``)."""
    x = _tensor(x, "narrow")
    d = norm_dim(dim, x.ndim, "narrow")
    start = start + x.shape[d] if start < 0 else start
    if not 0 <= start <= x.shape[d] or length < 0 or start + length > x.shape[d]:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dimension size ({x.shape[d]}).")
    return getitem(x, (slice(None),) * d + (slice(start, start + length),))


def unwrap_index(index):
    """Turn Tensors inside an index into arrays, and lists into integer/bool arrays, like PyTorch."""
    if isinstance(index, Tensor):
        index = index._data
    elif isinstance(index, tuple):
        return tuple(unwrap_index(i) for i in index)
    elif isinstance(index, slice):
        if index.step is not None and index.step <= 0:  # PyTorch has no reversed views: use flip
            raise ValueError("slice step cannot be zero" if index.step == 0 else
                             "step must be greater than zero (PyTorch tensors have no negative steps; "
                             "use .flip(dim))")
        return index
    elif isinstance(index, list):
        if not index:
            return np.zeros(0, dtype=np.int64)
        index = np.asarray([i.item() if isinstance(i, Tensor) else i for i in index])
    if isinstance(index, np.ndarray):
        if index.dtype == np.uint8:  # PyTorch reads byte tensors as masks
            return index.astype(bool)
        if index.dtype.kind not in "iub":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return index


def _freeze_index(index):
    # a tuple index keeps NumPy from reading a list as several axes
    return index if isinstance(index, tuple) else (index,)


def getitem(x, index):
    """``x[index]``: basic slicing, integer/bool arrays (``Tensor.__getitem__``)."""
    x = _tensor(x, "getitem")
    index = _freeze_index(unwrap_index(index))
    basic = _is_basic(index)
    if basic and Ellipsis not in index:
        index = index + (Ellipsis,)  # a trailing ... keeps even x[i, j] a (0-d) view, as in PyTorch
    try:
        probe = x._data[index]
    except IndexError as e:
        raise IndexError(f"{e} (indexing a tensor of shape {tuple(x.shape)} with "
                         f"[{_describe_index(index)}])") from None
    if not (x.requires_grad and _state_enabled()):
        out = Tensor._make(probe if basic else np.asarray(probe), None)
    else:
        out = GetItem.apply(x, index=index)
    if basic:
        # basic indexing gives a view: it shares x's memory and version counter, so an in-place
        # write through either is seen by the backward of anything that saved the other
        x._register_view(out, GetItem, {"index": index})
    return out


def _is_basic(index):
    return all(i is None or i is Ellipsis or isinstance(i, slice) or
               (isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_))) for i in index)


def _describe_index(index):
    return ", ".join(
        f"array{tuple(np.shape(i))}" if isinstance(i, np.ndarray) else repr(i) for i in index
    )


def _state_enabled():
    from ..autograd.grad_mode import _state

    return _state.enabled


def roll(x, shifts, dims=None):
    """Elements shifted cyclically by ``shifts`` along ``dims`` (flattened when None) (``torch.roll``)."""
    x = _tensor(x, "roll")
    if dims is None:
        return reshape(roll(reshape(x, -1), shifts, 0), x.shape)
    shifts = shifts if isinstance(shifts, (tuple, list)) else (shifts,)
    dims = dims if isinstance(dims, (tuple, list)) else (dims,)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims: {len(dims)}")
    for shift, dim in zip(shifts, dims):
        d = norm_dim(dim, x.ndim, "roll")
        n = x.shape[d]
        if n:
            x = getitem(x, (slice(None),) * d + ((np.arange(n) - int(shift)) % n,))
    return x


def index_add_into(g, shape, index):
    """zeros(shape) with ``g`` scatter-added at ``index`` (repeated indices accumulate)."""
    return IndexAddInto.apply(_tensor(g, "index_add_into"), shape=tuple(shape), index=index)


def index_put(x, index, value):
    """``x`` with ``x[index] = value``, recorded in the graph (backs ``Tensor.__setitem__``)."""
    x = _tensor(x, "index_put")
    if not isinstance(value, Tensor):
        value = Tensor._make(np.asarray(value, dtype=x.dtype), None)
    elif value.dtype != x.dtype:
        value = value.to(x.dtype)
    return IndexPut.apply(x, value, index=_freeze_index(index))


def pad(x, pad, mode="constant", value=0.0):
    """Constant padding with PyTorch's ``pad`` tuple order (last dim first) (``F.pad``)."""
    x = _tensor(x, "pad")
    if mode != "constant":
        raise NotImplementedError(f"pad: mode {mode!r} is not supported; only 'constant'")
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise RuntimeError(f"pad: padding length {len(pad)} must be even and at most 2·ndim ({2 * x.ndim})")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        lo, hi = int(pad[2 * i]), int(pad[2 * i + 1])
        if lo < 0 or hi < 0:
            raise NotImplementedError("pad: negative padding (cropping) is not supported")
        widths[x.ndim - 1 - i] = (lo, hi)
    return Pad.apply(x, widths=tuple(widths), value=value)


def flip(x, *args, dims=None):
    """Reverse the order along ``dims`` (``torch.flip(x, dims)``; ``x.flip(0, 2)`` as well)."""
    x = _tensor(x, "flip")
    if dims is None:
        dims = args[0] if len(args) == 1 else args
    dims = dims if isinstance(dims, (tuple, list)) else (dims,)
    return Flip.apply(x, dims=tuple(norm_dim(d, x.ndim, "flip") for d in dims))


def repeat(x, *sizes):
    """Tile ``sizes`` times along each dim (``Tensor.repeat``), as expand + reshape."""
    x = _tensor(x, "repeat")
    sizes = _shape_arg(sizes)
    if len(sizes) < x.ndim:
        raise RuntimeError("repeat: number of repeat dims can not be smaller than number of tensor dims")
    x = reshape(x, (1,) * (len(sizes) - x.ndim) + x.shape)
    inter = []
    for n in x.shape:
        inter += [1, n]
    y = reshape(x, inter)
    target = []
    for r, n in zip(sizes, x.shape):
        target += [r, n]
    y = expand(y, target)
    return reshape(y, tuple(r * n for r, n in zip(sizes, x.shape)))


# ---------------------------------------------------------------------------------------------------
# specs for the generated gradient tests (see ops.registry)


def _random_reshape(rng, shape):
    """A shape with the same number of elements (factors regrouped, maybe a -1)."""
    factors = []
    for n in shape:
        f, k = 2, int(n)
        while k > 1:
            while k % f == 0:
                factors.append(f)
                k //= f
            f += 1
    rng.shuffle(factors)
    out = []
    for f in factors:
        if out and rng.random() < 0.5:
            out[-1] *= f
        else:
            out.append(f)
    for _ in range(int(rng.integers(0, 2))):
        out.insert(int(rng.integers(0, len(out) + 1)), 1)
    if out and rng.random() < 0.4:
        out[int(rng.integers(len(out)))] = -1
    return tuple(out)


def _expand_sample(rng):
    shape = random_shape(rng, 0, 3)
    small = tuple(1 if rng.random() < 0.5 else n for n in shape)
    lead = tuple(int(n) for n in rng.integers(1, 4, size=int(rng.integers(0, 2))))
    target = lead + tuple(-1 if (s == n and rng.random() < 0.5) else n for s, n in zip(small, shape))
    return [small], {"shape": target}


def _cat_sample(rng, n):
    shape = random_shape(rng, 1, 3)
    d = random_dim(rng, len(shape))
    shapes = []
    for _ in range(n):
        s = list(shape)
        s[d] = int(rng.integers(0, 3)) if rng.random() < 0.3 else int(rng.integers(1, 4))
        shapes.append(tuple(s))
    return shapes, {"dim": d}


def _index_add_sample(rng):
    shape = random_shape(rng, 1, 3)
    index = random_index(rng, shape, "advanced")
    return [np.empty(shape)[index].shape], {"shape": shape, "index": index}


def _index_put_sample(rng):
    shape = random_shape(rng, 1, 3)
    kind = ("basic", "mask", "advanced")[int(rng.integers(3))]
    index = random_index(rng, shape, kind)
    if kind == "advanced":  # repeated targets keep only the last write: make them unique
        probe = np.arange(int(np.prod(shape))).reshape(shape)[index]
        _, first = np.unique(probe, return_index=True)
        if len(first) != probe.size:
            index = random_index(rng, shape, "basic")
    target = np.empty(shape)[_freeze_index(index)].shape
    value_shape = target if rng.random() < 0.7 else target[len(target) - int(rng.integers(0, len(target) + 1)):]
    return [shape, value_shape], {"index": index}


def _pieces(xs):
    return cat([p.reshape(-1) for p in xs], 0)


add_spec(OpSpec(name="cat3", arity=3, broadcast=False, sample=lambda rng: _cat_sample(rng, 3),
                call=lambda *xs, dim: cat(xs, dim), covers=(Cat,)))
add_spec(OpSpec(name="stack", arity=2, broadcast=False, covers=(Cat, Reshape),
                kwargs=lambda rng, shapes: {"dim": random_dim(rng, len(shapes[0]) + 1)},
                call=lambda *xs, dim: stack(xs, dim)))
add_spec(OpSpec(name="getitem_advanced", arity=1, broadcast=False, min_dims=1, covers=(GetItem, IndexAddInto),
                kwargs=lambda rng, shapes: {"index": random_index(rng, shapes[0], "advanced")},
                call=lambda x, index: x[index]))
add_spec(OpSpec(name="getitem_tensor_index", arity=1, broadcast=False, min_dims=1, covers=(GetItem,),
                kwargs=lambda rng, shapes: {"index": random_index(rng, shapes[0], "advanced")},
                call=lambda x, index: x[tuple(Tensor._make(i, None) if isinstance(i, np.ndarray) else i for i in index)]))
add_spec(OpSpec(name="getitem_mask", arity=1, broadcast=False, min_dims=1, covers=(GetItem,),
                kwargs=lambda rng, shapes: {"index": random_index(rng, shapes[0], "mask")},
                call=lambda x, index: x[Tensor._make(index[0], None)]))
add_spec(OpSpec(name="setitem", arity=2, broadcast=False, sample=lambda rng: _index_put_sample(rng), covers=(IndexPut,),
                call=lambda x, v, index: _setitem_copy(x, index, v)))
add_spec(OpSpec(name="split", arity=1, broadcast=False, min_dims=1, covers=(GetItem, Cat),
                kwargs=lambda rng, shapes: {"size": int(rng.integers(1, 4)), "dim": random_dim(rng, len(shapes[0]))},
                call=lambda x, size, dim: _pieces(split(x, size, dim)[::-1])))
add_spec(OpSpec(name="chunk", arity=1, broadcast=False, min_dims=1, covers=(GetItem, Cat),
                kwargs=lambda rng, shapes: {"chunks": int(rng.integers(1, 4)), "dim": random_dim(rng, len(shapes[0]))},
                call=lambda x, chunks, dim: _pieces(chunk(x, chunks, dim)[::-1])))
add_spec(OpSpec(name="unbind", arity=1, broadcast=False, min_dims=1, covers=(GetItem, Cat),
                kwargs=lambda rng, shapes: {"dim": random_dim(rng, len(shapes[0]))},
                call=lambda x, dim: _pieces(unbind(x, dim)[::-1])))
add_spec(OpSpec(name="transpose", arity=1, broadcast=False, min_dims=1, covers=(Permute,),
                kwargs=lambda rng, shapes: {"dim0": random_dim(rng, len(shapes[0])), "dim1": random_dim(rng, len(shapes[0]))}))
add_spec(OpSpec(name="squeeze_unsqueeze", arity=1, broadcast=False, covers=(Reshape,),
                kwargs=lambda rng, shapes: {"dim": random_dim(rng, len(shapes[0]) + 1)},
                call=lambda x, dim: squeeze(unsqueeze(x, dim) * 2.0, dim)))
add_spec(OpSpec(name="flatten", arity=1, broadcast=False, min_dims=1, covers=(Reshape,),
                kwargs=lambda rng, shapes: {"start_dim": 0, "end_dim": random_dim(rng, len(shapes[0]))}))
add_spec(OpSpec(name="repeat", arity=1, broadcast=False, covers=(Expand, Reshape),
                kwargs=lambda rng, shapes: {"sizes": tuple(int(r) for r in rng.integers(1, 3, size=len(shapes[0]) + int(rng.integers(0, 2))))},
                call=lambda x, sizes: repeat(x, sizes)))
add_spec(OpSpec(name="narrow", arity=1, broadcast=False, min_dims=1, covers=(GetItem,),
                kwargs=lambda rng, shapes: {"dim": 0, "start": 0, "length": int(rng.integers(1, shapes[0][0] + 1))}))


def _setitem_copy(x, index, v):
    y = x * 1.0  # a non-leaf copy: the in-place write is recorded in the graph
    y[index] = v
    return y


add_spec(OpSpec(name="roll", arity=1, broadcast=False, min_dims=1, covers=(GetItem,),
                kwargs=lambda rng, shapes: {"shifts": int(rng.integers(-3, 4)), "dims": random_dim(rng, len(shapes[0]))}))
