"""The rest of PyTorch's elementwise math: inverse trigonometric and hyperbolic functions, ``exp2``,
``erfc``/``erfinv``, ``sinc``, ``logit``, ``atan2``/``hypot``/``copysign``, ``logaddexp``/``logaddexp2``,
``fmax``/``fmin``, ``xlogy``, ``nan_to_num`` (primitives, forward and backward side by side), and the
composites ``frac sgn signbit float_power deg2rad rad2deg heaviside``.

Gradients follow PyTorch's conventions at the special points (probed on PyTorch 2.13): ``atan2`` has
gradient 0 at the origin, ``hypot`` NaN there; ``copysign`` passes ``±1`` to its first input (0 where it
is 0) and nothing to the second; ``fmax``/``fmin`` give the whole gradient to the first input on ties
(unlike ``maximum``, which splits it) and to the non-NaN input otherwise; ``logit`` without ``eps`` is NaN
outside [0, 1], with ``eps`` 0 outside [eps, 1 - eps]; ``xlogy``'s gradient wrt x is 0 where x == 0 and
y <= 0; ``nan_to_num`` passes the gradient only where the input was finite.
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Op, _apply2
from ..dtypes import get_default_dtype, result_type
from .activation import _erf, erfc_low_precision
from .elementwise import (_PY_NUMBERS, _broadcast_message, _cast_operand, _raw, _unary, cos, exp, log, mul, pow,
                          sign, sqrt, trunc, where)
from .registry import OpSpec, add_spec, register
from .util import Tensor, as_operand, constant, mask_tensor, inplace_method as _inplace

_LN2 = math.log(2.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

# ---------------------------------------------------------------------------------------------------
# unary primitives


@register("atan", arity=1)
class Atan(Op):
    """out = atan x;  d/dx = 1 / (1 + x²)"""

    @staticmethod
    def forward(ctx, x):
        return np.arctan(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad / (x * x + 1.0)


@register("asin", arity=1, domain=(-0.9, 0.9))
class Asin(Op):
    """out = asin x;  d/dx = 1 / √(1 - x²)"""

    @staticmethod
    def forward(ctx, x):
        return np.arcsin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad / sqrt(1.0 - x * x)


@register("acos", arity=1, domain=(-0.9, 0.9))
class Acos(Op):
    """out = acos x;  d/dx = -1 / √(1 - x²)"""

    @staticmethod
    def forward(ctx, x):
        return np.arccos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return -grad / sqrt(1.0 - x * x)


@register("sinh", arity=1)
class Sinh(Op):
    """out = sinh x;  d/dx = cosh x"""

    @staticmethod
    def forward(ctx, x):
        return np.sinh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad * cosh(x)


@register("cosh", arity=1)
class Cosh(Op):
    """out = cosh x;  d/dx = sinh x"""

    @staticmethod
    def forward(ctx, x):
        return np.cosh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad * sinh(x)


@register("asinh", arity=1)
class Asinh(Op):
    """out = asinh x;  d/dx = 1 / √(x² + 1)"""

    @staticmethod
    def forward(ctx, x):
        return np.arcsinh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad / sqrt(x * x + 1.0)


@register("acosh", arity=1, domain=(1.1, 3.0))
class Acosh(Op):
    """out = acosh x;  d/dx = 1 / √(x² - 1) (inf at 1, as PyTorch)"""

    @staticmethod
    def forward(ctx, x):
        return np.arccosh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad / sqrt(x * x - 1.0)


@register("atanh", arity=1, domain=(-0.9, 0.9))
class Atanh(Op):
    """out = atanh x;  d/dx = 1 / (1 - x²)"""

    @staticmethod
    def forward(ctx, x):
        return np.arctanh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad / (1.0 - x * x)


@register("exp2", arity=1, domain=(-3.0, 3.0))
class Exp2(Op):
    """out = 2ˣ;  d/dx = out · ln 2"""

    saves_inputs = False
    saves_output = True

    @staticmethod
    def forward(ctx, x):
        return np.exp2(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.output * _LN2


_erfc_ufunc = np.frompyfunc(math.erfc, 1, 1)


def _erfc(x):
    """Elementwise erfc: to double precision for float64 input (math.erfc through a ufunc, as
    ``activation._erf``); vectorised for float32/float16 input (``activation.erfc_low_precision``,
    relative error < 1.1e-7, erfc(-z) = 2 - erfc z)."""
    if x.dtype == np.float32 or x.dtype == np.float16:
        x64 = x.astype(np.float64)
        e = erfc_low_precision(np.abs(x64))
        return np.where(x64 < 0, 2.0 - e, e).astype(x.dtype)
    return np.asarray(_erfc_ufunc(x), dtype=x.dtype)


@register("erfc", arity=1)
class Erfc(Op):
    """out = erfc x = 1 - erf x (exact in the tail);  d/dx = -2/√π · e^(-x²)"""

    @staticmethod
    def forward(ctx, x):
        return _erfc(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad * exp(x * x * -1.0) * -_TWO_OVER_SQRT_PI


# Giles (2010), "Approximating the erfinv function": a single-precision first guess, refined below
_GILES_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                  -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_GILES_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
               -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)


def _erfinv(y):
    """Inverse error function on (-1, 1) (±inf at ±1, NaN outside): Giles' polynomial, then Newton steps
    on erf (on ln erfc where |y| > 0.5, whose target 1 - |y| is exact) to double precision."""
    dtype = y.dtype
    y = np.asarray(y, dtype=np.float64)
    a = np.abs(y)
    with np.errstate(all="ignore"):
        w = -np.log((1.0 - a) * (1.0 + a))
        central = w < 5.0
        wc = np.where(central, w - 2.5, np.sqrt(w) - 3.0)
        p = np.zeros_like(w)
        for c_central, c_tail in zip(_GILES_CENTRAL, _GILES_TAIL):
            p = p * wc + np.where(central, c_central, c_tail)
        x = p * a
        tail = a > 0.5
        target = np.where(tail, 1.0 - a, a)
        finite = np.isfinite(x)
        for _ in range(4):
            xs = np.where(finite, x, 0.0)
            ec = _erfc(xs)
            # the tail solves ln erfc(x) = ln(1 - |y|): nearly quadratic there, so Newton converges fast
            # even from the first guess's 10% error at 1 - |y| ~ 1e-16 (Giles' fit stops near 1e-8)
            residual = np.where(tail, (np.log(ec) - np.log(target)) * ec, target - _erf(xs))
            x = x + residual / (_TWO_OVER_SQRT_PI * np.exp(-xs * xs))
        x = np.where(a == 1.0, np.inf, np.where(a > 1.0, np.nan, x))
    return (np.copysign(x, y)).astype(dtype, copy=False)


@register("erfinv", arity=1, domain=(-0.9, 0.9))
class Erfinv(Op):
    """out = erf⁻¹(x);  d/dx = √π/2 · e^(out²)"""

    saves_inputs = False
    saves_output = True

    @staticmethod
    def forward(ctx, x):
        return _erfinv(x)

    @staticmethod
    def backward(ctx, grad):
        out = ctx.output
        return grad * exp(out * out) * (math.sqrt(math.pi) / 2.0)


@register("sinc", arity=1, avoid=((0, 0.0, 0.05),))
class Sinc(Op):
    """out = sin(πx)/(πx), 1 at 0;  d/dx = (cos(πx) - out) / x, 0 at 0 (as PyTorch)"""

    saves_output = True

    @staticmethod
    def forward(ctx, x):
        with np.errstate(all="ignore"):
            px = np.pi * x
            return np.where(x == 0, np.ones((), dtype=x.dtype), np.sin(px) / px).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        zero = x._data == 0
        if not zero.any():
            return grad * ((cos(x * math.pi) - ctx.output) / x)
        safe = x + mask_tensor(zero, x)  # 1 where x == 0: no 0/0 in either order
        return grad * where(constant(zero), 0.0, (cos(safe * math.pi) - ctx.output) / safe)


@register("logit", arity=1, domain=(0.05, 0.95), avoid=((0, 0.2, 0.03), (0, 0.8, 0.03)),
          kwargs=lambda rng, shapes: {"eps": None if rng.random() < 0.5 else 0.2})
class Logit(Op):
    """out = ln(z / (1 - z)) with z = x, or x clamped to [eps, 1 - eps];  d/dx = 1 / (x(1 - x)) inside,
    0 outside [eps, 1 - eps] with ``eps``, NaN outside [0, 1] without (as PyTorch)"""

    @staticmethod
    def forward(ctx, x, eps=None):
        z = x if eps is None else np.clip(x, eps, 1.0 - eps)
        return np.log(z / (1.0 - z))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        eps = ctx.kwargs.get("eps")
        xv = x._data
        denominator = x * (1.0 - x)
        if np.any(np.signbit(xv[xv == 0])):
            denominator = denominator + 0.0  # -0.0 -> +0.0: the slope at 0 is +inf from either side
        d = grad / denominator
        if eps is None:
            outside = (xv < 0) | (xv > 1)
            return where(constant(outside), float("nan"), d) if outside.any() else d
        outside = (xv < eps) | (xv > 1.0 - eps)
        return where(constant(outside), 0.0, d) if outside.any() else d


@register("nan_to_num", arity=1, kwargs={"nan": 0.5, "posinf": 2.0})
class NanToNum(Op):
    """out = x with NaN, +inf, -inf replaced (by 0, the dtype's max and min unless given);
    d/dx = 1 where x is finite, else 0"""

    saves_inputs = True

    @staticmethod
    def forward(ctx, x, nan=0.0, posinf=None, neginf=None):
        return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        finite = np.isfinite(x._data)
        return grad if finite.all() else grad * mask_tensor(finite, grad)


# ---------------------------------------------------------------------------------------------------
# binary primitives


def _data(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


@register("atan2", arity=2, avoid=((0, 0.0, 0.2),))
class Atan2(Op):
    """out = atan2(a, b), the angle of (b, a);  d/da = b / (a² + b²), d/db = -a / (a² + b²), both 0
    where a² + b² is 0 (as PyTorch)"""

    @staticmethod
    def forward(ctx, a, b):
        return np.arctan2(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        r = a * a + b * b
        origin = r._data == 0 if isinstance(r, Tensor) else np.asarray(r == 0)
        if not origin.any():
            g = grad / r
            return (g * b if need_a else None), (-g * a if need_b else None)
        # a² + b² is 0 at the origin (or underflows next to it): both gradients are 0 there
        origin = constant(np.broadcast_to(origin, grad.shape))
        g = grad / (r + mask_tensor(origin._data, grad))
        ga = where(origin, 0.0, g * b) if need_a else None
        gb = where(origin, 0.0, -g * a) if need_b else None
        return ga, gb


@register("hypot", arity=2, avoid=((0, 0.0, 0.2),))
class Hypot(Op):
    """out = √(a² + b²) without overflow;  d/da = a / out, d/db = b / out (NaN at the origin, as PyTorch)"""

    saves_output = True

    @staticmethod
    def forward(ctx, a, b):
        return np.hypot(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        g = grad / ctx.output
        return (g * a if need_a else None), (g * b if need_b else None)


@register("copysign", arity=2, smooth=False, avoid=((0, 0.0, 0.05), (1, 0.0, 0.05)))
class Copysign(Op):
    """out = |a| with the sign of b (-0.0 counts as negative);  d/da = out / a (±1; 0 where a == 0, NaN
    where a is ±inf or NaN), d/db = 0 (as PyTorch)"""

    @staticmethod
    def forward(ctx, a, b):
        return np.copysign(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        ga = None
        if need_a:
            av = _data(a)
            with np.errstate(all="ignore"):
                ratio = np.where(av == 0, 0.0, np.copysign(av, _data(b)) / av)
            ga = grad * mask_tensor(np.broadcast_to(ratio, grad.shape), grad)
        return ga, (grad * 0.0 if need_b else None)


@register("logaddexp", arity=2, domain=(-3.0, 3.0))
class LogAddExp(Op):
    """out = ln(eᵃ + eᵇ) (``base=2``: log₂(2ᵃ + 2ᵇ)) without overflow;  d/da = 1 / (1 + e^(b - a))
    (1 / (1 + 2^(b - a))), d/db likewise: 1 to the infinite input when the other is finite (as PyTorch)"""

    @staticmethod
    def forward(ctx, a, b, base="e"):
        return np.logaddexp(a, b) if base == "e" else np.logaddexp2(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        scale = 1.0 if ctx.kwargs.get("base", "e") == "e" else _LN2
        ga = grad / (exp((b - a) * scale) + 1.0) if need_a else None
        gb = grad / (exp((a - b) * scale) + 1.0) if need_b else None
        return ga, gb


add_spec(OpSpec(name="logaddexp2", arity=2, domain=(-3.0, 3.0), covers=(LogAddExp,)))


@register("fmax", arity=2, smooth=False, distinct=True)
class FMaxMin(Op):
    """out = fmax(a, b) (``kind='fmin'``: fmin), ignoring NaN unless both are; the gradient goes to a
    where a >= b (a <= b for fmin) or b is NaN, else to b: ties go to a, unlike ``maximum`` (as PyTorch)"""

    @staticmethod
    def forward(ctx, a, b, kind="fmax"):
        return np.fmax(a, b) if kind == "fmax" else np.fmin(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        av, bv = _data(a), _data(b)
        to_a = ((av >= bv) if ctx.kwargs.get("kind", "fmax") == "fmax" else (av <= bv)) | np.isnan(bv)
        to_a = np.broadcast_to(to_a, grad.shape)
        ga = grad * mask_tensor(to_a, grad) if need_a else None
        gb = grad * mask_tensor(~to_a, grad) if need_b else None
        return ga, gb


add_spec(OpSpec(name="fmin", arity=2, smooth=False, distinct=True, covers=(FMaxMin,)))


@register("xlogy", arity=2, domain=(0.1, 2.0))
class Xlogy(Op):
    """out = x·ln y, 0 where x == 0 (unless y is NaN);  d/dx = ln y (0 where x == 0 and y <= 0),
    d/dy = x / y (as PyTorch)"""

    @staticmethod
    def forward(ctx, x, y):
        out = x * np.log(y)
        return np.where((x == 0) & ~np.isnan(y), np.zeros((), dtype=out.dtype), out)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.inputs
        need_x, need_y = ctx.needs_input_grad
        gx = gy = None
        if need_x:
            yt = y if isinstance(y, Tensor) else constant(np.asarray(y, dtype=grad.dtype))
            log_y = log(yt)
            skip = (_data(x) == 0) & (_data(y) <= 0)
            gx = grad * (where(constant(skip), 0.0, log_y) if skip.any() else log_y)
        if need_y:
            gy = grad * x / y
        return gx, gy


# ---------------------------------------------------------------------------------------------------
# public functions (the doors: Tensor methods and mg.* call these)

atan = _unary(Atan, "atan")
asin = _unary(Asin, "asin")
acos = _unary(Acos, "acos")
sinh = _unary(Sinh, "sinh")
cosh = _unary(Cosh, "cosh")
asinh = _unary(Asinh, "asinh")
acosh = _unary(Acosh, "acosh")
atanh = _unary(Atanh, "atanh")
exp2 = _unary(Exp2, "exp2")
erfc = _unary(Erfc, "erfc")
erfinv = _unary(Erfinv, "erfinv")
sinc = _unary(Sinc, "sinc")


def _float_tensor(x, name):
    x = as_operand(x, name)
    if not isinstance(x, Tensor):
        x = Tensor._make(np.asarray(x), None)
    return x if x._data.dtype.kind == "f" else x.to(get_default_dtype())


def logit(input, eps=None):
    """ln(x / (1 - x)), x first clamped to [eps, 1 - eps] when ``eps`` is given (``torch.logit``)."""
    return Logit.apply(_float_tensor(input, "logit"), eps=None if eps is None else float(eps))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN -> ``nan``, +inf -> ``posinf``, -inf -> ``neginf`` (default: the dtype's largest and smallest
    finite values) (``torch.nan_to_num``); integer and bool tensors come back unchanged."""
    x = as_operand(input, "nan_to_num")
    if not isinstance(x, Tensor):
        x = Tensor._make(np.asarray(x), None)
    if x._data.dtype.kind != "f":
        return Tensor._make(x._data.copy(), None)
    return NanToNum.apply(x, nan=nan, posinf=posinf, neginf=neginf)


def _float_binary(op, a, b, name, **kwargs):
    """Apply a binary float op after PyTorch's promotion; integer results become the default float."""
    if isinstance(a, Tensor) and type(b) in _PY_NUMBERS and a._data.dtype.kind == "f":
        b = a._data.dtype.type(b)
    elif isinstance(b, Tensor) and type(a) in _PY_NUMBERS and b._data.dtype.kind == "f":
        a = b._data.dtype.type(a)
    else:
        a, b = as_operand(a, name), as_operand(b, name)
        dtype = result_type(a, b)
        if dtype.kind != "f":
            dtype = get_default_dtype()
        a, b = _cast_operand(a, dtype), _cast_operand(b, dtype)
    sa, sb = np.shape(_raw(a)), np.shape(_raw(b))
    if sa != sb:
        try:
            np.broadcast_shapes(sa, sb)
        except ValueError:
            raise RuntimeError(_broadcast_message(name, sa, sb)) from None
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = Tensor._make(np.asarray(a), None)
    return op.apply(a, b, **kwargs) if kwargs else _apply2(op, a, b)


def atan2(input, other):
    """atan2(input, other): the angle of the point (other, input), in (-π, π] (``torch.atan2``)."""
    return _float_binary(Atan2, input, other, "atan2")


def hypot(input, other):
    """√(input² + other²) without overflow (``torch.hypot``)."""
    return _float_binary(Hypot, input, other, "hypot")


def copysign(input, other):
    """|input| with the sign of other (``torch.copysign``)."""
    return _float_binary(Copysign, input, other, "copysign")


def logaddexp(input, other):
    """ln(eˣ + eʸ), stable for large and very negative inputs (``torch.logaddexp``)."""
    return _float_binary(LogAddExp, input, other, "logaddexp", base="e")


def logaddexp2(input, other):
    """log₂(2ˣ + 2ʸ), stable (``torch.logaddexp2``)."""
    return _float_binary(LogAddExp, input, other, "logaddexp2", base="2")


def fmax(input, other):
    """Elementwise max that ignores NaN (NaN only where both are) (``torch.fmax``)."""
    return _float_binary(FMaxMin, input, other, "fmax", kind="fmax")


def fmin(input, other):
    """Elementwise min that ignores NaN (NaN only where both are) (``torch.fmin``)."""
    return _float_binary(FMaxMin, input, other, "fmin", kind="fmin")


def xlogy(input, other):
    """input · ln(other), 0 where input == 0 (``torch.xlogy``)."""
    return _float_binary(Xlogy, input, other, "xlogy")


arctan, arcsin, arccos, arcsinh, arccosh, arctanh, arctan2 = atan, asin, acos, asinh, acosh, atanh, atan2  # NumPy names


# -- composites --------------------------------------------------------------------------------------

def frac(input):
    """x - trunc(x), the sign of x;  d/dx = 1 (``torch.frac``); float tensors only."""
    x = as_operand(input, "frac")
    if not isinstance(x, Tensor) or x._data.dtype.kind != "f":
        raise RuntimeError(f"frac: expected a floating point tensor, got "
                           f"{x._data.dtype if isinstance(x, Tensor) else type(x).__name__}")
    return x - trunc(x)


def sgn(input):
    """The sign of x, -1, 0 or 1 (``torch.sgn``: ``sign`` extended to complex numbers); zero gradient."""
    return sign(input)


def signbit(input):
    """True where the sign bit is set, -0.0 included (``torch.signbit``); a bool tensor, no gradient."""
    return constant(np.signbit(_data(input)))


def float_power(input, exponent):
    """input ** exponent computed in float64 (``torch.float_power``)."""
    def double(v):
        if isinstance(v, Tensor):
            return v if v._data.dtype == np.float64 else v.to(np.dtype(np.float64))
        return Tensor._make(np.asarray(v, dtype=np.float64), None) if isinstance(v, np.ndarray) else v

    a, b = double(as_operand(input, "float_power")), double(as_operand(exponent, "float_power"))
    if not isinstance(a, Tensor):
        a = Tensor._make(np.asarray(a, dtype=np.float64), None)
    if not isinstance(b, Tensor):
        b = float(b)
    return pow(a, b)


def deg2rad(input):
    """Degrees to radians, x·π/180 (``torch.deg2rad``)."""
    return mul(_float_tensor(input, "deg2rad"), math.pi / 180.0)


def rad2deg(input):
    """Radians to degrees, x·180/π (``torch.rad2deg``)."""
    return mul(_float_tensor(input, "rad2deg"), 180.0 / math.pi)


def heaviside(input, values):
    """0 where x < 0, ``values`` where x == 0, 1 where x > 0 (``torch.heaviside``); not differentiable
    (PyTorch has no derivative for it either), so the result is outside the graph."""
    x, v = as_operand(input, "heaviside"), as_operand(values, "heaviside")
    if not isinstance(x, Tensor) or not isinstance(v, Tensor):
        raise TypeError("heaviside(): input and values must both be tensors")
    if x.dtype != v.dtype:
        raise RuntimeError(f"heaviside is not yet implemented for tensors with different dtypes "
                           f"({x.dtype} and {v.dtype})")
    xv, vv = x._data, v._data
    try:
        out = np.where(xv == 0, vv, (xv > 0).astype(xv.dtype))
    except ValueError:
        raise RuntimeError(_broadcast_message("heaviside", xv.shape, vv.shape)) from None
    return constant(out.astype(xv.dtype, copy=False))


PUBLIC = {
    "atan": atan, "asin": asin, "acos": acos, "sinh": sinh, "cosh": cosh, "asinh": asinh, "acosh": acosh,
    "atanh": atanh, "exp2": exp2, "erfc": erfc, "erfinv": erfinv, "sinc": sinc, "logit": logit,
    "nan_to_num": nan_to_num, "atan2": atan2, "hypot": hypot, "copysign": copysign, "logaddexp": logaddexp,
    "logaddexp2": logaddexp2, "fmax": fmax, "fmin": fmin, "xlogy": xlogy, "frac": frac, "sgn": sgn,
    "signbit": signbit, "float_power": float_power, "deg2rad": deg2rad, "rad2deg": rad2deg,
    "heaviside": heaviside,
    # NumPy-style aliases PyTorch also has
    "arctan": atan, "arcsin": asin, "arccos": acos, "arcsinh": asinh, "arccosh": acosh, "arctanh": atanh,
    "arctan2": atan2,
}

# in-place variants PyTorch has (``x.atan_()`` ...): each is the function above through _apply_inplace
INPLACE = ("atan asin acos sinh cosh asinh acosh atanh exp2 erfc erfinv sinc logit nan_to_num atan2 hypot "
           "copysign xlogy frac sgn float_power deg2rad rad2deg heaviside arctan arcsin arccos arcsinh "
           "arccosh arctanh arctan2").split()


def _float_power_(self, exponent):
    """In-place ``float_power`` (``Tensor.float_power_``): only a float64 tensor can hold the result."""
    if self.dtype != np.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {self.dtype} but the operation's result "
                           f"requires dtype float64 (convert it first: x = x.double())")
    return self._apply_inplace(lambda t: float_power(t, exponent), "float_power_")


def _existing_inplace():
    """``erf_ tan_ expm1_ log1p_ log2_ log10_`` for the functions defined elsewhere."""
    from .elementwise import erf
    from .selection import expm1, log1p, log2, log10, tan

    fns = {"erf": erf, "tan": tan, "expm1": expm1, "log1p": log1p, "log2": log2, "log10": log10}
    return {n + "_": _inplace(f, n + "_") for n, f in fns.items()}


METHODS = dict(PUBLIC)
METHODS.update({n + "_": _inplace(PUBLIC[n], n + "_") for n in INPLACE})
METHODS.update(_existing_inplace(), float_power_=_float_power_)


# ---------------------------------------------------------------------------------------------------
# the composites, for the generated gradient tests (see ops.registry)

_INTEGERS = tuple((0, float(v), 0.05) for v in (-2, -1, 0, 1, 2))
add_spec(OpSpec(name="frac", arity=1, avoid=_INTEGERS, covers=()))
add_spec(OpSpec(name="sgn", arity=1, smooth=False, avoid=((0, 0.0, 0.05),)))
add_spec(OpSpec(name="deg2rad", arity=1))
add_spec(OpSpec(name="rad2deg", arity=1))
add_spec(OpSpec(name="float_power", arity=2, domain=(0.2, 2.0)))
