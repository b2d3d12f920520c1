#!/usr/bin/env bash
# One-time set-up: a virtualenv in .venv with policyqa installed.
#   bash scripts/setup.sh          the app (what `policyqa serve` needs; no torch) with offline OCR
#   bash scripts/setup.sh --test   the app, the test tools and the optional sentence-transformers
#                                  embedder the tests exercise (torch, CPU build)
# torch is pinned to the CPU build (plain `torch` would pull a multi-GB CUDA build).
# OCR (the [ocr] extra: RapidOCR with its PP-OCRv4 ONNX models inside the wheel, ~70 MB with
# OpenCV) reads scanned PDFs and images; `pip install -e .` alone installs the app without it.
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
else
  .venv/bin/pip install -q -e ".[ocr]"
fi
# RapidOCR requires opencv-python, whose GUI build links the system's libGL and X11 (absent on
# servers); the headless build is the same library without them and provides the same `cv2`.
if .venv/bin/pip show -q opencv-python >/dev/null 2>&1; then
  .venv/bin/pip uninstall -y -q opencv-python
  .venv/bin/pip install -q --force-reinstall --no-deps "opencv-python-headless>=4.5"
fi
if [ "$mode" = "--test" ]; then
  echo "policyqa and its test tools installed in .venv — run the tests with: .venv/bin/python -m pytest -q"
else
  echo "policyqa installed in .venv — run the app with: .venv/bin/policyqa serve"
fi
