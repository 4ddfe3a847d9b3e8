"""Layers point one way and each place is found by its name (CONTRIBUTING, "The shape"): no module
imports one that imports it back, `slack/` and `scheduler/` know no feature, and a feature reads
another only where CONTRIBUTING says it may. Imports inside functions count too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "slackapp"
FEATURES = {"club", "profiles", "leads", "micro", "alerts", "ask", "intros", "habit", "digest", "gigs", "events", "passport", "home", "privacy", "installs", "review", "roles", "resumebook", "companies"}
# The club's own records (its settings and officers, its members' profiles): any feature reads them.
FOUNDATION = {"club", "profiles"}
# Features that read across the others, each in one named place; and hooks a feature registers in another.
# roles/openitems.py reads (and, for a handover, moves) every feature's open items.
READERS = {"digest", "home", "passport", "privacy", "review", "roles"}
# What a feature adds to another's command (leads/sections.py): micro-internship projects head
# /internships searches, and /internships micro and /internships habit are answered by their features.
HOOKS = {("micro", "leads"), ("habit", "leads")}
# Alerts are saved /internships searches: they match leads and projects as search does, show them
# as leads and micro show them, and save or bid through their listeners.
HOOKS |= {("alerts", "leads"), ("alerts", "micro")}
# A follow's DMs carry the company's new events too: alerts match them and show them as events
# show them, with the events' own Going button.
HOOKS |= {("alerts", "events")}
# Companies link leads, projects and events to their records and show them on a company page;
# a follow is an alert (one DM path), whose matcher links new rows first through a hook.
HOOKS |= {("companies", "leads"), ("companies", "micro"), ("companies", "events"), ("companies", "alerts")}
SHARED = {"slack", "scheduler"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            # `from package import module` needs the module, not the package's __init__.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _area(module: str) -> str:
    """The top-level place a module is in: "leads" for slackapp.leads.handlers.browse."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_no_module_imports_one_that_imports_it_back(graph):
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    assert cycles == []


def test_slack_and_the_scheduler_know_no_feature(graph):
    crossing = [
        f"{module} -> {target}"
        for module, targets in graph.items()
        if _area(module) in SHARED
        for target in targets
        if _area(target) in FEATURES or target in ("slackapp.app", "slackapp.models") or (_area(module) == "slack" and _area(target) == "scheduler")
    ]
    assert crossing == []


def test_features_read_each_other_only_where_allowed(graph):
    crossing = []
    for module, targets in graph.items():
        source = _area(module)
        if source not in FEATURES:
            continue
        for target in targets:
            other = _area(target)
            if other in FEATURES and other != source and other not in FOUNDATION and source not in READERS and (source, other) not in HOOKS:
                crossing.append(f"{module} -> {target}")
            if other in FOUNDATION and source in FOUNDATION and other != source and not (source, other) == ("profiles", "club"):
                crossing.append(f"{module} -> {target}")
    assert crossing == []
