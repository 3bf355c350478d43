"""Run the allocation command line: ``python -m allocation solve PROBLEM.json``."""

import sys

from .cli import main

sys.exit(main())
