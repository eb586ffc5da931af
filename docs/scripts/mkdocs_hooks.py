"""MkDocs hook: fill ``<!-- tensor-methods -->`` in the API pages with the table of Tensor methods.

Tensor's math methods are attached at import time by ``microgradnd.ops.install_tensor_methods`` (each
is the same function as ``mg.<name>``), so a static docstring reader cannot see them. This hook reads
the live class and writes one row per method: the method, the function it is, and the function's
first docstring line, so the table can never drift from the code.
"""
from __future__ import annotations

PLACEHOLDER = "<!-- tensor-methods -->"


def tensor_methods_table() -> str:
    import microgradnd as mg
    from microgradnd import ops

    public = {}
    for name, value in vars(ops).items():
        if callable(value) and not name.startswith("_"):
            public.setdefault(id(value), name)
    rows = []
    for name in sorted(vars(mg.Tensor)):
        value = vars(mg.Tensor)[name]
        from_ops = getattr(value, "__module__", "").startswith("microgradnd.ops")
        if name.startswith("_") or not callable(value) or not from_ops:
            continue
        target = public.get(id(value))
        doc = (getattr(value, "__doc__", None) or "").strip().splitlines()
        summary = doc[0].replace("|", "\\|") if doc else ""
        rows.append(f"| `x.{name}(...)` | {f'`mg.{target}`' if target else '(see the ops reference)'} | {summary} |")
    header = "| method | same as | what it computes |\n|---|---|---|\n"
    return header + "\n".join(rows) + "\n"


def on_page_markdown(markdown, page, config, files):  # noqa: ARG001 - MkDocs hook signature
    if PLACEHOLDER in markdown:
        markdown = markdown.replace(PLACEHOLDER, tensor_methods_table())
    return markdown
