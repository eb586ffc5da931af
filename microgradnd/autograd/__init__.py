"""``mg.autograd``: the backward engine's public doors (``backward``, ``grad``), custom ``Function``s,
gradient checking, ``functional`` (jacobian/hessian/vjp), anomaly detection and the backward stepper."""
from __future__ import annotations

import numpy as np

from . import functional
from .anomaly import detect_anomaly, set_detect_anomaly
from .engine import run_backward, topological_order, unbroadcast_to
from .function import Function, Node, Op
from .gradcheck import gradcheck, gradgradcheck, numerical_grad
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled


def _as_list(x):
    if x is None:
        return None
    from ..tensor import Tensor

    return [x] if isinstance(x, Tensor) else list(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Backpropagate from one or several outputs (``torch.autograd.backward``)."""
    tensors = _as_list(tensors)
    grads = _as_list(grad_tensors) or [None] * len(tensors)
    if inputs is not None:
        from .engine import _accumulate

        inputs = _as_list(inputs)
        result = run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs, allow_unused=True)
        for t, g in zip(inputs, result):
            if g is not None:
                _accumulate(t, g, create_graph)
        return
    run_backward(tensors, grads, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False,
         materialize_grads=False):
    """Gradients of ``outputs`` wrt ``inputs``, returned as a tuple, without touching ``.grad``
    (``torch.autograd.grad``). With ``create_graph=True`` the results can be differentiated again."""
    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    grads = _as_list(grad_outputs) or [None] * len(outputs)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    result = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs,
                          allow_unused=allow_unused or materialize_grads)
    if materialize_grads:
        from ..creation import zeros_like

        result = [zeros_like(t) if g is None else g for t, g in zip(inputs, result)]
    return tuple(result)


def Variable(data, requires_grad=False):  # noqa: N802 - PyTorch's legacy name
    """The old ``torch.autograd.Variable(t, requires_grad=...)``: today just a tensor."""
    from ..tensor import Tensor

    t = data if isinstance(data, Tensor) else Tensor._make(np.asarray(data), None)
    if requires_grad:
        t.requires_grad_()
    return t


def backward_steps(output, gradient=None):
    """Yield each step of the backward pass of ``output`` (see ``microgradnd.viz.stepper``)."""
    from ..viz.stepper import backward_steps as _steps

    return _steps(output, gradient)


__all__ = [
    "Function", "Node", "Op", "Variable", "backward", "backward_steps", "detect_anomaly", "enable_grad",
    "functional", "grad", "gradcheck", "gradgradcheck", "inference_mode", "is_grad_enabled", "no_grad", "numerical_grad",
    "set_detect_anomaly", "set_grad_enabled", "topological_order", "unbroadcast_to",
]
