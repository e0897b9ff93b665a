#!/usr/bin/env bash
# Regenerates predefined-roles.json from Google's predefined roles as published in
# github.com/iann0036/iam-dataset (gcp/predefined_roles.json, the output of
# `gcloud iam roles list --show-deleted`). Usage:
#   shared/spec/data/regenerate-predefined-roles.sh /path/to/iam-dataset [COMMIT]
# then update SOURCE.md beside this script with the commit and its date.
set -euo pipefail
repo="${1:?path to a clone of github.com/iann0036/iam-dataset}"
commit="${2:-HEAD}"
here="$(cd "$(dirname "$0")" && pwd)"
git -C "$repo" show "$commit:gcp/predefined_roles.json" | node -e '
  let text = "";
  process.stdin.on("data", (chunk) => (text += chunk));
  process.stdin.on("end", () => {
    const names = [...new Set(JSON.parse(text).map((role) => role.name))].sort();
    if (!names.every((name) => /^roles\/[A-Za-z0-9_.]+$/.test(name))) {
      throw new Error("unexpected role name in predefined_roles.json");
    }
    process.stdout.write(`${JSON.stringify(names, null, 2)}\n`);
  });
' > "$here/predefined-roles.json"
echo "wrote $(grep -c '"roles/' "$here/predefined-roles.json") roles from $(git -C "$repo" rev-parse "$commit")"
