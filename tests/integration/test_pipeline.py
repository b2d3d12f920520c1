"""Ingest → store → ask round trips on real text with the real embedder and a real Chroma."""

from __future__ import annotations

import shutil

import pytest

from conftest import SAMPLE
from ingest.clean import clean
from ingest.loaders import load
from ingest.split import split
from core.settings import load_settings
from policyqa.assistant import Assistant


def test_cleaning_keeps_exact_provenance():
    doc = load(SAMPLE / "000_ae0893ff2c0552a2.txt")
    cleaned = clean(doc.text)
    assert "(bào)" in doc.text and "(bào)" not in cleaned.text
    assert "???" in doc.text and "?" not in cleaned.text
    for chunk in split(doc, cleaned):
        # every cleaned character comes from the original, in order, inside the chunk's span
        span = doc.text[chunk.start:chunk.end]
        it = iter(span)
        assert all(ch in it for ch in chunk.text)


def test_page_fragments_are_joined_and_furniture_dropped():
    doc = load(SAMPLE / "002_91d554ad338f1578.txt")
    text = clean(doc.text).text
    assert "第1页 / 共6页" not in text and "金锄头文库" not in text
    assert "65%" in text  # "…65" + page break + "13、%" becomes one figure again


def test_round_trip_cites_the_passage_with_its_exact_span(assistant):
    answer = assistant.ask("新建住宅小区要配建多大面积的社区办公用房？")
    assert not answer.declined
    assert "400平方米" in answer.text.splitlines()[0]
    assert answer.citations and all(c.doc == "004_df71fea4efc04293.txt" for c in answer.citations)
    original = (SAMPLE / "004_df71fea4efc04293.txt").read_text(encoding="utf-8")
    for c in answer.citations:
        assert original[c.start:c.end] == c.quote and c.quote  # exact span of the source
        assert f"[{c.n}]" in answer.text


def test_traditional_question_finds_simplified_text(assistant):
    answer = assistant.ask("新建住宅小區要配建多大面積的社區辦公用房？")
    lead, evidence = answer.text.split("\n", 1)
    assert lead.startswith("答：") and "400平方米" in lead  # the asked figure first
    assert evidence.startswith("根據")  # the answer's own words follow the question's script


def test_unanswerable_year_is_declined_without_sources(assistant):
    answer = assistant.ask("柳园镇2031年发放的救助金总额是多少？")
    assert answer.declined and not answer.citations


def test_reingest_is_idempotent_and_changed_file_replaces_chunks(sample_store, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    a = Assistant(load_settings(store=store))
    before = a.store.count_chunks()
    again = a.ingest([SAMPLE])
    assert again.count("unchanged") == 5 and a.store.count_chunks() == before
    vectors_before = a.store.vectors.count()
    n_old = [d["chunks"] for d in a.store.documents() if d["doc"] == "003_d7efb97d53a1ff80.txt"][0]

    folder = tmp_path / "docs"
    folder.mkdir()
    edited = folder / "003_d7efb97d53a1ff80.txt"
    edited.write_text((SAMPLE / edited.name).read_text(encoding="utf-8") + "\n柳园镇新增测试条款：每户补助999元。\n",
                      encoding="utf-8")
    report = a.ingest([edited])
    assert report.results[0].status == "updated"
    n_doc = [d["chunks"] for d in a.store.documents() if d["doc"] == edited.name][0]
    assert a.store.vectors.count() == vectors_before - n_old + n_doc  # old chunks gone
    assert "999元" in a.ask("柳园镇新增的测试条款每户补助多少钱？").text


def test_documents_prepared_by_older_rules_are_prepared_again(sample_store, tmp_path):
    """After an upgrade of the ingest rules (regions, headings, splitting), re-ingesting the same
    files re-prepares them; with the rules unchanged, it skips them."""
    import json
    import sqlite3

    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    manifest = next(store.glob("*.manifest.sqlite3"))
    with sqlite3.connect(manifest) as db:  # what a store written by an older release holds
        for doc, meta in db.execute("SELECT doc, meta FROM documents").fetchall():
            meta = json.loads(meta)
            meta["ingest_rules"] = "older-rules"
            db.execute("UPDATE documents SET meta=? WHERE doc=?", (json.dumps(meta), doc))
    a = Assistant(load_settings(store=store))
    before = a.store.count_chunks()
    report = a.ingest([SAMPLE])
    assert report.count("updated") == 5 and a.store.count_chunks() == before
    assert {d["meta"]["ingest_rules"] for d in a.store.documents()} != {"older-rules"}
    assert a.ingest([SAMPLE]).count("unchanged") == 5


def test_store_reopens_after_restart(sample_store, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    first = Assistant(load_settings(store=store))
    n = first.store.count_chunks()
    first.store.close()
    del first
    second = Assistant(load_settings(store=store))
    assert second.store.count_chunks() == n
    assert second.store.vectors.count() == n


def test_one_broken_file_does_not_stop_the_others(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("五华区每个社区配备专职党务工作者2名。", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "junk.txt").write_bytes(bytes(range(256)) * 10)
    (folder / "image.png").write_bytes(b"\x89PNG....")
    a = Assistant(load_settings(store=tmp_path / "store"))
    report = a.ingest([folder])
    status = {r.doc: r for r in report.results}
    assert status["good.txt"].status == "indexed"
    assert status["empty.txt"].status == "failed" and "empty" in status["empty.txt"].reason
    assert status["junk.txt"].status == "failed"
    # An image is read by OCR now (tests/test_ocr.py); a broken one fails alone.
    assert status["image.png"].status == "failed" and "image" in status["image.png"].reason
    assert a.store.count_chunks() == 1


def test_filters_restrict_documents(assistant):
    answer = assistant.ask("经费保障", filters={"doc": "002_91d554ad338f1578.txt"})
    assert {h.chunk.doc for h in answer.hits} == {"002_91d554ad338f1578.txt"}


def test_empty_question_is_a_clear_error(assistant):
    with pytest.raises(ValueError, match="empty"):
        assistant.ask("   ")


@pytest.mark.parametrize("question", ["What is the capital of France?", "北京市的公积金怎么提取？"])
def test_questions_about_places_no_document_mentions_are_declined(assistant, question):
    answer = assistant.ask(question)
    assert answer.declined and not answer.citations


def test_english_question_is_answered_from_chinese_text(assistant):
    answer = assistant.ask("How many organization cadres did Tongchuan send to their liaison points after the Spring Festival?")
    assert not answer.declined
    # An English lead with the asked figure, then the Chinese evidence.
    lead, evidence = answer.text.split("\n", 1)
    assert lead.startswith("Answer: ") and "100多名" in lead
    assert evidence.startswith("According to") and "100多名" in evidence
    assert {c.doc for c in answer.citations} == {"001_04a2f7de591a3251.txt"}


def test_unrelated_follow_up_is_not_glued_to_the_previous_turn(assistant):
    history = [{"role": "user", "content": "长春基层党组织的月例会制度是怎么规定的？"},
               {"role": "assistant", "content": "基层党组织每月召开一次专题会议。"}]
    assert assistant.ask("今天天气怎么样", history).declined
    follow = assistant.ask("那年评诺制度呢？", history)
    assert "每年召开一次" in follow.text.splitlines()[0]


def test_a_year_the_question_names_prefers_documents_that_name_it(tmp_path):
    from dataclasses import replace

    from retrieval.search import SearchOptions

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "old.txt").write_text("某市消费券发放办法\n2019年3月1日\n每位居民可领取消费券500元，在本市商户使用。",
                                    encoding="utf-8")
    # The year only in Chinese numerals: no keyword match, the document's date says it.
    (folder / "new.txt").write_text("某市消费券通知\n二〇二三年五月十日\n本市继续向居民发放消费券，具体标准另行公布。",
                                    encoding="utf-8")
    (folder / "dogs.txt").write_text("某市养犬管理规定\n2020年1月1日\n携犬出户应当束犬链，违者处二百元罚款。",
                                     encoding="utf-8")
    a = Assistant(load_settings(store=tmp_path / "store"))
    a.ingest([folder])
    query = a.searcher.analyse("2023年每位居民可领取多少消费券？")
    with_prior = a.searcher.search(query, k=3)
    without = a.searcher.search(query, k=3, options=replace(SearchOptions(), year_prior=False))
    assert with_prior[0].chunk.doc == "new.txt"
    assert with_prior[0].score > with_prior[1].score
    # The prior is what decides: the older text alone is closer in words.
    assert without[0].chunk.doc == "old.txt"


def test_warm_up_loads_what_the_first_english_question_needs_and_records_nothing(sample_store, tmp_path):
    from policyqa.questionlog import QuestionLog
    from retrieval.dictionary import first_senses, cedict_index

    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    assistant = Assistant(load_settings(store=store))
    assistant.question_log = QuestionLog(tmp_path / "questions.sqlite3", days=30)
    cedict_index.cache_clear()
    first_senses.cache_clear()
    assistant.warm_up()
    assert cedict_index.cache_info().currsize == 1  # the dictionary is loaded…
    assert first_senses.cache_info().currsize == 1  # …with the senses a Chinese word is read by…
    assert assistant.searcher._translit is not None  # …and the transliterator built
    # …and the corpus words' vectors, saved beside the keyword index for the next start.
    words = assistant.searcher._neighbours.words
    assert "社区" in words and len(words) > 100
    saved = list(store.glob("**/wordvec/*/vectors.npy"))
    assert len(saved) == 1
    again = Assistant(load_settings(store=store))
    stamp = saved[0].stat().st_mtime_ns
    assert again.searcher.word_neighbours().words == words and saved[0].stat().st_mtime_ns == stamp
    # A question never waits for a build in progress: it goes on without neighbours.
    again.searcher._neighbours_for = None
    with again.searcher._neighbours_lock:
        assert again.searcher.word_neighbours(wait=False) is None
        assert again.searcher._neighbours_of("fitness") == []
    again.store.close()
    assert assistant.question_log.count() == 0  # the warm-up questions are nobody's
    assistant.ask("Which documents cover street offices?")
    assert assistant.question_log.count() == 1  # a question asked is kept as before
    assistant.store.close()
