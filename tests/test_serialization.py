"""mg.save / mg.load: round trips, optimizer state, and files that are not checkpoints."""
import io
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import microgradnd as mg
from microgradnd.serialization import CheckpointError


def test_round_trip_nested_structure(tmp_path):
    w = mg.randn(3, 2, requires_grad=True)
    obj = {
        "weights": OrderedDict([("0.weight", w), ("0.bias", mg.zeros(2, dtype=mg.float64))]),
        "ints": mg.tensor([1, 2, 3]),
        "mask": mg.tensor([True, False]),
        "array": np.arange(4, dtype=np.int32),
        "np_scalar": np.float32(2.5),
        "numbers": [1, 2.5, True, None, "text", float("inf")],
        "pair": (0.9, 0.999),
        7: {"nested": [[]]},
        "dtype": np.dtype("float32"),
    }
    path = tmp_path / "ckpt.npz"
    mg.save(obj, path)
    back = mg.load(path)
    assert isinstance(back["weights"], OrderedDict) and list(back["weights"]) == ["0.weight", "0.bias"]
    assert isinstance(back["weights"]["0.weight"], mg.Tensor)
    np.testing.assert_array_equal(back["weights"]["0.weight"].detach().numpy(), w.detach().numpy())
    assert back["weights"]["0.weight"].requires_grad
    assert back["weights"]["0.bias"].dtype == mg.float64
    assert back["ints"].dtype == mg.int64 and back["ints"].tolist() == [1, 2, 3]
    assert back["mask"].dtype == mg.bool
    assert isinstance(back["array"], np.ndarray) and back["array"].dtype == np.int32
    assert back["np_scalar"] == np.float32(2.5) and isinstance(back["np_scalar"], np.float32)
    assert back["numbers"] == [1, 2.5, True, None, "text", float("inf")]
    assert type(back["numbers"][0]) is int and type(back["numbers"][2]) is bool
    assert back["pair"] == (0.9, 0.999) and isinstance(back["pair"], tuple)
    assert back[7] == {"nested": [[]]}
    assert back["dtype"] == np.float32


def test_path_used_as_given_and_file_objects(tmp_path):
    path = tmp_path / "model.pt"
    mg.save({"x": mg.ones(2)}, str(path))
    assert path.exists() and not (tmp_path / "model.pt.npz").exists()
    assert mg.load(str(path))["x"].tolist() == [1.0, 1.0]
    buf = io.BytesIO()
    mg.save([mg.tensor(3.0)], buf)
    buf.seek(0)
    assert mg.load(buf, map_location="cpu", weights_only=True)[0].item() == 3.0
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]  # no temporary files left


def test_uses_a_single_npz_with_metadata_and_no_pickle(tmp_path):
    path = tmp_path / "c.npz"
    mg.save({"a": mg.ones(2), "b": [mg.zeros(3)]}, path)
    with np.load(path, allow_pickle=False) as z:
        assert sorted(z.files) == ["__microgradnd__", "a0", "a1"]
        import json

        meta = json.loads(bytes(z["__microgradnd__"]).decode())
    assert meta["format"] == "microgradnd-checkpoint" and meta["version"] == 1


def test_shared_tensors_stay_shared(tmp_path):
    w = mg.ones(2)
    mg.save({"a": w, "b": w}, tmp_path / "s.npz")
    back = mg.load(tmp_path / "s.npz")
    assert back["a"] is back["b"]


def test_optimizer_state_round_trip_with_int_keys(tmp_path):
    p = mg.tensor([1.0, -1.0], requires_grad=True)
    opt = mg.optim.Adam([p], lr=0.1, amsgrad=True)
    for _ in range(3):
        opt.zero_grad()
        (p ** 2).sum().backward()
        opt.step()
    mg.save({"optim": opt.state_dict(), "p": p}, tmp_path / "o.npz")
    back = mg.load(tmp_path / "o.npz")
    sd = back["optim"]
    assert list(sd["state"]) == [0] and isinstance(list(sd["state"])[0], int)
    assert sd["param_groups"][0]["params"] == [0] and sd["param_groups"][0]["betas"] == (0.9, 0.999)
    q = mg.tensor(back["p"].detach().numpy().copy(), requires_grad=True)
    opt2 = mg.optim.Adam([q], lr=0.5)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == 0.1 and opt2.state[q]["step"].item() == 3.0
    for o, t in ((opt, p), (opt2, q)):
        o.zero_grad()
        (t ** 2).sum().backward()
        o.step()
    np.testing.assert_array_equal(q.detach().numpy(), p.detach().numpy())


def test_unsupported_objects_raise_type_error_and_write_nothing(tmp_path):
    path = tmp_path / "bad.npz"
    with pytest.raises(TypeError, match="cannot store a function"):
        mg.save({"f": lambda x: x}, path)
    with pytest.raises(TypeError, match="object"):
        mg.save(np.array([None, 1], dtype=object), path)
    assert not path.exists()


def _bad(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_garbage_truncated_markerless_and_pickled_files(tmp_path):
    good = tmp_path / "good.npz"
    mg.save({"w": mg.randn(50, 50)}, good)
    raw = good.read_bytes()
    cases = {
        "garbage.npz": b"this is not a checkpoint at all",
        "empty.npz": b"",
        "truncated.npz": raw[: len(raw) // 2],
        "pickle.pt": pickle.dumps({"w": [1, 2, 3]}),
    }
    plain = io.BytesIO()
    np.savez(plain, w=np.ones(3))
    cases["plain.npz"] = plain.getvalue()
    pickled = io.BytesIO()
    np.savez(pickled, __microgradnd__=np.frombuffer(b'{"format": "microgradnd-checkpoint", "version": 1, '
                                                     b'"structure": {"T": "ndarray", "id": "a0"}}', np.uint8),
             a0=np.array([{"evil": 1}], dtype=object))
    cases["objects.npz"] = pickled.getvalue()
    flipped = bytearray(raw)
    flipped[len(raw) // 3] ^= 0xFF  # corrupt a byte inside the array data: the zip CRC check fails
    cases["corrupt.npz"] = bytes(flipped)
    for name, content in cases.items():
        path = _bad(tmp_path, name, content)
        with pytest.raises(CheckpointError) as info:
            mg.load(path)
        assert name in str(info.value), name
        assert isinstance(info.value, ValueError) and isinstance(info.value, RuntimeError)
    with pytest.raises(FileNotFoundError):
        mg.load(tmp_path / "missing.npz")


def test_wrong_version_is_refused(tmp_path):
    buf = io.BytesIO()
    np.savez(buf, __microgradnd__=np.frombuffer(b'{"format": "microgradnd-checkpoint", "version": 99, '
                                                b'"structure": 1}', np.uint8))
    path = _bad(tmp_path, "v99.npz", buf.getvalue())
    with pytest.raises(CheckpointError, match="version 99"):
        mg.load(path)


def test_failed_save_keeps_the_old_file(tmp_path):
    path = tmp_path / "keep.npz"
    mg.save({"v": mg.tensor([1.0])}, path)
    with pytest.raises(TypeError):
        mg.save({"v": object()}, path)
    assert mg.load(path)["v"].tolist() == [1.0]


def test_model_state_dict_with_buffers_round_trip_and_mismatch(tmp_path):
    nn = pytest.importorskip("microgradnd.nn")
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    model(mg.randn(8, 3))  # updates the running statistics and num_batches_tracked
    mg.save(model.state_dict(), tmp_path / "m.npz")
    sd = mg.load(tmp_path / "m.npz")
    assert list(sd) == list(model.state_dict())
    assert sd["1.num_batches_tracked"].dtype == mg.int64 and sd["1.num_batches_tracked"].item() == 1
    fresh = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    fresh.load_state_dict(sd)
    model.eval()
    fresh.eval()
    x = mg.randn(5, 3)
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())
    wrong = nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 2))
    before = {k: v.detach().numpy().copy() for k, v in wrong.state_dict().items()}
    with pytest.raises(RuntimeError):
        wrong.load_state_dict(sd)
    for k, v in wrong.state_dict().items():
        np.testing.assert_array_equal(v.detach().numpy(), before[k])


def test_saving_a_module_suggests_its_state_dict(tmp_path):
    nn = pytest.importorskip("microgradnd.nn")
    with pytest.raises(TypeError, match=r"state_dict\(\)"):
        mg.save(nn.Linear(2, 2), tmp_path / "model.npz")


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

_scalars = st.none() | st.booleans() | st.integers(-2 ** 70, 2 ** 70) | st.floats(allow_nan=False) | st.text(max_size=8)
_keys = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=5) | st.floats(allow_nan=False, width=32)
_arrays = hnp.arrays(st.sampled_from([np.float32, np.float64, np.int64, np.int32, np.bool_, np.uint8]),
                     hnp.array_shapes(min_dims=0, max_dims=3, max_side=3))
_leaves = _scalars | _arrays | _arrays.map(mg.from_numpy)
_trees = st.recursive(_leaves, lambda kids: st.lists(kids, max_size=3) | st.tuples(kids, kids)
                      | st.dictionaries(_keys, kids, max_size=3), max_leaves=10)


def _same(a, b):
    if isinstance(a, mg.Tensor):
        return isinstance(b, mg.Tensor) and _same(a.numpy(), b.numpy())
    if isinstance(a, np.ndarray):  # bit for bit (nan and -0.0 included)
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, dict):
        return type(a) is type(b) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_trees)
def test_random_structures_round_trip(tmp_path, obj):
    path = tmp_path / "h.npz"
    mg.save(obj, path)
    assert _same(obj, mg.load(path))


def test_a_pytorch_checkpoint_is_refused_clearly(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "model.pt"
    torch.save({"w": torch.ones(2)}, path)
    with pytest.raises(CheckpointError, match="PyTorch .pt file"):
        mg.load(path)
