"""Selection ops PyTorch scripts use often: ``gather``, ``index_select``, ``sort``/``argsort``/``topk``,
``tril``/``triu``, ``masked_select``, ``nonzero``; and the elementwise ``log1p expm1 log2 log10 tan``.

``gather`` is one primitive whose backward is a scatter-add (itself a primitive whose backward is
``gather``), so double backward works; ``sort``/``topk`` values are a ``gather`` of the input at the
sorted indices, so their gradient flows back to the selected elements as in PyTorch.
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Op
from .elementwise import log, where
from .reduce import values_indices
from .registry import random_dim, register
from .util import Tensor, constant, inplace_method as _inplace


def _index_array(index, op):
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype int64 for index, got {idx.dtype}")
    return idx.astype(np.int64, copy=False)


def _gather_kwargs(rng, shapes):
    shape = shapes[0]
    dim = random_dim(rng, len(shape))
    side = shape[dim] if shape else 1
    idx_shape = tuple(int(rng.integers(1, n + 1)) for n in shape)
    return {"dim": dim, "index": rng.integers(0, side, size=idx_shape)}  # an array: torch twin wraps it


@register("gather", arity=1, smooth=True, kwargs=_gather_kwargs)
class Gather(Op):
    """out[i][j] = x[index[i][j]][j] along ``dim`` (``torch.gather``);
    dx = scatter_add(zeros_like(x), dim, index, grad)"""

    @staticmethod
    def forward(ctx, x, dim, index):
        if x.ndim == 0:
            return x[()] if index.size else x.reshape(index.shape)
        # index may be smaller than x along the other dims (PyTorch allows it): the output has its shape
        where_ = list(np.indices(index.shape, sparse=True))
        where_[dim] = index
        return x[tuple(where_)]

    @staticmethod
    def backward(ctx, grad):
        x, dim, index = ctx.inputs
        return ScatterAdd.apply(grad, dim, index, shape=x.shape), None, None


@register("gather")  # gather's backward: the same spec exercises it
class ScatterAdd(Op):
    """out = zeros(shape) with ``src`` added at ``index`` along ``dim`` (``Tensor.scatter_add``);
    dsrc = gather(grad, dim, index)"""

    saves_inputs = False

    @staticmethod
    def forward(ctx, src, dim, index, shape):
        out = np.zeros(shape, dtype=src.dtype)
        if out.ndim == 0:
            return out + src.sum()
        axes = np.indices(index.shape, sparse=True)
        where_ = list(axes)
        where_[dim] = index
        np.add.at(out, tuple(where_), src)
        return out

    @staticmethod
    def backward(ctx, grad):
        src, dim, index = ctx.inputs
        g = gather(grad, dim, index)
        return g, None, None


def gather(input, dim, index, *, sparse_grad=False, out=None):
    """out[..., i, ...] = input[..., index[..., i, ...], ...] along ``dim`` (``torch.gather``)."""
    idx = _index_array(index, "gather")
    if idx.ndim != input.ndim and not (input.ndim == 0 and idx.ndim <= 1):
        raise RuntimeError("gather(): Index tensor must have the same number of dimensions as input tensor")
    nd = max(input.ndim, 1)
    if not -nd <= dim < nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {dim})")
    dim = dim % nd
    if input.ndim and idx.size and (idx.min() < -input.shape[dim] or idx.max() >= input.shape[dim]):
        raise RuntimeError(f"index {int(idx.max())} is out of bounds for dimension {dim} with size {input.shape[dim]}")
    return Gather.apply(input, dim, np.where(idx < 0, idx + (input.shape[dim] if input.ndim else 1), idx))


def index_select(input, dim, index):
    """The slices of ``input`` at ``index`` (1-D) along ``dim`` (``torch.index_select``)."""
    idx = _index_array(index, "index_select")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    dim = dim % max(input.ndim, 1)
    return input[(slice(None),) * dim + (constant(idx.reshape(-1)),)]


def _sort_indices(x, dim, descending, stable=True):
    data = x._data
    if data.ndim == 0:
        return np.zeros((), dtype=np.int64)
    key = -data if descending and data.dtype.kind != "b" else data
    if descending and data.dtype.kind == "b":
        key = ~data
    if descending and data.dtype.kind == "f":
        key = np.where(np.isnan(data), -np.inf, -data)  # NaN sorts as the largest, like PyTorch
    return np.argsort(key, axis=dim, kind="stable").astype(np.int64)


def sort(input, dim=-1, descending=False, stable=False):
    """(values, indices) sorted along ``dim`` (``torch.sort``); gradients flow to the moved elements."""
    idx = _sort_indices(input, dim, descending)
    return values_indices(gather(input, dim, constant(idx)) if input.ndim else input.clone(), constant(idx))


def argsort(input, dim=-1, descending=False, stable=False):
    """Indices that sort ``input`` along ``dim`` (``torch.argsort``)."""
    return constant(_sort_indices(input, dim, descending))


def topk(input, k, dim=-1, largest=True, sorted=True):
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices (``torch.topk``)."""
    n = input.shape[dim] if input.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"selected index k out of range (k={k}, size {n} along dim {dim})")
    idx = _sort_indices(input, dim, descending=largest)
    idx = np.take(idx, np.arange(k), axis=dim) if input.ndim else idx
    return values_indices(gather(input, dim, constant(idx)) if input.ndim else input.clone(), constant(idx))


def _triangle(input, diagonal, lower):
    if input.ndim < 2:
        raise RuntimeError(f"{'tril' if lower else 'triu'}: input tensor must have at least 2 dimensions")
    rows, cols = input.shape[-2:]
    keep = (np.tri(rows, cols, diagonal, dtype=bool) if lower
            else ~np.tri(rows, cols, diagonal - 1, dtype=bool))
    if not input.requires_grad:
        return constant(np.where(keep, input._data, np.zeros((), dtype=input.dtype)))
    return where(constant(keep), input, constant(np.zeros((), dtype=input.dtype)))


def tril(input, diagonal=0):
    """Lower triangle of the last two dims, the rest zero (``torch.tril``)."""
    return _triangle(input, diagonal, True)


def triu(input, diagonal=0):
    """Upper triangle of the last two dims, the rest zero (``torch.triu``)."""
    return _triangle(input, diagonal, False)


def argwhere(input):
    """(n, ndim) indices of the non-zero elements (``torch.argwhere``)."""
    return nonzero(input)


def masked_select(input, mask):
    """1-D tensor of the elements where ``mask`` is True, broadcast together (``torch.masked_select``)."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    shape = np.broadcast_shapes(input.shape, m.shape)
    x = input if input.shape == shape else input.expand(*shape)
    return x[constant(np.broadcast_to(m, shape))]


def nonzero(input, *, as_tuple=False):
    """Indices of the non-zero elements: (n, ndim) int64, or one tensor per dim (``torch.nonzero``)."""
    data = input._data
    if as_tuple:
        return tuple(constant(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(data)))
    return constant(np.argwhere(data).astype(np.int64))


@register("log1p", arity=1, smooth=True, domain=(-0.9, 3.0))
class Log1p(Op):
    """out = ln(1 + x);  d/dx = 1/(1 + x)"""

    @staticmethod
    def forward(ctx, x):
        return np.log1p(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad / (x + 1.0)


@register("expm1", arity=1, smooth=True, domain=(-3.0, 3.0))
class Expm1(Op):
    """out = eˣ - 1;  d/dx = out + 1"""

    saves_inputs = False
    saves_output = True

    @staticmethod
    def forward(ctx, x):
        return np.expm1(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * (ctx.output + 1.0)


@register("tan", arity=1, smooth=True, domain=(-1.2, 1.2))
class Tan(Op):
    """out = tan x;  d/dx = 1 + out²"""

    saves_inputs = False
    saves_output = True

    @staticmethod
    def forward(ctx, x):
        return np.tan(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * (ctx.output * ctx.output + 1.0)


def _float_input(x):
    return x if x.dtype.kind == "f" else x.float()


def log1p(input):
    """ln(1 + x), exact for small x (``torch.log1p``)."""
    return Log1p.apply(_float_input(input))


def expm1(input):
    """eˣ - 1, exact for small x (``torch.expm1``)."""
    return Expm1.apply(_float_input(input))


def tan(input):
    """tan x (``torch.tan``)."""
    return Tan.apply(_float_input(input))


def log2(input):
    """log₂ x = ln x / ln 2 (``torch.log2``)."""
    return log(_float_input(input)) * (1.0 / math.log(2.0))


def log10(input):
    """log₁₀ x = ln x / ln 10 (``torch.log10``)."""
    return log(_float_input(input)) * (1.0 / math.log(10.0))


def type_as(input, other):
    """``input`` cast to ``other``'s dtype (``Tensor.type_as``)."""
    return input.to(other.dtype)


PUBLIC = {
    "gather": gather, "index_select": index_select, "sort": sort, "argsort": argsort, "topk": topk,
    "tril": tril, "triu": triu, "masked_select": masked_select, "nonzero": nonzero, "log1p": log1p,
    "expm1": expm1, "tan": tan, "log2": log2, "log10": log10,
}

METHODS = dict(PUBLIC, type_as=type_as, ndimension=lambda self: self.ndim)


def _einsum_parse(equation, ndims):
    """Explicit subscripts: ``(["ij", "jk"], "ik")`` with ``...`` spelled out in unused letters."""
    eq = equation.replace(" ", "")
    lhs, rhs = eq.split("->") if "->" in eq else (eq, None)
    subs = lhs.split(",")
    if len(subs) != len(ndims):
        raise RuntimeError(f"einsum(): {len(subs)} operands in the equation but {len(ndims)} tensors given")
    free = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in eq]
    n_ell = 0
    for s, nd in zip(subs, ndims):
        if "..." in s:
            n_ell = max(n_ell, nd - (len(s) - 3))
    ell = "".join(free[:n_ell])
    out = []
    for s, nd in zip(subs, ndims):
        if "..." in s:
            k = nd - (len(s) - 3)
            s = s.replace("...", ell[n_ell - k:] if k else "")
        if len(s) != nd:
            raise RuntimeError(f"einsum(): the subscripts '{s}' do not match an operand with {nd} dimensions")
        out.append(s)
    if rhs is None:
        letters = "".join(out)
        rhs = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ell))
    else:
        rhs = rhs.replace("...", ell)
    return out, rhs



def _einsum_shapes(rng):
    b, i, j, k = (int(n) for n in rng.integers(1, 4, size=4))
    return [(b, i, j), (j, k)]


@register("einsum_batched", arity=2, smooth=True, shapes=_einsum_shapes,
          call=lambda a, b: einsum("bij,jk->bik", a, b))
class Einsum(Op):
    """out = einsum(eq, x₁, …, xₙ);  dxᵢ = einsum(out_subs, x_j (j ≠ i) -> subsᵢ), broadcast back over
    the letters that only xᵢ has"""

    @staticmethod
    def forward(ctx, *arrays, subs, out):
        return np.asarray(np.einsum(",".join(subs) + "->" + out, *arrays, optimize=len(arrays) > 2))

    @staticmethod
    def backward(ctx, grad):
        subs, out = ctx.kwargs["subs"], ctx.kwargs["out"]
        inputs = ctx.inputs
        grads = []
        for i, (x, s) in enumerate(zip(inputs, subs)):
            if not ctx.needs_input_grad[i]:
                grads.append(None)
                continue
            others = [(inputs[j], subs[j]) for j in range(len(subs)) if j != i]
            if len(set(s)) != len(s):  # a diagonal ('ii->i'): the gradient lands on it, via identities
                s, deltas = _einsum_distinct(s, x.shape, set(out).union(*subs), grad.dtype)
                others += deltas
            present = set(out).union(*[set(t) for _, t in others])
            target = "".join(c for c in s if c in present)
            g = Einsum.apply(grad, *[t for t, _ in others], subs=[out] + [t for _, t in others], out=target)
            if target != s:  # letters summed away inside x alone: their gradient is broadcast
                g = g.reshape(tuple(x.shape[k] if c in present else 1 for k, c in enumerate(s)))
                g = g.expand(*x.shape)
            grads.append(g)
        return tuple(grads)


def _einsum_distinct(s, shape, used, dtype):
    """Subscripts ``s`` with each repeat of a letter renamed to an unused one, and the identity
    matrices (constant operands) that tie each new letter to the original: ``'ii'`` -> ``'iA'`` and
    ``[(eye, 'iA')]``, so ``einsum(..., eye -> 'iA')`` puts a diagonal's gradient on the diagonal."""
    free = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in used and c not in s]
    seen, letters, deltas = set(), [], []
    for c, n in zip(s, shape):
        if c in seen:
            new = free.pop(0)
            deltas.append((constant(np.eye(n, dtype=dtype)), c + new))
            c = new
        seen.add(c)
        letters.append(c)
    return "".join(letters), deltas


def einsum(equation, *operands):
    """Einstein summation (``torch.einsum``), e.g. ``einsum('bij,bjk->bik', a, b)``; operands may
    also be given as one list."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    subs, out = _einsum_parse(equation, [t.ndim for t in operands])
    return Einsum.apply(*operands, subs=subs, out=out)


PUBLIC["einsum"] = einsum


# -- scatter, diagonals, rearrangements: composites of the primitives above -------------------------
def _scatter_mask(shape, dim, idx):
    """True at the positions ``scatter`` writes: ``index`` may be smaller than the input along every
    dim (PyTorch allows it), so only ``index``'s own extent is addressed, never broadcast."""
    mask = np.zeros(shape, dtype=bool)
    if mask.ndim == 0:
        mask[()] = idx.size > 0
        return mask
    where_ = list(np.indices(idx.shape, sparse=True))
    where_[dim] = idx
    mask[tuple(where_)] = True
    return mask


def _src_for(index_shape, src, dtype):
    if isinstance(src, Tensor):
        return src[tuple(slice(0, n) for n in index_shape)] if src.shape != index_shape else src
    return constant(np.full(index_shape, src, dtype=dtype))


def scatter_add(input, dim, index, src):
    """input with ``src`` added at ``index`` along ``dim`` (``torch.scatter_add``)."""
    idx = _index_array(index, "scatter_add")
    dim = dim % max(input.ndim, 1)
    return input + ScatterAdd.apply(_src_for(idx.shape, src, input.dtype), dim, idx, shape=input.shape)


def scatter(input, dim, index, src=None, value=None, reduce=None):
    """input with ``src`` (or ``value``) written at ``index`` along ``dim`` (``torch.scatter``); the
    overwritten elements get no gradient. ``reduce='add'`` is ``scatter_add``."""
    if src is None:
        src = value
    if reduce == "add":
        return scatter_add(input, dim, index, src)
    if reduce is not None:
        raise NotImplementedError(f"scatter: reduce={reduce!r} is not supported (use 'add' or None)")
    idx = _index_array(index, "scatter")
    dim = dim % max(input.ndim, 1)
    written = ScatterAdd.apply(_src_for(idx.shape, src, input.dtype), dim, idx, shape=input.shape)
    return where(constant(_scatter_mask(input.shape, dim, idx)), written, input)


def _scatter_(self, dim, index, src=None, value=None, reduce=None):
    """In-place ``scatter`` (``Tensor.scatter_``), e.g. one-hot: ``zeros(n, C).scatter_(1, y[:, None], 1)``."""
    return self._apply_inplace(lambda t: scatter(t, dim, index, src, value, reduce), "scatter_")


def _scatter_add_(self, dim, index, src):
    """In-place ``scatter_add`` (``Tensor.scatter_add_``)."""
    return self._apply_inplace(lambda t: scatter_add(t, dim, index, src), "scatter_add_")


def _along(input, dim, index, op):
    """The index tuple that picks ``index`` (1-D) along ``dim``: ``(:, :, index)``."""
    idx = _index_array(index, op)
    if idx.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector")
    nd = max(input.ndim, 1)
    if not -nd <= dim < nd:
        raise IndexError(f"{op}(): Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], "
                         f"but got {dim})")
    return (slice(None),) * (dim % nd) + (idx.reshape(-1),)


def index_add(input, dim, index, source, *, alpha=1):
    """input with ``alpha·source`` added at ``index`` along ``dim``; repeated indices add up
    (``torch.index_add``)."""
    from .shape import index_add_into

    where_ = _along(input, dim, index, "index_add")
    src = source if alpha == 1 else source * alpha
    if src.dtype != input.dtype:
        src = src.to(input.dtype)
    return input + index_add_into(src, input.shape, where_)


def index_copy(input, dim, index, source):
    """input with the slices at ``index`` along ``dim`` replaced by ``source`` (``torch.index_copy``)."""
    from .shape import index_put as _index_put

    return _index_put(input, _along(input, dim, index, "index_copy"), source)


def index_fill(input, dim, index, value):
    """input with ``value`` in the slices at ``index`` along ``dim`` (``torch.index_fill``)."""
    mask = np.zeros(input.shape, dtype=bool)
    mask[_along(input, dim, index, "index_fill")] = True
    out = where(constant(mask), value, input)
    return out if out.dtype == input.dtype else out.to(input.dtype)


def index_put(input, indices, values, accumulate=False):
    """``input[indices] = values`` out of place (``torch.index_put``); ``accumulate=True`` adds instead,
    repeated indices adding up (``x[idx] += v`` keeps only one of them)."""
    from .shape import index_add_into
    from .shape import index_put as _index_put
    from .shape import unwrap_index

    where_ = unwrap_index(tuple(indices))
    if not isinstance(values, Tensor):
        values = constant(np.asarray(values, dtype=input.dtype))
    elif values.dtype != input.dtype:
        values = values.to(input.dtype)
    if not accumulate:
        return _index_put(input, where_, values)
    return input + index_add_into(values.expand(*input._data[where_].shape), input.shape, where_)


def take_along_dim(input, indices, dim=None):
    """``gather`` with ``input`` and ``indices`` broadcast against each other except along ``dim``;
    flattened when ``dim`` is None (``torch.take_along_dim``, NumPy's ``take_along_axis``)."""
    if dim is None:
        return gather(input.reshape(-1), 0, constant(_index_array(indices, "take_along_dim").reshape(-1)))
    idx = _index_array(indices, "take_along_dim")
    if idx.ndim != input.ndim:
        raise RuntimeError("take_along_dim(): input and indices should have the same number of dimensions")
    d = dim % max(input.ndim, 1)
    shape = list(np.broadcast_shapes(tuple(1 if i == d else n for i, n in enumerate(input.shape)),
                                     tuple(1 if i == d else n for i, n in enumerate(idx.shape))))
    x = input.expand(*[input.shape[i] if i == d else n for i, n in enumerate(shape)])
    idx = np.broadcast_to(idx, [idx.shape[i] if i == d else n for i, n in enumerate(shape)])
    return gather(x, d, constant(idx))


def inner(input, other):
    """Σ over the last dims of both: out[i…, j…] = Σₖ input[i…, k]·other[j…, k] (``torch.inner``)."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    return einsum("...k,zk->...z", input, other.reshape(-1, other.shape[-1])).reshape(
        *input.shape[:-1], *other.shape[:-1])


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal of dims ``dim1``/``dim2`` as the last dim (``torch.diagonal``)."""
    d1, d2 = dim1 % input.ndim, dim2 % input.ndim
    x = input.movedim((d1, d2), (-2, -1)) if (d1, d2) != (input.ndim - 2, input.ndim - 1) else input
    rows, cols = x.shape[-2:]
    r = np.arange(max(0, -offset), rows)
    c = r + offset
    keep = c < cols
    r, c = r[keep], c[keep]
    return x[(Ellipsis, constant(r), constant(c))]


def diag(input, diagonal=0):
    """1-D -> square matrix with it on the ``diagonal``; 2-D -> that diagonal (``torch.diag``)."""
    if input.ndim == 2:
        return globals()["diagonal"](input, diagonal)
    if input.ndim != 1:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")
    k = input.shape[0]
    n = k + abs(diagonal)
    rows = np.arange(k) + max(0, -diagonal)
    flat = rows * n + rows + diagonal  # the diagonal's positions in the flattened n×n matrix
    return ScatterAdd.apply(input, 0, flat, shape=(n * n,)).reshape(n, n)


def trace(input):
    """Sum of the main diagonal of a matrix (``torch.trace``)."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return diagonal(input).sum()


def movedim(input, source, destination):
    """Move dims ``source`` to positions ``destination`` (``torch.movedim``)."""
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    nd = input.ndim
    src = tuple(s % nd for s in src)
    dst = tuple(d % nd for d in dst)
    order = [i for i in range(nd) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return input.permute(*order)


def swapaxes(input, axis0, axis1):
    """``torch.swapaxes`` (= ``transpose``)."""
    return input.transpose(axis0, axis1)


def repeat_interleave(input, repeats, dim=None):
    """Repeat each element ``repeats`` times along ``dim`` (flattened when None) (``torch.repeat_interleave``)."""
    x = input.reshape(-1) if dim is None else input
    d = 0 if dim is None else dim % x.ndim
    reps = repeats._data if isinstance(repeats, Tensor) else repeats
    idx = np.repeat(np.arange(x.shape[d]), reps)
    return index_select(x, d, constant(idx))


def tile(input, dims):
    """``torch.tile``: ``repeat`` with ``dims`` left-padded by ones."""
    dims = tuple(dims)
    dims = (1,) * (input.ndim - len(dims)) + dims
    return input.repeat(*dims)


def cdist(x1, x2, p=2.0):
    """Pairwise p-norm distances between the rows of ``x1`` and ``x2`` (``torch.cdist``)."""
    return (x1.unsqueeze(-2) - x2.unsqueeze(-3)).norm(p=p, dim=-1)


def hstack(tensors):
    """``torch.hstack``: cat along dim 1 (dim 0 for 1-D tensors)."""
    from .shape import cat

    return cat(list(tensors), dim=0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    """``torch.vstack``: 1-D tensors become rows, then cat along dim 0."""
    from .shape import cat

    return cat([t.reshape(1, -1) if t.ndim == 1 else t for t in tensors], dim=0)


def meshgrid(*tensors, indexing="ij"):
    """Grids from 1-D tensors (``torch.meshgrid``; ``indexing='ij'`` or ``'xy'``)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    n = len(tensors)
    sizes = [t.shape[0] for t in tensors]
    if indexing == "xy" and n >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, t in enumerate(tensors):
        axis = i
        if indexing == "xy" and n >= 2 and i < 2:
            axis = 1 - i
        shape = [1] * n
        shape[axis] = t.shape[0]
        out.append(t.reshape(*shape).expand(*sizes))
    return tuple(out)


PUBLIC.update(scatter=scatter, scatter_add=scatter_add, diagonal=diagonal, diag=diag, trace=trace,
              movedim=movedim, swapaxes=swapaxes, repeat_interleave=repeat_interleave, tile=tile, cdist=cdist,
              argwhere=argwhere, index_add=index_add, index_copy=index_copy, index_fill=index_fill,
              index_put=index_put, take_along_dim=take_along_dim, inner=inner)
METHODS.update({k: v for k, v in PUBLIC.items() if k not in ("cdist", "einsum")},
               scatter_=_scatter_, scatter_add_=_scatter_add_, moveaxis=movedim, ravel=lambda self: self.reshape(-1),
               index_add_=_inplace(index_add, "index_add_"), index_copy_=_inplace(index_copy, "index_copy_"),
               index_fill_=_inplace(index_fill, "index_fill_"), index_put_=_inplace(index_put, "index_put_"))
