"""Every ```python block in README.md, README.ko.md and docs/**/*.md runs.

The blocks of one page run in order in one namespace (a page is a story: later blocks use earlier
names), in a fresh temporary folder so files they write land nowhere important. A block preceded by
the comment ``<!-- no-run -->`` is skipped; use it only for code that genuinely cannot run here
(a network download, an endless loop). Each page is one test, named after the file.
"""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([ROOT / "README.md", ROOT / "README.ko.md", *(ROOT / "docs").rglob("*.md")])
PAGES = [p for p in PAGES if p.exists()]

FENCE = re.compile(r"(?P<before>[^\n]*\n)?(?P<indent>[ \t]*)```python[^\n]*\n(?P<code>.*?)\n(?P=indent)```",
                   re.DOTALL)
NO_RUN = "<!-- no-run -->"


def python_blocks(text):
    """(line number, code) of every runnable ```python block; ``<!-- no-run -->`` just above skips one."""
    blocks = []
    for m in FENCE.finditer(text):
        before = text[:m.start("indent")].rstrip("\n").rsplit("\n", 1)[-1].strip()
        if before == NO_RUN:
            continue
        indent = m.group("indent")
        code = "\n".join(line[len(indent):] if line.startswith(indent) else line
                         for line in m.group("code").split("\n"))
        blocks.append((text.count("\n", 0, m.start("indent")) + 1, code))
    return blocks


def test_the_block_parser():
    page = ("intro\n```python\nx = 1\n```\n<!-- no-run -->\n```python\nraise SystemExit\n```\n"
            "```bash\nls\n```\n- item\n\n    ```python\n    y = x + 1\n    ```\n")
    assert python_blocks(page) == [(2, "x = 1"), (14, "y = x + 1")]


def test_there_are_pages_to_check():
    names = {p.name for p in PAGES}
    assert {"README.md", "getting-started.md", "tutorial.md"} <= names
    assert sum(len(python_blocks(p.read_text(encoding="utf-8"))) for p in PAGES) >= 20


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_python_blocks_run(page, tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__docs__"}
    for line, code in python_blocks(page.read_text(encoding="utf-8")):
        try:
            exec(compile(code, f"{page.relative_to(ROOT)}:{line}", "exec"), namespace)
        except Exception as exc:  # name the page and the line of the failing block
            raise AssertionError(f"{page.relative_to(ROOT)}, block at line {line} failed: "
                                 f"{type(exc).__name__}: {exc}") from exc
    import matplotlib.pyplot as plt

    plt.close("all")


def test_every_page_is_in_the_site_navigation():
    """mkdocs.yml's nav names existing pages, and every page under docs/ is reachable from it."""
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = config[config.index("\nnav:"):]
    listed = set(re.findall(r":\s*([\w/.-]+\.md)\s*$", nav, flags=re.M))
    pages = {str(p.relative_to(ROOT / "docs")) for p in (ROOT / "docs").rglob("*.md")}
    assert listed - pages == set()
    assert pages - listed == set()
    assert {"index.md", "tutorial.md", "drawings.md", "performance.md", "ko/tutorial.md"} <= listed
