"""Helpers shared by the ingest unit tests."""

import pytest

from ingest.clean import clean
from ingest.metadata import extract_metadata


@pytest.fixture
def meta_of():
    """Metadata of a text as ingest reads it: cleaned, its first line the loader's title."""
    def meta_of(text, title="", file_name="x.txt"):
        return extract_metadata(title or text.strip().split("\n")[0], clean(text).text, file_name=file_name)
    return meta_of
