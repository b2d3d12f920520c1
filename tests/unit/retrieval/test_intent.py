"""What a question asks, read once per query (retrieval/intent.py)."""

from __future__ import annotations

from retrieval.query import analyse


def _intent(question: str, history: list[dict] | None = None):
    return analyse(question, history or [], lambda w: True).intent


def test_the_intent_is_read_once_per_query():
    query = analyse("养犬登记费是多少钱？", [], lambda w: True)
    assert query.intent is query.intent


def test_what_kind_of_answer_is_asked():
    assert _intent("养犬登记费是多少钱？").quantity >= {"money"}
    assert _intent("养犬人要办理哪些手续？").quantity is None
    assert _intent("养犬人要办理哪些手续？").wants_list
    assert not _intent("养犬登记费是多少钱？").wants_list
    assert _intent("不办理登记怎么处罚？").penalty and not _intent("在哪里办理登记？").penalty
    # Asking the consequence of an act asks its penalty.
    assert _intent("在楼道里给电动车充电会怎么样？").penalty and _intent("What happens if I park there?").penalty
    assert _intent("新旧两版的收费标准有什么区别？").comparison
    assert _intent("What changed between the two versions?").comparison
    assert _intent("这个办法现在还有效吗？").validity


def test_a_question_in_two_parts_asking_two_quantities_has_a_part_for_each():
    parts = _intent("一次补助多少钱？两次申领要隔多久？").quantity_parts
    assert len(parts) == 2 and "money" in parts[0][0] and "duration" in parts[1][0]
    assert "补助" in parts[0][1] and "申领" in parts[1][1]
    assert len(_intent("补助多少钱？").quantity_parts) == 1
    assert _intent("补助由谁发放？").quantity_parts == ()


def test_a_follow_up_reads_some_signals_as_asked_and_others_with_the_earlier_turn():
    history = [{"role": "user", "content": "2019年养犬登记费是多少？"}, {"role": "assistant", "content": "…"}]
    follow_up = _intent("那么罚款呢？", history)
    assert follow_up.asked == "那么罚款呢?"  # the question as asked, normalised
    assert follow_up.asked_years == () and follow_up.years == ("2019",)
    assert _intent("2019年版的办法还有效吗？").asks_version_year
