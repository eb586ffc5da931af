"""A small CNN (Conv2d, ReLU, MaxPool2d, BatchNorm2d, Linear) on synthetic 8x8 bar images, PyTorch style.

Three classes: a horizontal bar, a vertical bar, a diagonal, at random places plus noise (NumPy,
fixed seed). Weights are set from NumPy so PyTorch and microgradnd agree step by step.
"""
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(1)
n = 120
images = rng.normal(0.0, 0.3, size=(n, 1, 8, 8))
labels = np.arange(n) % 3
pos = rng.integers(1, 7, size=n)
for i in range(n):
    if labels[i] == 0:
        images[i, 0, pos[i], 1:7] += 1.0
    elif labels[i] == 1:
        images[i, 0, 1:7, pos[i]] += 1.0
    else:
        images[i, 0, np.arange(8), np.arange(8)] += 1.0

X = torch.tensor(images, dtype=torch.float32)
y = torch.tensor(labels, dtype=torch.long)
loader = DataLoader(TensorDataset(X, y), batch_size=16, shuffle=False)


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(6)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(6, 8, kernel_size=3, stride=1, padding=1)
        self.fc = nn.Linear(8 * 2 * 2, 3)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn1(self.conv1(x))))
        x = self.pool(torch.relu(self.conv2(x)))
        x = x.view(x.size(0), -1)
        return self.fc(x)


model = CNN()
with torch.no_grad():
    for name, p in model.named_parameters():
        if name.startswith("bn"):
            continue
        p.copy_(torch.tensor(rng.normal(0.0, 0.3, size=tuple(p.shape)), dtype=torch.float32))

optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
criterion = nn.CrossEntropyLoss()

for epoch in range(12):
    model.train()
    running = 0.0
    for images_b, labels_b in loader:
        optimizer.zero_grad()
        outputs = model(images_b)
        loss = criterion(outputs, labels_b)
        loss.backward()
        optimizer.step()
        running += loss.item()
    print("epoch", epoch, "loss", running / len(loader))

model.eval()
correct = 0
total = 0
with torch.no_grad():
    for images_b, labels_b in loader:
        outputs = model(images_b)
        _, predicted = torch.max(outputs.data, 1)
        total += labels_b.size(0)
        correct += (predicted == labels_b).sum().item()
print("running_mean", model.bn1.running_mean.numpy().round(4).tolist())
print("accuracy", correct / total)
