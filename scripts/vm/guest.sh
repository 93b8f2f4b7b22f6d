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

step() { # name, command...: passes when the command exits 0
	local name=$1
	shift
	local rc=0
	"$@" >"$out/$name.log" 2>&1 || rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "PASS $name" >>"$out/steps"
	else
		echo "FAIL $name (exit $rc)" >>"$out/steps"
	fi
	return "$rc"
}

# name, pattern, command...: passes when the command exits 0 and prints a line matching the
# extended regular expression.
expect() {
	local name=$1 pattern=$2
	shift 2
	local rc=0
	"$@" >"$out/$name.log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "FAIL $name (exit $rc)" >>"$out/steps"
	elif ! grep -Eq -- "$pattern" "$out/$name.log"; then
		echo "FAIL $name (no line matches /$pattern/)" >>"$out/steps"
	else
		echo "PASS $name" >>"$out/steps"
	fi
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

# The programs and their integration test, against the modules (TAP in nlex-test.tap).
NLEX_TARGET=kernel step nlex-test \
	node --import tsx --test --test-reporter=tap --test-reporter-destination="$out/nlex-test.tap" \
	test/examples/nlex.test.ts

echo "guest-sh-end $(cut -d' ' -f1 /proc/uptime)" >>"$out/timing"
