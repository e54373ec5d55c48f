package drives

import (
	"os"
	"syscall"
	"unsafe"
)

var getDriveType = syscall.NewLazyDLL("kernel32.dll").NewProc("GetDriveTypeW")

// The values of GetDriveTypeW.
const (
	driveNoRootDir = 1
	driveRemovable = 2
	driveCDROM     = 5
)

// driveType asks Windows about root ("E:\"): a drive with no disk in it
// (an empty card reader) counts as absent.
func driveType(root string) (exists, removable bool) {
	p, err := syscall.UTF16PtrFromString(root)
	if err != nil {
		return false, false
	}
	t, _, _ := getDriveType.Call(uintptr(unsafe.Pointer(p)))
	if t <= driveNoRootDir || t == driveCDROM {
		return false, false
	}
	if _, err := os.Stat(root); err != nil {
		return false, false
	}
	return true, t == driveRemovable
}
