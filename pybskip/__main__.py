"""__main__.py — `python -m pybskip ...` is the `pybskip` command (cli.py documents it)."""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
