"""The `apertura` command: Django's management verbs plus the product's own (demo, serve, plan…)."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apertura.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["apertura", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
