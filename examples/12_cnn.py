"""§9 Convolutional networks: output sizes, the course's convolution, a CNN on the digits.

A convolution slides a filter over the input and multiplies-and-adds at each position (a
cross-correlation: the filter is not flipped). Output size: OH = (H + 2P - FH) / S + 1. Pooling takes
the max (or mean) of each window: no parameters, channels unchanged. Then a small CNN learns the 8x8
digits, and we look at what its filters respond to.

    python examples/12_cnn.py [--out DIR] [--quick]
"""
import _common

import microgradnd as mg
from microgradnd import nn
from microgradnd.nn import functional as F
from microgradnd.utils.data import DataLoader, TensorDataset


def output_size(h, w, fh, fw, pad, stride):
    """OH = (H + 2P - FH) / S + 1, OW likewise."""
    return (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1


def main(argv=None):
    args = _common.setup(__file__, __doc__.splitlines()[0], argv)

    _common.heading("output sizes: formula vs nn.Conv2d")
    for (h, w), f, pad, stride in (((4, 4), 3, 1, 1), ((7, 7), 3, 0, 2), ((31, 28), 5, 2, 3)):
        conv = nn.Conv2d(1, 1, kernel_size=f, stride=stride, padding=pad)
        shape = tuple(conv(mg.zeros(1, 1, h, w)).shape[2:])
        print(f"{h}x{w}, pad {pad}, stride {stride}, {f}x{f} filter -> formula {output_size(h, w, f, f, pad, stride)}, "
              f"Conv2d {shape}")

    _common.heading("the course's convolution")
    x = mg.tensor([[1.0, 2, 3, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 3, 0, 1]])
    k = mg.tensor([[2.0, 0, 1], [0, 1, 2], [1, 0, 2]])
    y = F.conv2d(x.reshape(1, 1, 4, 4), k.reshape(1, 1, 3, 3))
    print("input", x.int().tolist(), "\nfilter", k.int().tolist())
    print("output", y.reshape(2, 2).int().tolist())
    top_left = (x[:3, :3] * k).sum()
    print(f"top-left = sum(input[0:3, 0:3] * filter) = {top_left.item():.0f}")
    print("with padding 1:", F.conv2d(x.reshape(1, 1, 4, 4), k.reshape(1, 1, 3, 3), padding=1).shape)
    print("2x2 max pooling, stride 2:", F.max_pool2d(x.reshape(1, 1, 4, 4), 2).reshape(2, 2).int().tolist())
    print("2x2 average pooling:      ", F.avg_pool2d(x.reshape(1, 1, 4, 4), 2).reshape(2, 2).tolist())

    _common.heading("a CNN on the 8x8 digits")
    mg.manual_seed(0)
    X, labels = mg.datasets.digits(flatten=False)             # (1797, 1, 8, 8)
    X_tr, X_te, y_tr, y_te = X[:1400], X[1400:], labels[:1400], labels[1400:]
    model = nn.Sequential(
        nn.Conv2d(1, 8, kernel_size=3, padding=1), nn.ReLU(),  # 8 x 8 x 8
        nn.MaxPool2d(2),                                       # 8 x 4 x 4
        nn.Flatten(), nn.Linear(8 * 4 * 4, 10),
    )
    print(model)
    print(f"parameters: {sum(p.numel() for p in model.parameters())}")
    optimizer = mg.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    epochs = 2 if args.quick else 10
    for epoch in range(1, epochs + 1):
        for xb, yb in DataLoader(TensorDataset(X_tr, y_tr), batch_size=64, shuffle=True):
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with mg.no_grad():
            acc = mg.metrics.accuracy(y_te, model(X_te).argmax(dim=1))
        print(f"epoch {epoch}: loss {loss.item():.4f}, test accuracy {acc:.4f}")

    plt = _common.pyplot()
    if plt is not None:
        conv = model[0]
        with mg.no_grad():
            maps = mg.relu(conv(X_te[:1]))[0]                  # the 8 feature maps of one test digit
        fig, axes = plt.subplots(3, 8, figsize=(13, 5))
        axes[0, 0].imshow(X_te[0, 0].numpy(), cmap="gray_r")
        axes[0, 0].set_title(f"input ({int(y_te[0].item())})")
        for j in range(8):
            axes[1, j].imshow(conv.weight[j, 0].detach().numpy(), cmap="RdBu_r")
            axes[1, j].set_title(f"filter {j}", fontsize=8)
            axes[2, j].imshow(maps[j].numpy(), cmap="viridis")
            axes[2, j].set_title(f"feature map {j}", fontsize=8)
        for ax in axes.ravel():
            ax.set_xticks([])
            ax.set_yticks([])
        for ax in axes[0, 1:]:
            ax.axis("off")
        _common.save_figure(fig, args.out, "cnn_feature_maps.png")


if __name__ == "__main__":
    main()
