"""``mg.cuda``: there is no GPU backend, so PyTorch's device idioms take the CPU branch."""


def is_available() -> bool:
    """Always False: microgradnd computes on the CPU with NumPy."""
    return False


def device_count() -> int:
    return 0


def manual_seed(seed):
    """Accepted for compatibility; seeds nothing (there is no GPU)."""


def manual_seed_all(seed):
    """Accepted for compatibility; seeds nothing (there is no GPU)."""
