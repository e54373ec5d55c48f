package node

import (
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/hashicorp/raft"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/protocol"
)

// FuzzFSMApplyInvalidOps: sealed batches of enrolled devices whose
// operations are decodable but may break any rule (PROTOCOL.md
// "Operations are checked by their effect") never stop a node: applied to
// two fresh state machines, every batch of every entry gets a receipt or a
// refusal, both nodes give the same results and end with the same digest,
// an entry that accepts nothing changes nothing, the leader's CheckBatch
// refuses what the state machine refuses, no operation that passed the
// checks fails to apply (cannot_apply: a check is missing), and no batch of
// an officer that the district accepted leaves a person outside the
// officer's communes but by a move out (checkAuthority).
//
// The input is read as a program (runFuzzFSM, genBatch, genOp, genChange;
// fzProgram writes one): entries of batches of operations, each choice
// made by a byte; a zero byte (and the end of the input) makes the honest
// choice, so the fuzzer starts from batches the district accepts and
// mutates them one rule at a time. One input costs two fresh node stores
// (about 50 ms) and a few milliseconds per entry.
func FuzzFSMApplyInvalidOps(f *testing.F) {
	for _, s := range fuzzFSMSeeds() {
		f.Add(s)
	}
	fx := fuzzFSMSetup(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		a, index := newFuzzNode(t, fx, "a")
		b, _ := newFuzzNode(t, fx, "b")
		runFuzzFSM(t, fx, a, b, index, data)
	})
}

// The district's time of every entry, and the devices' clocks before it.
var fuzzAt = storage.HLC(uint64(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC).UnixMilli()) << 16)

const fuzzSecond = storage.HLC(1000 << 16)

// fuzzDevice is an enrolled device.
type fuzzDevice struct {
	id       string
	dev      *identity.Device
	crt      *cert.Certificate
	cert     []byte // its certificate entry's payload
	officer  string // as the certificate names it
	communes []string
}

type fuzzFixture struct {
	d    *identity.District
	rcpt age.Recipient
	devs []*fuzzDevice

	keysOnce sync.Once
	k        *keys // one node's keys for every node made: what they sign is then the same bytes
}

func (fx *fuzzFixture) keys(t *testing.T) *keys {
	fx.keysOnce.Do(func() { fx.k = testKeys(t, fx.d) })
	return fx.k
}

var (
	fuzzFixtureOnce sync.Once
	fuzzFixtureVal  *fuzzFixture
	fuzzFixtureErr  error
)

// fuzzFSMSetup makes the district and enrols its devices once per
// process: an officer of 00769, an officer of 12472 and a supervisor of
// both.
func fuzzFSMSetup(tb testing.TB) *fuzzFixture {
	fuzzFixtureOnce.Do(func() {
		fuzzFixtureVal, fuzzFixtureErr = newFuzzFixture()
	})
	if fuzzFixtureErr != nil {
		tb.Fatal(fuzzFixtureErr)
	}
	return fuzzFixtureVal
}

func newFuzzFixture() (*fuzzFixture, error) {
	d, err := identity.NewDistrict("Fuzz")
	if err != nil {
		return nil, err
	}
	rcpt, err := age.ParseX25519Recipient(d.Public().AgeRecipient)
	if err != nil {
		return nil, err
	}
	fx := &fuzzFixture{d: d, rcpt: rcpt}
	now := time.Now()
	for i, e := range []struct {
		id, officer string
		role        cert.Role
		communes    []string
	}{
		{"aaaaaaaaaaaaaaaa", "Lò Thị Lan", cert.RoleOfficer, []string{"00769"}},
		{"bbbbbbbbbbbbbbbb", "Giàng A Páo", cert.RoleOfficer, []string{"12472"}},
		{"ssssssssssssssss", "Nguyễn Thị Mai", cert.RoleSupervisor, []string{"00769", "12472"}},
	} {
		dev, err := identity.NewDevice(e.id)
		if err != nil {
			return nil, err
		}
		req, err := cert.NewRequest(dev, e.officer, e.communes, now)
		if err != nil {
			return nil, err
		}
		c, err := cert.Sign(req, e.role, nil, 24*time.Hour, uint64(i+1), d, now)
		if err != nil {
			return nil, err
		}
		cb, err := c.MarshalBinary()
		if err != nil {
			return nil, err
		}
		fx.devs = append(fx.devs, &fuzzDevice{id: e.id, dev: dev, crt: c, cert: cb, officer: c.Officer, communes: c.Communes})
	}
	return fx, nil
}

// fuzzNode is one node's state machine on its own store.
type fuzzNode struct {
	s *storage.Store
	f *fsm
}

// newFuzzNode is a node at index: a fresh store whose state machine
// applied the devices' certificates and the district's time (entries 1 to
// index). Fresh stores make every input independent of the ones before it
// (a failure found is reproduced by its input alone); one costs about 25
// ms, about what restoring a store and opening it again does.
func newFuzzNode(t *testing.T, fx *fuzzFixture, name string) (*fuzzNode, uint64) {
	s, err := storage.Create(filepath.Join(t.TempDir(), name), []byte(testPass), storage.Profile{Kind: storage.KindNode, District: "Fuzz"},
		storage.Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f, err := newFSM(s, fx.keys(t), slog.New(slog.NewTextHandler(io.Discard, nil)), newMetrics())
	if err != nil {
		t.Fatal(err)
	}
	index := uint64(0)
	apply := func(data []byte) any {
		index++
		return f.Apply(&raft.Log{Index: index, Type: raft.LogCommand, Data: data})
	}
	for _, d := range fx.devs {
		if r := apply(append([]byte{entryCertificate}, d.cert...)); r != nil {
			t.Fatalf("certificate of %s: %v", d.id, r)
		}
	}
	apply(encodeBatchesAt(fuzzAt, nil)) // the district's time, once
	return &fuzzNode{s: s, f: f}, index
}

// fuzzReader hands out the input a byte at a time; past its end, zeros.
type fuzzReader struct{ b []byte }

func (r *fuzzReader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// bytes returns up to n bytes of the input as a string.
func (r *fuzzReader) bytes(n int) string {
	n = min(n, len(r.b))
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// fuzzChain is where a device's chain stands: as the district accepted it,
// or as the device has sealed it.
type fuzzChain struct {
	seq   uint64
	hash  [32]byte
	opSeq uint64
}

// fuzzState is what the program knows of the devices while it runs.
type fuzzState struct {
	fx       *fuzzFixture
	accepted []fuzzChain // per device, from the receipts
	sealed   []fuzzChain // per device, the batches sealed so far
	nextN    []uint64    // per device, the next record number it makes
	clock    storage.HLC // the devices' clock, shared
	read     *storage.Store
}

// The batch and operation choices of the program. Each is one byte; 0 is
// the honest choice.
const (
	// chain modes (byte / 3 % 8)
	fzChainNext = iota
	fzChainGap
	fzChainReplay
	fzChainBadPrev
	fzChainAccepted // from the accepted chain, ignoring what this entry sealed before
)

// op kinds (byte % 8)
const (
	fzKindPerson = iota
	fzKindHousehold
	fzKindDecision
	fzKindZero
	fzKindUnknown
)

// mutations of an operation (byte % 16)
const (
	fzMutNone = iota
	fzMutSeqZero
	fzMutSeqGap
	fzMutSeqReused
	fzMutSeqHuge
	fzMutOtherDevice
	fzMutInvalidDevice
	fzMutOtherOfficer
	fzMutOfficerSpace
	fzMutClockZero
	fzMutClockAhead
	fzMutClockNearlyAhead
	fzMutClockBack
	fzMutReason
	fzMutClockMax
	fzMutClockSame
)

// fuzzValues are the values a change can set (value byte - 1).
var fuzzValues = []string{
	"", "00769", "12472", "00001", "00010", "769", "1990-02-31", "31/02/1990", "1990-05-17", "1990", "2020-13",
	"Nam", "nam", "Nữ", "Lò Văn Páo", "  Nguyễn  Văn An ", "Nguye\u0302\u0303n Văn An", "Chủ hộ", "chủ hộ", "Con",
	"0769-000001", "1247-000001", "Thôn Pả Vi", "aaaaaaaa-1", "aaaaaaaa-2", "bbbbbbbb-1", "ssssssss-1", "aaaaaaaa-1 ",
	"aaaaaaaa-01", "AAAAAAAA-1", "Nông dân", "living", "dead", "002085012345", "0912345678", "01", "Kinh", "O+",
}

// fuzzPersonFields are the person fields a change picks from (field byte
// < 200); 200 and above name field byte-200 (0, the fields, unknown ones).
var fuzzPersonFields = []storage.Field{
	storage.FieldFullName, storage.FieldPermanentAddressCode, storage.FieldCurrentAddressCode, storage.FieldTemporaryAddressCode,
	storage.FieldOccupation, storage.FieldBirthDate, storage.FieldSex, storage.FieldHouseholdNumber, storage.FieldRelationshipToHead,
	storage.FieldStatus, storage.FieldIDNumber, storage.FieldPermanentAddressDetail, storage.FieldDeathDate, storage.FieldEthnicity,
	storage.FieldTemporaryAbsenceCode, storage.FieldFatherName,
}

// fuzzIDs are the records an operation can name (id byte - 1), besides a
// new one of its device (0).
var fuzzIDs = []storage.ID{
	{Origin: "aaaaaaaa", N: 1}, {Origin: "aaaaaaaa", N: 2}, {Origin: "aaaaaaaa", N: 3},
	{Origin: "bbbbbbbb", N: 1}, {Origin: "bbbbbbbb", N: 2},
	{Origin: "ssssssss", N: 1}, {Origin: "ssssssss", N: 2},
	{Origin: "zzzzzzzz", N: 1}, {Origin: "AAAAAAAA", N: 1}, {Origin: "aaaaaaaa", N: 0}, {},
}

// honestValue is a valid value of field f for a record of dev.
func honestValue(kind storage.EntityKind, f uint8, dev *fuzzDevice) string {
	if kind == storage.KindHousehold {
		switch storage.HouseholdField(f) {
		case storage.HouseholdNumber:
			return "0769-000001"
		case storage.HouseholdAddressCode:
			return dev.communes[0]
		case storage.HouseholdHead:
			return dev.id[:8] + "-1"
		}
		return "Thôn Pả Vi"
	}
	switch storage.Field(f) {
	case storage.FieldFullName, storage.FieldFatherName:
		return "Lò Văn Páo"
	case storage.FieldPermanentAddressCode, storage.FieldCurrentAddressCode, storage.FieldTemporaryAddressCode, storage.FieldTemporaryAbsenceCode:
		return dev.communes[0]
	case storage.FieldBirthDate, storage.FieldDeathDate:
		return "1990-05-17"
	case storage.FieldSex:
		return storage.SexMale
	case storage.FieldHouseholdNumber:
		return "0769-000001"
	case storage.FieldRelationshipToHead:
		return storage.RelationshipHead
	case storage.FieldStatus:
		return storage.StatusLiving
	case storage.FieldIDNumber:
		return "002085012345"
	case storage.FieldEthnicity:
		return "01"
	}
	return "Nông dân"
}

// genOp makes the k-th operation (from 1) of a batch of device di whose
// chain's last operation is after.
func (st *fuzzState) genOp(r *fuzzReader, di int, after uint64, k uint64) *storage.Op {
	dev := st.fx.devs[di]
	st.clock += fuzzSecond
	op := &storage.Op{Device: storage.DeviceID(dev.id), Seq: after + k, HLC: st.clock, Officer: dev.officer, Event: storage.EventCorrection}
	kb, eb, ib, mb, cb := r.byte(), r.byte(), r.byte(), r.byte(), r.byte()
	switch kb % 8 {
	case fzKindHousehold:
		op.Kind = storage.KindHousehold
	case fzKindDecision:
		op.Kind = storage.KindDecision
		op.Event = storage.EventResolution
	case fzKindZero:
		op.Kind = 0
	case fzKindUnknown:
		op.Kind = storage.EntityKind(4 + kb/8)
	default:
		op.Kind = storage.KindPerson
	}
	creating := ib == 0
	if creating {
		st.nextN[di]++
		op.ID = storage.ID{Origin: dev.id[:8], N: st.nextN[di]}
		if op.Kind != storage.KindDecision {
			op.Event = storage.EventRegister
		}
	} else {
		op.ID = fuzzIDs[int(ib-1)%len(fuzzIDs)]
	}
	if eb != 0 {
		op.Event = storage.Event(eb % 14)
	}
	other := st.fx.devs[(di+1)%len(st.fx.devs)]
	switch mb % 16 {
	case fzMutSeqZero:
		op.Seq = 0
	case fzMutSeqGap:
		op.Seq++
	case fzMutSeqReused:
		op.Seq = after
	case fzMutSeqHuge:
		op.Seq = 1 << 63
	case fzMutOtherDevice:
		op.Device = storage.DeviceID(other.id)
	case fzMutInvalidDevice:
		op.Device = "not a device"
	case fzMutOtherOfficer:
		op.Officer = other.officer
	case fzMutOfficerSpace:
		op.Officer += " "
	case fzMutClockZero:
		op.HLC = 0
	case fzMutClockAhead:
		op.HLC = fuzzAt + 25*3600*fuzzSecond
	case fzMutClockNearlyAhead:
		op.HLC = fuzzAt + 23*3600*fuzzSecond
	case fzMutClockBack:
		op.HLC = st.clock - 3600*fuzzSecond
	case fzMutReason:
		op.Reason = strings.ToValidUTF8(r.bytes(int(r.byte()%32)), "?")
	case fzMutClockMax:
		op.HLC = storage.HLC(1<<64 - 1)
	case fzMutClockSame:
		op.HLC = st.clock - fuzzSecond
	}
	if cb == 0 {
		op.Changes = st.honestChanges(op, dev)
		return op
	}
	n := int(cb-1) % 6
	for i := 0; i < n; i++ {
		op.Changes = append(op.Changes, st.genChange(r, op, dev, other))
	}
	return op
}

// honestChanges are the changes of an honest operation of its kind.
func (st *fuzzState) honestChanges(op *storage.Op, dev *fuzzDevice) []storage.Change {
	switch op.Kind {
	case storage.KindHousehold:
		if op.Event == storage.EventRegister {
			return []storage.Change{{Field: uint8(storage.HouseholdNumber), New: "0769-000001"}, {Field: uint8(storage.HouseholdAddressCode), New: dev.communes[0]}}
		}
		return []storage.Change{{Field: uint8(storage.HouseholdAddressDetail), New: "Thôn Pả Vi"}}
	case storage.KindDecision:
		o := op.ID
		o.N++
		return []storage.Change{{Field: uint8(storage.DecisionDistinct), New: o.String()}}
	}
	if op.Event == storage.EventRegister {
		return []storage.Change{{Field: uint8(storage.FieldFullName), New: "Lò Văn Páo"}, {Field: uint8(storage.FieldPermanentAddressCode), New: dev.communes[0]}}
	}
	return []storage.Change{{Field: uint8(storage.FieldOccupation), Seen: st.version(op, uint8(storage.FieldOccupation)), New: "Nông dân"}}
}

// version is the version of field f of op's record as node a holds it.
func (st *fuzzState) version(op *storage.Op, f uint8) storage.Version {
	switch op.Kind {
	case storage.KindPerson:
		if p, err := st.read.Person(op.ID); err == nil && storage.Field(f).Valid() {
			return p.Versions[f]
		}
	case storage.KindHousehold:
		if h, err := st.read.Household(op.ID); err == nil && int(f) < len(h.Versions) {
			return h.Versions[f]
		}
	}
	return storage.Version{}
}

func (st *fuzzState) genChange(r *fuzzReader, op *storage.Op, dev, other *fuzzDevice) storage.Change {
	fb, vb, sb := r.byte(), r.byte(), r.byte()
	var c storage.Change
	switch {
	case fb == 199 && len(op.Changes) > 0:
		c.Field = op.Changes[len(op.Changes)-1].Field // the same field again
	case op.Kind == storage.KindHousehold:
		c.Field = fb % 6
	case op.Kind == storage.KindDecision:
		c.Field = fb % 4
	case fb >= 200:
		c.Field = fb - 200
	default:
		c.Field = uint8(fuzzPersonFields[int(fb)%len(fuzzPersonFields)])
	}
	switch vb {
	case 0:
		c.New = honestValue(op.Kind, c.Field, dev)
		if op.Kind == storage.KindDecision {
			c.New = fuzzIDs[int(fb)%7].String()
		}
	case 255:
		c.New = strings.ToValidUTF8(r.bytes(int(r.byte()%24)), "?")
	case 254:
		c.New = honestValue(op.Kind, c.Field, other)
	default:
		c.New = fuzzValues[int(vb-1)%len(fuzzValues)]
	}
	switch sb % 8 {
	case 0:
		c.Seen = st.version(op, c.Field) // an honest edit saw the field as the district holds it
	case 1:
		// a field never set
	case 2:
		c.Seen = storage.Version{HLC: st.clock - 7200*fuzzSecond, Device: storage.DeviceID(other.id)}
	case 3:
		c.Seen = storage.Version{HLC: 5, Device: "xyz"}
	case 4:
		c.Seen = storage.Version{HLC: 5}
	case 5:
		c.Seen = storage.Version{HLC: st.clock + 3600*fuzzSecond, Device: storage.DeviceID(dev.id)}
	case 6:
		c.Old = "Nông dân"
		c.Seen = st.version(op, c.Field)
	case 7:
		if len(op.Changes) > 0 {
			c.Seen = op.Changes[len(op.Changes)-1].Seen
		}
	}
	return c
}

// fuzzBatch is a batch the program sealed.
type fuzzBatch struct {
	dev    int
	sealed []byte
	header batch.Header
	ops    []*storage.Op
	// leader: the refusals of the leader's CheckBatch when this batch is
	// the entry's first and follows its device's chain (nil otherwise).
	leader []storage.OpRefusal
	judged bool
}

// fuzzKnownRules are the rules a refusal may name.
var fuzzKnownRules = map[string]bool{
	storage.RuleSeqZero: true, storage.RuleSeqGap: true, storage.RuleSeqReused: true, storage.RuleOtherDevice: true,
	storage.RuleUnknownKind: true, storage.RuleUnknownEvent: true, storage.RuleUnknownField: true, storage.RuleNoChanges: true,
	storage.RuleTooManyChanges: true, storage.RuleInvalidValue: true, storage.RuleIdentifier: true, storage.RuleForeignID: true,
	storage.RuleClock: true, storage.RuleDecision: true, storage.RuleChoose: true, storage.RuleResolution: true,
	storage.RuleDecide: true, storage.RuleHouseholdHead: true, storage.RuleOutOfScope: true, storage.RuleMoveOutFields: true,
	storage.RuleOfficerName: true, storage.RuleClockAhead: true,
	// storage.RuleApply is not: it means a check is missing.
}

var fuzzKnownCodes = map[string]bool{
	protocol.CodeGap: true, protocol.CodeReplay: true, protocol.CodeOutOfScope: true, protocol.CodeForbidden: true,
	protocol.CodeInvalidOperation: true, protocol.CodeWrongOfficer: true, protocol.CodeClockAhead: true,
}

// runFuzzFSM runs the program data on nodes a and b, which applied the
// same entries up to index.
func runFuzzFSM(t *testing.T, fx *fuzzFixture, a, b *fuzzNode, index uint64, data []byte) {
	apply := func(entry []byte) (any, any) {
		index++
		l := &raft.Log{Index: index, Type: raft.LogCommand, Data: entry}
		return a.f.Apply(l), b.f.Apply(l)
	}
	st := &fuzzState{fx: fx, accepted: make([]fuzzChain, len(fx.devs)), sealed: make([]fuzzChain, len(fx.devs)),
		nextN: make([]uint64, len(fx.devs)), clock: fuzzAt - 86400*fuzzSecond, read: a.s}
	r := &fuzzReader{b: data}
	entries := 1 + int(r.byte()%4)
	for e := 0; e < entries; e++ {
		var bs []*fuzzBatch
		nb := 1 + int(r.byte()%3)
		for k := 0; k < nb; k++ {
			if fb := st.genBatch(t, r, a, k == 0); fb != nil {
				bs = append(bs, fb)
			}
		}
		sealed := make([][]byte, len(bs))
		for i, fb := range bs {
			sealed[i] = fb.sealed
		}
		before, err := a.s.Digest()
		if err != nil {
			t.Fatal(err)
		}
		ra, rb := apply(encodeBatchesAt(fuzzAt, sealed))
		res, ok := ra.([]batchResult)
		if !ok || len(res) != len(bs) {
			t.Fatalf("entry %d of %d batches: node a answered %#v", e, len(bs), ra)
		}
		if !reflect.DeepEqual(ra, rb) {
			t.Fatalf("entry %d: the nodes answered differently:\n%#v\n%#v", e, ra, rb)
		}
		accepted := 0
		for i, r := range res {
			fb := bs[i]
			switch {
			case (r.Receipt == nil) == (r.Err == nil):
				t.Fatalf("batch %d: neither a receipt nor a refusal, or both: %+v", i, r)
			case r.Receipt != nil:
				if r.Receipt.Device != fb.header.Sender || r.Receipt.Seq != fb.header.Seq {
					t.Fatalf("batch %d: receipt %+v for %s/%d", i, r.Receipt, fb.header.Sender, fb.header.Seq)
				}
				if !r.Receipt.Duplicate {
					accepted++
					st.accepted[fb.dev] = fuzzChain{seq: fb.header.Seq, hash: batch.Hash(fb.sealed), opSeq: st.accepted[fb.dev].opSeq + uint64(len(fb.ops))}
				}
				if fb.judged && len(fb.leader) > 0 {
					t.Errorf("batch %d of %s accepted, the leader's CheckBatch refused it: %v", i, fb.header.Sender, fb.leader)
				}
			default:
				if !fuzzKnownCodes[r.Err.Code] {
					t.Errorf("batch %d of %s refused with code %q: %s", i, fb.header.Sender, r.Err.Code, r.Err.Message)
				}
				for _, o := range r.Err.Refused {
					if !fuzzKnownRules[o.Rule] {
						t.Errorf("batch %d of %s: operation %d refused by %q: %s\n%s", i, fb.header.Sender, o.Seq, o.Rule, o.Message, fuzzOps(fb.ops))
					}
				}
				if r.Err.Code != protocol.CodeGap && r.Err.Code != protocol.CodeReplay {
					if len(r.Err.Refused) == 0 {
						t.Errorf("batch %d of %s refused with %s and no operation: %s", i, fb.header.Sender, r.Err.Code, r.Err.Message)
					}
					if r.Err.Sig == "" || r.Err.Hash == "" || r.Err.Device != fb.header.Sender || r.Err.Batch != fb.header.Seq {
						t.Errorf("batch %d: refusal not signed or not naming the batch: %+v", i, r.Err)
					}
				}
				if fb.judged && !slices.EqualFunc(fb.leader, r.Err.Refused, func(l storage.OpRefusal, f protocol.OpRefusal) bool {
					return l.Seq == f.Seq && l.Record == f.Record && l.Rule == f.Rule
				}) {
					t.Errorf("batch %d of %s: the leader's CheckBatch refused %v, the state machine %+v", i, fb.header.Sender, fb.leader, r.Err.Refused)
				}
			}
		}
		st.checkAuthority(t, bs, res)
		// A device seals again from what the district accepted.
		copy(st.sealed, st.accepted)
		da, err := a.s.Digest()
		if err != nil {
			t.Fatal(err)
		}
		db, err := b.s.Digest()
		if err != nil {
			t.Fatal(err)
		}
		if da != db {
			t.Fatalf("entry %d: the nodes' digests differ", e)
		}
		if accepted == 0 && da != before {
			t.Fatalf("entry %d accepted no batch and changed the digest:\n%s", e, fuzzResults(res))
		}
	}
}

// checkAuthority: a record leaves an officer's communes only by a move
// out. After an entry, every person an officer's accepted batch changed
// (and no other accepted batch of the entry) belongs to one of the
// officer's communes, has no address, or was moved out by the batch.
func (st *fuzzState) checkAuthority(t *testing.T, bs []*fuzzBatch, res []batchResult) {
	touchedBy := map[storage.ID]int{} // accepted batches that changed the record
	for i, fb := range bs {
		if res[i].Receipt == nil || res[i].Receipt.Duplicate {
			continue
		}
		seen := map[storage.ID]bool{}
		for _, op := range fb.ops {
			ids := []storage.ID{op.ID}
			if op.Kind == storage.KindDecision && len(op.Changes) == 1 {
				if o, err := storage.ParseID(op.Changes[0].New); err == nil {
					ids = append(ids, o)
				}
			}
			for _, id := range ids {
				if !seen[id] {
					seen[id] = true
					touchedBy[id]++
				}
			}
		}
	}
	for i, fb := range bs {
		dev := st.fx.devs[fb.dev]
		if res[i].Receipt == nil || res[i].Receipt.Duplicate || dev.crt.Role != cert.RoleOfficer {
			continue
		}
		moved := map[storage.ID]bool{}
		for _, op := range fb.ops {
			if op.Event == storage.EventMoveOut {
				moved[op.ID] = true
			}
		}
		for _, op := range fb.ops {
			if op.Kind != storage.KindPerson || moved[op.ID] || touchedBy[op.ID] != 1 {
				continue
			}
			p, err := st.read.Person(op.ID)
			if err != nil || p.ID != op.ID {
				continue // merged into another
			}
			home := ""
			for _, f := range []storage.Field{storage.FieldPermanentAddressCode, storage.FieldCurrentAddressCode, storage.FieldTemporaryAddressCode} {
				if home = p.Get(f); home != "" {
					break
				}
			}
			if home != "" && !slices.Contains(dev.communes, home) {
				t.Errorf("officer of %v: batch %d was accepted and left person %s in commune %s without a move out:\n%s", dev.communes, fb.header.Seq, op.ID, home, fuzzOps(fb.ops))
				moved[op.ID] = true
			}
		}
	}
}

// genBatch seals the next batch of the program (nil when the encoder
// refuses its operations: not decodable). first: the entry's first batch,
// which the leader's CheckBatch judges against node a as it is.
func (st *fuzzState) genBatch(t *testing.T, r *fuzzReader, a *fuzzNode, first bool) *fuzzBatch {
	db := r.byte()
	di := int(db) % len(st.fx.devs)
	dev := st.fx.devs[di]
	ch := st.sealed[di]
	switch int(db/3) % 8 {
	case fzChainGap:
		ch.seq++
	case fzChainReplay:
		if ch.seq > 0 {
			ch.seq--
		}
	case fzChainBadPrev:
		ch.hash[0] ^= 1
	case fzChainAccepted:
		ch = st.accepted[di]
	}
	n := 1 + int(r.byte()%6)
	ops := make([]*storage.Op, 0, n)
	for k := 1; k <= n; k++ {
		ops = append(ops, st.genOp(r, di, ch.opSeq, uint64(k)))
	}
	h := batch.Header{Sender: dev.id, Seq: ch.seq + 1, PrevHash: ch.hash, RecipientKeyID: st.fx.d.Public().KeyID}
	sb, err := batch.Seal(ops, batch.SealOptions{Header: h, Recipient: st.fx.rcpt, SignKey: dev.dev.Sign})
	if err != nil {
		return nil
	}
	fb := &fuzzBatch{dev: di, sealed: sb, header: h, ops: ops}
	// The operations as every node decodes them.
	opened, err := a.f.opener().Open(sb)
	if err != nil {
		t.Fatalf("a batch the device sealed does not open: %v", err)
	}
	fb.ops = opened.Ops
	acc := st.accepted[di]
	if first && h.Seq == acc.seq+1 && h.PrevHash == acc.hash {
		fb.leader, err = a.s.CheckBatch(senderOf(dev.crt), acc.opSeq, fb.ops, fuzzAt)
		if err != nil {
			t.Fatal(err)
		}
		fb.judged = true
	}
	st.sealed[di] = fuzzChain{seq: h.Seq, hash: batch.Hash(sb), opSeq: ch.opSeq + uint64(len(ops))}
	return fb
}

func fuzzResults(res []batchResult) string {
	var b strings.Builder
	for i, r := range res {
		switch {
		case r.Receipt != nil:
			fmt.Fprintf(&b, "  %d: receipt %s/%d duplicate=%v\n", i, r.Receipt.Device, r.Receipt.Seq, r.Receipt.Duplicate)
		case r.Err != nil:
			fmt.Fprintf(&b, "  %d: %s %s\n", i, r.Err.Code, r.Err.Message)
		}
	}
	return b.String()
}

func fuzzOps(ops []*storage.Op) string {
	var b strings.Builder
	for _, op := range ops {
		fmt.Fprintf(&b, "  %s/%d %s %s %s hlc=%d officer=%q:", op.Device, op.Seq, op.Kind, op.Event, op.ID, op.HLC, op.Officer)
		for _, c := range op.Changes {
			fmt.Fprintf(&b, " [%s=%q seen=%s/%d]", op.FieldName(c), c.New, c.Seen.Device, c.Seen.HLC)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// Seeds: programs that reach every rule. A program is bytes: entries-1,
// then per entry batches-1, then per batch the device (and chain mode ×3),
// ops-1, and per operation kind, event, id, mutation, changes+1 (0: the
// honest ones) and per change field, value, seen.
type fzOp struct {
	kind, event, id, mut byte
	changes              [][3]byte // nil: the honest changes
}

type fzBatch struct {
	dev, chain byte
	ops        []fzOp
}

func fzProgram(entries ...[]fzBatch) []byte {
	p := []byte{byte(len(entries) - 1)}
	for _, e := range entries {
		p = append(p, byte(len(e)-1))
		for _, b := range e {
			p = append(p, b.dev+3*b.chain, byte(len(b.ops)-1))
			for _, o := range b.ops {
				nc := byte(0)
				if o.changes != nil {
					nc = byte(len(o.changes) + 1)
				}
				p = append(p, o.kind, o.event, o.id, o.mut, nc)
				for _, c := range o.changes {
					p = append(p, c[:]...)
				}
			}
		}
	}
	return p
}

// Devices, ids and values of the seeds.
const (
	fzOfficerA, fzOfficerB, fzSuper = 0, 1, 2
	fzNew                           = 0 // a new record of the device
	fzA1, fzA2, fzA3                = 1, 2, 3
	fzB1                            = 4
	fzS1                            = 6
	fzForeign                       = 8
	fzBadOrigin                     = 9
	fzNumberZero                    = 10
)

// fzVal is the value byte of fuzzValues[v].
func fzVal(v string) byte {
	i := slices.Index(fuzzValues, v)
	if i < 0 {
		panic("no seed value " + v)
	}
	return byte(i + 1)
}

// fzField is the field byte of a person field.
func fzField(f storage.Field) byte { return byte(slices.Index(fuzzPersonFields, f)) }

func fuzzFSMSeeds() [][]byte {
	reg := func(n int) []fzOp { // n honest registrations
		ops := make([]fzOp, n)
		return ops
	}
	edit := func(id, mut byte, cs ...[3]byte) fzOp { return fzOp{kind: fzKindPerson, id: id, mut: mut, changes: cs} }
	set := func(f storage.Field, v string) [3]byte { return [3]byte{fzField(f), fzVal(v), 0} }
	first := []fzBatch{{dev: fzOfficerA, ops: reg(3)}, {dev: fzOfficerB, ops: reg(2)}} // a1..a3, b1, b2
	occ := set(storage.FieldOccupation, "Nông dân")
	seeds := [][]byte{
		nil,
		fzProgram(first),
		fzProgram([]fzBatch{{dev: fzSuper, ops: reg(2)}}),
		fzProgram([]fzBatch{{dev: fzOfficerA, ops: []fzOp{{kind: fzKindHousehold}, {kind: fzKindHousehold, id: fzA1}}}}),
	}
	for _, mut := range []byte{fzMutSeqZero, fzMutSeqGap, fzMutSeqReused, fzMutSeqHuge, fzMutOtherDevice, fzMutInvalidDevice, fzMutOtherOfficer,
		fzMutOfficerSpace, fzMutClockZero, fzMutClockAhead, fzMutClockNearlyAhead, fzMutClockBack, fzMutReason, fzMutClockMax, fzMutClockSame} {
		// the rule in the first batch, and in a batch after an accepted one
		seeds = append(seeds, fzProgram([]fzBatch{{dev: fzOfficerA, ops: []fzOp{{}, {mut: mut}}}}),
			fzProgram(first, []fzBatch{{dev: fzOfficerA, ops: []fzOp{edit(fzA1, mut, occ)}}}))
	}
	bad := func(ops ...fzOp) []byte { return fzProgram(first, []fzBatch{{dev: fzOfficerA, ops: ops}}) }
	sup := func(ops ...fzOp) []byte { return fzProgram(first, []fzBatch{{dev: fzSuper, ops: ops}}) }
	name := storage.FieldFullName
	perm, cur := storage.FieldPermanentAddressCode, storage.FieldCurrentAddressCode
	moveOut := byte(storage.EventMoveOut)
	resolution := byte(storage.EventResolution)
	seeds = append(seeds,
		// CheckOp's rules
		bad(fzOp{id: fzBadOrigin}), bad(fzOp{id: fzNumberZero}), bad(fzOp{id: 11}),
		bad(fzOp{kind: fzKindZero, id: fzA1}), bad(fzOp{kind: fzKindUnknown, id: fzA1}),
		bad(fzOp{event: 12, id: fzA1}), bad(fzOp{event: 14, id: fzA1}),
		bad(fzOp{id: fzA1, changes: [][3]byte{}}),
		bad(edit(fzA1, 0, [3]byte{200, 1, 0})), bad(edit(fzA1, 0, [3]byte{238, 1, 0})), bad(edit(fzA1, 0, [3]byte{255, 0, 0})),
		bad(fzOp{kind: fzKindHousehold, id: fzA1, changes: [][3]byte{{5, 1, 0}}}),
		bad(edit(fzA1, 0, set(storage.FieldBirthDate, "1990-02-31"))), bad(edit(fzA1, 0, set(storage.FieldBirthDate, "31/02/1990"))),
		bad(edit(fzA1, 0, set(name, "  Nguyễn  Văn An "))), bad(edit(fzA1, 0, set(storage.FieldSex, "nam"))),
		bad(edit(fzA1, 0, set(perm, "00001"))), bad(edit(fzA1, 0, set(perm, "769"))),
		bad(edit(fzA1, 0, [3]byte{fzField(name), 255, 0}, [3]byte{4, 0xff, 0xfe})),
		bad(edit(fzA1, 0, [3]byte{fzField(name), 0, 3})), bad(edit(fzA1, 0, [3]byte{fzField(name), 0, 4})),
		bad(edit(fzA1, 0, occ, [3]byte{199, fzVal("Nông dân"), 2})),
		bad(fzOp{kind: fzKindHousehold, id: fzA1, changes: [][3]byte{{1, 1, 0}, {199, 1, 0}}}),
		bad(fzOp{kind: fzKindDecision, id: fzA1, changes: [][3]byte{{2, fzVal("aaaaaaaa-2"), 0}, {2, fzVal("bbbbbbbb-1"), 0}}}),
		bad(fzOp{kind: fzKindDecision, id: fzA1, changes: [][3]byte{{3, fzVal("aaaaaaaa-2"), 0}}}),
		bad(fzOp{kind: fzKindDecision, id: fzA1, changes: [][3]byte{{2, fzVal("aaaaaaaa-1"), 0}}}),
		bad(fzOp{kind: fzKindDecision, id: fzA1, changes: [][3]byte{{2, fzVal("aaaaaaaa-1 "), 0}}}),
		bad(fzOp{kind: fzKindDecision, id: fzA1, changes: [][3]byte{{2, fzVal("Lò Văn Páo"), 0}}}),
		// authority
		bad(fzOp{id: fzForeign}), bad(fzOp{kind: fzKindHousehold, id: fzForeign}), bad(edit(fzB1, 0, occ)),
		bad(edit(fzA1, 0, set(perm, "12472"))), bad(fzOp{id: fzNew, changes: [][3]byte{set(name, "Lò Văn Páo"), set(perm, "12472")}}),
		bad(fzOp{id: fzA1, event: moveOut, changes: [][3]byte{set(perm, "12472"), set(name, "Lò Văn Páo")}}),
		bad(fzOp{id: fzA1, event: moveOut, changes: [][3]byte{set(perm, "12472"), set(storage.FieldHouseholdNumber, "1247-000001")}}, edit(fzA1, 0, occ)),
		fzProgram(first, []fzBatch{{dev: fzOfficerA, ops: []fzOp{{id: fzA1, event: moveOut, changes: [][3]byte{set(perm, "12472")}}}}},
			[]fzBatch{{dev: fzOfficerB, ops: []fzOp{edit(fzA1, 0, occ)}}, {dev: fzOfficerA, ops: []fzOp{edit(fzA1, 0, occ)}}}),
		bad(fzOp{id: fzA1, event: resolution, changes: [][3]byte{occ}}), sup(fzOp{id: fzA1, event: resolution, changes: [][3]byte{occ, {199, fzVal("Nông dân"), 2}}}),
		bad(fzOp{kind: fzKindDecision, id: fzA1}), sup(fzOp{kind: fzKindDecision, id: fzA1}), sup(fzOp{kind: fzKindDecision, id: fzA1, changes: [][3]byte{{2, fzVal("bbbbbbbb-1"), 0}}}),
		sup(fzOp{kind: fzKindDecision, id: fzA1, changes: [][3]byte{{2, fzVal("ssssssss-1"), 0}}}),
		bad(fzOp{kind: fzKindHousehold, id: fzA3, changes: [][3]byte{{4, 0, 0}}}), sup(fzOp{kind: fzKindHousehold, id: fzA3, changes: [][3]byte{{4, 0, 0}}}),
		fzProgram([]fzBatch{{dev: fzOfficerA, ops: []fzOp{{}, edit(fzA1, 0, occ), {id: fzA1, event: moveOut, changes: [][3]byte{set(perm, "12472")}}, edit(fzA1, 0, occ)}}}),
		fzProgram(first, []fzBatch{{dev: fzOfficerA, ops: []fzOp{{changes: [][3]byte{set(name, "Lò Văn Páo")}}}}, {dev: fzOfficerB, ops: []fzOp{edit(fzB1, 0, occ)}}}),
		// a stale change on an address
		bad(edit(fzA1, 0, [3]byte{fzField(perm), fzVal(""), 0}, [3]byte{fzField(cur), fzVal("00769"), 1})),
		// a change that loses the merge (stale, stamped before the
		// field's version) keeps the record in A for a check that takes
		// every change as won, while the change that wins sends it to B
		fzProgram(first, []fzBatch{{dev: fzOfficerA, ops: []fzOp{edit(fzA1, 0, set(perm, ""), set(cur, "00769"), set(storage.FieldTemporaryAddressCode, "12472"))}}},
			[]fzBatch{{dev: fzOfficerA, ops: []fzOp{edit(fzA1, fzMutClockBack, [3]byte{fzField(perm), fzVal("00769"), 1}, set(cur, ""), set(name, "Lò Văn Páo"))}}}),
		// chains: gap, replay, another previous hash, two batches of one device in one entry, a refused batch sent again
		fzProgram(first, []fzBatch{{dev: fzOfficerA, chain: fzChainGap, ops: reg(1)}}),
		fzProgram(first, []fzBatch{{dev: fzOfficerA, chain: fzChainReplay, ops: reg(1)}}),
		fzProgram(first, []fzBatch{{dev: fzOfficerA, chain: fzChainBadPrev, ops: reg(1)}}),
		fzProgram([]fzBatch{{dev: fzOfficerA, ops: reg(1)}, {dev: fzOfficerA, ops: reg(2)}, {dev: fzOfficerA, chain: fzChainAccepted, ops: reg(1)}}),
		fzProgram([]fzBatch{{dev: fzOfficerA, ops: []fzOp{{mut: fzMutOtherOfficer}}}, {dev: fzOfficerA, ops: reg(1)}}, []fzBatch{{dev: fzOfficerA, ops: reg(1)}}),
	)
	return seeds
}
