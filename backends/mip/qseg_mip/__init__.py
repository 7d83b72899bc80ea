"""qseg-mip: exact MILP references (CBC through PuLP, HiGHS through highspy; Gurobi and SCIP
with the ``gurobi`` and ``scip`` extras)."""
