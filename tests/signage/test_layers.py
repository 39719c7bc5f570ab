"""The architecture holds: the layer order of `.importlinter` (core ← content, sms ← scheduling ← alerts ←
players ← reports), no import cycles anywhere in the product's packages, and no optional import that fails open."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp

from signage.config import PROJECT_ROOT

PACKAGES = ("signage", "content", "sms", "scheduling", "alerts", "players", "fleet", "reports")


def test_the_layer_contract_is_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "1 kept, 0 broken" in result.stdout


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles_anywhere():
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False, cache_dir=None)
    assert _cycles(graph) == []


def test_the_graph_counts_function_level_imports():
    """A function-level import cannot hide a cycle: the Twilio gateway, imported inside `get_gateway`, is seen."""
    graph = grimp.build_graph("sms", include_external_packages=False, cache_dir=None)
    assert graph.direct_import_exists(importer="sms.gateways", imported="sms.gateways.twilio_gateway")


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for module in ("a", "a.b", "a.c"):
        graph.add_module(module)
    graph.add_import(importer="a.b", imported="a.c")
    graph.add_import(importer="a.c", imported="a.b")
    assert _cycles(graph) == [["a.b", "a.c"]]


def test_no_import_is_wrapped_in_an_except_import_error():
    """An optional import that fails open (e.g. "not in use" when scheduling fails to import) would make
    on-air media deletable; every import of the product is plain."""
    offenders = []
    for package in PACKAGES:
        for path in (PROJECT_ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Try) and any(
                    isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                    for h in node.handlers
                ):
                    offenders.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}")
    assert offenders == []


def test_no_bench_script_shadows_a_package():
    """Benches run with bench/ first on sys.path (and their gunicorn children too): a bench named like a
    package would be imported in its place."""
    benches = {path.stem for path in (PROJECT_ROOT / "bench").glob("*.py")}
    assert benches & set(PACKAGES) == set()
