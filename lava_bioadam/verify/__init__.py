"""Verification across levels: L0 on the Loihi schedule, the L0/L1/L2/L3 cases of
``lava-bioadam verify``, golden vectors and the rounding measurement."""
