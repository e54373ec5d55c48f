// Package zstd embeds the zstd dictionaries of the sealed batch format
// (sync/batch/FORMAT.md). See README.md beside this file.
package zstd

import _ "embed"

// BatchV1 is the dictionary of sealed batch format version 1, dictionary
// ID 0x434b4231 ("CKB1"). It is part of the format: never change it.
//
//go:embed batch-v1.dict
var BatchV1 []byte
