#!/bin/sh
# deb.sh VERSION OUTDIR: communekit_VERSION_amd64.deb, the desktop app for
# Debian and Ubuntu laptops (make dist): /usr/bin/communekit, its desktop
# entry (English and Vietnamese) and icon. Its dependencies are the shared
# libraries the binary links (GL, X11), as dpkg-shlibdeps finds them, and
# the X extensions GLFW opens as it starts (dlopen, so unseen by it).
# Built with dpkg-deb, no network. Run from the repository's top.
set -eu
VERSION=$1
OUT=$2
GO=${GO:-go}
HERE=cmd/communekit/packaging
ROOT=$(mktemp -d)
trap 'rm -rf "$ROOT"' EXIT
pkg="$ROOT/pkg"

mkdir -p "$pkg/DEBIAN" "$pkg/usr/bin" "$pkg/usr/share/applications" \
	"$pkg/usr/share/icons/hicolor/256x256/apps" "$pkg/usr/share/doc/communekit"
CGO_ENABLED=1 $GO build -ldflags "-s -w -X github.com/communekit/communekit/cmd/internal/version.version=$VERSION" \
	-o "$pkg/usr/bin/communekit" ./cmd/communekit
install -m 0644 $HERE/org.communekit.app.desktop "$pkg/usr/share/applications/"
install -m 0644 assets/icon.png "$pkg/usr/share/icons/hicolor/256x256/apps/org.communekit.app.png"
install -m 0644 LICENSE "$pkg/usr/share/doc/communekit/copyright"

# dpkg-shlibdeps reads a debian/control of a source package.
mkdir -p "$ROOT/src/debian"
printf 'Source: communekit\n\nPackage: communekit\nArchitecture: amd64\n' >"$ROOT/src/debian/control"
deps=$(cd "$ROOT/src" && dpkg-shlibdeps -O --warnings=0 "$pkg/usr/bin/communekit" | sed -n 's/^shlibs:Depends=//p')
deps="$deps, libxcursor1, libxi6, libxinerama1, libxrandr2, libxrender1, libxxf86vm1"
size=$(du -sk "$pkg" | cut -f1)
cat >"$pkg/DEBIAN/control" <<EOC
Package: communekit
Version: $VERSION
Architecture: amd64
Maintainer: The communekit authors <communekit@localhost>
Installed-Size: $size
Depends: $deps
Section: misc
Priority: optional
Description: commune residents' records, offline, synced with the district
 The desktop app of communekit for commune officers: resident and household
 records kept in an encrypted store on the laptop, searched, corrected and
 printed without a network, and synced as sealed batches with the
 district's nodes, over the network or on a USB stick. Vietnamese first,
 English second.
EOC
mkdir -p "$OUT"
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$OUT/communekit_${VERSION}_amd64.deb" >/dev/null
