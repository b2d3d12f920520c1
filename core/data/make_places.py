"""Regenerate places.tsv, the gazetteer of core/places.py (place words; used by ingest/metadata.py and query analysis), from the `cpca` package's table of
administrative divisions (MIT; `pip install cpca` in a scratch environment, not a dependency).

    python core/data/make_places.py > core/data/places.tsv

Columns: code, name, level (province | city | county), province (name of the province-level
unit it belongs to). cpca has Taiwan, Hong Kong and Macau only as province-level units; Taiwan's
municipalities and counties are added from the list below (名称 of the 6 直辖市, 3 市, 13 县)."""

from __future__ import annotations

import csv
import os
import sys

TAIWAN = ("台北市 新北市 桃园市 台中市 台南市 高雄市 基隆市 新竹市 嘉义市 新竹县 苗栗县 彰化县 南投县 "
          "云林县 嘉义县 屏东县 宜兰县 花莲县 台东县 澎湖县 金门县 连江县").split()


def main() -> None:
    import cpca

    path = os.path.join(os.path.dirname(cpca.__file__), "resources", "adcodes.csv")
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    provinces = {r["adcode"][:2]: r["name"] for r in rows if r["adcode"][2:] == "0" * 10}
    out = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
    out.writerow(["code", "name", "level", "province"])
    for r in sorted(rows, key=lambda r: r["adcode"]):
        code = r["adcode"]
        level = "province" if code[2:] == "0" * 10 else "city" if code[4:] == "0" * 8 else "county"
        if r["name"] in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
            continue
        out.writerow([code[:6], r["name"], level, provinces.get(code[:2], "")])
    for i, name in enumerate(TAIWAN, 1):
        out.writerow([f"71{i:04d}", name, "city", "台湾省"])


if __name__ == "__main__":
    main()
