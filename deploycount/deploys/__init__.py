"""Deploy event sources behind one interface: `source_from_spec(spec).load(repo)`.

Each source turns something outside deploycount (tags, the notes ledger, GitHub, a file) into
`DeployEvent`s; linking never knows where they came from.
"""

from __future__ import annotations

from deploycount.deploys.base import DeployEvent, DeploySource, LoadedEvents, source_from_spec

__all__ = ["DeployEvent", "DeploySource", "LoadedEvents", "source_from_spec"]
