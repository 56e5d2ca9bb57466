"""The README's figures: the rows made from each results file, and how each is measured.

``benchmarks.report`` renders them into the README and runs them with ``--run``.
"""
