"""The apps form layers (ARCHITECTURE.md): a module imports only its own app and lower layers.

Every module of every project app is parsed (ast, so imports inside functions count too)
and each import of another app of the project is checked against the layer table below.
Two apps on one layer (donations and grants) may not import each other either.
"""

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# Lowest first; written out here rather than read from the code under test.
LAYERS = {
    "fund": 0,
    "people": 1,
    "donations": 2,
    "grants": 2,
    "banking": 3,  # bank reconciliation: reads donations and grants, read by audit
    "audit": 4,
    "config": 5,
}


def project_apps() -> set[str]:
    return {
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == ROOT.resolve()
    }


def imported_apps(path: Path):
    """(line, app) for every absolute import of a project app in the module at ``path``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in LAYERS:
                yield node.lineno, top


def layer_violations(root: Path = ROOT) -> list[str]:
    found = []
    for app, layer in LAYERS.items():
        for path in sorted((root / app).rglob("*.py")):
            for line, other in imported_apps(path):
                if other == app:
                    continue
                if LAYERS[other] >= layer:
                    found.append(
                        f"{path.relative_to(root)}:{line} imports {other} "
                        f"(layer {LAYERS[other]}) from {app} (layer {layer})"
                    )
    return found


def test_every_project_app_has_a_layer():
    assert project_apps() <= set(LAYERS), "put the new app in LAYERS and in ARCHITECTURE.md"


def test_no_app_imports_a_higher_layer_or_a_sibling():
    assert layer_violations() == []


def test_fund_imports_no_other_app_of_the_project():
    imports = {
        (str(path.relative_to(ROOT)), other)
        for path in (ROOT / "fund").rglob("*.py")
        for _line, other in imported_apps(path)
        if other != "fund"
    }
    assert imports == set()


def test_a_planted_upward_import_is_found(tmp_path):
    """The check itself works: a ledger module that imports grants is reported."""
    (tmp_path / "fund").mkdir()
    (tmp_path / "fund" / "bad.py").write_text(
        "def f():\n    from grants.models import Grant\n    return Grant\n"
    )
    (tmp_path / "grants").mkdir()
    (tmp_path / "grants" / "sibling.py").write_text("import donations.models\n")

    assert layer_violations(tmp_path) == [
        "fund/bad.py:2 imports grants (layer 2) from fund (layer 0)",
        "grants/sibling.py:1 imports donations (layer 2) from grants (layer 2)",
    ]
