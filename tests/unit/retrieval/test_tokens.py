"""Question tokens (retrieval/tokens.py): a question's words less the words it asks with."""

from __future__ import annotations

from retrieval.tokens import question_tokens, question_words, tokenize


def test_a_piece_of_a_question_word_asks_too():
    # Search mode cuts 多长时间 into 多长, 时间 and 长时间: 时间 is part of the asking, not a topic.
    assert "时间" in tokenize("办理登记需要多长时间")
    assert "时间" not in question_tokens("办理登记需要多长时间")
    assert {"办理", "登记"} <= set(question_tokens("办理登记需要多长时间"))
    # …while the same word standing on its own is the question's topic.
    assert "时间" in question_tokens("开放时间有什么规定")


def test_learned_question_words_are_no_topic():
    words = question_words()
    assert {"何处", "哪一年"} <= words  # counted on thousands of questions, not listed by hand
    tokens = question_tokens("这座水库建于哪一年")
    assert "哪一年" not in tokens and "一年" not in tokens and "水库" in tokens
    assert "何处" not in question_tokens("该河发源于何处")


def test_english_questions_keep_their_words():
    assert question_tokens("how long does the review take") == tokenize("how long does the review take")


def test_a_search_piece_across_the_seam_of_two_others_is_no_question_word():
    # 办公用房 → 办公, 用房 (its words) and 公用 (a word across their seam, about something else)
    tokens = question_tokens("要留多少办公用房")
    assert "办公" in tokens and "用房" in tokens and "办公用房" in tokens
    assert "公用" not in tokens
    # A piece inside one word only stays (社会 and 保险 of 社会保险).
    assert {"社会", "保险", "社会保险"} <= set(question_tokens("社会保险怎么缴"))
