"""Synaptic Adam and learned weight symmetry on emulated Loihi cores (Lava 0.10).

Layers, lowest first (each imports only layers above it in this list): ``model``
(L0 float64 reference), ``engine`` (the learning engine's widths and constants),
``rules`` (fixed-point learning rules), ``codes`` (the neuron codes), ``golden``
(L2 integer golden model), ``lava`` and ``processes`` (L1/L3, the only users of
Lava), ``verify``, and the application layer ``app`` (config, data, training, CLI).
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lava-bioadam")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"
