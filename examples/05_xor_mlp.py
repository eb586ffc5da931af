"""§4 XOR with a multilayer perceptron, and the decision boundary it learns.

Part 1 is the course's 2-2-1 network (sigmoid, W1 = [[0.1, 0.2], [0.3, 0.4]], B1 = [0.1, 0.2],
W2 = [[0.5], [0.6]], B2 = [0.3]) built from ``nn.Linear`` layers and trained one sample at a time
(online SGD on E = ½(t - out)²); part 2 is a wider 2-8-1 tanh network trained on all four samples
at once with Adam. Both learn XOR; the picture shows how each bends its boundary.

    python examples/05_xor_mlp.py [--out DIR] [--quick]
"""
import _common
import numpy as np

import microgradnd as mg
from microgradnd import nn

X = mg.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
T = mg.tensor([[0.0], [1.0], [1.0], [0.0]])


def course_network():
    """The 2-2-1 network of §4B. nn.Linear computes x @ weight.T + bias, so weight is the notes' W transposed."""
    hidden, out = nn.Linear(2, 2), nn.Linear(2, 1)
    with mg.no_grad():
        hidden.weight.copy_(mg.tensor([[0.1, 0.2], [0.3, 0.4]]).T)
        hidden.bias.copy_(mg.tensor([0.1, 0.2]))
        out.weight.copy_(mg.tensor([[0.5], [0.6]]).T)
        out.bias.copy_(mg.tensor([0.3]))
    return nn.Sequential(hidden, nn.Sigmoid(), out, nn.Sigmoid()).double()  # float64: the notes' 8 digits


def train_online(model, epochs, lr):
    """Per-sample updates, as in the notes: for each sample, E = ½(t - out)², one SGD step."""
    opt = mg.optim.SGD(model.parameters(), lr=lr)
    errors = []
    for _ in range(epochs):
        total = 0.0
        for i in range(4):
            x, t = X[i:i + 1].double(), T[i:i + 1].double()
            loss = 0.5 * ((model(x) - t) ** 2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        errors.append(total)
    return errors


def train_batch(model, epochs, lr=0.05):
    """All four samples per step, binary cross-entropy, Adam."""
    opt = mg.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.BCELoss()
    losses = []
    for _ in range(epochs):
        loss = loss_fn(model(X), T)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def outputs(model):
    dtype = next(model.parameters()).dtype
    with mg.no_grad():
        return [round(v, 4) for v in model(X.to(dtype)).reshape(-1).tolist()]


def main(argv=None):
    args = _common.setup(__file__, __doc__.splitlines()[0], argv)
    mg.manual_seed(0)

    _common.heading("1. the course's 2-2-1 network, one sample at a time (lr 1.0)")
    course = course_network()
    print("untrained outputs:", [f"{v:.8f}" for v in course(X.double()).reshape(-1).tolist()])
    epochs = 300 if args.quick else 3000
    errors = train_online(course, epochs, lr=1.0)
    print(f"error summed over the 4 samples: epoch 1 {errors[0]:.4f} -> epoch {epochs} {errors[-1]:.4f}")
    print(f"outputs after {epochs} epochs:", outputs(course))

    _common.heading("2. a 2-8-1 tanh network, all samples at once (Adam, BCE)")
    wide = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1), nn.Sigmoid())
    print(wide)
    losses = train_batch(wide, 300 if args.quick else 1000)
    print(f"BCE loss: {losses[0]:.4f} -> {losses[-1]:.4f}")
    print("outputs:", outputs(wide))
    print("predictions (output > 0.5):", [int(v > 0.5) for v in outputs(wide)], " targets: [0, 1, 1, 0]")

    plt = _common.pyplot()
    if plt is not None:
        grid = np.linspace(-0.5, 1.5, 150)
        xx, yy = np.meshgrid(grid, grid)
        points = mg.tensor(np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float32))
        fig, axes = plt.subplots(1, 2, figsize=(10, 4.4))
        for ax, model, title in ((axes[0], course, f"2-2-1 sigmoid, online SGD, {epochs} epochs"),
                                 (axes[1], wide, "2-8-1 tanh, Adam")):
            with mg.no_grad():
                z = model(points.to(next(model.parameters()).dtype)).numpy().reshape(xx.shape)
            im = ax.contourf(xx, yy, z, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.8)
            ax.contour(xx, yy, z, levels=[0.5], colors="k")
            ax.scatter(X[:, 0].numpy(), X[:, 1].numpy(), c=T.reshape(-1).numpy(), cmap="RdBu_r", edgecolors="k", s=90)
            ax.set_title(title)
        fig.colorbar(im, ax=axes, label="output")
        _common.save_figure(fig, args.out, "xor_decision_boundary.png")


if __name__ == "__main__":
    main()
