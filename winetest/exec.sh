#!/bin/sh
# go test -exec: runs a test binary cross-built for Windows under wine, in
# the prefix `make test-windows` prepared (WINEPREFIX, WINEDEBUG set there).
exec wine "$@"
