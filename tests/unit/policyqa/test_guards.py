"""The request guard's per-client rate limit: questions count, a chat page's own bookkeeping
events do not (a page fires more of them at once than the burst; refusing one leaves it loading)."""

from __future__ import annotations

from starlette.testclient import TestClient

from policyqa.guards import GuardOptions, RequestGuard


async def ok(scope, receive, send):
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


def client() -> TestClient:
    guard = RequestGuard(ok, admin_token=None, options=GuardOptions(rate_per_minute=1, rate_burst=2), ui_path="/ui")
    return TestClient(guard)


def test_a_chat_pages_own_events_are_not_rate_limited():
    c = client()
    codes = [c.post("/ui/gradio_api/run/predict", json={"data": []}).status_code for _ in range(10)]
    assert codes == [200] * 10


def test_questions_from_the_chat_page_and_the_api_are():
    c = client()
    codes = [c.post("/ui/gradio_api/queue/join", json={"data": []}).status_code for _ in range(3)]
    assert codes[:2] == [200, 200] and codes[2] == 429
    assert c.post("/api/ask", json={"question": "经费"}).status_code == 429  # the same client's bucket
