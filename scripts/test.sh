#!/usr/bin/env bash
# Set up everything the tests need and run the whole test suite.
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh" "[test]"
# the county server's tests run a private PostgreSQL cluster (windowdesk/county/pgcluster.py)
apt_install postgresql
cd "$ROOT"
"$VENV/bin/ruff" check --quiet .
set +e
"$VENV/bin/python" -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: that is a failure, not a pass." >&2
    exit 1
fi
exit "$status"
