"""The random number generator: one seedable NumPy ``Generator`` (``mg.manual_seed``) and ``Generator`` objects.

NumPy's PCG64 is not PyTorch's Mersenne Twister, so the same seed gives different numbers than
PyTorch: seeding makes microgradnd runs repeatable, not identical to PyTorch's.
"""
from __future__ import annotations

import numpy as np


class Generator:
    """A seedable source of random numbers (``torch.Generator``); pass as ``generator=`` to samplers."""

    def __init__(self, device="cpu"):
        self._seed = 0
        self.rng = np.random.default_rng(0)

    def manual_seed(self, seed):
        """Reset the generator to ``seed`` and return it."""
        self._seed = int(seed)
        self.rng = np.random.default_rng(self._seed)
        return self

    def seed(self):
        """Seed from the OS's entropy and return the seed."""
        s = int(np.random.SeedSequence().entropy % (2 ** 63))
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        return self.rng.bit_generator.state

    def set_state(self, state):
        self.rng.bit_generator.state = state


default_generator = Generator()
default_generator.seed()


def manual_seed(seed):
    """Seed the global generator (``torch.manual_seed``); returns it."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


def rng(generator=None) -> np.random.Generator:
    """The NumPy generator behind ``generator`` (the global one when None)."""
    return (generator or default_generator).rng


def uniform_array(shape, low=0.0, high=1.0, generator=None, dtype=None):
    from .dtypes import get_default_dtype

    return rng(generator).uniform(low, high, size=shape).astype(dtype or get_default_dtype())


def normal_array(shape, mean=0.0, std=1.0, generator=None, dtype=None):
    from .dtypes import get_default_dtype

    return rng(generator).normal(mean, std, size=shape).astype(dtype or get_default_dtype())
