#!/usr/bin/env bash
# Installs Debian's chromium for the headless browser tests
# (internal/web/browser_test.go, internal/mcpapp/widget_browser_test.go).
# Idempotent: does nothing when /usr/bin/chromium already exists. The tests
# skip with a message when chromium is absent, so this is only needed where
# they must run (CI).
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium fonts-dejavu-core
