#!/usr/bin/env bash
# integrations/shell/pipeline.sh (docs/ci.md, "A plain shell pipeline") with
# the built pgsafe against the scratch server: review writes the plan comment
# and fails on a lint error; deploy applies under the environment's policy,
# and a policy refusal (a freeze) fails the deploy with exit 5.
#   tests/cli/shell_pipeline_test.sh PGSAFE_BINARY
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
pgsafe=$(realpath "${1:-$root/build/pgsafe}")
if [[ -z "${PGSAFE_TEST_DSN:-}" ]]; then
    echo "skip: PGSAFE_TEST_DSN is not set (scripts/test sets it)"
    [[ -n "${CI:-}" ]] && exit 1
    exit 0
fi

work=$(mktemp -d)
database="pgsafe_pipeline_$$"
trap 'psql -X -q "$PGSAFE_TEST_DSN" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1; rm -rf "$work"' EXIT
failures=0
check() { # check DESCRIPTION COMMAND…
    local what=$1
    shift
    if "$@"; then echo "ok   $what"; else echo "FAIL $what"; failures=$((failures + 1)); fi
}

cd "$work"
mkdir -p migrations policies
printf 'migrations = "migrations"\n' >pgsafe.toml
printf '# CI: anyone may run, no approvals\n[access]\nrun = []\n' >policies/ci.toml
printf 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n' >migrations/V1__users.sql
printf 'CREATE INDEX users_email_idx ON users (email);\n' >migrations/V2__email_index.sql
export PGSAFE="$pgsafe" PGSAFE_ENV=ci

"$root/integrations/shell/pipeline.sh" review >review.out 2>&1
check "review passes on safe migrations" test $? -eq 0
check "review writes the plan comment with its marker" grep -q '^<!-- pgsafe plan -->' pgsafe-plan.md
check "the comment names each migration" grep -q 'email_index' pgsafe-plan.md

printf 'ALTER TABLE orders ADD CONSTRAINT orders_user_fkey FOREIGN KEY (user_id) REFERENCES users (id);\n' >migrations/V3__fk.sql
"$root/integrations/shell/pipeline.sh" review >review.out 2>&1
check "review fails (exit 1) on a lint error" test $? -eq 1
check "the lint finding is in the job log" grep -q 'adding-foreign-key-constraint' review.out
check "the comment is written even so" grep -q 'fk' pgsafe-plan.md
rm migrations/V3__fk.sql

psql -X -q -v ON_ERROR_STOP=1 "$PGSAFE_TEST_DSN" -c "CREATE DATABASE $database" >/dev/null || exit 1
case "$PGSAFE_TEST_DSN" in
    postgres://* | postgresql://*) export DATABASE_URL="${PGSAFE_TEST_DSN%/*}/$database" ;;
    *) export DATABASE_URL="$PGSAFE_TEST_DSN dbname=$database" ;;
esac
"$root/integrations/shell/pipeline.sh" deploy >deploy.out 2>&1
check "deploy applies the migrations and the status gate passes" test $? -eq 0
check "deploy created the table" test "$(psql -X -At "$DATABASE_URL" -c "SELECT to_regclass('users_email_idx') IS NOT NULL")" = t

printf '[[freeze]]\nfrom = 2000-01-01\nto = 2999-12-31\nreason = "test freeze"\n' >>policies/ci.toml
printf 'ALTER TABLE users ADD COLUMN name text;\n' >migrations/V3__name.sql
"$root/integrations/shell/pipeline.sh" deploy >deploy.out 2>&1
check "deploy is refused (exit 5) during a freeze" test $? -eq 5
check "the refusal says why" grep -q 'test freeze' deploy.out
check "nothing ran" test "$(psql -X -At "$DATABASE_URL" -c "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'name'")" = 0

if ((failures > 0)); then
    echo "--- review.out"; cat review.out; echo "--- deploy.out"; cat deploy.out
    echo "$failures check(s) failed"
    exit 1
fi
echo "all checks passed"
