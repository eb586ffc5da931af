"""§5 Why cross-entropy learns faster than MSE when a sigmoid is saturated.

One sigmoid neuron a = σ(w·x + b) with x = 1 must output y = 0, but starts at w = b = 2 (a = 0.982,
badly wrong and deep in the sigmoid's flat part). With MSE ½(a - y)² the gradient carries the factor
σ'(z) = a(1 - a) ≈ 0.018, so learning crawls; with cross-entropy -(y ln a + (1 - y) ln(1 - a)) that
factor cancels and the gradient is just (a - y)·x. Also: softmax + cross-entropy with prediction 0.7
on the true class costs -ln 0.7 = 0.35667.

    python examples/06_mse_vs_cross_entropy.py [--out DIR] [--quick]
"""
import _common

import microgradnd as mg

LOSSES = {
    "MSE": lambda a, y: 0.5 * (a - y) ** 2,
    "cross-entropy": lambda a, y: -(y * mg.log(a) + (1 - y) * mg.log(1 - a)),
}


def train(loss_fn, epochs, lr=0.15, x=1.0, y=0.0):
    """Gradient descent on one neuron; returns the outputs a per epoch and the first gradient dL/dw."""
    w = mg.tensor(2.0, dtype=mg.float64, requires_grad=True)
    b = mg.tensor(2.0, dtype=mg.float64, requires_grad=True)
    outputs, first_grad = [], None
    for _ in range(epochs):
        a = mg.sigmoid(w * x + b)
        loss = loss_fn(a, y)
        loss.backward()
        if first_grad is None:
            first_grad = w.grad.item()
        with mg.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad, b.grad = None, None
        outputs.append(a.item())
    return outputs, first_grad


def main(argv=None):
    args = _common.setup(__file__, __doc__.splitlines()[0], argv)
    epochs = 300
    _common.heading("one saturated sigmoid neuron: x = 1, target 0, w = b = 2, lr 0.15")
    runs = {}
    for name, fn in LOSSES.items():
        outputs, g = train(fn, epochs)
        runs[name] = outputs
        after = ", ".join(f"{k}: {outputs[k]:.3f}" for k in (0, 50, 100, 299))
        print(f"{name:<14} first dL/dw = {g:.4f}   output a after epoch {after}")
    a0 = runs["MSE"][0]
    print(f"σ'(z) at the start = a(1 - a) = {a0 * (1 - a0):.4f}: the factor MSE's gradient carries and CE's cancels")

    _common.heading("softmax + cross-entropy")
    logits = mg.log(mg.tensor([[0.7, 0.2, 0.1]], dtype=mg.float64))  # logits whose softmax is (0.7, 0.2, 0.1)
    probs = mg.softmax(logits, dim=1)
    ce = -mg.log_softmax(logits, dim=1)[0, 0]
    print(f"softmax = {[round(p, 4) for p in probs[0].tolist()]}, true class 0: -ln 0.7 = {ce.item():.5f}")

    plt = _common.pyplot()
    if plt is not None:
        fig, ax = plt.subplots(figsize=(7, 4))
        for name, outputs in runs.items():
            ax.plot(outputs, label=name)
        ax.set(xlabel="epoch", ylabel="output a (target 0)", title="a saturated neuron: MSE vs cross-entropy")
        ax.legend()
        _common.save_figure(fig, args.out, "mse_vs_cross_entropy.png")


if __name__ == "__main__":
    main()
