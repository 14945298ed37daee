"""Coding results sections of included studies, with suggestions a coder decides on.

One module per job: ``documents`` (read txt/md/docx/pdf), ``segments`` (paragraphs
and sentences with offsets, quotations whole), ``codebook`` (hierarchical codes and
their history), ``codebook_io`` (JSON, TOML, CSV, REFI-QDA .qdc), ``suggest`` (per-code
few-shot model), ``inductive`` (candidate new codes), ``agreement`` (Cohen's kappa),
``evaluate`` (top-1/top-3 protocols), ``store``/``applications``/``learn`` (the
project store side). Every code application is a coder's decision.
"""
