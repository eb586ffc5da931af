"""§10 The course's PyTorch code, run on microgradnd by changing only the import.

Everything below the import line is written exactly as for PyTorch: ``nn.Sequential`` with
``nn.Linear`` and ``nn.Sigmoid``, ``nn.BCELoss``, ``torch.optim.SGD(model.parameters(), lr=1)``,
``Adam(..., weight_decay=1e-5)``, a custom ``nn.Module`` with ``forward``, ``DataLoader`` batches,
``torch.no_grad()`` for evaluation and the ``device`` idiom.

    python examples/13_pytorch_style.py [--out DIR] [--quick]
"""
import _common

import microgradnd as torch  # <- the only line that differs from the PyTorch version (import torch)

nn = torch.nn
F = torch.nn.functional
DataLoader, TensorDataset = torch.utils.data.DataLoader, torch.utils.data.TensorDataset


def xor_sequential(steps):
    """The notes' XOR model: two Linear layers with sigmoids, BCELoss, SGD with lr = 1."""
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(777)
    X = torch.FloatTensor([[0, 0], [0, 1], [1, 0], [1, 1]]).to(device)
    Y = torch.FloatTensor([[0], [1], [1], [0]]).to(device)
    model = nn.Sequential(
        nn.Linear(2, 10, bias=True), nn.Sigmoid(),
        nn.Linear(10, 10, bias=True), nn.Sigmoid(),
        nn.Linear(10, 1, bias=True), nn.Sigmoid(),
    ).to(device)
    criterion = torch.nn.BCELoss().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=1)
    for step in range(steps + 1):
        optimizer.zero_grad()
        hypothesis = model(X)
        cost = criterion(hypothesis, Y)
        cost.backward()
        optimizer.step()
        if step % (steps // 4) == 0:
            print(step, cost.item())
    with torch.no_grad():
        hypothesis = model(X)
        predicted = (hypothesis > 0.5).float()
        accuracy = (predicted == Y).float().mean()
        print("Hypothesis:", hypothesis.detach().cpu().numpy().ravel().round(4),
              "\nPredicted:", predicted.detach().cpu().numpy().ravel(),
              "\nAccuracy:", accuracy.item())
    return accuracy.item()


class MultiClassNet(nn.Module):
    """A custom Module, as the notes write them."""

    def __init__(self, n_in, n_hidden, n_out):
        super().__init__()
        self.fc1 = nn.Linear(n_in, n_hidden)
        self.fc2 = nn.Linear(n_hidden, n_out)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        return self.fc2(x)


def softmax_classifier(epochs):
    """Three blobs, a custom Module, CrossEntropyLoss, Adam with weight decay, mini-batches."""
    torch.manual_seed(1)
    centers = torch.tensor([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
    y = torch.randint(0, 3, (300,))
    x = centers[y] + 0.6 * torch.randn(300, 2)
    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
    model = MultiClassNet(2, 16, 3)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-5)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        model.train()
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        prediction = torch.argmax(model(x), dim=1)
        accuracy = (prediction == y).float().mean().item()
    print(f"Epoch {epochs}: loss {loss.item():.4f}, accuracy {accuracy:.4f}")
    print(model)
    return accuracy


def main(argv=None):
    args = _common.setup(__file__, __doc__.splitlines()[0], argv)
    _common.heading("XOR: nn.Sequential + BCELoss + SGD(lr=1)")
    xor_sequential(2000 if args.quick else 10000)
    _common.heading("three classes: a custom nn.Module + CrossEntropyLoss + Adam(weight_decay=1e-5)")
    softmax_classifier(10 if args.quick else 30)


if __name__ == "__main__":
    main()
