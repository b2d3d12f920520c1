"""One chat turn's plumbing (policyqa/ui_chat.py): filters and the feedback item."""

from __future__ import annotations

import pytest

from policyqa import ui_chat


def test_filters():
    assert ui_chat.build_filters("", " ", None) is None
    assert ui_chat.build_filters("福州市", "2012", "2016-05") == {
        "region": "福州市", "date_from": "2012-01-01", "date_to": "2016-05-31"}
    with pytest.raises(ValueError):
        ui_chat.build_filters(None, "last year", None)


def test_feedback_payload():
    record = {"question": "q", "answer": "a", "citations": [{"n": 1}], "declined": False, "history": []}
    up = ui_chat.feedback_payload(record, True)
    assert up["rating"] == "up" and up["comment"] == "" and up["citations"] == [{"n": 1}]
    assert ui_chat.feedback_payload(record, False)["rating"] == "down"
    assert ui_chat.feedback_payload(record, "Other") is None
