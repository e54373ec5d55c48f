#!/bin/sh
# winetest/prefix.sh DIR prepares DIR for running Windows builds under
# Debian's wine (make test-windows, make wine-app):
#   DIR/prefix        the wine prefix (WINEPREFIX), made once;
#   system32's bcryptprimitives.dll: wine 8 lacks the ProcessPrng that
#                     every Windows 10/11 has and Go needs to start; a
#                     ten-line DLL built with mingw-w64 stands in;
#   drive E:          a fresh, empty folder DIR/stick, as a USB stick is a
#                     drive of its own on Windows;
#   DIR/overlay.json  for `go build -overlay`: wine 8 answers
#                     STATUS_NOT_IMPLEMENTED to the POSIX-semantics delete
#                     (FileDispositionInformationEx) that os.RemoveAll uses
#                     on Windows 10 1607 and later, where Go falls back to
#                     the older delete only on the statuses Windows gives;
#                     the overlay adds wine's, for test builds only (every
#                     t.TempDir's clean-up fails without it).
set -eu
dir=$1
GO=${GO:-go}
mkdir -p "$dir"
export WINEPREFIX="$dir/prefix" WINEDEBUG=-all
if [ ! -f "$WINEPREFIX/system.reg" ]; then
	wineboot -i >/dev/null 2>&1 || true
	wineserver -w
fi
here=$(cd "$(dirname "$0")/.." && pwd)
x86_64-w64-mingw32-gcc -shared -o "$dir/bcryptprimitives.dll" "$here/cmd/kitctl/testdata/wine/bcryptprimitives.c"
cp "$dir/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"
rm -rf "$dir/stick"
mkdir -p "$dir/stick"
ln -sfn "$dir/stick" "$WINEPREFIX/dosdevices/e:"
src=$($GO env GOROOT)/src/internal/syscall/windows/at_windows.go
sed 's|^\(\t\tSTATUS_NOT_SUPPORTED: *// the file system\)|\t\tNTStatus(0xC0000002), // STATUS_NOT_IMPLEMENTED: wine 8\n\1|' "$src" >"$dir/at_windows.go"
if ! grep -q 'STATUS_NOT_IMPLEMENTED: wine 8' "$dir/at_windows.go"; then
	echo "winetest/prefix.sh: $src has changed: update the overlay for this Go" >&2
	exit 1
fi
printf '{"Replace":{"%s":"%s"}}\n' "$src" "$dir/at_windows.go" >"$dir/overlay.json"
