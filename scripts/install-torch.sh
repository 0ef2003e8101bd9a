#!/bin/sh
# Installs what `npm run bench -- --torch` needs for its PyTorch side: Debian's python3-torch and
# the pthread OpenBLAS (the bench runs it with OPENBLAS_NUM_THREADS=1, one core like one worker).
# Idempotent: packages already installed are left alone. Needs root and apt-get; otherwise it says
# why it skips and exits 0 (the bench then skips its PyTorch rows with a reason of its own).
set -eu
PKGS="python3-torch libopenblas0-pthread"

missing=""
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then missing="$missing $p"; fi
done
if [ -z "$missing" ]; then
  echo "install-torch: already installed:$(for p in $PKGS; do printf ' %s=%s' "$p" "$(dpkg-query -W -f='${Version}' "$p")"; done)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-torch: skipped, no apt-get on this system (missing:$missing); install PyTorch for /usr/bin/python3 by hand"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-torch: skipped, not root (missing:$missing); run: sudo $0"
  exit 0
fi
echo "install-torch: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086  # word splitting of the package list is intended
apt-get install -y -q --no-install-recommends $missing
