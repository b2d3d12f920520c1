"""Errors said to a person: each carries its text in Chinese and in English, and an HTTP status,
so that the CLI, the API and the UI say the same thing in the user's language (Chinese unless
the request is in English)."""

from __future__ import annotations


class UserError(ValueError):
    """A refusal or a bad input, said in both languages (`str()` is the Chinese text)."""

    def __init__(self, zh: str, en: str, status: int = 400) -> None:
        super().__init__(zh)
        self.zh = zh
        self.en = en
        self.status = status

    def text(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh
