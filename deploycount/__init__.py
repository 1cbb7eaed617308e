"""deploycount: measure AI-assisted work by what ships, not by tokens burned."""

from deploycount.model import Report

__all__ = ["Report"]
__version__ = "0.1.0"
