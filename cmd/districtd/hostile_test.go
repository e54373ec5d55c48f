package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/batch"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/protocol"
)

// Hostile devices (PROTOCOL.md "Operations are checked by their effect"):
// an enrolled device pushes batches that are properly sealed and signed
// but whose operations break a rule. The district refuses each with the
// rule's code, naming the batch and every refused operation, signed with
// its key; nothing changes, the nodes stay up and agree, the other devices
// go on, and the device's next honest batch (the same batch number, since
// a refused batch does not advance the chain) is accepted.
//
// TestHostileDevice runs every rule against the leader's early checks;
// TestHostileDeviceCommitted runs them with the early checks off
// (COMMUNEKIT_TEST_NO_PUSH_CHECK=1), so that the bad batches are committed
// to the Raft log and the state machine refuses them on every node, then
// restarts two nodes over a log holding them; TestHostileDeviceConcurrent
// runs them while honest devices push all the time.

// communeB is a commune of the district other than the devices' usual
// one (commune).
const communeB = "00715"

// noPushCheck is the districtd environment that turns the leader's early
// checks of pushed operations off (tests only).
const noPushCheck = "COMMUNEKIT_TEST_NO_PUSH_CHECK=1"

// officerDevice is an enrolled officer's device of one commune, which the
// tests make push batches a real device never would, besides honest ones.
type officerDevice struct {
	*device
	commune string
	officer string
	edits   int // honest edits made, for values that differ each time
}

// newOfficerDevice enrols a device of an officer of commune com, as
// newDevice does for the package's commune.
func newOfficerDevice(t *testing.T, d *district, officer, com string) *officerDevice {
	t.Helper()
	s, err := storage.Create(filepath.Join(t.TempDir(), "device"), []byte(testPass), storage.Profile{Commune: com, Officer: officer}, storage.Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	now := time.Now()
	req, err := cert.NewRequest(s.DeviceKeys(), officer, []string{com}, now)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cert.Sign(req, cert.RoleOfficer, nil, 24*time.Hour, rand.Uint64N(1<<62)+1, d.keys, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := outbox.Install(s, c, d.keys.Public(), now); err != nil {
		t.Fatal(err)
	}
	cb, err := c.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return &officerDevice{device: &device{id: string(s.Profile().Device), s: s, cert: cb, d: d}, commune: com, officer: officer}
}

func (o *officerDevice) tag() string { return storage.DeviceID(o.id).Tag() }

// addPersons records n new persons of the device's commune, each the head
// of a new household, and returns the persons' and households' IDs.
func (o *officerDevice) addPersons(t *testing.T, n int) (persons, hhs []storage.ID) {
	t.Helper()
	var b strings.Builder
	b.WriteString("full_name,birth_date,sex,ethnicity,household_number,relationship_to_head,permanent_address_code\n")
	born := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		k := households.Add(1)
		fmt.Fprintf(&b, "%s %s,%s,Nam,H'Mông,H%d,Chủ hộ,%s\n", familyNames[k%8], givenNames[k/8%8], born.AddDate(0, 0, int(k)).Format("02/01/2006"), k, o.commune)
	}
	rep, err := o.s.ImportPersons(strings.NewReader(b.String()), storage.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != n {
		t.Fatalf("imported %d of %d persons: %+v", rep.Imported, n, rep.Rejected)
	}
	ops, err := o.s.Unbatched(0)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		if op.Event != storage.EventRegister {
			continue
		}
		switch op.Kind {
		case storage.KindPerson:
			persons = append(persons, op.ID)
		case storage.KindHousehold:
			hhs = append(hhs, op.ID)
		}
	}
	return persons, hhs
}

// edit corrects a person's occupation through the device's store: one
// honest operation.
func (o *officerDevice) edit(t *testing.T, id storage.ID) {
	t.Helper()
	o.edits++
	if _, _, err := o.s.EditPerson(id, storage.Values{storage.FieldOccupation: fmt.Sprintf("Làm nương, mùa %d", o.edits)}, storage.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
}

// chain is where the device's chain stands on the district: every batch
// it sealed through its store has been acknowledged.
func (o *officerDevice) chain(t *testing.T) storage.OutboxState {
	t.Helper()
	st, err := o.s.Outbox()
	if err != nil {
		t.Fatal(err)
	}
	if st.AckedBatch != st.Batches || st.AckedSeq != st.BatchedSeq {
		t.Fatalf("device %s has batches the district did not acknowledge: %+v", o.id, st)
	}
	return st
}

// op is an operation of the device as a real one would make it, but built
// by hand: a test changes what it must to break a rule.
func (o *officerDevice) op(seq uint64, kind storage.EntityKind, id storage.ID, ev storage.Event, cs ...storage.Change) *storage.Op {
	return &storage.Op{Device: storage.DeviceID(o.id), Seq: seq, HLC: hlcAt(time.Now()), Officer: o.officer, Kind: kind, ID: id, Event: ev, Changes: cs}
}

func hlcAt(t time.Time) storage.HLC { return storage.HLC(uint64(t.UnixMilli()) << 16) }

// sealHostile seals ops as the device's next batch, exactly as
// outbox.Sealer does, without recording it in the device's outbox: the
// next batch sealed through the store gets the same number.
func (o *officerDevice) sealHostile(t *testing.T, ops []*storage.Op) (sealed []byte, seq uint64) {
	t.Helper()
	st := o.chain(t)
	pub := o.d.keys.Public()
	rcpt, err := age.ParseX25519Recipient(pub.AgeRecipient)
	if err != nil {
		t.Fatal(err)
	}
	h := batch.Header{Sender: o.id, Seq: st.Batches + 1, PrevHash: st.LastHash, RecipientKeyID: pub.KeyID}
	sealed, err = batch.Seal(ops, batch.SealOptions{Header: h, Recipient: rcpt, SignKey: o.s.DeviceKeys().Sign})
	if err != nil {
		t.Fatal(err)
	}
	return sealed, h.Seq
}

// change is a change of field f to v in its canonical form.
func change(t *testing.T, f storage.Field, v string) storage.Change {
	t.Helper()
	c, p := storage.Canonicalize(f, v)
	if p != nil {
		t.Fatalf("%s %q: %s", f, v, p.Message("en"))
	}
	return storage.Change{Field: uint8(f), New: c}
}

// hostileEnv is a cluster, a device of commune A that turns hostile (a)
// and an honest device of commune B (b), with the records they made.
type hostileEnv struct {
	c        *cluster
	d        *district
	a, b     *officerDevice
	pA, pB   []storage.ID // persons of A and of B
	hA       []storage.ID // households of A
	receipts []*protocol.Receipt
	// committed: the leader proposes without the early checks, so every
	// bad batch reaches the state machine.
	committed   bool
	digestMoved bool // logged once
}

func newHostileEnv(t *testing.T, c *cluster, d *district, committed bool) *hostileEnv {
	t.Helper()
	e := &hostileEnv{c: c, d: d, committed: committed}
	e.a = newOfficerDevice(t, d, "Lò Văn Minh", commune)
	e.b = newOfficerDevice(t, d, "Vàng Thị Mai", communeB)
	e.pA, e.hA = e.a.addPersons(t, 2)
	e.pB, _ = e.b.addPersons(t, 1)
	if len(e.pA) != 2 || len(e.hA) != 2 || len(e.pB) != 1 {
		t.Fatalf("made persons %v and households %v in A, persons %v in B", e.pA, e.hA, e.pB)
	}
	e.pushHonest(t, e.a)
	e.pushHonest(t, e.b)
	return e
}

// pushHonest seals what the device's store holds with outbox.SealerFor
// and pushes it until the district gives receipts (checked by the device),
// and returns the batches.
func (e *hostileEnv) pushHonest(t *testing.T, o *officerDevice) []*storage.OutBatch {
	t.Helper()
	bs := mustSeal(t, o.device)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := o.pushAll(ctx, pushConfig{urls: e.c.urls()}, func(r *protocol.Receipt) { e.receipts = append(e.receipts, r) }); err != nil {
		t.Fatalf("honest push of device %s: %v", o.id, err)
	}
	return bs
}

// hostileCase is one rule a batch of device a breaks.
type hostileCase struct {
	name string
	code string
	rule string
	// batch returns the operations of the batch, given the number of
	// the device's next operation, and the number and record of the
	// first operation the district must refuse.
	batch func(t *testing.T, e *hostileEnv, next uint64) (ops []*storage.Op, seq uint64, record storage.ID)
}

// correction is the operation the hostile cases start from: a's
// correction of the occupation of its own person, which the district
// would accept.
func (e *hostileEnv) correction(t *testing.T, seq uint64, cs ...storage.Change) *storage.Op {
	if len(cs) == 0 {
		cs = []storage.Change{change(t, storage.FieldOccupation, "Làm ruộng")}
	}
	return e.a.op(seq, storage.KindPerson, e.pA[0], storage.EventCorrection, cs...)
}

func hostileCases() []hostileCase {
	one := func(f func(t *testing.T, e *hostileEnv, next uint64) *storage.Op) func(*testing.T, *hostileEnv, uint64) ([]*storage.Op, uint64, storage.ID) {
		return func(t *testing.T, e *hostileEnv, next uint64) ([]*storage.Op, uint64, storage.ID) {
			op := f(t, e, next)
			return []*storage.Op{op}, op.Seq, op.ID
		}
	}
	return []hostileCase{
		{"sequence_zero", protocol.CodeInvalidOperation, storage.RuleSeqZero, one(func(t *testing.T, e *hostileEnv, next uint64) *storage.Op {
			return e.correction(t, 0)
		})},
		{"sequence_gap", protocol.CodeInvalidOperation, storage.RuleSeqGap, func(t *testing.T, e *hostileEnv, next uint64) ([]*storage.Op, uint64, storage.ID) {
			// next and next+2: the first would be accepted alone, and
			// is not applied either.
			return []*storage.Op{e.correction(t, next), e.correction(t, next+2, change(t, storage.FieldOccupation, "Giáo viên"))}, next + 2, e.pA[0]
		}},
		{"unknown_field", protocol.CodeInvalidOperation, storage.RuleUnknownField, one(func(t *testing.T, e *hostileEnv, next uint64) *storage.Op {
			return e.correction(t, next, storage.Change{Field: 200, New: "trường lạ"})
		})},
		{"invalid_value/impossible_date", protocol.CodeInvalidOperation, storage.RuleInvalidValue, one(func(t *testing.T, e *hostileEnv, next uint64) *storage.Op {
			return e.correction(t, next, storage.Change{Field: uint8(storage.FieldBirthDate), New: "31/02/1990"})
		})},
		{"invalid_value/not_canonical", protocol.CodeInvalidOperation, storage.RuleInvalidValue, one(func(t *testing.T, e *hostileEnv, next uint64) *storage.Op {
			return e.correction(t, next, storage.Change{Field: uint8(storage.FieldFullName), New: "  Nguyễn  Văn An "})
		})},
		{"out_of_scope/other_commune_person", protocol.CodeOutOfScope, storage.RuleOutOfScope, one(func(t *testing.T, e *hostileEnv, next uint64) *storage.Op {
			return e.a.op(next, storage.KindPerson, e.pB[0], storage.EventCorrection, change(t, storage.FieldOccupation, "Làm ruộng"))
		})},
		{"out_of_scope/address_to_other_commune", protocol.CodeOutOfScope, storage.RuleOutOfScope, one(func(t *testing.T, e *hostileEnv, next uint64) *storage.Op {
			return e.correction(t, next, change(t, storage.FieldPermanentAddressCode, communeB))
		})},
		{"choose_candidates", protocol.CodeForbidden, storage.RuleChoose, one(func(t *testing.T, e *hostileEnv, next uint64) *storage.Op {
			return e.correction(t, next, change(t, storage.FieldOccupation, "Làm ruộng"), change(t, storage.FieldOccupation, "Giáo viên"))
		})},
		{"decision", protocol.CodeForbidden, storage.RuleDecide, one(func(t *testing.T, e *hostileEnv, next uint64) *storage.Op {
			return e.a.op(next, storage.KindDecision, e.pA[0], storage.EventResolution, storage.Change{Field: uint8(storage.DecisionMerge), New: e.pA[1].String()})
		})},
		{"resolution", protocol.CodeForbidden, storage.RuleResolution, one(func(t *testing.T, e *hostileEnv, next uint64) *storage.Op {
			return e.a.op(next, storage.KindPerson, e.pA[0], storage.EventResolution, change(t, storage.FieldOccupation, "Làm ruộng"))
		})},
		{"sequence_reused", protocol.CodeInvalidOperation, storage.RuleSeqReused, func(t *testing.T, e *hostileEnv, next uint64) ([]*storage.Op, uint64, storage.ID) {
			// The last applied operation rewritten, and the next one.
			return []*storage.Op{e.correction(t, next-1, change(t, storage.FieldOccupation, "Buôn bán")), e.correction(t, next)}, next - 1, e.pA[0]
		}},
		{"officer_name", protocol.CodeWrongOfficer, storage.RuleOfficerName, one(func(t *testing.T, e *hostileEnv, next uint64) *storage.Op {
			op := e.correction(t, next)
			op.Officer = "Hoàng Văn Khác"
			return op
		})},
		{"clock_ahead", protocol.CodeClockAhead, storage.RuleClockAhead, one(func(t *testing.T, e *hostileEnv, next uint64) *storage.Op {
			op := e.correction(t, next)
			op.HLC = hlcAt(time.Now().AddDate(1, 0, 0))
			return op
		})},
		// More of PROTOCOL.md's rules.
		{"foreign_identifier", protocol.CodeOutOfScope, storage.RuleForeignID, one(func(t *testing.T, e *hostileEnv, next uint64) *storage.Op {
			return e.a.op(next, storage.KindPerson, storage.ID{Origin: e.b.tag(), N: 1 << 20}, storage.EventRegister,
				change(t, storage.FieldFullName, "Giàng A Lử"), change(t, storage.FieldBirthDate, "01/02/1990"), change(t, storage.FieldSex, "Nam"),
				change(t, storage.FieldEthnicity, "H'Mông"), change(t, storage.FieldPermanentAddressCode, commune))
		})},
		{"other_device", protocol.CodeInvalidOperation, storage.RuleOtherDevice, one(func(t *testing.T, e *hostileEnv, next uint64) *storage.Op {
			op := e.correction(t, next)
			op.Device = storage.DeviceID(e.b.id)
			return op
		})},
		{"household_head", protocol.CodeForbidden, storage.RuleHouseholdHead, one(func(t *testing.T, e *hostileEnv, next uint64) *storage.Op {
			return e.a.op(next, storage.KindHousehold, e.hA[0], storage.EventCorrection, storage.Change{Field: uint8(storage.HouseholdHead), New: e.pA[1].String()})
		})},
		{"move_out_fields", protocol.CodeOutOfScope, storage.RuleMoveOutFields, one(func(t *testing.T, e *hostileEnv, next uint64) *storage.Op {
			return e.a.op(next, storage.KindPerson, e.pA[0], storage.EventMoveOut, change(t, storage.FieldPermanentAddressCode, communeB), change(t, storage.FieldOccupation, "Làm ruộng"))
		})},
		{"unknown_event", protocol.CodeInvalidOperation, storage.RuleUnknownEvent, one(func(t *testing.T, e *hostileEnv, next uint64) *storage.Op {
			op := e.correction(t, next)
			op.Event = 99
			return op
		})},
	}
}

// refusedBatches is how many batches the node's state machine refused
// since it started.
func refusedBatches(t *testing.T, n *daemon) float64 {
	t.Helper()
	v, err := n.metric(`communekit_batches_total{result="refused"}`)
	if err != nil && strings.HasPrefix(err.Error(), "no metric") {
		return 0 // none yet
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// pushBad pushes a bad batch to every node in turn (a follower forwards it
// to the leader), checks each answer with want, and returns the last.
func (e *hostileEnv) pushBad(t *testing.T, sealed []byte, seq uint64, want hostileCase, wantSeq uint64, wantRecord storage.ID) *protocol.Error {
	t.Helper()
	var last *protocol.Error
	for _, n := range e.c.running() {
		sent := time.Now()
		code, body, err := postRetry(n.url+protocol.PathPush, sealed)
		answered := time.Now()
		if err != nil {
			t.Fatalf("push of the bad batch to %s: %v", n.spec.ID, err)
		}
		var pe protocol.Error
		if err := json.Unmarshal(body, &pe); err != nil {
			t.Fatalf("push of the bad batch to %s: %d and not a protocol error: %s", n.spec.ID, code, body)
		}
		if n == e.c.nodes[0] {
			t.Logf("%s answers %d %s", n.spec.ID, code, body)
		}
		if why := e.checkRefusal(&pe, code, sealed, seq, want, wantSeq, wantRecord, sent, answered); why != "" {
			t.Fatalf("push of the bad batch to %s: %s; the answer: %d %s", n.spec.ID, why, code, body)
		}
		last = &pe
	}
	return last
}

// checkRefusal returns what is wrong with a refusal, or "".
func (e *hostileEnv) checkRefusal(pe *protocol.Error, status int, sealed []byte, seq uint64, want hostileCase, wantSeq uint64, wantRecord storage.ID, sent, answered time.Time) string {
	h := batch.Hash(sealed)
	switch {
	case pe.Code != want.code:
		return fmt.Sprintf("code %q, want %q", pe.Code, want.code)
	case status != protocol.Status(want.code):
		return fmt.Sprintf("status %d, want %d", status, protocol.Status(want.code))
	case pe.Message == "":
		return "no message"
	case !pe.Signed():
		return "the refusal is not signed"
	case pe.Verify(e.d.keys.Public(), nil) != nil:
		return "the refusal's signature does not verify with the district's key"
	case pe.District != e.d.keys.Public().KeyID:
		return fmt.Sprintf("district %q, want %q", pe.District, e.d.keys.Public().KeyID)
	case pe.Device != e.a.id || pe.Batch != seq || pe.Hash != hex.EncodeToString(h[:]):
		return fmt.Sprintf("it names batch %d (hash %s) of device %s, want batch %d (hash %x) of %s", pe.Batch, pe.Hash, pe.Device, seq, h, e.a.id)
	}
	// The district's time by which it judged the batch: the leader's
	// clock when the push came, or the time it wrote into the entry.
	judged := time.UnixMilli(pe.Time)
	if judged.Before(sent.Add(-2*time.Second)) || judged.After(answered.Add(2*time.Second)) {
		return fmt.Sprintf("time %s is not the district's time (the push went at %s, was answered at %s)", judged.Format(time.RFC3339Nano), sent.Format(time.RFC3339Nano), answered.Format(time.RFC3339Nano))
	}
	if want.code == protocol.CodeClockAhead && !e.committed && len(pe.Refused) == 0 {
		// The leader refuses the whole batch for being stamped ahead,
		// listing no operations (PROTOCOL.md).
		return ""
	}
	if len(pe.Refused) == 0 {
		return "no refused operation listed"
	}
	r := pe.Refused[0]
	switch {
	case r.Rule != want.rule:
		return fmt.Sprintf("operation %d is refused for rule %q, want %q", r.Seq, r.Rule, want.rule)
	case r.Seq != wantSeq:
		return fmt.Sprintf("the first refused operation is %d, want %d", r.Seq, wantSeq)
	case r.Record != wantRecord.String():
		return fmt.Sprintf("the refused operation names record %q, want %q", r.Record, wantRecord)
	case r.Message == "":
		return "the refused operation has no message"
	}
	return ""
}

// run pushes the case's bad batch, checks the refusal and that nothing
// changed, then lets b push and a push its next honest batch under the
// same number.
func (e *hostileEnv) run(t *testing.T, tc hostileCase) {
	st := e.a.chain(t)
	next := st.BatchedSeq + 1
	ops, wantSeq, wantRecord := tc.batch(t, e, next)
	sealed, seq := e.a.sealHostile(t, ops)
	nodes := e.c.running()
	before := converge(t, nodes...)
	refusedBefore := make([]float64, len(nodes))
	for i, n := range nodes {
		refusedBefore[i] = refusedBatches(t, n)
	}

	pe := e.pushBad(t, sealed, seq, tc, wantSeq, wantRecord)
	t.Logf("%s %s: %s", pe.Code, tc.rule, pe.Message)

	after := converge(t, nodes...)
	if after.Feed != before.Feed {
		t.Fatalf("the refused batch changed the feed: %d operations, %d before", after.Feed, before.Feed)
	}
	for i, n := range nodes {
		got := refusedBatches(t, n) - refusedBefore[i]
		switch {
		case !e.committed && got != 0:
			t.Fatalf("%s's state machine refused %v batches: the leader should have refused the bad batch before Raft", n.spec.ID, got)
		case e.committed && got != float64(len(nodes)):
			t.Fatalf("%s's state machine refused %v batches, want %d (the bad batch was pushed %d times)", n.spec.ID, got, len(nodes), len(nodes))
		}
		if r, code, err := n.receipt(e.a.id, seq); err != nil || code != http.StatusNotFound {
			t.Fatalf("%s holds the refused batch %d: %d %+v %v", n.spec.ID, seq, code, r, err)
		}
	}
	if e.committed {
		if after.AppliedIndex <= before.AppliedIndex {
			t.Fatalf("the bad batch was not committed (applied index %d, %d before)", after.AppliedIndex, before.AppliedIndex)
		}
	} else if after.AppliedIndex != before.AppliedIndex || after.Digest != before.Digest {
		t.Fatalf("a batch refused before Raft changed the state: applied %d digest %.16s…, before %d %.16s…", after.AppliedIndex, after.Digest, before.AppliedIndex, before.Digest)
	}
	if after.Digest != before.Digest && !e.digestMoved {
		// The entry's time is the node's "now" (storage counters), part
		// of the replicated state: it moves with every entry of batches.
		e.digestMoved = true
		t.Logf("the digest moved from %.16s… to %.16s… over the %d entries of the refused batch (feed %d unchanged)", before.Digest, after.Digest, after.AppliedIndex-before.AppliedIndex, after.Feed)
	}

	// Another commune's device goes on.
	e.b.edit(t, e.pB[0])
	e.pushHonest(t, e.b)

	// The hostile device's next honest batch: the same number, after the
	// batch the district last accepted, its operation numbered right
	// after the last one accepted.
	e.a.edit(t, e.pA[1])
	bs := e.pushHonest(t, e.a)
	if len(bs) != 1 || bs[0].N != seq || bs[0].FirstSeq != next || bs[0].Hash == batch.Hash(sealed) {
		t.Fatalf("the honest batch after the refusal is %d (operations %d–%d), want batch %d from operation %d", bs[0].N, bs[0].FirstSeq, bs[0].LastSeq, seq, next)
	}

	c := *e.c
	c.t = t // the cluster's helpers fail this subtest
	c.waitReady()
	final := c.converge()
	if final.Feed != after.Feed+2 {
		t.Fatalf("the feed holds %d operations after two honest ones, %d before", final.Feed, after.Feed)
	}
	checkHolds(t, e.receipts, nodes...)
	for _, n := range e.c.nodes {
		if !n.running() {
			t.Fatalf("%s stopped: %s", n.spec.ID, tail(n.log(), 20))
		}
	}
}

// checkLogs fails if a node's log says a bad batch got past the checks or
// stopped the node.
func checkLogs(t *testing.T, c *cluster) {
	t.Helper()
	for _, n := range c.nodes {
		log := n.log()
		for _, bad := range []string{"a check is missing", "cannot apply a committed entry", "panic:"} {
			if i := strings.Index(log, bad); i >= 0 {
				t.Errorf("%s's log: %s", n.spec.ID, log[max(0, i-300):min(len(log), i+500)])
			}
		}
	}
}

// TestHostileDevice: every rule of PROTOCOL.md's table, broken by a
// properly sealed and signed batch of an enrolled officer's device, is
// refused by the leader at once, and nothing else is disturbed.
func TestHostileDevice(t *testing.T) {
	start := time.Now()
	d := newDistrict(t, "Huyện Nậm Nhùn")
	c := newCluster(t, d, 3, fastRaft...)
	e := newHostileEnv(t, c, d, false)
	for _, tc := range hostileCases() {
		if !t.Run(tc.name, func(t *testing.T) { e.run(t, tc) }) {
			break // the next case starts from where this one leaves the device
		}
	}
	checkLogs(t, c)
	t.Logf("%d hostile batches refused in %s", len(hostileCases()), time.Since(start).Round(time.Millisecond))
}

// TestHostileDeviceCommitted: with the leader's early checks off, bad
// batches are committed to the Raft log, and every node's state machine
// refuses them alike (the same codes and rules, signed). Nodes restarted
// over a log holding them — one killed and its store lost, so that it
// applies the whole log again, one stopped while more were committed —
// replay it without stopping and agree with the third.
func TestHostileDeviceCommitted(t *testing.T) {
	start := time.Now()
	d := newDistrict(t, "Huyện Sin Hồ")
	specs := make([]nodeSpec, 3)
	for i := range specs {
		specs[i] = nodeSpec{ID: fmt.Sprintf("n%d", i+1), Env: []string{noPushCheck}}
	}
	c := startCluster(t, d, specs, fastRaft...)
	e := newHostileEnv(t, c, d, true)
	cases := map[string]hostileCase{}
	for _, tc := range hostileCases() {
		cases[tc.name] = tc
		if !t.Run(tc.name, func(t *testing.T) { e.run(t, tc) }) {
			t.FailNow()
		}
	}

	// One more bad batch, committed while a follower is down.
	leader := c.leader()
	var stopped, killed, kept *daemon
	for _, n := range c.nodes {
		switch {
		case n == leader:
			killed = n
		case stopped == nil:
			stopped = n
		default:
			kept = n
		}
	}
	if err := stopped.stop(); err != nil {
		t.Fatal(err)
	}
	t.Logf("stopped %s (SIGTERM)", stopped.spec.ID)
	tc := cases["decision"]
	ops, wantSeq, wantRecord := tc.batch(t, e, e.a.chain(t).BatchedSeq+1)
	sealed, seq := e.a.sealHostile(t, ops)
	e.pushBad(t, sealed, seq, tc, wantSeq, wantRecord)
	e.b.edit(t, e.pB[0])
	e.pushHonest(t, e.b)
	converge(t, killed, kept)
	refused := refusedBatches(t, kept)

	// The leader killed, and its store lost: restarted, it applies the
	// whole log again, the bad entries too.
	killed.kill()
	if err := os.RemoveAll(filepath.Join(killed.dir, "store")); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed %s (SIGKILL), the leader, and removed its store; %s refused %v batches in all", killed.spec.ID, kept.spec.ID, refused)
	restarted := time.Now()
	stopped.restart()
	killed.restart()
	c.waitReady()
	st := c.converge()
	t.Logf("%s and %s restarted and caught up in %s (applied index %d, feed %d)", stopped.spec.ID, killed.spec.ID, time.Since(restarted).Round(time.Millisecond), st.AppliedIndex, st.Feed)
	if got := refusedBatches(t, killed); got != refused {
		t.Fatalf("%s refused %v batches applying the log again, %s refused %v", killed.spec.ID, got, kept.spec.ID, refused)
	}
	got := refusedBatches(t, stopped)
	if got < 1 {
		t.Fatalf("%s refused %v batches catching up: the bad batch committed while it was down did not reach its state machine", stopped.spec.ID, got)
	}
	t.Logf("applying the log again, %s refused %v batches, as %s did; catching up, %s refused the %v committed while it was down", killed.spec.ID, refused, kept.spec.ID, stopped.spec.ID, got)
	checkHolds(t, e.receipts, c.nodes...)

	// Honest batches are accepted afterwards, the hostile device's too.
	e.a.edit(t, e.pA[1])
	bs := e.pushHonest(t, e.a)
	if bs[0].N != seq {
		t.Fatalf("the honest batch after the refusal is %d, want %d", bs[0].N, seq)
	}
	e.b.edit(t, e.pB[0])
	e.pushHonest(t, e.b)
	c.waitReady()
	c.converge()
	checkHolds(t, e.receipts, c.nodes...)
	for _, n := range c.nodes {
		if !n.running() {
			t.Fatalf("%s stopped: %s", n.spec.ID, tail(n.log(), 20))
		}
	}
	checkLogs(t, c)
	t.Logf("done in %s", time.Since(start).Round(time.Millisecond))
}

// TestHostileDeviceConcurrent: while honest devices push all the time, the
// hostile device pushes a batch breaking each rule, then its honest one.
// Every bad batch is refused as when it came alone, none reaches a state
// machine, the honest devices go on, and every node holds every batch
// acknowledged. The leader checks pushed batches while its state machine
// applies entries: run with -race, this shows whether the two share
// anything without a lock.
func TestHostileDeviceConcurrent(t *testing.T) {
	start := time.Now()
	d := newDistrict(t, "Huyện Mường Nhé")
	c := newCluster(t, d, 3, fastRaft...)
	e := newHostileEnv(t, c, d, false)

	var (
		mu       sync.Mutex
		receipts []*protocol.Receipt
	)
	keep := func(r *protocol.Receipt) {
		mu.Lock()
		receipts = append(receipts, r)
		mu.Unlock()
	}
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(receipts)
	}
	ctx, stopDevices := context.WithCancel(context.Background())
	defer stopDevices()
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	urls := c.urls()
	for i := 0; i < 2; i++ {
		dv := newDevice(t, d, fmt.Sprintf("Cán bộ trung thực %d", i+1))
		cfg := pushConfig{urls: append(append([]string{}, urls[i%3:]...), urls[:i%3]...)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if err := dv.add(2); err != nil {
					errs <- err
					return
				}
				if _, err := dv.seal(); err != nil {
					errs <- err
					return
				}
				if err := dv.pushAll(ctx, cfg, keep); err != nil && ctx.Err() == nil {
					errs <- fmt.Errorf("honest device %d: %w", i+1, err)
					return
				}
			}
		}()
	}
	waitFor(t, 30*time.Second, "the honest devices' first receipts", func() bool { return count() >= 8 })

	for _, tc := range hostileCases() {
		select {
		case err := <-errs:
			t.Fatal(err)
		default:
		}
		before := count()
		st := e.a.chain(t)
		ops, wantSeq, wantRecord := tc.batch(t, e, st.BatchedSeq+1)
		sealed, seq := e.a.sealHostile(t, ops)
		pe := e.pushBad(t, sealed, seq, tc, wantSeq, wantRecord)
		for _, n := range c.nodes {
			if r, code, err := n.receipt(e.a.id, seq); err != nil || code != http.StatusNotFound {
				t.Fatalf("%s: %s holds the refused batch %d: %d %+v %v", tc.name, n.spec.ID, seq, code, r, err)
			}
		}
		e.a.edit(t, e.pA[1])
		if bs := e.pushHonest(t, e.a); bs[0].N != seq {
			t.Fatalf("%s: the honest batch after the refusal is %d, want %d", tc.name, bs[0].N, seq)
		}
		t.Logf("%s: %s %s, then the honest batch %d accepted; %d receipts of honest devices meanwhile", tc.name, pe.Code, tc.rule, seq, count()-before)
	}
	stopDevices()
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	st := c.converge()
	mu.Lock()
	all := append(append([]*protocol.Receipt{}, receipts...), e.receipts...)
	mu.Unlock()
	checkHolds(t, all, c.nodes...)
	// The feed holds every acknowledged operation (and may hold more: the
	// district's own, such as conflict notices). That no refused operation
	// is among them is shown above: none reached a state machine.
	if ops := exactlyOnce(t, all); st.Feed < uint64(ops) {
		t.Fatalf("the feed holds %d operations, fewer than the %d of the acknowledged batches", st.Feed, ops)
	} else if st.Feed != uint64(ops) {
		t.Logf("the feed holds %d operations, the acknowledged batches %d", st.Feed, ops)
	}
	for _, n := range c.nodes {
		if v := refusedBatches(t, n); v != 0 {
			t.Fatalf("%s's state machine refused %v batches: the leader should have refused them all before Raft", n.spec.ID, v)
		}
	}
	c.waitReady()
	checkLogs(t, c)
	checkRaces(t, c)
	t.Logf("%d hostile batches refused among %d honest ones in %s", len(hostileCases()), len(all), time.Since(start).Round(time.Millisecond))
}

// checkRaces fails with the first report of each node's race detector.
func checkRaces(t *testing.T, c *cluster) {
	t.Helper()
	for _, n := range c.nodes {
		log := n.log()
		i := strings.Index(log, "WARNING: DATA RACE")
		if i < 0 {
			continue
		}
		report := log[i:]
		if j := strings.Index(report, "\n==================\n"); j >= 0 {
			report = report[:j]
		}
		t.Errorf("districtd %s: the race detector found a data race while the leader checked pushed batches and applied entries:\n%s", n.spec.ID, report)
	}
}
