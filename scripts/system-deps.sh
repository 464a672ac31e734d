#!/usr/bin/env bash
# Debian packages the app and its tests need. `run`: a Korean font for WeasyPrint and the
# watermark. `test` (the default) adds Chromium for browser tests and poppler (pdftotext/pdftoppm).
set -euo pipefail
need=()
[ -d /usr/share/fonts/truetype/nanum ] || need+=(fonts-nanum)
if [ "${1:-test}" = "test" ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v pdftotext >/dev/null || need+=(poppler-utils)
fi
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${need[*]}"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
