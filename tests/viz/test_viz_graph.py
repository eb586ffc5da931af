"""draw_graph's DOT source: the apple slides' numbers on the right boxes and edges (CURRICULUM §2),
operand multiplicity and order, broadcasting marks, constants, determinism, the before-backward note."""
import numpy as np
import pytest
from dot_helpers import Dot, blue, edge_label, plain, red

import microgradnd as mg
from microgradnd.viz.graph import BEFORE_BACKWARD_NOTE, LEGEND


def apple_graph(dtype=None, backward=True):
    apple = mg.tensor(100.0, requires_grad=True, name="apple", dtype=dtype)
    n = mg.tensor(2.0, requires_grad=True, name="n", dtype=dtype)
    tax = mg.tensor(1.1, requires_grad=True, name="tax", dtype=dtype)
    price = apple * n
    price.name = "price"
    total = price * tax
    total.name = "total"
    if backward:
        total.backward()
    return total, (apple, n, tax, price)


def edge(dot, src, dst, position=0):
    edges = dot.edges_between(src, dst)
    return edge_label(edges[position])


@pytest.mark.parametrize("dtype", [None, mg.float64])
def test_apple_graph_has_every_number_of_the_slide_on_the_right_box_and_edge(dtype):
    total, _ = apple_graph(dtype)
    dot = Dot(mg.draw_graph(total, infer_names=False).source)
    apple, n, tax = dot.node_named("apple"), dot.node_named("n"), dot.node_named("tax")
    price, out = dot.node_named("price"), dot.node_named("total")
    # boxes: name, value, gradient
    assert plain(dot.label(apple)) == ["100"] and red(dot.label(apple)) == ["grad 2.2"]
    assert plain(dot.label(n)) == ["2"] and red(dot.label(n)) == ["grad 110"]
    assert plain(dot.label(tax)) == ["1.1"] and red(dot.label(tax)) == ["grad 200"]
    assert plain(dot.label(price)) == ["200"] and red(dot.label(price)) == ["grad 1.1"]
    assert plain(dot.label(out)) == ["220"] and red(dot.label(out)) == ["grad 1"]
    # ops are round and labelled ×
    first, second = dot.consumer_of(apple), dot.consumer_of(tax)
    assert dot.consumer_of(n) == first and dot.consumer_of(price) == second
    for op in (first, second):
        assert dot.label(op) == "×" and "shape=circle" in dot.nodes[op]
    assert dot.producer_of(price) == first and dot.producer_of(out) == second
    # edges: forward value (black), flowing gradient (red), local derivative (blue)
    e = edge(dot, apple, first)
    assert (plain(e), red(e), blue(e)) == (["100"], ["2.2"], ["local 2"])
    e = edge(dot, n, first)
    assert (plain(e), red(e), blue(e)) == (["2"], ["110"], ["local 100"])
    e = edge(dot, price, second)
    assert (plain(e), red(e), blue(e)) == (["200"], ["1.1"], ["local 1.1"])
    e = edge(dot, tax, second)
    assert (plain(e), red(e), blue(e)) == (["1.1"], ["200"], ["local 200"])
    assert LEGEND in dot.source and BEFORE_BACKWARD_NOTE not in dot.source


def test_apple_and_tangerine_graph():
    apple = mg.tensor(100.0, requires_grad=True, name="apple")
    apple_n = mg.tensor(2.0, requires_grad=True, name="apple_n")
    tangerine = mg.tensor(150.0, requires_grad=True, name="tangerine")
    tangerine_n = mg.tensor(3.0, requires_grad=True, name="tangerine_n")
    tax = mg.tensor(1.1, requires_grad=True, name="tax")
    both = apple * apple_n + tangerine * tangerine_n
    both.name = "both"
    total = both * tax
    total.backward()
    dot = Dot(mg.draw_graph(total, infer_names=False).source)
    expected = {"apple": ("100", "2.2"), "apple_n": ("2", "110"), "tangerine": ("150", "3.3"),
                "tangerine_n": ("3", "165"), "tax": ("1.1", "650"), "both": ("650", "1.1")}
    for name, (value, grad) in expected.items():
        label = dot.label(dot.node_named(name))
        assert plain(label) == [value] and red(label) == [f"grad {grad}"], name
    b = dot.node_named("both")
    add = dot.producer_of(b)
    assert dot.label(add) == "+"
    # the add node passes the upstream gradient 1.1 unchanged to both products (local 1)
    products = sorted({s for s, d, _ in dot.edges if d == add})
    assert len(products) == 2
    values = []
    for p in products:
        e = edge(dot, p, add)
        assert red(e) == ["1.1"] and blue(e) == ["local 1"]
        values.append(plain(e)[0])
        assert red(dot.label(p)) == ["grad 1.1"]
    assert sorted(values) == ["200", "450"]
    e = edge(dot, dot.node_named("tangerine"), dot.consumer_of(dot.node_named("tangerine")))
    assert (red(e), blue(e)) == (["3.3"], ["local 3"])
    e = edge(dot, dot.node_named("tax"), dot.consumer_of(dot.node_named("tax")))
    assert (red(e), blue(e)) == (["650"], ["local 650"])
    roots = [k for k in dot.nodes if k.startswith("t") and plain(dot.label(k)) == ["715"]]
    assert len(roots) == 1 and red(dot.label(roots[0])) == ["grad 1"]
    assert dot.label(dot.producer_of(roots[0])) == "×"


def test_a_times_a_draws_two_edges_in_operand_order():
    a = mg.tensor(3.0, requires_grad=True, name="a")
    y = a * a
    y.backward()
    dot = Dot(mg.draw_graph(y, infer_names=False).source)
    src = dot.node_named("a")
    op = dot.consumer_of(src)
    edges = dot.edges_between(src, op)
    assert len(edges) == 2
    assert 'tooltip="input 0 of ×"' in edges[0] and 'tooltip="input 1 of ×"' in edges[1]
    for e in edges:
        assert red(edge_label(e)) == ["3"] and blue(edge_label(e)) == ["local 3"]
    assert red(dot.label(src)) == ["grad 6"]


def test_sub_labels_which_operand_is_which():
    a = mg.tensor(5.0, requires_grad=True, name="a")
    b = mg.tensor(2.0, requires_grad=True, name="b")
    for expr, first, second in ((lambda: a - b, "a", "b"), (lambda: b - a, "b", "a")):
        y = expr()
        dot = Dot(mg.draw_graph(y, infer_names=False).source)
        op = dot.consumer_of(dot.node_named("a"))
        assert dot.label(op) == "a − b"
        left = edge(dot, dot.node_named(first), op)
        right = edge(dot, dot.node_named(second), op)
        assert left.startswith("<I>a</I>") and right.startswith("<I>b</I>")
    y = a - b
    y.backward()
    dot = Dot(mg.draw_graph(y, infer_names=False).source)
    op = dot.consumer_of(dot.node_named("a"))
    assert blue(edge(dot, dot.node_named("a"), op)) == ["local 1"]
    assert blue(edge(dot, dot.node_named("b"), op)) == ["local -1"]
    assert red(dot.label(dot.node_named("b"))) == ["grad -1"]


@pytest.mark.parametrize("shape_a, shape_b, mark", [
    ((3, 4), (4,), "sum over dim 0"),
    ((3, 4), (1, 4), "sum over dim 0"),
    ((2, 3, 4), (3, 1), "sum over dims 0, 2"),
])
def test_broadcast_gradients_are_marked_on_the_edge(shape_a, shape_b, mark):
    a = mg.ones(shape_a, requires_grad=True)
    a.name = "a"
    b = mg.tensor(np.arange(np.prod(shape_b), dtype=np.float32).reshape(shape_b), requires_grad=True)
    b.name = "b"
    y = (a * b).sum()
    y.backward()
    dot = Dot(mg.draw_graph(y, infer_names=False).source)
    op = dot.consumer_of(dot.node_named("b"))
    e = edge(dot, dot.node_named("b"), op)
    assert mark in red(e)
    ea = edge(dot, dot.node_named("a"), op)
    assert not any(r.startswith("sum over") for r in red(ea))
    np.testing.assert_allclose(b.grad.numpy(), np.full(shape_b, np.prod(shape_a) / np.prod(shape_b)))


def test_before_backward_shows_values_and_the_note_only():
    total, _ = apple_graph(backward=False)
    src = mg.draw_graph(total, infer_names=False).source
    assert BEFORE_BACKWARD_NOTE in src and "gradients appear after backward()" in src
    assert "grad " not in src and "local" not in src
    assert "220" in src and "100" in src
    total.backward()
    after = mg.draw_graph(total, infer_names=False).source
    assert BEFORE_BACKWARD_NOTE not in after and "grad 2.2" in after


def test_dot_source_is_deterministic_and_independent_of_object_ids():
    sources = [mg.draw_graph(apple_graph()[0], infer_names=False).source for _ in range(3)]
    assert sources[0] == sources[1] == sources[2]
    # node ids come from the traversal order
    dot = Dot(sources[0])
    assert sorted(dot.nodes) == ["f0", "f1", "t0", "t1", "t2", "t3", "t4"]
    assert dot.node_named("apple") == "t0" and dot.node_named("total") == "t4"


def test_intermediate_gradients_need_no_retain_grad_and_drawing_changes_nothing():
    mg.manual_seed(3)
    state = mg.get_rng_state()
    total, (apple, n, tax, price) = apple_graph()
    grads = [t.grad.numpy().copy() for t in (apple, n, tax)]
    src = mg.draw_graph(total, infer_names=False).source
    assert "grad 1.1" in src  # price, an intermediate
    assert price.grad is None
    for t, g in zip((apple, n, tax), grads):
        np.testing.assert_array_equal(t.grad.numpy(), g)
    assert mg.rand(3).tolist() == (mg.set_rng_state(state), mg.rand(3).tolist())[1]


def test_constants_are_small_nodes_and_names_come_from_variables():
    a = mg.tensor(3.0, requires_grad=True)
    doubled = a * 2.0
    y = doubled + 1
    y.backward()
    dot = Dot(mg.draw_graph(y).source)
    consts = [k for k in dot.nodes if k.startswith("c")]
    assert len(consts) == 2
    assert sorted(dot.label(c) for c in consts) == ["1", "2"]
    assert all("shape=plaintext" in dot.nodes[c] for c in consts)
    assert dot.node_named("a") and dot.node_named("doubled") and dot.node_named("y")
    e = edge(dot, dot.node_named("a"), dot.consumer_of(dot.node_named("a")))
    assert red(e) == ["2"] and blue(e) == ["local 2"]


def test_small_and_large_tensors():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, name="x")
    big = mg.tensor(np.linspace(0, 2, 100, dtype=np.float64).reshape(10, 10), requires_grad=True, name="big")
    y = (x.sum() * big).sum()
    y.backward()
    src = mg.draw_graph(y, infer_names=False).source
    dot = Dot(src)
    assert plain(dot.label(dot.node_named("x"))) == ["[[1, 2], [3, 4]]"]
    assert red(dot.label(dot.node_named("x"))) == ["grad [[100, 100], [100, 100]]"]
    big_label = plain(dot.label(dot.node_named("big")))
    assert big_label == ["(10, 10) float64", "min 0 · mean 1 · max 2"]
    assert red(dot.label(dot.node_named("big"))) == ["grad min 10 · mean 10 · max 10"]


def test_options_and_the_tensor_method():
    total, _ = apple_graph()
    assert total.draw_graph(infer_names=False).source == mg.draw_graph(total, infer_names=False).source
    no_local = mg.draw_graph(total, show_local_grads=False, infer_names=False).source
    assert "local" not in no_local and "2.2" in no_local
    no_grads = mg.draw_graph(total, show_grads=False, infer_names=False).source
    assert "grad " not in no_grads and BEFORE_BACKWARD_NOTE not in no_grads
    no_values = Dot(mg.draw_graph(total, show_values=False, infer_names=False).source)
    assert plain(no_values.label(no_values.node_named("apple"))) == []
    assert "rankdir=TB" in mg.draw_graph(total, rankdir="TB").source
    with pytest.raises(ValueError, match="rankdir"):
        mg.draw_graph(total, rankdir="XY")
    with pytest.raises(TypeError, match="Tensor"):
        mg.draw_graph(3.0)


def test_non_scalar_root_takes_a_seed_and_leaf_root_is_one_box():
    x = mg.tensor([1.0, 2.0], requires_grad=True, name="x")
    y = x * 3.0
    dot = Dot(mg.draw_graph(y, gradient=mg.tensor([1.0, 10.0]), infer_names=False).source)
    assert red(dot.label(dot.node_named("x"))) == ["grad [3, 30]"]
    leaf = Dot(mg.draw_graph(mg.tensor(5.0, name="five")).source)
    assert list(leaf.nodes) == ["t0"] and plain(leaf.label("t0")) == ["5"]


def test_matmul_sigmoid_and_custom_function_labels():
    class Square(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    w = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, name="w")
    v = mg.tensor([1.0, -1.0], requires_grad=True, name="v")
    y = Square.apply((w @ v).sigmoid()).sum()
    y.backward()
    dot = Dot(mg.draw_graph(y, infer_names=False).source)
    labels = [dot.label(k) for k in dot.nodes if k.startswith("f")]
    assert labels[0] == "matmul" and labels[1] == "sigmoid" and labels[2] == "Square"
    assert labels[3].startswith("sum")
    # the recomputed gradient of w equals what backward stored (custom Function recomputed too)
    assert red(dot.label(dot.node_named("w")))[0] == "grad " + mg.viz.labels.format_array(w.grad.numpy())
    mm = [k for k in dot.nodes if dot.nodes[k].startswith("label=<matmul")][0]
    assert edge(dot, dot.node_named("w"), mm).startswith("<I>a</I>")
    assert edge(dot, dot.node_named("v"), mm).startswith("<I>b</I>")
    assert blue(edge(dot, dot.node_named("w"), mm)) == []  # no local derivative for matmul


def test_a_grad_accumulated_over_several_backward_calls_is_shown_next_to_this_graphs_gradient():
    a = mg.tensor(2.0, requires_grad=True, name="a")
    y = a * a
    y.backward(retain_graph=True)
    y.backward()
    label = Dot(mg.draw_graph(y, infer_names=False).source).node_named("a")
    rows = red(Dot(mg.draw_graph(y, infer_names=False).source).label(label))
    assert rows == ["grad 4", ".grad holds 8 (several backward calls)"]


def test_names_cannot_break_the_dot_source():
    a = mg.tensor(1.0, requires_grad=True, name='x"] evil [label="<b>&')
    y = a * 2.0
    y.backward()
    src = mg.draw_graph(y, infer_names=False).source
    assert "<B>x&quot;] evil [label=&quot;&lt;b&gt;&amp;</B>" in src
    assert src.count("evil") == 1


def test_large_graphs_suggest_collapsing():
    x = mg.tensor(0.5, requires_grad=True)
    y = x
    for _ in range(260):
        y = (y * 0.5).tanh()
    src = mg.draw_graph(y, infer_names=False).source
    assert "520 ops: draw_graph(..., collapse_modules=True)" in src
