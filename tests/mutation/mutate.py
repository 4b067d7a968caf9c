"""Mutation testing of the core: single-point mutants, each run against a fast test subset.

Run it with ``nox -s mutate`` (or ``python tests/mutation/mutate.py`` in an environment
with the package installed editable). Each mutant changes one place of one module in
``TARGETS``; the tests listed for that module run against it, and a mutant they do not
fail has *survived*: a behaviour change no test notices. Mutants that change nothing
observable are listed, each with its reason, in ``equivalent.toml`` beside this file.

Mutation operators (single-point): a comparison flipped (``==``/``!=``, ``in``/``not in``,
``is``/``is not``) or moved across its boundary (``<``/``<=``, ...); an ``int`` constant
+1 and -1; ``True``/``False`` swapped; ``and``/``or`` swapped; ``+``/``-`` swapped; a
``not`` removed; ``return <value>`` made ``return None``; a guard (an ``if`` whose branch
ends in ``return``/``raise``/``continue``) never taken; a call statement or ``del``
deleted. Annotations, ``@overload`` stubs, ``if TYPE_CHECKING:`` blocks, ``__all__`` and
strings (messages) are not mutated.

The module is never edited in place: each worker runs pytest on a copy of ``src`` that
``PYTHONPATH`` puts ahead of the editable install (subprocesses of tests inherit it).
"""

from __future__ import annotations

import argparse
import ast
import importlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
import traceback
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from queue import Queue
from typing import TypeAlias, cast

__all__ = ["TARGETS", "Mutant", "Outcome", "main", "mutants_of"]

ROOT = Path(__file__).resolve().parents[2]
EQUIVALENT_FILE = Path(__file__).with_name("equivalent.toml")

#: Module (relative to the repository root) -> the test files that run against its mutants,
#: fastest and most targeted first (pytest stops at the first failure). One line a module:
#: a renamed module is a one-line change.
TARGETS: dict[str, tuple[str, ...]] = {
    "src/arraybackend/backends/numpy.py": (
        "tests/test_numpy_backend.py",
        "tests/test_numpy_semantics.py",
        "tests/test_hardening.py",
    ),
    "src/arraybackend/_selection.py": ("tests/test_selection.py",),
    "src/arraybackend/diagnostics.py": (
        "tests/test_diagnostics.py",
        "tests/test_hardening.py",
        "tests/test_numpy_backend.py",
        "tests/test_array_api_strict_backend.py",
        "tests/test_registry.py",
        "tests/test_numpy_semantics.py",
    ),
    "src/arraybackend/testing/_exact.py": (
        "tests/test_exact_conversions.py",
        "tests/test_exact_bounds.py",
        "tests/test_exact_branches.py",
        "tests/test_testing_kit.py",
    ),
    "src/arraybackend/_registry.py": (
        "tests/test_registry_factories.py",
        "tests/test_registry.py",
        "tests/test_registry_lookup.py",
        "tests/test_selection.py",
        "tests/test_numpy_backend.py",
    ),
}
PYTEST = ("-x", "-q", "-p", "no:cacheprovider", "--no-header", "-o", "addopts=")
# The server imports hypothesis before pytest starts, so pytest cannot rewrite its plugin.
_SERVED = ("-W", "ignore::pytest.PytestAssertRewriteWarning")

#: How equivalent.toml names a mutant: (file, scope, original line(s), mutated line(s)).
Key: TypeAlias = tuple[str, str, str, str]

_FLIP: dict[type[ast.cmpop], tuple[type[ast.cmpop], ...]] = {
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.Lt: (ast.LtE, ast.GtE),
    ast.LtE: (ast.Lt, ast.Gt),
    ast.Gt: (ast.GtE, ast.LtE),
    ast.GtE: (ast.Gt, ast.Lt),
    ast.In: (ast.NotIn,),
    ast.NotIn: (ast.In,),
    ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,),
}


@dataclass(frozen=True)
class Mutant:
    """One single-point change: ``replacement`` for the source between two positions."""

    file: str
    line: int
    col: int
    end_line: int
    end_col: int
    replacement: str
    operator: str
    scope: str  # the enclosing class and function, "" at module level
    source: str = field(repr=False, compare=False)

    def mutated_source(self) -> str:
        """The whole module with this one change (positions are UTF-8 byte offsets)."""
        lines = self.source.encode().splitlines(keepends=True)
        before = b"".join(lines[: self.line - 1]) + lines[self.line - 1][: self.col]
        after = lines[self.end_line - 1][self.end_col :] + b"".join(lines[self.end_line :])
        return (before + self.replacement.encode() + after).decode()

    @property
    def text(self) -> str:
        """The mutated line(s), whitespace collapsed: names the mutant in reports."""
        new = self.mutated_source().splitlines()
        span = new[self.line - 1 : self.line + self.replacement.count("\n")]
        return " ".join(" ".join(span).split())

    @property
    def original(self) -> str:
        """The line(s) before the change, whitespace collapsed."""
        span = self.source.splitlines()[self.line - 1 : self.end_line]
        return " ".join(" ".join(span).split())

    @property
    def key(self) -> Key:
        """What equivalent.toml names a mutant by: stable while other lines change."""
        return (self.file, self.scope, self.original, self.text)


@dataclass(frozen=True)
class Outcome:
    mutant: Mutant
    status: str  # "killed", "survived", "timeout" or "equivalent"
    seconds: float


def _parens(node: ast.expr) -> str:
    return f"({ast.unparse(node)})"


class _Collector:
    """Walks one module's AST and records every mutant of every operator."""

    def __init__(self, file: str, source: str) -> None:
        self.file, self.source = file, source
        self.found: list[Mutant] = []
        self.scope: list[str] = []

    def add(self, node: ast.expr | ast.stmt, replacement: str, operator: str) -> None:
        end_line, end_col = node.end_lineno, node.end_col_offset
        assert end_line is not None
        assert end_col is not None
        self.found.append(
            Mutant(
                self.file,
                node.lineno,
                node.col_offset,
                end_line,
                end_col,
                replacement,
                operator,
                ".".join(self.scope),
                self.source,
            )
        )

    def visit(self, node: ast.AST) -> None:
        if self._skipped(node):
            return
        self._mutate(node)
        named = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            self.scope.append(node.name)
        for name, value in ast.iter_fields(node):
            if name in ("annotation", "returns", "decorator_list", "type_comment"):
                continue
            children = cast("list[object]", value) if isinstance(value, list) else [value]
            for child in children:
                if isinstance(child, ast.AST):
                    self.visit(child)
        if named:
            self.scope.pop()

    @staticmethod
    def _skipped(node: ast.AST) -> bool:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            return True
        if isinstance(node, ast.FunctionDef):
            return any(ast.unparse(d) == "overload" for d in node.decorator_list)
        if isinstance(node, ast.Assign):
            return any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
        return False

    def _mutate(self, node: ast.AST) -> None:
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                for new in _FLIP[type(op)]:
                    ops = [*node.ops[:i], new(), *node.ops[i + 1 :]]
                    mutated = ast.Compare(node.left, ops, node.comparators)
                    name = f"{type(op).__name__} -> {new.__name__}"
                    self.add(node, _parens(mutated), name)
        elif isinstance(node, ast.BoolOp):
            new_op: ast.boolop = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            name = f"{type(node.op).__name__} -> {type(new_op).__name__}"
            self.add(node, _parens(ast.BoolOp(new_op, node.values)), name)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
            new_bin: ast.operator = ast.Sub() if isinstance(node.op, ast.Add) else ast.Add()
            name = f"{type(node.op).__name__} -> {type(new_bin).__name__}"
            self.add(node, _parens(ast.BinOp(node.left, new_bin, node.right)), name)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            self.add(node, _parens(node.operand), "remove not")
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            self.add(node, repr(not node.value), f"{node.value} -> {not node.value}")
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            for delta in (1, -1):
                self.add(node, repr(node.value + delta), f"{node.value} -> {node.value + delta}")
        elif isinstance(node, ast.Return) and node.value is not None:
            if not (isinstance(node.value, ast.Constant) and node.value.value is None):
                self.add(node, "return None", "return None")
        elif isinstance(node, ast.If | ast.While) and _is_guard(node.body):
            self.add(node.test, "False", "guard never taken")
        elif isinstance(node, ast.Delete) or (
            isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
        ):
            self.add(node, "pass", "statement deleted")


def _is_guard(body: list[ast.stmt]) -> bool:
    return isinstance(body[-1], ast.Return | ast.Raise | ast.Continue)


def mutants_of(file: str) -> list[Mutant]:
    """Every mutant of one module (``file`` relative to the repository root)."""
    source = (ROOT / file).read_text(encoding="utf-8")
    collector = _Collector(file, source)
    collector.visit(ast.parse(source))
    return collector.found


def _equivalents() -> dict[Key, str]:
    """Mutant key (file, scope, original, mutant) -> why it cannot change behaviour."""
    data = tomllib.loads(EQUIVALENT_FILE.read_text(encoding="utf-8"))
    return {
        (e["file"], e["scope"], e["original"], e["mutant"]): e["reason"]
        for e in data.get("equivalent", [])
    }


class _Runner:
    """Runs mutants in ``jobs`` private copies of ``src``, each served by one ``_serve`` process."""

    def __init__(self, jobs: int, scratch: Path) -> None:
        self.workers: Queue[tuple[Path, subprocess.Popen[str]]] = Queue()
        self.servers: list[subprocess.Popen[str]] = []
        for i in range(jobs):
            copy = scratch / f"worker{i}"
            shutil.copytree(
                ROOT / "src", copy / "src", ignore=shutil.ignore_patterns("__pycache__")
            )
            server = subprocess.Popen(
                [sys.executable, __file__, "--serve", str(copy / "src")],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            self.servers.append(server)
            self.workers.put((copy, server))

    def close(self) -> None:
        for server in self.servers:
            assert server.stdin is not None
            server.stdin.close()
            server.wait()

    def run(self, file: str, source: str, tests: Sequence[str], timeout: float) -> str | float:
        """Seconds pytest took to pass with ``source`` in place of ``file``, or "killed"/"timeout"."""
        worker, server = self.workers.get()
        target = worker / file
        original = target.read_text(encoding="utf-8")
        try:
            target.write_text(source, encoding="utf-8")
            assert server.stdin is not None
            assert server.stdout is not None
            server.stdin.write(json.dumps({"tests": list(tests), "timeout": timeout}) + "\n")
            server.stdin.flush()
            reply = json.loads(server.stdout.readline())
            status: str = reply["status"]
            seconds: float = reply["seconds"]
            return seconds if status == "passed" else status
        finally:
            target.write_text(original, encoding="utf-8")
            self.workers.put((worker, server))


def _serve(src: str) -> None:
    """Answer requests on stdin: fork, import ``src``'s package fresh in the child, run pytest.

    The libraries the tests import (NumPy, pytest, hypothesis) are imported once here, before
    any fork; arraybackend never is, so each child imports the mutated copy.
    """
    import pytest

    for name in ("numpy", "hypothesis", "hypothesis.extra.numpy"):
        importlib.import_module(name)

    for line in sys.stdin:
        request = json.loads(line)
        start = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.setpgid(0, 0)
            log = os.open(os.environ.get("MUTATE_LOG", os.devnull), os.O_WRONLY | os.O_CREAT)
            os.dup2(log, 1)
            os.dup2(log, 2)
            sys.path.insert(0, src)
            sys.dont_write_bytecode = True
            os.environ["PYTHONPATH"] = src  # for the tests' own subprocesses
            os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
            try:
                code = int(pytest.main([*PYTEST, *_SERVED, *request["tests"]]))
            except BaseException:
                traceback.print_exc()
                code = 99
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        status = "timeout"
        while time.perf_counter() - start < request["timeout"]:
            done, wait_status = os.waitpid(pid, os.WNOHANG)
            if done:
                code = os.waitstatus_to_exitcode(wait_status)
                status = "passed" if code == 0 else "killed"
                break
            time.sleep(0.02)
        else:
            os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        reply = {"status": status, "seconds": time.perf_counter() - start}
        print(json.dumps(reply), flush=True)


def _run_module(
    runner: _Runner, pool: ThreadPoolExecutor, file: str, mutants: list[Mutant]
) -> Iterator[Outcome]:
    tests = TARGETS[file]
    source = (ROOT / file).read_text(encoding="utf-8")
    baseline = runner.run(file, source, tests, timeout=600)
    if not isinstance(baseline, float):
        raise SystemExit(f"mutate: the tests for {file} fail without a mutant ({baseline})")
    timeout = 3 * baseline + 20

    def one(m: Mutant) -> Outcome:
        start = time.perf_counter()
        result = runner.run(file, m.mutated_source(), tests, timeout)
        status = result if isinstance(result, str) else "survived"
        return Outcome(m, status, time.perf_counter() - start)

    yield from pool.map(one, mutants)


def _report(outcomes: list[Outcome], seconds: float, command: str, jobs: int) -> str:
    rows: list[str] = []
    survivors: list[str] = []
    equivalents: list[str] = []
    total_killed = total_live = 0
    for file in TARGETS:
        mine = [o for o in outcomes if o.mutant.file == file]
        if not mine:
            continue
        count = {s: sum(o.status == s for o in mine) for s in ("killed", "timeout", "survived")}
        equiv = sum(o.status == "equivalent" for o in mine)
        live = len(mine) - equiv
        killed = count["killed"] + count["timeout"]
        total_killed, total_live = total_killed + killed, total_live + live
        rate = f"{100 * killed / live:.1f} %" if live else "-"
        rows.append(
            f"| `{file}` | {len(mine)} | {equiv} | {count['killed']} | {count['timeout']} "
            f"| {count['survived']} | {rate} |"
        )
        for o in mine:
            where = f"`{file}:{o.mutant.line}` ({o.mutant.operator})"
            if o.status == "survived":
                survivors.append(f"- {where}: `{o.mutant.original}` → `{o.mutant.text}`")
    reasons = _equivalents()
    for o in outcomes:
        if o.status == "equivalent":
            m = o.mutant
            why = reasons[m.key]
            equivalents.append(
                f"- `{m.file}:{m.line}` ({m.operator}): `{m.original}` → `{m.text}`: {why}"
            )
    total = f"{100 * total_killed / total_live:.1f} %" if total_live else "-"
    return "\n".join(
        [
            "| module | mutants | equivalent | killed | timeout | survived | killed of the rest |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
            *rows,
            f"| **all** | {len(outcomes)} | {len(equivalents)} | | | {len(survivors)} "
            f"| **{total}** |",
            "",
            f"Command: `{command}`; {jobs} worker(s); {seconds:.0f} s wall time; "
            f"Python {platform.python_version()}, {os.cpu_count()} CPU(s).",
            "",
            "### Survivors",
            "",
            *(survivors or ["None."]),
            "",
            "### Equivalent mutants (not run; listed in tests/mutation/equivalent.toml)",
            "",
            *(equivalents or ["None."]),
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Mutation testing of arraybackend's core.")
    parser.add_argument("modules", nargs="*", help="modules of TARGETS to mutate (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="pytest processes at once")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--report", type=Path, help="also write the Markdown report here")
    parser.add_argument(
        "--fail-under", type=float, default=95.0, help="exit 1 below this kill rate (%%)"
    )
    parser.add_argument("--results", type=Path, help="save every outcome here (JSON lines)")
    parser.add_argument(
        "--from-results",
        type=Path,
        help="report saved outcomes again (after editing equivalent.toml), run nothing",
    )
    parser.add_argument(
        "--survivors-of",
        type=Path,
        help="run only the mutants these saved outcomes record as survived; keep the rest",
    )
    parser.add_argument("--serve", metavar="SRC", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve is not None:
        _serve(args.serve)
        return 0
    unknown = [m for m in args.modules if m not in TARGETS]
    if unknown:
        parser.error(f"not in TARGETS: {unknown!r}; choose from {list(TARGETS)!r}")
    files: list[str] = args.modules or list(TARGETS)
    by_file = {f: mutants_of(f) for f in files}
    if args.list:
        for mutant in (m for ms in by_file.values() for m in ms):
            print(f"{mutant.file}:{mutant.line}: {mutant.operator}: {mutant.text}")
        return 0
    known = {m.key for ms in by_file.values() for m in ms}
    stale = [key for key in _equivalents() if key[0] in by_file and key not in known]
    saved: dict[Key, str] = {}
    before = 0.0
    if args.from_results is not None or args.survivors_of is not None:
        saved, before = _load(args.from_results or args.survivors_of)
    rerun = "none" if args.from_results is not None else "all"
    if args.survivors_of is not None:
        rerun = "survived"
    outcomes, spent = _run(args.jobs, by_file, saved, rerun)
    seconds = before + spent
    if args.results is not None:
        rows = [json.dumps({"key": o.mutant.key, "status": o.status}) for o in outcomes]
        header = json.dumps({"seconds": seconds, "jobs": args.jobs})
        args.results.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return _finish(args, outcomes, seconds, args.jobs, stale)


def _load(path: Path) -> tuple[dict[Key, str], float]:
    """Outcomes saved by --results, and the wall time of the run(s) that produced them."""
    first, *rows = path.read_text(encoding="utf-8").splitlines()
    status: dict[Key, str] = {tuple(r["key"]): r["status"] for r in map(json.loads, rows)}
    seconds: float = json.loads(first)["seconds"]
    return status, seconds


def _run(
    jobs: int, by_file: dict[str, list[Mutant]], saved: dict[Key, str], rerun: str
) -> tuple[list[Outcome], float]:
    """Every mutant's outcome, and the seconds spent running them.

    ``rerun`` "all" runs every mutant; "survived" only those ``saved`` has as survived (or
    not at all); "none" only reports ``saved``. Equivalent mutants are never run.
    """
    equivalent = _equivalents()
    outcomes: list[Outcome] = []
    todo: dict[str, list[Mutant]] = {}
    for file, mutants in by_file.items():
        for m in mutants:
            known = saved.get(m.key)
            if known == "equivalent" and m.key not in equivalent:
                known = None  # listed as equivalent then, not now: it has no outcome yet
            if m.key in equivalent:
                if known == "killed":
                    print(f"mutate: a mutant listed as equivalent is killed: {m.key}")
                outcomes.append(Outcome(m, "equivalent", 0.0))
            elif rerun == "all" or (rerun == "survived" and known in (None, "survived")):
                todo.setdefault(file, []).append(m)
            elif known is not None:
                outcomes.append(Outcome(m, known, 0.0))
            else:
                print(f"mutate: no saved outcome for {m.file}:{m.line}: {m.text}")
    start = time.perf_counter()
    if todo:
        with (
            tempfile.TemporaryDirectory(prefix="mutate-") as scratch,
            ThreadPoolExecutor(jobs) as pool,
        ):
            runner = _Runner(jobs, Path(scratch))
            try:
                for file, mutants in todo.items():
                    for outcome in _run_module(runner, pool, file, mutants):
                        outcomes.append(outcome)
                        m = outcome.mutant
                        line = f"{outcome.status:10} {m.file}:{m.line}: {m.operator}: {m.text}"
                        print(line, flush=True)
            finally:
                runner.close()
    order = {m.key: i for i, m in enumerate(m for ms in by_file.values() for m in ms)}
    outcomes.sort(key=lambda o: order[o.mutant.key])
    return outcomes, time.perf_counter() - start


def _finish(
    args: argparse.Namespace,
    outcomes: list[Outcome],
    seconds: float,
    jobs: int,
    stale: list[Key],
) -> int:
    command = "nox -s mutate" + (f" -- {' '.join(args.modules)}" if args.modules else "")
    report = _report(outcomes, seconds, command, jobs)
    print(report)
    if args.report is not None:
        args.report.write_text(report, encoding="utf-8")
    for file, _, original, text in stale:
        print(f"mutate: equivalent.toml: no mutant {text!r} of {original!r} in {file}")
    live = [o for o in outcomes if o.status != "equivalent"]
    killed = sum(o.status in ("killed", "timeout") for o in live)
    return 1 if stale or (live and 100 * killed / len(live) < args.fail_under) else 0


if __name__ == "__main__":
    sys.exit(main())
