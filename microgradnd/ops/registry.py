"""Registry of differentiable ops with their input domains, for the generated gradient tests.

Each entry (an ``OpSpec``) says how to call an op on random inputs: where its inputs may live
(``domain``), which values to stay away from (``avoid``: kinks and poles, where finite differences
lie), which shapes and keyword arguments to draw, and whether it is smooth enough for second
derivatives. ``tests/ops/test_gradients.py`` generates one hypothesis test per entry, and a meta-test
fails when an ``Op`` subclass is not covered by any entry (``covers``).

Randomness in a spec (shapes, dims, indices) comes from a ``numpy.random.Generator`` that the test
seeds from hypothesis, so this module and the ops never import hypothesis. Three hooks, from the
simplest to the most general:

* ``shapes(rng) -> [shape, ...]``: one shape per tensor input (default: mutually broadcastable shapes
  when ``broadcast``, else one random shape shared by all inputs);
* ``kwargs``: a dict, or ``kwargs(rng, shapes) -> dict`` for arguments that depend on the shapes
  (a valid ``dim``, a permutation, an index);
* ``sample(rng) -> (shapes, kwargs)`` when the shapes depend on the arguments (the gradient fed to a
  scatter has the shape of the index it scatters with).

The op is called as ``call(*tensors, **kwargs)``; ``call`` defaults to the public function named
``name`` (``microgradnd.ops.<name>``, else ``microgradnd.<name>``, else ``nn.functional.<name>``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class OpSpec:
    """How to test one op: ``call(*tensors, **kwargs)`` -> Tensor, ``arity`` tensor inputs drawn from ``domain``."""

    name: str
    call: object = None
    arity: int = 1
    domain: tuple = (-2.0, 2.0)
    avoid: tuple = ()  # (input index, value, radius): keep that input at least radius away from value
    smooth: bool = True  # also check second derivatives (gradgradcheck)
    broadcast: bool = True  # inputs may have mutually broadcastable shapes
    shapes: object = None  # callable(rng) -> list of shapes (for ops with shape rules)
    distinct: bool = False  # no two input values may tie (max/min/maximum/pooling)
    kwargs: object = field(default_factory=dict)  # dict, or callable(rng, shapes) -> dict
    sample: object = None  # callable(rng) -> (shapes, kwargs), when shapes depend on the kwargs
    values: object = None  # callable(rng, arrays) -> arrays: adjust drawn inputs (plant exact zeros ...)
    covers: tuple = ()  # Op classes this spec exercises
    min_dims: int = 0  # bounds for the default random shapes
    max_dims: int = 3
    atol: float = 1e-5
    rtol: float = 1e-3

    def function(self):
        """The callable under test."""
        if self.call is not None:
            return self.call
        import microgradnd

        from .. import ops

        for namespace in (ops, microgradnd):
            fn = getattr(namespace, self.name, None)
            if callable(fn):
                return fn
        import microgradnd.nn.functional as F

        return getattr(F, self.name)

    def draw(self, rng):
        """``(shapes, kwargs)`` for one example, from a NumPy generator."""
        if self.sample is not None:
            shapes, kwargs = self.sample(rng)
            return [tuple(s) for s in shapes], dict(kwargs)
        if self.shapes is not None:
            shapes = [tuple(s) for s in self.shapes(rng)]
        elif self.broadcast:
            shapes = broadcastable_shapes(rng, self.arity, self.min_dims, self.max_dims)
        else:
            shapes = [random_shape(rng, self.min_dims, self.max_dims)] * self.arity
        kwargs = self.kwargs(rng, shapes) if callable(self.kwargs) else dict(self.kwargs)
        return shapes, kwargs


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
    """Register a spec for a composite, or another way of calling an op (list it in ``covers``)."""
    OPS[spec.name] = spec
    return spec


# ---------------------------------------------------------------------------------------------------
# random shapes and arguments (NumPy generator in, plain Python values out)


def random_shape(rng, min_dims=0, max_dims=3, min_side=1, max_side=4):
    """A shape with ``min_dims..max_dims`` axes of ``min_side..max_side`` elements."""
    ndim = int(rng.integers(min_dims, max_dims + 1))
    return tuple(int(n) for n in rng.integers(min_side, max_side + 1, size=ndim))


def broadcastable_shapes(rng, n, min_dims=0, max_dims=3, max_side=4):
    """``n`` mutually broadcastable shapes: a random result shape, each operand keeping a random
    suffix of it with some axes set to 1."""
    result = random_shape(rng, min_dims, max_dims, 1, max_side)
    shapes = []
    for _ in range(n):
        keep = int(rng.integers(0, len(result) + 1))
        suffix = result[len(result) - keep:]
        shapes.append(tuple(1 if rng.random() < 0.3 else s for s in suffix))
    return shapes


def random_dim(rng, ndim):
    """A valid dim for ``ndim`` axes, negative half of the time (0-d tensors accept 0 and -1)."""
    n = max(ndim, 1)
    d = int(rng.integers(0, n))
    return d - n if rng.random() < 0.5 else d


def random_dims(rng, ndim):
    """``None`` (all), one dim, or a tuple of distinct dims (possibly negative)."""
    choice = rng.random()
    if choice < 0.25 or ndim == 0:
        return None if choice < 0.25 else random_dim(rng, ndim)
    if choice < 0.7:
        return random_dim(rng, ndim)
    k = int(rng.integers(1, ndim + 1))
    dims = rng.permutation(ndim)[:k]
    return tuple(int(d) - ndim if rng.random() < 0.5 else int(d) for d in dims)


def reduction_kwargs(rng, shapes):
    """``dim`` and ``keepdim`` for a reduction of ``shapes[0]``."""
    return {"dim": random_dims(rng, len(shapes[0])), "keepdim": bool(rng.random() < 0.5)}


def one_dim_kwargs(rng, shapes):
    """``dim`` (a single valid dim) for softmax-like ops of ``shapes[0]``."""
    return {"dim": random_dim(rng, len(shapes[0]))}


def random_index(rng, shape, kind=None):
    """An index into ``shape``: ``basic`` (ints, slices with steps, None, Ellipsis), ``advanced``
    (integer arrays with repeated entries, mixed with slices) or ``mask`` (a boolean array)."""
    kind = kind or ("basic", "advanced", "mask")[int(rng.integers(3))]
    ndim = len(shape)
    if kind == "mask":
        k = int(rng.integers(1, ndim + 1))
        return (np.asarray(rng.random(shape[:k]) < 0.5),)
    if kind == "advanced":
        index = []
        for n in shape:
            r = rng.random()
            if r < 0.5:
                index.append(rng.integers(-n, n, size=(int(rng.integers(1, 4)),)))  # repeats likely
            else:
                index.append(slice(None))
        # arrays broadcast together: give them one common length
        lengths = [len(i) for i in index if isinstance(i, np.ndarray)]
        if not lengths:
            index[0] = rng.integers(-shape[0], shape[0], size=(3,))
        else:
            m = min(lengths)
            index = [i[:m] if isinstance(i, np.ndarray) else i for i in index]
        return tuple(index)
    index = []
    for n in shape:
        r = rng.random()
        if r < 0.3:
            index.append(int(rng.integers(-n, n)))
        elif r < 0.8:
            start = int(rng.integers(-n, n))
            step = int(rng.integers(1, 3))
            index.append(slice(start, None, step))
        else:
            index.append(slice(None))
        if rng.random() < 0.15:
            index.append(None)
    if rng.random() < 0.3 and index:
        # replace a leading run of full slices by an Ellipsis
        index = [Ellipsis] + index[1:]
    return tuple(index)
