"""Commands that write the knowledge base refuse to write into an installed wheel.

An installed HubDesk keeps its articles and model inside site-packages, where the next
``pip install --upgrade`` silently replaces them: an import or a rebuilt model written there is lost
without a word. So a hub that edits its knowledge base first copies it somewhere of its own and points
``HUBDESK_KB_DIR`` there; the refusal says how.
"""

from __future__ import annotations

import sys
from pathlib import Path

from hubdesk.settings import get_settings, in_installed_package


def refuse_installed_kb(command: str, directory: Path) -> bool:
    """True (after saying why on stderr) when ``directory`` is the installed package's own copy."""
    if not in_installed_package(directory):
        return False
    own = get_settings().HUBDESK_DATA_DIR / "knowledge_base"
    print(
        f"hubdesk {command}: {directory} is the knowledge base inside the installed package; the next "
        f"upgrade would replace what this writes there. Copy it to a folder of your own and use that:\n"
        f"  cp -r {directory} {own}\n"
        f"  export HUBDESK_KB_DIR={own}",
        file=sys.stderr,
    )
    return True
