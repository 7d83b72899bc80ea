"""qseg-qiskit: the QAOA backend on qiskit-optimization and qiskit-aer."""
