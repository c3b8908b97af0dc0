#!/usr/bin/env bash
# Start a county server on this machine for a trial: PostgreSQL from the distribution's
# packages, a private cluster in the per-user data folder (/var/lib/windowdesk-county as
# root), the database "county" with the bundled catalogue and holiday schedules, then the
# server on 127.0.0.1:8650. Fill it with the demo county in another terminal:
#     .venv/bin/windowdesk county demo --database URL     (URL as printed below)
# Stop PostgreSQL afterwards with: .venv/bin/python -m windowdesk.county.trial --stop
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh" ""
apt_install postgresql
URL="$("$VENV/bin/python" -m windowdesk.county.trial)"
echo "County database: $URL"
exec "$VENV/bin/windowdesk" county serve --database "$URL" --listen 127.0.0.1:8650 "$@"
