"""Lava processes and their models (installed as ``lava_bioadam.processes``); they
need Lava, which the core package does not."""
from lava_bioadam.errors import require_lava

require_lava("lava_bioadam.processes")
