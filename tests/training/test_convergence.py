"""Training runs that must converge: XOR, a digits MLP and a small CNN on digits."""
import numpy as np
import pytest

import microgradnd as mg
import microgradnd.nn as nn
from microgradnd import datasets, metrics
from microgradnd.optim import SGD, Adam, lr_scheduler
from microgradnd.utils.data import DataLoader, TensorDataset


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """These models multiply small matrices: one BLAS thread is faster, and far faster on a busy
    machine (OpenBLAS threads spin while they wait for a core). threadpoolctl comes with scikit-learn."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # without it the tests still run, only slower
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def test_xor_sequential_bce_sgd_reaches_100_percent():
    mg.manual_seed(0)
    X, Y = datasets.xor()
    model = nn.Sequential(nn.Linear(2, 10), nn.Sigmoid(), nn.Linear(10, 1), nn.Sigmoid())
    criterion = nn.BCELoss()
    optimizer = SGD(model.parameters(), lr=1)
    for _ in range(3000):
        optimizer.zero_grad()
        loss = criterion(model(X), Y)
        loss.backward()
        optimizer.step()
    with mg.no_grad():
        out = model(X)
    assert metrics.accuracy(Y.numpy().ravel(), (out.numpy().ravel() > 0.5).astype(np.float32)) == 1.0
    assert loss.item() < 0.05


def _digits_split(flatten):
    X, y = datasets.digits(flatten=flatten)
    X_tr, _, X_te, y_tr, _, y_te = datasets.train_val_test_split(X, y, val=0, test=0.2, seed=0)
    return X_tr, X_te, y_tr, y_te


def _fit(model, X_tr, y_tr, epochs, lr, seed):
    loader = DataLoader(TensorDataset(X_tr, y_tr), batch_size=32, shuffle=True,
                        generator=mg.Generator().manual_seed(seed))
    opt = Adam(model.parameters(), lr=lr)
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        model.train()
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
        sched.step()
    model.eval()
    return model


def test_digits_mlp_reaches_95_percent():
    pytest.importorskip("sklearn")
    X_tr, X_te, y_tr, y_te = _digits_split(flatten=True)
    X_tr, X_te = datasets.standardize(X_tr, X_te)  # statistics from the training split only
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    _fit(model, X_tr, y_tr, epochs=15, lr=5e-3, seed=0)
    with mg.no_grad():
        logits = model(X_te)
    acc = metrics.accuracy(y_te, logits)
    assert acc >= 0.95, acc
    assert metrics.f1_score(y_te, logits, average="macro") >= 0.94


def test_digits_small_cnn_reaches_97_percent():
    pytest.importorskip("sklearn")
    X_tr, X_te, y_tr, y_te = _digits_split(flatten=False)
    assert X_tr.shape[1:] == (1, 8, 8)
    mg.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 2 * 2, 10),
    )
    _fit(model, X_tr, y_tr, epochs=10, lr=5e-3, seed=0)
    with mg.no_grad():
        pred = model(X_te).argmax(dim=1)
    acc = metrics.accuracy(y_te, pred)
    assert acc >= 0.97, acc
    cm = metrics.confusion_matrix(y_te, pred)
    assert cm.shape == (10, 10) and cm.trace() == int(round(acc * len(y_te)))


def test_checkpoint_resume_continues_identically(tmp_path):
    """Save model + optimizer mid-training in one file, reload into fresh objects, and continue."""
    X, Y = datasets.xor()

    def make():
        mg.manual_seed(1)
        model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1), nn.Sigmoid())
        return model, Adam(model.parameters(), lr=0.05, weight_decay=1e-5)

    def train(model, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            nn.BCELoss()(model(X), Y).backward()
            opt.step()

    model, opt = make()
    train(model, opt, 20)
    mg.save({"model": model.state_dict(), "optim": opt.state_dict(), "epoch": 20}, tmp_path / "ckpt.npz")
    train(model, opt, 20)
    model2, opt2 = make()
    ckpt = mg.load(tmp_path / "ckpt.npz")
    model2.load_state_dict(ckpt["model"])
    opt2.load_state_dict(ckpt["optim"])
    assert ckpt["epoch"] == 20
    train(model2, opt2, 20)
    for a, b in zip(model.parameters(), model2.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-7)
