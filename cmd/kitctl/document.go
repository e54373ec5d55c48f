package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/communekit/communekit/storage/report"
)

// Documents kitctl writes (report stats --xlsx/--pdf, report quality
// --xlsx) follow the district backup's rule: a file named is never
// replaced, and it appears whole or not at all. It is written beside its
// place, synced, then linked into place (which fails if a file appeared
// there meanwhile), or renamed where the file system has no links (a
// FAT-formatted stick).

// checkDocument refuses, before any work, a document path that cannot be
// written: an existing file, a missing directory, a name without the
// format's extension (Excel opens an .xlsx only by its name).
func checkDocument(flagName, path, ext string) error {
	if !strings.EqualFold(filepath.Ext(path), ext) {
		return usagef("--%s %s: give a file name ending in %s", flagName, path, ext)
	}
	_, err := os.Lstat(path)
	switch {
	case err == nil:
		return fmt.Errorf("--%s %s: the file already exists; kitctl never replaces a file: choose another name, e.g. with today's date, or move the old one away", flagName, path)
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("--%s %s: %w", flagName, path, err)
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
		return fmt.Errorf("--%s %s: the directory %s does not exist", flagName, path, filepath.Dir(path))
	}
	return nil
}

// writeDocument writes a new file at path through write, atomically and
// without replacing anything (report.WriteNewFile); it returns the file's
// size.
func writeDocument(flagName, path string, write func(io.Writer) error) (int64, error) {
	size, err := report.WriteNewFile(path, write)
	if errors.Is(err, report.ErrFileExists) {
		return 0, checkDocument(flagName, path, filepath.Ext(path))
	}
	if err != nil {
		return 0, fmt.Errorf("--%s %s: %w", flagName, path, err)
	}
	return size, nil
}

// outputFlags are the choices of a report's output: text (none given),
// --json, --xlsx F or --pdf F, one at a time.
func checkOutput(e *env, xlsx, pdf string) error {
	n := 0
	for _, given := range []bool{e.jsonOut, xlsx != "", pdf != ""} {
		if given {
			n++
		}
	}
	if n > 1 {
		return usagef("give one of --json, --xlsx FILE and --pdf FILE (without any, the report is printed as text)")
	}
	if xlsx != "" {
		return checkDocument("xlsx", xlsx, ".xlsx")
	}
	if pdf != "" {
		return checkDocument("pdf", pdf, ".pdf")
	}
	return nil
}

// saveDocument writes the document and says where it is.
func saveDocument(e *env, what, flagName, path string, write func(io.Writer) error) error {
	size, err := writeDocument(flagName, path, write)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s %s (%s)\n", tr(e.lang, "Đã lưu "+what+" vào", "Saved "+what+" in"), path, humanBytes(size))
	return nil
}
