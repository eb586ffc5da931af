"""Elementwise arithmetic and math: forward on arrays, backward with Tensor ops, side by side.

Binary ops broadcast like NumPy; each backward returns gradients in the broadcast shape and the
engine sums them back to each input's shape (``unbroadcast_to``).
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import CROSSED, Op, _apply2
from ..dtypes import get_default_dtype, result_type
from .registry import OpSpec, add_spec, register
from .util import Tensor, as_operand, constant, mask_tensor

# ---------------------------------------------------------------------------------------------------
# arithmetic


@register("add", arity=2, smooth=True)
class Add(Op):
    """out = a + b"""

    saves_inputs = False

    @staticmethod
    def forward(ctx, a, b):
        return a + b  # inf - inf, 0 * inf: NaN without a warning (Function.apply ignores fp errors)

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


@register("sub", arity=2, smooth=True)
class Sub(Op):
    """out = a - b"""

    saves_inputs = False

    @staticmethod
    def forward(ctx, a, b):
        return a - b  # inf - inf, 0 * inf: NaN without a warning (Function.apply ignores fp errors)

    @staticmethod
    def backward(ctx, grad):
        return grad, Neg.apply(grad) if ctx.needs_input_grad[1] else None


@register("mul", arity=2, smooth=True)
class Mul(Op):
    """out = a * b;  d/da = b, d/db = a"""

    saves_inputs = CROSSED

    @staticmethod
    def forward(ctx, a, b):
        return a * b  # inf - inf, 0 * inf: NaN without a warning (Function.apply ignores fp errors)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        # the primitive itself, not the `*` operator: forward already promoted both operands to one
        # dtype and checked their shapes, so the operator's checks would be pure overhead here
        return (Mul.apply(grad, b) if need_a else None), (Mul.apply(grad, a) if need_b else None)


@register("div", arity=2, smooth=True, domain=(-3.0, 3.0), avoid=((1, 0.0, 0.3),))
class Div(Op):
    """out = a / b;  d/da = 1/b, d/db = -a/b²"""

    @staticmethod
    def forward(ctx, a, b):
        return a / b  # no warning for inf/NaN: Function.apply ignores fp errors

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        ga = Div.apply(grad, b) if need_a else None
        gb = Div.apply(Mul.apply(Neg.apply(grad), a), Mul.apply(b, b)) if need_b else None
        return ga, gb


@register("neg", arity=1, smooth=True)
class Neg(Op):
    """out = -a"""

    saves_inputs = False

    @staticmethod
    def forward(ctx, a):
        return np.negative(a)

    @staticmethod
    def backward(ctx, grad):
        return -grad


@register("pow", arity=2, smooth=True, domain=(0.2, 2.0))
class Pow(Op):
    """out = a ** b;  d/da = b·a^(b-1) (0 where b == 0), d/db = out·ln a (0 where a == 0 and b >= 0), as PyTorch"""

    # grad_fn.name() as PyTorch's: a number base (2 ** x: pow() makes it a 0-d constant), a tensor
    # exponent, a number exponent
    torch_name = staticmethod(lambda node: (
        "PowBackward0" if not hasattr(node.inputs[1], "_data") else
        "PowBackward2" if node.inputs[0].ndim == 0 and not node.needs_input_grad[0] else "PowBackward1"))

    # backward reads the inputs only (out is recomputed for d/db): an in-place change of the output,
    # (x ** 2).relu_(), leaves the gradient computable, as in PyTorch

    @staticmethod
    def forward(ctx, a, b):
        with np.errstate(all="ignore"):
            return np.power(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        ga = gb = None
        if need_a:
            if isinstance(b, Tensor):
                # the derivative wrt the base is 0 where the exponent is 0 (even at a == 0)
                ga = where(constant(b._data == 0), 0.0, grad * (b * a ** (b - 1)))
            elif b == 0:
                ga = grad * 0.0
            else:
                ga = grad * (b * a ** (b - 1))
        if need_b:
            a_data = a._data if isinstance(a, Tensor) else np.asarray(a)
            log_a = log(a) if isinstance(a, Tensor) else constant(_log(a_data, grad.dtype))
            # 0 ** b is constant (0 or 1) for b >= 0: PyTorch defines that derivative as 0
            gb = grad * where(constant((a_data == 0) & (b._data >= 0)), 0.0, (a ** b) * log_a)
        return ga, gb


def _log(a, dtype):
    with np.errstate(all="ignore"):
        return np.log(np.asarray(a, dtype=dtype))


# ---------------------------------------------------------------------------------------------------
# unary math


@register("exp", arity=1, smooth=True, domain=(-3.0, 3.0))
class Exp(Op):
    """out = eˣ;  d/dx = out"""

    saves_inputs = False
    saves_output = True

    @staticmethod
    def forward(ctx, x):
        return np.exp(x)  # no warning for inf/NaN: Function.apply ignores fp errors

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.output


@register("log", arity=1, smooth=True, domain=(0.1, 5.0))
class Log(Op):
    """out = ln x;  d/dx = 1/x"""

    @staticmethod
    def forward(ctx, x):
        return np.log(x)  # no warning for inf/NaN: Function.apply ignores fp errors

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad / x


@register("sqrt", arity=1, smooth=True, domain=(0.1, 5.0))
class Sqrt(Op):
    """out = √x;  d/dx = 1 / (2·out)"""

    saves_inputs = False
    saves_output = True

    @staticmethod
    def forward(ctx, x):
        return np.sqrt(x)  # no warning for inf/NaN: Function.apply ignores fp errors

    @staticmethod
    def backward(ctx, grad):
        return grad / (ctx.output * 2.0)


@register("abs", arity=1, smooth=False, avoid=((0, 0.0, 0.05),))
class Abs(Op):
    """out = |x|;  d/dx = sign(x) (0 at 0, as PyTorch)"""

    @staticmethod
    def forward(ctx, x):
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad * constant(np.sign(x._data))


@register("sin", arity=1, smooth=True)
class Sin(Op):
    """out = sin x;  d/dx = cos x"""

    @staticmethod
    def forward(ctx, x):
        return np.sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad * cos(x)


@register("cos", arity=1, smooth=True)
class Cos(Op):
    """out = cos x;  d/dx = -sin x"""

    @staticmethod
    def forward(ctx, x):
        return np.cos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return -grad * sin(x)


@register("erf", arity=1, smooth=True)
class Erf(Op):
    """out = erf x;  d/dx = 2/√π · e^(-x²)"""

    @staticmethod
    def forward(ctx, x):
        from .activation import _erf

        return _erf(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad * exp(x * x * -1.0) * (2.0 / np.sqrt(np.pi))


@register("maximum", arity=2, smooth=False, distinct=True)
class Maximum(Op):
    """out = max(a, b) elementwise; the gradient goes to the larger input (split evenly on ties, as PyTorch)"""

    @staticmethod
    def forward(ctx, a, b):
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        av, bv = np.asarray(a._data if isinstance(a, Tensor) else a), np.asarray(b._data if isinstance(b, Tensor) else b)
        wa = (av > bv) + 0.5 * (av == bv)
        return grad * mask_tensor(wa, grad), grad * mask_tensor(1.0 - wa, grad)


@register("minimum", arity=2, smooth=False, distinct=True)
class Minimum(Op):
    """out = min(a, b) elementwise; the gradient goes to the smaller input (split evenly on ties)"""

    @staticmethod
    def forward(ctx, a, b):
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        av, bv = np.asarray(a._data if isinstance(a, Tensor) else a), np.asarray(b._data if isinstance(b, Tensor) else b)
        wa = (av < bv) + 0.5 * (av == bv)
        return grad * mask_tensor(wa, grad), grad * mask_tensor(1.0 - wa, grad)


@register("clamp", arity=1, smooth=False, kwargs={"min": -0.5, "max": 0.5},
          avoid=((0, -0.5, 0.05), (0, 0.5, 0.05)))
class Clamp(Op):
    """out = min(max(x, lo), hi), bounds None, numbers or tensors;  d/dx = 1 where lo <= x <= hi
    (bounds included), d/dlo = 1 where x < lo (and lo < hi), d/dhi = 1 where x > hi (or hi < lo),
    as PyTorch's clamp backward (the gradient is selected, so an inf upstream stays out of the 0s)"""

    torch_name = "ClampBackward1"  # grad_fn.name() as PyTorch's

    @staticmethod
    def forward(ctx, x, lo, hi):
        out = x
        with np.errstate(all="ignore"):
            if lo is not None:
                out = np.maximum(out, lo)
            if hi is not None:
                out = np.minimum(out, hi)
        return out.copy() if out is x else out

    @staticmethod
    def backward(ctx, grad):
        x, lo, hi = ctx.inputs
        need_x, need_lo, need_hi = ctx.needs_input_grad
        xv = x._data
        lov = lo._data if isinstance(lo, Tensor) else lo
        hiv = hi._data if isinstance(hi, Tensor) else hi
        gx = glo = ghi = None
        if need_x:
            keep = True
            if lov is not None:
                keep = xv >= lov
            if hiv is not None:
                keep = keep & (xv <= hiv)
            gx = _keep(grad, keep)
        if need_lo:
            below = xv < lov if hiv is None else (xv < lov) & (lov < hiv)
            glo = _keep(grad, below)
        if need_hi:
            above = xv > hiv if lov is None else (xv > hiv) | (hiv < lov)
            ghi = _keep(grad, above)
        return gx, glo, ghi


def _keep(grad, mask):
    """grad where ``mask`` is True, else 0: selected, not multiplied, so an infinite or NaN upstream
    gradient does not leak through as NaN where the mask is 0 (as PyTorch's clamp backward)."""
    return Where.apply(grad, np.zeros((), dtype=grad.dtype), condition=np.broadcast_to(mask, grad.shape))


@register("where", arity=2, smooth=True,
          call=lambda a, b, condition: where(Tensor._make(condition, None), a, b),
          kwargs=lambda rng, shapes: {"condition": rng.random(np.broadcast_shapes(*shapes)) < 0.5})
class Where(Op):
    """out = a where condition else b;  the gradient is routed by the same condition"""

    @staticmethod
    def forward(ctx, a, b, condition=None):
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx, grad):
        cond = ctx.kwargs["condition"]
        need_a, need_b = ctx.needs_input_grad
        zero = constant(np.zeros((), dtype=grad.dtype))
        ga = where(constant(cond), grad, zero) if need_a else None
        gb = where(constant(cond), zero, grad) if need_b else None
        return ga, gb


_ROUNDING = {"sign": np.sign, "floor": np.floor, "ceil": np.ceil, "trunc": np.trunc}


@register("floor", arity=1, smooth=False, avoid=tuple((0, float(v), 0.05) for v in (-2, -1, 0, 1, 2)))
class PiecewiseConstant(Op):
    """out = sign/floor/ceil/trunc/round(x) (``kind``);  d/dx = 0 everywhere (as PyTorch defines it)"""

    saves_inputs = False

    @staticmethod
    def forward(ctx, x, kind="floor", decimals=0):
        if kind == "round":
            return np.round(x, decimals)
        return _ROUNDING[kind](x)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0.0


def _away_from_multiples(rng, arrays):
    """a = b·(k + f) with f in [0.2, 0.8]: a/b stays away from the integers where the modulus jumps."""
    a, b = arrays
    b = np.where(rng.random(b.shape) < 0.5, -1.0, 1.0) * rng.uniform(0.5, 1.5, b.shape)
    return [b * (rng.integers(-3, 3, a.shape) + rng.uniform(0.2, 0.8, a.shape)), b]


@register("rounded_div", arity=2, smooth=False, broadcast=False, values=_away_from_multiples,
          call=lambda a, b: div(a, b, rounding_mode="floor"))
class RoundedDiv(Op):
    """out = floor(a / b) (``rounding_mode='floor'``, NumPy's exact floor_divide) or trunc(a / b)
    (``'trunc'``);  piecewise constant: both gradients are 0, as PyTorch's DivBackward gives"""

    saves_inputs = False

    @staticmethod
    def forward(ctx, a, b, rounding_mode="floor"):
        if rounding_mode == "floor":
            return np.floor_divide(a, b)
        return np.trunc(np.true_divide(a, b))

    @staticmethod
    def backward(ctx, grad):
        zero = grad * 0.0
        need_a, need_b = ctx.needs_input_grad
        return (zero if need_a else None), (zero if need_b else None)


@register("remainder", arity=2, smooth=True, broadcast=False, values=_away_from_multiples)
class Remainder(Op):
    """out = a - b·floor(a/b), the sign of b (Python's ``%``, ``torch.remainder``), or with
    ``kind='fmod'`` a - b·trunc(a/b), the sign of a (C's fmod, ``torch.fmod``);
    d/da = 1, d/db = -floor(a/b) (-trunc(a/b) for fmod), as PyTorch"""

    @staticmethod
    def forward(ctx, a, b, kind="remainder"):
        return (np.mod if kind == "remainder" else np.fmod)(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        gb = None
        if need_b:
            with np.errstate(all="ignore"):
                q = np.true_divide(_raw(a), _raw(b))
            q = np.floor(q) if ctx.kwargs["kind"] == "remainder" else np.trunc(q)
            gb = grad * constant(-q.astype(grad.dtype))
        return (grad if need_a else None), gb


add_spec(OpSpec(name="fmod", arity=2, smooth=True, broadcast=False, values=_away_from_multiples, covers=(Remainder,)))


@register("cast", arity=1, call=lambda x: Cast.apply(x, dtype=np.dtype(np.float64)))
class Cast(Op):
    """out = x converted to ``dtype``; the gradient is converted back to x's dtype"""

    torch_name = "ToCopyBackward0"  # grad_fn.name() as PyTorch's (.to(dtype))

    saves_inputs = False

    @staticmethod
    def forward(ctx, x, dtype=None):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad.to(x.dtype) if x.dtype.kind == "f" else None


@register("clone", arity=1)
class Clone(Op):
    """out = copy of x;  d/dx = 1"""

    saves_inputs = False

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


# ---------------------------------------------------------------------------------------------------
# public functions (the doors: Tensor methods and mg.* call these)


_PY_NUMBERS = (float, int)  # exact types: bool (a subclass of int) promotes differently


def _binary(op, a, b, name):
    """Apply a binary op after PyTorch's type promotion (weak Python scalars, 0-d tensors)."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if a._data.dtype is not b._data.dtype and a._data.dtype != b._data.dtype:
            dtype = result_type(a, b)
            a, b = _cast_operand(a, dtype), _cast_operand(b, dtype)
    elif isinstance(a, Tensor) and type(b) in _PY_NUMBERS and a._data.dtype.kind == "f":
        b = a._data.dtype.type(b)  # fast path: a Python int/float is weak, it never widens a float tensor
    elif isinstance(b, Tensor) and type(a) in _PY_NUMBERS and b._data.dtype.kind == "f":
        a = b._data.dtype.type(a)
    else:
        a, b = as_operand(a, name), as_operand(b, name)
        dtype = result_type(a, b)
        a, b = _cast_operand(a, dtype), _cast_operand(b, dtype)
    try:
        return _apply2(op, a, b)  # op.apply(a, b) without looking up and calling the partial
    except ValueError:
        sa, sb = np.shape(_raw(a)), np.shape(_raw(b))
        try:
            np.broadcast_shapes(sa, sb)
        except ValueError:
            raise RuntimeError(_broadcast_message(name, sa, sb)) from None
        raise


def _broadcast_message(name, sa, sb):
    """PyTorch's wording, plus the op and both shapes."""
    n = max(len(sa), len(sb))
    pa, pb = (1,) * (n - len(sa)) + tuple(sa), (1,) * (n - len(sb)) + tuple(sb)
    for d in reversed(range(n)):
        if pa[d] != pb[d] and pa[d] != 1 and pb[d] != 1:
            return (f"{name}: the size of tensor a ({pa[d]}) must match the size of tensor b ({pb[d]}) at "
                    f"non-singleton dimension {d} (shapes {tuple(sa)} and {tuple(sb)} do not broadcast)")
    return f"{name}: shapes {tuple(sa)} and {tuple(sb)} do not broadcast"


def _cast_operand(x, dtype):
    if isinstance(x, Tensor):
        return x if x._data.dtype == dtype else x.to(dtype)
    if dtype.kind == "f" or isinstance(x, (bool, np.bool_)) or dtype.kind == "b":
        return np.asarray(x, dtype=dtype) if not isinstance(x, (int, float, bool)) else dtype.type(x)
    return dtype.type(x)


def add(input, other, alpha=1):
    """input + alpha·other (``torch.add``)."""
    a, b = input, other
    if alpha != 1:
        b = mul(b, alpha)
    return _binary(Add, a, b, "add")


def sub(input, other, alpha=1):
    """input - alpha·other (``torch.sub``)."""
    a, b = input, other
    if alpha != 1:
        b = mul(b, alpha)
    if _is_bool(a) or _is_bool(b):  # also a Python bool: PyTorch makes it a bool tensor
        if _is_bool(a) and _is_bool(b):
            raise RuntimeError(
                "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                "`logical_xor()` operator instead."
            )
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
            "invert a mask, use the `~` or `logical_not()` operator instead (or convert with .long() first)."
        )
    return _binary(Sub, a, b, "sub")


def _is_bool(x):
    return isinstance(x, (bool, np.bool_)) or (isinstance(x, (Tensor, np.ndarray)) and x.dtype == np.bool_)


def mul(input, other):
    """input · other elementwise with broadcasting (``torch.mul``)."""
    return _binary(Mul, input, other, "mul")


def div(input, other, rounding_mode=None):
    """input / other true division (``torch.div``); integer inputs give the default float dtype."""
    a, b = input, other
    if rounding_mode is not None:
        av, bv = _raw(a), _raw(b)
        if np.asarray(bv).dtype.kind in "iub" and np.asarray(av).dtype.kind in "iub" and np.any(np.asarray(bv) == 0):
            raise RuntimeError("ZeroDivisionError: integer division by zero (div with rounding_mode)")
        if rounding_mode not in ("floor", "trunc"):
            raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}")
        a, b = as_operand(a, "div"), as_operand(b, "div")
        dtype = result_type(a, b)
        if dtype.kind == "f":  # recorded: the result requires grad (a zero gradient), as in PyTorch
            a, b = _cast_operand(a, dtype), _cast_operand(b, dtype)
            if not isinstance(a, Tensor):
                a = Tensor._make(np.asarray(a, dtype=dtype), None)
            return RoundedDiv.apply(a, b, rounding_mode=rounding_mode)
        with np.errstate(all="ignore"):
            q = np.floor_divide(av, bv) if rounding_mode == "floor" else np.trunc(np.true_divide(av, bv))
        return Tensor._make(np.asarray(q).astype(dtype), None)
    a, b = as_operand(a, "div"), as_operand(b, "div")
    dtype = result_type(a, b)
    if dtype.kind != "f":
        dtype = get_default_dtype()
    return Div.apply(_cast_operand(a, dtype), _cast_operand(b, dtype))


def _raw(x):
    return x._data if isinstance(x, Tensor) else x


def _modulus(a, b, kind):
    a, b = as_operand(a, kind), as_operand(b, kind)
    dtype = result_type(a, b)
    if dtype.kind != "f":  # integers and bools: no gradient; a zero divisor raises, as in PyTorch
        av, bv = np.asarray(_raw(a)), np.asarray(_raw(b))
        if np.any(bv == 0):
            raise RuntimeError(f"ZeroDivisionError: integer modulus by zero ({kind})")
        return Tensor._make(np.asarray((np.mod if kind == "remainder" else np.fmod)(av, bv)).astype(dtype), None)
    a, b = _cast_operand(a, dtype), _cast_operand(b, dtype)
    try:
        np.broadcast_shapes(np.shape(_raw(a)), np.shape(_raw(b)))
    except ValueError:
        raise RuntimeError(_broadcast_message(kind, np.shape(_raw(a)), np.shape(_raw(b)))) from None
    if not isinstance(a, Tensor):
        a = Tensor._make(np.asarray(a, dtype=dtype), None)
    return Remainder.apply(a, b, kind=kind)


def remainder(a, b):
    """a - b·floor(a/b): Python's ``%``, the result has the sign of b (``torch.remainder``)."""
    return _modulus(a, b, "remainder")


def fmod(a, b):
    """a - b·trunc(a/b): C's fmod, the result has the sign of a (``torch.fmod``)."""
    return _modulus(a, b, "fmod")


def floor_divide(a, b):
    """floor(a / b) (``torch.floor_divide``, the ``//`` operator) = ``div(a, b, rounding_mode='floor')``."""
    return div(a, b, rounding_mode="floor")


def neg(x):
    """-x (``torch.neg``)."""
    x = as_operand(x, "neg")
    if isinstance(x, Tensor) and x.dtype == np.bool_:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert "
            "a mask, use the `~` or `logical_not()` op instead."
        )
    return Neg.apply(x)


def pow(input, exponent):  # noqa: A001 - torch.pow
    """input ** exponent with a Tensor or a number on either side (``torch.pow``)."""
    a, b = as_operand(input, "pow"), as_operand(exponent, "pow")
    dtype = result_type(a, b)
    if not isinstance(a, Tensor):
        a = Tensor._make(np.asarray(a, dtype=dtype), None)
    a = _cast_operand(a, dtype)
    if isinstance(b, Tensor):
        b = _cast_operand(b, dtype)
    elif dtype.kind in "iu" and isinstance(b, (int, np.integer)) and b < 0:
        raise RuntimeError("pow: integers to negative integer powers are not allowed; use a float tensor")
    return Pow.apply(a, b)


def _unary(op, name):
    def fn(x):
        x = as_operand(x, name)
        if not isinstance(x, Tensor):
            x = Tensor._make(np.asarray(x), None)
        if x._data.dtype.kind != "f":
            x = x.to(get_default_dtype())
        return op.apply(x)

    fn.__name__ = name
    fn.__doc__ = f"{op.__doc__} (``torch.{name}``)."
    return fn


exp = _unary(Exp, "exp")
log = _unary(Log, "log")
sqrt = _unary(Sqrt, "sqrt")
sin = _unary(Sin, "sin")
cos = _unary(Cos, "cos")
erf = _unary(Erf, "erf")


def lerp(start, end, weight):
    """start + weight·(end - start) (``torch.lerp``)."""
    return add(start, mul(weight, sub(end, start)))


def addcmul(x, tensor1, tensor2, value=1):
    """x + value·tensor1·tensor2 (``torch.addcmul``)."""
    return add(x, mul(mul(tensor1, tensor2), value))


def addcdiv(x, tensor1, tensor2, value=1):
    """x + value·tensor1/tensor2 (``torch.addcdiv``)."""
    return add(x, mul(div(tensor1, tensor2), value))


def abs(x):  # noqa: A001 - torch.abs
    """|x| (``torch.abs``); keeps integer dtypes."""
    return Abs.apply(as_operand(x, "abs"))


def maximum(input, other):
    """Elementwise max (``torch.maximum``)."""
    return _binary(Maximum, input, other, "maximum")


def minimum(input, other):
    """Elementwise min (``torch.minimum``)."""
    return _binary(Minimum, input, other, "minimum")


def clamp(x, min=None, max=None):  # noqa: A002 - torch.clamp
    """Limit x to [min, max] (``torch.clamp``/``clip``); either bound may be None, a number or a
    tensor (tensor bounds broadcast and receive gradients too)."""
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    x = _float_or_any(x, "clamp")
    lo = None if min is None else as_operand(min, "clamp")
    hi = None if max is None else as_operand(max, "clamp")
    dtype = result_type(*[v for v in (x, lo, hi) if v is not None])
    x = _cast_operand(x, dtype)
    lo = None if lo is None else _cast_operand(lo, dtype)
    hi = None if hi is None else _cast_operand(hi, dtype)
    shapes = [np.shape(v._data if isinstance(v, Tensor) else v) for v in (x, lo, hi) if v is not None]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise RuntimeError(f"clamp: input and bound shapes {', '.join(map(str, shapes))} are not "
                           f"broadcastable") from None
    return Clamp.apply(x, lo, hi)


def _float_or_any(x, name):
    x = as_operand(x, name)
    return x if isinstance(x, Tensor) else Tensor._make(np.asarray(x), None)


clip = clamp


def where(condition, input=None, other=None):
    """``input`` where ``condition`` else ``other`` (``torch.where``); condition is a bool tensor or array.
    ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``."""
    a, b = input, other
    if a is None and b is None:
        from .selection import nonzero

        return nonzero(condition if isinstance(condition, Tensor) else constant(condition), as_tuple=True)
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise RuntimeError(
            f"where expected condition to be a boolean tensor, but got a tensor with dtype {cond.dtype} "
            f"(compare first, e.g. mg.where(x > 0, a, b), or use cond.bool())"
        )
    a, b = as_operand(a, "where"), as_operand(b, "where")
    dtype = result_type(a, b)
    a = _cast_operand(a, dtype)
    b = _cast_operand(b, dtype)
    if not isinstance(a, Tensor):
        a = Tensor._make(np.asarray(a, dtype=dtype), None)
    try:
        np.broadcast_shapes(cond.shape, np.shape(a._data), np.shape(b._data if isinstance(b, Tensor) else b))
    except ValueError:
        raise RuntimeError(
            f"where: condition {tuple(cond.shape)}, input {tuple(a.shape)} and other "
            f"{tuple(np.shape(_raw(b)))} are not broadcastable"
        ) from None
    out = Where.apply(a, b, condition=cond)
    return out


def masked_fill(x, mask, value):
    """``value`` where ``mask`` is True, else x (``Tensor.masked_fill``); differentiable in x (and in a
    tensor ``value``)."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_fill only supports boolean masks, but got mask with dtype {m.dtype}")
    x = _float_or_any(x, "masked_fill")
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"masked_fill only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.ndim} dimension(s)")
    out = where(Tensor._make(m, None), value, x)
    return out if out.dtype == x.dtype else out.to(x.dtype)


def cast(x, dtype):
    """x converted to ``dtype`` (``Tensor.to(dtype)``); differentiable between float dtypes (a cast to
    an integer or bool dtype leaves the graph, as in PyTorch)."""
    if np.dtype(dtype).kind not in "fc":
        return Tensor._make(x._data.astype(dtype), None)
    return Cast.apply(x, dtype=dtype)


def clone(x):
    """A copy of x that stays in the graph (``torch.clone``)."""
    return Clone.apply(x)


def square(x):
    """x² (``torch.square``)."""
    return mul(x, x)


def rsqrt(x):
    """1/√x (``torch.rsqrt``)."""
    return div(1.0, sqrt(x))


def reciprocal(x):
    """1/x (``torch.reciprocal``)."""
    return div(1.0, x)


def sign(x):
    """Sign of x (-1, 0 or 1); its gradient is 0 (``torch.sign``)."""
    return _piecewise_constant(x, "sign")


def floor(x):
    """Round down; zero gradient (``torch.floor``)."""
    return _piecewise_constant(x, "floor")


def ceil(x):
    """Round up; zero gradient (``torch.ceil``)."""
    return _piecewise_constant(x, "ceil")


def trunc(x):
    """Round towards zero; zero gradient (``torch.trunc``)."""
    return _piecewise_constant(x, "trunc")


def round(x, decimals=0):  # noqa: A001
    """Round half to even like PyTorch, optionally to ``decimals`` places; zero gradient (``torch.round``)."""
    return _piecewise_constant(x, "round", decimals)


def _piecewise_constant(x, kind, decimals=0):
    x = as_operand(x, kind)
    if not isinstance(x, Tensor):
        x = Tensor._make(np.asarray(x), None)
    if x.dtype.kind != "f" and (kind != "sign" or x.dtype == np.bool_):  # sign(bool) is itself
        return x.clone() if x.requires_grad else Tensor._make(x._data.copy(), None)
    return PiecewiseConstant.apply(x, kind=kind, decimals=decimals)


# ---------------------------------------------------------------------------------------------------
# more ways to call the primitives above, for the generated gradient tests (see ops.registry)

_INTEGERS = tuple((0, float(v), 0.05) for v in (-2, -1, 0, 1, 2))
_HALVES = tuple((0, v, 0.05) for v in (-1.5, -0.5, 0.5, 1.5))
for _name, _avoid in (("ceil", _INTEGERS), ("trunc", _INTEGERS), ("round", _HALVES), ("sign", ((0, 0.0, 0.05),))):
    add_spec(OpSpec(name=_name, arity=1, smooth=False, avoid=_avoid, covers=(PiecewiseConstant,)))
add_spec(OpSpec(name="round_decimals", arity=1, smooth=False, call=lambda x: round(x, decimals=1),
                avoid=tuple((0, v / 20, 0.01) for v in range(-39, 40, 2)), covers=(PiecewiseConstant,)))
add_spec(OpSpec(name="pow_scalar_exponent", arity=1, covers=(Pow,), domain=(0.2, 2.0),
                kwargs=lambda rng, shapes: {"exponent": float(rng.choice([-1.5, -1.0, 0.0, 0.5, 2.0, 3.0]))},
                call=lambda x, exponent: x ** exponent))
add_spec(OpSpec(name="pow_integer_exponent_negative_base", arity=1, covers=(Pow,),
                kwargs=lambda rng, shapes: {"exponent": int(rng.integers(0, 4))}, call=lambda x, exponent: x ** exponent))
add_spec(OpSpec(name="pow_scalar_base", arity=1, covers=(Pow,),
                kwargs=lambda rng, shapes: {"base": float(rng.choice([0.5, 2.0, 3.0]))}, call=lambda x, base: base ** x))
add_spec(OpSpec(name="clamp_tensor_bounds", arity=3, smooth=False, distinct=True, covers=(Clamp,),
                call=lambda x, lo, hi: clamp(x, lo, hi)))
add_spec(OpSpec(name="clamp_one_bound", arity=2, smooth=False, distinct=True, covers=(Clamp,),
                kwargs=lambda rng, shapes: {"side": "min" if rng.random() < 0.5 else "max"},
                call=lambda x, bound, side: clamp(x, **{side: bound})))
add_spec(OpSpec(name="where_scalar", arity=1, covers=(Where,), call=lambda a, condition: where(Tensor._make(condition, None), 0.5, a),
                kwargs=lambda rng, shapes: {"condition": rng.random(shapes[0]) < 0.5}))
add_spec(OpSpec(name="square", arity=1, covers=(Mul,)))
add_spec(OpSpec(name="rsqrt", arity=1, domain=(0.2, 3.0), covers=(Div, Sqrt)))
add_spec(OpSpec(name="reciprocal", arity=1, avoid=((0, 0.0, 0.3),), covers=(Div,)))
add_spec(OpSpec(name="add_alpha", arity=2, covers=(Add, Mul), call=lambda a, b: add(a, b, alpha=-1.5)))
add_spec(OpSpec(name="masked_fill", arity=1, covers=(Where,), call=lambda x, mask: masked_fill(x, Tensor._make(mask, None), -0.5),
                kwargs=lambda rng, shapes: {"mask": rng.random(shapes[0]) < 0.5}))
add_spec(OpSpec(name="lerp", arity=3, covers=(Add, Sub, Mul)))
add_spec(OpSpec(name="addcmul", arity=3, covers=(Add, Mul), kwargs=lambda rng, shapes: {"value": float(rng.choice([1.0, -0.5]))}))
add_spec(OpSpec(name="addcdiv", arity=3, covers=(Add, Div), avoid=((2, 0.0, 0.3),),
                kwargs=lambda rng, shapes: {"value": float(rng.choice([1.0, -0.5]))}))
