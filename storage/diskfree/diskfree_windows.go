//go:build windows

package diskfree

import "golang.org/x/sys/windows"

// bytesFree asks Windows for the space this user may still write on the
// volume holding dir (a drive letter, a folder mounted as a volume, or a
// share), quotas counted.
func bytesFree(dir string) (uint64, error) {
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return 0, err
	}
	var avail, total, free uint64
	if err := windows.GetDiskFreeSpaceEx(p, &avail, &total, &free); err != nil {
		return 0, err
	}
	return avail, nil
}
