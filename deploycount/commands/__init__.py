"""One module per command that does I/O: each reads its settings, calls the pure core and hands
data or text back to the CLI, which alone writes to the terminal."""

from __future__ import annotations

from deploycount.config import FileConfig, load_config
from deploycount.repository import Repository


def open_repository(directory: str, config_path: str | None) -> tuple[Repository, FileConfig]:
    """The repository around `directory` and its config (`--config PATH` or the default file)."""
    repo = Repository(directory)
    config, _ = load_config(config_path, repo.root)
    return repo, config
