#!/usr/bin/env bash
# Fetch the front-end libraries from the npm registry and copy their dist files into
# static/vendor/ (committed: the intranet has no CDN and no internet at run time).
set -euo pipefail
cd "$(dirname "$0")/.."
BOOTSTRAP=5.3.8
CHARTJS=4.6.1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "bootstrap@$BOOTSTRAP" "chart.js@$CHARTJS" >/dev/null)
rm -rf static/vendor && mkdir -p static/vendor/bootstrap static/vendor/chartjs
tar -xzf "$tmp/bootstrap-$BOOTSTRAP.tgz" -C "$tmp"
cp "$tmp"/package/dist/css/bootstrap.min.css "$tmp"/package/dist/css/bootstrap.min.css.map static/vendor/bootstrap/
cp "$tmp"/package/dist/js/bootstrap.bundle.min.js "$tmp"/package/dist/js/bootstrap.bundle.min.js.map static/vendor/bootstrap/
cp "$tmp"/package/LICENSE static/vendor/bootstrap/LICENSE
rm -rf "$tmp/package"
tar -xzf "$tmp/chart.js-$CHARTJS.tgz" -C "$tmp"
cp "$tmp"/package/dist/chart.umd.min.js static/vendor/chartjs/
[ -f "$tmp"/package/dist/chart.umd.min.js.map ] && cp "$tmp"/package/dist/chart.umd.min.js.map static/vendor/chartjs/ || true
cp "$tmp"/package/LICENSE.md static/vendor/chartjs/LICENSE.md
echo "bootstrap $BOOTSTRAP, chart.js $CHARTJS" > static/vendor/VERSIONS
ls -R static/vendor
