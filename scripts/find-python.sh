#!/usr/bin/env bash
# Print the path of a working Python 3.12+ interpreter, or fail saying how to get one.
set -u
for candidate in python3.12 python3.13 /usr/bin/python3.12 /usr/local/bin/python3.12 \
    "$HOME"/.pyenv/versions/3.12*/bin/python3.12 /root/.pyenv/versions/3.12*/bin/python3.12 \
    "$HOME"/.pyenv/versions/3.13*/bin/python3.13; do
  path=$(command -v "$candidate" 2>/dev/null) || continue
  # A pyenv shim exists even when the version is not selected: ask it to run.
  if "$path" -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then
    "$path" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done
echo "SafetyNet needs Python 3.12 or newer and found none (tried python3.12, pyenv versions)." >&2
exit 1
