#!/usr/bin/env bash
# buf breaking (FILE rules, buf.yaml) of the protos in the working tree against the last commit on main,
# offline: the base is exported with `git archive` into a temporary directory (works in worktrees and
# shallow clones, where buf's own `.git#...` input cannot).
#
# The base, unless PROTO_BREAKING_AGAINST names one (any git revision):
#   - on a branch other than main, where main (or origin/main) is known: the merge base with main;
#   - otherwise (main itself, CI's detached checkout, a clone without main): HEAD when protos/ has
#     uncommitted changes, else HEAD~1, the commit before the one checked out.
# Without that commit (a first commit, or a clone with --depth=1) there is nothing to compare: the check
# says so and passes; fetch one more commit (`git fetch --deepen=1`) to run it.
set -euo pipefail
BUF=${1:?usage: proto_breaking.sh path/to/buf}

resolve() { git rev-parse -q --verify "$1^{commit}" 2>/dev/null; }

against=${PROTO_BREAKING_AGAINST:-}
if [[ -z "$against" ]]; then
  branch=$(git rev-parse --abbrev-ref HEAD)
  main=""
  for candidate in main origin/main; do
    if resolve "$candidate" >/dev/null; then main=$candidate; break; fi
  done
  if [[ "$branch" != main && "$branch" != HEAD && -n "$main" ]]; then
    against=$(git merge-base HEAD "$main" || true)
    label="the merge base with $main"
  elif ! git diff --quiet HEAD -- protos; then
    against=HEAD
    label="HEAD (protos/ has uncommitted changes)"
  else
    against=HEAD~1
    label="HEAD~1, the previous commit"
  fi
else
  label="$against (PROTO_BREAKING_AGAINST)"
fi

commit=$(resolve "${against:-none}" || true)
if [[ -z "$commit" ]]; then
  echo "proto-breaking: SKIPPED, no commit to compare with ($label is not in this clone: a first commit or a" \
    "shallow clone; 'git fetch --deepen=1' makes it available)"
  exit 0
fi
if ! git cat-file -e "$commit:protos" 2>/dev/null; then
  echo "proto-breaking: nothing to compare, $label has no protos/"
  exit 0
fi

base=$(mktemp -d)
trap 'rm -rf "$base"' EXIT
git archive "$commit" -- buf.yaml protos third_party 2>/dev/null | tar -x -C "$base" \
  || git archive "$commit" -- buf.yaml protos | tar -x -C "$base"
echo "proto-breaking: protos/ against $label ($(git rev-parse --short "$commit"))"
"$BUF" breaking --against "$base"
