//go:build !windows

package vm

func isDiskFullOS(error) bool { return false }
func isReadOnlyOS(error) bool { return false }
func isNotReady(error) bool   { return false }
