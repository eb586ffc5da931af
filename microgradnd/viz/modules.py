"""``draw_graph(collapse_modules=True)``: each ``nn.Module`` call drawn as one box.

``nn.Module.__call__`` notes on its output's node which module made it and from which input tensors
(``node.module_calls``). A call's nodes are those reachable from its output node without crossing
its inputs; the module's own parameters are folded into the box (listed with their shapes and, after
backward, their gradient norms), other leaves stay outside.
"""
from __future__ import annotations

from ..tensor import Tensor


class ModuleGroup:
    """One collapsed module call: its nodes, parameters, outside inputs and output node."""

    def __init__(self, dot_id, module, title, nodes, parameters, inputs, output_node):
        self.dot_id, self.module, self.title = dot_id, module, title
        self.nodes, self.parameters, self.inputs, self.output_node = nodes, parameters, inputs, output_node

    @property
    def op_count(self):
        return len(self.nodes)


class ModuleGroups:
    def __init__(self, groups):
        self.groups = groups
        self.by_node = {id(n): g for g in groups for n in g.nodes}
        self.hidden = set(self.by_node)


def _wants(module, collapse):
    """Which calls collapse: True -> modules without submodules; a class or tuple of classes -> those."""
    if collapse is True:
        return not any(True for _ in module.children())
    if isinstance(collapse, type) or (isinstance(collapse, tuple) and all(isinstance(c, type) for c in collapse)):
        return isinstance(module, collapse)
    raise TypeError("collapse_modules must be True/False or an nn.Module class (or a tuple of classes)")


def module_title(module, qualified=None):
    """``fc1: Linear(2, 4)``-style title: the module's name where known, its class and its extra_repr."""
    extra = ""
    try:
        extra = module.extra_repr()
    except Exception:  # a user module with a broken extra_repr still gets drawn
        extra = ""
    text = f"{type(module).__name__}({extra})"
    if len(text) > 48:
        text = type(module).__name__
    return f"{qualified}: {text}" if qualified else text


def caller_module_names(frame_names):
    """``{id(module): 'model.0'}`` for the modules reachable from the caller's variables."""
    out = {}
    for name, value in frame_names:
        named = getattr(value, "named_modules", None)
        if named is None or not callable(named):
            continue
        try:
            for sub, m in named(prefix=name):
                out.setdefault(id(m), sub)
        except TypeError:
            continue
    return out


def module_groups(graph, collapse, module_names=None):
    """The ``ModuleGroups`` of ``graph`` for ``collapse`` (see ``_wants``)."""
    module_names = module_names or {}
    groups, claimed = [], set()
    for node in reversed(graph.order):  # outermost calls first: later nodes are closer to the root
        for module, inputs in node.__dict__.get("module_calls", ()):
            if not _wants(module, collapse):
                continue
            nodes = _call_nodes(node, inputs)
            if any(id(n) in claimed for n in nodes):
                continue
            claimed.update(id(n) for n in nodes)
            params = {id(p): (name, p) for name, p in module.named_parameters()}
            inside = {id(n) for n in nodes}
            parameters, outside, seen = [], [], set()
            for n in sorted(nodes, key=lambda n: graph.position[id(n)]):
                for x in n.inputs:
                    if not isinstance(x, Tensor) or id(x) in seen:
                        continue
                    if x.grad_fn is not None and id(x.grad_fn) in inside:
                        continue
                    seen.add(id(x))
                    if x.grad_fn is None and id(x) in params:
                        parameters.append(params[id(x)])
                    else:
                        outside.append(x)
            ordered = sorted(nodes, key=lambda n: graph.position[id(n)])
            groups.append(ModuleGroup(None, module, module_title(module, module_names.get(id(module))),
                                      ordered, parameters, outside, node))
            break
    groups.sort(key=lambda g: graph.position[id(g.output_node)])
    for i, g in enumerate(groups):
        g.dot_id = f"m{i}"
    return ModuleGroups(groups)


def _call_nodes(output_node, inputs):
    """Nodes reachable from ``output_node`` without crossing the call's input tensors."""
    stop = {id(t.grad_fn) for t in inputs if t.grad_fn is not None}
    nodes, seen, stack = [], {id(output_node)}, [output_node]
    while stack:
        n = stack.pop()
        nodes.append(n)
        for x in n.inputs:
            if isinstance(x, Tensor) and x.grad_fn is not None:
                child = x.grad_fn
                if id(child) not in seen and id(child) not in stop:
                    seen.add(id(child))
                    stack.append(child)
    return nodes
