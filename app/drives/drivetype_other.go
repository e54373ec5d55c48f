//go:build !windows

package drives

import "os"

// driveType: drive letters are Windows's; elsewhere a root exists when
// it can be read.
func driveType(root string) (exists, removable bool) {
	_, err := os.Stat(root)
	return err == nil, false
}
