"""Types of the compiled twin of `deploycount.columns.PyHistory` (see `_speedups.c`): the same
interface, method for method."""

from deploycount.columns import PyHistory as History

__all__ = ["History"]
