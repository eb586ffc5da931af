"""§2 Computational graphs and the chain rule: the apple and apple + tangerine slides.

Forward values flow left to right; backward, each node multiplies the upstream gradient by its local
derivative: an add node passes it through unchanged, a multiply node sends upstream x (the other
input). ``mg.draw_graph`` draws it like the slides (values above each edge, gradients below) and
``mg.explain`` writes the chain rule with the numbers.

    python examples/02_computational_graph.py [--out DIR] [--quick]
"""
import _common

import microgradnd as mg


def leaf(value, name):
    return mg.tensor(value, dtype=mg.float64, requires_grad=True, name=name)


def apples():
    apple, count, tax = leaf(100.0, "apple"), leaf(2.0, "apple_count"), leaf(1.1, "tax")
    apple_price = apple * count
    total = apple_price * tax
    apple_price.name, total.name = "apple_price", "total"  # names for the drawing and the explanation
    total.backward()
    return total, {"apple": apple, "apple_count": count, "tax": tax}


def apples_and_tangerines():
    apple, apple_count = leaf(100.0, "apple"), leaf(2.0, "apple_count")
    tangerine, tangerine_count = leaf(150.0, "tangerine"), leaf(3.0, "tangerine_count")
    tax = leaf(1.1, "tax")
    apple_price = apple * apple_count
    tangerine_price = tangerine * tangerine_count
    before_tax = apple_price + tangerine_price
    total = before_tax * tax
    for t, name in ((apple_price, "apple_price"), (tangerine_price, "tangerine_price"),
                    (before_tax, "before_tax"), (total, "total")):
        t.name = name
    total.backward()
    leaves = {"apple": apple, "apple_count": apple_count, "tangerine": tangerine,
              "tangerine_count": tangerine_count, "tax": tax}
    return total, leaves


def report(title, total, leaves, out, stem):
    _common.heading(title)
    print(f"forward: total = {total.item():.1f}")
    for name, t in leaves.items():
        print(f"d(total)/d({name}) = {t.grad.item():.1f}")
    print(mg.explain(total, leaves["apple"]))
    _common.save_graph(mg.draw_graph(total), out, stem)


def main(argv=None):
    args = _common.setup(__file__, __doc__.splitlines()[0], argv)
    total, leaves = apples()
    report("apples: 100 x 2 x 1.1", total, leaves, args.out, "apple")
    total, leaves = apples_and_tangerines()
    report("apples and tangerines: (100 x 2 + 150 x 3) x 1.1", total, leaves, args.out, "apple_tangerine")

    _common.heading("the local rules")
    a, b = leaf(3.0, "a"), leaf(5.0, "b")
    (a + b).backward()
    print(f"add:      d(a + b)/da = {a.grad.item():.0f}, d(a + b)/db = {b.grad.item():.0f}"
          "   (passes the gradient through)")
    a, b = leaf(3.0, "a"), leaf(5.0, "b")
    (a * b).backward()
    print(f"multiply: d(a * b)/da = {a.grad.item():.0f} (= b), d(a * b)/db = {b.grad.item():.0f} (= a)"
          "   (swaps the inputs)")


if __name__ == "__main__":
    main()
