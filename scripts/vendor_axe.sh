#!/usr/bin/env bash
# Fetch axe-core from the npm registry into tests/browser/vendor/ (committed; for the tests
# only: it is injected into pages with Playwright's evaluate, never served by the app).
set -euo pipefail
cd "$(dirname "$0")/.."
AXE=4.14.1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "axe-core@$AXE" >/dev/null && tar -xzf "axe-core-$AXE.tgz")
mkdir -p tests/browser/vendor
cp "$tmp"/package/axe.min.js tests/browser/vendor/axe.min.js
cp "$tmp"/package/LICENSE tests/browser/vendor/axe-core.LICENSE
echo "axe-core $AXE" > tests/browser/vendor/VERSIONS
