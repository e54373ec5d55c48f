#!/bin/sh
# test-packages.sh DISTDIR: the packages of make dist, installed and run on
# this machine (make test-packages). Needs root (dpkg -i): skips otherwise,
# saying so. Starts districtd under systemd where systemd is PID 1; where it
# is not, runs the unit's own command line as the unit's user with the
# credentials where systemd would put them, and says so. Leaves the machine
# as it found it: it refuses to run where /var/lib/communekit holds a node
# that is not its own.
set -u
DIST=${1:-dist}
VERSION=${VERSION:?VERSION is the version make dist built}
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAILED: $*"; }
check() { # check DESCRIPTION COMMAND...
	what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}
need() { # need DESCRIPTION COMMAND...: check, and stop here on failure (what follows depends on it)
	what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; finish; fi
}
finish() {
	echo "test-packages: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit $?
}

if [ "$(id -u)" -ne 0 ]; then
	echo "test-packages: SKIPPED: installing .debs (dpkg -i) needs root; run it as root"
	exit 0
fi
DIST=$(cd "$DIST" && pwd)
DEB_D="$DIST/districtd_${VERSION}_amd64.deb"
DEB_A="$DIST/communekit_${VERSION}_amd64.deb"
ZIP="$DIST/communekit-${VERSION}-windows-amd64.zip"
SETUP="$DIST/communekit-${VERSION}-windows-amd64-setup.exe"
STATE=/var/lib/communekit
MARK="$STATE/.test-packages"
if [ -d "$STATE" ] && [ -n "$(ls -A "$STATE")" ] && [ ! -e "$MARK" ]; then
	echo "test-packages: SKIPPED: $STATE holds data that is not this test's (a real node?): not touching it"
	exit 0
fi
if dpkg -s districtd >/dev/null 2>&1 || dpkg -s communekit >/dev/null 2>&1; then
	echo "test-packages: SKIPPED: districtd or communekit is installed here already: not touching it"
	exit 0
fi
WORK=$(mktemp -d)
cleanup() {
	[ -n "${NODEPID:-}" ] && kill "$NODEPID" 2>/dev/null
	dpkg --purge districtd communekit >/dev/null 2>&1
	rm -rf "$STATE" /etc/communekit "$WORK"
	getent passwd communekit >/dev/null && deluser --system communekit >/dev/null 2>&1
	getent group communekit >/dev/null && delgroup --system communekit >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 1' INT TERM
rm -rf "$STATE"

echo "== checksums"
check "SHA256SUMS matches every artefact" sh -c "cd '$DIST' && sha256sum --quiet -c SHA256SUMS"

echo "== districtd_${VERSION}_amd64.deb"
need "dpkg -i districtd" sh -c "dpkg -i '$DEB_D' >'$WORK/dpkg.log' 2>&1 || { cat '$WORK/dpkg.log'; false; }"
check "districtd --version says $VERSION" sh -c "[ \"\$(districtd --version)\" = 'districtd $VERSION' ]"
check "kitctl --version says $VERSION" sh -c "[ \"\$(kitctl --version)\" = 'kitctl $VERSION' ]"
check "the service's system user exists" sh -c "getent passwd communekit | grep -q ':/var/lib/communekit:' && [ \"\$(id -u communekit)\" -lt 1000 ]"
check "/etc/communekit is root's only (0700)" sh -c "[ \"\$(stat -c %a:%U /etc/communekit)\" = 700:root ]"
check "the man pages are installed" test -f /usr/share/man/man8/districtd.8.gz -a -f /usr/share/man/man1/kitctl.1.gz
check "systemd-analyze verify districtd.service" sh -c "systemd-analyze verify /lib/systemd/system/districtd.service"

# A district, and a credential for one node, made as at the office.
export COMMUNEKIT_WORK_FACTOR=10
P="$WORK/d"
COMMUNEKIT_PASSPHRASE='mật khẩu huyện' kitctl --profile "$P" district init --name "Huyện thử" >/dev/null &&
	COMMUNEKIT_PASSPHRASE='mật khẩu huyện' COMMUNEKIT_NODE_PASSPHRASE='mật khẩu nút n1' \
		kitctl --profile "$P" district node-cert --id n1 --out "$WORK/n1.node" --host 127.0.0.1 >/dev/null
need "a district and a node credential made with kitctl" test -s "$WORK/n1.node"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
RAFT=127.0.0.1:$(port)
HTTP=127.0.0.1:$(port)
METRICS=127.0.0.1:$(port)
install -m 0600 "$WORK/n1.node" /etc/communekit/node.node
printf 'mật khẩu nút n1\n' >/etc/communekit/passphrase
chmod 0600 /etc/communekit/passphrase
cat >/etc/communekit/districtd.conf <<EOC
NODE_ID=n1
RAFT=$RAFT
HTTP=$HTTP
METRICS=$METRICS
START=--bootstrap
OPTIONS="--min-free-mb -1"
COMMUNEKIT_WORK_FACTOR=10
EOC

ready() { # ready SECONDS: the node's /readyz answers 200
	i=0
	while [ "$i" -lt "$1" ]; do
		curl -fsS "http://$METRICS/readyz" >/dev/null 2>&1 && return 0
		sleep 1
		i=$((i + 1))
	done
	return 1
}

# The state directory, as StateDirectory= makes it, marked as this test's.
install -d -m 0700 -o communekit -g communekit "$STATE"
touch "$MARK"

if [ "$(ps -p 1 -o comm=)" = systemd ] && [ -d /run/systemd/system ]; then
	echo "== districtd under systemd"
	systemctl start districtd.service
	if ! ready 60; then
		systemctl status --no-pager districtd
		journalctl -u districtd --no-pager | tail -20
	fi
	need "districtd starts under systemd and is ready" ready 1
	check "it runs as the communekit user" sh -c "[ \"\$(ps -o uid= -p \$(systemctl show -p MainPID --value districtd) | tr -d ' ')\" = \"\$(id -u communekit)\" ]"
	check "no passphrase on its command line" sh -c "! tr '\\0' ' ' </proc/\$(systemctl show -p MainPID --value districtd)/cmdline | grep -q 'mật'"
	systemctl stop districtd.service
	check "systemctl stop: SIGTERM, a clean stop (exit 0)" sh -c "[ \"\$(systemctl show -p ExecMainStatus --value districtd)\" = 0 ]"
	check "its log says it stopped on SIGTERM" sh -c "journalctl -u districtd --no-pager | grep -q 'stopping.*signal=terminated'"
else
	echo "== districtd as its unit says (systemd is not PID 1 here: $(ps -p 1 -o comm=); not started under systemd)"
	# What systemd would do: the state directory owned by the user, the
	# credentials copied into a directory only the service reads, the
	# settings as environment, the unit's ExecStart with %d filled in.
	CRED="$WORK/credentials"
	install -d -m 0500 -o communekit -g communekit "$CRED"
	install -m 0400 -o communekit -g communekit /etc/communekit/node.node "$CRED/node"
	install -m 0400 -o communekit -g communekit /etc/communekit/passphrase "$CRED/passphrase"
	chmod 0711 "$WORK"
	exec_start=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/districtd.service | sed "s|%d|$CRED|g")
	(
		set -a
		. /etc/communekit/districtd.conf
		set +a
		export CREDENTIALS_DIRECTORY="$CRED"
		# $START and $OPTIONS split into words, ${VAR} stays one word, as systemd does.
		cmd=$(echo "$exec_start" | sed -e 's/\${\([A-Z_]*\)}/"$\1"/g')
		eval "exec setpriv --reuid communekit --regid communekit --init-groups $cmd"
	) >"$WORK/node.log" 2>&1 &
	NODEPID=$!
	ready 60 || cat "$WORK/node.log"
	need "districtd starts as the communekit user, from the credential files, and is ready" ready 1
	check "it runs as the communekit user" sh -c "[ \"\$(ps -o uid= -p $NODEPID | tr -d ' ')\" = \"\$(id -u communekit)\" ]"
	check "no passphrase on its command line" sh -c "! tr '\\0' ' ' </proc/$NODEPID/cmdline | grep -q 'mật'"
	kill -TERM "$NODEPID"
	wait "$NODEPID"
	rc=$?
	NODEPID=
	check "SIGTERM: a clean stop (exit 0)" [ "$rc" -eq 0 ]
	check "its log says it stopped on SIGTERM" grep -q 'stopping.*signal=terminated' "$WORK/node.log"
	[ "$fail" -eq 0 ] || cat "$WORK/node.log"
fi
check "the node left its data in $STATE" test -d "$STATE/store"

echo "== purge"
before=$(cd "$STATE" && find . -exec stat -c '%n %s %Y %U' {} + | sort | sha256sum)
dpkg --purge districtd >"$WORK/purge.log" 2>&1
check "dpkg --purge districtd" sh -c "! dpkg -s districtd >/dev/null 2>&1"
after=$(cd "$STATE" 2>/dev/null && find . -exec stat -c '%n %s %Y %U' {} + | sort | sha256sum)
check "purge removed nothing under $STATE" [ "$before" = "$after" ]
check "purge kept the credential and passphrase" test -f /etc/communekit/node.node -a -f /etc/communekit/passphrase
check "purge removed the settings file (a conffile)" test ! -e /etc/communekit/districtd.conf

echo "== communekit_${VERSION}_amd64.deb"
need "dpkg -i communekit" sh -c "dpkg -i '$DEB_A' >'$WORK/dpkg.log' 2>&1 || { cat '$WORK/dpkg.log'; false; }"
check "communekit --version says $VERSION" sh -c "[ \"\$(communekit --version 2>/dev/null)\" = 'communekit $VERSION' ]"
check "the desktop entry names it in Vietnamese" grep -q '^Name\[vi\]=Dữ liệu dân cư xã' /usr/share/applications/org.communekit.app.desktop
if command -v desktop-file-validate >/dev/null; then
	check "desktop-file-validate" desktop-file-validate /usr/share/applications/org.communekit.app.desktop
fi
check "the icon is in hicolor" test -s /usr/share/icons/hicolor/256x256/apps/org.communekit.app.png
check "its dependencies name the GL and X libraries" sh -c "dpkg -s communekit | grep '^Depends:' | grep -q libgl1 && dpkg -s communekit | grep '^Depends:' | grep -q libx11"
dpkg --purge communekit >/dev/null 2>&1
check "dpkg --purge communekit" sh -c "! dpkg -s communekit >/dev/null 2>&1"

echo "== communekit-${VERSION}-windows-amd64.zip"
Z="$WORK/zip"
mkdir -p "$Z" && unzip -q "$ZIP" -d "$Z"
W="$Z/communekit-$VERSION-windows-amd64"
for f in communekit.exe kitctl.exe communekit.ico README.txt LICENSE.txt; do
	check "the zip holds $f" test -s "$W/$f"
done
check "communekit.exe is a Windows GUI program for x86-64" sh -c "x86_64-w64-mingw32-objdump -p '$W/communekit.exe' | grep -q 'Subsystem.*(Windows GUI)' && x86_64-w64-mingw32-objdump -f '$W/communekit.exe' | grep -q pei-x86-64"
check "communekit.exe has its icon and manifest" sh -c "x86_64-w64-mingw32-objdump -h '$W/communekit.exe' | grep -q '\\.rsrc'"
check "communekit.exe's version information has its Vietnamese name and $VERSION" python3 -c '
import sys
b = open(sys.argv[1], "rb").read()
for s in ("FileDescription", "communekit — dữ liệu dân cư xã", sys.argv[2]):
    assert s.encode("utf-16-le") in b, s
' "$W/communekit.exe" "$VERSION"
check "the installer is there" test -s "$SETUP"
if [ -n "${TEST_PACKAGES_NO_WINE:-}" ]; then
	echo "wine: not run here (TEST_PACKAGES_NO_WINE)"
elif command -v wine >/dev/null && [ -f cmd/kitctl/testdata/wine/bcryptprimitives.c ]; then
	# wine 8 lacks ProcessPrng, which Go needs to start: the same stand-in as make windows-smoke.
	export WINEPREFIX="$WORK/wine" WINEDEBUG=-all
	x86_64-w64-mingw32-gcc -shared -o "$WORK/bcryptprimitives.dll" cmd/kitctl/testdata/wine/bcryptprimitives.c &&
		wineboot -i >/dev/null 2>&1 && cp "$WORK/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"
	check "kitctl.exe --version says $VERSION under wine" sh -c "[ \"\$(wine '$W/kitctl.exe' --version 2>/dev/null | tr -d '\\r')\" = 'kitctl $VERSION' ]"
	check "communekit.exe --version says $VERSION under wine" sh -c "[ \"\$(wine '$W/communekit.exe' --version 2>/dev/null | tr -d '\\r')\" = 'communekit $VERSION' ]"
	# The installer, silent (/S) as an IT officer may run it: per user, a Start-menu shortcut under
	# the Vietnamese name, an uninstaller that takes it all away again.
	wine "$SETUP" /S >/dev/null 2>&1
	wineserver -w
	I="$WINEPREFIX/drive_c/users/$(id -un)/AppData/Local/Programs/communekit"
	LNK="$WINEPREFIX/drive_c/users/$(id -un)/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Dữ liệu dân cư xã (communekit).lnk"
	check "the installer puts communekit.exe and kitctl.exe in the user's Programs" test -s "$I/communekit.exe" -a -s "$I/kitctl.exe"
	check "the installer makes the Start-menu shortcut under the Vietnamese name" test -s "$LNK"
	check "the installed kitctl.exe says $VERSION" sh -c "[ \"\$(wine '$I/kitctl.exe' --version 2>/dev/null | tr -d '\\r')\" = 'kitctl $VERSION' ]"
	wine "$I/uninstall.exe" /S >/dev/null 2>&1
	wineserver -w
	check "the uninstaller removes the program and the shortcut" test ! -e "$I/communekit.exe" -a ! -e "$LNK"
	wineserver -k 2>/dev/null
else
	echo "wine (or cmd/kitctl/testdata/wine, its ProcessPrng stand-in) is missing: the Windows binaries are not run (make windows-smoke installs wine)"
fi
finish
