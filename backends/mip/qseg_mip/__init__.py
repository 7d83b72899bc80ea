"""qseg-mip: exact MILP references (CBC through PuLP, HiGHS through highspy)."""
