"""Pure renderers: a Report in, a string out. Writing it somewhere is the caller's job."""

from deploycount.render.markdown import render_markdown
from deploycount.render.table import render_table

__all__ = ["render_markdown", "render_table"]
