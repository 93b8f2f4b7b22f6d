#!/usr/bin/env bash
# `npm run test:kernel`: the nlex kernel modules (examples/kernel/) tested in a VM.
#
# Installs what it needs from Debian (qemu, the distribution kernel and its headers, a static
# busybox), builds both modules against those headers, packs an initramfs (busybox, the guest
# kernel's virtio/9p modules, ours, scripts/vm/init.sh as /init) and boots that kernel under
# qemu: KVM when it boots within a few seconds, TCG otherwise. The guest mounts this machine's
# root read-only over 9p and runs scripts/vm/guest.sh with the host's own node; it reports
# through a writable 9p share, never the console. This script prints the report and exits
# non-zero unless every required check passed.
#
# Environment: NLEX_VM_ACCEL=auto|kvm|tcg (auto), NLEX_VM_TIMEOUT=seconds for the whole guest
# run (900), NLEX_VM_KVM_PROBE=seconds KVM gets to reach /init (10; a miss only costs a TCG
# boot: on a PVM nested host KVM hangs bookworm's kernel before its first line),
# NLEX_VM_KEEP=1 keeps the work directory, NLEX_VM_SMP=vCPUs (1).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
vm=$repo/scripts/vm
accel_mode=${NLEX_VM_ACCEL:-auto}
run_timeout=${NLEX_VM_TIMEOUT:-900}
probe_timeout=${NLEX_VM_KVM_PROBE:-10}
smp=${NLEX_VM_SMP:-1}

# The checks guest.sh and init.sh must report as passed; a missing one is a failure too.
required=(
	insmod-nlex_genl insmod-nlex_classic lo-up
	module-nlex_genl-live module-nlex_classic-live
	genl-ctrl-list genl-ctrl-get-nlex
	nlex-resolve nlex-get-genl nlex-get-classic
	nlex-test
)
# The tests of test/examples/nlex.test.ts that must have passed (not been skipped) in the guest:
# together they are issue 4's "done means" for the modules.
required_tests=(
	'resolve prints the family id'
	'genl: change 42 is acknowledged, a running event prints it, get reads it back'
	'genl: change without a value fails'
	'genl: with NLM_F_ECHO the sender gets the notification too'
	'classic: change 42 is acknowledged, a running event prints it, get reads it back'
	'classic: change without a value fails'
	'classic: with NLM_F_ECHO the sender gets the notification too'
)

say() { echo "test:kernel: $*"; }
die() {
	echo "test:kernel: FAIL: $*" >&2
	exit 1
}

case $accel_mode in auto | kvm | tcg) ;; *) die "NLEX_VM_ACCEL must be auto, kvm or tcg, not '$accel_mode'" ;; esac
case $repo in *\'* | *' '*) die "the repository path must not contain quotes or spaces: $repo" ;; esac

# --- packages --------------------------------------------------------------------------------
installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
need=()
for pkg in qemu-system-x86 linux-image-amd64 linux-headers-amd64 busybox-static make gcc; do
	installed "$pkg" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
	[ "$(id -u)" -eq 0 ] || die "missing Debian packages (${need[*]}) and not root to install them"
	say "installing ${need[*]}"
	apt-get -o DPkg::Lock::Timeout=600 update -qq
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
		--no-install-recommends "${need[@]}" >/dev/null
fi

# The kernel the metapackage points at, not whatever else is installed.
kver=$(dpkg-query -W -f='${Depends}' linux-image-amd64 | grep -o 'linux-image-[^ ,]*' | head -n1)
kver=${kver#linux-image-}
[ -n "$kver" ] || die "cannot tell which kernel linux-image-amd64 installs"
kernel=/boot/vmlinuz-$kver
moddir=/lib/modules/$kver
[ -r "$kernel" ] || die "$kernel is missing"
[ -d "$moddir/build" ] || die "$moddir/build is missing (linux-headers-$kver)"

# --- work directory --------------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/nlkit-vm.XXXXXX")
out=$work/out
qpid=
cleanup() {
	if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then kill -9 "$qpid" 2>/dev/null || true; fi
	if [ "${NLEX_VM_KEEP:-}" = 1 ]; then say "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# --- the modules -----------------------------------------------------------------------------
# Built in a copy: the repo stays clean, and it is read-only inside the guest anyway.
mkdir -p "$work/build"
cp "$repo"/examples/kernel/{nlex.h,nlex_genl.c,nlex_classic.c,Kbuild,Makefile} "$work/build/"
if ! make -C "$work/build" KVER="$kver" >"$work/build.log" 2>&1; then
	cat "$work/build.log" >&2
	die "building the modules against $kver failed"
fi
say "built nlex_genl.ko and nlex_classic.ko against $kver"

# --- the initramfs ---------------------------------------------------------------------------
root=$work/initramfs
mkdir -p "$root/bin" "$root/modules/nlex"
# The initramfs has no libc: a dynamic busybox (the "busybox" package) would only show as
# "No working init found" on the console.
if ldd /bin/busybox >/dev/null 2>&1; then die "/bin/busybox is dynamically linked: install busybox-static"; fi
cp /bin/busybox "$root/bin/busybox"
cp "$vm/init.sh" "$root/init"
chmod 755 "$root/init"
printf "REPO='%s'\n" "$repo" >"$root/vm.conf"
cp "$work/build/nlex_genl.ko" "$work/build/nlex_classic.ko" "$root/modules/nlex/"

# The guest kernel's own modules for virtio-pci, 9p over virtio and virtio-rng (node's
# getrandom() must not wait for entropy), with their dependencies from modules.dep, in load
# order; whatever this kernel has built in is skipped.
declare -A queued=()
order=()
dep_line() { # module name -> its modules.dep line (- and _ are the same in module names)
	awk -F: -v want="${1//-/_}" '{
		name = $1; sub(/.*\//, "", name); sub(/\.ko(\.(xz|zst|gz))?$/, "", name); gsub(/-/, "_", name)
		if (name == want) { print; exit }
	}' "$moddir/modules.dep"
}
queue_path() { # path relative to $moddir, after its dependencies
	local path=$1 line dep
	[ -z "${queued[$path]:-}" ] || return 0
	line=$(grep -m1 "^$path:" "$moddir/modules.dep")
	for dep in ${line#*:}; do queue_path "$dep"; done
	queued[$path]=1
	order+=("$path")
}
for name in virtio_pci 9pnet_virtio 9p virtio_rng; do
	line=$(dep_line "$name")
	if [ -z "$line" ]; then
		grep -q "/${name//_/[-_]}\.ko" "$moddir/modules.builtin" || die "kernel $kver has no module $name"
		continue
	fi
	queue_path "${line%%:*}"
done
: >"$root/modules/order"
for path in "${order[@]}"; do
	base=$(basename "$path")
	case $base in
	*.ko) cp "$moddir/$path" "$root/modules/$base" ;;
	*.ko.xz) xz -dc "$moddir/$path" >"$root/modules/${base%.xz}" ;;
	*.ko.zst) zstd -qdc "$moddir/$path" >"$root/modules/${base%.zst}" ;;
	*.ko.gz) gzip -dc "$moddir/$path" >"$root/modules/${base%.gz}" ;;
	*) die "unexpected module file $path" ;;
	esac
	echo "${base%.ko*}.ko" >>"$root/modules/order"
done
(cd "$root" && find . | busybox cpio -o -H newc -R 0:0 2>/dev/null | gzip -1 >"$work/initramfs.gz")

# --- boot --------------------------------------------------------------------------------------
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# boot ACCEL PROBE_SECONDS: 0 when the guest ran to the end (powered off), 2 when it did not
# reach /init within PROBE_SECONDS (0 = no probe), 3 on the watchdog's timeout.
boot() {
	local accel=$1 probe=$2 console=$work/console-$1.log
	local -a cpu
	if [ "$accel" = kvm ]; then cpu=(-cpu host); else cpu=(-cpu max); fi
	rm -rf "$out"
	mkdir -p "$out"
	: >"$console"
	local start
	start=$(now)
	qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot \
		-accel "$accel" "${cpu[@]}" -smp "$smp" -m 2048 \
		-kernel "$kernel" -initrd "$work/initramfs.gz" \
		-append "console=ttyS0 quiet panic=-1" \
		-serial "file:$console" \
		-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
		-virtfs "local,path=$repo,mount_tag=repo,security_model=none,readonly=on,multidevs=remap" \
		-virtfs "local,path=$out,mount_tag=results,security_model=none" \
		-device virtio-rng-pci \
		>"$work/qemu-$accel.log" 2>&1 &
	qpid=$!
	local booted='' t deadline_probe deadline_run
	deadline_probe=$(awk -v s="$start" -v p="$probe" 'BEGIN { printf "%.3f", s + p }')
	deadline_run=$(awk -v s="$start" -v p="$run_timeout" 'BEGIN { printf "%.3f", s + p }')
	while kill -0 "$qpid" 2>/dev/null; do
		t=$(now)
		if [ -z "$booted" ] && grep -q 'nlex-vm: init started' "$console"; then
			booted=$t
			boot_seconds=$(elapsed "$start" "$t")
			say "$accel: the guest reached /init after ${boot_seconds}s"
		fi
		if [ -z "$booted" ] && [ "$probe" != 0 ] && awk -v t="$t" -v d="$deadline_probe" 'BEGIN { exit !(t > d) }'; then
			kill -9 "$qpid" 2>/dev/null || true
			wait "$qpid" 2>/dev/null || true
			qpid=
			return 2
		fi
		if awk -v t="$t" -v d="$deadline_run" 'BEGIN { exit !(t > d) }'; then
			kill -9 "$qpid" 2>/dev/null || true
			wait "$qpid" 2>/dev/null || true
			qpid=
			return 3
		fi
		sleep 0.2
	done
	wait "$qpid" || {
		local rc=$?
		qpid=
		echo "qemu exited with status $rc:" >&2
		cat "$work/qemu-$accel.log" >&2
	}
	qpid=
	run_seconds=$(elapsed "$start" "$(now)")
	return 0
}

kvm_usable() { [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; }

boot_seconds=
run_seconds=
accel=
rc=0
if [ "$accel_mode" != tcg ] && kvm_usable; then
	accel=kvm
	probe=$probe_timeout
	[ "$accel_mode" = kvm ] && probe=0
	boot kvm "$probe" || rc=$?
	if [ "$rc" = 2 ]; then
		say "kvm: the guest did not reach /init within ${probe_timeout}s; falling back to TCG"
		accel=
		rc=0
	fi
elif [ "$accel_mode" = kvm ]; then
	die "NLEX_VM_ACCEL=kvm but /dev/kvm is not usable"
fi
if [ -z "$accel" ]; then
	accel=tcg
	boot tcg 0 || rc=$?
fi
failures=()
if [ "$rc" = 3 ]; then
	failures+=("$accel: the guest did not finish within ${run_timeout}s (NLEX_VM_TIMEOUT)")
fi

# --- the report ------------------------------------------------------------------------------
echo
echo "==== guest report ($accel, kernel $kver) ===="
[ -f "$out/versions.log" ] && sed 's/^/  /' "$out/versions.log"
[ -f "$out/timing" ] && sed 's/^/  /' "$out/timing"
if [ -f "$out/steps" ]; then
	while read -r status name rest; do
		echo "-- $status $name $rest"
		if [ "$name" = nlex-test ] && [ -f "$out/nlex-test.tap" ]; then
			sed 's/^/   | /' "$out/nlex-test.tap"
		fi
		[ -f "$out/$name.log" ] && sed 's/^/   | /' "$out/$name.log"
	done <"$out/steps"
fi
echo "==== end of guest report ===="
echo

if [ ! -f "$out/done" ]; then
	tail -n 40 "$work/console-$accel.log" >&2
	failures+=("the guest stopped before the end of its run (console above)")
fi
while read -r line; do failures+=("$line"); done < <(grep '^FAIL' "$out/steps" 2>/dev/null || true)
for name in "${required[@]}"; do
	grep -Eq "^(PASS|FAIL) $name( |\$)" "$out/steps" 2>/dev/null || failures+=("$name: never ran")
done
# The integration test must have run tests, not merely exited 0.
tap=$out/nlex-test.tap
if [ -f "$tap" ]; then
	pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tap" | tail -n1)
	fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tap" | tail -n1)
	[ "${pass:-0}" -gt 0 ] || failures+=("nlex-test ran no passing test")
	[ "${fail:-1}" = 0 ] || failures+=("nlex-test: ${fail:-?} failed")
	for t in "${required_tests[@]}"; do
		grep -E '^ok [0-9]+ - ' "$tap" | grep -v '# SKIP' | grep -qF -- "$t" ||
			failures+=("nlex-test: no passing test named '$t...'")
	done
else
	failures+=("nlex-test wrote no TAP output")
fi

passed=$(grep -c '^PASS' "$out/steps" 2>/dev/null || true)
say "$accel, kernel $kver: reached /init after ${boot_seconds:-?}s, guest run ${run_seconds:-?}s, script ${SECONDS}s"
if [ ${#failures[@]} -gt 0 ]; then
	for f in "${failures[@]}"; do echo "test:kernel: FAIL: $f" >&2; done
	echo "test:kernel: ${passed:-0} passed, ${#failures[@]} failed"
	exit 1
fi
echo "test:kernel: ${passed:-0} passed, 0 failed"
