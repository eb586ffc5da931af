"""§3 Activation functions and their derivatives, the derivatives computed by autograd (not formulas).

For each activation f we evaluate y = f(x) on a grid over [-5, 5], call ``y.sum().backward()`` and
read f'(x) from ``x.grad`` (the sum's gradient is 1 everywhere, so x.grad[i] = f'(x[i])). The
printed checks compare autograd with the textbook formulas σ' = σ(1 - σ) and tanh' = 1 - tanh².

    python examples/03_activations.py [--out DIR] [--quick]
"""
import _common

import microgradnd as mg

PRELU_A = mg.tensor(0.25, dtype=mg.float64, requires_grad=True)  # PReLU's slope is a learned parameter


def softmax_first(x):
    """Softmax of the vector (x, 1, 0), first component: how one logit moves its own probability."""
    logits = mg.stack([x, mg.ones_like(x), mg.zeros_like(x)], dim=1)
    return mg.softmax(logits, dim=1)[:, 0]


ACTIVATIONS = {
    "step": mg.ops.activation.step,
    "sigmoid": mg.sigmoid,
    "tanh": mg.tanh,
    "ReLU": mg.relu,
    "Leaky ReLU (a=0.01)": lambda x: mg.leaky_relu(x, 0.01),
    "Leaky ReLU (a=0.1)": lambda x: mg.leaky_relu(x, 0.1),
    "PReLU (a=0.25)": lambda x: mg.where(x > 0, x, PRELU_A * x),
    "ELU": mg.elu,
    "SELU": mg.selu,
    "Swish / SiLU": mg.silu,
    "softmax (x, 1, 0)[0]": softmax_first,
}


def value_and_derivative(f, x_values):
    """f(x) and f'(x) on a grid, f' from one backward pass."""
    x = mg.tensor(x_values, dtype=mg.float64, requires_grad=True)
    y = f(x)
    if y.requires_grad:
        y.sum().backward()
        dy = x.grad
    else:  # the step function has no gradient to follow: flat on both sides of the jump
        dy = mg.zeros_like(x)
    return y.detach(), dy


def main(argv=None):
    args = _common.setup(__file__, __doc__.splitlines()[0], argv)
    n = 101 if args.quick else 401
    grid = mg.linspace(-5.0, 5.0, n, dtype=mg.float64).tolist()
    curves = {name: value_and_derivative(f, grid) for name, f in ACTIVATIONS.items()}

    _common.heading("derivatives at a few points, by autograd")
    probe = [-2.0, -1.0, 0.0, 1.0, 2.0]
    print(f"{'activation':<22}" + "".join(f"{'x=' + str(p):>10}" for p in probe))
    for name, f in ACTIVATIONS.items():
        _, dy = value_and_derivative(f, probe)
        print(f"{name:<22}" + "".join(f"{v:>10.4f}" for v in dy.tolist()))

    _common.heading("autograd against the formulas")
    sig, dsig = curves["sigmoid"]
    th, dth = curves["tanh"]
    print(f"max |autograd - σ(1-σ)|  = {(dsig - sig * (1 - sig)).abs().max().item():.2e}")
    print(f"max |autograd - (1-y²)|  = {(dth - (1 - th ** 2)).abs().max().item():.2e}")
    print(f"largest sigmoid slope    = {dsig.max().item():.4f} (at x = 0: vanishing gradients, 0.25^layers)")
    print(f"sigmoid slope at x = 5   = {value_and_derivative(mg.sigmoid, [5.0])[1].item():.4f}")
    print(f"ReLU slope for x < 0     = {value_and_derivative(mg.relu, [-3.0])[1].item():.1f} (dying ReLU)")

    plt = _common.pyplot()
    if plt is not None:
        fig, axes = plt.subplots(3, 4, figsize=(14, 9))
        for ax, (name, (y, dy)) in zip(axes.ravel(), curves.items()):
            ax.plot(grid, y.tolist(), label="f(x)")
            ax.plot(grid, dy.tolist(), "--", label="f'(x) by autograd")
            ax.axhline(0, color="gray", lw=0.5)
            ax.axvline(0, color="gray", lw=0.5)
            ax.set_title(name)
        axes.ravel()[0].legend(loc="upper left", fontsize=8)
        axes.ravel()[-1].axis("off")
        fig.tight_layout()
        _common.save_figure(fig, args.out, "activations.png")


if __name__ == "__main__":
    main()
