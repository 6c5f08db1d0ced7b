"""``python -m watchdog`` runs the CLI."""

from watchdog.cli.main import main

main()
