"""``python -m microgradnd`` and the ``microgradnd`` console script: see ``microgradnd.cli``."""
from __future__ import annotations

import sys


def main(argv=None) -> int:
    """Entry point of the command line (``graph``, ``explain``, ``demo``); returns the exit status."""
    from .cli import main as _main

    return _main(argv)


if __name__ == "__main__":
    sys.exit(main())
