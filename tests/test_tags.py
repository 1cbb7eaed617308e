"""deploys/tags.py: tag globs and pre-releases, against their definitions."""

from __future__ import annotations

from fnmatch import fnmatchcase

from hypothesis import given, settings
from hypothesis import strategies as st

from deploycount.deploys.tags import _PRERELEASE, TagsSource, is_prerelease

_TAG_TEXT = st.text(alphabet="vV0123456789.-_+abcdeinoprtxyABRC*?[]!", max_size=16)


@settings(max_examples=500, deadline=None)
@given(
    name=_TAG_TEXT,
    globs=st.lists(_TAG_TEXT.filter(lambda g: g and g[0] != "+"), min_size=1, max_size=4),
)
def test_tag_globs_and_prereleases_answer_as_their_definitions(name: str, globs: list[str]) -> None:
    """The tag filter matches as `fnmatchcase` does, glob by glob; the pre-release test with its
    cheap letter check answers as the pattern alone."""
    include = [g for g in globs if not g.startswith("!")] or ["v*"]
    exclude = [g[1:] for g in globs if g.startswith("!") and len(g) > 1]
    source = TagsSource.from_argument(",".join([*include, *(f"!{g}" for g in exclude)]))
    expected = any(fnmatchcase(name, g) for g in source.include) and not any(
        fnmatchcase(name, g) for g in source.exclude
    )
    assert source.matches(name) == expected
    assert is_prerelease(name) == (_PRERELEASE.search(name) is not None)
