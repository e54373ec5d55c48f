package storage

import "testing"

// opHead reads what the full decoder reads, and refuses what it refuses.
func TestOpHead_AgreesWithTheDecoder(t *testing.T) {
	op := &Op{Device: NewDeviceID(), Seq: 77, HLC: HLC(123456789) << 16, Officer: "Nguyễn Thị Lan", Kind: KindPerson,
		ID: ID{Origin: "abcd", N: 9}, Event: EventMoveOut, Reason: "chuyển đi",
		Changes: []Change{{Field: uint8(FieldPermanentAddressCode), Old: "00769", New: "00001"}}}
	b, err := op.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	dev, kind, ev, at, ok := opHead(b)
	if !ok || string(dev) != string(op.Device) || kind != op.Kind || ev != op.Event || at != op.HLC {
		t.Fatalf("opHead = %q %v %v %v %v", dev, kind, ev, at, ok)
	}
	// A cut record has no head until its event byte.
	for n := 0; n < len(b); n++ {
		if _, _, _, _, ok := opHead(b[:n]); ok {
			if b[n-1] != byte(EventMoveOut) {
				t.Fatalf("a head of %d bytes is accepted, cut before the event", n)
			}
			break
		}
	}
}

// The interning decoder gives the records the plain one gives.
func TestInterner_SameRecords(t *testing.T) {
	in := interner{}
	for i := 0; i < 3; i++ {
		p := &Person{ID: ID{Origin: "abcd", N: uint64(i)}}
		p.Values[FieldFullName] = "Đặng Văn Đức"
		p.Values[FieldSex] = SexMale
		p.Values[FieldEthnicity] = "01"
		p.Values[FieldPermanentAddressCode] = "00769"
		p.Versions[FieldSex] = Version{HLC: 5, Device: "dev"}
		b, _ := p.MarshalBinary()
		var q, r Person
		if err := q.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if err := r.unmarshal(b, in); err != nil {
			t.Fatal(err)
		}
		if q != r || r != *p {
			t.Fatalf("interned %+v, plain %+v", r, q)
		}
	}
	bad := []byte{encodingV1, 4, 'a', 'b', 'c', 'd', 1, byte(FieldSex), 2, 0xff, 0xfe, 0, 0}
	var q Person
	if q.unmarshal(bad, interner{}) == nil {
		t.Error("a value that is not UTF-8 is accepted")
	}
}
