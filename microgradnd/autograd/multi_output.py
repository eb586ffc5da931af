"""Custom ``Function``s whose forward returns several outputs (a tuple), as in PyTorch.

The engine keeps one gradient per node, so a Function with k differentiable outputs is recorded as
one node whose (hidden) output is the k outputs flattened and concatenated, the "packed" tensor, and
each output the caller gets is an ``UnpackOutput`` of it: its slice, reshaped and cast back. Backward
of the slices adds each output's gradient into its span of the packed gradient (zeros where an output
got none), and the Function's node hands its ``backward`` one gradient per output, as PyTorch does:

- a differentiable output: its gradient, zeros when it received none (PyTorch's materialised grads);
- an output marked with ``ctx.mark_non_differentiable`` (or not floating): zeros of its shape, and it
  is returned with ``requires_grad=False``;
- an output that is not a Tensor: ``None``, and it is returned as it is.

Both ``UnpackOutput`` and ``PackOutput`` are linear and written with each other, so gradients of
gradients (``create_graph=True``) flow through a multi-output Function as through any op.
"""
from __future__ import annotations

import numpy as np

from .function import Function, Op, _record_inputs


class UnpackOutput(Op):
    """One output out of the packed tensor: ``packed[start:stop].reshape(shape)`` cast to ``dtype``
    (a copy: outputs do not share memory); backward puts the gradient back into its span."""

    saves_inputs = False

    @staticmethod
    def forward(ctx, packed, start=0, stop=0, shape=(), dtype=None):
        return packed[start:stop].reshape(shape).astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        (packed,) = ctx.inputs
        k = ctx.kwargs
        return PackOutput.apply(grad, start=k["start"], stop=k["stop"], size=packed.shape[0],
                                dtype=packed.dtype)


class PackOutput(Op):
    """The adjoint of ``UnpackOutput``: a zero vector of ``size`` with ``x`` flattened into
    ``[start:stop]``; backward takes that span back out in ``x``'s shape and dtype."""

    saves_inputs = False

    @staticmethod
    def forward(ctx, x, start=0, stop=0, size=0, dtype=None):
        out = np.zeros(size, dtype=dtype)
        out[start:stop] = x.reshape(-1)
        return out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        k = ctx.kwargs
        return UnpackOutput.apply(grad, start=k["start"], stop=k["stop"], shape=x.shape, dtype=x.dtype)


_CLASSES = {}  # the user's Function class -> (its packed-node class, its UnpackOutput class)


def _classes_for(user_fn):
    """Classes named after the user's Function, so that every output's ``grad_fn.name()`` and the
    packed node's read ``MyFnBackward``, as PyTorch names them all."""
    pair = _CLASSES.get(user_fn)
    if pair is None:
        names = {"__module__": user_fn.__module__, "__qualname__": user_fn.__qualname__}
        packed = type(user_fn.__name__, (PackedOutputs,), dict(names, user_fn=user_fn))
        unpack = type(user_fn.__name__, (UnpackOutput,), dict(names, backward_suffix="Backward"))
        pair = _CLASSES[user_fn] = (packed, unpack)
    return pair


class PackedOutputs(Function):
    """The node of a multi-output Function (its ``fn``; ``user_fn`` is the user's class): backward
    splits the packed gradient into one gradient per forward output and calls the user's backward."""

    user_fn = None

    @classmethod
    def forward(cls, ctx, *args, **kwargs):
        """The user's forward, packed (how a drawing re-runs this node: ``viz.trace``)."""
        from ..tensor import Tensor

        outputs = cls.user_fn.forward(ctx, *args, **kwargs)
        return Tensor._make(_pack(ctx, outputs, Tensor), None)

    @classmethod
    def backward(cls, ctx, grad):
        specs, spans = ctx._output_layout
        from ..tensor import Tensor

        unpack = _classes_for(cls.user_fn)[1]
        grads = []
        for i, spec in enumerate(specs):
            if spec is None:
                grads.append(None)  # not a Tensor
            elif i in spans:
                start, stop = spans[i]
                grads.append(unpack.apply(grad, start=start, stop=stop, shape=spec[0], dtype=spec[1]))
            else:
                grads.append(Tensor._make(np.zeros(spec[0], dtype=spec[1]), None))
        return cls.user_fn.backward(ctx, *grads)


def record_outputs(user_fn, ctx, args, outputs, Tensor):
    """Record ``ctx`` (built by ``Function.apply`` for ``user_fn``) as the node of the tuple ``outputs``
    and return the tuple the caller gets (see the module docstring)."""
    packed = _pack(ctx, outputs, Tensor)
    if packed is None:  # nothing to differentiate: nothing recorded
        return tuple(_plain(out, Tensor) for out in outputs)
    packed_fn, unpack = _classes_for(user_fn)
    ctx.fn = packed_fn
    packed = Tensor._make(packed, ctx)
    _record_inputs(ctx, user_fn, args, packed)
    specs, spans = ctx._output_layout
    result = []
    for i, out in enumerate(outputs):
        if i in spans:
            shape, out_dtype = specs[i]
            result.append(unpack.apply(packed, start=spans[i][0], stop=spans[i][1], shape=shape,
                                       dtype=out_dtype))
        else:
            result.append(_plain(out, Tensor))
    return tuple(result)


def _pack(ctx, outputs, Tensor):
    """The differentiable outputs flattened into one array (None when there are none); sets
    ``ctx._output_layout``: per output (shape, dtype) or None for a non-Tensor, and the spans."""
    skip = ctx.__dict__.get("_non_differentiable", ())
    specs, spans, pieces, start = [], {}, [], 0
    for i, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            specs.append(None)
            continue
        d = out._data
        specs.append((d.shape, d.dtype))
        if d.dtype.kind in "fc" and id(out) not in skip:
            spans[i] = (start, start + d.size)
            pieces.append(d.reshape(-1))
            start += d.size
    ctx._output_layout = (tuple(specs), spans)
    if not spans:
        return None
    dtype = np.result_type(*(p.dtype for p in pieces))
    return np.concatenate([p.astype(dtype, copy=False) for p in pieces])


def _plain(out, Tensor):
    """An output returned without a gradient: a Tensor that does not require grad, or as it is."""
    return Tensor._make(out._data, None) if isinstance(out, Tensor) else out
