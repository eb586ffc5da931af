"""explain(): the course's hand derivations (CURRICULUM §4A), sums over consumers, tensors by index."""
import numpy as np
import pytest

import microgradnd as mg


def network_4a():
    """The 2-2-2 network of CURRICULUM §4A, written with named scalars as the course does."""
    def t(v, name):
        return mg.tensor(v, dtype=mg.float64, requires_grad=True, name=name)

    x1, x2 = t(0.1, "x1"), t(0.2, "x2")
    w = [t(v, f"W{i + 1}") for i, v in enumerate([0.3, 0.25, 0.4, 0.35, 0.45, 0.4, 0.7, 0.6])]
    named = {}

    def name(tensor, label):
        tensor.name = label
        named[label] = tensor
        return tensor

    z1 = name(w[0] * x1 + w[1] * x2, "z1")
    z2 = name(w[2] * x1 + w[3] * x2, "z2")
    h1, h2 = name(z1.sigmoid(), "h1"), name(z2.sigmoid(), "h2")
    z3 = name(w[4] * h1 + w[5] * h2, "z3")
    z4 = name(w[6] * h1 + w[7] * h2, "z4")
    o1, o2 = name(z3.sigmoid(), "o1"), name(z4.sigmoid(), "o2")
    E = name(0.5 * (0.4 - o1) ** 2 + 0.5 * (0.6 - o2) ** 2, "E")
    named.update({f"W{i + 1}": wi for i, wi in enumerate(w)})
    return named


def test_dE_dW5_is_the_course_line():
    net = network_4a()
    text = mg.explain(net["E"], net["W5"], infer_names=False)
    assert ("dE/dW5 = dE/do1 × do1/dz3 × dz3/dW5 = 0.20944600 × 0.23802157 × 0.51998934 = 0.02592286"
            in text.splitlines())
    assert text.splitlines()[0] == "E = 0.02397190, W5 = 0.45000000"


def test_dE_dh1_is_a_sum_over_its_two_consumers():
    net = network_4a()
    lines = mg.explain(net["E"], net["h1"], infer_names=False).splitlines()
    assert "dE/dh1 = 0.02243370 + 0.00997311 = 0.03240681" in lines
    assert lines[1].startswith("dE/dh1: h1 is used by 2 nodes (z3, z4)")
    assert lines[2] == "  via z3: dE/do1 × do1/dz3 × dz3/dh1 = 0.20944600 × 0.23802157 × 0.45000000 = 0.02243370"
    assert lines[3].startswith("  via z4: dE/do2 × do2/dz4 × dz4/dh1 = ") and lines[3].endswith("= 0.00997311")


def test_deeper_weight_refers_to_the_sum_and_explains_it():
    net = network_4a()
    net["E"].backward()
    lines = mg.explain(net["E"], net["W1"], infer_names=False).splitlines()
    expected = f"{float(net['W1'].grad.item()):.8f}"
    assert lines[1] == f"dE/dW1 = dE/dh1 × dh1/dz1 × dz1/dW1 = 0.03240681 × 0.24960043 × 0.10000000 = {expected}"
    assert "dE/dh1 = 0.02243370 + 0.00997311 = 0.03240681" in lines
    # every weight's derivation ends with the gradient backward() computed
    for i in range(1, 9):
        w = net[f"W{i}"]
        first = mg.explain(net["E"], w, infer_names=False).splitlines()[1]
        assert first.endswith(f"= {float(w.grad.item()):.8f}"), first


def test_trivial_and_unconnected_cases():
    net = network_4a()
    assert mg.explain(net["E"], net["E"], infer_names=False) == "dE/dE = 1"
    assert mg.explain(net["E"], net["o2"], infer_names=False).splitlines()[1] == "dE/do2 = 0.06384491"
    other = mg.tensor(1.0, requires_grad=True, name="other")
    assert "other does not reach E: dE/dother = 0" in mg.explain(net["E"], other, infer_names=False)
    c = mg.tensor(2.0, name="c")
    y = net["E"] * c
    y.name = "y"
    assert "does not require grad" in mg.explain(y, c, infer_names=False)


def test_names_from_variables_and_default_names():
    a = mg.tensor(3.0, requires_grad=True, dtype=mg.float64)
    b = mg.tensor(4.0, requires_grad=True, dtype=mg.float64)
    c = a * b
    y = c.exp()
    text = mg.explain(y, a)
    assert f"dy/da = dy/dc × dc/da = {np.exp(12):.8f} × 4.00000000 = {4 * np.exp(12):.8f}" in text
    anonymous = mg.explain(a * b + 0, a, infer_names=False)
    assert "df/dx = 4.00000000" in anonymous


def test_tensors_need_an_index_and_explain_elementwise_chains_per_element():
    a = mg.tensor([1.0, 2.0, 3.0], requires_grad=True, dtype=mg.float64)
    b = mg.tensor([4.0, 5.0, 6.0], requires_grad=True, dtype=mg.float64)
    c = a * b
    s = c.exp().sum()
    with pytest.raises(ValueError, match=r"wrt has shape \(3,\).*index="):
        mg.explain(s, a)
    with pytest.raises(IndexError):
        mg.explain(s, a, index=5)
    text = mg.explain(s, a, index=1)
    assert f"ds/da[1] = ds/dc[1] × dc[1]/da[1] = {np.exp(10):.8f} × 5.00000000 = {5 * np.exp(10):.8f}" in text
    assert "backward through exp, sum" in text
    with pytest.raises(ValueError, match="output_index"):
        mg.explain(c, a, index=0)
    assert mg.explain(c, a, index=2, output_index=2).splitlines()[1] == "dc[2]/da[2] = 6.00000000"


def test_matrix_steps_are_vector_jacobian_products():
    W = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, dtype=mg.float64)
    v = mg.tensor([1.0, -1.0], requires_grad=True, dtype=mg.float64)
    z = W @ v
    y = z.sigmoid().sum()
    y.backward()
    line = mg.explain(y, W, index=(0, 1)).splitlines()[1]
    assert line.startswith("dy/dW[0, 1] = (dy/dz · dz/dW)[0, 1] = ")
    assert f"= {W.grad.numpy()[0, 1]:.8f}" in line and "backward through matmul" in line
