"""L2: the integer golden model (numpy, no Lava), bit-exact with Lava ``fixed_pt``."""
