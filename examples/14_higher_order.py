"""Higher-order derivatives: Newton's method, tanh and its first four derivatives, a Hessian.

Backward is itself written with Tensor ops, so ``mg.autograd.grad(..., create_graph=True)`` returns a
gradient that has a graph of its own and can be differentiated again, as many times as you like.

    python examples/14_higher_order.py [--out DIR] [--quick]
"""
import _common

import microgradnd as mg


def derivatives(f, x, order):
    """[f(x), f'(x), ..., f^(order)(x)] elementwise, each one the gradient of the previous."""
    x = mg.tensor(x, dtype=mg.float64, requires_grad=True)
    out = [f(x)]
    for _ in range(order):
        (d,) = mg.autograd.grad(out[-1].sum(), x, create_graph=True)
        out.append(d)
    return [t.detach() for t in out]


def newton(f, x0, steps):
    """Newton's method for a minimum: x <- x - f'(x) / f''(x), both derivatives by autograd."""
    x = mg.tensor(x0, dtype=mg.float64, requires_grad=True)
    path = [x.item()]
    for _ in range(steps):
        (d1,) = mg.autograd.grad(f(x), x, create_graph=True)
        (d2,) = mg.autograd.grad(d1, x)
        with mg.no_grad():
            x -= d1 / d2
        path.append(x.item())
    return path


def main(argv=None):
    args = _common.setup(__file__, __doc__.splitlines()[0], argv)

    _common.heading("Newton's method")
    path = newton(lambda x: (x - 3) ** 2 + 10, 10.0, 2)
    print(f"(x - 3)² + 10 from x = 10: x = {path[1]:.4f} after one step (a quadratic is exact)")
    path = newton(lambda x: x ** 4 / 4 - x, 3.0, 6)
    print("x⁴/4 - x from x = 3:      " + " -> ".join(f"{v:.6f}" for v in path) + "   (minimum at x = 1)")

    _common.heading("tanh and its first four derivatives at x = 0.5")
    values = [d.item() for d in derivatives(mg.tanh, [0.5], 4)]
    t = values[0]
    formulas = [t, 1 - t ** 2, -2 * t * (1 - t ** 2), -2 * (1 - t ** 2) * (1 - 3 * t ** 2),
                8 * t * (1 - t ** 2) * (2 - 3 * t ** 2)]
    for k, (v, ref) in enumerate(zip(values, formulas)):
        print(f"tanh^({k})(0.5) = {v:+.6f}   formula {ref:+.6f}")

    _common.heading("the Hessian of f(x, y) = x²/20 + y²")
    hess = mg.autograd.functional.hessian(lambda v: v[0] ** 2 / 20 + v[1] ** 2, mg.tensor([1.0, 2.0], dtype=mg.float64))
    print(hess.tolist())

    plt = _common.pyplot()
    if plt is not None:
        n = 101 if args.quick else 401
        grid = mg.linspace(-3.0, 3.0, n, dtype=mg.float64)
        curves = derivatives(mg.tanh, grid.tolist(), 4)
        fig, ax = plt.subplots(figsize=(8, 5))
        for k, c in enumerate(curves):
            ax.plot(grid.tolist(), c.tolist(), label="tanh" if k == 0 else f"tanh^({k})")
        ax.axhline(0, color="gray", lw=0.5)
        ax.legend()
        ax.set_title("tanh and its first four derivatives, by repeated autograd.grad(create_graph=True)")
        _common.save_figure(fig, args.out, "tanh_derivatives.png")


if __name__ == "__main__":
    main()
