#!/bin/sh
# deb.sh VERSION OUTDIR: districtd_VERSION_amd64.deb, a district node as a
# systemd service (make dist): districtd and kitctl (both without cgo), the
# unit, its settings file, man pages, and maintainer scripts that make the
# service's system user. Built with dpkg-deb, no network. Run from the
# repository's top.
set -eu
VERSION=$1
OUT=$2
GO=${GO:-go}
HERE=cmd/districtd/packaging
ROOT=$(mktemp -d)
trap 'rm -rf "$ROOT"' EXIT
pkg="$ROOT/pkg"
LDFLAGS="-s -w -X github.com/communekit/communekit/cmd/internal/version.version=$VERSION"

mkdir -p "$pkg/DEBIAN" "$pkg/usr/bin" "$pkg/lib/systemd/system" "$pkg/etc/communekit" \
	"$pkg/usr/share/man/man1" "$pkg/usr/share/man/man8" "$pkg/usr/share/doc/districtd"
CGO_ENABLED=0 $GO build -ldflags "$LDFLAGS" -o "$pkg/usr/bin/districtd" ./cmd/districtd
CGO_ENABLED=0 $GO build -ldflags "$LDFLAGS" -o "$pkg/usr/bin/kitctl" ./cmd/kitctl
install -m 0644 $HERE/districtd.service "$pkg/lib/systemd/system/"
install -m 0644 $HERE/districtd.conf "$pkg/etc/communekit/"
chmod 0700 "$pkg/etc/communekit"
gzip -9n <$HERE/districtd.8 >"$pkg/usr/share/man/man8/districtd.8.gz"
gzip -9n <$HERE/kitctl.1 >"$pkg/usr/share/man/man1/kitctl.1.gz"
install -m 0644 LICENSE "$pkg/usr/share/doc/districtd/copyright"
install -m 0755 $HERE/postinst $HERE/prerm $HERE/postrm "$pkg/DEBIAN/"
echo /etc/communekit/districtd.conf >"$pkg/DEBIAN/conffiles"
size=$(du -sk "$pkg" | cut -f1)
cat >"$pkg/DEBIAN/control" <<EOC
Package: districtd
Version: $VERSION
Architecture: amd64
Maintainer: The communekit authors <communekit@localhost>
Installed-Size: $size
Depends: adduser
Recommends: systemd
Section: admin
Priority: optional
Description: communekit district node, as a systemd service
 districtd is one node of a communekit district's Raft cluster: commune
 laptops send it their residents' records as sealed batches over HTTPS and
 receive the others' changes from it. This package runs it as the
 districtd service under its own system user, with its data in
 /var/lib/communekit and its credential and passphrase handed over by
 systemd from root-only files in /etc/communekit. It also holds kitctl, the
 command line of communekit. Set it up as districtd(8) says.
EOC
mkdir -p "$OUT"
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$OUT/districtd_${VERSION}_amd64.deb" >/dev/null
