"""Versions of one text: the newer version, and versions that disagree (retrieval/versions.py)."""

from __future__ import annotations

from answer_inputs import one_passage

from core.records import Hit
from retrieval.evidence import candidate_sentences
from retrieval.scoring import Scored, TermWeights
from retrieval.versions import find_conflict, newer_version


def _doc(doc: str, title: str, date: str, text: str = "第二条 补贴标准为每人每月三百元。"):
    return one_passage(text, doc, title, {"date": date})


def test_the_newer_version_has_the_same_title_years_and_revision_marks_aside():
    old = _doc("a.txt", "某市养老补贴办法", "2018-01-01")
    revised = _doc("b.txt", "某市养老补贴办法（2023年修订）", "2023-01-01")
    newest = _doc("c.txt", "2024年某市养老补贴办法", "2024-01-01")
    other = _doc("d.txt", "某市停车收费办法", "2025-01-01")
    assert newer_version(old, [old, revised, newest, other]) is newest
    assert newer_version(newest, [old, revised]) is None


def test_versions_giving_different_figures_for_the_same_thing_conflict():
    old = _doc("a.txt", "某市养老补贴办法", "2018-01-01", "第二条 补贴标准为每人每月三百元。")
    new = _doc("b.txt", "某市养老补贴办法（2023年修订）", "2023-01-01", "第二条 补贴标准为每人每月五百元。")
    same = _doc("c.txt", "某市养老补贴办法（2020年修订）", "2020-01-01", "第二条 补贴标准为每人每月三百元。")
    weights = TermWeights({("补贴",): 1.0, ("标准",): 1.0}, {})
    covered = frozenset({("补贴",), ("标准",)})

    def chosen(*chunks):
        return [Scored(candidate_sentences([Hit(c, 1.0)])[0], 0.9, 1.0, covered, 0.9, True) for c in chunks]

    assert find_conflict(chosen(old, new), weights) == (new, old)
    assert find_conflict(chosen(old, same), weights) is None  # the same figure
    other = _doc("d.txt", "某市停车收费办法", "2023-01-01", "第二条 补贴标准为每人每月五百元。")
    assert find_conflict(chosen(old, other), weights) is None  # not versions of one text


def test_a_city_and_its_province_regulating_alike_are_two_rules_not_two_versions():
    weights = TermWeights({("补贴",): 1.0, ("标准",): 1.0}, {})
    covered = frozenset({("补贴",), ("标准",)})
    city = _doc("a.txt", "青岛市养老补贴条例", "2021-01-01", "第二条 补贴标准为每人每月三百元。")
    province = _doc("b.txt", "山东省养老补贴条例", "2022-01-01", "第二条 补贴标准为每人每月五百元。")
    revised = _doc("c.txt", "青岛市养老补贴条例（2023年修订）", "2023-01-01", "第二条 补贴标准为每人每月五百元。")

    def chosen(*chunks):
        return [Scored(candidate_sentences([Hit(c, 1.0)])[0], 0.9, 1.0, covered, 0.9, True) for c in chunks]

    assert find_conflict(chosen(city, province), weights) is None
    assert find_conflict(chosen(city, revised), weights) == (revised, city)
