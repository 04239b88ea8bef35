"""The training modules that read, write and sample bundles import each other in one direction only (issue 19, item 8):
bundle loading lives in training/bundle.py, which imports neither the sampler nor the exporter."""
import ast
from pathlib import Path

TRAINING = Path(__file__).resolve().parents[1]


def import_graph():
    """module -> the training modules it imports anywhere in its file (also inside functions: a lazy import that
    dodges a cycle is still a cycle)."""
    graph = {}
    for path in TRAINING.glob("*.py"):
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                found.update([node.module.split(".")[0]] if node.module else [a.name for a in node.names])
        graph[path.stem] = found
    return graph


def reaches(graph, start, goal):
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        for nxt in graph.get(node, ()):
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


def test_bundle_export_and_sample_are_on_no_import_cycle():
    graph = import_graph()
    for module in ("bundle", "export", "sample"):
        assert not reaches(graph, module, module), f"training/{module}.py imports itself through another module"
    assert not ({"sample", "export"} & graph["bundle"])
