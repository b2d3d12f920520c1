"""Romanised names → corpus words (retrieval/transliterate.py)."""

from __future__ import annotations

from question_inputs import WORDS

from retrieval.transliterate import Transliterator, syllable_key


def test_loose_syllable_keys_join_spellings_of_one_syllable():
    assert syllable_key("Seng") == syllable_key("Sing") == syllable_key("Shing")
    assert syllable_key("Hou") == syllable_key("Ho")  # Macau and Hong Kong spellings
    assert syllable_key("Iat") == syllable_key("Yat")
    assert syllable_key("Kwok") == syllable_key("Gwok")
    assert syllable_key("Sam") != syllable_key("San") and syllable_key("Lee") != syllable_key("Lau")


def test_names_romanised_in_cantonese_and_wade_giles_find_corpus_words():
    names = Transliterator(WORDS)
    assert names("Ho Iat Seng") == ["贺一诚"]
    assert names("Kaohsiung") == ["高雄"]
    assert names("Ho Lam Seng") == []  # a different name: no corpus word


def test_a_romanised_place_is_found_in_the_gazetteer_whether_or_not_documents_write_it():
    from retrieval.transliterate import gazetteer_places

    assert "洛阳" in gazetteer_places("Luoyang") and "郑州" in gazetteer_places("Zhengzhou")
    assert gazetteer_places("Samaritan") == ()
