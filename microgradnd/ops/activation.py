"""Activation functions: forward on arrays (numerically stable), backward with Tensor ops."""
from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Op
from . import buffers
from ..dtypes import get_default_dtype
from .elementwise import exp, where
from .registry import OpSpec, add_spec, register
from .util import Tensor, as_operand, constant, mask_tensor


def _stable_sigmoid(x):
    # exp of a non-positive number never overflows: use e^x/(1+e^x) for x < 0 and 1/(1+e^-x) otherwise
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


@register("sigmoid", arity=1, smooth=True, domain=(-4.0, 4.0))
class Sigmoid(Op):
    """σ(x) = 1 / (1 + e⁻ˣ);  dσ/dx = σ(1 - σ)"""

    saves_inputs = False
    saves_output = True

    @staticmethod
    def forward(ctx, x):
        return _stable_sigmoid(x)

    @staticmethod
    def backward(ctx, grad):
        return SigmoidBackward.apply(grad, ctx.output)


@register("sigmoid_backward", arity=2, broadcast=False, smooth=True, domain=(0.05, 0.95))
class SigmoidBackward(Op):
    """The vector-Jacobian product of sigmoid from its output y: g·y·(1 - y) (PyTorch's
    ``sigmoid_backward``). One pass instead of three ops; differentiable again (double backward):
    ∂/∂g = y(1 - y), ∂/∂y = g(1 - 2y)."""

    @staticmethod
    def forward(ctx, grad, y):
        return grad * (y * (1 - y))

    @staticmethod
    def backward(ctx, gg):
        grad, y = ctx.inputs
        need_g, need_y = ctx.needs_input_grad
        return (SigmoidBackward.apply(gg, y) if need_g else None,
                gg * grad * (1.0 - 2.0 * y) if need_y else None)


@register("tanh", arity=1, smooth=True)
class Tanh(Op):
    """tanh(x);  d/dx = 1 - tanh²"""

    saves_inputs = False
    saves_output = True

    @staticmethod
    def forward(ctx, x):
        return np.tanh(x)

    @staticmethod
    def backward(ctx, grad):
        return TanhBackward.apply(grad, ctx.output)


@register("tanh_backward", arity=2, broadcast=False, smooth=True, domain=(-0.95, 0.95))
class TanhBackward(Op):
    """The vector-Jacobian product of tanh from its output y: g·(1 - y²) (PyTorch's
    ``tanh_backward``). One pass instead of three ops; differentiable again (double backward):
    ∂/∂g = 1 - y², ∂/∂y = -2·g·y."""

    @staticmethod
    def forward(ctx, grad, y):
        return grad * (1 - y * y)

    @staticmethod
    def backward(ctx, gg):
        grad, y = ctx.inputs
        need_g, need_y = ctx.needs_input_grad
        return (TanhBackward.apply(gg, y) if need_g else None,
                gg * grad * y * -2.0 if need_y else None)


@register("relu", arity=1, smooth=False, avoid=((0, 0.0, 0.05),))
class Relu(Op):
    """max(0, x);  d/dx = 1 where x > 0 else 0"""

    saves_inputs = False
    saves_output = True

    @staticmethod
    def forward(ctx, x):
        return np.maximum(x, x.dtype.type(0), out=buffers.empty(x.shape, x.dtype))  # NaN propagates, as in PyTorch

    @staticmethod
    def backward(ctx, grad):
        return ReluBackward.apply(grad, ctx.output)


@register("relu_backward", arity=2, broadcast=False, smooth=False, avoid=((1, 0.0, 0.05),))
class ReluBackward(Op):
    """The vector-Jacobian product of relu from its output y: 0 where y <= 0, else g (PyTorch's
    ``threshold_backward``: a NaN gradient stays 0 where the unit is off, a NaN unit passes g). One
    pass instead of a mask and a product; differentiable again: ∂/∂g = [not y <= 0], ∂/∂y = 0."""

    @staticmethod
    def forward(ctx, grad, y):
        # g·mask is one fast pass; np.where over a random mask costs ~10x more (branches). They differ
        # only where g is inf/NaN on an off unit (inf·0 = NaN, PyTorch gives 0): such gradients take
        # the exact select
        if not np.isfinite(grad).all():  # rare: inf·0 must give 0
            return np.where(y <= 0, np.zeros((), dtype=grad.dtype), grad)
        on = np.asarray(y <= 0)  # (an array also for 0-d inputs)
        np.logical_not(on, out=on)  # PyTorch's test is y <= 0: a NaN output lets the gradient through
        return np.multiply(grad, on, out=buffers.empty(grad.shape, grad.dtype))

    @staticmethod
    def backward(ctx, gg):
        grad, y = ctx.inputs
        need_g, need_y = ctx.needs_input_grad
        return (ReluBackward.apply(gg, y) if need_g else None,
                mask_tensor(np.zeros(y.shape), y) if need_y else None)


@register("leaky_relu", arity=1, smooth=False, avoid=((0, 0.0, 0.05),),
          kwargs=lambda rng, shapes: {"negative_slope": float(rng.choice([0.01, 0.1, 0.3]))})
class LeakyRelu(Op):
    """x if x > 0 else negative_slope·x;  d/dx = 1 or negative_slope"""

    @staticmethod
    def forward(ctx, x, negative_slope=0.01):
        return np.where(x > 0, x, x * negative_slope).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        slope = ctx.kwargs.get("negative_slope", 0.01)
        return grad * mask_tensor(np.where(x._data > 0, 1.0, slope), grad)


@register("elu", arity=1, smooth=False, avoid=((0, 0.0, 0.05),),
          kwargs=lambda rng, shapes: {"alpha": float(rng.choice([0.5, 1.0, 2.0]))})
class Elu(Op):
    """x if x > 0 else alpha·(eˣ - 1);  d/dx = 1 or alpha·eˣ"""

    @staticmethod
    def forward(ctx, x, alpha=1.0):
        with np.errstate(all="ignore"):
            return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        alpha = ctx.kwargs.get("alpha", 1.0)
        positive = mask_tensor(x._data > 0, grad)
        return grad * (positive + (1.0 - positive) * alpha * exp(where(x._data > 0, 0.0, x)))


@register("softplus", arity=1, smooth=True, domain=(-3.0, 3.0),
          kwargs=lambda rng, shapes: {"beta": float(rng.choice([0.5, 1.0, 2.0]))})
class Softplus(Op):
    """(1/β)·ln(1 + e^(βx)), linear above ``threshold`` like PyTorch;  d/dx = σ(βx)"""

    @staticmethod
    def forward(ctx, x, beta=1.0, threshold=20.0):
        bx = x * beta
        # log1p(e^-|bx|) + max(bx, 0) never overflows
        soft = (np.log1p(np.exp(-np.abs(bx))) + np.maximum(bx, 0)) / beta
        return np.where(bx > threshold, x, soft).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        beta = ctx.kwargs.get("beta", 1.0)
        threshold = ctx.kwargs.get("threshold", 20.0)
        s = sigmoid(x * beta)
        return where(x._data * beta > threshold, grad, grad * s)


def _erf(x):
    """Elementwise erf (NumPy has none). float64 input: ``math.erf`` per element through a ufunc, to
    double precision. float32/float16 input, vectorised (what GELU trains on: ~10x faster): the
    Taylor series below |x| = 0.5 (relative error < 3e-11) and 1 - ``erfc_low_precision`` above
    (< 1.1e-7), about two float32 ulps."""
    if x.dtype == np.float32 or x.dtype == np.float16:
        x64 = x.astype(np.float64)
        x2 = x64 * x64
        series = _ERF_SERIES[-1]
        for c in _ERF_SERIES[-2::-1]:
            series = series * x2 + c
        series *= x64 * (2.0 / math.sqrt(math.pi))
        with np.errstate(all="ignore"):  # the branch not taken may overflow
            tail = np.copysign(1.0 - erfc_low_precision(np.abs(x64)), x64)
        return np.where(np.abs(x64) < 0.5, series, tail).astype(x.dtype)
    return np.asarray(_erf_ufunc(x), dtype=x.dtype if x.dtype.kind == "f" else np.float64)


_erf_ufunc = np.frompyfunc(math.erf, 1, 1)
# erf x = 2/√π · Σ (-1)ⁿ x^(2n+1) / (n!(2n+1)): the coefficients of x^(2n) after the factor 2x/√π
_ERF_SERIES = tuple((-1) ** n / (math.factorial(n) * (2 * n + 1)) for n in range(8))


def erfc_low_precision(z):
    """erfc z for z >= 0 (float64 array), vectorised, relative error < 1.1e-7: the rational
    Chebyshev fit of Numerical Recipes (``erfcc``), t·exp(-z² + P(t)) with t = 1/(1 + z/2)."""
    t = 1.0 / (1.0 + 0.5 * z)
    poly = 0.17087277
    for c in (-0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196,
              1.00002368, -1.26551223):
        poly = poly * t + c
    return t * np.exp(-z * z + poly)


@register("gelu", arity=1, smooth=True,
          kwargs=lambda rng, shapes: {"approximate": "tanh" if rng.random() < 0.5 else "none"})
class Gelu(Op):
    """x·Φ(x) (exact, erf) or the tanh approximation;  d/dx = Φ(x) + x·φ(x)"""

    @staticmethod
    def forward(ctx, x, approximate="none"):
        if approximate == "tanh":
            inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)
            return (0.5 * x * (1.0 + np.tanh(inner))).astype(x.dtype, copy=False)
        return (0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        if ctx.kwargs.get("approximate", "none") == "tanh":
            k = math.sqrt(2.0 / math.pi)
            t = tanh((x + x * x * x * 0.044715) * k)
            dinner = (x * x * (3 * 0.044715) + 1.0) * k
            return grad * ((t + 1.0) * 0.5 + x * 0.5 * (1.0 - t * t) * dinner)
        cdf = gelu_cdf(x)
        pdf = exp(x * x * -0.5) * (1.0 / math.sqrt(2.0 * math.pi))
        return grad * (cdf + x * pdf)


@register("gelu_cdf", arity=1, smooth=True, call=lambda x: gelu_cdf(x))
class NormalCdf(Op):
    """Φ(x) = ½(1 + erf(x/√2)), the standard normal CDF;  d/dx = φ(x)"""

    @staticmethod
    def forward(ctx, x):
        return (0.5 * (1.0 + _erf(x / math.sqrt(2.0)))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad * exp(x * x * -0.5) * (1.0 / math.sqrt(2.0 * math.pi))


def _float_input(x, name):
    if isinstance(x, Tensor) and x._data.dtype.kind == "f":
        return x  # the common case, first
    x = as_operand(x, name)
    if not isinstance(x, Tensor):
        x = Tensor._make(np.asarray(x), None)
    if x._data.dtype.kind != "f":
        x = x.to(get_default_dtype())
    return x


def sigmoid_backward(grad, output):
    """g·y·(1 - y): sigmoid's vector-Jacobian product from its output (``torch.ops.aten.sigmoid_backward``)."""
    return SigmoidBackward.apply(as_operand(grad, "sigmoid_backward"), as_operand(output, "sigmoid_backward"))


def tanh_backward(grad, output):
    """g·(1 - y²): tanh's vector-Jacobian product from its output (``torch.ops.aten.tanh_backward``)."""
    return TanhBackward.apply(as_operand(grad, "tanh_backward"), as_operand(output, "tanh_backward"))


def relu_backward(grad, output):
    """0 where y <= 0 else g: relu's vector-Jacobian product from its output (``threshold_backward``)."""
    return ReluBackward.apply(as_operand(grad, "relu_backward"), as_operand(output, "relu_backward"))


def sigmoid(x):
    """σ(x) = 1/(1+e⁻ˣ), stable for large |x| (``torch.sigmoid``)."""
    return Sigmoid.apply(_float_input(x, "sigmoid"))


def tanh(x):
    """Hyperbolic tangent (``torch.tanh``)."""
    return Tanh.apply(_float_input(x, "tanh"))


def relu(x):
    """max(0, x) (``torch.relu``)."""
    return Relu.apply(as_operand(x, "relu"))


def leaky_relu(x, negative_slope=0.01):
    """x if x > 0 else negative_slope·x (``F.leaky_relu``)."""
    return LeakyRelu.apply(_float_input(x, "leaky_relu"), negative_slope=negative_slope)


def elu(x, alpha=1.0):
    """x if x > 0 else alpha·(eˣ-1) (``F.elu``)."""
    return Elu.apply(_float_input(x, "elu"), alpha=alpha)


def selu(x):
    """scale·elu(x, alpha) with PyTorch's constants (``F.selu``)."""
    return elu(x, alpha=1.6732632423543772848170429916717) * 1.0507009873554804934193349852946


def celu(x, alpha=1.0):
    """max(0,x) + min(0, alpha·(e^(x/alpha)-1)) (``F.celu``)."""
    return elu(x / alpha, alpha=1.0) * alpha if alpha != 1.0 else elu(x)


def softplus(x, beta=1.0, threshold=20.0):
    """(1/β)·ln(1+e^(βx)), linear where βx > threshold (``F.softplus``)."""
    return Softplus.apply(_float_input(x, "softplus"), beta=beta, threshold=threshold)


def silu(x):
    """x·σ(x), a.k.a. swish (``F.silu``)."""
    x = _float_input(x, "silu")
    return x * sigmoid(x)


def gelu(x, approximate="none"):
    """x·Φ(x) with exact erf, or ``approximate='tanh'`` (``F.gelu``)."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return Gelu.apply(_float_input(x, "gelu"), approximate=approximate)


def gelu_cdf(x):
    """Φ(x), the standard normal CDF (used by gelu's backward so that it can be differentiated again)."""
    return NormalCdf.apply(_float_input(x, "gelu_cdf"))


def mish(x):
    """x·tanh(softplus(x)) (``F.mish``)."""
    return x * tanh(softplus(x))


def hardtanh(x, min_val=-1.0, max_val=1.0):
    """clamp(x, min_val, max_val) (``F.hardtanh``), with PyTorch's gradient: 1 strictly inside
    (min_val, max_val) and 0 at the bounds themselves (``clamp`` passes the gradient there)."""
    x = _float_input(x, "hardtanh")
    data = x._data
    inside = (data > min_val) & (data < max_val)
    return where(constant(inside), x, constant(np.clip(data, min_val, max_val)))


def relu6(x):
    """min(max(0, x), 6) (``F.relu6``)."""
    return hardtanh(x, 0.0, 6.0)


def logsigmoid(x):
    """ln σ(x) = -softplus(-x), stable (``F.logsigmoid``)."""
    return -softplus(-_float_input(x, "logsigmoid"))


def step(x):
    """Heaviside step: 1 where x > 0 else 0 (the perceptron's activation; no gradient)."""
    x = as_operand(x, "step")
    data = x._data if isinstance(x, Tensor) else np.asarray(x)
    return Tensor._make((data > 0).astype(data.dtype if data.dtype.kind == "f" else get_default_dtype()), None)


# composites, for the generated gradient tests (see ops.registry)
for _name in ("selu", "celu", "silu", "mish", "logsigmoid"):
    add_spec(OpSpec(name=_name, arity=1, smooth=_name in ("silu", "mish", "logsigmoid"),
                    avoid=() if _name in ("silu", "mish", "logsigmoid") else ((0, 0.0, 0.05),)))
add_spec(OpSpec(name="hardtanh", arity=1, smooth=False, avoid=((0, -1.0, 0.05), (0, 1.0, 0.05))))
add_spec(OpSpec(name="relu6", arity=1, smooth=False, domain=(-2.0, 8.0), avoid=((0, 0.0, 0.05), (0, 6.0, 0.05))))
add_spec(OpSpec(name="softplus_large", arity=1, covers=(Softplus,), domain=(-800.0, 800.0), smooth=False,
                avoid=((0, 20.0, 0.5),), call=lambda x: softplus(x)))
add_spec(OpSpec(name="sigmoid_large", arity=1, covers=(Sigmoid,), domain=(-30.0, 30.0), call=lambda x: sigmoid(x)))
