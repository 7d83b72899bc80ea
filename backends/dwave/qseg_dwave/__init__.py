"""qseg-dwave: qseg backends built on D-Wave's Ocean samplers."""
