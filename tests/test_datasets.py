"""mg.datasets: truth tables, toy generators, digits, MNIST IDX files, splitting and normalisation."""
import gzip
import struct
import sys

import numpy as np
import pytest

import microgradnd as mg
from microgradnd import datasets


def test_logic_gates_truth_tables():
    X, y = datasets.xor()
    assert X.dtype == mg.float32 and X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.shape == (4, 1) and y.dtype == mg.float32 and y[:, 0].tolist() == [0, 1, 1, 0]
    assert datasets.and_gate()[1][:, 0].tolist() == [0, 0, 0, 1]
    assert datasets.or_gate()[1][:, 0].tolist() == [0, 1, 1, 1]
    assert datasets.nand_gate()[1][:, 0].tolist() == [1, 1, 1, 0]
    assert datasets.logic_gate("XNOR")[1][:, 0].tolist() == [1, 0, 0, 1]
    with pytest.raises(ValueError, match="unknown gate"):
        datasets.logic_gate("maybe")


def test_curriculum_perceptron_gates_with_hand_weights():
    # AND (w=[0.5,0.5], b=-0.7), NAND (w=[-0.5,-0.5], b=0.7), OR (w=[0.5,0.5], b=-0.2); XOR = AND(NAND, OR)
    X, _ = datasets.xor()
    x = X.numpy()

    def gate(w, b, inp):
        return (inp @ np.array(w) + b > 0).astype(np.float32)

    s1, s2 = gate([-0.5, -0.5], 0.7, x), gate([0.5, 0.5], -0.2, x)
    for name, w, b in [("and", [0.5, 0.5], -0.7), ("nand", [-0.5, -0.5], 0.7), ("or", [0.5, 0.5], -0.2)]:
        assert gate(w, b, x).tolist() == datasets.logic_gate(name)[1][:, 0].tolist()
    assert gate([0.5, 0.5], -0.7, np.stack([s1, s2], 1)).tolist() == datasets.xor()[1][:, 0].tolist()


def test_moons_and_spirals_are_seeded():
    X, y = datasets.make_moons(101, noise=0.1, seed=3)
    assert X.shape == (101, 2) and X.dtype == mg.float32 and y.dtype == mg.int64
    assert int((y == 0).sum().item()) == 50 and int((y == 1).sum().item()) == 51
    X2, y2 = datasets.two_moons(101, noise=0.1, seed=3)
    np.testing.assert_array_equal(X.numpy(), X2.numpy())
    assert not np.array_equal(X.numpy(), datasets.make_moons(101, noise=0.1, seed=4)[0].numpy())
    Xc, yc = datasets.make_moons(10, shuffle=False)  # noiseless: points on the two arcs
    outer = Xc.numpy()[yc.numpy() == 0]
    np.testing.assert_allclose((outer ** 2).sum(1), 1.0, rtol=1e-6)
    S, t = datasets.spirals(301, n_classes=3, seed=0)
    assert S.shape == (301, 2) and np.bincount(t.numpy()).tolist() == [101, 100, 100]
    np.testing.assert_array_equal(S.numpy(), datasets.spirals(301, n_classes=3, seed=0)[0].numpy())
    assert np.abs(S.numpy()).max() <= 1.0 + 1e-6
    g = mg.Generator().manual_seed(1)
    assert datasets.make_moons(20, noise=0.2, seed=g)[0].shape == (20, 2)


def test_digits_or_a_clear_import_error(monkeypatch):
    pytest.importorskip("sklearn")
    X, y = datasets.digits()
    assert X.shape == (1797, 64) and X.dtype == mg.float32 and y.dtype == mg.int64
    assert 0.0 <= X.numpy().min() and X.numpy().max() == 1.0 and sorted(set(y.tolist())) == list(range(10))
    Xi, _ = datasets.digits(flatten=False, scale=False)
    assert Xi.shape == (1797, 1, 8, 8) and Xi.numpy().max() == 16.0
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r'pip install -e "\.\[examples\]"'):
        datasets.digits()


def _write_idx(path, array, magic_type=0x08, gz=False, truncate=0, magic=None):
    header = bytes([0, 0, magic_type, array.ndim]) if magic is None else magic
    header += b"".join(struct.pack(">I", d) for d in array.shape)
    data = header + array.astype(np.uint8).tobytes()
    if truncate:
        data = data[:-truncate]
    opener = gzip.open if gz else open
    with opener(path, "wb") as fh:
        fh.write(data)


def _fake_mnist(root, n_train=5, n_test=3, gz=False):
    rng = np.random.default_rng(0)
    ext = ".gz" if gz else ""
    arrays = {}
    for train, n in ((True, n_train), (False, n_test)):
        imgs = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n, dtype=np.uint8)
        img_name, lab_name = datasets.MNIST_FILES[train]
        _write_idx(root / (img_name + ext), imgs, gz=gz)
        _write_idx(root / (lab_name + ext), labels, gz=gz)
        arrays[train] = (imgs, labels)
    return arrays


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_reads_idx_files(tmp_path, gz):
    arrays = _fake_mnist(tmp_path, gz=gz)
    X, y = datasets.mnist(tmp_path)
    assert X.shape == (5, 1, 28, 28) and X.dtype == mg.float32 and y.dtype == mg.int64
    np.testing.assert_allclose(X.numpy()[:, 0], arrays[True][0] / 255.0, rtol=1e-6)
    assert y.tolist() == arrays[True][1].tolist()
    Xt, yt = datasets.mnist(str(tmp_path), train=False, flatten=True, normalize=False)
    assert Xt.shape == (3, 784) and Xt.numpy().max() == arrays[False][0].max()


def test_mnist_missing_files_explain_where_to_put_them(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        datasets.mnist(tmp_path)
    msg = str(info.value)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte", str(tmp_path)):
        assert name in msg


def test_mnist_bad_magic_truncated_and_count_mismatch(tmp_path):
    img_name, lab_name = datasets.MNIST_FILES[True]
    imgs = np.zeros((4, 28, 28), dtype=np.uint8)
    _write_idx(tmp_path / img_name, imgs, truncate=10)
    _write_idx(tmp_path / lab_name, np.zeros(4, dtype=np.uint8))
    with pytest.raises(ValueError, match="truncated"):
        datasets.mnist(tmp_path)
    _write_idx(tmp_path / img_name, imgs, magic=b"\x12\x34\x08\x03")
    with pytest.raises(ValueError, match="magic"):
        datasets.mnist(tmp_path)
    _write_idx(tmp_path / img_name, imgs)
    _write_idx(tmp_path / lab_name, np.zeros(3, dtype=np.uint8))
    with pytest.raises(ValueError, match="4 images .* 3 labels"):
        datasets.mnist(tmp_path)
    (tmp_path / lab_name).write_bytes(b"")
    with pytest.raises(ValueError, match="not an IDX file"):
        datasets.read_idx(tmp_path / lab_name)


def test_train_val_test_split_is_seeded_and_disjoint():
    X = mg.arange(100).float().reshape(50, 2)
    y = mg.arange(50)
    Xtr, Xva, Xte, ytr, yva, yte = datasets.train_val_test_split(X, y, val=0.2, test=0.1, seed=0)
    assert (len(ytr), len(yva), len(yte)) == (35, 10, 5)
    assert sorted(ytr.tolist() + yva.tolist() + yte.tolist()) == list(range(50))
    np.testing.assert_array_equal(Xtr.numpy()[:, 0], ytr.numpy() * 2)  # rows stay paired
    again = datasets.train_val_test_split(X, y, val=0.2, test=0.1, seed=0)
    assert again[3].tolist() == ytr.tolist()
    assert datasets.train_val_test_split(X, y, val=0.2, test=0.1, seed=1)[3].tolist() != ytr.tolist()
    a, b, c = datasets.train_val_test_split(np.arange(10), val=2, test=3)
    assert (len(a), len(b), len(c)) == (5, 2, 3) and isinstance(a, np.ndarray)
    labels = np.repeat([0, 1], [80, 20])
    _, _, te = datasets.train_val_test_split(labels, val=0.25, test=0.25, seed=0, stratify=labels)
    assert np.bincount(te).tolist() == [20, 5]
    with pytest.raises(ValueError, match="different lengths"):
        datasets.train_val_test_split(np.arange(3), np.arange(4))
    with pytest.raises(ValueError, match="no training samples"):
        datasets.train_val_test_split(np.arange(4), val=0.5, test=0.5)


def test_scalers_use_training_statistics_only():
    train = mg.tensor([[0.0, 10.0], [2.0, 10.0], [4.0, 10.0]])
    test = mg.tensor([[1.0, 11.0], [8.0, 9.0]])
    mm = datasets.MinMaxScaler().fit(train)
    assert mm.transform(train).tolist() == [[0.0, 0.0], [0.5, 0.0], [1.0, 0.0]]
    out = mm.transform(test)
    assert isinstance(out, mg.Tensor) and out.dtype == mg.float32
    assert out.tolist() == [[0.25, 1.0], [2.0, -1.0]]  # constant feature: scale 1
    np.testing.assert_allclose(mm.inverse_transform(out).numpy(), test.numpy())
    ss = datasets.StandardScaler().fit(train.numpy())
    z = ss.transform(train.numpy())
    np.testing.assert_allclose(z.mean(0), [0, 0], atol=1e-7)
    np.testing.assert_allclose(z[:, 0].std(), 1.0, rtol=1e-6)
    tr, te = datasets.standardize(train, test)
    np.testing.assert_allclose(te.numpy()[:, 0], (np.array([1.0, 8.0]) - 2.0) / np.sqrt(8 / 3), rtol=1e-6)
    tr, te = datasets.minmax_normalize(train, test, feature_range=(-1, 1))
    assert tr.numpy()[:, 0].tolist() == [-1.0, 0.0, 1.0]
    with pytest.raises(RuntimeError, match="fit"):
        datasets.StandardScaler().transform(train)
    sk = pytest.importorskip("sklearn.preprocessing")
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(20, 3)), rng.normal(size=(5, 3))
    np.testing.assert_allclose(datasets.StandardScaler().fit(a).transform(b), sk.StandardScaler().fit(a).transform(b))
    np.testing.assert_allclose(datasets.MinMaxScaler().fit(a).transform(b), sk.MinMaxScaler().fit(a).transform(b))
