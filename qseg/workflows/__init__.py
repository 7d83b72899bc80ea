"""One wing per seed document, each run end to end from customer data to the decision:
``retention`` (the memo's action assignment analysis), ``binning`` (propensity cut-offs),
``segment`` (RFM segmentation of invoices) and ``demo`` (the seed notebook)."""
