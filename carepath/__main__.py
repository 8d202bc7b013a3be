"""``python -m carepath``."""

from carepath.cli import main

main()
