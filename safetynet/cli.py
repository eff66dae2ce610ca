"""The `safetynet` command: every Django management command, under one name.

`safetynet --help` lists the commands; `safetynet COMMAND --help` explains one.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safetynet.settings.dev")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        args = ["help"]
    execute_from_command_line(["safetynet", *args])


if __name__ == "__main__":
    main()
