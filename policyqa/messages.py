"""What the interfaces say about a file they could not index, in the interface's language.

Loaders and the pipeline name each problem with a kind (`LoadError.kind`, `FileResult.kind`);
their English reasons stay as they are for the CLI and logs. This catalogue turns a kind into a
message for a person: which file, what is wrong, what to do. English keeps the loader's own
reason, which is already specific; Chinese says the same in Chinese (the technical detail —
an exception name, a byte offset — stays in the English reason and the server log).
"""

from __future__ import annotations

from pathlib import Path

from ingest.loaders import LIMITS, LOADERS

# kind → (what is wrong, what to do). {fmt} is the file's format (PDF, .docx…).
PROBLEMS_ZH: dict[str, tuple[str, str]] = {
    "empty": ("文件中没有可读取的文字", "请确认文件内容完整后重新上传"),
    "corrupt": ("文件已损坏或不是有效的 {fmt} 文件，无法读取",
                "请用原软件打开并重新另存为 {fmt}（或 .docx / .pdf）后再上传"),
    "password": ("文件设有密码或加密保护，无法读取", "请去掉密码后重新上传"),
    "not_text": ("文件不是可识别编码的文本（可能是二进制文件或扩展名有误）",
                 "请另存为 UTF-8 编码的 .txt，或使用与内容相符的扩展名后重新上传"),
    "wrong_format": ("文件内容与扩展名 {fmt} 不符", "请按实际格式另存（如 .docx、.xlsx）后重新上传"),
    "old_format": ("文件是早期的 Word 6/95 格式，不受支持", "请用 Word 或 WPS 另存为 .docx 后重新上传"),
    "zip_bomb": ("文件解压后体积异常巨大，已按安全规则拒绝", "请检查文件来源，另存为普通文档后重新上传"),
    "too_large": ("文件超过大小上限（{limit} MiB）", "请拆分为较小的文件后分别上传"),
    "too_much": ("文件内容超过处理上限（页数、单元格或图像尺寸过大）", "请拆分文件或缩小图像后重新上传"),
    "not_prose": ("文件中有一大段文字没有任何标点或换行，不像正文", "请检查文件内容（可能是导出错误）后重新上传"),
    "needs_ocr": ("这是扫描件或图片，需要文字识别（OCR）才能读取",
                  "请管理员安装 OCR 组件（pip install -e \".[ocr]\"），或上传带文字层的版本"),
    "ocr_failed": ("文字识别（OCR）未能从文件中读出文字", "请上传更清晰的扫描件或带文字层的版本"),
    "unsupported": ("不支持 {fmt} 格式的文件", "支持的格式：{supported}；请另存为其中一种后上传"),
    "link": ("这是符号链接，出于安全原因不读取", "请上传文件本身"),
    "not_regular": ("这不是普通文件，未读取", "请上传文件本身"),
    "not_uploaded": ("这不是上传到服务器的文件，未读取", "请通过「上传文档」重新选择文件上传"),
    "io": ("读取文件时出错", "请重新上传；如仍失败，请把服务器日志提供给管理员"),
    "write_failed": ("写入知识库时出错，文件未收录", "请稍后重试；如仍失败，请检查知识库服务（/api/health）"),
    "original_missing": ("保存的原始文件已丢失，无法重建索引", "请重新上传该文件"),
    "missing": ("文件不存在", "请检查文件路径"),
    "unreadable": ("无法读取该文件", "请用原软件打开并另存后重新上传"),
}

STATUS_ZH = {"indexed": "已收录", "updated": "已更新", "unchanged": "未变化", "duplicate": "重复",
             "failed": "失败", "skipped": "已跳过"}
STATUS_EN = {"indexed": "indexed", "updated": "updated", "unchanged": "unchanged",
             "duplicate": "duplicate", "failed": "failed", "skipped": "skipped"}


def _fmt(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return {".pdf": "PDF", ".ofd": "OFD"}.get(suffix, suffix or "（无扩展名）")


def status_label(status: str, lang: str = "zh") -> str:
    return (STATUS_EN if lang == "en" else STATUS_ZH).get(status, status)


def file_message(result, lang: str = "zh", title: str = "") -> str:
    """One line about one file's result (a `FileResult`), for the person who sent it: the file
    (by `title` when known, else its name), what happened, and for a problem what to do."""
    name = result.doc or result.path
    if lang == "en":
        if result.status in ("indexed", "updated"):
            return f"{name}: {result.status}, {result.chunks} passages" + (f" ({result.reason})" if result.reason else "")
        return f"{name}: {result.reason or result.status}"
    shown = f"《{title}》" if title else f"「{name}」"
    if result.status in ("indexed", "updated"):
        note = "（部分内容已修复或截断，详见日志）" if result.reason else ""
        return f"{shown}{STATUS_ZH[result.status]}，共 {result.chunks} 个段落。{note}"
    if result.status == "unchanged":
        return f"{shown}已收录且内容未变化，无需重复上传。"
    if result.status == "duplicate":
        other = f"「{result.other}」" if result.other else "另一份文件"
        return f"{shown}与已收录的{other}内容相同，未重复收录。"
    problem, action = PROBLEMS_ZH.get(result.kind or "unreadable", PROBLEMS_ZH["unreadable"])
    values = {"fmt": _fmt(name), "limit": LIMITS.max_file_bytes // 1_048_576, "supported": "、".join(sorted(LOADERS))}
    return f"「{name}」{problem.format(**values)}。{action.format(**values)}。"


__all__ = ["PROBLEMS_ZH", "file_message", "status_label"]
