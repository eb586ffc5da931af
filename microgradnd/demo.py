"""``python -m microgradnd demo``: train a small MLP on the 8x8 digits and show what happened.

It prints the loss and accuracy of every epoch (with a progress bar: tqdm when installed, else a text
bar), the test accuracy and the confusion matrix, and writes into ``--out`` (default ``demo/``):

- ``graph.svg``: the computational graph of one small forward/backward step (two images through a
  4-unit MLP), drawn by ``mg.draw_graph`` with values, gradients and local derivatives; without the
  Graphviz ``dot`` binary it writes ``graph.dot`` instead and says how to install Graphviz;
- ``training.png``: the loss and accuracy curves (needs matplotlib; skipped with a hint without it).

Flags: ``--epochs``, ``--seed``, ``--out``, ``--quick`` (2 epochs on part of the data: a smoke test).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import microgradnd as mg

GRAPHVIZ_HINT = ("the Graphviz 'dot' program was not found, so the graph was saved as DOT text: {path}\n"
                 "  install it (apt-get install graphviz | brew install graphviz | conda install graphviz)\n"
                 "  and render with: dot -Tsvg {path} -o {svg}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m microgradnd demo",
                                     description="Train a small MLP on the 8x8 digits; draw its graph and curves.")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default 15, or 2 with --quick)")
    parser.add_argument("--seed", type=int, default=0, help="random seed for the split, the init and the batches")
    parser.add_argument("--out", default="demo", help="folder for graph.svg and training.png (default: demo/)")
    parser.add_argument("--quick", action="store_true", help="2 epochs on 600 images: a smoke test in seconds")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 2 if args.quick else 15
    if args.epochs < 1:
        parser.error("--epochs must be at least 1")
    return args


# -- data ------------------------------------------------------------------------------------------
def load_digits(seed: int, limit: int | None = None):
    """The 8x8 digits as (x_train, y_train, x_test, y_test): pixels scaled to [0, 1], a 80/20 split."""
    x, y = mg.datasets.digits()  # (1797, 64) float32 pixels already scaled to [0, 1], int64 labels
    order = mg.randperm(len(x), generator=mg.Generator().manual_seed(seed))
    if limit is not None:
        order = order[:limit]
    n_test = len(order) // 5
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]


# -- progress --------------------------------------------------------------------------------------
class TextBar:
    """A minimal progress bar for when tqdm is not installed: ``epoch 3/15 [#####-----] 12/45``."""

    def __init__(self, total, desc, width=30, stream=None):
        self.total, self.desc, self.width, self.n = total, desc, width, 0
        self.stream = stream or sys.stderr

    def update(self, n=1):
        self.n += n
        done = int(self.width * self.n / self.total)
        self.stream.write(f"\r{self.desc} [{'#' * done}{'-' * (self.width - done)}] {self.n}/{self.total}")
        self.stream.flush()

    def set_postfix_str(self, text, refresh=True):
        pass

    def close(self):
        self.stream.write("\r" + " " * (len(self.desc) + self.width + 16) + "\r")
        self.stream.flush()


def progress_bar(total, desc):
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return TextBar(total, desc)
    # disable=None: no bar when stderr is not a terminal (CI logs stay readable)
    return tqdm(total=total, desc=desc, leave=False, unit="batch", file=sys.stderr, disable=None)


# -- training --------------------------------------------------------------------------------------
def build_model(hidden=64):
    return mg.nn.Sequential(mg.nn.Linear(64, hidden), mg.nn.ReLU(), mg.nn.Linear(hidden, 10))


def evaluate(model, x, y, loss_fn):
    """(loss, accuracy, predictions) on a whole split, without recording a graph."""
    model.eval()
    with mg.no_grad():
        logits = model(x)
        loss = loss_fn(logits, y).item()
        pred = logits.argmax(dim=1)
    model.train()
    return loss, (pred == y).float().mean().item(), pred


def train(model, data, epochs, seed, batch_size=32, lr=0.05):
    """Mini-batch SGD with momentum on cross-entropy; returns the per-epoch history."""
    x_train, y_train, x_test, y_test = data
    loss_fn = mg.nn.CrossEntropyLoss()
    optimizer = mg.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    loader = mg.utils.data.DataLoader(mg.utils.data.TensorDataset(x_train, y_train), batch_size=batch_size,
                                      shuffle=True, generator=mg.Generator().manual_seed(seed))
    history = {"train_loss": [], "train_acc": [], "test_loss": [], "test_acc": []}
    for epoch in range(1, epochs + 1):
        bar = progress_bar(len(loader), f"epoch {epoch}/{epochs}")
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            bar.set_postfix_str(f"loss {loss.item():.3f}", refresh=False)
            bar.update(1)
        bar.close()
        train_loss, train_acc, _ = evaluate(model, x_train, y_train, loss_fn)
        test_loss, test_acc, _ = evaluate(model, x_test, y_test, loss_fn)
        for key, value in zip(history, (train_loss, train_acc, test_loss, test_acc)):
            history[key].append(value)
        print(f"epoch {epoch:2d}/{epochs}  loss {train_loss:.4f}  train acc {train_acc:.3f}  "
              f"test loss {test_loss:.4f}  test acc {test_acc:.3f}", flush=True)
    return history


# -- outputs ---------------------------------------------------------------------------------------
def print_confusion(matrix):
    """The 10x10 confusion matrix: rows are the true digits, columns the predictions."""
    print("confusion matrix (rows: true digit, columns: predicted digit)")
    print("      " + "".join(f"{j:>5d}" for j in range(matrix.shape[1])))
    for i, row in enumerate(matrix):
        print(f"  {i:>2d}  " + "".join(f"{v:>5d}" for v in row))


def draw_step(x, y, out):
    """The graph of one small forward/backward step: two images through a 64-4-10 MLP and its loss."""
    import graphviz

    mg.manual_seed(0)
    hidden = mg.nn.Linear(64, 4)
    output = mg.nn.Linear(4, 10)
    images, labels = x[:2], y[:2]
    h = mg.relu(hidden(images))
    logits = output(h)
    loss = mg.nn.functional.cross_entropy(logits, labels)
    loss.backward()
    names = {"images": images, "labels": labels, "W1": hidden.weight, "b1": hidden.bias, "W2": output.weight,
             "b2": output.bias, "h": h, "logits": logits, "loss": loss}
    dot = mg.draw_graph(loss, rankdir="TB", names=names)
    svg = os.path.join(out, "graph.svg")
    try:
        picture = dot.pipe(format="svg")
    except graphviz.ExecutableNotFound:
        path = os.path.join(out, "graph.dot")
        with open(path, "w") as f:
            f.write(dot.source)
        return path, GRAPHVIZ_HINT.format(path=path, svg=svg)
    with open(svg, "wb") as f:
        f.write(picture)
    return svg, None


def plot_history(history, out):
    """Loss and accuracy curves, train and test, as ``training.png``; None without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = np.arange(1, len(history["train_loss"]) + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(epochs, history["train_loss"], "o-", label="train")
    ax1.plot(epochs, history["test_loss"], "s--", label="test")
    ax1.set(title="cross-entropy loss", xlabel="epoch")
    ax2.plot(epochs, history["train_acc"], "o-", label="train")
    ax2.plot(epochs, history["test_acc"], "s--", label="test")
    lowest = min(history["train_acc"] + history["test_acc"])
    ax2.set(title="accuracy", xlabel="epoch", ylim=(max(0.0, lowest - 0.05), 1.005))
    for ax in (ax1, ax2):
        ax.legend()
        ax.grid(alpha=0.3)
    fig.suptitle("microgradnd: a 64-64-10 MLP on the 8x8 digits")
    path = os.path.join(out, "training.png")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path


def main(argv=None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    os.makedirs(args.out, exist_ok=True)
    mg.manual_seed(args.seed)
    data = load_digits(args.seed, limit=600 if args.quick else None)
    x_train, y_train, x_test, y_test = data
    print(f"microgradnd demo: an MLP 64 -> 64 -> ReLU -> 10 on the 8x8 digits "
          f"({len(x_train)} training images, {len(x_test)} test images), {args.epochs} epochs, seed {args.seed}")

    model = build_model()
    history = train(model, data, args.epochs, args.seed)

    _, test_acc, pred = evaluate(model, x_test, y_test, mg.nn.CrossEntropyLoss())
    print(f"test accuracy: {test_acc:.4f} ({int(round(test_acc * len(y_test)))}/{len(y_test)})")
    matrix = np.asarray(mg.metrics.confusion_matrix(y_test, pred, labels=list(range(10))))
    print_confusion(matrix.astype(int))

    graph_path, hint = draw_step(x_train, y_train, args.out)
    png_path = plot_history(history, args.out)
    print(f"\nfiles written to {os.path.abspath(args.out)}:")
    print(f"  {graph_path}  the computational graph of one forward/backward step (values, gradients, "
          f"local derivatives)")
    if hint:
        print("  " + hint)
    if png_path:
        print(f"  {png_path}  loss and accuracy per epoch")
    else:
        print("  (training.png skipped: matplotlib is not installed; pip install -e '.[examples]')")
    print(f"done in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
