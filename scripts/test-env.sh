#!/usr/bin/env bash
# Prepares what the tests need on this machine and is quick when it is already there.
# (Docker engine, test images and the local registry are added by the pods issue.)
set -euo pipefail
command -v kubectl >/dev/null || { echo "kubectl is missing: the API tests use the real kubectl"; exit 1; }
