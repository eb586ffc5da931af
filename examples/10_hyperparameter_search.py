"""§8 Random hyperparameter search on a validation split, narrowing the range.

Learning rate and weight decay are sampled at random on a log scale (10**uniform(low, high)): a
grid wastes trials on the unimportant axis, and the useful values span several orders of magnitude.
Each trial trains briefly and is scored on the *validation* split (never the test split, which
would leak into the choice). Round 2 samples again inside the exponent range of round 1's best
trials; the final choice is trained longer and tested once.

    python examples/10_hyperparameter_search.py [--out DIR] [--quick]
"""
import math

import _common

import microgradnd as mg
from microgradnd import nn
from microgradnd.utils.data import DataLoader, TensorDataset


def train(data, lr, weight_decay, epochs, seed=0):
    """Train a 64-50-10 MLP with plain SGD; returns (validation accuracy, model)."""
    x_tr, y_tr, x_val, y_val = data
    mg.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, 50), nn.ReLU(), nn.Linear(50, 10))
    optimizer = mg.optim.SGD(model.parameters(), lr=lr, weight_decay=weight_decay)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        for xb, yb in DataLoader(TensorDataset(x_tr, y_tr), batch_size=50, shuffle=True):
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    with mg.no_grad():
        acc = mg.metrics.accuracy(y_val, model(x_val).argmax(dim=1))
    return (acc if math.isfinite(loss.item()) else 0.0), model


def search(data, lr_range, wd_range, trials, epochs, rng):
    """``trials`` random (lr, weight decay) pairs, exponents uniform in the given ranges."""
    results = []
    for _ in range(trials):
        lr_exp = mg.empty(1).uniform_(*lr_range, generator=rng).item()
        wd_exp = mg.empty(1).uniform_(*wd_range, generator=rng).item()
        acc, _ = train(data, 10 ** lr_exp, 10 ** wd_exp, epochs)
        results.append((acc, lr_exp, wd_exp))
    return sorted(results, reverse=True)


def narrowed(results, keep):
    """The exponent ranges spanned by the ``keep`` best trials."""
    best = results[:keep]
    return (min(r[1] for r in best), max(r[1] for r in best)), (min(r[2] for r in best), max(r[2] for r in best))


def show(results, title):
    print(f"{title}: validation accuracy, learning rate, weight decay (best first)")
    for acc, lr_exp, wd_exp in results:
        print(f"  val acc {acc:.4f}   lr {10 ** lr_exp:.2e} (10^{lr_exp:+.2f})   weight decay {10 ** wd_exp:.2e}")


def main(argv=None):
    args = _common.setup(__file__, __doc__.splitlines()[0], argv)
    X, y = mg.datasets.digits()
    X_tr, X_val, X_te, y_tr, y_val, y_te = mg.datasets.train_val_test_split(X, y, val=0.2, test=0.2, seed=0)
    if args.quick:
        X_tr, y_tr = X_tr[:400], y_tr[:400]
    data = (X_tr, y_tr, X_val, y_val)
    trials, epochs = (6, 3) if args.quick else (20, 10)
    rng = mg.Generator().manual_seed(0)

    lr_range, wd_range = (-4.0, 0.0), (-8.0, -3.0)
    _common.heading(f"round 1: lr = 10^U{lr_range}, weight decay = 10^U{wd_range}, {trials} trials")
    round1 = search(data, lr_range, wd_range, trials, epochs, rng)
    show(round1, "round 1")
    lr_range2, wd_range2 = narrowed(round1, keep=3)
    print(f"narrowed to lr exponents [{lr_range2[0]:.2f}, {lr_range2[1]:.2f}], "
          f"weight decay exponents [{wd_range2[0]:.2f}, {wd_range2[1]:.2f}]")

    _common.heading("round 2, inside the narrowed range")
    round2 = search(data, lr_range2, wd_range2, trials, epochs, rng)
    show(round2, "round 2")

    best_acc, lr_exp, wd_exp = max(round1 + round2)
    _, model = train(data, 10 ** lr_exp, 10 ** wd_exp, epochs * 3)
    with mg.no_grad():
        test_acc = mg.metrics.accuracy(y_te, model(X_te).argmax(dim=1))
    _common.heading("the choice")
    print(f"lr {10 ** lr_exp:.2e}, weight decay {10 ** wd_exp:.2e}: validation {best_acc:.4f}, "
          f"test {test_acc:.4f} (trained {epochs * 3} epochs, tested once)")

    plt = _common.pyplot()
    if plt is not None:
        fig, ax = plt.subplots(figsize=(6.5, 4.8))
        for results, marker, label in ((round1, "o", "round 1"), (round2, "^", "round 2")):
            sc = ax.scatter([r[1] for r in results], [r[2] for r in results], c=[r[0] for r in results],
                            cmap="viridis", vmin=0, vmax=1, marker=marker, s=60, edgecolors="k", label=label)
        ax.add_patch(plt.Rectangle((lr_range2[0], wd_range2[0]), lr_range2[1] - lr_range2[0],
                                   wd_range2[1] - wd_range2[0], fill=False, ls="--", color="C3"))
        ax.set(xlabel="log10 learning rate", ylabel="log10 weight decay", title="random search (colour: val acc)")
        ax.legend()
        fig.colorbar(sc, ax=ax)
        _common.save_figure(fig, args.out, "hyperparameter_search.png")


if __name__ == "__main__":
    main()
