"""§8 Overfitting on 300 digits, and its cures: weight decay, dropout, early stopping.

A 64-100-100-10 network trained on only 300 images learns them perfectly while the accuracy on the
other ~1500 stalls: the gap between the curves is overfitting. Three cures, each on the same data
and the same initial weights: L2 weight decay (SGD's ``weight_decay``), dropout between the layers
(on in ``train()``, off in ``eval()``), and early stopping (keep the weights of the best validation
epoch, stop after ``patience`` epochs without improvement). The 8x8 digits are an easy data set, so
the gap is a few points and each cure moves it by a point or two, not more: compare the numbers, and
see in the picture where the train and test curves part.

    python examples/09_overfitting.py [--out DIR] [--quick]
"""
import _common

import microgradnd as mg
from microgradnd import nn
from microgradnd.utils.data import DataLoader, TensorDataset


def make_model(dropout):
    layers = [nn.Linear(64, 100), nn.ReLU(), nn.Dropout(dropout), nn.Linear(100, 100), nn.ReLU(),
              nn.Dropout(dropout), nn.Linear(100, 10)]
    return nn.Sequential(*[layer for layer in layers if not (isinstance(layer, nn.Dropout) and dropout == 0)])


def accuracy(model, x, y):
    model.eval()
    with mg.no_grad():
        acc = mg.metrics.accuracy(y, model(x).argmax(dim=1))
    model.train()
    return acc


def run(data, epochs, weight_decay=0.0, dropout=0.0, patience=None, seed=0):
    """Train one variant; returns per-epoch (train acc, validation acc, test acc) and the epoch kept."""
    x_tr, y_tr, x_val, y_val, x_te, y_te = data
    mg.manual_seed(seed)  # the same initial weights and batches for every variant
    model = make_model(dropout)
    optimizer = mg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=weight_decay)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(x_tr, y_tr), batch_size=32, shuffle=True)
    curves, best, best_state, waited = [], -1.0, None, 0
    for epoch in range(epochs):
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        curves.append((accuracy(model, x_tr, y_tr), accuracy(model, x_val, y_val), accuracy(model, x_te, y_te)))
        if patience is not None:
            if curves[-1][1] > best:
                best, best_state, waited = curves[-1][1], model.state_dict(), 0
                best_state = {k: v.clone() for k, v in best_state.items()}
                kept = epoch
            else:
                waited += 1
                if waited >= patience:
                    break
    if patience is not None:
        model.load_state_dict(best_state)
        return curves, kept, (accuracy(model, x_tr, y_tr), accuracy(model, x_te, y_te))
    return curves, len(curves) - 1, (curves[-1][0], curves[-1][2])


def main(argv=None):
    args = _common.setup(__file__, __doc__.splitlines()[0], argv)
    X, y = mg.datasets.digits()
    order = mg.randperm(len(X), generator=mg.Generator().manual_seed(0))
    tr, val, te = order[:300], order[300:600], order[600:900 if args.quick else None]
    data = (X[tr], y[tr], X[val], y[val], X[te], y[te])
    print(f"{len(tr)} training images, {len(val)} for validation, {len(te)} for testing")
    epochs = 12 if args.quick else 150

    variants = {
        "plain": dict(),
        "weight decay 1e-3": dict(weight_decay=1e-3),
        "dropout 0.3": dict(dropout=0.3),
        "early stopping": dict(patience=2 if args.quick else 10),
    }
    _common.heading(f"{epochs} epochs, SGD lr 0.1 momentum 0.9")
    print(f"{'variant':<18} {'epoch kept':>10} {'train acc':>10} {'test acc':>9} {'gap':>7}")
    results = {}
    for name, kwargs in variants.items():
        curves, kept, (train_acc, test_acc) = run(data, epochs, **kwargs)
        results[name] = curves
        print(f"{name:<18} {kept + 1:>10d} {train_acc:>10.4f} {test_acc:>9.4f} {train_acc - test_acc:>7.4f}")

    plt = _common.pyplot()
    if plt is not None:
        fig, axes = plt.subplots(1, len(results), figsize=(4.2 * len(results), 3.6), sharey=True)
        for ax, (name, curves) in zip(axes, results.items()):
            ax.plot([c[0] for c in curves], label="train")
            ax.plot([c[2] for c in curves], label="test")
            ax.set(title=name, xlabel="epoch", ylim=(0.5, 1.01))
            ax.grid(alpha=0.3)
        axes[0].set_ylabel("accuracy")
        axes[0].legend()
        _common.save_figure(fig, args.out, "overfitting.png")


if __name__ == "__main__":
    main()
