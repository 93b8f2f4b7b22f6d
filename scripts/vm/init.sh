#!/bin/busybox sh
# shellcheck shell=dash
# /init of the test VM's initramfs (busybox only): load the virtio and 9p modules of the guest
# kernel, mount the results share and the host's root (read-only), load the nlex modules, bring
# up lo, then run scripts/vm/guest.sh from the repo in a chroot of the host's root, with the
# host's own bash and node. Everything worth reading goes to the results share; the console
# only carries progress lines (the host watches the first one to know the kernel booted).
# run.sh writes /vm.conf (REPO=...) next to this file.
/bin/busybox mkdir -p /bin /sbin /proc /sys /dev /out /host
/bin/busybox --install -s /bin
export PATH=/bin:/sbin

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
exec </dev/null >/dev/console 2>&1

echo "nlex-vm: init started at $(cut -d' ' -f1 /proc/uptime)s"

fatal() {
	echo "nlex-vm: FATAL: $*"
	[ -n "$out_mounted" ] && echo "FAIL init: $*" >>/out/steps
	sync
	poweroff -f
}

# shellcheck disable=SC1091 # written by run.sh
. /vm.conf

# Dependencies first: run.sh listed them in load order.
while read -r mod; do
	insmod "/modules/$mod" || fatal "insmod $mod"
done </modules/order

mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results /out || fatal "mount results share"
: >/out/steps
out_mounted=1
echo "init-uptime-start $(cut -d' ' -f1 /proc/uptime)" >/out/timing

step() { # name, command...: a line in the steps file, output in <name>.log
	name=$1
	shift
	if "$@" >"/out/$name.log" 2>&1; then
		echo "PASS $name" >>/out/steps
	else
		echo "FAIL $name (exit $?)" >>/out/steps
	fi
}

# cache=loose: the host's files do not change during the run, and node reads thousands of them.
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,ro,cache=loose hostroot /host ||
	fatal "mount the host's root"
mount -t proc proc /host/proc
mount -t sysfs sys /host/sys
mount -t devtmpfs dev /host/dev
mkdir -p /host/dev/pts /host/dev/shm
mount -t devpts devpts /host/dev/pts
mount -t tmpfs tmpfs /host/dev/shm
mount -t tmpfs -o mode=1777 tmpfs /host/tmp
mount -t tmpfs tmpfs /host/run
mkdir -p /host/tmp/vm-out
mount -o bind /out /host/tmp/vm-out
# The repo again on its own share, so it is reachable even when it lives under /tmp.
mkdir -p "/host$REPO" 2>/dev/null
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,ro,cache=loose repo "/host$REPO" ||
	fatal "mount the repo share at $REPO"

step insmod-nlex_genl insmod /modules/nlex/nlex_genl.ko
step insmod-nlex_classic insmod /modules/nlex/nlex_classic.ko
step lo-up ip link set lo up

echo "nlex-vm: running guest.sh at $(cut -d' ' -f1 /proc/uptime)s"
chroot /host /usr/bin/env -i \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/tmp TMPDIR=/tmp LANG=C.UTF-8 CI=true \
	/bin/bash "$REPO/scripts/vm/guest.sh" "$REPO" /tmp/vm-out
echo "guest-sh-exit $?" >>/out/timing
echo "init-uptime-end $(cut -d' ' -f1 /proc/uptime)" >>/out/timing
echo finished >/out/done
sync
umount /host/tmp/vm-out /out 2>/dev/null
echo "nlex-vm: done at $(cut -d' ' -f1 /proc/uptime)s"
poweroff -f
