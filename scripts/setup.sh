#!/usr/bin/env bash
# One-time set-up: a virtualenv in .venv with policyqa and its test tools installed.
# torch is pinned to the CPU build (plain `torch` would pull a multi-GB CUDA build).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q "torch==2.13.0"
.venv/bin/pip install -q -e ".[test]"
echo "policyqa installed in .venv — run the app with: .venv/bin/policyqa serve"
