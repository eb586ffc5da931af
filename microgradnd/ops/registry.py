"""Registry of differentiable ops with their input domains, for the generated gradient tests.

Each entry says how to call the op on random inputs, where its inputs may live (``domain``), which
values to stay away from (``avoid``: kinks and poles, where finite differences lie), and whether it is
smooth enough for second derivatives. ``tests/ops/test_gradients.py`` generates one hypothesis test per
entry, and a meta-test fails when an ``Op`` subclass is not covered by any entry.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class OpSpec:
    """How to test one op: ``call(*tensors)`` -> Tensor, ``arity`` tensor inputs drawn from ``domain``."""

    name: str
    call: object = None
    arity: int = 1
    domain: tuple = (-2.0, 2.0)
    avoid: tuple = ()  # (input index, value, radius): keep that input at least radius away from value
    smooth: bool = True  # also check second derivatives
    broadcast: bool = True  # inputs may have mutually broadcastable shapes
    shapes: object = None  # optional callable(draw) -> list of shapes (for ops with shape rules)
    distinct: bool = False  # inputs must not tie (max/min/maximum)
    kwargs: dict = field(default_factory=dict)
    kwargs_from_shapes: str | None = None
    covers: tuple = ()  # Op classes this spec exercises


OPS: dict[str, OpSpec] = {}


def register(name, **options):
    """Class decorator for an ``Op``: registers a spec covering it (``call`` defaults to ``mg.<name>``)."""

    def deco(cls):
        spec = OPS.get(name) or OpSpec(name=name, **options)
        spec.covers = tuple(spec.covers) + (cls,)
        OPS[name] = spec
        return cls

    return deco


def add_spec(spec: OpSpec):
    """Register a spec for a composite or a call that needs special arguments."""
    OPS[spec.name] = spec
    return spec
