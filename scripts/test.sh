#!/usr/bin/env bash
# Run every test of the collection, in order, and print one summary line:
#   lint (shellcheck, yamllint, ruff check and format, ansible-test sanity
#   (beside the other lint and unit stages: it runs on one core),
#   ansible-lint production profile, changelog), unit tests (pytest),
#   integration tests (the collection build/install test and the lab
#   scripts' failure handling), and every Molecule scenario.
# A stage that fails does not stop the others; the exit code is non-zero if
# any failed.
#
# Usage: scripts/test.sh [STAGE...]   stages: lint unit integration molecule
#        AIGUARD_SCENARIOS="smoke ..." limits the Molecule scenarios.
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$AIGUARD_ROOT" || exit 1

"$AIGUARD_ROOT/scripts/bootstrap.sh" || die "bootstrap failed"
export PATH=$AIGUARD_ROOT/.venv/bin:$PATH
export ANSIBLE_COLLECTIONS_PATH=$AIGUARD_ROOT/.cache/collections
export ANSIBLE_FORCE_COLOR=false PY_COLORS=0

stages=${*:-lint unit integration molecule}
passed=() failed=() times=()

record() { # record NAME RC SECONDS: a stage's result for the summary
  times+=("$(printf '%-28s %6ss' "$1" "$3")")
  if [ "$2" -eq 0 ]; then
    passed+=("$1")
    printf '===== %s: passed in %ss\n' "$1" "$3"
  else
    failed+=("$1")
    printf '===== %s: FAILED (exit %s) in %ss\n' "$1" "$2" "$3"
  fi
}

run() { # run NAME COMMAND...
  local name=$1 start rc
  shift
  start=$SECONDS
  printf '\n===== %s =====\n' "$name"
  "$@"
  rc=$?
  record "$name" $rc $((SECONDS - start))
  return $rc
}

# A single-threaded stage that runs beside the next ones (the machine has
# two cores): its output is held back and shown, with its own time, when
# it is collected by collect.
background=()
beside() { # beside NAME COMMAND...
  local name=$1 dir
  shift
  dir=$(mktemp -d "${TMPDIR:-/tmp}/aiguard-stage.XXXXXX")
  printf '\n===== %s: started beside the next stages =====\n' "$name"
  (
    start=$SECONDS
    "$@" >"$dir/output" 2>&1
    echo $? >"$dir/rc"
    echo $((SECONDS - start)) >"$dir/seconds"
  ) &
  background+=("$name:$!:$dir")
}

collect() {
  local entry name pid dir
  for entry in "${background[@]}"; do
    IFS=: read -r name pid dir <<<"$entry"
    wait "$pid"
    printf '\n===== %s =====\n' "$name"
    cat "$dir/output"
    record "$name" "$(cat "$dir/rc")" "$(cat "$dir/seconds")"
    rm -rf "$dir"
  done
  background=()
}

scenarios() {
  if [ -n "${AIGUARD_SCENARIOS:-}" ]; then
    # shellcheck disable=SC2086 # a space-separated list on purpose
    printf '%s\n' $AIGUARD_SCENARIOS
  else
    find molecule -mindepth 2 -maxdepth 2 -name molecule.yml -printf '%h\n' | xargs -n1 basename | sort
  fi
}

# The test-host images, built once for the stages that need them.
images_state=
images() {
  if [ -z "$images_state" ]; then
    images_state=failed
    run images "$AIGUARD_ROOT/scripts/build-images.sh" all && images_state=ready
  fi
  [ "$images_state" = ready ]
}

for stage in $stages; do
  case $stage in
    lint)
      run shellcheck shellcheck -x scripts/*.sh .ci/run lab/apps/install.sh
      run yamllint yamllint --strict .
      run ruff-check ruff check .
      run ruff-format ruff format --check .
      # ansible-test sanity is mostly pylint, on one core: beside the rest.
      beside sanity scripts/sanity.sh
      run ansible-lint ansible-lint --profile production
      run changelog antsibull-changelog lint
      ;;
    unit)
      run unit pytest tests/unit -q -p no:cacheprovider
      collect
      ;;
    integration)
      images || continue
      run integration pytest tests/integration -q -p no:cacheprovider
      ;;
    molecule)
      images || continue
      for s in $(scenarios); do
        run "molecule:$s" molecule test -s "$s"
      done
      ;;
    *) die "unknown stage '$stage'; use lint unit integration molecule" ;;
  esac
done
collect

printf '\n===== summary =====\n'
printf '%s\n' "${times[@]}"
printf '%-28s %6ss\n' total "$SECONDS"
[ ${#passed[@]} -gt 0 ] && printf 'passed: %s\n' "${passed[*]}"
[ ${#failed[@]} -gt 0 ] && printf 'failed: %s\n' "${failed[*]}"
printf 'stages: %d passed, %d failed\n' ${#passed[@]} ${#failed[@]}
[ ${#failed[@]} -eq 0 ]
