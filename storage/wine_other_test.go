//go:build !windows

package storage_test

func onWine() bool { return false }
