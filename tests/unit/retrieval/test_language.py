"""The language of a question (retrieval/language.py)."""

from __future__ import annotations

from retrieval.language import detect_lang


def test_the_language_is_english_or_the_chinese_script_asked_in():
    assert detect_lang("How do I register a dog?") == "en"
    assert detect_lang("养犬要办理什么登记？") == "zh-Hans"
    assert detect_lang("養犬要辦理什麼登記？") == "zh-Hant"
    assert detect_lang("PM2.5超标怎么办？") == "zh-Hans"  # a few Latin letters in Chinese text
