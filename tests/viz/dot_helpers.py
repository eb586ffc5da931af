"""Reading a draw_graph DOT source back: nodes by id, edges in order, and the coloured parts of labels."""
from __future__ import annotations

import re

from microgradnd.viz.graph import GRAD_COLOR, LOCAL_COLOR

_NODE = re.compile(r"^\s*(\w+) \[(.*)\]$")
_EDGE = re.compile(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?$")
_LABEL = re.compile(r"label=<(.*)>(?: |$)")


class Dot:
    def __init__(self, source):
        self.source = source
        self.nodes = {}
        self.edges = []  # (src, dst, attrs)
        for line in source.splitlines():
            m = _EDGE.match(line)
            if m:
                self.edges.append((m.group(1), m.group(2), m.group(3) or ""))
                continue
            m = _NODE.match(line)
            if m and m.group(1) not in ("graph", "node", "edge"):
                self.nodes[m.group(1)] = m.group(2)

    def node_named(self, name):
        """The id of the tensor box whose bold name is ``name``."""
        found = [k for k, attrs in self.nodes.items() if f"<B>{name}</B>" in attrs]
        assert len(found) == 1, f"{len(found)} nodes named {name!r} in\n{self.source}"
        return found[0]

    def label(self, node_id):
        m = _LABEL.search(self.nodes[node_id])
        return m.group(1) if m else re.search(r"label=(\S+)", self.nodes[node_id]).group(1)

    def edges_between(self, src, dst):
        return [attrs for s, d, attrs in self.edges if s == src and d == dst]

    def consumer_of(self, src):
        """The op a tensor box feeds (exactly one)."""
        dsts = sorted({d for s, d, _ in self.edges if s == src})
        assert len(dsts) == 1, dsts
        return dsts[0]

    def producer_of(self, dst):
        srcs = [s for s, d, _ in self.edges if d == dst]
        assert len(srcs) == 1, srcs
        return srcs[0]


def plain(label):
    """The black (forward) text rows of a label."""
    rows = label.split("<BR/>")
    return [r for r in rows if not r.startswith("<FONT") and not r.startswith("<I>") and not r.startswith("<B>")]


def red(label):
    return re.findall(rf'<FONT COLOR="{GRAD_COLOR}">(.*?)</FONT>', label)


def blue(label):
    return re.findall(rf'<FONT COLOR="{LOCAL_COLOR}">(.*?)</FONT>', label)


def edge_label(attrs):
    m = _LABEL.search(attrs)
    return m.group(1) if m else ""
