"""``nn.utils.rnn``: batching variable-length sequences (``torch.nn.utils.rnn``)."""
from __future__ import annotations

from ... import ops as _ops

__all__ = ["pad_sequence"]


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences of shape (L_i, *) into (L_max, B, *) (or (B, L_max, *) with ``batch_first``),
    padding each with ``padding_value`` on ``padding_side``; differentiable (pad + stack)."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        extra = longest - s.shape[0]
        if extra:
            widths = [0, 0] * (s.ndim - 1) + ([extra, 0] if padding_side == "left" else [0, extra])
            s = _ops.pad(s, tuple(widths), value=padding_value)
        padded.append(s)
    return _ops.stack(padded, 0 if batch_first else 1)
