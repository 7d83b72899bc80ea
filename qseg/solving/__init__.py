"""One solve, end to end: resolve the backend and formulation, build the model, run the backend,
decode and score every read against the constrained model (``solve``), the exact reference
(``reference``) and penalty tuning (``tuning``). ``qseg.solve`` is ``solving.solve.solve``."""
