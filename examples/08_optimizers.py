"""§7 Optimizers: the paths of SGD, Momentum, AdaGrad, RMSprop and Adam on f(x, y) = x²/20 + y².

The bowl is 20 times steeper along y than along x, so plain SGD zig-zags across the valley while the
adaptive methods rescale each coordinate. Every run starts at (-7, 2) and takes 30 steps with
``mg.optim``; the update formulas are PyTorch's (Momentum: v = m·v + g, p -= lr·v, the same path as
the course's v = m·v - lr·g, p += v).

    python examples/08_optimizers.py [--out DIR] [--quick]
"""
import _common
import numpy as np

import microgradnd as mg

START = (-7.0, 2.0)
OPTIMIZERS = {  # name: (class, keyword arguments), the step sizes of the course's comparison
    "SGD": (mg.optim.SGD, dict(lr=0.95)),
    "Momentum": (mg.optim.SGD, dict(lr=0.1, momentum=0.9)),
    "AdaGrad": (mg.optim.Adagrad, dict(lr=1.5)),
    "RMSprop": (mg.optim.RMSprop, dict(lr=0.15, alpha=0.9)),
    "Adam": (mg.optim.Adam, dict(lr=0.3)),
}


def f(p):
    return p[0] ** 2 / 20 + p[1] ** 2


def path(cls, kwargs, steps):
    """The points visited by one optimizer, starting at START."""
    p = mg.tensor(START, dtype=mg.float64, requires_grad=True)
    opt = cls([p], **kwargs)
    points = [p.tolist()]
    for _ in range(steps):
        opt.zero_grad()
        f(p).backward()
        opt.step()
        points.append(p.tolist())
    return np.array(points)


def main(argv=None):
    args = _common.setup(__file__, __doc__.splitlines()[0], argv)
    steps = 30
    _common.heading(f"f(x, y) = x²/20 + y² from {START}, {steps} steps")
    paths = {}
    for name, (cls, kwargs) in OPTIMIZERS.items():
        paths[name] = pts = path(cls, kwargs, steps)
        settings = ", ".join(f"{k}={v}" for k, v in kwargs.items())
        x, y = pts[-1]
        print(f"{name:<9} ({settings:<22}) ends at ({x:+.4f}, {y:+.4f})  f = {x * x / 20 + y * y:.6f}")

    _common.heading("the first Momentum steps against the course's rule v = m·v - lr·g, p += v")
    p, v = np.array(START), np.zeros(2)
    for k in range(1, 4):
        v = 0.9 * v - 0.1 * np.array([p[0] / 10, 2 * p[1]])
        p = p + v
        print(f"step {k}: by hand ({p[0]:+.6f}, {p[1]:+.6f})   mg.optim.SGD ({paths['Momentum'][k][0]:+.6f}, "
              f"{paths['Momentum'][k][1]:+.6f})")

    _common.heading("the first AdaGrad steps against the course's rule h += g², p -= lr·g/(√h + 1e-7)")
    p, h = np.array(START), np.zeros(2)
    for k in range(1, 4):
        g = np.array([p[0] / 10, 2 * p[1]])
        h = h + g * g
        p = p - 1.5 * g / (np.sqrt(h) + 1e-7)  # PyTorch's Adagrad adds eps = 1e-10 instead: no visible change
        print(f"step {k}: by hand ({p[0]:+.6f}, {p[1]:+.6f})   mg.optim.Adagrad ({paths['AdaGrad'][k][0]:+.6f}, "
              f"{paths['AdaGrad'][k][1]:+.6f})")

    plt = _common.pyplot()
    if plt is not None:
        xs, ys = np.meshgrid(np.linspace(-10, 10, 200), np.linspace(-5, 5, 200))
        fig, axes = plt.subplots(1, len(paths), figsize=(4 * len(paths), 3.4))
        for ax, (name, pts) in zip(axes, paths.items()):
            ax.contour(xs, ys, xs ** 2 / 20 + ys ** 2, levels=20, colors="#bbbbbb", linewidths=0.6)
            ax.plot(pts[:, 0], pts[:, 1], "o-", color="C3", markersize=3)
            ax.plot(0, 0, "+", color="k", markersize=12)
            ax.set_title(name)
            ax.set_xlim(-10, 10)
            ax.set_ylim(-5, 5)
        _common.save_figure(fig, args.out, "optimizers.png")


if __name__ == "__main__":
    main()
