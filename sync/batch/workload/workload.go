// Package workload makes the operations an officer's device sends, from a
// generated commune: the registrations of a survey and a round of
// single-field corrections. The batch benchmarks (the README's "Figures") and the
// zstd dictionary generator use the same workloads, so that the figures
// are measured on what the dictionary was trained for — though never on
// the communes it was trained on.
package workload

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/gen"
)

// Device and Officer make every operation.
const (
	Device  = storage.DeviceID("k3m9q2abxy7zt4wd")
	Officer = "Nguyễn Thị Lan"
)

// Start is when the officer starts work.
var Start = time.Date(2026, 11, 2, 1, 30, 0, 0, time.UTC)

// Register returns the operations that enter the persons of c for the
// first time, as a survey would: one operation per person, every non-empty
// field set over the zero version, sequence numbers and identifiers from
// 1, clocks up to 2 s apart.
func Register(c *gen.Commune, r *rand.Rand) []*storage.Op {
	ops := make([]*storage.Op, len(c.Persons))
	ms := Start.UnixMilli()
	for i := range c.Persons {
		p := &c.Persons[i]
		ms += 1 + r.Int64N(2000)
		o := &storage.Op{
			Device:  Device,
			Seq:     uint64(i + 1),
			HLC:     storage.HLC(uint64(ms) << 16),
			Officer: Officer,
			Kind:    storage.KindPerson,
			ID:      storage.ID{Origin: Device.Tag(), N: uint64(i + 1)},
			Event:   storage.EventRegister,
		}
		for _, f := range storage.Fields() {
			if v := p.Values[f]; v != "" {
				o.Changes = append(o.Changes, storage.Change{Field: uint8(f), New: v})
			}
		}
		ops[i] = o
	}
	return ops
}

// EditOptions shape a round of corrections.
type EditOptions struct {
	N        int   // corrections, each of a different person
	StepMs   int64 // the clock advances by 1..StepMs milliseconds between them
	Shuffled bool  // persons in random order, not register order
}

// Edits returns o.N corrections of one field each (occupation, phone or
// current address detail) of random persons of c, entered by registered.
// Each change saw the version the registration gave the field (none for a field it left empty, as a device records it). New values
// come from other persons: of c for occupations and addresses (a move
// within the commune), of other for phones. Unless o.Shuffled the persons
// come in register order, as an officer's round goes household by
// household.
func Edits(c, other *gen.Commune, registered []*storage.Op, o EditOptions, r *rand.Rand) []*storage.Op {
	reasons := map[storage.Field]string{
		storage.FieldOccupation:           "Cập nhật nghề nghiệp",
		storage.FieldPhone:                "Cập nhật số điện thoại",
		storage.FieldCurrentAddressDetail: "Chuyển nơi ở trong xã",
	}
	fields := []storage.Field{storage.FieldOccupation, storage.FieldPhone, storage.FieldCurrentAddressDetail}
	who := r.Perm(len(c.Persons))[:o.N]
	if !o.Shuffled {
		slices.Sort(who)
	}
	ops := make([]*storage.Op, o.N)
	last := registered[len(registered)-1]
	ms := int64(last.HLC>>16) + 86_400_000
	for i := range ops {
		k := who[i]
		reg := registered[k]
		f := fields[r.IntN(len(fields))]
		var nv string
		if f == storage.FieldPhone {
			nv = other.Persons[r.IntN(len(other.Persons))].Values[f]
		} else {
			nv = c.Persons[r.IntN(len(c.Persons))].Values[f]
		}
		ms += 1 + r.Int64N(o.StepMs)
		// The version the officer saw: the registration's, or none for a
		// field the registration left empty (as a device records it).
		var seen storage.Version
		if c.Persons[k].Values[f] != "" {
			seen = reg.Version()
		}
		ops[i] = &storage.Op{
			Device:  Device,
			Seq:     last.Seq + uint64(i) + 1,
			HLC:     storage.HLC(uint64(ms) << 16),
			Officer: Officer,
			Kind:    storage.KindPerson,
			ID:      reg.ID,
			Event:   storage.EventCorrection,
			Reason:  reasons[f],
			Changes: []storage.Change{{Field: uint8(f), Seen: seen, Old: c.Persons[k].Values[f], New: nv}},
		}
	}
	return ops
}

// Rehome makes ops look entered by officer on device d instead of the
// fixed Device and Officer, so that a measurement or a dictionary does not
// profit from one device ID and one name seen everywhere: real batches
// come from thousands of devices.
func Rehome(ops []*storage.Op, d storage.DeviceID, officer string) {
	for _, o := range ops {
		if o.ID.Origin == Device.Tag() {
			o.ID.Origin = d.Tag()
		}
		if o.Device == Device {
			o.Device = d
		}
		if o.Officer == Officer {
			o.Officer = officer
		}
		for i := range o.Changes {
			if o.Changes[i].Seen.Device == Device {
				o.Changes[i].Seen.Device = d
			}
		}
	}
}

// RandomDevice returns a valid device ID drawn from r.
func RandomDevice(r *rand.Rand) storage.DeviceID {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	b := make([]byte, 16)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return storage.DeviceID(b)
}
