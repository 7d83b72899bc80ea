"""What a researcher reads from stores: the table of cells every report reads (``frame``:
``load_frame(store)`` is a store as a DataFrame, its columns named by constants), the report
(``report``, ``figures``, performance profiles), the comparison of two runs (``compare``,
``compare_page``, ``compare_figure``) and the QOBLIB export. Reports read ``qseg.store`` only:
they never solve, and never import the harness or a problem (docs/architecture.md, "Layers")."""
