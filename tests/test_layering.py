"""The layers, enforced: the core never imports a channel, HTTP or the command line.

Read from the source with ``ast`` (imports inside functions count too), so a lazy import cannot hide an
upward dependency. Layers, bottom to top: ``hubdesk.knowledge_base`` (content and its loader), the core
(every other module of ``hubdesk``), ``hubdesk.bot`` (channel adapters), ``hubdesk.api`` (HTTP and pages),
``hubdesk.cli`` (the command that starts them all). A module may import its own layer and those below.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SOURCES = {"hubdesk": "hubdesk", "hubdesk.bot": "bot", "hubdesk.api": "api",
           "hubdesk.knowledge_base": "knowledge_base", "hubdesk.migrations": "alembic"}
LAYERS = ["hubdesk.knowledge_base", "core", "hubdesk.bot", "hubdesk.api", "hubdesk.cli", "hubdesk.migrations"]
GENERIC = {"bot", "api", "knowledge_base"}  # installed only under hubdesk.*: a bare import would load a second copy


def layer_of(module: str) -> str:
    for layer in ("hubdesk.knowledge_base", "hubdesk.bot", "hubdesk.api", "hubdesk.cli", "hubdesk.migrations"):
        if module == layer or module.startswith(layer + "."):
            return layer
    return "core"


def modules() -> dict[str, Path]:
    found = {}
    for package, folder in SOURCES.items():
        for path in (REPO / folder).rglob("*.py"):
            parts = path.relative_to(REPO / folder).with_suffix("").parts
            found[".".join((package, *parts)).removesuffix(".__init__")] = path
    return found


def imports_of(path: Path, module: str = "") -> set[str]:
    """Every module ``path`` imports, absolute names; relative imports are resolved against ``module``."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            source = ".".join([*base, *([node.module] if node.module else [])])
            if node.module:
                names.add(source)
            names.update(f"{source}.{alias.name}" for alias in node.names)
    return names


def upward_imports(module: str, imported: set[str]) -> list[str]:
    own = LAYERS.index(layer_of(module))
    return sorted(name for name in imported if name.split(".")[0] == "hubdesk" and LAYERS.index(layer_of(name)) > own)


MODULES = modules()


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_a_layer_above_its_own(module: str) -> None:
    upward = upward_imports(module, imports_of(MODULES[module], module))
    assert not upward, f"{module} ({layer_of(module)}) imports from a layer above: {upward}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_nothing_imports_the_folders_by_their_bare_names(module: str) -> None:
    bare = sorted(name for name in imports_of(MODULES[module], module) if name.split(".")[0] in GENERIC)
    assert not bare, f"{module} imports {bare}; use hubdesk.bot / hubdesk.api / hubdesk.knowledge_base"


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The rule itself, on a made-up module: a lazy import of a channel from the core is caught."""
    source = tmp_path / "sneaky.py"
    source.write_text("def f():\n    from hubdesk.bot.telegram import send\n    import hubdesk.api.main\n")
    imported = imports_of(source)
    assert upward_imports("hubdesk.conversation", imported) == [
        "hubdesk.api.main", "hubdesk.bot.telegram", "hubdesk.bot.telegram.send"]
    assert upward_imports("hubdesk.api.routes.chat", imported) == []
    assert upward_imports("hubdesk.bot.whatsapp.channel", imported) == ["hubdesk.api.main"]
    relative = tmp_path / "relative.py"
    relative.write_text("from ..bot.telegram import send\nfrom . import dialog\n")
    assert upward_imports("hubdesk.engine.relative", imports_of(relative, "hubdesk.engine.relative")) == [
        "hubdesk.bot.telegram", "hubdesk.bot.telegram.send"]
    assert "hubdesk.engine.dialog" in imports_of(relative, "hubdesk.engine.relative")
    assert len(MODULES) > 60 and "hubdesk.dialog" in MODULES and "hubdesk.bot.telegram.handlers" in MODULES
