#!/usr/bin/env bash
# Install the Debian packages the product and its tests use, when missing and installable:
# chromium (browser tests), fonts-noto-cjk (Chinese in PDFs and screenshots), gettext (translations),
# Pango (WeasyPrint renders PDFs with it),
# and a Java runtime for PySpark when none is on PATH.

set -u
wanted="chromium fonts-noto-cjk gettext libpango-1.0-0 libpangoft2-1.0-0"
command -v java >/dev/null || wanted="$wanted default-jre-headless"
missing=""
for pkg in $wanted; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "WARNING: missing Debian packages:$missing (not root or no apt-get); the tests that need them will be skipped." >&2
  exit 0
fi
echo "Installing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $missing >/dev/null \
  || echo "WARNING: could not install$missing; the tests that need them will be skipped." >&2
