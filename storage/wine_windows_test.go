//go:build windows

package storage_test

import "golang.org/x/sys/windows"

// onWine tells whether these tests run under wine (ntdll has
// wine_get_version there) rather than Windows: `make test-windows` runs
// them under Debian's wine, which differs from Windows where a test says
// so.
func onWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}
