"""The command line: ``microgradnd graph|explain|demo`` (also ``python -m microgradnd``).

    microgradnd graph "(apple * n) * tax" --set apple=100 --set n=2 --set tax=1.1 -o apple.svg
    microgradnd explain "(apple * n) * tax" --set apple=100 --set n=2 --set tax=1.1 --wrt apple
    microgradnd demo --quick

Expressions are parsed with ``ast`` and walked node by node; nothing is ever passed to ``eval`` or
``exec``. Allowed: numbers, names given with ``--set``, ``+ - * / **``, unary minus, parentheses and
calls of the functions in ``FUNCTIONS``. Anything else is rejected with a caret under the offending part.
"""
from __future__ import annotations

import argparse
import ast
import keyword
import math
import sys

MAX_EXPRESSION = 500  # characters: expressions are typed by people, not generated
MAX_VALUE = 10_000  # characters of one --set value
MAX_ELEMENTS = 10_000
MAX_EXPONENT = 1_000  # a constant exponent beyond this is a typo (or an attack on memory/CPU)

FUNCTIONS = ("exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "sum", "mean", "max",
             "min", "softmax")
_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}


class ExpressionError(ValueError):
    """A rejected expression: ``str(err)`` shows the message, the expression and a caret under the part."""

    def __init__(self, message, source="", start=None, end=None):
        self.message, self.source, self.start, self.end = message, source, start, end
        super().__init__(self._format())

    def _format(self):
        if self.start is None or not self.source or "\n" in self.source:
            return self.message
        width = max(1, (self.end if self.end is not None else self.start + 1) - self.start)
        return f"{self.message}\n  {self.source}\n  {' ' * self.start}{'^' * width}"


def _where(node):
    return getattr(node, "col_offset", None), getattr(node, "end_col_offset", None)


def _describe(node):
    kinds = {
        ast.Attribute: "attribute access", ast.Subscript: "subscripts", ast.Lambda: "lambdas",
        ast.Compare: "comparisons", ast.BoolOp: "'and'/'or'", ast.IfExp: "conditional expressions",
        ast.ListComp: "comprehensions", ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
        ast.GeneratorExp: "comprehensions", ast.Dict: "dicts", ast.Set: "sets", ast.List: "lists",
        ast.Tuple: "tuples", ast.Starred: "starred arguments", ast.JoinedStr: "strings",
        ast.NamedExpr: "assignment expressions", ast.Await: "await", ast.Yield: "yield",
    }
    for cls, text in kinds.items():
        if isinstance(node, cls):
            return text
    return type(node).__name__


class Expression:
    """A parsed, checked expression; ``evaluate(values)`` builds the graph with microgradnd ops."""

    def __init__(self, source: str):
        if not isinstance(source, str):
            raise ExpressionError("the expression must be a string")
        if len(source) > MAX_EXPRESSION:
            raise ExpressionError(f"the expression is too long ({len(source)} characters; at most "
                                  f"{MAX_EXPRESSION})", source[:60] + "...", 60, 63)
        if "\n" in source or "\r" in source:
            raise ExpressionError("the expression must be on one line")
        source = source.strip()
        if not source:
            raise ExpressionError("the expression is empty")
        self.source = source
        try:
            tree = ast.parse(source, mode="eval")
        except SyntaxError as e:
            col = (e.offset or 1) - 1
            raise ExpressionError(f"not a valid expression: {e.msg}", source, max(0, min(col, len(source) - 1)),
                                  None) from None
        except (RecursionError, MemoryError):
            raise ExpressionError("the expression is nested too deeply") from None
        self.tree = tree.body
        self.names = []
        self._check(self.tree, depth=0)

    def _error(self, message, node):
        start, end = _where(node)
        return ExpressionError(message, self.source, start, end)

    def _check(self, node, depth):
        if depth > 60:
            raise self._error("the expression is nested too deeply", node)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise self._error(f"only numbers are allowed as constants, not {type(node.value).__name__}",
                                  node)
            if isinstance(node.value, int) and abs(node.value) > 10 ** 300:
                raise self._error("this number is too large", node)
            return
        if isinstance(node, ast.Name):
            _check_name(node.id, lambda m: self._error(m, node))
            if node.id in FUNCTIONS:
                raise self._error(f"{node.id!r} is a function: call it, e.g. {node.id}(x)", node)
            if node.id not in self.names:
                self.names.append(node.id)
            return
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                raise self._error("only the operators + - * / ** are allowed", node)
            if isinstance(node.op, ast.Pow) and isinstance(node.right, ast.Constant) and \
                    isinstance(node.right.value, (int, float)) and abs(node.right.value) > MAX_EXPONENT:
                raise self._error(f"the exponent is too large (at most {MAX_EXPONENT})", node.right)
            self._check(node.left, depth + 1)
            self._check(node.right, depth + 1)
            return
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise self._error("only unary minus (and plus) are allowed", node)
            self._check(node.operand, depth + 1)
            return
        if isinstance(node, ast.Call):
            func = node.func
            if not isinstance(func, ast.Name):
                raise self._error(f"only calls of {', '.join(FUNCTIONS)} are allowed", func)
            _check_name(func.id, lambda m: self._error(m, func))
            if func.id not in FUNCTIONS:
                raise self._error(f"unknown function {func.id!r}: allowed are {', '.join(FUNCTIONS)}", func)
            if node.keywords:
                raise self._error("keyword arguments are not allowed", node.keywords[0].value
                                  if node.keywords[0].arg is None else node.keywords[0])
            if len(node.args) != 1:
                raise self._error(f"{func.id}() takes exactly one argument", node)
            for a in node.args:
                if isinstance(a, ast.Starred):
                    raise self._error("starred arguments are not allowed", a)
                self._check(a, depth + 1)
            return
        raise self._error(f"not allowed here: {_describe(node)} (use numbers, names, + - * / **, unary "
                          f"minus, parentheses and calls of {', '.join(FUNCTIONS)})", node)

    def evaluate(self, values):
        """Build the expression's graph from ``values`` (``{name: Tensor}``); returns the result Tensor."""
        import microgradnd as mg

        functions = {
            "exp": mg.exp, "log": mg.log, "sqrt": mg.sqrt, "abs": mg.abs, "sin": mg.sin, "cos": mg.cos,
            "tanh": mg.tanh, "sigmoid": mg.sigmoid, "relu": mg.relu, "sum": mg.sum, "mean": mg.mean,
            "max": mg.max, "min": mg.min, "softmax": lambda x: mg.softmax(x, dim=-1),
        }
        binary = {"add": mg.add, "sub": mg.sub, "mul": mg.mul, "div": mg.div, "pow": mg.pow}
        for name in self.names:
            if name not in values:
                raise self._error(f"undefined name {name!r}: give it a value with --set {name}=...",
                                  _find_name(self.tree, name))

        def walk(node):
            out = compute(node)
            if isinstance(out, mg.Tensor) and out.name is None and out.grad_fn is not None:
                text = ast.get_source_segment(self.source, node) or ""
                while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
                    text = text[1:-1].strip()
                if len(text) <= 30:
                    out.name = text
            return out

        def compute(node):
            if isinstance(node, ast.Constant):
                return float(node.value)
            if isinstance(node, ast.Name):
                return values[node.id]
            if isinstance(node, ast.BinOp):
                left, right = walk(node.left), walk(node.right)
                if not isinstance(left, mg.Tensor) and not isinstance(right, mg.Tensor):
                    return _fold(node, left, right, self)
                try:
                    return binary[_BINARY[type(node.op)]](left, right)
                except (RuntimeError, ValueError) as e:
                    raise self._error(str(e).split("\n")[0], node) from None
            if isinstance(node, ast.UnaryOp):
                operand = walk(node.operand)
                if isinstance(node.op, ast.UAdd):
                    return operand
                return -operand
            if isinstance(node, ast.Call):
                arg = walk(node.args[0])
                if not isinstance(arg, mg.Tensor):
                    arg = mg.tensor(arg)
                try:
                    return functions[node.func.id](arg)
                except (RuntimeError, ValueError, IndexError) as e:
                    raise self._error(str(e).split("\n")[0], node) from None
            raise self._error("unexpected part", node)  # unreachable: _check rejected it

        result = walk(self.tree)
        if not isinstance(result, mg.Tensor):
            result = mg.tensor(result)
        return result


def _balanced(text):
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _fold(node, left, right, expr):
    """Constant arithmetic (both sides numbers), guarded against overflow and division by zero."""
    op = type(node.op)
    try:
        if op is ast.Add:
            return left + right
        if op is ast.Sub:
            return left - right
        if op is ast.Mult:
            return left * right
        if op is ast.Div:
            return left / right
        return math.pow(left, right)
    except (ZeroDivisionError, OverflowError, ValueError) as e:
        raise expr._error(f"cannot compute this constant part: {e}", node) from None


def _find_name(tree, name):
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == name:
            return node
    return tree


def _check_name(name, error):
    if name.startswith("_"):
        raise error(f"names starting with '_' (like {name!r}) are not allowed")
    if len(name) > 64:
        raise error("this name is too long (at most 64 characters)")


# -- --set NAME=VALUE ---------------------------------------------------------------------------------
def parse_assignment(text):
    """``"apple=100"`` -> ``("apple", 100.0)``; ``"x=[1,2,3]"`` -> ``("x", [1.0, 2.0, 3.0])``."""
    name, sep, value = text.partition("=")
    name, value = name.strip(), value.strip()
    if not sep or not name:
        raise ExpressionError(f"--set expects NAME=VALUE (e.g. --set apple=100), got {text!r}")
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ExpressionError(f"--set: {name!r} is not a valid name (letters, digits and '_', not starting "
                              f"with a digit)")
    _check_name(name, ExpressionError)
    if name in FUNCTIONS:
        raise ExpressionError(f"--set: {name!r} is a function name; choose another name")
    if len(value) > MAX_VALUE:
        raise ExpressionError(f"--set {name}: the value is too long (at most {MAX_VALUE} characters)")
    try:
        tree = ast.parse(value, mode="eval").body
    except (SyntaxError, RecursionError, MemoryError):
        raise ExpressionError(f"--set {name}: {value[:40]!r} is not a number or a list of numbers") from None
    parsed = _literal(tree, name, value, [0])
    return name, parsed


def _literal(node, name, text, count, depth=0):
    """Numbers and (nested) lists of numbers only, walked by hand like the expression."""
    if depth > 16:
        raise ExpressionError(f"--set {name}: the list is nested too deeply")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _literal(node.operand, name, text, count, depth + 1)
        if isinstance(v, list):
            raise ExpressionError(f"--set {name}: a sign applies to numbers, not lists")
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        count[0] += 1
        if count[0] > MAX_ELEMENTS:
            raise ExpressionError(f"--set {name}: too many values (at most {MAX_ELEMENTS})")
        return float(node.value)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(e, name, text, count, depth + 1) for e in node.elts]
    raise ExpressionError(f"--set {name}: {text!r} is not a number or a list of numbers like [1, 2, 3]")


def make_values(assignments):
    """``{name: Tensor}`` from ``--set`` texts; each tensor requires grad and carries its name (float64,
    so the printed derivations have all their digits)."""
    import microgradnd as mg

    values = {}
    for text in assignments or []:
        name, value = parse_assignment(text)
        if name in values:
            raise ExpressionError(f"--set {name} is given twice")
        try:
            values[name] = mg.tensor(value, dtype=mg.float64, requires_grad=True, name=name)
        except (ValueError, TypeError, RuntimeError):
            raise ExpressionError(f"--set {name}: the lists must be rectangular (every row the same "
                                  f"length)") from None
    return values


# -- commands ------------------------------------------------------------------------------------------
def _build(args):
    expr = Expression(args.expression)
    values = make_values(args.set)
    unused = [n for n in values if n not in expr.names]
    result = expr.evaluate(values)
    return expr, values, result, unused


def cmd_graph(args):
    from .viz import draw_graph, render
    from .viz.render import DotNotFoundError, format_of

    expr, values, result, unused = _build(args)
    backward_ran = False
    if not args.no_backward:
        if not result.requires_grad:
            _warn("nothing to differentiate (the expression uses no --set values): drawing values only")
        elif result._data.size != 1:
            _warn(f"the result has shape {tuple(result.shape)}: backward() starts from ones "
                  f"(as result.sum().backward() would)")
            result.backward(gradient=_ones_like(result))
            backward_ran = True
        else:
            result.backward()
            backward_ran = True
    graph = draw_graph(result, rankdir=args.rankdir, show_local_grads=not args.no_local, infer_names=False,
                       gradient=_ones_like(result) if backward_ran and result._data.size != 1 else None)
    output = args.output
    fmt = format_of(output or "graph.svg", args.format)
    if output is None or output == "-":
        if fmt != "dot":
            sys.stdout.buffer.write(render_bytes(graph, fmt))
        else:
            sys.stdout.write(graph.source)
        return 0
    try:
        render(graph, output, fmt)
    except DotNotFoundError as e:
        dot_path = output.rsplit(".", 1)[0] + ".dot" if "." in output else output + ".dot"
        render(graph, dot_path, "dot")
        print(f"error: {e}\nThe DOT source was written to {dot_path}.", file=sys.stderr)
        return 1
    print(f"wrote {output}", file=sys.stderr)
    return 0


def render_bytes(graph, fmt):
    from .viz.render import pipe

    return pipe(graph, fmt)


def cmd_explain(args):
    from .viz import explain

    expr, values, result, unused = _build(args)
    if args.wrt not in values:
        raise ExpressionError(f"--wrt {args.wrt}: not a name given with --set (have: "
                              f"{', '.join(values) or 'none'})")
    if args.wrt not in expr.names:
        raise ExpressionError(f"--wrt {args.wrt}: the expression does not use {args.wrt!r}")
    index = _parse_index(args.index, "--index")
    output_index = _parse_index(args.output_index, "--output-index")
    result.name = "f"  # the derivation reads df/dapple; the graph keeps the expression as the name
    try:
        text = explain(result, values[args.wrt], index=index, output_index=output_index, infer_names=False)
    except (ValueError, IndexError) as e:
        message = str(e).replace("pass index=", "pass --index ").replace("pass output_index=", "pass --output-index ")
        raise ExpressionError(message) from None
    print(text)
    return 0


def cmd_demo(argv):
    try:
        from . import demo
    except ModuleNotFoundError as e:
        if e.name not in ("microgradnd.demo",):
            raise
        print("error: the demo is not part of this installation (microgradnd.demo is missing)",
              file=sys.stderr)
        return 1
    status = demo.main(argv)
    return int(status or 0)


def _parse_index(text, option):
    if text is None:
        return None
    try:
        return tuple(int(p) for p in text.replace("(", "").replace(")", "").split(",") if p.strip())
    except ValueError:
        raise ExpressionError(f"{option} expects integers separated by commas, e.g. {option} 0,1") from None


def _ones_like(t):
    import microgradnd as mg

    return mg.ones_like(t)


def _warn(message):
    print(f"note: {message}", file=sys.stderr)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="microgradnd",
        description="microgradnd: draw and explain computational graphs from the command line.",
        epilog='example: microgradnd graph "(apple * n) * tax" --set apple=100 --set n=2 --set tax=1.1 '
               "-o apple.svg",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"microgradnd {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="{graph,explain,demo}")
    allowed = "functions: " + ", ".join(FUNCTIONS)

    def common(p):
        p.add_argument("expression", help=f"e.g. \"(apple * n) * tax\"; + - * / **, unary minus, {allowed} "
                                          f"(an expression starting with '-' goes after --: graph -- \"-a * b\")")
        p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                       help="a value: --set apple=100 or --set x=[1,2,3] (repeat for each name)")

    g = sub.add_parser("graph", help="draw the expression's graph after a backward pass",
                       description="Draw the graph of EXPRESSION (values, gradients, local derivatives).")
    common(g)
    g.add_argument("-o", "--output", default=None, help="output file (default: stdout); '-' for stdout")
    g.add_argument("--format", choices=("svg", "png", "pdf", "dot"), default=None,
                   help="output format (default: from the file name, else svg)")
    g.add_argument("--no-backward", action="store_true", help="draw the forward pass only")
    g.add_argument("--no-local", action="store_true", help="leave out the local derivatives on edges")
    g.add_argument("--rankdir", choices=("LR", "TB", "RL", "BT"), default="LR", help="layout direction")

    e = sub.add_parser("explain", help="print the chain-rule derivation of d(expression)/d(name)",
                       description="Print the chain rule for d(EXPRESSION)/d(--wrt), with numbers.")
    common(e)
    e.add_argument("--wrt", required=True, help="the name to differentiate with respect to")
    e.add_argument("--index", default=None, help="element of a non-scalar --wrt value, e.g. 0,1")
    e.add_argument("--output-index", default=None, help="element of a non-scalar result, e.g. 2")

    sub.add_parser("demo", help="train a small network and write its pictures (see `demo --help`)",
                   add_help=False)
    return parser


def main(argv=None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 runtime error, 2 bad input)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "demo":
        return cmd_demo(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        if args.command == "graph":
            return cmd_graph(args)
        return cmd_explain(args)
    except ExpressionError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
