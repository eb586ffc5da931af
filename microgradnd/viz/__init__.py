"""``mg.viz``: see the graph.

- ``draw_graph(root, ...)`` -> ``graphviz.Digraph``: tensors as boxes (name, value, gradient), ops as
  round nodes, edges with the forward value, the gradient that flowed back and the local derivative;
- ``explain(output, wrt)`` -> the chain-rule derivation with numbers, as the course writes it;
- ``backward_steps(output)`` yields each step of the backward pass; ``backward_animation(output,
  "steps.html")`` writes a self-contained page that steps through it;
- ``render(graph, "g.svg")`` writes svg/png/pdf (needs Graphviz's ``dot``) or DOT text.
"""
from __future__ import annotations

from .animation import backward_animation
from .explain import explain
from .graph import draw_graph
from .render import DotNotFoundError, render, to_svg
from .stepper import BackwardStep, backward_steps

__all__ = [
    "BackwardStep", "DotNotFoundError", "backward_animation", "backward_steps", "draw_graph", "explain",
    "render", "to_svg",
]
