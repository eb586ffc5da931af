"""What every example shares: the ``--out`` / ``--quick`` flags, matplotlib without a screen, and
saving a graphviz drawing even when the ``dot`` binary is missing.

Examples import it as ``import _common`` (Python puts the script's folder on ``sys.path``)."""
from __future__ import annotations

import argparse
import os
import sys

GRAPHVIZ_HINT = ("the graphviz 'dot' binary is not installed, so the DOT source was written instead "
                 "(install it with `apt-get install graphviz`, `brew install graphviz` or "
                 "`conda install graphviz`, then render with `dot -Tsvg FILE.dot -o FILE.svg`)")


def setup(script: str, description: str, argv=None):
    """Parse ``--out DIR`` (default ``out/<script name>/``) and ``--quick``; create the folder."""
    name = os.path.splitext(os.path.basename(script))[0]
    parser = argparse.ArgumentParser(prog=f"python examples/{name}.py", description=description)
    parser.add_argument("--out", default=os.path.join("out", name), help="folder for pictures (default: out/%(prog)s)")
    parser.add_argument("--quick", action="store_true", help="fewer epochs / samples: a smoke test in seconds")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    return args


def pyplot():
    """matplotlib.pyplot on the Agg backend (no screen needed), or None when matplotlib is missing."""
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed: skipping the pictures (pip install -e '.[examples]')")
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, out: str, filename: str) -> str:
    """Save a matplotlib figure as PNG into ``out`` and say where it went."""
    path = os.path.join(out, filename)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    print(f"saved {path}")
    return path


def save_graph(dot, out: str, stem: str, fmt: str = "svg") -> str:
    """Render a ``graphviz.Digraph`` to ``out/stem.fmt``; without the ``dot`` binary write ``stem.dot``."""
    import graphviz

    path = os.path.join(out, stem)
    try:
        rendered = dot.render(path, format=fmt, cleanup=True)
    except graphviz.ExecutableNotFound:
        rendered = path + ".dot"
        with open(rendered, "w") as f:
            f.write(dot.source)
        print(GRAPHVIZ_HINT, file=sys.stderr)
    print(f"saved {rendered}")
    return rendered


def heading(title: str) -> None:
    print(f"\n== {title} ==")
