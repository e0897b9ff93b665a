#!/usr/bin/env bash
# Regenerates role-permissions.json: for every predefined role of github.com/iann0036/iam-dataset
# (gcp/roles/<role>.json, the output of `gcloud iam roles describe`), the permissions it includes
# of the services whose calls the GCP simulator authorizes (PREFIXES). Usage:
#   local/gcp/iam-data/regenerate-role-permissions.sh /path/to/iam-dataset [COMMIT]
# then update SOURCE.md beside this script with the commit and its date.
set -euo pipefail
repo="${1:?path to a clone of github.com/iann0036/iam-dataset}"
commit="${2:-HEAD}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git -C "$repo" archive "$commit" gcp/roles | tar -x -C "$work"
PREFIXES="pubsub." node -e '
  const fs = require("node:fs");
  const dir = process.argv[1];
  const prefixes = process.env.PREFIXES.split(",");
  const roles = {};
  for (const file of fs.readdirSync(dir).sort()) {
    const role = JSON.parse(fs.readFileSync(`${dir}/${file}`, "utf8"));
    if (!/^roles\/[A-Za-z0-9_.]+$/.test(role.name)) throw new Error(`unexpected role ${role.name}`);
    const kept = (role.includedPermissions ?? []).filter((p) => prefixes.some((x) => p.startsWith(x)));
    if (kept.length > 0) roles[role.name] = [...new Set(kept)].sort();
  }
  process.stdout.write(`${JSON.stringify({ prefixes, roles }, null, 2)}\n`);
' "$work/gcp/roles" > "$here/role-permissions.json"
echo "wrote $(grep -c '"roles/' "$here/role-permissions.json") roles from $(git -C "$repo" rev-parse "$commit")"
