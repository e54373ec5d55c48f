#!/bin/sh
# nspawn.sh DISTDIR: test-packages.sh again with systemd as PID 1, for a
# machine that does not boot systemd itself (a container, a sandbox VM):
# systemd-nspawn boots this machine's own Debian, its root file system
# seen through an overlay whose writes are thrown away afterwards, and
# test-packages.sh runs there as a service, so the .debs install, the
# districtd unit is started and stopped by systemd itself and the purge is
# checked, without changing anything on this machine. Root only.
set -eu
DIST=$(cd "$1" && pwd)
VERSION=${VERSION:?VERSION is the version make dist built}
TOP=$(pwd)
O=$(mktemp -d /var/tmp/communekit-nspawn.XXXXXX)
cleanup() {
	umount "$O/merged" 2>/dev/null || true
	rm -rf "$O"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
mkdir "$O/upper" "$O/work" "$O/merged"
mount -t overlay overlay -o "lowerdir=/,upperdir=$O/upper,workdir=$O/work" "$O/merged"
# A machine ID of its own (made at boot): nspawn refuses the host's.
rm -f "$O/merged/etc/machine-id"
# The container's /tmp is its own: the packages go where it sees them.
mkdir -p "$O/merged/root/dist"
cp -p "$DIST"/* "$O/merged/root/dist/"
cat >"$O/merged/etc/systemd/system/communekit-test-packages.service" <<EOU
[Unit]
Description=communekit: make test-packages under systemd
After=multi-user.target

[Service]
Type=oneshot
Environment=VERSION=$VERSION TEST_PACKAGES_NO_WINE=1
ExecStart=/bin/sh -c 'cd $TOP && sh cmd/districtd/packaging/test-packages.sh /root/dist >/root/test-packages.log 2>&1; echo \$? >/root/test-packages.rc'
ExecStartPost=/bin/systemctl poweroff --no-block
EOU
mkdir -p "$O/merged/etc/systemd/system/multi-user.target.wants"
ln -sf /etc/systemd/system/communekit-test-packages.service "$O/merged/etc/systemd/system/multi-user.target.wants/"
echo "== the same tests under systemd: this machine's system booted by systemd-nspawn in a throw-away overlay"
timeout 900 systemd-nspawn -q -D "$O/merged" -b --private-network --link-journal=no --register=no \
	--keep-unit -M communekit-test </dev/null >"$O/boot.log" 2>&1 || true
if [ ! -f "$O/upper/root/test-packages.rc" ]; then
	echo "test-packages under systemd-nspawn: the container did not run the tests; its console:"
	tail -30 "$O/boot.log"
	exit 1
fi
cat "$O/upper/root/test-packages.log"
exit "$(cat "$O/upper/root/test-packages.rc")"
