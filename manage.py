#!/usr/bin/env python
"""Django's command-line utility for Petition Hall."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# platform/ is a source folder, not a package: a package named "platform" would shadow the
# standard-library module that uuid (and so Django) imports. Its modules (config, accounts, ...)
# are importable by their own names.
sys.path.insert(0, str(ROOT / "platform"))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
