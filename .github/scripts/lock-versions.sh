#!/usr/bin/env bash
# Prints the versions the workflows install, read from uv.lock (the one place they are pinned):
#   python=X.Y      from requires-python = "==X.Y.*"
#   pulumi=X.Y.Z    the Pulumi SDK's locked version; the CLI is installed at the same version
# as `key=value` lines, for "$GITHUB_OUTPUT". Dependabot's uv update moves the SDK in uv.lock, and
# with it the CLI every workflow installs. Fails, naming the line, when either is missing.
set -euo pipefail
lock=${1:-uv.lock}
python=$(sed -n 's/^requires-python = "==\([0-9]*\.[0-9]*\)\.\*"$/\1/p' "$lock")
pulumi=$(awk '
  /^\[\[package\]\]$/ { in_pulumi = 0 }
  $0 == "name = \"pulumi\"" { in_pulumi = 1; next }
  in_pulumi && /^version = "[0-9]+\.[0-9]+\.[0-9]+"$/ { gsub(/^version = "|"$/, ""); print; exit }
' "$lock")
if [[ -z "$python" ]]; then
  echo "::error file=$lock::no requires-python = \"==X.Y.*\" line" >&2
  exit 1
fi
if [[ -z "$pulumi" ]]; then
  echo "::error file=$lock::no exact version for the pulumi package" >&2
  exit 1
fi
echo "python=$python"
echo "pulumi=$pulumi"
