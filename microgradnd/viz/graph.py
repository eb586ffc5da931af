"""``draw_graph``: the computational graph as a ``graphviz.Digraph``, drawn like the apple slides.

Tensors are boxes (name, value, gradient); ops are round nodes (``×``, ``+``, ``sigmoid``, ``matmul``);
each input edge carries, in operand order, the forward value above and, after ``backward()``, the
gradient that flowed back along it below in red, plus the local derivative d(out)/d(in) in blue for
elementwise and scalar ops. Gradients are recomputed from the graph (``trace.py``), so intermediate
results show theirs without ``retain_grad()``. Node ids come from the traversal order, so the same
expression always gives the same DOT text.
"""
from __future__ import annotations

import html

import numpy as np

from ..tensor import Tensor
from . import labels
from .names import display_name, op_details, op_name, operand_role, resolve_names
from .render import Digraph
from .trace import BackwardWalk, Graph, tensor_key

GRAD_COLOR = "#d62728"
LOCAL_COLOR = "#1f77b4"
HIGHLIGHT_COLOR = "#ff7f0e"
BEFORE_BACKWARD_NOTE = "values only: gradients appear after backward()"
SPLIT_OPS = 40
LARGE_GRAPH = 500
SPLIT_USES = 2
LEGEND = "black: forward value · red: gradient flowing back · blue: local derivative d(out)/d(in)"


def draw_graph(root, *, show_values=True, show_grads=True, show_local_grads=True, rankdir="LR",
               max_values=6, collapse_modules=False, names=None, infer_names=True, gradient=None):
    """Draw the graph that produced ``root`` and return a ``graphviz.Digraph`` (``.source`` is the DOT
    text; ``.render('apple', format='svg')`` or ``mg.viz.render(g, 'apple.svg')`` needs the ``dot``
    binary).

    - ``show_values`` / ``show_grads`` / ``show_local_grads``: forward values, gradients (shown once
      ``backward()`` has run: recomputed, so intermediates need no ``retain_grad()``), and the local
      derivative d(out)/d(in) on the edges of elementwise and scalar ops.
    - ``max_values``: tensors with at most this many elements show their values; larger ones show
      shape, dtype and min/mean/max.
    - ``collapse_modules``: draw each ``nn.Module`` call (of a module without submodules) as one node.
    - ``names``: extra names, ``{"price": t}``; ``infer_names``: also name tensors after the caller's
      local variables. ``gradient``: the seed d(root) for a non-scalar root (default ones).
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"draw_graph: expected a microgradnd Tensor, got {type(root).__name__}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_graph: rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    names = resolve_names(names, infer_names)
    graph = Graph(root)
    with_grads = bool(show_grads) and (graph.backward_ran() or gradient is not None)
    module_names = None
    if collapse_modules and infer_names:
        from .modules import caller_module_names
        from .names import caller_items

        module_names = caller_module_names(caller_items())
    drawer = Drawer(graph, names, show_values=show_values, show_grads=show_grads,
                    show_local_grads=show_local_grads, rankdir=rankdir, max_values=max_values,
                    collapse_modules=collapse_modules, module_names=module_names)
    flows = None
    if with_grads:
        walk = BackwardWalk(root, gradient, local=show_local_grads, graph=graph).run()
        flows = Flows(walk.grads, {id(f.node): f for f in walk.steps})
    note = None
    if show_grads and not with_grads and graph.order:
        note = BEFORE_BACKWARD_NOTE
    return drawer.draw(flows, note=note)


class Flows:
    """Gradients to show: ``grads`` (tensor_key -> array) and ``nodes`` (id(node) -> NodeFlow)."""

    def __init__(self, grads, nodes):
        self.grads, self.nodes = grads, nodes


class Drawer:
    """Builds the Digraph; ``draw`` may be called several times (the stepper draws one per step)."""

    def __init__(self, graph, names, show_values=True, show_grads=True, show_local_grads=True,
                 rankdir="LR", max_values=6, collapse_modules=False, module_names=None):
        self.graph = graph
        self.names = names
        self.show_values = show_values
        self.show_grads = show_grads
        self.show_local = show_local_grads
        self.rankdir = rankdir
        self.max_values = max_values
        self.groups = None
        if collapse_modules:
            from .modules import module_groups

            self.groups = module_groups(graph, collapse_modules, module_names)
        self._assign_ids()
        self.shared = self._shared_leaves()

    def _shared_leaves(self):
        """``{key: uses}`` of leaves drawn once per use: in graphs of more than ``SPLIT_OPS`` ops, the
        leaves used by more than ``SPLIT_USES`` ops (long edges from one box to everywhere are what make
        dot's layout slow)."""
        if len(self.graph.order) <= SPLIT_OPS:
            return {}
        uses = {}
        hidden = self.groups.hidden if self.groups is not None else ()
        for node in self.graph.order:
            if id(node) in hidden:
                continue
            for x in node.inputs:
                if isinstance(x, Tensor) and x.grad_fn is None:
                    key = tensor_key(x)
                    uses[key] = uses.get(key, 0) + 1
        return {k: n for k, n in uses.items() if n > SPLIT_USES}

    # -- ids: from the traversal order, never from id() ------------------------------------------------
    def _assign_ids(self):
        tensor_ids, op_ids, const_ids = {}, {}, {}
        nt = nf = nc = 0
        for node in self.graph.order:
            for i, x in enumerate(node.inputs):
                if isinstance(x, Tensor):
                    key = tensor_key(x)
                    if key not in tensor_ids:
                        tensor_ids[key] = f"t{nt}"
                        nt += 1
                else:
                    const_ids[(id(node), i)] = f"c{nc}"
                    nc += 1
            op_ids[id(node)] = f"f{nf}"
            nf += 1
            key = ("n", id(node))
            if key not in tensor_ids:
                tensor_ids[key] = f"t{nt}"
                nt += 1
        root_key = tensor_key(self.graph.root)
        if root_key not in tensor_ids:
            tensor_ids[root_key] = f"t{nt}"
        self.tensor_ids, self.op_ids, self.const_ids = tensor_ids, op_ids, const_ids

    # -- the drawing ------------------------------------------------------------------------------------
    def draw(self, flows=None, note=None, highlight=None, done=None):
        """The Digraph with ``flows`` (None: values only); ``highlight``: a node to mark (the stepper);
        ``done``: ids of nodes whose backward has run (edges of the others show no gradient yet)."""
        g = Digraph(name="microgradnd", graph_attr={
            "rankdir": self.rankdir, "fontname": "Helvetica", "fontsize": "11", "nodesep": "0.3",
            "ranksep": "0.45", "labelloc": "b",
        }, node_attr={"fontname": "Helvetica", "fontsize": "11"},
            edge_attr={"fontname": "Helvetica", "fontsize": "10", "arrowsize": "0.7"})
        graph = self.graph
        drawn, copies = set(), {}
        groups = self.groups
        hidden = groups.hidden if groups is not None else set()
        for node in graph.order:
            if id(node) in hidden:
                group = groups.by_node[id(node)]
                if group.output_node is node:
                    self._draw_group(g, group, flows, done, drawn)
                continue
            sources = []
            for i, x in enumerate(node.inputs):
                if isinstance(x, Tensor):
                    key = tensor_key(x)
                    if key in self.shared:
                        # a leaf used all over a large graph: one copy per use keeps dot fast
                        copies[key] = copies.get(key, 0) + 1
                        src = f"{self.tensor_ids[key]}_{copies[key]}"
                        self._draw_tensor(g, x, flows, src, copy=self.shared[key])
                        sources.append(src)
                        continue
                    if key not in drawn:
                        drawn.add(key)
                        self._draw_tensor(g, x, flows)
                    sources.append(self.tensor_ids[key])
                else:
                    src = self.const_ids[(id(node), i)]
                    g.node(src, label=html.escape(labels.format_number(x)
                           if np.ndim(x) == 0 else labels.format_array(x, self.max_values)),
                           shape="plaintext", fontsize="10", fontcolor="#555555")
                    sources.append(src)
            self._draw_op(g, node, flows, highlight is node, done, sources)
            out = graph.output_of(node)
            key = tensor_key(out)
            if key not in drawn:
                drawn.add(key)
                self._draw_tensor(g, out, flows)
            g.edge(self.op_ids[id(node)], self.tensor_ids[key])
        if graph.root.grad_fn is None:
            self._draw_tensor(g, graph.root, flows)
        text = [note] if note else []
        if len(graph.order) > LARGE_GRAPH and self.groups is None:
            text.append(f"{len(graph.order)} ops: draw_graph(..., collapse_modules=True) draws one box per module call")
        if flows is not None:
            text.append(LEGEND if self.show_local else LEGEND.rsplit(" · ", 1)[0])
        if text:
            g.attr(label="\n".join(text))
        return g

    def _draw_tensor(self, g, t, flows, dot_id=None, copy=0):
        key = tensor_key(t)
        rows = []
        name = display_name(t, self.names)
        if name:
            rows.append(f"<B>{html.escape(name)}</B>")
        if self.show_values:
            rows.extend(self._value_rows(t._data))
        elif t.ndim:
            rows.append(html.escape(labels.shape_text(t.shape)))
        if flows is not None and t._rg:
            grad = flows.grads.get(key)
            if grad is not None:
                if np.size(grad) <= self.max_values:
                    rows.append(_font(GRAD_COLOR, "grad " + self._values_inline(grad)))
                else:
                    rows.append(_font(GRAD_COLOR, "grad " + html.escape(labels.stats_text(grad))))
                stored = t.grad
                if (t.grad_fn is None and stored is not None and stored.shape == grad.shape
                        and not np.allclose(stored._data, grad, rtol=1e-5, atol=1e-8)):
                    rows.append(_font(GRAD_COLOR, ".grad holds " + self._values_inline(stored._data)
                                      + " (several backward calls)"))
        if not rows:
            rows.append(html.escape(labels.shape_text(t.shape)))
        style = "rounded,filled"
        if t.grad_fn is None:
            fill = "#dbe9f6" if t._rg else "#eeeeee"
        else:
            fill = "#ffffff"
        attrs = {"shape": "box", "style": style, "fillcolor": fill}
        if t is self.graph.root:
            attrs["penwidth"] = "2"
        if copy:
            attrs.update(style="rounded,filled,dashed", tooltip=f"one of {copy} copies of the same tensor")
        g.node(dot_id or self.tensor_ids[key], label="<" + "<BR/>".join(rows) + ">", **attrs)

    def _value_rows(self, array):
        a = np.asarray(array)
        if a.size <= self.max_values:
            return [html.escape(labels.format_array(a, self.max_values))]
        head, _, stats = labels.summary(a).partition(" · ")
        return [html.escape(head), html.escape(stats)] if stats else [html.escape(head)]

    def _values_inline(self, array):
        return html.escape(labels.format_array(array, self.max_values))

    def _draw_op(self, g, node, flows, highlighted, done, sources):
        label = html.escape(op_name(node))
        details = op_details(node)
        if details:
            label += '<BR/><FONT POINT-SIZE="9">' + html.escape(", ".join(details)) + "</FONT>"
        short = len(op_name(node)) <= 2
        attrs = {"shape": "circle" if short and not details else "ellipse", "style": "filled",
                 "fillcolor": "#fff3c4"}
        if highlighted:
            attrs.update(fillcolor=HIGHLIGHT_COLOR, penwidth="3", color="#b35900")
        op_id = self.op_ids[id(node)]
        g.node(op_id, label="<" + label + ">", **attrs)
        flow = None
        if flows is not None and (done is None or id(node) in done):
            flow = flows.nodes.get(id(node))
        for i, x in enumerate(node.inputs):
            edge = flow.edges[i] if flow is not None else None
            rows = []
            role = operand_role(node, i)
            if role:
                rows.append(f"<I>{html.escape(role)}</I>")
            if isinstance(x, Tensor) and self.show_values:
                # a number on the edge, as on the slides; an array is in its box, the edge gives its shape
                rows.append(self._edge_value(x._data) if x._data.size == 1 else labels.shape_text(x.shape))
            if edge is not None and edge.flowing is not None:
                rows.append(_font(GRAD_COLOR, self._edge_value(edge.flowing)))
                if edge.summed:
                    rows.append(_font(GRAD_COLOR, html.escape(labels.axes_text(edge.summed))))
            if self.show_local and edge is not None and edge.local is not None and edge.flowing is not None:
                rows.append(_font(LOCAL_COLOR, "local " + self._edge_value(edge.local)))
            attrs = {"tooltip": f"input {i} of {op_name(node)}"}
            if rows:
                attrs["label"] = "<" + "<BR/>".join(rows) + ">"
            g.edge(sources[i], op_id, **attrs)

    def _edge_value(self, array):
        a = np.asarray(array)
        if a.size <= self.max_values:
            return html.escape(labels.format_array(a, self.max_values))
        return html.escape(labels.shape_text(a.shape))

    def _draw_group(self, g, group, flows, done, drawn):
        """One box for a collapsed module call; the tensors it reads from outside point into it."""
        gid = group.dot_id
        rows = [f"<B>{html.escape(group.title)}</B>"]
        for pname, p in group.parameters:
            line = html.escape(f"{pname} {labels.shape_text(p.shape)}")
            grad = None if flows is None else flows.grads.get(tensor_key(p))
            if grad is not None:
                norm = float(np.sqrt(np.sum(np.square(grad, dtype=np.float64))))
                line += " " + _font(GRAD_COLOR, "‖grad‖ " + html.escape(labels.format_short(norm)))
            rows.append(line)
        rows.append(f'<FONT POINT-SIZE="9">{group.op_count} op{"s" if group.op_count != 1 else ""}</FONT>')
        inside = ", ".join(dict.fromkeys(op_name(n) for n in group.nodes))
        g.node(gid, label="<" + "<BR/>".join(rows) + ">", shape="box3d", style="filled", fillcolor="#e8f4e8",
               tooltip=f"{group.title}: {inside} (draw without collapse_modules to expand)")
        # what flowed from the call back into each outside input: the sum over the call's edges from it
        into = {}
        if flows is not None:
            for n in group.nodes:
                flow = flows.nodes.get(id(n)) if (done is None or id(n) in done) else None
                if flow is None:
                    continue
                for e in flow.edges:
                    if isinstance(e.source, Tensor) and e.grad is not None:
                        k = tensor_key(e.source)
                        into[k] = e.grad if k not in into else into[k] + e.grad
        for x in group.inputs:
            key = tensor_key(x)
            if key not in drawn:
                drawn.add(key)
                self._draw_tensor(g, x, flows)
            rows = []
            if self.show_values:
                rows.append(self._edge_value(x._data) if x._data.size == 1 else labels.shape_text(x.shape))
            if key in into:
                rows.append(_font(GRAD_COLOR, self._edge_value(into[key])))
            attrs = {"label": "<" + "<BR/>".join(rows) + ">"} if rows else {}
            g.edge(self.tensor_ids[key], gid, **attrs)
        out = self.graph.output_of(group.output_node)
        key = tensor_key(out)
        if key not in drawn:
            drawn.add(key)
            self._draw_tensor(g, out, flows)
        g.edge(gid, self.tensor_ids[key])


def _font(color, text):
    return f'<FONT COLOR="{color}">{text}</FONT>'
