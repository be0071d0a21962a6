"""Application layer: configs, data sets, training loops and the command line."""
