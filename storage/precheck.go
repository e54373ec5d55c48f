package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/pb"
	"github.com/dgraph-io/badger/v4/y"
	"google.golang.org/protobuf/proto"
)

// checkTables verifies the footer and index checksum of every table file
// before Badger opens them. Badger opens tables on background goroutines and
// panics there on a table whose footer is damaged, which would kill the app
// instead of telling the officer the profile is damaged. The check reads
// only the footers and indexes, a small part of each file.
//
// Only the tables the MANIFEST lists are checked: Badger writes a table in
// full before it records it there, so a process killed mid-flush leaves an
// unlisted table, empty or cut short, which Badger deletes as it opens
// (found by TestCrash_KilledWhileSaving: "table 000004.sst: footer points
// outside the file (0 bytes)").
func checkTables(storePath string) error {
	files, err := filepath.Glob(filepath.Join(storePath, "*.sst"))
	if err != nil {
		return err
	}
	listed, err := manifestTables(storePath)
	if err != nil {
		return fmt.Errorf("%w: MANIFEST: %v", ErrDamaged, err)
	}
	for _, f := range files {
		var id uint64
		if _, err := fmt.Sscanf(filepath.Base(f), "%06d.sst", &id); err == nil && listed != nil && !listed[id] {
			continue // not in the MANIFEST: an interrupted flush, Badger removes it
		}
		if err := checkTable(f); err != nil {
			return fmt.Errorf("%w: table %s: %v", ErrDamaged, filepath.Base(f), err)
		}
	}
	return nil
}

// manifestTables returns the IDs of the tables the store's MANIFEST lists,
// or nil when there is no MANIFEST yet.
func manifestTables(storePath string) (map[uint64]bool, error) {
	f, err := os.Open(filepath.Join(storePath, badger.ManifestFilename))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, _, err := badger.ReplayManifestFile(f, 0, badger.DefaultOptions(storePath).WithLogger(nil))
	if err != nil {
		return nil, err
	}
	ids := make(map[uint64]bool, len(m.Tables))
	for id := range m.Tables {
		ids[id] = true
	}
	return ids, nil
}

// dropEmptyMemtables removes memtable files of zero bytes. Badger creates
// a memtable file, then sizes and writes its header: a process killed in
// between (while the store opens, or as a memtable fills) leaves an empty
// file that holds no data, and Badger then refuses to open the store
// ("while opening fid: N err: Create a new file"). Found by the SIGKILL
// test TestCrash_KilledWhileSaving.
func dropEmptyMemtables(storePath string) error {
	files, err := filepath.Glob(filepath.Join(storePath, "*.mem"))
	if err != nil {
		return err
	}
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && st.Size() == 0 {
			if err := os.Remove(f); err != nil {
				return fmt.Errorf("removing the empty memtable %s left by an interrupted write: %w", filepath.Base(f), err)
			}
		}
	}
	return nil
}

func checkTable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	read := func(off, n int64) ([]byte, error) {
		if off < 0 || n < 0 || off+n > size {
			return nil, fmt.Errorf("footer points outside the file (%d bytes)", size)
		}
		b := make([]byte, n)
		_, err := io.ReadFull(io.NewSectionReader(f, off, n), b)
		return b, err
	}
	pos := size - 4
	b, err := read(pos, 4)
	if err != nil {
		return err
	}
	chkLen := int64(binary.BigEndian.Uint32(b))
	pos -= chkLen
	b, err = read(pos, chkLen)
	if err != nil {
		return err
	}
	chk := &pb.Checksum{}
	if err := proto.Unmarshal(b, chk); err != nil {
		return fmt.Errorf("checksum record: %v", err)
	}
	pos -= 4
	b, err = read(pos, 4)
	if err != nil {
		return err
	}
	idxLen := int64(binary.BigEndian.Uint32(b))
	pos -= idxLen
	idx, err := read(pos, idxLen)
	if err != nil {
		return err
	}
	return y.VerifyChecksum(idx, chk)
}
