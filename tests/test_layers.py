"""The import contract: ``platform/`` is what every part stands on, so it never imports the parts above it.

``platform/`` may not import ``cases``, ``tenants``, ``public_site`` or ``api``: not at module level, not
inside a function, not by a dotted string handed to ``importlib.import_module`` (or ``__import__``,
``django.utils.module_loading.import_string``). Where platform code needs something from above, the upper
layer installs it (a signal, a callback registered in its AppConfig.ready) or the caller passes it in;
URL confs name the parts they route to by dotted string (``include("api.agency_urls")``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLATFORM = ROOT / "platform"
UPPER_LAYERS = frozenset({"cases", "tenants", "public_site", "api"})
STRING_IMPORTERS = frozenset({"import_module", "__import__", "import_string"})


def imported_modules(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, dotted module name) of every absolute import in ``tree``, at any depth."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:  # relative imports stay inside their package
                yield node.lineno, node.module
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if name in STRING_IMPORTERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield node.lineno, first.value


def upward_imports(source: str, filename: str) -> list[str]:
    """``file:line imports module`` for each import of an upper layer in ``source``."""
    tree = ast.parse(source, filename=filename)
    return [
        f"{filename}:{line} imports {module}"
        for line, module in imported_modules(tree)
        if module.split(".", 1)[0] in UPPER_LAYERS
    ]


def test_platform_never_imports_the_layers_above_it():
    offenders = []
    for path in sorted(PLATFORM.rglob("*.py")):
        offenders += upward_imports(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert not offenders, "platform/ must not import cases, tenants, public_site or api:\n" + "\n".join(
        offenders
    )


def test_the_contract_sees_every_kind_of_import():
    source = "\n".join(
        [
            "import cases.models",
            "from tenants.models import AgencyKind",
            "def f():",
            "    from cases.index.models import CaseIndex",
            "    import importlib",
            "    importlib.import_module('public_site.views')",
            "    return __import__('api')",
            "from . import sibling",
            "from django_tenants.utils import schema_context",
            "import config.clock",
            "include('api.agency_urls')",
        ]
    )
    assert upward_imports(source, "platform/x.py") == [
        "platform/x.py:1 imports cases.models",
        "platform/x.py:2 imports tenants.models",
        "platform/x.py:4 imports cases.index.models",
        "platform/x.py:6 imports public_site.views",
        "platform/x.py:7 imports api",
    ]
