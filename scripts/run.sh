#!/usr/bin/env bash
# Set up WindowDesk and open the desk on its embedded default database.
# (The first run creates a demo desk in the per-user data folder.)
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh" ""
exec "$VENV/bin/windowdesk" "$@"
