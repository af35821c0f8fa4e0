"""Benchmarks of sentikit against its peers (fastText, a plain scikit-learn pipeline) on the shared corpora.

Not part of the installed package: run `python benchmarks/run.py --help` from the repository root.
"""
