#!/usr/bin/env bash
# Install Debian's chromium for the browser tests when it is missing (needs root).
set -euo pipefail
if command -v chromium >/dev/null; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "chromium is missing and this is not root: install Debian's chromium package to run the browser tests" >&2
  exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
