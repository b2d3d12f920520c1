"""Script and normalisation (core/script.py)."""

from __future__ import annotations

import pytest

from core.script import detect_lang, is_traditional, normalise, to_simplified, to_traditional


def test_normalise_folds_width_script_and_case():
    assert normalise("ＡＢＣ１２３條例") == "abc123条例"


def test_simplified_and_traditional_round_trip():
    assert to_traditional("养犬管理条例") == "養犬管理條例"
    assert to_simplified("養犬管理條例") == "养犬管理条例"


def test_traditional_is_told_by_the_characters_that_change():
    assert is_traditional("本條例自公布日施行")
    assert not is_traditional("本条例自公布日施行")
    assert not is_traditional("no Han characters at all")


@pytest.mark.parametrize("text, lang", [
    ("How long is the review period?", "en"),
    ("审核期限是多久？", "zh-Hans"),
    ("審核期限是多久？", "zh-Hant"),
    ("PDF文件的审核期限", "zh-Hans"),  # a few Latin letters in a Chinese question
])
def test_detect_lang(text, lang):
    assert detect_lang(text) == lang
