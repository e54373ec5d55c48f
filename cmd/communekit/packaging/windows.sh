#!/bin/sh
# windows.sh VERSION OUTDIR: the Windows build of communekit (make dist).
# communekit.exe is cross-built with cgo through Debian's mingw-w64, with
# its icon, manifest and version information linked in from a .syso that
# mingw's windres makes; kitctl.exe is built without cgo. Into OUTDIR go
# communekit-VERSION-windows-amd64.zip and, when makensis is there,
# communekit-VERSION-windows-amd64-setup.exe. Run from the repository's top.
set -eu
VERSION=$1
OUT=$2
GO=${GO:-go}
PKG=github.com/communekit/communekit
LDV="-X $PKG/cmd/internal/version.version=$VERSION"
HERE=cmd/communekit/packaging
STAGE=$(mktemp -d)
SYSO=cmd/communekit/rsrc_windows_amd64.syso
trap 'rm -rf "$STAGE" "$SYSO"' EXIT

# Windows wants four numbers: 0.1.0 -> 0,1,0,0; 0.1.0-3-gabc -> 0,1,0,3.
base=${VERSION%%-*}
IFS=. read -r major minor patch <<EOV
$base
EOV
build=0
case $VERSION in
*-*-g*) rest=${VERSION#*-}; build=${rest%%-*} ;;
esac
case "$major$minor$patch$build" in *[!0-9]*|'') major=0 minor=0 patch=0 build=0 ;; esac

$GO run $HERE/ico.go assets/icon.png "$STAGE/communekit.ico"
cp $HERE/communekit.exe.manifest "$STAGE/"
sed -e "s/@VERSION@/$VERSION/g" -e "s/@FILEVERSION@/$major,$minor,$patch,$build/g" \
	$HERE/communekit.rc.in >"$STAGE/communekit.rc"
x86_64-w64-mingw32-windres -c 65001 -I "$STAGE" -i "$STAGE/communekit.rc" -O coff -o "$SYSO"

app="$STAGE/communekit-$VERSION-windows-amd64"
mkdir -p "$app"
CC=x86_64-w64-mingw32-gcc CGO_ENABLED=1 GOOS=windows GOARCH=amd64 \
	$GO build -ldflags "-H=windowsgui -s -w $LDV" -o "$app/communekit.exe" ./cmd/communekit
rm -f "$SYSO"
CGO_ENABLED=0 GOOS=windows GOARCH=amd64 \
	$GO build -ldflags "-s -w $LDV" -o "$app/kitctl.exe" ./cmd/kitctl
cp "$STAGE/communekit.ico" "$app/"
sed 's/$/\r/' LICENSE >"$app/LICENSE.txt"
sed 's/$/\r/' >"$app/README.txt" <<EOT
communekit $VERSION — dữ liệu dân cư xã

Mở communekit.exe để dùng. Hồ sơ của cán bộ (dữ liệu, khoá) nằm trong
%APPDATA%\\communekit, không nằm trong thư mục này: xoá hay thay thư mục
này không mất dữ liệu. kitctl.exe là công cụ dòng lệnh (kitctl.exe --help).

Open communekit.exe to use it. The officer's profile (records, keys) is kept
in %APPDATA%\\communekit, not in this folder: deleting or replacing this
folder loses nothing. kitctl.exe is the command line (kitctl.exe --help).
EOT

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
zip="$OUT/communekit-$VERSION-windows-amd64.zip"
rm -f "$zip"
(cd "$STAGE" && zip -q -r -X "$zip" "communekit-$VERSION-windows-amd64")

if command -v makensis >/dev/null 2>&1; then
	makensis -V2 -INPUTCHARSET UTF8 -DVERSION="$VERSION" -DVIVERSION="$major.$minor.$patch.$build" \
		-DSRC="$app" -DOUT="$OUT/communekit-$VERSION-windows-amd64-setup.exe" $HERE/communekit.nsi
else
	echo "windows.sh: makensis not found: no installer (apt-get install nsis)" >&2
fi
