"""Activation layers: thin modules over ``nn.functional`` with PyTorch's constructor arguments and reprs."""
from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor
from . import functional as F
from .module import Module
from .parameter import Parameter


def _inplace_str(inplace, first=False):
    if not inplace:
        return ""
    return "inplace=True" if first else ", inplace=True"


class _Stateless(Module):
    """An activation with no arguments: ``forward`` is ``_fn``."""

    _fn = None

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        if self.inplace:  # only the activations that take PyTorch's inplace= can have it set
            return type(self)._fn(input, inplace=True)
        return type(self)._fn(input)


class ReLU(_Stateless):
    """max(0, x)."""

    _fn = staticmethod(F.relu)

    def extra_repr(self):
        return _inplace_str(self.inplace, first=True)


class ReLU6(_Stateless):
    """min(max(0, x), 6)."""

    _fn = staticmethod(F.relu6)

    def extra_repr(self):
        return _inplace_str(self.inplace, first=True)


class SELU(_Stateless):
    """scale·elu(x, α) with the self-normalising constants."""

    _fn = staticmethod(F.selu)

    def extra_repr(self):
        return _inplace_str(self.inplace, first=True)


class SiLU(_Stateless):
    """x·σ(x) (swish)."""

    _fn = staticmethod(F.silu)

    def extra_repr(self):
        return _inplace_str(self.inplace, first=True)


class Mish(_Stateless):
    """x·tanh(softplus(x))."""

    _fn = staticmethod(F.mish)

    def extra_repr(self):
        return _inplace_str(self.inplace, first=True)


class Hardswish(_Stateless):
    """x·relu6(x + 3)/6."""

    _fn = staticmethod(F.hardswish)


class Hardsigmoid(_Stateless):
    """relu6(x + 3)/6."""

    _fn = staticmethod(F.hardsigmoid)


class Sigmoid(_Stateless):
    """σ(x) = 1/(1 + e⁻ˣ)."""

    _fn = staticmethod(F.sigmoid)

    def __init__(self):
        super().__init__()


class Tanh(_Stateless):
    """tanh(x)."""

    _fn = staticmethod(F.tanh)

    def __init__(self):
        super().__init__()


class LogSigmoid(_Stateless):
    """ln σ(x)."""

    _fn = staticmethod(F.logsigmoid)

    def __init__(self):
        super().__init__()


class Softsign(_Stateless):
    """x/(1 + |x|)."""

    _fn = staticmethod(F.softsign)

    def __init__(self):
        super().__init__()


class Tanhshrink(_Stateless):
    """x - tanh(x)."""

    _fn = staticmethod(F.tanhshrink)

    def __init__(self):
        super().__init__()


class LeakyReLU(Module):
    """x if x > 0 else negative_slope·x."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, inplace=self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}{_inplace_str(self.inplace)}"


class ELU(Module):
    """x if x > 0 else α(eˣ - 1)."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.elu(input, self.alpha, inplace=self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}{_inplace_str(self.inplace)}"


class CELU(Module):
    """max(0, x) + min(0, α(e^(x/α) - 1))."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.celu(input, self.alpha, inplace=self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}{_inplace_str(self.inplace)}"


class GELU(Module):
    """x·Φ(x), exact (erf) or approximate='tanh'."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """(1/β)·ln(1 + e^(βx)), linear above ``threshold``."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """clamp(x, min_val, max_val)."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        if max_val <= min_val:
            raise ValueError(f"max_val ({max_val}) must be greater than min_val ({min_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, inplace=self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_str(self.inplace)}"


class Threshold(Module):
    """x if x > threshold else value."""

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, inplace=self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}{_inplace_str(self.inplace)}"


class PReLU(Module):
    """x if x > 0 else a·x with a learnable slope ``a`` (one, or one per channel), initialised to ``init``."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        dtype = _dt.to_dtype(dtype) or _dt.get_default_dtype()
        self.weight = Parameter(Tensor._make(np.full(num_parameters, init, dtype=dtype), None))

    def reset_parameters(self):
        from ..autograd.grad_mode import no_grad

        with no_grad():
            self.weight.fill_(self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class _DimActivation(Module):
    _fn = None

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return type(self)._fn(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_DimActivation):
    """e^x / Σ e^x along ``dim``."""

    _fn = staticmethod(F.softmax)


class LogSoftmax(_DimActivation):
    """x - logsumexp(x) along ``dim``."""

    _fn = staticmethod(F.log_softmax)


class Softmin(_DimActivation):
    """softmax(-x) along ``dim``."""

    _fn = staticmethod(F.softmin)


class GLU(Module):
    """a·σ(b) for the two halves of the input along ``dim``."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class _Shrink(Module):
    _fn = None

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return type(self)._fn(input, self.lambd)

    def extra_repr(self):
        return f"{self.lambd}"


class Hardshrink(_Shrink):
    """x where |x| > lambd else 0."""

    _fn = staticmethod(F.hardshrink)


class Softshrink(_Shrink):
    """x ∓ lambd outside [-lambd, lambd], else 0."""

    _fn = staticmethod(F.softshrink)


class Softmax2d(Module):
    """Softmax over the channel dim of (N, C, H, W) or (C, H, W) input."""

    def forward(self, input):
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.ndim}D instead")
        return F.softmax(input, -3)


class CosineSimilarity(Module):
    """Cosine of the angle between two inputs along ``dim``."""

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """‖x1 - x2 + eps‖_p over the last dim."""

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
