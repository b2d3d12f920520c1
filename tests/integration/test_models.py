"""The sentence-transformers path, embedder mismatch, and the LLM path through a real HTTP server."""

from __future__ import annotations

import shutil
import threading
from http.server import ThreadingHTTPServer

import pytest

from conftest import SAMPLE, FakeChatCompletions, free_port
from core.settings import load_settings
from policyqa.assistant import Assistant
from core.store import EmbedderMismatch


@pytest.fixture(scope="module")
def tiny_st_model(tmp_path_factory):
    """A tiny BERT sentence-transformer built and saved here: no download."""
    pytest.importorskip("sentence_transformers")
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer import modules as models
    from transformers import BertConfig, BertModel, BertTokenizerFast
    import torch

    # Its weights are random: seeded, every run builds the same model (and ranks alike).
    torch.manual_seed(0)
    root = tmp_path_factory.mktemp("tiny")
    text = "".join((SAMPLE / f).read_text(encoding="utf-8") for f in ("001_04a2f7de591a3251.txt",))
    chars = sorted({c for c in text if not c.isspace()})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + chars + list("abcdefghijklmnopqrstuvwxyz")
    (root / "vocab.txt").write_text("\n".join(dict.fromkeys(vocab)), encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(root / "vocab.txt"), tokenize_chinese_chars=True)
    config = BertConfig(vocab_size=len(dict.fromkeys(vocab)), hidden_size=32, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=512)
    bert_dir = root / "bert"
    BertModel(config).save_pretrained(bert_dir)
    tokenizer.save_pretrained(bert_dir)
    st = SentenceTransformer(modules=[models.Transformer(str(bert_dir)), models.Pooling(32)])
    out = root / "st"
    st.save(str(out))
    return out


def test_sentence_transformers_model_from_local_path(tiny_st_model, tmp_path):
    settings = load_settings(store=tmp_path / "store", embed_model=str(tiny_st_model))
    a = Assistant(settings)
    assert a.store.embeddings.dimension == 32
    report = a.ingest([SAMPLE / "001_04a2f7de591a3251.txt"])
    assert report.count("indexed") == 1
    answer = a.ask("銅川市委組織部建立了什麼制度和紀律要求？")
    assert "考勤" in answer.text  # BM25 carries a random tiny model; the plumbing is what is tested
    assert a.store.vectors.built_by.startswith("sentence-transformers/")


def test_querying_with_another_embedder_fails_clearly(tiny_st_model, sample_store, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    with pytest.raises(EmbedderMismatch, match="re-ingest|reindex"):
        Assistant(load_settings(store=store, embed_model=str(tiny_st_model)))


class _ChatCompletions(FakeChatCompletions):
    reply = "社区党建经费不低于5万元[1]，另见[9]。"
    requests: list[dict] = []

    def answer(self, prompt: str) -> str:
        return self.reply if "Passages:" in prompt else "社区 经费 保障"


@pytest.fixture()
def llm_server():
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), _ChatCompletions)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _ChatCompletions.requests = []
    yield f"http://127.0.0.1:{port}/v1"
    server.shutdown()


@pytest.fixture()
def llm_assistant(llm_server, sample_store, tmp_path):
    """An Assistant configured, as by POLICYQA_LLM_BASE_URL, for the local chat server."""
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    return Assistant(load_settings(store=store, llm_base_url=llm_server))


def test_llm_answer_cites_with_the_same_scheme(llm_assistant):
    answer = llm_assistant.ask("社区党组织的经费怎么保障？")
    assert not answer.declined
    assert "[1]" in answer.text and "[9]" not in answer.text  # a marker pointing to nothing is dropped
    assert len(answer.citations) == 1 and answer.citations[0].doc == "004_df71fea4efc04293.txt"
    assert answer.citations[0].quote
    assert any("Passages:" in r["messages"][-1]["content"] for r in _ChatCompletions.requests)


def test_llm_is_not_called_when_evidence_is_weak(llm_assistant):
    answer = llm_assistant.ask("柳园镇2031年发放的救助金总额是多少？")
    assert answer.declined and not answer.citations
    assert not any("Passages:" in r["messages"][-1]["content"] for r in _ChatCompletions.requests)


def test_sentence_transformers_token_count_includes_the_special_tokens(tiny_st_model):
    from core.embeddings import SentenceTransformerEmbeddings, token_count

    model = SentenceTransformerEmbeddings(str(tiny_st_model))
    assert token_count(model, "社区经费") == 4 + 2  # one token per character, [CLS] and [SEP]
