package batch

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/communekit/communekit/storage"
)

// smallBatch seals three generated registrations: small enough to flip
// every bit of.
func smallBatch(t testing.TB, k keys) ([]byte, []*storage.Op) {
	t.Helper()
	ops := registerOps(mustCommune(t, 3, 5), rand.New(rand.NewPCG(5, 5)))
	return mustSeal(t, ops, k.sealOpts(1)), ops
}

func TestOpen_EveryBitFlipRejected(t *testing.T) {
	k := mustKeys(t)
	sealed, _ := smallBatch(t, k)
	o := k.opener()
	for i := range sealed {
		for bit := range 8 {
			b := bytes.Clone(sealed)
			b[i] ^= 1 << bit
			if _, err := o.Open(b); err == nil {
				t.Fatalf("byte %d bit %d flipped: opened", i, bit)
			}
		}
	}
}

func TestOpen_EveryTruncationRejected(t *testing.T) {
	k := mustKeys(t)
	sealed, _ := smallBatch(t, k)
	o := k.opener()
	for n := range len(sealed) {
		_, err := o.Open(sealed[:n])
		if !errors.Is(err, ErrTruncated) {
			t.Fatalf("truncated to %d of %d bytes: %v, want ErrTruncated", n, len(sealed), err)
		}
	}
	if _, err := o.Open(append(bytes.Clone(sealed), 0)); !errors.Is(err, ErrMalformedHeader) {
		t.Fatalf("one byte appended: %v, want ErrMalformedHeader", err)
	}
}

func TestOpen_EachFailedCheckHasItsOwnError(t *testing.T) {
	k := mustKeys(t)
	sealed, ops := smallBatch(t, k)
	enc, err := EncodeOps(ops)
	if err != nil {
		t.Fatal(err)
	}
	district := k.opener()
	other := k.opener()
	other.Identity, other.KeyID = k.other, keyID(k.other.Recipient())

	toOther := k.sealOpts(1)
	toOther.Recipient = k.other.Recipient() // the header still names the district's key
	unknown := k.sealOpts(1)
	unknown.Header.Sender = "unknown234567abc"
	forged := k.sealOpts(1)
	forged.SignKey = otherKey
	innerSender := appendInner(nil, string(otherDevice), 1)
	innerSeq := appendInner(nil, string(testDevice), 2)
	many := make([]*storage.Op, 11)
	for i := range many {
		many[i] = ops[0]
	}
	version := bytes.Clone(sealed)
	version[len(magic)] = 2

	tests := []struct {
		name   string
		sealed []byte
		opener *Opener
		want   error
	}{
		{"oversized", sealed, &Opener{Identity: k.district, KeyID: district.KeyID, SignerKey: district.SignerKey, Limits: Limits{MaxSealed: len(sealed) - 1}}, ErrTooLarge},
		{"not a batch", []byte("age-encryption.org/v1\n-> X25519 …"), district, ErrBadMagic},
		{"future version", version, district, ErrUnsupportedVersion},
		{"for another key", sealed, other, ErrWrongRecipient},
		{"unenrolled sender", mustSeal(t, ops, unknown), district, ErrUnknownSigner},
		{"signed with another key", mustSeal(t, ops, forged), district, ErrBadSignature},
		{"encrypted to another key", mustSeal(t, ops, toOther), district, ErrDecrypt},
		{"inner sender differs", mustSealPlain(t, k.sealOpts(1), innerSender, enc), district, ErrSenderMismatch},
		{"inner sequence differs", mustSealPlain(t, k.sealOpts(1), innerSeq, enc), district, ErrSenderMismatch},
		{"too many operations", mustSeal(t, many, k.sealOpts(1)), &Opener{Identity: k.district, KeyID: district.KeyID, SignerKey: district.SignerKey, Limits: Limits{MaxOps: 10}}, ErrTooManyOps},
		{"operation count bomb", mustSealPlain(t, k.sealOpts(1), appendInner(nil, string(testDevice), 1), binary.AppendUvarint([]byte{opsVersion}, 1<<40)), district, ErrTooManyOps},
		{"malformed operations", mustSealPlain(t, k.sealOpts(1), appendInner(nil, string(testDevice), 1), append(bytes.Clone(enc), 0)), district, ErrMalformedOps},
		{"declares too much plaintext", mustSealCompressed(t, k.sealOpts(1), DefaultLimits.MaxPlain+1, zstdRLE(1000)), district, ErrDecompressedTooLarge},
		{"not zstd", mustSealCompressed(t, k.sealOpts(1), 100, []byte("plain text, not zstd")), district, ErrDecompress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.opener.Open(tt.sealed)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			for _, other := range tests {
				if other.want != tt.want && errors.Is(err, other.want) {
					t.Errorf("%v also matches %v", err, other.want)
				}
			}
			t.Log(err)
		})
	}
}

// A zstd bomb: 1 GiB of zeros in 32 KiB of RLE blocks, declared as 1,000
// bytes, or as the most the limits allow. Open must stop just past the
// declared size, without allocating anything like the bomb.
func TestOpen_ZstdBombFailsFastAndSmall(t *testing.T) {
	k := mustKeys(t)
	o := k.opener()
	bomb := zstdRLE(1 << 30)
	for _, declared := range []int{1000, DefaultLimits.MaxPlain} {
		sealed := mustSealCompressed(t, k.sealOpts(1), declared, bomb)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := o.Open(sealed)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrDecompressedTooLarge) {
			t.Fatalf("declared %d: %v, want ErrDecompressedTooLarge", declared, err)
		}
		// Loosely: the decoder's window and history and our buffer are
		// each about the declared size (more under -race); the bomb is
		// 1 GiB.
		alloc := after.TotalAlloc - before.TotalAlloc
		if alloc > uint64(8*declared+(16<<20)) {
			t.Errorf("declared %d: opening the bomb allocated %d bytes", declared, alloc)
		}
		t.Logf("declared %d: refused after allocating %d bytes", declared, alloc)
	}
}

func TestSeal_RefusesWhatOpenWouldRefuse(t *testing.T) {
	k := mustKeys(t)
	ops := registerOps(mustCommune(t, 50, 6), rand.New(rand.NewPCG(6, 6)))
	small := k.sealOpts(1)
	small.Limits = Limits{MaxSealed: 1000}
	if _, err := Seal(ops, small); !errors.Is(err, ErrTooLarge) {
		t.Errorf("sealed past MaxSealed: %v", err)
	}
	few := k.sealOpts(1)
	few.Limits = Limits{MaxOps: 10}
	if _, err := Seal(ops, few); !errors.Is(err, ErrTooManyOps) {
		t.Errorf("sealed past MaxOps: %v", err)
	}
	bad := []*storage.Op{{Device: testDevice, Seq: 1, Officer: "\xff"}}
	if _, err := Seal(bad, k.sealOpts(1)); !errors.Is(err, ErrMalformedOps) {
		t.Errorf("sealed an officer that is not UTF-8: %v", err)
	}
	seq0 := k.sealOpts(0)
	if _, err := Seal(ops, seq0); !errors.Is(err, ErrMalformedHeader) {
		t.Errorf("sealed batch number 0: %v", err)
	}
}

func TestParseHeader_DescribesWithoutKeys(t *testing.T) {
	k := mustKeys(t)
	o := k.sealOpts(7)
	o.Header.PrevHash = Hash([]byte("batch 6"))
	sealed := mustSeal(t, nil, o)
	h, err := ParseHeader(sealed)
	if err != nil {
		t.Fatal(err)
	}
	if h.Version != Version || h.Sender != string(testDevice) || h.Seq != 7 || h.PrevHash != o.Header.PrevHash ||
		h.RecipientKeyID != o.Header.RecipientKeyID || int(h.CipherSize) != len(sealed)-HeaderSize-SignatureSize {
		t.Fatalf("header %+v", h)
	}
	b, err := k.opener().Open(sealed)
	if err != nil {
		t.Fatal(err)
	}
	if b.Header != h || len(b.Ops) != 0 || b.PlainBytes != int(h.PlainSize) {
		t.Fatalf("opened %+v, header %+v", b, h)
	}
}

func TestEncodeOps_CanonicalAndDeterministic(t *testing.T) {
	ops := registerOps(mustCommune(t, 200, 7), rand.New(rand.NewPCG(7, 7)))
	a, err := EncodeOps(ops)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := EncodeOps(ops)
	if !bytes.Equal(a, b) {
		t.Fatal("two encodings of the same operations differ")
	}
	// An overlong varint (0 written as 0x80 0x00) decodes to the same
	// operations, so it must be refused.
	overlong := append([]byte{opsVersion, 0x80 | a[1]&0x7f, 0x80}, a[2:]...)
	overlong[2] = a[1] >> 7
	if a[1] < 0x80 {
		overlong = append([]byte{opsVersion, a[1] | 0x80, 0x00}, a[2:]...)
	}
	if _, err := DecodeOps(overlong, Limits{}); !errors.Is(err, ErrMalformedOps) {
		t.Fatalf("overlong varint: %v", err)
	}
}

func mustSeal(t testing.TB, ops []*storage.Op, o SealOptions) []byte {
	t.Helper()
	b, err := Seal(ops, o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mustSealPlain seals an arbitrary inner header and operations encoding,
// as a buggy or hostile sender could.
func mustSealPlain(t testing.TB, o SealOptions, inner, enc []byte) []byte {
	t.Helper()
	b, err := sealPlain(o, DefaultLimits, inner, enc, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mustSealCompressed seals an arbitrary payload declaring plainSize bytes.
func mustSealCompressed(t testing.TB, o SealOptions, plainSize int, z []byte) []byte {
	t.Helper()
	b, err := sealCompressed(o, DefaultLimits, plainSize, z)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// zstdRLE hand-writes a zstd frame of n zero bytes in RLE blocks of 128 KiB:
// 4 bytes of input per block, so 1 GiB takes 32 KiB without ever being
// held in memory.
func zstdRLE(n int) []byte {
	const block = 128 << 10
	b := []byte{0x28, 0xb5, 0x2f, 0xfd} // magic
	b = append(b, 0x00)                 // no content size, not single segment, no checksum, no dictionary
	b = append(b, 7<<3)                 // window 128 KiB
	for n > 0 {
		size := min(n, block)
		n -= size
		h := uint32(size)<<3 | 1<<1 // RLE block
		if n == 0 {
			h |= 1 // last block
		}
		b = append(b, byte(h), byte(h>>8), byte(h>>16), 0)
	}
	return b
}
