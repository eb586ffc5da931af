"""The worked numbers of CURRICULUM.md §2 (the apple slides) and §4 (backpropagation by hand),
computed with scalar tensors and the engine's backward, asserted to the digits given."""
import microgradnd as mg


def scalar(value, name=None):
    return mg.tensor(value, dtype=mg.float64, requires_grad=True, name=name)


def digits(value, expected, places):
    """``value`` agrees with ``expected`` to its last printed decimal (the notes round some numbers
    and truncate others, so one unit in that place is the tolerance)."""
    assert abs(float(value) - expected) < 10 ** -places, (value, expected)


# ---------------------------------------------------------------------------------------------------
# §2 computational graphs and the chain rule


def test_apples():
    apple, count, tax = scalar(100.0), scalar(2.0), scalar(1.1)
    apples = apple * count
    total = apples * tax
    assert apples.item() == 200.0
    digits(total.item(), 220.0, 6)
    total.backward()  # d(total) = 1
    digits(apple.grad.item(), 2.2, 6)
    digits(count.grad.item(), 110.0, 6)
    digits(tax.grad.item(), 200.0, 6)


def test_apples_and_tangerines():
    apple, apple_count = scalar(100.0), scalar(2.0)
    tangerine, tangerine_count = scalar(150.0), scalar(3.0)
    tax = scalar(1.1)
    subtotal = apple * apple_count + tangerine * tangerine_count
    total = subtotal * tax
    digits(subtotal.item(), 650.0, 6)
    digits(total.item(), 715.0, 6)
    total.backward()
    digits(apple.grad.item(), 2.2, 6)
    digits(apple_count.grad.item(), 110.0, 6)
    digits(tangerine.grad.item(), 3.3, 6)
    digits(tangerine_count.grad.item(), 165.0, 6)
    digits(tax.grad.item(), 650.0, 6)


def test_add_node_passes_gradient_and_multiply_node_swaps_inputs():
    a, b = scalar(3.0), scalar(5.0)
    s = a + b
    s.retain_grad()
    out = s * 7.0
    out.backward()
    assert s.grad.item() == 7.0 and a.grad.item() == 7.0 and b.grad.item() == 7.0
    a2, b2 = scalar(3.0), scalar(5.0)
    (a2 * b2).backward(mg.tensor(2.0, dtype=mg.float64))
    assert a2.grad.item() == 10.0 and b2.grad.item() == 6.0  # upstream x the other input


# ---------------------------------------------------------------------------------------------------
# §4A the 2-2-2 sigmoid network, E = Σ ½(target - out)², lr 0.5


def forward_222(w, x1=0.1, x2=0.2, t1=0.4, t2=0.6):
    z1 = w[0] * x1 + w[1] * x2
    z2 = w[2] * x1 + w[3] * x2
    h1, h2 = mg.sigmoid(z1), mg.sigmoid(z2)
    z3 = w[4] * h1 + w[5] * h2
    z4 = w[6] * h1 + w[7] * h2
    o1, o2 = mg.sigmoid(z3), mg.sigmoid(z4)
    e = 0.5 * (t1 - o1) ** 2 + 0.5 * (t2 - o2) ** 2
    return dict(h1=h1, h2=h2, z3=z3, z4=z4, o1=o1, o2=o2, E=e)


def test_two_two_two_network_by_hand():
    w = [scalar(v, f"W{i + 1}") for i, v in enumerate([0.3, 0.25, 0.4, 0.35, 0.45, 0.4, 0.7, 0.6])]
    n = forward_222(w)
    for key in ("h1", "o1", "z3", "z4"):
        n[key].retain_grad()
    digits(n["h1"].item(), 0.51998934, 8)
    digits(n["h2"].item(), 0.52747230, 8)
    digits(n["o1"].item(), 0.60944600, 8)
    digits(n["o2"].item(), 0.66384491, 8)
    digits(n["E"].item(), 0.02397190, 8)
    n["E"].backward()

    # dE/dW5 = dE/do1 x do1/dz3 x dz3/dW5
    de_do1 = n["o1"].grad.item()
    do1_dz3 = n["z3"].grad.item() / de_do1
    digits(de_do1, 0.20944600, 8)
    digits(do1_dz3, 0.23802157, 8)
    digits(w[4].grad.item(), 0.02592286, 8)
    digits(de_do1 * do1_dz3 * n["h1"].item(), 0.02592286, 8)

    # dE/dh1 is a sum over the two outputs
    digits(n["z3"].grad.item() * w[4].item(), 0.02243370, 8)
    digits(n["z4"].grad.item() * w[6].item(), 0.00997311, 8)
    digits(n["h1"].grad.item(), 0.03240681, 8)

    with mg.no_grad():
        for p in w:
            p -= 0.5 * p.grad
    expected = [0.29959556, 0.24919112, 0.39964496, 0.34928991,
                0.43703857, 0.38685205, 0.69629578, 0.59624247]
    for p, e in zip(w, expected):
        digits(p.item(), e, 8)
    digits(forward_222(w)["E"].item(), 0.02323634, 8)


# ---------------------------------------------------------------------------------------------------
# §4B the 2-2-1 XOR network (row-vector convention z = x @ W + b), lr 0.2


def xor_parameters():
    return dict(
        W1=mg.tensor([[0.1, 0.2], [0.3, 0.4]], dtype=mg.float64, requires_grad=True),
        B1=mg.tensor([0.1, 0.2], dtype=mg.float64, requires_grad=True),
        W2=mg.tensor([[0.5], [0.6]], dtype=mg.float64, requires_grad=True),
        B2=mg.tensor([0.3], dtype=mg.float64, requires_grad=True),
    )


def xor_forward(p, x):
    h = mg.sigmoid(x @ p["W1"] + p["B1"])
    return mg.sigmoid(h @ p["W2"] + p["B2"])


def test_xor_network_untrained_outputs():
    p = xor_parameters()
    x = mg.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=mg.float64)
    out = xor_forward(p, x).reshape(-1).tolist()
    for value, expected in zip(out, [0.70938314, 0.72844306, 0.71791234, 0.73598705]):
        digits(value, expected, 8)


def test_xor_network_one_step_on_sample_zero_zero():
    p = xor_parameters()
    x = mg.tensor([0.0, 0.0], dtype=mg.float64)
    out = xor_forward(p, x)
    error = 0.5 * (0.0 - out) ** 2
    digits(out.item(), 0.709383, 6)
    digits(error.item(), 0.251612, 6)
    error.sum().backward()
    digits(p["W2"].grad[0, 0].item(), 0.076775, 6)  # dE/dw5
    w1_before = p["W1"].detach().clone()
    with mg.no_grad():
        for t in p.values():
            t -= 0.2 * t.grad
    digits(p["W2"][0, 0].item(), 0.484645, 6)  # w5
    digits(p["W2"][1, 0].item(), 0.583918, 6)  # w6
    digits(p["B2"][0].item(), 0.270750, 6)  # b3
    digits(p["B1"][0].item(), 0.096352, 6)  # b1
    digits(p["B1"][1].item(), 0.195656, 6)  # b2
    assert p["W1"].tolist() == w1_before.tolist()  # the input is 0: W1 unchanged
    assert p["W1"].grad.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    digits((0.5 * (0.0 - xor_forward(p, x)) ** 2).item(), 0.244687, 6)
