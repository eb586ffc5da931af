"""``Optimizer``: parameter groups, per-parameter state, ``zero_grad``, ``state_dict`` (``torch.optim.Optimizer``).

Subclasses implement ``_update(group, params)``; ``step`` calls it once per group with the
parameters that have a gradient (a parameter whose ``.grad`` is None is skipped, as in PyTorch).
Updates work on the parameters' NumPy buffers in place: one vectorised expression per parameter,
float32 stays float32, and each write bumps the parameter's version counter like an in-place op.
"""
from __future__ import annotations

import copy
import warnings
from collections import defaultdict

import numpy as np

from ..autograd import grad_mode as _grad_mode
from ..tensor import Tensor, bump_version


class _RequiredParameter:
    """Marks a hyperparameter without a default (``torch.optim.optimizer.required``)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class of all optimizers (``torch.optim.Optimizer``).

    ``params`` is an iterable of Tensors, of ``(name, Tensor)`` pairs, or of dicts (parameter groups,
    each with ``'params'`` and any per-group option overriding ``defaults``).
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                "but got " + _typename(params)
            )
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    # -- groups ------------------------------------------------------------------------------------
    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with ``'params'`` and optional per-group options)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering "
                "of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            params = list(params)
        tensors, names = [], []
        for p in params:
            if isinstance(p, tuple):
                names.append(p[0])
                tensors.append(p[1])
            else:
                tensors.append(p)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are missing"
                )
            param_group["param_names"] = names
        for p in tensors:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(p))
            if not self.defaults.get("differentiable", None) and not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    f"parameter group didn't specify a value of required optimization parameter {name}"
                )
            param_group.setdefault(name, default)
        if len({id(p) for p in tensors}) != len(tensors):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this will "
                "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )
        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {which} to the optimizer"
                )
        if any(id(p) in seen for p in tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self._check_group(param_group)
        self.param_groups.append(param_group)

    def _check_group(self, group):
        """Hook for subclasses: validate or prepare a group when it is added."""

    # -- the update ----------------------------------------------------------------------------------
    def step(self, closure=None):
        """One update of every parameter that has a gradient; ``closure`` re-evaluates and returns the loss."""
        loss = None
        if closure is not None:
            with _grad_mode.enable_grad():
                loss = closure()
        state = _grad_mode._state
        previous = state.enabled
        state.enabled = False  # the update itself is never recorded (torch.no_grad)
        try:
            for group in self.param_groups:
                params = [p for p in group["params"] if p.grad is not None]
                if params:
                    self._update(group, params)
        finally:
            state.enabled = previous
        return loss

    def _update(self, group, params):
        raise NotImplementedError

    def zero_grad(self, set_to_none=True):
        """Reset gradients: to None (default, like PyTorch) or to zeros with ``set_to_none=False``."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        g = p.grad
                        if g.grad_fn is not None:
                            g.detach_()
                        else:
                            g._rg = False
                        g._data[...] = 0
                        _bump(g)

    # -- state dicts -----------------------------------------------------------------------------------
    def state_dict(self):
        """``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}`` (PyTorch's layout).

        Parameters are numbered in group order; the state tensors are the live buffers (not copies),
        as in PyTorch.
        """
        mapping = {}
        start = 0
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                mapping.setdefault(id(p), i)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load ``state_dict()`` output: hyperparameters per group and the per-parameter state.

        Checks the number of groups and their sizes before changing anything; state tensors are copied
        and cast to their parameter's floating dtype (``step`` keeps its own dtype), as in PyTorch.
        """
        if not isinstance(state_dict, dict) or "param_groups" not in state_dict or "state" not in state_dict:
            raise ValueError(
                "load_state_dict: expected a dict with 'state' and 'param_groups' (the output of "
                "optimizer.state_dict())"
            )
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of "
                "optimizer's group"
            )
        id_map = {}
        for g, s in zip(groups, saved_groups):
            id_map.update(zip(s["params"], g["params"]))

        def cast(param, value, key=None):
            if isinstance(value, Tensor):
                # a copy, in the parameter's float dtype (``step`` keeps its own, as in PyTorch)
                cast_to = param._data.dtype if key != "step" and param._data.dtype.kind == "f" else value._data.dtype
                return Tensor._make(np.array(value._data, dtype=cast_to, copy=True), None)
            if isinstance(value, np.ndarray):
                return cast(param, Tensor._make(value, None), key)
            if isinstance(value, dict):
                return {k: cast(param, v, k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v) for v in value)
            return value

        new_state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                new_state[param] = cast(param, v)
            else:
                new_state[k] = v
        new_groups = []
        for g, s in zip(groups, saved_groups):
            s["params"] = g["params"]
            if "param_names" in g and "param_names" not in s:
                s["param_names"] = g["param_names"]
            new_groups.append(s)
        self.state = new_state
        self.param_groups = new_groups
        self._after_load()

    def _after_load(self):
        """Hook for subclasses: fill in options missing from an older state dict."""

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)

    def __repr__(self):
        s = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    s += f"    {key}: {group[key]}\n"
        return s + ")"


# -- helpers shared by the optimizers ---------------------------------------------------------------
def _typename(obj):
    """``torch.typename``: the qualified type name used in error messages."""
    if isinstance(obj, Tensor):
        return "microgradnd.Tensor"
    module = type(obj).__module__
    return type(obj).__name__ if module == "builtins" else f"{module}.{type(obj).__name__}"


def _scalar(x):
    """A hyperparameter as a Python number (a one-element Tensor is read out, like ``_to_scalar``)."""
    if isinstance(x, Tensor):
        if x.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        return x.item()
    return x


def _step_tensor():
    """The ``step`` counter PyTorch keeps per parameter: a 0-d float tensor (float64 when that is the default)."""
    from ..dtypes import get_default_dtype

    dtype = np.float64 if get_default_dtype() == np.float64 else np.float32
    return Tensor._make(np.zeros((), dtype=dtype), None)


def _zeros_like(p):
    return Tensor._make(np.zeros_like(p._data), None)


def _l2_grad(p, weight_decay, maximize):
    """The gradient an update uses: -grad when maximizing, plus weight_decay·p (coupled L2), as PyTorch."""
    g = p.grad._data
    if maximize:
        g = -g
    if weight_decay != 0:
        g = g + weight_decay * p._data
    return g


_bump = bump_version  # record an in-place write of a tensor (its version counter), as Tensor._write does


def _lerp_(start, end, weight):
    """``start.lerp_(end, weight)`` on arrays, with PyTorch's two formulas (exact at both ends)."""
    if abs(weight) < 0.5:
        start += weight * (end - start)
    else:
        np.subtract(end, (end - start) * (1 - weight), out=start)
    return start


def _check(ok, message):
    if not ok:
        raise ValueError(message)


def _check_adam_args(lr, betas, eps, weight_decay):
    """PyTorch's argument checks of the Adam family (Adam, AdamW, Adamax, NAdam, RAdam), in its order."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    _check(0.0 <= lr, f"Invalid learning rate: {lr}")
    _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
    _check(0.0 <= betas[0] < 1.0, f"Invalid beta parameter at index 0: {betas[0]}")
    _check(0.0 <= betas[1] < 1.0, f"Invalid beta parameter at index 1: {betas[1]}")
    _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
