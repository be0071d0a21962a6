"""``python -m lava_bioadam``: the ``lava-bioadam`` command line."""
import sys

from lava_bioadam.app.cli import main

sys.exit(main())
