"""Follow-up questions and their standalone form (retrieval/followup.py)."""

from __future__ import annotations

from retrieval.followup import condense, is_follow_up

HISTORY = [{"role": "user", "content": "养犬要办理什么登记？"}, {"role": "assistant", "content": "…"}]


def test_a_follow_up_is_searched_with_the_previous_question():
    assert is_follow_up("那么费用呢？", HISTORY) and condense("那么费用呢？", HISTORY) == "养犬要办理什么登记？ 那么费用呢？"
    assert not is_follow_up("那么费用呢？", [])  # no earlier turn
    assert condense("停车收费标准是多少？", HISTORY) == "停车收费标准是多少？"
    assert is_follow_up("What about the fee?", HISTORY) and is_follow_up("And fees?", HISTORY)
