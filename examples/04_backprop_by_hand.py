"""§4 Backpropagation by hand, on the course's two worked networks, with scalar tensors.

A. the 2-2-2 network (sigmoid everywhere, no biases, E = Σ ½(target - out)², lr 0.5);
B. the 2-2-1 XOR network (sigmoid, biases, row-vector convention z = x @ W + b, lr 0.2).
Every weight is its own named scalar tensor, so the graph has one node per multiply and add, exactly
as on paper, and ``mg.explain`` writes the chain rule for a weight with the course's numbers.

    python examples/04_backprop_by_hand.py [--out DIR] [--quick]
"""
import _common

import microgradnd as mg


def scalars(names, values):
    """One named float64 scalar tensor per weight, e.g. W1 ... W8."""
    return {n: mg.tensor(v, dtype=mg.float64, requires_grad=True, name=n) for n, v in zip(names, values)}


# -- A. the 2-2-2 network ---------------------------------------------------------------------------
A_NAMES = [f"W{i}" for i in range(1, 9)]
A_INIT = [0.3, 0.25, 0.4, 0.35, 0.45, 0.4, 0.7, 0.6]


def forward_a(W, x1=0.1, x2=0.2, t1=0.4, t2=0.6):
    """The forward pass of network A, keeping every intermediate (named, with retain_grad)."""
    v = {}
    v["z1"] = W["W1"] * x1 + W["W2"] * x2
    v["z2"] = W["W3"] * x1 + W["W4"] * x2
    v["h1"], v["h2"] = mg.sigmoid(v["z1"]), mg.sigmoid(v["z2"])
    v["z3"] = W["W5"] * v["h1"] + W["W6"] * v["h2"]
    v["z4"] = W["W7"] * v["h1"] + W["W8"] * v["h2"]
    v["o1"], v["o2"] = mg.sigmoid(v["z3"]), mg.sigmoid(v["z4"])
    v["E"] = 0.5 * (t1 - v["o1"]) ** 2 + 0.5 * (t2 - v["o2"]) ** 2
    for name, t in v.items():
        t.name = name
        t.retain_grad()
    return v


def sgd_step(params, lr):
    with mg.no_grad():
        for p in params.values():
            p -= lr * p.grad
            p.grad = None


def network_a():
    _common.heading("A. the 2-2-2 network: forward")
    W = scalars(A_NAMES, A_INIT)
    v = forward_a(W)
    for n in ("h1", "h2", "o1", "o2", "E"):
        print(f"{n} = {v[n].item():.8f}")

    v["E"].backward()
    _common.heading("A. backward: dE/dW5 as a product of local derivatives")
    o1, h1 = v["o1"].item(), v["h1"].item()
    dE_do1, do1_dz3, dz3_dW5 = v["o1"].grad.item(), o1 * (1 - o1), h1
    print(f"dE/dW5 = dE/do1 x do1/dz3 x dz3/dW5 = {dE_do1:.8f} x {do1_dz3:.8f} x {dz3_dW5:.8f}"
          f" = {W['W5'].grad.item():.8f}")
    o2 = v["o2"].item()
    via_o1 = dE_do1 * do1_dz3 * W["W5"].item()
    via_o2 = v["o2"].grad.item() * o2 * (1 - o2) * W["W7"].item()
    print(f"dE/dh1 = {via_o1:.8f} + {via_o2:.8f} = {v['h1'].grad.item():.8f}   (a sum over both outputs)")
    print("every gradient:", ", ".join(f"dE/d{n} = {W[n].grad.item():.8f}" for n in A_NAMES))
    explanation = mg.explain(v["E"], W["W5"]) + "\n\n" + mg.explain(v["E"], v["h1"])

    sgd_step(W, lr=0.5)
    _common.heading("A. after one step at lr 0.5")
    print("W1..W8 =", ", ".join(f"{W[n].item():.8f}" for n in A_NAMES))
    print(f"new E = {forward_a(W)['E'].item():.8f}")
    return explanation


# -- B. the 2-2-1 XOR network -----------------------------------------------------------------------
B_NAMES = ["w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2", "b3"]
B_INIT = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.1, 0.2, 0.3]  # W1 = [[w1, w2], [w3, w4]], W2 = [[w5], [w6]]


def forward_b(P, x1, x2):
    """Row-vector convention z = x @ W1 + B1: h1 sums column 0 of W1 (w1, w3), h2 column 1 (w2, w4)."""
    h1 = mg.sigmoid(x1 * P["w1"] + x2 * P["w3"] + P["b1"])
    h2 = mg.sigmoid(x1 * P["w2"] + x2 * P["w4"] + P["b2"])
    h1.name, h2.name = "h1", "h2"
    out = mg.sigmoid(h1 * P["w5"] + h2 * P["w6"] + P["b3"])
    out.name = "out"
    return out


def network_b():
    P = scalars(B_NAMES, B_INIT)
    _common.heading("B. the 2-2-1 XOR network: untrained outputs")
    for x in ([0, 0], [0, 1], [1, 0], [1, 1]):
        print(f"{x} -> {forward_b(P, *x).item():.8f}")

    _common.heading("B. one step on sample [0, 0] with target 0, lr 0.2")
    out = forward_b(P, 0.0, 0.0)
    E = 0.5 * (0.0 - out) ** 2
    E.name = "E"
    print(f"E = {E.item():.8f}")
    E.backward()
    print(f"dE/dw5 = {P['w5'].grad.item():.8f}")
    explanation = mg.explain(E, P["w5"])
    w1_before = P["w1"].item()
    sgd_step(P, lr=0.2)
    print(", ".join(f"{n} = {P[n].item():.8f}" for n in ("w5", "w6", "b3", "b1", "b2")))
    print(f"W1 unchanged (the input is 0): w1 = {P['w1'].item():.8f} (was {w1_before:.8f})")
    print(f"E afterwards = {(0.5 * forward_b(P, 0.0, 0.0) ** 2).item():.8f}")
    print("(the course's notes cut these to 6 digits, e.g. dE/dw5 = 0.076775, b3 = 0.270750)")
    print("(05_xor_mlp.py trains this kind of network on all four samples until it learns XOR)")
    return explanation


def main(argv=None):
    _common.setup(__file__, __doc__.splitlines()[0], argv)
    explanation_a = network_a()
    explanation_b = network_b()
    _common.heading("mg.explain(E, W5) and mg.explain(E, h1) for network A")
    print(explanation_a)
    _common.heading("mg.explain(E, w5) for network B")
    print(explanation_b)


if __name__ == "__main__":
    main()
