"""The cleaner deletes only noise, keeps exact provenance and never empties a document."""

from ingest.clean import clean, fidelity, furniture_patterns, is_furniture


def _check_offsets(text, cleaned):
    assert len(cleaned.text) == len(cleaned.offsets)
    assert all(text[o] == ch for ch, o in zip(cleaned.text, cleaned.offsets))
    assert list(cleaned.offsets) == sorted(set(cleaned.offsets))


def test_pinyin_ruby_and_mojibake_removed_offsets_exact():
    text = "簡?報(bào)\n?第??651??期\n全區(qū)已建立各類型聯(lián)系點(diǎn)278個(gè)。\n【基層組織建設年???/strong>\n"
    c = clean(text)
    assert "全區已建立各類型聯系點278個。" in c.text
    assert "簡報" in c.text and "第651期" in c.text
    assert "(" not in c.text and "?" not in c.text and "strong" not in c.text
    _check_offsets(text, c)


def test_real_question_mark_kept_without_mojibake_evidence():
    text = "问:居民如何申请补贴?\n答:携带身份证到街道办事处申请。"
    c = clean(text)
    assert "如何申请补贴?" in c.text


def test_short_qa_answer_with_numbered_items_survives_whole():
    text = ("答:办理居住证需要以下材料:\n1、本人身份证\n2、近期一寸照片\n3、居住证明\n"
            "材料齐全的,当场受理。")
    c = clean(text)
    for part in ("1、本人身份证", "2、近期一寸照片", "3、居住证明", "当场受理"):
        assert part in c.text
    assert fidelity(text, c).kept_ratio == 1.0


def test_document_made_only_of_furniture_like_lines_is_never_emptied():
    for text in ("• 申请材料请到服务大厅领取", "版权所有 本答复由区民政局提供",
                 "办事指南 申请条件 办理流程 咨询电话", "附件:申请表.doc"):
        c = clean(text)
        assert c.text.strip(), text
        _check_offsets(text, c)


def test_site_slogan_repeated_from_a_header_line_is_furniture():
    text = ("点新闻 | 每日点新闻 点解香港事\n\n每日点新闻 点解香港事\n消息:施政报告将划一长者生活津贴\n"
            "特首将于下周三在立法会发表新一份施政报告。有消息指,长者生活津贴将划一。\n")
    c = clean(text).text
    assert "每日点新闻" not in c and c.startswith("消息:施政报告将划一长者生活津贴\n")


def test_markdown_table_rows_are_not_menus():
    text = "| 项目 | 标准 |\n| --- | --- |\n| 登记费 | 每只五十元 |\n"
    c = clean(text).text
    assert "| 项目 | 标准 |\n" in c and "| 登记费 | 每只五十元 |\n" in c


def test_prose_line_mentioning_furniture_words_is_kept():
    line = ("申请人可在政务网下载申请表并填写后提交。相关材料经审核通过的,版权所有单位应当在"
            "十个工作日内予以答复。逾期未答复的,视为同意。")
    assert not is_furniture(line)
    assert line in clean("首页 > 政策解读\n" + line + "\n").text


def test_site_furniture_lines_removed():
    text = ("当前位置:首页>>工作动态>>地方政务\n"
            "某市开展便民服务活动。活动共服务群众三千余人次,解决问题一百二十个。\n"
            "相关链结\n栏目推荐\n领导活动 人事任免 网上直播 在线访谈 政务要闻\n"
            "Copyright©2006-2019 某某在线 All Rights Reserved\n"
            "友情链接 http://www.example.gov.cn/a http://www.example.com/b\n"
            "点新闻 | 每日点新闻 点解香港事\n图为游客在大三巴打卡留念。 香港文汇报资料图\n")
    c = clean(text)
    assert c.text.strip() == "某市开展便民服务活动。活动共服务群众三千余人次,解决问题一百二十个。"
    assert len(furniture_patterns()) > 5


def test_page_marker_lines_removed_numbers_in_text_kept():
    text = "第一条 本办法自发布之日起施行。\n- 3 -\n第二条 补助标准为每人每月300元。\n第4页\nPage 5 of 12\n"
    c = clean(text)
    assert c.text == "第一条 本办法自发布之日起施行。\n第二条 补助标准为每人每月300元。\n"


def test_page_numbered_fragments_of_doc_sharing_sites_are_joined():
    page = "基层党组织服务群众工作扎实推进取得阶段性成果经过近半年实践我们深切体会到" * 10
    text = f"1、{page}开展\n2、{page}服务\n3、{page}工作\n"
    c = clean(text)
    assert "1、" not in c.text and "2、" not in c.text and "3、" not in c.text
    assert "开展" + page in c.text
    _check_offsets(text, c)


def test_repeated_headline_dropped_but_repeated_law_sentences_kept():
    text = ("敬老金9,000元 养老金每月3,740元\n澳门特区政府公布施政报告。\n"
            "敬老金9,000元 养老金每月3,740元\n"
            "第十条 违反本条例规定的,由城管执法部门责令改正;拒不改正的,处二百元以上一千元以下罚款。\n"
            "第十一条 违反本条例规定的,由公安机关责令改正;拒不改正的,处二百元以上一千元以下罚款。\n"
            "二、未接受政府其他住宅贷款利息补贴。\n二、未接受政府其他住宅贷款利息补贴。\n")
    c = clean(text)
    assert c.text.count("敬老金9,000元") == 1
    assert c.text.count("处二百元以上一千元以下罚款") == 2
    assert c.text.count("二、未接受政府其他住宅贷款利息补贴。") == 2


def test_summary_line_copied_from_body_is_dropped_body_kept():
    body1 = "建设基层服务型党组织,是对基层党组织功能定位认识的深化。"
    body2 = "全面发挥基层党组织推动发展、服务群众的作用。"
    text = (f"五华区实施意见\n【摘要】:{body1}{body2}加强以街道组织委\n(2014年12月24日)\n"
            f"一、重要意义\n{body1}这是新形势的要求。\n二、主要任务\n{body2}加强以街道组织委员为重点的队伍建设。\n")
    c = clean(text)
    assert "【摘要】" not in c.text and c.text.count("加强以街道组织委") == 1
    assert c.text.count(body1) == 1 and c.text.count(body2) == 1
    assert f"{body1}这是新形势的要求。" in c.text


def test_wrapped_continuation_lines_that_repeat_are_kept():
    text = ("2.中華民國九十六年七月四日總統令修正\n  公布第 9 條條文\n"
            "  中華民國九十八年十二月三日行政院令發布\n  定自九十六年七月六日施行\n"
            "3.中華民國九十八年五月十三日總統令修\n  正公布第 35 條條文\n"
            "  中華民國九十八年十二月三日行政院令發布\n  定自九十八年五月十五日施行\n")
    assert clean(text).text.count("中華民國九十八年十二月三日行政院令發布") == 2


def test_fidelity_counts_prose_only():
    prose = "本条例自公布之日起施行。各级人民政府应当加强对殡葬工作的领导,保障经费。"
    text = "首页 > 法规\n" + prose + "\n"
    f = fidelity(text, clean(text))
    assert f.prose == sum(1 for ch in prose if "\u4e00" <= ch <= "\u9fff")
    assert f.prose_kept == f.prose and f.kept < f.chars
