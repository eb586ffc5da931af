"""Matrix products (``matmul`` with NumPy/PyTorch semantics for 1-D, 2-D and batched operands, and the
``addmm`` family, ``kron``, ``tensordot``, ``cross``, ``multi_dot``) and the square-matrix primitives of
``torch.linalg``: ``det``, ``slogdet``, ``inv``, ``solve`` (batched over leading dims), ``matrix_power``
and the vector and matrix norms."""
from __future__ import annotations

import numpy as np

from ..autograd.function import CROSSED, Op
from ..dtypes import result_type
from .registry import OpSpec, add_spec, register
from .util import Tensor, as_operand, inplace_method as _inplace


@register("matmul", arity=2, broadcast=False, shapes=lambda rng: _matmul_shapes(rng))
class MatMul(Op):
    """out = a @ b;  d/da = g @ bᵀ, d/db = aᵀ @ g (1-D operands are promoted, batch dims summed back)"""

    torch_name = staticmethod(lambda node: _matmul_torch_name(node.inputs[0].ndim, node.inputs[1].ndim))

    saves_inputs = CROSSED

    @staticmethod
    def forward(ctx, a, b):
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        from ..autograd.engine import unbroadcast_to

        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        # promote 1-D operands to matrices so one formula covers every case
        a2 = a.reshape(1, a.shape[0]) if a.ndim == 1 else a
        b2 = b.reshape(b.shape[0], 1) if b.ndim == 1 else b
        batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
        g2 = grad.reshape(batch + (a2.shape[-2], b2.shape[-1]))
        ga = gb = None
        if need_a:
            ga = unbroadcast_to(g2 @ b2.mT, a2.shape).reshape(a.shape)
        if need_b:
            gb = unbroadcast_to(a2.mT @ g2, b2.shape).reshape(b.shape)
        return ga, gb


def _matmul_torch_name(ndim_a, ndim_b):
    """PyTorch's grad_fn name for matmul, which picks mm / mv / dot / a batched product by the ranks."""
    if ndim_a > 2 or ndim_b > 2:
        return "UnsafeViewBackward0"
    return {(2, 2): "MmBackward0", (2, 1): "MvBackward0", (1, 1): "DotBackward0"}.get((ndim_a, ndim_b),
                                                                                     "SqueezeBackward4")


def matmul(input, other):
    """Matrix product with broadcasting batch dims (``torch.matmul``, the ``@`` operator)."""
    a, b = as_operand(input, "matmul"), as_operand(other, "matmul")
    if not isinstance(a, Tensor) or not isinstance(b, Tensor) or a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"matmul: both arguments need to be at least 1-D tensors, got shapes "
            f"{tuple(np.shape(a._data if isinstance(a, Tensor) else a))} and "
            f"{tuple(np.shape(b._data if isinstance(b, Tensor) else b))}"
        )
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        raise RuntimeError(
            f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} do not line up: {k_a} != {k_b}"
        )
    if a.ndim > 2 or b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2] if a.ndim > 1 else (), b.shape[:-2] if b.ndim > 1 else ())
        except ValueError:
            raise RuntimeError(
                f"matmul: batch dimensions of shapes {tuple(a.shape)} and {tuple(b.shape)} are not "
                f"broadcastable"
            ) from None
    if a.dtype != b.dtype:
        dtype = result_type(a, b)
        a, b = a.to(dtype), b.to(dtype)
    return MatMul.apply(a, b)


def mm(a, b):
    """2-D matrix product (``torch.mm``)."""
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"mm: both inputs must be matrices, got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    return matmul(a, b)


def bmm(a, b):
    """Batched 3-D matrix product (``torch.bmm``)."""
    if a.ndim != 3 or b.ndim != 3:
        raise RuntimeError(f"bmm: both inputs must be 3-D, got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    return matmul(a, b)


def mv(a, v):
    """Matrix-vector product (``torch.mv``)."""
    return matmul(a, v)


def dot(a, b):
    """Dot product of two 1-D tensors (``torch.dot``)."""
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"dot: 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    return matmul(a, b)


def outer(a, b):
    """Outer product of two 1-D tensors (``torch.outer``)."""
    return a.reshape(-1, 1) * b.reshape(1, -1)


# ---------------------------------------------------------------------------------------------------
# specs for the generated gradient tests (see ops.registry)


def _matmul_shapes(rng):
    """Operands of every kind matmul takes: 1-D or 2-D or batched, batch dims broadcasting."""
    n, k, m = (int(v) for v in rng.integers(1, 4, size=3))
    batch = tuple(int(b) for b in rng.integers(1, 3, size=int(rng.integers(0, 3))))

    def operand(core):
        kind = rng.integers(3)
        if kind == 0:  # no batch dims
            return core
        b = tuple(1 if rng.random() < 0.4 else s for s in batch)
        return b[int(rng.integers(0, len(b) + 1)):] + core

    a = (k,) if rng.random() < 0.2 else operand((n, k))
    b = (k,) if rng.random() < 0.2 else operand((k, m))
    return [a, b]


add_spec(OpSpec(name="mm", arity=2, broadcast=False, shapes=lambda rng: [(2, 3), (3, 4)], covers=(MatMul,)))
add_spec(OpSpec(name="bmm", arity=2, broadcast=False, shapes=lambda rng: [(2, 1, 3), (2, 3, 2)], covers=(MatMul,)))
add_spec(OpSpec(name="dot", arity=2, broadcast=False, shapes=lambda rng: [(4,), (4,)], covers=(MatMul,)))
add_spec(OpSpec(name="mv", arity=2, broadcast=False, shapes=lambda rng: [(3, 4), (4,)], covers=(MatMul,)))
add_spec(OpSpec(name="outer", arity=2, broadcast=False, shapes=lambda rng: [(3,), (2,)]))


# ---------------------------------------------------------------------------------------------------
# square matrices: det, slogdet, inv, solve (batched over the leading dims)


class LinAlgError(RuntimeError):
    """A singular matrix where an invertible one is needed (``torch.linalg.LinAlgError``, a RuntimeError)."""


def _square(A, op):
    """A float tensor of (batches of) square matrices, else a RuntimeError naming ``op`` and the shape."""
    A = as_operand(A, op)
    if not isinstance(A, Tensor):
        A = Tensor._make(np.asarray(A), None)
    if A.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions (got shape {tuple(A.shape)})")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices (shape {tuple(A.shape)})")
    if A.dtype.kind != "f":
        raise RuntimeError(f"{op}: Expected a floating point tensor as input. Got {A.dtype}")
    return A


def _singular(op, A):
    return LinAlgError(f"{op}: The diagonal element of the LU factorization is zero: a matrix of the input "
                       f"(shape {tuple(np.shape(A))}) is singular and has no inverse")


def _batch_scalar(t):
    """A per-matrix value (shape ``batch``) as shape ``batch + (1, 1)``, to scale whole matrices."""
    return t.reshape(tuple(t.shape) + (1, 1))


@register("det", arity=1, broadcast=False, shapes=lambda rng: [_square_shape(rng)],
          values=lambda rng, arrays: [_well_conditioned(a) for a in arrays])
class Det(Op):
    """out = det A (batched);  d/dA = out · A⁻ᵀ"""

    saves_output = True

    @staticmethod
    def forward(ctx, A):
        return np.linalg.det(A)

    @staticmethod
    def backward(ctx, grad):
        (A,) = ctx.inputs
        return _batch_scalar(grad * ctx.output) * inv(A).mT


@register("logabsdet", arity=1, broadcast=False, shapes=lambda rng: [_square_shape(rng)],
          call=lambda A: slogdet(A)[1], values=lambda rng, arrays: [_well_conditioned(a) for a in arrays])
class LogAbsDet(Op):
    """out = ln |det A| (batched; the second output of ``slogdet``);  d/dA = A⁻ᵀ"""

    @staticmethod
    def forward(ctx, A):
        return np.linalg.slogdet(A)[1]

    @staticmethod
    def backward(ctx, grad):
        (A,) = ctx.inputs
        return _batch_scalar(grad) * inv(A).mT


@register("inverse", arity=1, broadcast=False, shapes=lambda rng: [_square_shape(rng)],
          values=lambda rng, arrays: [_well_conditioned(a) for a in arrays])
class Inverse(Op):
    """out = A⁻¹ (batched);  d/dA = -out^T · grad · out^T"""

    saves_inputs = False
    saves_output = True

    @staticmethod
    def forward(ctx, A):
        try:
            return np.linalg.inv(A)
        except np.linalg.LinAlgError:
            raise _singular("linalg.inv", A) from None

    @staticmethod
    def backward(ctx, grad):
        out_t = ctx.output.mT
        return -(out_t @ grad @ out_t)


@register("linalg_solve", arity=2, broadcast=False, shapes=lambda rng: _solve_shapes(rng),
          call=lambda A, B: solve(A, B), values=lambda rng, arrays: [_well_conditioned(arrays[0]), arrays[1]])
class Solve(Op):
    """out = X with A X = B (A batches of square matrices, B of matrices; batch dims broadcast);
    d/dB = solve(Aᵀ, grad), d/dA = -d/dB · Xᵀ"""

    saves_output = True

    @staticmethod
    def forward(ctx, A, B):
        try:
            return np.linalg.solve(A, B)
        except np.linalg.LinAlgError:
            raise _singular("linalg.solve", A) from None

    @staticmethod
    def backward(ctx, grad):
        A, B = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        gB = Solve.apply(A.mT, grad)
        return (-(gB @ ctx.output.mT) if need_a else None), (gB if need_b else None)


def det(A):
    """Determinant of (batches of) square matrices (``torch.linalg.det``, ``torch.det``)."""
    return Det.apply(_square(A, "linalg.det"))


def slogdet(A):
    """``(sign, logabsdet)`` of det A (``torch.linalg.slogdet``); the gradient flows through logabsdet."""
    A = _square(A, "linalg.slogdet")
    sign = Tensor._make(np.asarray(np.linalg.slogdet(A._data)[0]), None)
    return _SignLogAbsDet(sign, LogAbsDet.apply(A))


class _SignLogAbsDet(tuple):
    """``slogdet``'s result: a pair with the fields ``sign`` and ``logabsdet`` (PyTorch's named tuple)."""

    def __new__(cls, sign, logabsdet):
        return super().__new__(cls, (sign, logabsdet))

    sign = property(lambda self: self[0])
    logabsdet = property(lambda self: self[1])


def inv(A):
    """Inverse of (batches of) square matrices (``torch.linalg.inv``, ``torch.inverse``); a singular
    matrix raises ``LinAlgError`` (a RuntimeError), as in PyTorch."""
    return Inverse.apply(_square(A, "linalg.inv"))


inverse = inv


def solve(A, B, *, left=True):
    """X with A X = B (``torch.linalg.solve``): A of shape (*, n, n), B of shape (*, n, k) or a batch of
    vectors (*, n) (when B is 1-D or has A's shape without the last dim); batch dims broadcast."""
    if not left:
        return solve(A.mT, B.mT).mT
    A = _square(A, "linalg.solve")
    B = as_operand(B, "linalg.solve")
    if not isinstance(B, Tensor):
        B = Tensor._make(np.asarray(B), None)
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    Bm = B.reshape(tuple(B.shape) + (1,)) if vector else B
    n = A.shape[-1]
    if Bm.ndim < 2 or Bm.shape[-2] != n:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({n}x{n} and {'x'.join(map(str, B.shape[-2:] if not vector else B.shape[-1:]))}; "
                           f"shapes {tuple(A.shape)} and {tuple(B.shape)})")
    try:
        batch = np.broadcast_shapes(A.shape[:-2], Bm.shape[:-2])
    except ValueError:
        raise RuntimeError(f"linalg.solve: batch dimensions of A {tuple(A.shape)} and B {tuple(B.shape)} "
                           f"are not broadcastable") from None
    if A.dtype != Bm.dtype:
        dtype = result_type(A, Bm)
        A, Bm = A.to(dtype), Bm.to(dtype)
    if Bm.shape[:-2] != batch:  # NumPy's solve wants B's batch dims spelled out
        Bm = Bm.expand(*(batch + tuple(Bm.shape[-2:])))
    X = Solve.apply(A, Bm)
    return X.reshape(tuple(X.shape[:-1])) if vector else X


def matrix_power(A, n):
    """A multiplied by itself ``n`` times (``torch.linalg.matrix_power``); n = 0 gives the identity (and a
    zero gradient), n < 0 powers of the inverse. Repeated squaring: O(log n) products."""
    A = _square(A, "linalg.matrix_power")
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"linalg.matrix_power: n must be an int, got {type(n).__name__}")
    if n == 0:
        return A * 0.0 + Tensor._make(np.eye(A.shape[-1], dtype=A.dtype), None)
    if n < 0:
        A, n = inv(A), -n
    result, square = None, A
    while True:
        if n & 1:
            result = square if result is None else result @ square
        n >>= 1
        if not n:
            return result
        square = square @ square


def multi_dot(tensors):
    """The product of a chain of matrices (``torch.linalg.multi_dot``); the first may be a 1-D row
    vector and the last a 1-D column vector. Multiplies in the cheapest order (dynamic programming)."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first_vector, last_vector = tensors[0].ndim == 1, tensors[-1].ndim == 1
    if first_vector:
        tensors[0] = tensors[0].reshape(1, -1)
    if last_vector:
        tensors[-1] = tensors[-1].reshape(-1, 1)
    for i, t in enumerate(tensors):
        if t.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D (the first and last may be 1D) but got "
                               f"{t.ndim}D (shape {tuple(t.shape)})")
        if i and tensors[i - 1].shape[1] != t.shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i - 1} and {i} with shapes {tuple(tensors[i - 1].shape)} "
                               f"and {tuple(t.shape)} cannot be multiplied")
    out = _chain(tensors, _chain_order([t.shape[0] for t in tensors] + [tensors[-1].shape[1]]), 0, len(tensors) - 1)
    if first_vector:
        out = out.reshape(tuple(out.shape[1:]))
    if last_vector:
        out = out.reshape(tuple(out.shape[:-1]))
    return out


def _chain_order(dims):
    """split[i][j]: where the cheapest product of matrices i..j splits (the classic O(n³) table)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j], split[i][j] = min((cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1], k)
                                          for k in range(i, j))
    return split


def _chain(tensors, split, i, j):
    if i == j:
        return tensors[i]
    k = split[i][j]
    return matmul(_chain(tensors, split, i, k), _chain(tensors, split, k + 1, j))


# ---------------------------------------------------------------------------------------------------
# products built on matmul


def cross(input, other, dim=None):
    """Cross product of 3-vectors along ``dim`` (``torch.cross``; ``dim=None`` takes the first dim of size
    3, as PyTorch does; ``torch.linalg.cross`` defaults to -1); input and other broadcast."""
    input, other = _as_tensor(input, "cross"), _as_tensor(other, "cross")
    try:
        shape = np.broadcast_shapes(input.shape, other.shape)
    except ValueError:
        raise RuntimeError(f"linalg.cross: input {tuple(input.shape)} and other {tuple(other.shape)} are "
                           f"not broadcastable") from None
    if dim is None:
        dim = next((d for d, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise RuntimeError(f"cross: no dimension of size 3 in input {tuple(input.shape)}")
    if not -len(shape) <= dim < len(shape):
        raise IndexError(f"cross: dimension out of range (expected to be in range of [{-len(shape)}, "
                         f"{len(shape) - 1}], but got {dim})")
    if shape[dim] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[dim]} and "
                           f"{other.shape[dim]} (shapes {tuple(input.shape)} and {tuple(other.shape)})")
    if input.shape != shape:
        input = input.expand(*shape)
    if other.shape != shape:
        other = other.expand(*shape)
    d = dim % len(shape)
    # (a × b)ᵢ = a_{i+1} b_{i+2} - a_{i+2} b_{i+1}: the six products in one multiply, each input used
    # once (so no gradient is accumulated from two uses), then the two halves summed with signs ±1
    where_a = (slice(None),) * d + (Tensor._make(np.array([1, 2, 0, 2, 0, 1]), None),)
    where_b = (slice(None),) * d + (Tensor._make(np.array([2, 0, 1, 1, 2, 0]), None),)
    products = (input[where_a] * other[where_b]).unflatten(d, (2, 3))
    signs = Tensor._make(np.array([1.0, -1.0], dtype=products.dtype).reshape((2,) + (1,) * (len(shape) - d)), None)
    return (products * signs).sum(d)


def kron(input, other):
    """Kronecker product (``torch.kron``): out[i·m + k, ...] = input[i, ...]·other[k, ...] over every dim."""
    a, b = _as_tensor(input, "kron"), _as_tensor(other, "kron")
    nd = max(a.ndim, b.ndim)
    sa, sb = (1,) * (nd - a.ndim) + tuple(a.shape), (1,) * (nd - b.ndim) + tuple(b.shape)
    a = a.reshape(tuple(x for n in sa for x in (n, 1)))
    b = b.reshape(tuple(x for n in sb for x in (1, n)))
    return (a * b).reshape(tuple(m * n for m, n in zip(sa, sb)))


def tensordot(a, b, dims=2):
    """Sum of products over the last ``dims`` dims of a and the first ``dims`` of b, or over the listed
    pairs ``dims=([...], [...])`` (``torch.tensordot``); a permute, reshape and one matmul."""
    a, b = _as_tensor(a, "tensordot"), _as_tensor(b, "tensordot")
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, (int, np.integer)) else list(da)
        db = [db] if isinstance(db, (int, np.integer)) else list(db)
    if len(da) != len(db):
        raise RuntimeError(f"tensordot: both dimension lists should have same length, got {da} and {db}")
    da = [d % max(a.ndim, 1) for d in da]
    db = [d % max(b.ndim, 1) for d in db]
    for x, y in zip(da, db):
        if a.shape[x] != b.shape[y]:
            raise RuntimeError(f"tensordot: contracted dimensions need to match, but first has size "
                               f"{a.shape[x]} in dim {x} and second has size {b.shape[y]} in dim {y} "
                               f"(shapes {tuple(a.shape)} and {tuple(b.shape)})")
    free_a = [d for d in range(a.ndim) if d not in da]
    free_b = [d for d in range(b.ndim) if d not in db]
    k = int(np.prod([a.shape[d] for d in da]))
    am = a.permute(*(free_a + da)).reshape(-1, k)
    bm = b.permute(*(db + free_b)).reshape(k, -1)
    return matmul(am, bm).reshape(tuple(a.shape[d] for d in free_a) + tuple(b.shape[d] for d in free_b))


def _as_tensor(x, op):
    x = as_operand(x, op)
    return x if isinstance(x, Tensor) else Tensor._make(np.asarray(x), None)


def _scaled_sum(op, input, product, beta, alpha):
    """beta·input + alpha·product; with beta = 0 the input is ignored (NaN and inf included), as PyTorch."""
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        out = product
        if tuple(out.shape) != tuple(np.broadcast_shapes(input.shape, out.shape)):
            out = out.expand(*np.broadcast_shapes(input.shape, out.shape))
        return out
    try:
        np.broadcast_shapes(input.shape, product.shape)
    except ValueError:
        raise RuntimeError(f"{op}: input of shape {tuple(input.shape)} does not broadcast to the product's "
                           f"shape {tuple(product.shape)}") from None
    return (input if beta == 1 else input * beta) + product


def _need_dims(op, **tensors):
    for name, (t, n) in tensors.items():
        if t.ndim != n:
            raise RuntimeError(f"{op}: {name} must be a {n}D tensor, got shape {tuple(t.shape)}")


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta·input + alpha·(mat1 @ mat2), mat1 and mat2 matrices (``torch.addmm``)."""
    _need_dims("addmm", mat1=(mat1, 2), mat2=(mat2, 2))
    return _scaled_sum("addmm", _as_tensor(input, "addmm"), mm(mat1, mat2), beta, alpha)


def addmv(input, mat, vec, *, beta=1, alpha=1):
    """beta·input + alpha·(mat @ vec) (``torch.addmv``)."""
    _need_dims("addmv", mat=(mat, 2), vec=(vec, 1))
    return _scaled_sum("addmv", _as_tensor(input, "addmv"), matmul(mat, vec), beta, alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta·input + alpha·(batch1 @ batch2), batches of matrices (``torch.baddbmm``)."""
    _need_dims("baddbmm", batch1=(batch1, 3), batch2=(batch2, 3))
    return _scaled_sum("baddbmm", _as_tensor(input, "baddbmm"), bmm(batch1, batch2), beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta·input + alpha·Σ_b batch1[b] @ batch2[b] (``torch.addbmm``)."""
    _need_dims("addbmm", batch1=(batch1, 3), batch2=(batch2, 3))
    return _scaled_sum("addbmm", _as_tensor(input, "addbmm"), bmm(batch1, batch2).sum(0), beta, alpha)


# ---------------------------------------------------------------------------------------------------
# norms


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """(Σ|x|^ord)^(1/ord) over ``dim`` (all elements when None), ord ±inf for max/min |x|, 0 for the
    count of non-zeros (``torch.linalg.vector_norm``); the gradient of a zero 2-norm is 0."""
    from .reduce import norm

    x = _as_tensor(x, "linalg.vector_norm")
    if x.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {x.dtype}")
    if dtype is not None:
        x = x.to(dtype)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord!r} (use linalg.matrix_norm)")
    return norm(x, p=float(ord), dim=dim, keepdim=keepdim)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002
    """Matrix norm over the two dims ``dim`` (``torch.linalg.matrix_norm``): 'fro', 1/-1 (max/min
    absolute column sum), inf/-inf (max/min absolute row sum). 'nuc' and ±2 need singular values and
    are not supported."""
    from .reduce import amax, amin
    from .elementwise import abs as _abs

    A = _as_tensor(A, "linalg.matrix_norm")
    if A.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 dimensions (got shape "
                           f"{tuple(A.shape)})")
    if dtype is not None:
        A = A.to(dtype)
    d0, d1 = (d % A.ndim for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return vector_norm(A, 2, dim=(d0, d1), keepdim=keepdim)
    if ord in ("nuc", 2, -2):
        raise NotImplementedError(f"linalg.matrix_norm: ord={ord!r} needs singular values, which microgradnd "
                                  f"does not differentiate yet; use 'fro', 1, -1, inf or -inf")
    if ord in (1, -1, float("inf"), float("-inf")):
        # 1: sum over rows (d0) then the max over columns; inf: sum over columns (d1), max over rows
        summed, other = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = _abs(A).sum(summed, keepdim=True)
        out = (amax if ord > 0 else amin)(sums, dim=other, keepdim=True)
        return out if keepdim else out.squeeze(max(d0, d1)).squeeze(min(d0, d1))
    raise RuntimeError(f"linalg.matrix_norm: Order {ord!r} not supported.")


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """``torch.linalg.norm``: a vector norm when ``dim`` is an int or ``ord`` is a number on 1-D input, a
    matrix norm when ``dim`` is a pair or ``ord`` is a string on 2-D input; ord=None is the 2-norm of the
    flattened input (Frobenius for matrices)."""
    A = _as_tensor(A, "linalg.norm")
    if dim is not None and not isinstance(dim, (int, np.integer)):
        dim = tuple(dim)
    if ord is None:
        return vector_norm(A, 2, dim=dim, keepdim=keepdim, dtype=dtype)
    if isinstance(dim, tuple) and len(dim) == 2 or (dim is None and A.ndim == 2):
        return matrix_norm(A, ord, dim=dim if dim is not None else (-2, -1), keepdim=keepdim, dtype=dtype)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.norm: ord={ord!r} is a matrix norm, but the input has shape {tuple(A.shape)} "
                           f"and dim={dim}")
    if dim is None and A.ndim != 1:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                           f"{A.ndim}D.")
    return vector_norm(A, ord, dim=dim, keepdim=keepdim, dtype=dtype)


# ---------------------------------------------------------------------------------------------------
# specs for the generated gradient tests (see ops.registry)


def _square_shape(rng):
    n = int(rng.integers(1, 4))
    batch = tuple(int(b) for b in rng.integers(1, 3, size=int(rng.integers(0, 2))))
    return batch + (n, n)


def _well_conditioned(a):
    """Half a random matrix (entries in [-1, 1]) plus 4·I: strictly diagonally dominant for n <= 3, so far
    from singular."""
    return 0.5 * a + 4.0 * np.eye(a.shape[-1])


def _solve_shapes(rng):
    (a,) = [_square_shape(rng)]
    n = a[-1]
    kind = rng.integers(3)
    if kind == 0:
        return [a, a[:-1]]  # a batch of vectors
    if kind == 1:
        return [a, (n,)]  # one vector
    return [a, (2,) * (len(a) == 2) + (n, int(rng.integers(1, 3)))]  # matrices, batch broadcast


def _cross_sample(rng):
    n = int(rng.integers(1, 3))
    dim = int(rng.choice([0, -1]))
    shape = (3, n) if dim == 0 else (n, 3)
    return [shape, (1, 3) if dim == -1 and rng.random() < 0.3 else shape], {"dim": dim}


def _addmm_sample(rng):
    n, k, m = (int(v) for v in rng.integers(1, 4, size=3))
    kwargs = {"beta": float(rng.choice([1.0, 0.5, 0.0])), "alpha": float(rng.choice([1.0, -2.0]))}
    return [(m,) if rng.random() < 0.5 else (n, m), (n, k), (k, m)], kwargs


def _baddbmm_sample(rng):
    b, n, k, m = (int(v) for v in rng.integers(1, 4, size=4))
    kwargs = {"beta": float(rng.choice([1.0, 0.5])), "alpha": float(rng.choice([1.0, -2.0]))}
    return [(b, n, m), (b, n, k), (b, k, m)], kwargs


def _addbmm_sample(rng):
    shapes, kwargs = _baddbmm_sample(rng)
    return [shapes[0][1:], shapes[1], shapes[2]], kwargs


def _addmv_sample(rng):
    n, k = (int(v) for v in rng.integers(1, 4, size=2))
    return [(n,), (n, k), (k,)], {"beta": float(rng.choice([1.0, 0.5])), "alpha": float(rng.choice([1.0, -2.0]))}


def _tensordot_sample(rng):
    if rng.random() < 0.5:
        return [(2, 3, 4), (3, 4, 2)], {"dims": 2}
    return [(2, 3, 4), (4, 2)], {"dims": ([2, 0], [0, 1])}


def _matrix_power_kwargs(rng, shapes):
    return {"n": int(rng.choice([-2, -1, 0, 1, 2, 3]))}


def _norm_sample(rng):
    shape = tuple(int(v) for v in rng.integers(1, 4, size=3))
    choice = rng.integers(4)
    if choice == 0:
        return [shape], {"ord": "fro", "dim": (0, 2)}
    if choice == 1:
        return [shape[:2]], {"ord": float(rng.choice([1.0, -1.0, np.inf, -np.inf]))}
    if choice == 2:
        return [shape], {"ord": float(rng.choice([1.0, 3.0, 2.0])), "dim": int(rng.integers(-3, 3))}
    return [shape], {"ord": None}


add_spec(OpSpec(name="matrix_power", arity=1, broadcast=False, shapes=lambda rng: [_square_shape(rng)],
                kwargs=_matrix_power_kwargs, values=lambda rng, arrays: [_well_conditioned(a) / 3.0 for a in arrays],
                covers=(MatMul, Inverse)))
add_spec(OpSpec(name="multi_dot", arity=3, broadcast=False, call=lambda a, b, c: multi_dot([a, b, c]),
                shapes=lambda rng: [(3,), (3, 4), (4, 2)] if rng.random() < 0.5 else [(2, 3), (3, 1), (1, 4)],
                covers=(MatMul,)))
add_spec(OpSpec(name="cross", arity=2, broadcast=False, sample=_cross_sample))
add_spec(OpSpec(name="kron", arity=2, broadcast=False,
                shapes=lambda rng: [(2, 3), (2, 1, 2)] if rng.random() < 0.5 else [(3,), (2,)]))
add_spec(OpSpec(name="tensordot", arity=2, broadcast=False, sample=_tensordot_sample, covers=(MatMul,)))
add_spec(OpSpec(name="addmm", arity=3, broadcast=False, sample=_addmm_sample, covers=(MatMul,)))
add_spec(OpSpec(name="addmv", arity=3, broadcast=False, sample=_addmv_sample, covers=(MatMul,)))
add_spec(OpSpec(name="baddbmm", arity=3, broadcast=False, sample=_baddbmm_sample, covers=(MatMul,)))
add_spec(OpSpec(name="addbmm", arity=3, broadcast=False, sample=_addbmm_sample, covers=(MatMul,)))
add_spec(OpSpec(name="linalg_norm", arity=1, broadcast=False, smooth=False, sample=_norm_sample, distinct=True,
                avoid=((0, 0.0, 0.1),), call=lambda x, **kw: linalg_norm(x, **kw)))


PUBLIC = {"det": det, "inverse": inv, "matrix_power": matrix_power, "cross": cross, "kron": kron,
          "tensordot": tensordot, "addmm": addmm, "addmv": addmv, "baddbmm": baddbmm, "addbmm": addbmm,
          "slogdet": slogdet}
METHODS = {k: v for k, v in PUBLIC.items() if k != "tensordot"}
METHODS.update({n + "_": _inplace(PUBLIC[n], n + "_") for n in ("addmm", "addmv", "baddbmm", "addbmm")})
