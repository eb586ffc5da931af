"""``backward_animation(output, "steps.html")``: one self-contained HTML page that steps through the
backward pass frame by frame (Previous/Next buttons, arrow keys), highlighting the node being processed.

Frame 0 is the forward pass (values only); frame k shows the graph after the engine's k-th node, with
the gradients that have arrived so far. Every frame is a ``draw_graph`` drawing rendered to inline SVG
by ``dot``: the page needs no network and no other file.
"""
from __future__ import annotations

import html
import os

from .graph import Drawer, Flows
from .names import resolve_names
from .render import to_svg
from .stepper import _steps, check_output
from .trace import Graph

_STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; margin: 0 0 .6em 0; }
#controls { margin: .5em 0 1em 0; }
#controls button { font-size: 1em; padding: .3em 1em; margin-right: .5em; }
#counter { font-weight: bold; margin: 0 .8em; }
.frame { display: none; }
.frame.current { display: block; }
.caption { background: #f6f6f6; border-left: 4px solid #ff7f0e; padding: .6em 1em; white-space: pre-wrap;
           font-family: Menlo, Consolas, monospace; font-size: .9em; }
.hint { color: #777; font-size: .85em; }
"""

_SCRIPT = """
(function () {
  var frames = document.querySelectorAll('.frame');
  var counter = document.getElementById('counter');
  var current = 0;
  function show(k) {
    if (k < 0 || k >= frames.length) { return; }
    frames[current].classList.remove('current');
    current = k;
    frames[current].classList.add('current');
    counter.textContent = 'frame ' + (current + 1) + ' / ' + frames.length;
    document.getElementById('prev').disabled = current === 0;
    document.getElementById('next').disabled = current === frames.length - 1;
  }
  document.getElementById('prev').addEventListener('click', function () { show(current - 1); });
  document.getElementById('next').addEventListener('click', function () { show(current + 1); });
  document.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown' || e.key === ' ') { show(current + 1); e.preventDefault(); }
    if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') { show(current - 1); e.preventDefault(); }
    if (e.key === 'Home') { show(0); }
    if (e.key === 'End') { show(frames.length - 1); }
  });
  show(0);
})();
"""


def backward_frames(output, gradient=None, names=None, infer_names=True, max_frames=80, **draw_options):
    """``[(caption, Digraph), ...]``: the forward drawing, then one drawing per backward step (or, past
    ``max_frames`` steps, per run of consecutive steps, so a large graph stays a page, not a book)."""
    check_output(output, gradient, "backward_animation")
    if max_frames < 1:
        raise ValueError(f"backward_animation: max_frames must be at least 1, got {max_frames}")
    names = resolve_names(names, infer_names)
    graph = Graph(output)
    drawer = Drawer(graph, names, **draw_options)
    frames = [("Forward pass: every value is known, no gradient yet.\nPress Next (or →) to run backward()"
               " one node at a time.", drawer.draw(None))]
    nodes, done = {}, set()
    steps = list(_steps(output, gradient, names, graph))
    per_frame = -(-len(steps) // max_frames)  # ceil
    for start in range(0, len(steps), per_frame):
        chunk = steps[start:start + per_frame]
        for step in chunk:
            done.add(id(step.node))
            nodes[id(step.node)] = step._flow
        last = chunk[-1]
        caption = "\n".join(step.describe(drawer.max_values) for step in chunk[:6])
        if len(chunk) > 6:
            caption += f"\n... and {len(chunk) - 6} more steps (up to step {last.index + 1})"
        if last.index == len(steps) - 1:
            caption += "\nBackward pass complete: every gradient has arrived."
        frames.append((caption, drawer.draw(Flows(dict(last._grads), dict(nodes)), highlight=last.node,
                                            done=set(done))))
    return frames


def backward_animation(output, path="steps.html", gradient=None, title=None, max_frames=80, **draw_options):
    """Write a self-contained HTML page stepping through ``output``'s backward pass; return the path.

    ``draw_options`` are those of ``draw_graph`` (``rankdir``, ``max_values``, ``show_local_grads``...);
    graphs with more than ``max_frames`` backward steps advance several steps per frame.
    Needs Graphviz's ``dot`` to render the frames (``DotNotFoundError`` says how to install it).
    """
    frames = backward_frames(output, gradient, max_frames=max_frames, **draw_options)
    title = title or "Backward pass, step by step"
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>", f"<style>{_STYLE}</style>", "</head>", "<body>",
        f"<h1>{html.escape(title)}</h1>",
        '<div id="controls"><button id="prev" type="button">&#9664; Previous</button>'
        '<span id="counter"></span><button id="next" type="button">Next &#9654;</button>'
        '<span class="hint">(or use the arrow keys)</span></div>',
    ]
    for i, (caption, digraph) in enumerate(frames):
        parts.append(f'<div class="frame" id="frame-{i}" data-step="{i}">')
        parts.append(f'<div class="caption">{html.escape(caption)}</div>')
        parts.append(f'<div class="graph">{to_svg(digraph)}</div>')
        parts.append("</div>")
    parts += [f"<script>{_SCRIPT}</script>", "</body>", "</html>"]
    path = os.fspath(path)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(parts))
    return path
