"""The character index (core/char_index.py): one FTS5 token per character, punctuation a token
of its own, so that a phrase query is a substring test on normalised text."""

from __future__ import annotations

import sqlite3

from core import char_index
from core.char_index import PUNCTUATION_TOKEN, fts_phrase, spaced
from core.manifest_migrations import manifest_migrations


def _db() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", isolation_level=None)
    manifest_migrations.apply(db)
    return db


def test_spaced_is_one_token_per_character_and_punctuation_stands_apart():
    assert spaced("五華區，社區 經費") == f"五 华 区 {PUNCTUATION_TOKEN} 社 区 经 费"
    assert spaced("市区", normalised=True) == "市 区"
    assert fts_phrase("市区") == '"市 区"' and fts_phrase(" ") is None


def test_phrases_match_as_substrings_never_across_punctuation():
    db = _db()
    char_index.put(db, "a.txt", "本市，区县联动。五華區建设")
    char_index.put(db, "b.txt", "市区建设")
    assert char_index.documents_containing(db, "市区") == {"b.txt"}
    assert char_index.documents_containing(db, "五华区") == {"a.txt"}
    assert char_index.any_document_contains(db, "区县") and not char_index.any_document_contains(db, "长春")
    assert char_index.normalised_text(db, "b.txt") == "市 区 建 设"


def test_put_replaces_and_drop_removes_a_document():
    db = _db()
    char_index.put(db, "a.txt", "长春")
    char_index.put(db, "a.txt", "昆明")
    assert char_index.documents_containing(db, "长春") == set()
    assert char_index.documents_containing(db, "昆明") == {"a.txt"}
    char_index.drop(db, "a.txt")
    assert not char_index.any_document_contains(db, "昆明") and char_index.normalised_text(db, "a.txt") == ""


def test_rebuild_indexes_every_kept_text():
    db = _db()
    db.execute("INSERT INTO texts VALUES ('a.txt', '五華區')")
    char_index.rebuild(db)
    assert char_index.documents_containing(db, "五华区") == {"a.txt"}
