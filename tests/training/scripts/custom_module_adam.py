"""A custom nn.Module subclass trained with Adam(weight_decay=1e-5) on a DataLoader (PyTorch style).

Two interleaved moons made with NumPy (fixed seed); weights set from NumPy so PyTorch and
microgradnd start identically; shuffle=False so both see the batches in the same order.
"""
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(0)
n = 200
t = rng.uniform(0.0, np.pi, n)
label = (np.arange(n) % 2).astype(np.int64)
points = np.where(label[:, None] == 0,
                  np.stack([np.cos(t), np.sin(t)], 1),
                  np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1))
points = points + rng.normal(0.0, 0.1, size=points.shape)

X = torch.tensor(points, dtype=torch.float32)
y = torch.tensor(label, dtype=torch.long)
dataset = TensorDataset(X, y)
loader = DataLoader(dataset, batch_size=20, shuffle=False)


class Net(nn.Module):
    def __init__(self, hidden=16):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(2, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.fc3 = nn.Linear(hidden, 2)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.relu(self.fc1(x))
        x = torch.tanh(self.fc2(x))
        return self.fc3(x)


model = Net()
with torch.no_grad():
    for name, p in model.named_parameters():
        p.copy_(torch.tensor(rng.normal(0.0, 0.5, size=tuple(p.shape)), dtype=torch.float32))

optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-5)
criterion = nn.CrossEntropyLoss()

for epoch in range(40):
    model.train()
    total = 0.0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * xb.size(0)
    if epoch % 5 == 0:
        print("epoch", epoch, "loss", total / len(dataset))

model.eval()
with torch.no_grad():
    logits = model(X)
    pred = logits.argmax(dim=1)
    accuracy = (pred == y).float().mean().item()
print("final loss", criterion(logits, y).item())
print("accuracy", accuracy)
