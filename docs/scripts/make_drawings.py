"""Regenerate the drawings of ``docs/drawings.md`` from code (nothing there is drawn by hand).

    python docs/scripts/make_drawings.py [--out DIR]

Writes ``apple.svg``, ``apple_before.svg``, ``apple_tangerine.svg``, ``broadcast.svg``,
``xor_mlp.svg``, ``xor_mlp_collapsed.svg`` and ``apple_backward.html`` into ``docs/images/`` (or DIR).
Needs Graphviz's ``dot``.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import microgradnd as mg  # noqa: E402

nn = mg.nn


def apple(backward=True):
    """CURRICULUM §2: 100 × 2 = 200, × 1.1 = 220; gradients 2.2, 110, 200."""
    apple = mg.tensor(100.0, requires_grad=True, name="apple")
    count = mg.tensor(2.0, requires_grad=True, name="count")
    tax = mg.tensor(1.1, requires_grad=True, name="tax")
    price = apple * count
    total = price * tax
    if backward:
        total.backward()
    return mg.draw_graph(total), total


def apple_tangerine():
    """Apples and tangerines: (100 × 2 + 150 × 3) × 1.1 = 715."""
    apple = mg.tensor(100.0, requires_grad=True, name="apple")
    apple_count = mg.tensor(2.0, requires_grad=True, name="apple_count")
    tangerine = mg.tensor(150.0, requires_grad=True, name="tangerine")
    tangerine_count = mg.tensor(3.0, requires_grad=True, name="tangerine_count")
    tax = mg.tensor(1.1, requires_grad=True, name="tax")
    apple_price = apple * apple_count
    tangerine_price = tangerine * tangerine_count
    subtotal = apple_price + tangerine_price
    total = subtotal * tax
    total.backward()
    return mg.draw_graph(total)


def broadcast():
    """A bias of shape (3,) added to a (2, 3) batch: its gradient is summed over dim 0."""
    x = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    b = mg.tensor([0.1, 0.2, 0.3], requires_grad=True)
    y = x + b
    loss = (y * y).sum()
    loss.backward()
    return mg.draw_graph(loss)


def xor_mlp():
    """CURRICULUM §4B: the 2-2-1 XOR network with the course's weights, on all four samples."""
    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())
    with mg.no_grad():
        model[0].weight.copy_(mg.tensor([[0.1, 0.2], [0.3, 0.4]]).T)
        model[0].bias.copy_(mg.tensor([0.1, 0.2]))
        model[2].weight.copy_(mg.tensor([[0.5], [0.6]]).T)
        model[2].bias.copy_(mg.tensor([0.3]))
    x = mg.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    target = mg.tensor([[0.0], [1.0], [1.0], [0.0]])
    loss = nn.MSELoss()(model(x), target)
    loss.backward()
    return (mg.draw_graph(loss, max_values=8, rankdir="TB"),
            mg.draw_graph(loss, collapse_modules=True, max_values=8, rankdir="TB"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "images"), help="output folder")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    out = Path(args.out)
    written = []

    def save(graph, name):
        written.append(mg.viz.render(graph, out / name))

    graph, total = apple()
    save(graph, "apple.svg")
    save(apple(backward=False)[0], "apple_before.svg")
    save(apple_tangerine(), "apple_tangerine.svg")
    save(broadcast(), "broadcast.svg")
    full, collapsed = xor_mlp()
    save(full, "xor_mlp.svg")
    save(collapsed, "xor_mlp_collapsed.svg")
    _, fresh = apple(backward=False)
    written.append(mg.viz.backward_animation(fresh, out / "apple_backward.html",
                                             title="The apple graph, backward step by step"))
    for path in written:
        print(f"wrote {os.path.relpath(path, ROOT)}")
    return written


if __name__ == "__main__":
    main()
