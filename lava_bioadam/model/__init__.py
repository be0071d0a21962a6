"""Level L0: the float64 reference of the model (numpy only, no Lava)."""
from lava_bioadam.model.optimizers import (SGD, Adam, SynapticAdam, SynapticN1, SynapticN2,
                                           make_optimizer)
from lava_bioadam.model.network import Network, symmetry

__all__ = ["SGD", "Adam", "SynapticAdam", "SynapticN1", "SynapticN2", "make_optimizer",
           "Network", "symmetry"]
