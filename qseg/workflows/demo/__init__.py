"""``qseg demo``: the seed notebook reproduced end to end on ``seed-000``, with every method the
framework adds beside the notebook's own, written as ``demo.md`` and a self-contained
``demo.html`` with figures.

``run.py`` computes the typed results (``results.py``; sections in ``targeting.py``,
``medoids.py``, ``extras.py``), ``plots.py`` draws them, ``page.py`` lays out the page and
``write.py`` writes the folder atomically.
"""

from qseg.workflows.demo.results import DemoResult, DemoSettings
from qseg.workflows.demo.run import run_demo
from qseg.workflows.demo.write import write_demo

__all__ = ["DemoResult", "DemoSettings", "run_demo", "write_demo"]
