"""`deploycount report --suggest`: a `[services]` section from the repository's release tags and
package manifests, for a monorepo's `.deploycount.toml`."""

from __future__ import annotations

from deploycount.deploys.tags import package_tags
from deploycount.history import Repository
from deploycount.services import MANIFESTS, Package, manifest_name, suggest_services

_MAX_DEPTH = 4  # packages/scope/name/package.json
_MAX_MANIFESTS = 2000


def suggest(directory: str) -> str:
    repo = Repository(directory)
    tagged = package_tags([tag.name for tag in repo.tags()])
    # Installed dependencies are nobody's service.
    files = [p for p in repo.head_files() if "node_modules/" not in p and "vendor/" not in p]
    directories = {
        "/".join(parts[:depth])
        for path in files
        for parts in [path.split("/")[:-1]]
        for depth in range(1, min(len(parts), _MAX_DEPTH - 1) + 1)
    }
    manifests = [
        path for path in files
        if path.rsplit("/", 1)[-1] in MANIFESTS and path.count("/") < _MAX_DEPTH
    ][:_MAX_MANIFESTS]  # fmt: skip
    packages = []
    for path, text in repo.head_texts(manifests).items():
        name = manifest_name(path, text)
        if name is not None:
            packages.append(Package(name, path.rpartition("/")[0]))
    return suggest_services(tagged, packages, directories)
