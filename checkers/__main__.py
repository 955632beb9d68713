"""__main__.py — `python -m pybskip.checkers ...` runs the CLI (cli.py documents it)."""
import sys

from .cli import main

sys.exit(main())
