"""Rendering drawings to SVG/PNG/PDF with Graphviz's ``dot`` binary, and a helpful error without it.

The DOT text never needs the binary (``graph.source``, ``render(graph, "g.dot")``); pictures do. When
``dot`` is missing, ``DotNotFoundError`` says how to install it and carries the DOT source.
"""
from __future__ import annotations

import os

import graphviz

FORMATS = ("svg", "png", "pdf", "dot")

INSTALL_HINT = (
    "the Graphviz 'dot' program is needed to render drawings to svg/png/pdf, and it was not found on "
    "PATH. Install it with one of:\n"
    "    sudo apt-get install graphviz      (Debian/Ubuntu)\n"
    "    brew install graphviz              (macOS)\n"
    "    conda install graphviz             (conda)\n"
    "    https://graphviz.org/download/     (Windows and others)\n"
    "The DOT source is still available: graph.source, or save it with mg.viz.render(graph, 'g.dot')."
)


class DotNotFoundError(graphviz.ExecutableNotFound):
    """``dot`` is not installed; ``.source`` holds the DOT text that could not be rendered."""

    def __init__(self, source=""):
        RuntimeError.__init__(self, INSTALL_HINT)
        self.source = source


class Digraph(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose rendering errors explain how to install ``dot``."""

    def pipe(self, *args, **kwargs):
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.ExecutableNotFound:
            raise DotNotFoundError(self.source) from None

    def render(self, *args, **kwargs):
        try:
            return super().render(*args, **kwargs)
        except graphviz.ExecutableNotFound:
            raise DotNotFoundError(self.source) from None


def format_of(path, format=None) -> str:
    """The output format: ``format`` if given, else the file's suffix (``.gv`` counts as dot)."""
    if format is None:
        suffix = os.path.splitext(str(path))[1].lower().lstrip(".")
        format = {"gv": "dot", "": "svg"}.get(suffix, suffix)
    format = format.lower()
    if format not in FORMATS:
        raise ValueError(f"render: format must be one of {', '.join(FORMATS)}, got {format!r}")
    return format


def render(graph, path, format=None) -> str:
    """Write ``graph`` to ``path`` as svg/png/pdf (via ``dot``) or as DOT text; return the path."""
    format = format_of(path, format)
    path = os.fspath(path)
    if format == "dot":
        with open(path, "w", encoding="utf-8") as f:
            f.write(graph.source)
        return path
    data = pipe(graph, format)
    with open(path, "wb") as f:
        f.write(data)
    return path


def pipe(graph, format="svg") -> bytes:
    """The rendered bytes of ``graph``; ``DotNotFoundError`` when ``dot`` is missing."""
    try:
        return graphviz.Digraph.pipe(graph, format=format)
    except graphviz.ExecutableNotFound:
        raise DotNotFoundError(graph.source) from None


def to_svg(graph) -> str:
    """The SVG text of ``graph`` without the XML prologue (ready to inline in HTML)."""
    svg = pipe(graph, "svg").decode("utf-8")
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg
