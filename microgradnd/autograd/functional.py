"""``mg.autograd.functional``: Jacobians, Hessians and vector products of Python functions of tensors
(``torch.autograd.functional``)."""
from __future__ import annotations


def _tuple(x):
    from ..tensor import Tensor

    return (x,) if isinstance(x, Tensor) else tuple(x)


def _prepare(inputs):
    from ..tensor import Tensor

    out = []
    for x in _tuple(inputs):
        t = Tensor._make(x._data, None) if x.grad_fn is None else x
        if not t.requires_grad:
            t = x.detach()
            t.requires_grad = True
        out.append(t)
    return out


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), vᵀ·J)`` (``torch.autograd.functional.vjp``); v may be omitted for scalar outputs."""
    from . import grad
    from ..creation import zeros_like

    is_tuple = not hasattr(inputs, "shape")
    xs = _prepare(inputs)
    out = func(*xs)
    grads = grad([out] if hasattr(out, "shape") else list(out), xs,
                 grad_outputs=v, create_graph=create_graph, allow_unused=True)
    grads = tuple(zeros_like(x) if g is None else g for x, g in zip(xs, grads))
    detached = out if create_graph else (out.detach() if hasattr(out, "shape") else tuple(o.detach() for o in out))
    return detached, (grads if is_tuple else grads[0])


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False):
    """∂ func(inputs) / ∂ inputs with shape ``out.shape + in.shape`` (``torch.autograd.functional.jacobian``).

    For tuple inputs returns a tuple (one Jacobian per input); for tuple outputs, a tuple of those.
    """
    from . import grad
    from ..creation import zeros_like
    from ..ops import stack

    is_tuple_in = not hasattr(inputs, "shape")
    xs = _prepare(inputs)
    out = func(*xs)
    is_tuple_out = not hasattr(out, "shape")
    outs = list(out) if is_tuple_out else [out]
    result = []
    for o in outs:
        rows = [[] for _ in xs]
        flat = o.reshape(-1)
        for i in range(flat.shape[0]):
            gs = grad([flat[i]], xs, retain_graph=True, create_graph=create_graph, allow_unused=True) \
                if flat.requires_grad else [None] * len(xs)
            for k, (x, g) in enumerate(zip(xs, gs)):
                rows[k].append(zeros_like(x) if g is None else g)
        per_input = []
        for k, x in enumerate(xs):
            if rows[k]:
                j = stack(rows[k]).reshape(tuple(o.shape) + tuple(x.shape))
            else:
                j = _empty_jacobian(o, x)
            per_input.append(j if create_graph else j.detach())
        result.append(tuple(per_input) if is_tuple_in else per_input[0])
    return tuple(result) if is_tuple_out else result[0]


def _empty_jacobian(o, x):
    from ..creation import zeros

    return zeros(tuple(o.shape) + tuple(x.shape), dtype=x.dtype)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False):
    """Second derivatives of a scalar function (``torch.autograd.functional.hessian``)."""
    from . import grad

    is_tuple_in = not hasattr(inputs, "shape")

    def gradient(*xs):
        out = func(*xs)
        if out.numel() != 1:
            raise RuntimeError(f"hessian: the function must return a single-element tensor, got shape {tuple(out.shape)}")
        gs = grad([out.reshape(())], list(xs), create_graph=True, allow_unused=True)
        from ..creation import zeros_like

        gs = tuple(zeros_like(x) if g is None else g for x, g in zip(xs, gs))
        return gs if is_tuple_in else gs[0]

    return jacobian(gradient, inputs, create_graph=create_graph)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J·v)`` by the double-vjp trick (``torch.autograd.functional.jvp``)."""
    from . import grad
    from ..creation import ones_like, zeros_like
    from ..tensor import Tensor

    xs = _prepare(inputs)
    out = func(*xs)
    u = zeros_like(out)
    u.requires_grad = True
    gs = grad([out], xs, grad_outputs=[u], create_graph=True, allow_unused=True)
    vs = _tuple(v) if v is not None else tuple(ones_like(x) for x in xs)
    total = sum((g * vv).sum() for g, vv in zip(gs, vs) if g is not None)
    if not isinstance(total, Tensor) or not total.requires_grad:
        return out.detach(), zeros_like(out)
    (jv,) = grad([total], [u], create_graph=create_graph, allow_unused=True)
    jv = zeros_like(out) if jv is None else jv
    return (out if create_graph else out.detach()), (jv if create_graph else jv.detach())


def hvp(func, inputs, v, create_graph=False, strict=False):
    """``(func(inputs), H·v)`` for a scalar function (``torch.autograd.functional.hvp``)."""
    from . import grad

    is_tuple = not hasattr(inputs, "shape")
    xs = _prepare(inputs)
    out = func(*xs)
    gs = grad([out], xs, create_graph=True)
    vs = _tuple(v)
    total = sum((g * vv).sum() for g, vv in zip(gs, vs))
    hv = grad([total], xs, create_graph=create_graph, allow_unused=True)
    from ..creation import zeros_like

    hv = tuple(zeros_like(x) if h is None else (h if create_graph else h.detach()) for x, h in zip(xs, hv))
    return out.detach(), (hv if is_tuple else hv[0])


__all__ = ["hessian", "hvp", "jacobian", "jvp", "vjp"]
