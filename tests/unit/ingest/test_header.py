"""The facts a document states about itself in its header and signature block, never those of a
document it cites, nor a date from its body."""


def test_number_and_issuer_of_cited_documents_are_not_taken(meta_of):
    text = ("五华区加强基层服务型党组织建设的实施意见\n\n(2014年12月24日)\n\n"
            "为深入贯彻《中共中央办公厅印发〈关于加强基层服务型党组织建设的意见〉的通知》（中办发〔2014〕6号）"
            "要求，结合五华实际，现就进一步加强全区基层服务型党组织建设提出如下实施意见。\n一、重要意义\n")
    meta = meta_of(text)
    assert "number" not in meta and "issuer" not in meta
    assert meta["date"] == "2014-12-24" and meta["title"] == "五华区加强基层服务型党组织建设的实施意见"
    assert meta["region"] == "云南省昆明市五华区"


def test_own_number_and_signature_block(meta_of):
    text = ("某市人民政府办公室关于做好春节期间安全工作的通知\n某政办发〔2023〕12号\n各区人民政府：\n"
            "为做好春节期间安全工作，现将有关事项通知如下。各单位要加强值班值守，确保安全。\n"
            "一、加强值班\n各单位要严格执行值班制度。\n某市人民政府办公室\n2023年1月10日\n")
    meta = meta_of(text)
    assert meta["number"] == "某政办发〔2023〕12号"
    assert meta["issuer"] == "某市人民政府办公室"
    assert meta["date"] == "2023-01-10"


def test_revision_date_of_a_regulation_is_its_date(meta_of):
    text = ("# 某某管理条例\n\n1949年12月23日 政务院第十二次政务会议通过\n\n"
            "2013年7月18日 中华人民共和国国务院令第638号第一次修订\n\n"
            "2024年11月10日 中华人民共和国国务院令第797号第二次修订\n\n<!-- INFO END -->\n\n"
            "第一条 为了规范管理，制定本条例。\n")
    meta = meta_of(text)
    assert meta["date"] == "2024-11-10" and meta["revised"] == "2024-11-10"
    assert meta["promulgated"] == "1949-12-23" and meta["number"] == "国务院令第797号"
    assert meta["title"] == "某某管理条例"


def test_no_date_rather_than_a_body_date_and_file_name_date_fallback(meta_of):
    text = "# 某市养犬管理条例\n\n第一条 本条例自2021年1月1日起施行。\n"
    assert "date" not in meta_of(text)
    assert meta_of(text, file_name="某市养犬管理条例(2018-09-18).md")["date"] == "2018-09-18"
