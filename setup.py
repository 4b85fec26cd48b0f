"""How the source folders become one installed package, ``hubdesk``.

The design card fixes the top-level folders (``bot/``, ``api/``, ``knowledge_base/``, ``locales/``,
``alembic/``); a wheel must not put such generic names into site-packages. So each folder is installed
under the one import name: ``bot/`` as ``hubdesk.bot``, ``alembic/`` as ``hubdesk.migrations`` and so on.
The gettext catalogs are compiled here, at build time, so a wheel carries the ``.mo`` files it needs.
Everything else about the distribution is in ``pyproject.toml``.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import find_namespace_packages, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent

# import name -> source folder (relative to this file)
FOLDERS = {
    "hubdesk": "hubdesk",
    "hubdesk.bot": "bot",
    "hubdesk.api": "api",
    "hubdesk.knowledge_base": "knowledge_base",
    "hubdesk.migrations": "alembic",
    "hubdesk.locales": "locales",
}

PACKAGE_DATA = {
    "hubdesk.api": ["static/*"],
    "hubdesk.knowledge_base": ["*.yaml", "articles/*.yaml", "corpus/*.jsonl", "corpus/*/*.jsonl", "model/*.npz"],
    "hubdesk.migrations": ["script.py.mako"],
    "hubdesk.locales": ["*/LC_MESSAGES/*.mo"],
}

DATA_ONLY = {"hubdesk.locales"}  # folders of data, not code: no subpackages


def packages() -> list[str]:
    """Every package under every mapped folder, named by its import name."""
    found = []
    for name, folder in FOLDERS.items():
        found.append(name)
        if name in DATA_ONLY:
            continue
        for sub in find_namespace_packages(where=str(HERE / folder), exclude=["*__pycache__*"]):
            if any((HERE / folder / sub.replace(".", "/")).glob("*.py")):
                found.append(f"{name}.{sub}")
    return found


class BuildWithCatalogs(build_py):
    """``build_py`` that also compiles every ``locales/*/LC_MESSAGES/*.po`` into the build."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads locales/ in the checkout (scripts/ compile it there)
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        target_root = Path(self.build_lib) / "hubdesk" / "locales"
        for po in sorted((HERE / "locales").glob("*/LC_MESSAGES/*.po")):
            target = target_root / po.relative_to(HERE / "locales").with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parent.parent.name)
            with target.open("wb") as out:
                write_mo(out, catalog, use_fuzzy=False)


setup(
    packages=packages(),
    package_dir=FOLDERS,
    package_data=PACKAGE_DATA,
    include_package_data=False,
    cmdclass={"build_py": BuildWithCatalogs},
)
