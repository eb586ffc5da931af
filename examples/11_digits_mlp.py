"""§8-9 Handwritten digits with an MLP: accuracy, precision, recall and the confusion matrix.

The 8x8 digits (1797 images) are split into train / validation / test; a 64-100-10 ReLU network is
trained with mini-batches and Adam, the validation accuracy is watched every epoch, and the test set
is used once at the end. Precision = TP / (TP + FP): when the model says "3", how often it is a 3;
recall = TP / (TP + FN): of the real 3s, how many it finds.

    python examples/11_digits_mlp.py [--out DIR] [--quick]
"""
import _common
import numpy as np

import microgradnd as mg
from microgradnd import nn
from microgradnd.utils.data import DataLoader, TensorDataset


def main(argv=None):
    args = _common.setup(__file__, __doc__.splitlines()[0], argv)
    mg.manual_seed(0)
    X, y = mg.datasets.digits()
    X_tr, X_val, X_te, y_tr, y_val, y_te = mg.datasets.train_val_test_split(X, y, val=0.15, test=0.15, seed=0,
                                                                            stratify=y)
    print(f"train {len(X_tr)}, validation {len(X_val)}, test {len(X_te)} images of 8x8 = 64 pixels")

    model = nn.Sequential(nn.Linear(64, 100), nn.ReLU(), nn.Linear(100, 10))
    optimizer = mg.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(X_tr, y_tr), batch_size=32, shuffle=True)
    epochs = 8 if args.quick else 30
    history = []
    for epoch in range(1, epochs + 1):
        model.train()
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with mg.no_grad():
            val_acc = mg.metrics.accuracy(y_val, model(X_val).argmax(dim=1))
        history.append((loss.item(), val_acc))
        if epoch == 1 or epoch % max(1, epochs // 5) == 0:
            print(f"epoch {epoch:3d}  last batch loss {loss.item():.4f}  validation accuracy {val_acc:.4f}")

    with mg.no_grad():
        pred = model(X_te).argmax(dim=1)
    _common.heading("test set")
    print(f"accuracy  {mg.metrics.accuracy(y_te, pred):.4f}")
    precision = mg.metrics.precision(y_te, pred, average=None)
    recall = mg.metrics.recall(y_te, pred, average=None)
    f1 = mg.metrics.f1_score(y_te, pred, average=None)
    print("digit  precision  recall  f1")
    for d in range(10):
        print(f"{d:>5}  {precision[d]:9.3f}  {recall[d]:6.3f}  {f1[d]:.3f}")
    macro = [f(y_te, pred, average="macro") for f in (mg.metrics.precision, mg.metrics.recall, mg.metrics.f1_score)]
    print(f"macro  {macro[0]:9.3f}  {macro[1]:6.3f}  {macro[2]:.3f}")
    cm = np.asarray(mg.metrics.confusion_matrix(y_te, pred, labels=list(range(10))))
    print("confusion matrix (rows: true, columns: predicted)")
    print(cm)
    # precision and recall, recomputed from the matrix by their definitions
    tp = np.diag(cm)
    print(f"check: precision[3] = TP/(TP+FP) = {tp[3]}/{cm[:, 3].sum()}, "
          f"recall[3] = TP/(TP+FN) = {tp[3]}/{cm[3].sum()}")

    plt = _common.pyplot()
    if plt is not None:
        fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(15, 4.3))
        ax1.plot([h[1] for h in history], "o-")
        ax1.set(title="validation accuracy", xlabel="epoch")
        im = ax2.imshow(cm, cmap="Blues")
        for i in range(10):
            for j in range(10):
                if cm[i, j]:
                    ax2.text(j, i, cm[i, j], ha="center", va="center", fontsize=7,
                             color="white" if cm[i, j] > cm.max() / 2 else "black")
        ax2.set(title="confusion matrix", xlabel="predicted", ylabel="true", xticks=range(10), yticks=range(10))
        fig.colorbar(im, ax=ax2)
        wrong = np.flatnonzero(pred.numpy() != y_te.numpy())[:8]
        tiles = [X_te[int(i)].numpy().reshape(8, 8) for i in wrong] or [np.zeros((8, 8))]
        ax3.imshow(np.hstack(tiles), cmap="gray_r")
        ax3.set(title="misclassified: " + ", ".join(f"{int(y_te[int(i)].item())}->{int(pred[int(i)].item())}"
                                                    for i in wrong), xticks=[], yticks=[])
        _common.save_figure(fig, args.out, "digits_mlp.png")


if __name__ == "__main__":
    main()
