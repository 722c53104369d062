#!/usr/bin/env bash
# `git clone … && npm install && npm test` as a newcomer runs it (issue 14): a clean clone of the commit
# under test in a temporary folder, no CHROMIUM_PATH and no system browser (CHROMIUM_SOURCE=bundled,
# so the Chromium inside the @sparticuz/chromium devDependency is the one that runs), and afterwards a
# working tree exactly as cloned: nothing the install or the tests did may show up in `git status`.
#
# What a newcomer would download again is reused rather than fetched twice: npm's own cache (~/.npm) and
# the Node runtimes the platform tests fetch (node_modules/.cache/stsgate-runtimes, ~290 MB unpacked),
# hard-linked from this checkout when it has them. The bundled Chromium is unpacked afresh on purpose.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
commit="$(git -C "$repo" rev-parse HEAD)"
if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
  echo "newcomer: note: uncommitted changes in $repo are not part of this run (it tests commit $commit)" >&2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/stsgate-newcomer.XXXXXX")"
trap 'rm -rf "$work"' EXIT
clone="$work/stsgate"
started=$SECONDS

git clone --quiet --no-hardlinks "$repo" "$clone"
git -C "$clone" -c advice.detachedHead=false checkout --quiet "$commit"
cd "$clone"

unset CHROMIUM_PATH
export CHROMIUM_SOURCE=bundled
npm install --no-audit --no-fund --prefer-offline

runtimes="$repo/node_modules/.cache/stsgate-runtimes"
if [ -d "$runtimes" ]; then
  mkdir -p node_modules/.cache
  cp -al "$runtimes" node_modules/.cache/ 2>/dev/null || cp -a "$runtimes" node_modules/.cache/
fi

npm test

changes="$(git status --porcelain)"
if [ -n "$changes" ]; then
  printf 'newcomer: npm install && npm test left the clone changed:\n%s\n' "$changes" >&2
  exit 1
fi
echo "newcomer: clean clone of $commit: npm install && npm test passed in $((SECONDS - started)) s"
