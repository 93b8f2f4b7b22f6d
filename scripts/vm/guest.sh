#!/bin/bash
# Runs inside the test VM (scripts/vm/init.sh chroots into the host's root, read-only, with the
# nlex modules loaded and lo up): the checks against the real modules. Every check is a line
# `PASS name` / `FAIL name (why)` in $out/steps with its output in $out/<name>.log; run.sh on
# the host prints them and fails unless every check it requires passed.
# Usage: guest.sh <repo> <results dir>
set -u
repo=$1
out=$2
cd "$repo" || exit 1

# name, pattern, command...: passes when the command exits 0 and, unless the pattern is empty,
# prints a line matching that extended regular expression. No command may outlive the VM's
# watchdog: each gets $limit seconds, then fails with exit 124.
limit=600
expect() {
	local name=$1 pattern=$2
	shift 2
	local rc=0 start=$EPOCHREALTIME took
	timeout --kill-after=10 "$limit" "$@" >"$out/$name.log" 2>&1 </dev/null || rc=$?
	took=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1fs", b - a }')
	if [ "$rc" -ne 0 ]; then
		echo "FAIL $name (exit $rc, $took)" >>"$out/steps"
	elif [ -n "$pattern" ] && ! grep -Eq -- "$pattern" "$out/$name.log"; then
		echo "FAIL $name (no line matches /$pattern/, $took)" >>"$out/steps"
	else
		echo "PASS $name ($took)" >>"$out/steps"
	fi
}
step() { # name, command...: passes when the command exits 0
	local name=$1
	shift
	expect "$name" '' "$@"
}

echo "guest-sh-start $(cut -d' ' -f1 /proc/uptime)" >>"$out/timing"

{
	echo "kernel: $(uname -r)"
	echo "node: $(node --version)"
	echo "iproute2: $(ip -V)"
	echo "repo: $repo ($(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo 'not a git checkout'))"
} >"$out/versions.log" 2>&1

expect module-nlex_genl-live '^nlex_genl .* Live ' grep '^nlex_genl ' /proc/modules
expect module-nlex_classic-live '^nlex_classic .* Live ' grep '^nlex_classic ' /proc/modules

# The kernel's own controller, through iproute2: the family is registered with our numbers.
# The list is long: the report keeps the family names, enough to see nlex among the kernel's.
expect genl-ctrl-list '^Name: nlex$' bash -o pipefail -c 'genl ctrl list | grep "^Name: "'
expect genl-ctrl-get-nlex 'name: example' genl ctrl get name nlex

# The programs by hand, on modules nobody has written to yet: myvar starts at 0.
expect nlex-resolve '^group example id [0-9]+$' node --import tsx examples/nlex/resolve.ts
expect nlex-get-genl '^myvar=0$' node --import tsx examples/nlex/get.ts --variant genl
expect nlex-get-classic '^myvar=0$' node --import tsx examples/nlex/get.ts --variant classic

# Their integration test, against the modules (TAP in nlex-test.tap).
step nlex-test env NLEX_TARGET=kernel \
	node --import tsx --test --test-reporter=tap --test-reporter-destination="$out/nlex-test.tap" \
	test/examples/nlex.test.ts

echo "guest-sh-end $(cut -d' ' -f1 /proc/uptime)" >>"$out/timing"
