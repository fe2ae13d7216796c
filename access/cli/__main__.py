"""``python -m access.cli``: the ``access`` command."""

from access.cli import main

main()
