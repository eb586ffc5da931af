"""The command line: graph and explain on the apple slide, values as lists, and hostile expressions."""
import ast
import os
import shutil
import subprocess
import sys

import pytest

import microgradnd
from microgradnd import cli

needs_dot = pytest.mark.skipif(shutil.which("dot") is None and not os.environ.get("CI"),
                               reason="the Graphviz 'dot' binary is not installed")
APPLE = ["(apple * n) * tax", "--set", "apple=100", "--set", "n=2", "--set", "tax=1.1"]


def run(argv, capsys):
    status = cli.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


@needs_dot
def test_graph_writes_the_apple_slide_as_svg(tmp_path, capsys):
    path = tmp_path / "apple.svg"
    status, _, err = run(["graph", *APPLE, "-o", str(path)], capsys)
    assert status == 0 and "wrote" in err
    svg = path.read_text(encoding="utf-8")
    for number in (">220<", ">2.2<", ">110<", ">200<", ">grad 2.2<", ">local 200<", ">local 2<"):
        assert number in svg, number
    # png and pdf by suffix or --format
    run(["graph", *APPLE, "-o", str(tmp_path / "a.png")], capsys)
    assert (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"
    run(["graph", *APPLE, "-o", str(tmp_path / "a.out"), "--format", "pdf"], capsys)
    assert (tmp_path / "a.out").read_bytes()[:5] == b"%PDF-"


def test_graph_dot_format_and_no_backward(capsys):
    status, out, _ = run(["graph", *APPLE, "--format", "dot"], capsys)
    assert status == 0 and out.startswith("digraph")
    for text in ("<B>apple</B>", "grad 2.2", "grad 110", "grad 200", "local 200", ">220<", "<B>apple * n</B>"):
        assert text.replace(">220<", "<BR/>220<") in out or text in out, text
    status, out, _ = run(["graph", *APPLE, "--format", "dot", "--no-backward"], capsys)
    assert status == 0 and "grad " not in out and "gradients appear after backward()" in out
    status, out, _ = run(["graph", *APPLE, "--format", "dot", "--no-local", "--rankdir", "TB"], capsys)
    assert "local" not in out and "rankdir=TB" in out


def test_list_values_and_functions(capsys):
    status, out, _ = run(["graph", "sum(exp(x) * w) + softmax(x) * 0", "--set", "x=[1,2,3]",
                          "--set", "w=[0.5, -1, 2]", "--format", "dot"], capsys)
    assert status == 0 and "<B>x</B><BR/>[1, 2, 3]" in out and "softmax" in out
    for fn in cli.FUNCTIONS:
        status, out, err = run(["graph", f"{fn}(x) * 2", "--set", "x=[0.5, 1.5]", "--format", "dot"], capsys)
        assert status == 0, (fn, err)
    status, out, err = run(["explain", "sum(x * x)", "--set", "x=[1,2,3]", "--wrt", "x", "--index", "1"],
                           capsys)
    assert status == 0 and "= 4.00000000" in out.splitlines()[1]


def test_explain_prints_the_derivation(capsys):
    status, out, _ = run(["explain", *APPLE, "--wrt", "apple"], capsys)
    assert status == 0
    assert out.splitlines() == [
        "f = 220.00000000, apple = 100.00000000",
        "df/dapple = df/d(apple * n) × d(apple * n)/dapple = 1.10000000 × 2.00000000 = 2.20000000",
    ]
    status, out, _ = run(["explain", "(apple * n + tangerine * m) * tax", "--set", "apple=100", "--set",
                          "n=2", "--set", "tangerine=150", "--set", "m=3", "--set", "tax=1.1", "--wrt",
                          "tangerine"], capsys)
    assert status == 0 and out.splitlines()[-1].endswith("= 3.30000000")
    status, out, err = run(["explain", *APPLE, "--wrt", "banana"], capsys)
    assert status == 2 and "banana" in err
    status, out, err = run(["explain", "sum(x)", "--set", "x=[1,2]", "--wrt", "x"], capsys)
    assert status == 2 and "index" in err


HOSTILE = [
    ("x.__class__", "attribute access", 0),
    ("apple + x.y", "attribute access", 8),
    ("__import__('os').system('echo hi')", "", 0),
    ("import os", "not a valid expression", None),
    ("a[0]", "subscripts", 0),
    ("lambda: 1", "lambdas", 0),
    ("foo(a)", "unknown function 'foo'", 0),
    ("eval('1')", "unknown function 'eval'", 0),
    ("exec('1')", "unknown function 'exec'", 0),
    ("open('/etc/passwd')", "unknown function 'open'", 0),
    ("a + b", "undefined name 'b'", 4),
    ("__dict__", "names starting with '_'", 0),
    ("exp(a, a)", "exactly one argument", 0),
    ("sum(a, dim=0)", "keyword arguments", 7),
    ("exp(*a)", "", None),
    ("a if a else a", "conditional expressions", 0),
    ("'s' * 3", "only numbers", 0),
    ("b'x'", "only numbers", 0),
    ("1j * a", "only numbers", 0),
    ("True * a", "only numbers", 0),
    ("None", "only numbers", 0),
    ("a < 1", "comparisons", 0),
    ("a and a", "'and'/'or'", 0),
    ("a // 2", "only the operators", 0),
    ("a % 2", "only the operators", 0),
    ("a @ a", "only the operators", 0),
    ("~a", "only unary minus", 0),
    ("not a", "only unary minus", 0),
    ("[a for a in a]", "comprehensions", 0),
    ("(a := 1)", "assignment expressions", 1),
    ("f'{a}'", "strings", 0),
    ("{1: a}", "dicts", 0),
    ("(a, a)", "tuples", 0),
    ("a ** 100000", "exponent is too large", 5),
    ("a" + " + a" * 200, "too long", None),
    ("(" * 150 + "a" + ")" * 150 + " * (" + "-" * 70 + "a)", "nested too deeply", None),
    ("-" * 300 + "a", "", None),
    ("exp", "is a function", 0),
    ("a.__globals__['__builtins__']", "", 0),
    ("(lambda: __import__('os'))()", "", None),
    ("", "empty", None),
    ("a\nimport os", "one line", None),
    ("2 ** 10000", "exponent is too large", None),
    ("1 / 0 * a", "cannot compute", None),
]


@pytest.mark.parametrize("expression, message, column", HOSTILE)
def test_hostile_expressions_are_rejected_with_a_caret(expression, message, column, capsys):
    status, out, err = run(["graph", "--set", "a=1", "--set", "apple=2", "--format", "dot", "--", expression],
                           capsys)
    assert status == 2, err
    assert out == ""
    assert err.startswith("error: ")
    assert message in err
    if column is not None:
        lines = err.splitlines()
        caret = [line for line in lines if line.strip() and set(line.strip()) == {"^"}]
        assert caret, err
        assert caret[0].index("^") - 2 == column, err


@pytest.mark.parametrize("assignment, message", [
    ("a", "NAME=VALUE"), ("=1", "NAME=VALUE"), ("1a=2", "not a valid name"), ("__a=1", "starting with '_'"),
    ("a=__import__('os')", "not a number"), ("a=[1, [2]]", "rectangular"), ("a='x'", "not a number"),
    ("exp=1", "function name"), ("lambda=1", "not a valid name"), ("a=" + "[" * 300, "not a number"),
    ("a=" + "1," * 20000, "too long"), ("a=" + "[" * 40 + "]" * 40, "nested too deeply"),
])
def test_bad_values_are_rejected(assignment, message, capsys):
    status, _, err = run(["graph", "a", "--set", assignment, "--format", "dot"], capsys)
    assert status == 2 and err.startswith("error: ") and message in err


def test_the_checker_never_calls_eval_or_exec():
    tree = ast.parse(open(cli.__file__, encoding="utf-8").read())
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert not called & {"eval", "exec", "compile", "__import__"}
    assert "literal_eval" not in open(cli.__file__, encoding="utf-8").read()


def test_usage_errors_and_demo_dispatch(capsys, monkeypatch):
    assert cli.main([]) == 2
    with pytest.raises(SystemExit) as info:
        cli.main(["--version"])
    assert info.value.code == 0 and microgradnd.__version__ in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        cli.main(["graph"])
    assert info.value.code == 2
    seen = []

    class FakeDemo:
        @staticmethod
        def main(argv):
            seen.append(argv)
            return 0

    monkeypatch.setitem(sys.modules, "microgradnd.demo", FakeDemo)
    monkeypatch.setattr(microgradnd, "demo", FakeDemo, raising=False)
    assert cli.main(["demo", "--quick", "--epochs", "1"]) == 0
    assert seen == [["--quick", "--epochs", "1"]]


def test_demo_missing_gives_a_clear_message(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "microgradnd.demo", None)  # import fails as if the module were absent
    monkeypatch.delattr(microgradnd, "demo", raising=False)
    status = cli.main(["demo"])
    _, err = capsys.readouterr()
    assert status == 1 and "microgradnd.demo is missing" in err


def test_python_dash_m_runs_the_command_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "microgradnd", "graph", *APPLE, "--format", "dot"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=120,
                            env={**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(microgradnd.__file__))})
    assert result.returncode == 0 and "grad 2.2" in result.stdout
    bad = subprocess.run([sys.executable, "-m", "microgradnd", "graph", "x.__class__", "--set", "x=1"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120,
                         env={**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(microgradnd.__file__))})
    assert bad.returncode == 2 and "^" in bad.stderr
