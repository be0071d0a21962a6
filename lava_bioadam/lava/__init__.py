"""The Lava layer (L1 ``floating_pt``, L3 ``fixed_pt``): process graphs of networks
and twins, Lava rule objects, and the watchdog every Lava run goes through. The
only package layer besides ``lava_bioadam.processes`` that imports Lava."""
from lava_bioadam.errors import require_lava

require_lava("lava_bioadam.lava (the Lava backends)")
