"""Allow ``python -m carbonio_migrate``."""

from carbonio_migrate.cli import main

main()
