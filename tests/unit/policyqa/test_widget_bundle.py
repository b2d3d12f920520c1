"""The widget served as one script (policyqa/widget_bundle.py): widget.js with every part it names
put in place, and its stylesheet in as a string."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from policyqa.widget_bundle import MAIN, SHARED, STATIC, stylesheet, widget_script


def test_every_part_is_named_once_and_put_in_place():
    main = (STATIC / MAIN).read_text(encoding="utf-8")
    named = re.findall(r"^[ \t]*//= ([\w-]+\.js)[ \t]*$", main, re.M)
    parts = sorted([p.name for p in STATIC.glob("widget-*.js")] + list(SHARED))
    assert sorted(named) == parts and len(set(named)) == len(named)  # no part left out, none twice
    script = widget_script()
    assert script.startswith("/*!\n * policyqa widget")
    assert not re.search(r"^[ \t]*//= ", script, re.M) and "/*= " not in script  # all put in
    for name in parts:
        assert (STATIC / name).read_text(encoding="utf-8").rstrip("\n") in script


def test_the_stylesheet_goes_in_as_one_string_without_comments():
    css = stylesheet("widget.css")
    assert css.startswith(":host { all: initial !important; }") and "/*" not in css
    assert "\n\n" not in css and ".launcher {" in css and "@media (max-width: 480px)" in css
    found = re.search(r"^  var CSS = (\".*\");$", widget_script(), re.M)
    assert found and json.loads(found.group(1)) == css


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_script_parses(tmp_path):
    path = tmp_path / "widget.js"
    path.write_text(widget_script(), encoding="utf-8")
    subprocess.run(["node", "--check", str(path)], check=True, capture_output=True)
