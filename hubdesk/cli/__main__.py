"""``python -m hubdesk.cli``: the same as the ``hubdesk`` command (tests and the browser harness use it)."""

import sys

from hubdesk.cli import main

sys.exit(main())
