"""XOR with nn.Sequential, nn.BCELoss and torch.optim.SGD(lr=1), in the course's PyTorch style.

Runs unchanged under PyTorch; the tests run it on microgradnd with only the imports rewritten.
Weights come from NumPy with a fixed seed so both frameworks start from the same point.
"""
import numpy as np
import torch
import torch.nn as nn

X = torch.FloatTensor([[0, 0], [0, 1], [1, 0], [1, 1]])
Y = torch.FloatTensor([[0], [1], [1], [0]])

model = nn.Sequential(
    nn.Linear(2, 10),
    nn.Sigmoid(),
    nn.Linear(10, 1),
    nn.Sigmoid(),
)

rng = np.random.default_rng(0)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(rng.uniform(-1.0, 1.0, size=tuple(p.shape)).astype(np.float32)))

criterion = nn.BCELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1)

for epoch in range(2001):
    optimizer.zero_grad()
    hypothesis = model(X)
    cost = criterion(hypothesis, Y)
    cost.backward()
    optimizer.step()
    if epoch % 100 == 0:
        print(epoch, cost.item())

with torch.no_grad():
    hypothesis = model(X)
    predicted = (hypothesis > 0.5).float()
    accuracy = (predicted == Y).float().mean()
    print("Hypothesis:", hypothesis.detach().numpy().ravel().tolist())
    print("Predicted:", predicted.numpy().ravel().tolist())
    print("Accuracy:", accuracy.item())
