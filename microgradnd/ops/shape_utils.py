"""PyTorch's shape utilities and scans that are composites of existing primitives (indexing, cat, reshape,
gather, matmul), so their gradients, and gradients of gradients, come from those ops:
``tensor_split hsplit vsplit dsplit dstack column_stack row_stack atleast_1d/2d/3d rot90 unfold
sum_to_size broadcast_shapes cartesian_prod combinations diag_embed diagflat take diff cummax cummin``.
"""
from __future__ import annotations

import itertools

import numpy as np

from .reduce import values_indices
from .registry import OpSpec, add_spec, random_dim
from .selection import gather
from .shape import cat, stack
from .util import Tensor, constant, norm_dim


def _index(values):
    return constant(np.asarray(values, dtype=np.int64))


def tensor_split(input, indices_or_sections, dim=0):
    """Split into ``n`` nearly equal parts (the first ``size % n`` one longer) or at the given indices
    along ``dim`` (``torch.tensor_split``, NumPy's ``array_split``); views of the input."""
    d = norm_dim(dim, input.ndim, "tensor_split")
    size = input.shape[d]
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, (int, np.integer)):
        n = int(indices_or_sections)
        if n <= 0:
            raise RuntimeError(f"tensor_split: number of sections must be larger than 0, got {n}")
        q, r = divmod(size, n)
        bounds = [i * q + min(i, r) for i in range(n + 1)]
    else:
        bounds = [0] + [min(max(int(i) + (size if int(i) < 0 else 0), 0), size) for i in indices_or_sections] + [size]
    pieces = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        where_ = (slice(None),) * d + (slice(start, max(start, stop)),)
        pieces.append(input[where_])
    return tuple(pieces)


def _split_dim(input, indices_or_sections, dim, op, min_ndim):
    if input.ndim < min_ndim:
        raise RuntimeError(f"torch.{op} requires a tensor with at least {min_ndim} dimension, but got a tensor "
                           f"with {input.ndim} dimensions!")
    if isinstance(indices_or_sections, (int, np.integer)) and input.shape[dim] % indices_or_sections:
        raise RuntimeError(f"torch.{op} attempted to split along dimension {dim}, but the size of the dimension "
                           f"{input.shape[dim]} is not divisible by the split_size {indices_or_sections}!")
    return tensor_split(input, indices_or_sections, dim)


def hsplit(input, indices_or_sections):
    """``tensor_split`` along dim 1 (dim 0 for 1-D); an int must divide the size (``torch.hsplit``)."""
    return _split_dim(input, indices_or_sections, 0 if input.ndim == 1 else 1, "hsplit", 1)


def vsplit(input, indices_or_sections):
    """``tensor_split`` along dim 0 of a tensor with at least 2 dims (``torch.vsplit``)."""
    return _split_dim(input, indices_or_sections, 0, "vsplit", 2)


def dsplit(input, indices_or_sections):
    """``tensor_split`` along dim 2 of a tensor with at least 3 dims (``torch.dsplit``)."""
    return _split_dim(input, indices_or_sections, 2, "dsplit", 3)


def atleast_1d(*tensors):
    """0-d tensors become shape (1,) (``torch.atleast_1d``); several tensors give a tuple."""
    return _atleast(tensors, 1)


def atleast_2d(*tensors):
    """Shape (n,) becomes (1, n), 0-d becomes (1, 1) (``torch.atleast_2d``)."""
    return _atleast(tensors, 2)


def atleast_3d(*tensors):
    """(n,) becomes (1, n, 1), (m, n) becomes (m, n, 1), 0-d (1, 1, 1) (``torch.atleast_3d``)."""
    return _atleast(tensors, 3)


def _atleast(tensors, n):
    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    out = []
    for t in tensors:
        shape = tuple(t.shape)
        if len(shape) < n:
            if n == 1:
                shape = (1,)
            elif n == 2:
                shape = (1,) * (2 - len(shape)) + shape
            else:
                shape = {0: (1, 1, 1), 1: (1,) + shape + (1,), 2: shape + (1,)}[len(shape)]
            t = t.reshape(shape)
        out.append(t)
    return out[0] if single else tuple(out)


def dstack(tensors):
    """Cat along dim 2 after ``atleast_3d`` (``torch.dstack``)."""
    return cat(list(atleast_3d(*tensors)), dim=2)


def column_stack(tensors):
    """0-d and 1-D tensors become columns, then cat along dim 1 (``torch.column_stack``)."""
    return cat([t.reshape(-1, 1) if t.ndim <= 1 else t for t in tensors], dim=1)


def row_stack(tensors):
    """``vstack``: 1-D tensors become rows, then cat along dim 0 (``torch.row_stack``)."""
    return cat(list(atleast_2d(*tensors)), dim=0)


def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90° ``k`` times in the plane ``dims``, from the first towards the second
    (``torch.rot90``): a flip and a transpose."""
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"rot90: expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = (norm_dim(d, input.ndim, "rot90") for d in dims)
    if d0 == d1:
        raise RuntimeError(f"rot90: expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k %= 4
    if k == 0:
        return input.clone()
    if k == 1:
        return input.flip(d1).transpose(d0, d1)
    if k == 2:
        return input.flip((d0, d1))
    return input.transpose(d0, d1).flip(d1)


def unfold(input, dimension, size, step):
    """All windows of ``size`` elements, ``step`` apart, along ``dimension``, as a new last dim
    (``Tensor.unfold``): one gather by index, so overlapping windows add up their gradients."""
    d = norm_dim(dimension, input.ndim, "unfold")
    length = input.shape[d] if input.ndim else 1
    if size > length:
        raise RuntimeError(f"unfold: maximum size for tensor at dimension {d} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"unfold: step is {step} but must be > 0")
    if input.ndim == 0:
        return input.reshape(1)
    windows = (length - size) // step + 1
    idx = np.arange(windows)[:, None] * step + np.arange(size)
    out = input[(slice(None),) * d + (_index(idx),)]  # (..., windows, size, ...)
    return out.movedim(d + 1, -1) if d + 1 != out.ndim - 1 else out


def sum_to_size(input, *size):
    """Sum ``input`` down to ``size``, which it must be expandable from (``Tensor.sum_to_size``)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    size = tuple(int(s) for s in size)
    try:
        if np.broadcast_shapes(size, input.shape) != tuple(input.shape):
            raise ValueError
    except ValueError:
        raise RuntimeError(f"sum_to_size: size {list(size)} is not expandable to size {list(input.shape)}") from None
    extra = input.ndim - len(size)
    dims = tuple(range(extra)) + tuple(extra + i for i, n in enumerate(size) if n == 1 and input.shape[extra + i] != 1)
    out = input.sum(dim=dims, keepdim=True) if dims else input
    return out.reshape(size) if tuple(out.shape) != size else out


def broadcast_shapes(*shapes):
    """The shape all ``shapes`` broadcast to (``torch.broadcast_shapes``), as a ``mg.Size``."""
    from .. import Size

    shapes = [(s,) if isinstance(s, (int, np.integer)) else tuple(s) for s in shapes]
    try:
        return Size(np.broadcast_shapes(*shapes))
    except ValueError:
        raise RuntimeError(f"broadcast_shapes: shape mismatch, shapes {shapes} cannot be broadcast together") from None


def cartesian_prod(*tensors):
    """All tuples of one element from each 1-D tensor, as rows (``torch.cartesian_prod``); one tensor
    comes back as it is."""
    if len(tensors) == 1:
        return tensors[0]
    sizes = [t.shape[0] for t in tensors]
    columns = []
    for i, t in enumerate(tensors):
        shape = [1] * len(tensors)
        shape[i] = sizes[i]
        columns.append(t.reshape(*shape).expand(*sizes).reshape(-1))
    return stack(columns, dim=1)


def combinations(input, r=2, with_replacement=False):
    """All length-``r`` combinations of the elements of a 1-D tensor, as rows, in lexicographic order
    (``torch.combinations``); one gather by index."""
    if input.ndim != 1:
        raise RuntimeError(f"combinations: Expect a 1D vector, but got shape {list(input.shape)}")
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(pick(range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    if idx.size == 0:
        return input[_index(np.zeros(0, dtype=np.int64))]
    return input[_index(idx)]


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices whose ``offset`` diagonal (in dims ``dim1``, ``dim2`` of the result) holds the last dim of
    ``input`` (``torch.diag_embed``)."""
    n = input.shape[-1] + abs(offset)
    out_ndim = input.ndim + 1
    d1, d2 = norm_dim(dim1, out_ndim, "diag_embed"), norm_dim(dim2, out_ndim, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diag_embed: diagonal dimensions cannot be identical {dim1}, {dim2}")
    k = input.shape[-1]
    rows = np.arange(k) + max(0, -offset)
    cols = rows + offset
    onehot = np.zeros((k, n, n), dtype=input.dtype)  # onehot[i] has a 1 where element i lands
    onehot[np.arange(k), rows, cols] = 1
    from .selection import einsum

    mats = einsum("...k,kij->...ij", input, constant(onehot))  # (..., n, n)
    # move the two matrix dims to d1 < d2 (or swapped)
    lo, hi = sorted((d1, d2))
    mats = mats.movedim((-2, -1), (lo, hi))
    return mats if d1 < d2 else mats.transpose(lo, hi)


def diagflat(input, offset=0):
    """The flattened input on the ``offset`` diagonal of a square matrix (``torch.diagflat``)."""
    from .selection import diag

    return diag(input.reshape(-1), offset)


def take(input, index):
    """Elements of the flattened input at ``index`` (any shape) (``torch.take``)."""
    idx = np.asarray(index._data if isinstance(index, Tensor) else index)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {idx.dtype}")
    n = input.numel()
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(f"take(): index {int(idx.max() if idx.max() >= n else idx.min())} out of range for tensor "
                         f"of size {list(input.shape)}")
    return input.reshape(-1)[_index(idx)]


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The ``n``-th forward difference along ``dim``, x[i+1] - x[i], after ``prepend``/``append``
    (``torch.diff``)."""
    d = norm_dim(dim, input.ndim, "diff")
    x = input
    if prepend is not None or append is not None:
        parts = [p for p in (prepend, input, append) if p is not None]
        x = cat([p if p.ndim else p.reshape([1 if i == d else s for i, s in enumerate(input.shape)]) for p in parts], d)
    for _ in range(n):
        if x.shape[d] == 0:
            break
        hi = x[(slice(None),) * d + (slice(1, None),)]
        lo = x[(slice(None),) * d + (slice(None, -1),)]
        x = hi - lo if x.dtype != np.bool_ else constant(hi._data ^ lo._data)
    return x


def _running(input, dim, op):
    d = norm_dim(dim, input.ndim, op)
    data = input._data
    if data.ndim == 0:
        return values_indices(input.clone() if input.requires_grad else input, constant(np.zeros((), np.int64)))
    ufunc = np.fmax if op == "cummax" else np.fmin
    best = ufunc.accumulate(data, axis=d)
    positions = np.arange(data.shape[d]).reshape([-1 if i == d else 1 for i in range(data.ndim)])
    # the index of the latest element equal to the running best (ties go to the later one, as PyTorch);
    # a NaN is the best from where it appears on
    nan_seen = np.logical_or.accumulate(np.isnan(data), axis=d) if data.dtype.kind == "f" else np.zeros(1, bool)
    hit = data == best
    idx = np.maximum.accumulate(np.where(hit, positions, 0), axis=d)
    if data.dtype.kind == "f" and nan_seen.any():  # after the first NaN the index stays on the last NaN
        last_nan = np.maximum.accumulate(np.where(np.isnan(data), positions, -1), axis=d)
        idx = np.where(nan_seen, last_nan, idx)
    idx = idx.astype(np.int64)
    return values_indices(gather(input, d, constant(idx)), constant(idx))


def cummax(input, dim):
    """(values, indices) of the running maximum along ``dim`` (``torch.cummax``); the gradient goes to
    the element each running maximum came from."""
    return _running(input, dim, "cummax")


def cummin(input, dim):
    """(values, indices) of the running minimum along ``dim`` (``torch.cummin``)."""
    return _running(input, dim, "cummin")


PUBLIC = {
    "tensor_split": tensor_split, "hsplit": hsplit, "vsplit": vsplit, "dsplit": dsplit, "dstack": dstack,
    "column_stack": column_stack, "row_stack": row_stack, "atleast_1d": atleast_1d, "atleast_2d": atleast_2d,
    "atleast_3d": atleast_3d, "rot90": rot90, "broadcast_shapes": broadcast_shapes,
    "cartesian_prod": cartesian_prod, "combinations": combinations, "diag_embed": diag_embed,
    "diagflat": diagflat, "take": take, "diff": diff, "cummax": cummax, "cummin": cummin,
}
METHODS = {name: PUBLIC[name] for name in ("tensor_split", "hsplit", "vsplit", "dsplit", "rot90", "diag_embed",
                                           "diagflat", "take", "diff", "cummax", "cummin")}
METHODS.update(unfold=unfold, sum_to_size=sum_to_size)


# ---------------------------------------------------------------------------------------------------
# specs for the generated gradient tests (see ops.registry); all composites


def _pieces(out):
    return cat([p.reshape(-1) for p in out], 0) if isinstance(out, tuple) else out


def _rot90_kwargs(rng, shapes):
    nd = len(shapes[0])
    d0, d1 = rng.permutation(nd)[:2]
    return {"k": int(rng.integers(-2, 5)), "dims": (int(d0), int(d1))}


def _unfold_sample(rng):
    shape = tuple(int(v) for v in rng.integers(1, 5, size=int(rng.integers(1, 4))))
    d = random_dim(rng, len(shape))
    return [shape], {"dimension": d, "size": int(rng.integers(1, shape[d] + 1)), "step": int(rng.integers(1, 3))}


def _diff_sample(rng):
    shape = tuple(int(v) for v in rng.integers(1, 5, size=int(rng.integers(1, 3))))
    return [shape], {"n": int(rng.integers(1, 3)), "dim": random_dim(rng, len(shape))}


def _running_sample(rng):
    shape = tuple(int(v) for v in rng.integers(1, 5, size=int(rng.integers(1, 3))))
    return [shape], {"dim": random_dim(rng, len(shape))}


add_spec(OpSpec(name="tensor_split", arity=1, broadcast=False, min_dims=1,
                kwargs=lambda rng, shapes: {"sections": int(rng.integers(1, 4)), "dim": random_dim(rng, len(shapes[0]))},
                call=lambda x, sections, dim: _pieces(tensor_split(x, sections, dim))))
add_spec(OpSpec(name="rot90", arity=1, broadcast=False, min_dims=2, kwargs=_rot90_kwargs))
add_spec(OpSpec(name="unfold", arity=1, broadcast=False, sample=_unfold_sample,
                call=lambda x, **kw: unfold(x, **kw)))
add_spec(OpSpec(name="diff", arity=1, broadcast=False, sample=_diff_sample))
add_spec(OpSpec(name="cummax", arity=1, broadcast=False, distinct=True, smooth=False, sample=_running_sample,
                call=lambda x, dim: cummax(x, dim).values))
add_spec(OpSpec(name="cummin", arity=1, broadcast=False, distinct=True, smooth=False, sample=_running_sample,
                call=lambda x, dim: cummin(x, dim).values))
add_spec(OpSpec(name="diag_embed", arity=1, broadcast=False, min_dims=1,
                kwargs=lambda rng, shapes: {"offset": int(rng.integers(-1, 2))}))
add_spec(OpSpec(name="combinations", arity=1, broadcast=False, shapes=lambda rng: [(int(rng.integers(1, 5)),)],
                kwargs=lambda rng, shapes: {"r": int(rng.integers(1, 3)), "with_replacement": bool(rng.random() < 0.5)}))
add_spec(OpSpec(name="cartesian_prod", arity=2, broadcast=False,
                shapes=lambda rng: [(int(rng.integers(1, 4)),), (int(rng.integers(1, 4)),)]))
add_spec(OpSpec(name="sum_to_size", arity=1, broadcast=False, shapes=lambda rng: [(2, 3, 4)],
                kwargs=lambda rng, shapes: {"size": [(3, 1), (1, 4), (2, 1, 4), (1,)][int(rng.integers(4))]},
                call=lambda x, size: sum_to_size(x, size)))
