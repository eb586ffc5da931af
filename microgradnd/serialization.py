"""``mg.save`` / ``mg.load``: checkpoints as one ``.npz`` file, never pickle.

    mg.save({"model": model.state_dict(), "optim": opt.state_dict(), "epoch": 3}, "ckpt.npz")
    ckpt = mg.load("ckpt.npz")
    model.load_state_dict(ckpt["model"]); opt.load_state_dict(ckpt["optim"])

What can be stored: Tensors, NumPy arrays and scalars, ``int float bool str None``, NumPy dtypes, and
dicts / lists / tuples nesting them (dict keys may be any of the scalar kinds, so an optimizer's
``{'state': {0: ...}}`` comes back with int keys). Each array is one entry of the archive; one more
entry, ``__microgradnd__``, holds UTF-8 JSON metadata: a format marker, a version and the structure,
with arrays referred to by entry name. A tensor stored twice (tied weights) is stored once and comes
back as one object. Loading uses ``np.load(..., allow_pickle=False)``: a file that is not a
microgradnd checkpoint, or is truncated or corrupt, raises ``CheckpointError`` (both a ValueError and
a RuntimeError) naming the file, and nothing is returned or changed. ``save`` writes to a temporary
file first and renames it, so a failed save never leaves half a checkpoint at ``path``.
"""
from __future__ import annotations

import io
import json
import os
import tempfile
from collections import OrderedDict

import numpy as np

from .tensor import Tensor

__all__ = ["save", "load", "CheckpointError", "FORMAT", "VERSION"]

FORMAT = "microgradnd-checkpoint"
VERSION = 1
META_KEY = "__microgradnd__"


class CheckpointError(RuntimeError, ValueError):
    """The file is not a (readable) microgradnd checkpoint."""


# -- encoding ------------------------------------------------------------------------------------------
class _Encoder:
    def __init__(self):
        self.arrays = {}
        self.memo = {}  # id(tensor or array) -> entry name, so shared tensors are stored once
        self.keep = []  # keep encoded objects alive so ids stay unique while encoding

    def array_entry(self, obj, arr):
        key = self.memo.get(id(obj))
        if key is None:
            if arr.dtype.kind in "OV":
                raise TypeError(f"mg.save: arrays of dtype {arr.dtype} cannot be stored without pickle")
            key = f"a{len(self.arrays)}"
            self.arrays[key] = arr
            self.memo[id(obj)] = key
            self.keep.append(obj)
        return key

    def encode(self, obj, where):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int) and not isinstance(obj, bool):
            return int(obj)
        if isinstance(obj, float):
            return float(obj)
        if isinstance(obj, Tensor):
            node = {"T": "tensor", "id": self.array_entry(obj, obj._data)}
            if obj.requires_grad:
                node["rg"] = True
            return node
        if isinstance(obj, np.ndarray):
            return {"T": "ndarray", "id": self.array_entry(obj, obj)}
        if isinstance(obj, np.generic):
            arr = np.asarray(obj)
            return {"T": "npscalar", "id": self.array_entry(arr, arr)}
        if isinstance(obj, np.dtype):
            return {"T": "dtype", "v": obj.str}
        if isinstance(obj, dict):
            items = [[self.encode(k, f"{where} key {k!r}"), self.encode(v, f"{where}[{k!r}]")]
                     for k, v in obj.items()]
            node = {"T": "dict", "items": items}
            if isinstance(obj, OrderedDict):
                node["od"] = True
            return node
        if isinstance(obj, (list, tuple)):
            kind = "list" if isinstance(obj, list) else "tuple"
            return {"T": kind, "items": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
        hint = " (save model.state_dict(), not the model)" if hasattr(obj, "state_dict") else ""
        raise TypeError(
            f"mg.save: cannot store a {type(obj).__name__} at {where}{hint}; checkpoints hold tensors, "
            f"arrays, numbers, strings, None and dicts/lists/tuples of them (never pickled objects)"
        )


def save(obj, f, *args, **kwargs):
    """Write ``obj`` (nested dicts/lists of tensors, arrays and numbers) to ``f`` as one ``.npz`` file.

    ``f`` is a path (used exactly as given; no suffix is added) or a writable binary file object.
    Extra arguments of ``torch.save`` (``pickle_module`` ...) are accepted and ignored.
    """
    enc = _Encoder()
    structure = enc.encode(obj, "obj")
    meta = json.dumps({"format": FORMAT, "version": VERSION, "structure": structure}).encode("utf-8")
    entries = dict(enc.arrays)
    entries[META_KEY] = np.frombuffer(meta, dtype=np.uint8)
    if hasattr(f, "write"):
        np.savez(f, **entries)
        return
    path = os.fspath(f)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".mgsave-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **entries)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


# -- decoding -----------------------------------------------------------------------------------------
def load(f, map_location=None, weights_only=None, **kwargs):
    """Read a checkpoint written by ``save``; tensors come back as Tensors with their dtypes.

    ``map_location`` and ``weights_only`` (``torch.load``'s) are accepted; everything is on the CPU
    and nothing is ever unpickled. Raises ``FileNotFoundError`` for a missing path and
    ``CheckpointError`` for anything that is not an intact microgradnd checkpoint.
    """
    name = _name(f)
    if not hasattr(f, "read") and not os.path.exists(os.fspath(f)):
        raise FileNotFoundError(f"mg.load: no such file: {name!r}")
    try:
        source = f if hasattr(f, "read") else open(os.fspath(f), "rb")
    except OSError as e:
        raise CheckpointError(f"mg.load: cannot open {name!r}: {e}") from e
    try:
        data = source.read()
    finally:
        if source is not f:
            source.close()
    if not data.startswith(b"PK"):
        raise CheckpointError(
            f"mg.load: {name!r} is not a microgradnd checkpoint (not an .npz archive; mg.save writes "
            f"those). PyTorch .pt files and pickles are not read, by design."
        )
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            if META_KEY not in archive.files:
                raise CheckpointError(
                    f"mg.load: {name!r} is a zip archive but not a microgradnd checkpoint (it has no "
                    f"'{META_KEY}' metadata entry): a PyTorch .pt file or a plain .npz? mg.load reads only "
                    f"files written by mg.save; read plain .npz files with numpy.load"
                )
            meta = json.loads(bytes(archive[META_KEY]).decode("utf-8"))
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                raise CheckpointError(
                    f"mg.load: {name!r} has metadata but not the microgradnd checkpoint format marker")
            if meta.get("version") != VERSION:
                raise CheckpointError(
                    f"mg.load: {name!r} is a version {meta.get('version')!r} checkpoint; this microgradnd "
                    f"reads version {VERSION}"
                )
            # read every array now: a truncated or corrupt entry fails here, before anything is returned
            arrays = {k: archive[k] for k in archive.files if k != META_KEY}
        return _Decoder(arrays, name).decode(meta["structure"])
    except CheckpointError:
        raise
    except Exception as e:  # BadZipFile, CRC errors, EOF, pickled entries, bad JSON ...
        raise CheckpointError(
            f"mg.load: {name!r} is not a readable microgradnd checkpoint (truncated or corrupt?): "
            f"{type(e).__name__}: {e}"
        ) from e


class _Decoder:
    def __init__(self, arrays, name):
        self.arrays = arrays
        self.name = name
        self.objects = {}  # entry name -> Tensor, so shared tensors stay shared

    def array(self, key):
        if key not in self.arrays:
            raise CheckpointError(f"mg.load: {self.name!r} refers to a missing array entry {key!r}")
        return self.arrays[key]

    def decode(self, node):
        if not isinstance(node, dict):
            return node
        kind = node.get("T")
        if kind == "tensor":
            t = self.objects.get(node["id"])
            if t is None:
                t = Tensor._make(self.array(node["id"]), None)
                if node.get("rg") and t._data.dtype.kind == "f":
                    t.requires_grad = True
                self.objects[node["id"]] = t
            return t
        if kind == "ndarray":
            return self.array(node["id"])
        if kind == "npscalar":
            return self.array(node["id"])[()]
        if kind == "dtype":
            return np.dtype(node["v"])
        if kind == "dict":
            pairs = [(_hashable(self.decode(k)), self.decode(v)) for k, v in node["items"]]
            return OrderedDict(pairs) if node.get("od") else dict(pairs)
        if kind == "list":
            return [self.decode(v) for v in node["items"]]
        if kind == "tuple":
            return tuple(self.decode(v) for v in node["items"])
        raise CheckpointError(f"mg.load: {self.name!r} has an unknown entry kind {kind!r} in its metadata")


def _hashable(key):
    if isinstance(key, list):
        return tuple(_hashable(k) for k in key)
    return key


def _name(f):
    if hasattr(f, "read") or hasattr(f, "write"):
        return getattr(f, "name", type(f).__name__)
    return os.fspath(f)
