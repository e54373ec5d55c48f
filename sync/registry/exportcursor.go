package registry

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/communekit/communekit/storage"
)

// metaExported names the cursor at the end of the last district file
// exported for a device: where its next file starts (8 bytes, big
// endian). Its bytes predate the registry's "registry/" names and stay as
// they are in existing district profiles.
const metaExported = "usb/exported/"

// ExportCursor is where the next district file for device starts: the end
// of the last one exported, 0 before the first.
func (r *Registry) ExportCursor(device string) (uint64, error) {
	b, err := r.s.GetMeta(metaExported + device)
	if errors.Is(err, storage.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(b) != 8 {
		return 0, fmt.Errorf("%w: the export cursor of device %s is %d bytes, not 8", storage.ErrDamaged, device, len(b))
	}
	return binary.BigEndian.Uint64(b), nil
}

// SetExportCursor records that the district files for device up to
// change to are on a stick: record it only once the file is written.
func (r *Registry) SetExportCursor(device string, to uint64) error {
	return r.s.PutMeta(metaExported+device, binary.BigEndian.AppendUint64(nil, to))
}
