package storage_test

import (
	"bytes"
	"testing"

	"github.com/communekit/communekit/storage"
)

func sampleOp() *storage.Op {
	return &storage.Op{
		Device: "abcdefghijklmnop", Seq: 42, HLC: 117678269516808216, Officer: "Nguyễn Thị Lan",
		Kind: storage.KindPerson, ID: storage.ID{Origin: "abcdefgh", N: 7}, Event: storage.EventCorrection, Reason: "đối chiếu CCCD",
		Changes: []storage.Change{{Field: uint8(storage.FieldOccupation), Seen: storage.Version{HLC: 5, Device: "abcdefghijklmnop"}, Old: "Làm ruộng", New: "Giáo viên"}},
	}
}

func TestOp_EncodingIsDeterministicAndRoundTrips(t *testing.T) {
	a, _ := sampleOp().MarshalBinary()
	b, _ := sampleOp().MarshalBinary()
	if !bytes.Equal(a, b) {
		t.Fatal("equal operations encode differently")
	}
	var got storage.Op
	if err := got.UnmarshalBinary(a); err != nil {
		t.Fatal(err)
	}
	c, _ := got.MarshalBinary()
	if !bytes.Equal(a, c) {
		t.Fatal("round trip changed the encoding")
	}
	for i := 0; i < len(a); i++ {
		if err := got.UnmarshalBinary(a[:i]); err == nil {
			t.Fatalf("truncated at %d of %d bytes: decoded without error", i, len(a))
		}
	}
}

func FuzzDecodeOp(f *testing.F) {
	b, _ := sampleOp().MarshalBinary()
	f.Add(b)
	f.Add([]byte{1})
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		var op storage.Op
		if err := op.UnmarshalBinary(b); err != nil {
			return
		}
		// Whatever decodes must re-encode to bytes that decode to the same.
		e, err := op.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var again storage.Op
		if err := again.UnmarshalBinary(e); err != nil {
			t.Fatalf("re-encoded op does not decode: %v", err)
		}
	})
}

func FuzzDecodePerson(f *testing.F) {
	p := storage.Person{ID: storage.ID{Origin: "abcdefgh", N: 1}}
	p.Values[storage.FieldFullName] = "Đặng Văn Đức"
	b, _ := p.MarshalBinary()
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		var p storage.Person
		if err := p.UnmarshalBinary(b); err != nil {
			return
		}
		e, _ := p.MarshalBinary()
		var again storage.Person
		if err := again.UnmarshalBinary(e); err != nil {
			t.Fatalf("re-encoded person does not decode: %v", err)
		}
	})
}
