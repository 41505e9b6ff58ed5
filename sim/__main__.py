"""``python -m sim``: the same as the ``bordersim`` command."""

import sys

from sim.cli import main

sys.exit(main())
