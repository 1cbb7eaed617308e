"""Types of the compiled twin of `deploycount.history.columns.PyHistory` (see `_speedups.c`):
the same interface, method for method."""

from deploycount.history.columns import PyHistory as History

__all__ = ["History"]
