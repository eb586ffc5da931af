"""§1 Perceptrons and logic gates.

A perceptron outputs 1 when w·x + b > 0, else 0. AND, NAND and OR with hand-picked weights; XOR needs
two layers (XOR = AND(NAND, OR)); the perceptron learning rule finds AND's weights by itself:
zero init, lr 0.2, 50 epochs -> w = [0.4, 0.2], b = -0.4.

    python examples/01_perceptron.py [--out DIR] [--quick]
"""
import _common
import numpy as np

import microgradnd as mg

X = mg.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
GATES = {  # name: (w, b) from the course
    "AND": ([0.5, 0.5], -0.7),
    "NAND": ([-0.5, -0.5], 0.7),
    "OR": ([0.5, 0.5], -0.2),
}


def perceptron(x, w, b, threshold=0.0):
    """Step(x @ w + b): 1 where the weighted sum is above the threshold, else 0 (all four rows at once)."""
    return ((x @ mg.tensor(w) + b) > threshold).float()


def xor(x):
    """Two layers: XOR(x) = AND(NAND(x), OR(x))."""
    hidden = mg.stack([perceptron(x, *GATES["NAND"]), perceptron(x, *GATES["OR"])], dim=1)
    return perceptron(hidden, *GATES["AND"])


def learn(x, targets, lr=0.2, epochs=50, threshold=1e-7):
    """The perceptron learning rule, one sample at a time: w += lr(t - y)x, b += lr(t - y)."""
    w = mg.zeros(2, dtype=mg.float64)
    b = mg.zeros((), dtype=mg.float64)
    x = x.double()
    for _ in range(epochs):
        for xi, ti in zip(x, targets):
            y = float((xi @ w + b).item() > threshold)
            w += lr * (ti - y) * xi
            b += lr * (ti - y)
    return w, b


def main(argv=None):
    args = _common.setup(__file__, __doc__.splitlines()[0], argv)

    _common.heading("gates with hand-picked weights")
    print("x1 x2 | AND NAND OR XOR")
    outputs = {name: perceptron(X, *wb) for name, wb in GATES.items()}
    outputs["XOR"] = xor(X)
    for i, (x1, x2) in enumerate(X.tolist()):
        row = "  ".join(f"{int(outputs[g][i].item()):>3}" for g in ("AND", "NAND", "OR", "XOR"))
        print(f" {int(x1)}  {int(x2)} | {row}")

    _common.heading("perceptron learning rule on AND (zero init, lr 0.2, 50 epochs)")
    w, b = learn(X, [0.0, 0.0, 0.0, 1.0])
    print(f"w = [{w[0].item():.1f}, {w[1].item():.1f}], b = {b.item():.1f}")
    learned = perceptron(X.double(), w.tolist(), b.item(), 1e-7)
    print("learned AND outputs:", [int(v) for v in learned.tolist()])

    plt = _common.pyplot()
    if plt is not None:
        fig, axes = plt.subplots(1, 4, figsize=(13, 3.3))
        grid = np.linspace(-0.5, 1.5, 200)
        xx, yy = np.meshgrid(grid, grid)
        points = mg.tensor(np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float32))
        for ax, name in zip(axes, ("AND", "NAND", "OR", "XOR")):
            z = (xor(points) if name == "XOR" else perceptron(points, *GATES[name])).numpy().reshape(xx.shape)
            ax.contourf(xx, yy, z, levels=[-0.5, 0.5, 1.5], colors=["#f4cccc", "#cfe2f3"])
            ax.scatter(X[:, 0].numpy(), X[:, 1].numpy(), c=outputs[name].numpy(), cmap="bwr", edgecolors="k", s=80)
            ax.set_title(name + (" (two layers)" if name == "XOR" else ""))
            ax.set_xlim(-0.5, 1.5)
            ax.set_ylim(-0.5, 1.5)
        _common.save_figure(fig, args.out, "gates.png")


if __name__ == "__main__":
    main()
