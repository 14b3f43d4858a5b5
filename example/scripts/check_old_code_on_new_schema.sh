#!/usr/bin/env bash
# The code of BASE on the schema of this checkout. During a rolling deploy the release that
# runs now keeps serving while the next one's migrations run, and until the last of its
# processes is replaced: each revision must leave a schema the code before it still works on
# (docs/migrations.md, "Changes without downtime"). CI runs this on every pull request.
#
#   scripts/check_old_code_on_new_schema.sh BASE [PYTEST_ARGUMENTS...]
#   make expand-contract BASE=origin/main
#
# BASE (the branch a pull request goes into, or the release in production) is checked out
# into a temporary git worktree, its revisions are replaced by this checkout's (uncommitted
# ones included), and its own tests run there: their database is built by migrating to this
# checkout's head, and BASE's code runs on it. PYTEST_ARGUMENTS default to
# `-n auto --tb=short tests/api`.
# A failure such as `column "name" of relation "users" does not exist` names what a revision
# took away from code still running: keep it until a release that no longer uses it.
#
# BIN  the virtualenv's bin folder (.venv/bin): BASE's code runs with this checkout's packages
set -euo pipefail

fail() {
    echo "check_old_code_on_new_schema.sh: $*" >&2
    exit 2
}

base=${1:-}
[[ -n $base ]] || fail "usage: $0 BASE [PYTEST_ARGUMENTS...], BASE a git ref such as origin/main"
shift
if (($# == 0)); then
    set -- -n auto --tb=short tests/api
fi
bin=$(cd "${BIN:-.venv/bin}" 2>/dev/null && pwd) || fail "no virtualenv at ${BIN:-.venv/bin}: run make install"
root=$(git rev-parse --show-toplevel)
cd "$root"
git rev-parse --quiet --verify "$base^{commit}" >/dev/null ||
    fail "$base is not a commit of this repository: fetch it (in CI, actions/checkout with fetch-depth: 0)"
versions=src/my_service/migrations/versions

workspace=$(mktemp -d)
cleanup() {
    cd "$root" && git worktree remove --force "$workspace/base" >/dev/null 2>&1 || true
    rm -rf "$workspace"
}
trap cleanup EXIT
git worktree add --quiet --detach "$workspace/base" "$base"
if diff --recursive --brief --exclude=__pycache__ "$versions" "$workspace/base/$versions" >/dev/null; then
    echo "expand-contract: no revision added or changed since $base: nothing to check"
    exit 0
fi
rm -rf "${workspace:?}/base/$versions"
cp -R "$versions" "$workspace/base/$versions"
find "$workspace/base/$versions" -name __pycache__ -prune -exec rm -rf {} +

echo "expand-contract: the tests of $base ($(git rev-parse --short "$base")) on this checkout's schema"
cd "$workspace/base"
# BASE's package, not this checkout's (installed in the virtualenv, editable).
export PYTHONPATH="$PWD/src"
# Without TEST_DATABASE_URL the tests use this checkout's embedded server, not a new one.
export INSTANCE_PATH=${INSTANCE_PATH:-$root/instance}
if "$bin/pytest" "$@"; then
    echo "expand-contract: the code of $base works on this checkout's schema"
else
    status=$?
    echo "expand-contract: the code of $base fails on this checkout's schema: a revision removes" \
        "or changes what it uses; keep that until a release that no longer does (docs/migrations.md)" >&2
    exit "$status"
fi
