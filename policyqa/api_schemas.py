"""The API's request bodies: what each route accepts, with its bounds (FastAPI checks them and
answers 422 with the problems in words)."""

from __future__ import annotations

from pydantic import BaseModel, Field

class Turn(BaseModel):
    role: str = Field(pattern="^(user|assistant)$")
    content: str = Field(max_length=20000)


class Filters(BaseModel):
    doc: str | None = None
    region: str | None = None
    date_from: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    date_to: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    history: list[Turn] = Field(default_factory=list, max_length=40)
    filters: Filters | None = None
    # The knowledge base(s) asked: a name, or a list of names; unset = the default base (or,
    # when the caller may not ask that one, every base it may ask).
    kb: str | list[str] | None = None


class BaseRequest(BaseModel):
    name: str = Field(min_length=1, max_length=40)
    public: bool = False


class BaseChange(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=40)
    public: bool | None = None


class KeyRequest(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    roles: dict[str, list[str]] = Field(description="base name (or *) → roles among ask, read, manage")
    identity: bool = Field(False, description="an identity named by the trusted proxy header, not a key")


class FeedbackRequest(BaseModel):
    rating: str = Field(pattern="^(up|down)$")
    question: str = Field(min_length=1, max_length=2000)
    answer: str = Field("", max_length=20000)
    answer_id: str = ""
    citations: list[dict] = Field(default_factory=list, max_length=50)
    history: list[Turn] = Field(default_factory=list, max_length=40)
    declined: bool = False
    comment: str = Field("", max_length=2000)
    kb: str | None = Field(None, max_length=40, description="the base the answer came from (its `kb`)")


def filters_of(body: AskRequest) -> dict | None:
    return body.filters.model_dump(exclude_none=True) if body.filters else None
