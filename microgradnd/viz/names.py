"""Names and op labels for the drawings: a tensor's ``name``, else the caller's variable holding it."""
from __future__ import annotations

import re
import sys

from ..tensor import Tensor

# How an op is written on its round node. Everything else: the op's class name in snake_case.
OP_SYMBOLS = {
    "Add": "+", "Sub": "a − b", "Mul": "×", "Div": "a ÷ b", "Neg": "−x", "Pow": "a ** b",
    "MatMul": "matmul", "Relu": "relu", "LeakyRelu": "leaky_relu", "LogSumExp": "logsumexp",
    "LogSoftmax": "log_softmax", "Amax": "max", "Amin": "min", "SelectAlongDim": "max/min(dim)",
    "GetItem": "x[index]", "IndexPut": "x[index] = v", "IndexAddInto": "scatter_add",
    "BinaryCrossEntropy": "bce",
}
# Operand roles shown on the edges of ops where order matters (commutative ops show none).
OP_ROLES = {
    "Sub": ("a", "b"), "Div": ("a", "b"), "Pow": ("a", "b"), "MatMul": ("a", "b"),
    "IndexPut": ("x", "v"), "Where": ("a", "b"), "Linear": ("x", "weight", "bias"),
}
COMMUTATIVE = frozenset({"Add", "Mul", "Maximum", "Minimum"})


def op_name(node) -> str:
    """The label of an op node: ``×``, ``+``, ``a − b``, ``sigmoid``, ``matmul``, ``MyFunction``."""
    name = node.fn.__name__
    if name in OP_SYMBOLS:
        return OP_SYMBOLS[name]
    if not node.fn.array_level:  # a user's custom Function keeps its class name
        return name
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def op_details(node, limit: int = 28) -> list:
    """Short ``key=value`` texts of the op's keyword arguments worth showing (dims, shapes, slopes)."""
    out = []
    for key, value in sorted(node.kwargs.items()):
        if value is None or value is False:
            continue
        if key in ("index", "condition"):
            continue
        text = f"{key}={_short_repr(value)}"
        if len(text) <= limit:
            out.append(text)
    return out


def _short_repr(value):
    if isinstance(value, float):
        from .labels import format_number

        return format_number(value)
    if hasattr(value, "name") and hasattr(value, "kind"):  # a NumPy dtype
        return str(value)
    return repr(value)


def operand_role(node, position) -> str:
    """The name of operand ``position`` on the edge (``a``/``b``), or "" where order does not matter."""
    name = node.fn.__name__
    roles = OP_ROLES.get(name)
    if roles is not None and position < len(roles):
        return roles[position]
    tensors = sum(1 for x in node.inputs if isinstance(x, Tensor))
    if name in COMMUTATIVE or len(node.inputs) < 2 or tensors < 2:
        return ""
    return f"#{position}"


def caller_items() -> list:
    """``[(name, value), ...]``: the variables of the first frame outside microgradnd."""
    frame = sys._getframe(1)
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith("microgradnd"):
        frame = frame.f_back
    if frame is None:
        return []
    return [(k, v) for k, v in list(frame.f_locals.items()) if not k.startswith("_")]


def caller_names() -> dict:
    """``{id(tensor): variable name}`` from the first frame outside microgradnd (nice to have: the
    drawing can say ``price`` for a tensor the user stored in ``price`` without naming it)."""
    names = {}
    for name, value in caller_items():
        if isinstance(value, Tensor) and id(value) not in names:
            names[id(value)] = name
    return names


def resolve_names(explicit=None, infer=True) -> dict:
    """Merge ``explicit`` names (``{name: tensor}`` or ``{tensor: name}``) with the caller's variables."""
    names = caller_names() if infer else {}
    if explicit:
        for k, v in explicit.items():
            if isinstance(k, str) and isinstance(v, Tensor):
                names[id(v)] = k
            elif isinstance(k, Tensor) and isinstance(v, str):
                names[id(k)] = v
            else:
                raise TypeError("names must map str -> Tensor (or Tensor -> str)")
    return names


def display_name(t, names) -> str:
    """``t.name`` first, then a name from ``names`` (``{id: name}``), else ""."""
    if t.name:
        return str(t.name)
    return names.get(id(t), "")
