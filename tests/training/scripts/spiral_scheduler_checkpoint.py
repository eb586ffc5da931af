"""Spirals with an MLP, SGD + momentum, a StepLR schedule and a checkpoint saved and reloaded mid-way.

PyTorch style throughout (torch.save / torch.load of state dicts); the data come from NumPy with a
fixed seed and the weights are set from NumPy, so PyTorch and microgradnd print the same numbers.
"""
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(7)
n_per_class, n_classes = 60, 3
xs, ys = [], []
for k in range(n_classes):
    r = np.linspace(0.05, 1.0, n_per_class)
    angle = np.linspace(4.0 * k, 4.0 * (k + 1), n_per_class) + rng.normal(0.0, 0.15, n_per_class)
    xs.append(np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1))
    ys.append(np.full(n_per_class, k))
X = torch.tensor(np.concatenate(xs), dtype=torch.float32)
y = torch.tensor(np.concatenate(ys), dtype=torch.long)
loader = DataLoader(TensorDataset(X, y), batch_size=30)


def make_model():
    model = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 3))
    init = np.random.default_rng(0)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.tensor(init.normal(0.0, 0.3, size=tuple(p.shape)), dtype=torch.float32))
    return model


def train(model, optimizer, scheduler, epochs, criterion):
    for _ in range(epochs):
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item()
        scheduler.step()
        print("lr", scheduler.get_last_lr()[0], "loss", total / len(loader))


criterion = nn.CrossEntropyLoss()
model = make_model()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)
train(model, optimizer, scheduler, 20, criterion)

folder = tempfile.mkdtemp()
torch.save(model.state_dict(), os.path.join(folder, "model.pt"))
torch.save(optimizer.state_dict(), os.path.join(folder, "optim.pt"))
torch.save(scheduler.state_dict(), os.path.join(folder, "sched.pt"))

# a fresh model, optimizer and scheduler continue from the checkpoint
model2 = make_model()
optimizer2 = torch.optim.SGD(model2.parameters(), lr=0.05, momentum=0.9, nesterov=True)
scheduler2 = torch.optim.lr_scheduler.StepLR(optimizer2, step_size=10, gamma=0.5)
model2.load_state_dict(torch.load(os.path.join(folder, "model.pt")))
optimizer2.load_state_dict(torch.load(os.path.join(folder, "optim.pt")))
scheduler2.load_state_dict(torch.load(os.path.join(folder, "sched.pt")))
train(model2, optimizer2, scheduler2, 20, criterion)

with torch.no_grad():
    pred = model2(X).argmax(dim=1)
print("accuracy", (pred == y).float().mean().item())
