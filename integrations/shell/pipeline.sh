#!/usr/bin/env bash
# pgsafe in any CI system, as plain shell: docs/ci.md, "A plain shell pipeline".
#
#   integrations/shell/pipeline.sh review   # on a pull request: lint, then the plan as a markdown comment
#   integrations/shell/pipeline.sh deploy   # on the main branch: migrate under the environment's policy
#
# Settings (environment variables):
#   PGSAFE            the pgsafe executable (default: pgsafe)
#   PGSAFE_ENV        the environment whose policy applies (default: production)
#   MIGRATIONS        the migrations folder (default: pgsafe.toml's)
#   STATS             review: production's table sizes from `pgsafe stats export` (optional)
#   COMMENT_FILE      review: where the plan comment goes (default: pgsafe-plan.md); post it with your CI's API
#   DATABASE_URL      deploy: the database (keep it in a secret; --db would show it in `ps`)
#
# Exit codes are pgsafe's (DESIGN.md): review fails on lint findings at or
# above fail_on (1) or SQL that does not parse (3); deploy fails when a
# migration fails (4), is refused by the policy (5) or gives up waiting for
# a lock (6), and when anything is left pending afterwards (1).
set -euo pipefail

pgsafe=${PGSAFE:-pgsafe}
environment=${PGSAFE_ENV:-production}
paths=()
[[ -n "${MIGRATIONS:-}" ]] && paths=("$MIGRATIONS")
stats=()
[[ -n "${STATS:-}" ]] && stats=(--stats "$STATS")

case "${1:-}" in
    review)
        # The plan comment first, so the reviewer sees it even when lint fails the job.
        "$pgsafe" plan --env "$environment" "${stats[@]}" --format markdown "${paths[@]}" >"${COMMENT_FILE:-pgsafe-plan.md}"
        "$pgsafe" lint "${stats[@]}" "${paths[@]}"
        ;;
    deploy)
        "$pgsafe" migrate --env "$environment" "${paths[@]}"
        "$pgsafe" status --exit-code "${paths[@]}"
        ;;
    *)
        echo "usage: $0 review|deploy" >&2
        exit 2
        ;;
esac
