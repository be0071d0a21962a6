"""Lava 0.10's fixed-point learning engine as numbers: widths, ranges, rounding,
the shift of each product and the quantisation of scaling constants; and the
integer arithmetic of the fixed-point units (``neuron``).

No Lava import: ``tests/test_engine.py`` checks the widths against Lava itself.
"""
