//go:build !unix

package node

func freeBytes(dir string) (uint64, error) { return 0, errNoStatfs }
