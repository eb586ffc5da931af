"""docs/scripts/make_drawings.py regenerates the committed pictures of docs/drawings.md from code."""
import importlib.util
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "docs" / "images"
NAMES = ["apple.svg", "apple_before.svg", "apple_tangerine.svg", "broadcast.svg", "xor_mlp.svg",
         "xor_mlp_collapsed.svg", "apple_backward.html"]


def load_script():
    spec = importlib.util.spec_from_file_location("make_drawings", ROOT / "docs" / "scripts" / "make_drawings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(shutil.which("dot") is None and not os.environ.get("CI"),
                    reason="the Graphviz 'dot' binary is not installed")
def test_the_script_writes_every_picture_with_the_slide_numbers(tmp_path, capsys):
    written = load_script().main(["--out", str(tmp_path)])
    assert sorted(Path(p).name for p in written) == sorted(NAMES)
    apple = (tmp_path / "apple.svg").read_text(encoding="utf-8")
    for text in (">220<", ">grad 2.2<", ">grad 110<", ">grad 200<", ">local 200<", ">local 2<"):
        assert text in apple
    assert "gradients appear after backward()" in (tmp_path / "apple_before.svg").read_text(encoding="utf-8")
    tangerine = (tmp_path / "apple_tangerine.svg").read_text(encoding="utf-8")
    for text in (">715<", ">grad 3.3<", ">grad 165<", ">grad 650<"):
        assert text in tangerine
    assert "sum over dim 0" in (tmp_path / "broadcast.svg").read_text(encoding="utf-8")
    assert "MSELoss" in (tmp_path / "xor_mlp_collapsed.svg").read_text(encoding="utf-8")


def test_the_committed_pictures_exist_and_are_the_scripts_drawings():
    for name in NAMES:
        assert (IMAGES / name).exists(), name
    apple = (IMAGES / "apple.svg").read_text(encoding="utf-8")
    assert "<svg" in apple and ">grad 2.2<" in apple and ">local 200<" in apple
    assert (ROOT / "docs" / "drawings.md").read_text(encoding="utf-8").count("](images/") >= 6
