#!/usr/bin/env bash
# ansible-test sanity on the collection, locally (no containers): the tracked
# files are copied into a temporary ansible_collections/aiguard/hardening/,
# the layout ansible-test needs, and ansible-test runs there with the
# controller's Python 3.11. Prints ansible-test's output and exits with its
# exit code; the copy is removed afterwards.
#
# Every sanity test of ansible-core 2.19 for collections runs, none skipped:
# the ones with Python requirements (pylint, validate-modules, ...) in the
# virtualenvs ansible-test makes for them (see pip_bootstrap), shellcheck
# with the system's shellcheck. pslint has nothing to check: the collection
# has no PowerShell. The modules' Python is declared in tests/config.yml.
# The first run makes the virtualenvs (a minute or two); later runs reuse them.
#
# Usage: scripts/sanity.sh [ANSIBLE-TEST SANITY OPTION...]
#        e.g. scripts/sanity.sh --test validate-modules
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "$AIGUARD_ROOT/.venv/bin/ansible-test" ] && PATH=$AIGUARD_ROOT/.venv/bin:$PATH
command -v ansible-test >/dev/null || die "ansible-test is missing; run scripts/bootstrap.sh first"

# ansible-test runs most sanity tests in virtualenvs of their own under
# ~/.ansible/test/venv, made once and reused. It puts pip into each with a
# get-pip.py that it downloads from the Ansible project's CI file server, not
# from a package index; where that server cannot be reached, the download
# fails and so does every such test. ansible-test looks for that script in
# its cache first, so unless a real one is there, this puts a stand-in there
# that does the same from what the Python already has: ensurepip installs
# its bundled pip, which then installs the pip release ansible-test asks for
# from the usual package index. The release is ansible-test's own choice (a
# different ansible-test asks for a different file name).
PIP_STAND_IN="Stand-in for get-pip.py, written by aiguard.hardening's scripts/sanity.sh"

pip_bootstrap() {
  local python version cache
  python=$(dirname "$(command -v ansible-test)")/python3
  [ -x "$python" ] || python=python3
  version=$("$python" -c '
from types import SimpleNamespace
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(SimpleNamespace(version="3.11"))["pip"])') ||
    die "cannot tell which pip release ansible-test installs into its virtualenvs"
  cache=$HOME/.ansible/test/cache/get_pip_${version//./_}.py
  # A real get-pip.py that ansible-test downloaded is kept; a stand-in is
  # rewritten, so it is always this script's.
  if [ -s "$cache" ] && ! grep -qF "$PIP_STAND_IN" "$cache"; then return 0; fi
  mkdir -p "$(dirname "$cache")"
  cat >"$cache.tmp" <<PY
"""$PIP_STAND_IN.

Installs pip into this (empty) virtualenv with ensurepip, then runs
\`pip install\` with the arguments get-pip.py takes.
"""

import subprocess
import sys

args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
# In a process of its own: ensurepip turns off pip's configuration (index,
# certificates) in the environment of the process it runs in.
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
if "--no-setuptools" in sys.argv[1:]:
    # ensurepip before Python 3.12 brings setuptools too; get-pip.py would not.
    subprocess.check_call([sys.executable, "-m", "pip", "uninstall", "-q", "-y", "setuptools"])
# (ensurepip never installs wheel, so --no-wheel holds as it is.)
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", *args]))
PY
  mv "$cache.tmp" "$cache"
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/aiguard-sanity.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
dest=$tmp/ansible_collections/aiguard/hardening
mkdir -p "$dest"

# Only tracked files, as they are in the work tree (tracked files deleted
# there are left out).
git -C "$AIGUARD_ROOT" ls-files -z --cached |
  while IFS= read -r -d '' f; do
    if [ -e "$AIGUARD_ROOT/$f" ] || [ -L "$AIGUARD_ROOT/$f" ]; then printf '%s\0' "$f"; fi
  done |
  tar -C "$AIGUARD_ROOT" --null -T - -cf - | tar -C "$dest" -xf - ||
  die "cannot copy the collection into $dest"

pip_bootstrap
cd "$dest"
rc=0
ansible-test sanity --python 3.11 --local --color no "$@" || rc=$?
exit "$rc"
