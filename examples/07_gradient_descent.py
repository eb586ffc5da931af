"""§6 Gradient descent: 1-D, the 2-D gradient field, and batch vs online vs mini-batch updates.

1-D: loss (x - 3)² + 10 from x = 10 at lr 0.2. Each step is x -= lr · dloss/dx with the derivative
from ``backward()``; x goes 10 -> 7.2 -> 5.52 -> ... -> 3 and the loss to 10.
2-D: f(x, y) = x² + y²; the negative gradients (one backward over the whole grid) point to the minimum.

    python examples/07_gradient_descent.py [--out DIR] [--quick]
"""
import _common
import numpy as np

import microgradnd as mg


def descend_1d(x0=10.0, lr=0.2, steps=30):
    """Plain gradient descent on (x - 3)² + 10; returns the visited (x, loss) pairs."""
    x = mg.tensor(x0, dtype=mg.float64, requires_grad=True)
    path = []
    for _ in range(steps):
        loss = (x - 3) ** 2 + 10
        path.append((x.item(), loss.item()))
        loss.backward()
        with mg.no_grad():
            x -= lr * x.grad  # the update rule
        x.grad.zero_()
    path.append((x.item(), ((x - 3) ** 2 + 10).item()))
    return path


def gradient_field(n=15):
    """-∇(x² + y²) on an n x n grid, computed by one backward pass over all points at once."""
    axis = np.linspace(-2, 2, n)
    xx, yy = np.meshgrid(axis, axis)
    x = mg.tensor(xx, requires_grad=True)
    y = mg.tensor(yy, requires_grad=True)
    (x ** 2 + y ** 2).sum().backward()  # the points are independent, so the sum's gradient is each one's
    return xx, yy, -x.grad.numpy(), -y.grad.numpy()


def fit_line(batch_size, epochs, lr=0.1, seed=0):
    """Fit y = w·x + b to y = 2x + 1 (+ noise); batch_size = N is batch GD, 1 is online (SGD)."""
    mg.manual_seed(seed)
    x = mg.rand(64, dtype=mg.float64) * 2 - 1
    t = 2 * x + 1 + 0.1 * mg.randn(64, dtype=mg.float64)
    w = mg.zeros((), dtype=mg.float64, requires_grad=True)
    b = mg.zeros((), dtype=mg.float64, requires_grad=True)
    updates = 0
    for _ in range(epochs):
        order = mg.randperm(64)
        for start in range(0, 64, batch_size):
            idx = order[start:start + batch_size]
            loss = ((w * x[idx] + b - t[idx]) ** 2).mean()
            loss.backward()
            with mg.no_grad():
                w -= lr * w.grad
                b -= lr * b.grad
            w.grad = None
            b.grad = None
            updates += 1
    final = ((w * x + b - t) ** 2).mean().item()
    return w.item(), b.item(), final, updates


def main(argv=None):
    args = _common.setup(__file__, __doc__.splitlines()[0], argv)

    _common.heading("1-D: (x - 3)² + 10 from x = 10, lr 0.2")
    path = descend_1d(steps=30)
    for k, (x, loss) in enumerate(path[:6]):
        print(f"step {k:2d}: x = {x:.4f}  loss = {loss:.4f}")
    print(f"step {len(path) - 1:2d}: x = {path[-1][0]:.4f}  loss = {path[-1][1]:.4f}")

    _common.heading("2-D: the field of -∇(x² + y²)")
    xx, yy, u, v = gradient_field()
    i, j = 0, -1
    print(f"at ({xx[i, j]:.1f}, {yy[i, j]:.1f}) the arrow is ({u[i, j]:.1f}, {v[i, j]:.1f}): towards (0, 0)")

    _common.heading("batch vs online vs mini-batch (fit y = 2x + 1)")
    epochs = 20 if args.quick else 50
    for label, bs in (("batch (N = 64)", 64), ("mini-batch (16)", 16), ("online (1)", 1)):
        w, b, loss, updates = fit_line(bs, epochs)
        print(f"{label:<16} {updates:5d} updates: w = {w:.3f}, b = {b:.3f}, loss = {loss:.4f}")

    plt = _common.pyplot()
    if plt is not None:
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
        grid = np.linspace(-1, 11, 200)
        ax1.plot(grid, (grid - 3) ** 2 + 10, color="gray")
        xs = [p[0] for p in path[:12]]
        ax1.plot(xs, [p[1] for p in path[:12]], "o-", color="C3")
        ax1.set_title("(x - 3)² + 10, lr 0.2, from x = 10")
        ax1.set_xlabel("x")
        ax2.quiver(xx, yy, u, v, color="C0")
        ax2.plot(0, 0, "r*", markersize=12)
        ax2.set_title("-∇(x² + y²)")
        ax2.set_aspect("equal")
        _common.save_figure(fig, args.out, "gradient_descent.png")


if __name__ == "__main__":
    main()
