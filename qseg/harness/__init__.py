"""Running cells (build, solve, decode, evaluate) and the metrics they report."""
