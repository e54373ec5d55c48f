package storage

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"golang.org/x/text/unicode/norm"

	"github.com/communekit/communekit/storage/refdata"
)

// Authority by effect (opcheck.go says why). Whatever an operation calls
// itself, a district asks what it does:
//
//   - which commune the record belongs to before the change and after it:
//     a person's permanent residence, else the current one, else the
//     temporary one; a household's address. A record with no address at
//     all belongs to the communes it was last of, or to the communes of
//     the device that created it:
//
//     Rc:<id16>   communes of a record without an address, "\x00"-joined
//
//     An officer's device may create and change records of the communes of
//     its certificate only, before and after the change. A move out is the
//     one way a record leaves a commune: recorded by an officer of the
//     commune it leaves, changing only where the person lives and in which
//     household; the commune it goes to then holds the record, and its
//     officers record the move in.
//
//   - what only a supervisor (or administrator) covering the record's
//     communes may do: a resolution (choosing between candidates, setting
//     a value over a conflict, dismissing), a decision (merge, not the
//     same person), a household's head set by decision. One change per
//     candidate of a field is a choice between them whatever its label
//     (CheckOp).
//
//   - the officer named on every operation is the certificate's.

// day is 24 hours in HLC units.
const dayHLC = HLC(24*60*60*1000) << 16

// home returns the commune a person's record belongs to by its
// addresses, or "".
func home(p *Person) string {
	for _, f := range [...]Field{FieldPermanentAddressCode, FieldCurrentAddressCode, FieldTemporaryAddressCode} {
		if c := p.Values[f]; c != "" {
			return c
		}
	}
	return ""
}

// personCommunes is the commune of p's addresses, as a list (nil: none).
func personCommunes(p *Person) []string {
	if c := home(p); c != "" {
		return []string{c}
	}
	return nil
}

func householdCommunes(h *Household) []string {
	if h.AddressCode != "" {
		return []string{h.AddressCode}
	}
	return nil
}

// communesOfRecord returns the Rc: communes of id (nil: none).
func (a *applier) communesOfRecord(id ID) ([]string, error) {
	if cs, ok := a.rc[id]; ok {
		return cs, nil
	}
	item, err := a.txn.Get(appendID([]byte(prefixCommunesOfRecord), id))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var cs []string
	err = item.Value(func(v []byte) error {
		if len(v) > 0 {
			cs = strings.Split(string(v), "\x00")
		}
		return nil
	})
	return cs, err
}

// keepCommunesOfRecord records the communes of a record that has no
// address after an operation of snd: those it had before, else (a new
// record, or one that never had an address) the sender's.
func (a *applier) keepCommunesOfRecord(id ID, before, after []string, snd *Sender) error {
	if len(after) > 0 {
		return nil
	}
	if len(before) > 0 {
		a.rc[id] = before
		return nil
	}
	held, err := a.communesOfRecord(id)
	if err != nil {
		return err
	}
	if len(held) == 0 && len(snd.Communes) > 0 {
		a.rc[id] = slices.Clone(snd.Communes)
	}
	return nil
}

// writeCommunesOfRecord writes the Rc: keys of the transaction, in key
// order.
func (a *applier) writeCommunesOfRecord() error {
	if len(a.rc) == 0 {
		return nil
	}
	keys := make([][]byte, 0, len(a.rc))
	vals := map[string]string{}
	for id, cs := range a.rc {
		k := appendID([]byte(prefixCommunesOfRecord), id)
		keys = append(keys, k)
		vals[string(k)] = strings.Join(cs, "\x00")
	}
	sort.Slice(keys, func(i, j int) bool { return bytes.Compare(keys[i], keys[j]) < 0 })
	for _, k := range keys {
		if err := a.txn.Set(k, []byte(vals[string(k)])); err != nil {
			return err
		}
	}
	return nil
}

// simKey names a record of the batch being checked: persons and
// households are kept apart, whatever identifiers an operation names.
type simKey struct {
	kind EntityKind
	id   ID
}

// simRecord is a record as the earlier operations of the batch being
// checked leave it, as far as its commune goes.
type simRecord struct {
	held bool       // the district holds it, or the batch created it
	addr addr       // a person's addresses
	h    *Household // a household
	rc   []string
	// multi marks the address fields the batch's operations left with
	// more than one head (bit i: addrFields[i]).
	multi uint8
}

// addr is what decides which commune a person belongs to: the codes of
// the permanent, current and temporary residence, with their versions.
type addr struct {
	v   [3]string
	ver [3]Version
}

var addrFields = [3]Field{FieldPermanentAddressCode, FieldCurrentAddressCode, FieldTemporaryAddressCode}

func addrOf(p *Person) addr {
	var x addr
	for i, f := range addrFields {
		x.v[i], x.ver[i] = p.Values[f], p.Versions[f]
	}
	return x
}

// home is the commune of the first address set, or "".
func (x *addr) home() string {
	for _, c := range x.v {
		if c != "" {
			return c
		}
	}
	return ""
}

// addrIndex is f's place in addrFields, or -1.
func addrIndex(f Field) int {
	switch f {
	case FieldPermanentAddressCode:
		return 0
	case FieldCurrentAddressCode:
		return 1
	case FieldTemporaryAddressCode:
		return 2
	}
	return -1
}

// communesOf is a record's commune: its address's, else its communes of
// record.
func communesOf(home string, rc []string) []string {
	if home != "" {
		return []string{home}
	}
	return rc
}

// CheckBatch runs the checks of a batch signed by snd, whose last
// accepted operation before it was number after, against the store as it
// is, at the district's time at (0: no clock check). It changes nothing:
// a district node's leader calls it when a push arrives, to refuse at
// once what the state machine would refuse.
func (s *Store) CheckBatch(snd *Sender, after uint64, ops []*Op, at HLC) ([]OpRefusal, error) {
	if s.db == nil {
		return nil, ErrClosed
	}
	txn := s.db.NewTransaction(false)
	defer txn.Discard()
	a := newApplier(s, txn, txn, ApplyOptions{Time: at}, counters{})
	return a.checkBatch(snd, after, ops)
}

// maxRefusals bounds the refusals one batch lists: a batch of thousands
// of bad operations is refused all the same, and an honest device's
// refusals are few.
const maxRefusals = 1000

// checkBatch checks every operation of a batch and returns the refusals,
// in order (none: the batch may be applied). An error is the disk's.
func (a *applier) checkBatch(snd *Sender, after uint64, ops []*Op) ([]OpRefusal, error) {
	var out []OpRefusal
	if snd.Device == NoticeDevice && len(ops) > 0 {
		return []OpRefusal{*refuse(ops[0], RefusedInvalid, RuleOtherDevice, "device %s is the district's notices': no device sends under it", NoticeDevice)}, nil
	}
	sim := map[simKey]*simRecord{}
	// The batch's operations on each record so far: a change that does
	// not see the current version is settled with them.
	onRecord := map[ID][]*Op{}
	for i, op := range ops {
		if len(out) == maxRefusals {
			break
		}
		if n := len(onRecord[op.ID]); n >= MaxRecordOps {
			if n == MaxRecordOps {
				out = append(out, *refuse(op, RefusedInvalid, RuleTooManyOnRecord, "operation %d is more than the %d operations on record %s one batch may hold: seal smaller batches", op.Seq, MaxRecordOps, op.ID))
				onRecord[op.ID] = append(onRecord[op.ID], op)
			}
			continue
		}
		r, err := a.checkOne(snd, after, after+uint64(i)+1, op, onRecord[op.ID], sim)
		onRecord[op.ID] = append(onRecord[op.ID], op)
		if err != nil {
			return nil, err
		}
		if r != nil {
			out = append(out, *r)
		}
	}
	return out, nil
}

// checkOne checks op, the next operation of a batch; earlier are the
// batch's operations before it on the same record.
func (a *applier) checkOne(snd *Sender, after, want uint64, op *Op, earlier []*Op, sim map[simKey]*simRecord) (*OpRefusal, error) {
	switch {
	case op.Device != snd.Device:
		return refuse(op, RefusedInvalid, RuleOtherDevice, "operation %d names device %s, the batch was signed by %s", op.Seq, op.Device, snd.Device), nil
	case op.Seq != 0 && op.Seq <= after:
		return refuse(op, RefusedInvalid, RuleSeqReused, "operation %d of device %s was applied already (the district holds operations up to %d): an applied operation is never replaced", op.Seq, op.Device, after), nil
	case op.Seq != 0 && op.Seq != want:
		return refuse(op, RefusedInvalid, RuleSeqGap, "operation %d comes where the district expects operation %d: operation numbers run on without a gap", op.Seq, want), nil
	case op.Officer != snd.Officer && strings.TrimSpace(norm.NFC.String(op.Officer)) != snd.Officer:
		// A certificate names the officer as a clean name (NFC, trimmed);
		// the profile may hold the name as it was typed.
		return refuse(op, RefusedOfficer, RuleOfficerName, "operation %d names officer %q; the device's certificate is %q's", op.Seq, op.Officer, snd.Officer), nil
	}
	if r := checkOp(op, &a.memo); r != nil {
		return r, nil
	}
	if op.Event == EventResolution && op.Kind != KindDecision && !snd.Role.decides() {
		return refuse(op, RefusedForbidden, RuleResolution, "operation %d is a resolution of a conflict on %s, and the device is enrolled as %s: only a supervisor may resolve conflicts", op.Seq, op.ID, snd.Role), nil
	}
	if a.o.Time != 0 && op.HLC > a.o.Time+dayHLC {
		return refuse(op, RefusedClock, RuleClockAhead, "operation %d is stamped %s, more than a day after the district's time %s: set the laptop's date and time", op.Seq, op.HLC.Time().Format("2006-01-02 15:04"), a.o.Time.Time().Format("2006-01-02 15:04")), nil
	}
	switch op.Kind {
	case KindPerson:
		return a.checkPersonAuthority(snd, op, earlier, sim)
	case KindHousehold:
		return a.checkHouseholdAuthority(snd, op, sim)
	case KindDecision:
		return a.checkDecisionAuthority(snd, op, sim)
	}
	return nil, nil
}

// personBefore returns a person as the batch's earlier operations leave
// them: held or not, their addresses and their communes of record.
func (a *applier) personBefore(id ID, sim map[simKey]*simRecord) (bool, addr, []string, error) {
	if sr, ok := sim[simKey{KindPerson, id}]; ok {
		return sr.held, sr.addr, sr.rc, nil
	}
	p, err := a.person(id)
	if err != nil || p == nil {
		return false, addr{}, nil, err
	}
	x := addrOf(p)
	if x.home() != "" {
		// A record with an address belongs to its commune: its Rc: key,
		// if any, is of a time it had none.
		return true, x, nil, nil
	}
	rc, err := a.communesOfRecord(id)
	return true, x, rc, err
}

func (a *applier) checkPersonAuthority(snd *Sender, op *Op, earlier []*Op, sim map[simKey]*simRecord) (*OpRefusal, error) {
	held, before, rc, err := a.personBefore(op.ID, sim)
	if err != nil {
		return nil, err
	}
	creating := !held
	if creating && op.ID.Origin != snd.Device.Tag() {
		return refuse(op, RefusedScope, RuleForeignID, "operation %d changes person %s, whom the district does not hold; a device creates records under its own tag (%s) only", op.Seq, op.ID, snd.Device.Tag()), nil
	}
	if creating {
		// One identifier names one record: not a person and a household.
		// (A household the district holds already is not looked up: a
		// read per new person, and a person under a household's
		// identifier changes nothing of the household.)
		if _, ok := sim[simKey{KindHousehold, op.ID}]; ok {
			return refuse(op, RefusedInvalid, RuleIdentifier, "operation %d creates person %s, the identifier of a household", op.Seq, op.ID), nil
		}
	}
	var multi uint8
	if prev := sim[simKey{KindPerson, op.ID}]; prev != nil {
		multi = prev.multi
	}
	after, multi, err := a.simulateAddr(before, op, earlier, multi, creating)
	if err != nil {
		return nil, err
	}
	// The commune before (a home, or communes of record) and after; a
	// record left without an address stays of the communes it had, a new
	// one without an address is of the sender's.
	wasHome, isHome := before.home(), after.home()
	wasRC, isRC := rc, []string(nil)
	if isHome == "" {
		switch {
		case !creating && (wasHome != "" || len(wasRC) > 0):
			isHome, isRC = wasHome, wasRC
		default:
			isRC = snd.Communes
		}
	}
	if op.Event == EventResolution && creating {
		return refuse(op, RefusedInvalid, RuleDecision, "resolution %d is about person %s, whom the district does not hold", op.Seq, op.ID), nil
	}
	if !creating && !snd.coversRecord(wasHome, wasRC) && !(wasHome == "" && len(wasRC) == 0 && op.ID.Origin == snd.Device.Tag()) {
		return refuse(op, RefusedScope, RuleOutOfScope, "operation %d changes person %s of commune %s, outside the device's communes %v", op.Seq, op.ID, communeList(communesOf(wasHome, wasRC)), snd.Communes), nil
	}
	if !snd.coversRecord(isHome, isRC) {
		is := communeList(communesOf(isHome, isRC))
		if op.Event != EventMoveOut || creating {
			return refuse(op, RefusedScope, RuleOutOfScope, "operation %d puts person %s in commune %s, outside the device's communes %v: a record leaves a commune by a move out", op.Seq, op.ID, is, snd.Communes), nil
		}
		for _, c := range op.Changes {
			if !residenceFields[c.Field] {
				return refuse(op, RefusedScope, RuleMoveOutFields, "move out %d of person %s to commune %s also changes %s: a move out changes where the person lives and the household only", op.Seq, op.ID, is, Field(c.Field)), nil
			}
		}
	}
	sr := &simRecord{held: true, addr: after, rc: rc, multi: multi}
	if after.home() == "" {
		sr.rc = communesOf(isHome, isRC)
	}
	sim[simKey{KindPerson, op.ID}] = sr
	return nil, nil
}

// simulateAddr applies op's address changes to x as the merge will: which
// commune a person belongs to after the operation is what the merge makes
// of it, not what the operation asks. A change that saw the field's
// current version, on a field with one head, replaces it; any other is
// settled from all the record's operations (the history, the entry's
// earlier batches, the batch's earlier operations on the record and op),
// which may leave another value showing. multi marks the fields left with
// several heads.
func (a *applier) simulateAddr(x addr, op *Op, earlier []*Op, multi uint8, creating bool) (addr, uint8, error) {
	v := op.Version()
	for _, c := range op.Changes {
		i := addrIndex(Field(c.Field))
		if i < 0 {
			continue
		}
		f := addrFields[i]
		fast := c.Seen == x.ver[i] && versionLess(x.ver[i], v) && multi&(1<<i) == 0
		if fast && !creating {
			m, ok := a.multi[fieldKey{op.ID, f}]
			if !ok {
				var err error
				if m, err = hasConflict(a.txn, op.ID, f); err != nil {
					return x, multi, err
				}
			}
			fast = !m
		}
		if fast {
			x.v[i], x.ver[i] = c.New, v
			continue
		}
		ops := slices.Clone(a.hist.extra[op.ID])
		for _, e := range earlier {
			if e.Kind == KindPerson {
				ops = append(ops, e)
			}
		}
		heads, err := fieldHeads(&history{txn: a.hist.txn, extra: map[ID][]*Op{op.ID: append(ops, op)}}, op.ID, f)
		if err != nil {
			return x, multi, err
		}
		if len(heads) == 0 {
			continue
		}
		top := heads[len(heads)-1]
		x.v[i], x.ver[i] = top.Value, top.Version
		if len(heads) > 1 {
			multi |= 1 << i
		}
	}
	return x, multi, nil
}

func communeList(cs []string) string {
	if len(cs) == 0 {
		return "(none)"
	}
	return strings.Join(cs, "+")
}

func (a *applier) checkHouseholdAuthority(snd *Sender, op *Op, sim map[simKey]*simRecord) (*OpRefusal, error) {
	var before *Household
	var rc []string
	if sr, ok := sim[simKey{KindHousehold, op.ID}]; ok {
		before, rc = sr.h, sr.rc
	} else {
		h, err := a.household(op.ID)
		if err != nil {
			return nil, err
		}
		if before = h; h != nil {
			if rc, err = a.communesOfRecord(op.ID); err != nil {
				return nil, err
			}
		}
	}
	creating := before == nil
	if creating && op.ID.Origin != snd.Device.Tag() {
		return refuse(op, RefusedScope, RuleForeignID, "operation %d changes household %s, which the district does not hold; a device creates records under its own tag (%s) only", op.Seq, op.ID, snd.Device.Tag()), nil
	}
	if creating {
		if _, ok := sim[simKey{KindPerson, op.ID}]; ok {
			return refuse(op, RefusedInvalid, RuleIdentifier, "operation %d creates household %s, the identifier of a person", op.Seq, op.ID), nil
		}
		if p, err := a.person(op.ID); err != nil {
			return nil, err
		} else if p != nil {
			return refuse(op, RefusedInvalid, RuleIdentifier, "operation %d creates household %s, the identifier of a person", op.Seq, op.ID), nil
		}
	}
	after := &Household{ID: op.ID}
	if !creating {
		cp := *before
		after = &cp
	}
	for _, c := range op.Changes {
		if HouseholdField(c.Field) == HouseholdHead && !snd.Role.decides() {
			return refuse(op, RefusedForbidden, RuleHouseholdHead, "operation %d sets the head of household %s by decision: only a supervisor may; an officer corrects the members' relationship to the head", op.Seq, op.ID), nil
		}
		if err := after.set(HouseholdField(c.Field), c.New); err != nil {
			return refuse(op, RefusedInvalid, RuleInvalidValue, "operation %d: %v", op.Seq, err), nil
		}
	}
	var was []string
	if !creating {
		if was = householdCommunes(before); was == nil {
			was = rc
		}
	}
	is := householdCommunes(after)
	switch {
	case is != nil:
	case !creating && was != nil:
		is = was
	default:
		is = snd.Communes
	}
	if !creating && !snd.coversAny(was) && !(was == nil && op.ID.Origin == snd.Device.Tag()) {
		return refuse(op, RefusedScope, RuleOutOfScope, "operation %d changes household %s of commune %s, outside the device's communes %v", op.Seq, op.ID, communeList(was), snd.Communes), nil
	}
	if !snd.coversAny(is) {
		return refuse(op, RefusedScope, RuleOutOfScope, "operation %d puts household %s in commune %s, outside the device's communes %v", op.Seq, op.ID, communeList(is), snd.Communes), nil
	}
	sr := &simRecord{held: true, h: after, rc: rc}
	if householdCommunes(after) == nil {
		sr.rc = is
	}
	sim[simKey{KindHousehold, op.ID}] = sr
	return nil, nil
}

func (a *applier) checkDecisionAuthority(snd *Sender, op *Op, sim map[simKey]*simRecord) (*OpRefusal, error) {
	if !snd.Role.decides() {
		return refuse(op, RefusedForbidden, RuleDecide, "operation %d decides whether %s and %s are one person, and the device is enrolled as %s: only a supervisor may merge or dismiss", op.Seq, op.ID, op.Changes[0].New, snd.Role), nil
	}
	other, _ := ParseID(op.Changes[0].New) // CheckOp parsed it
	for _, id := range []ID{op.ID, other} {
		held, x, rc, err := a.personBefore(id, sim)
		if err != nil {
			return nil, err
		}
		if !held {
			return refuse(op, RefusedInvalid, RuleDecision, "decision %d is about person %s, whom the district does not hold", op.Seq, id), nil
		}
		cs := communesOf(x.home(), rc)
		if !snd.coversAny(cs) {
			return refuse(op, RefusedScope, RuleOutOfScope, "decision %d is about person %s of commune %s, outside the supervisor's communes %v", op.Seq, id, communeList(cs), snd.Communes), nil
		}
	}
	return nil, nil
}

// String names a refusal class as the protocol's code does.
func (c RefusalClass) String() string {
	switch c {
	case RefusedInvalid:
		return "invalid_operation"
	case RefusedForbidden:
		return "forbidden"
	case RefusedScope:
		return "out_of_scope"
	case RefusedOfficer:
		return "wrong_officer"
	case RefusedClock:
		return "clock_ahead"
	}
	return fmt.Sprintf("class(%d)", uint8(c))
}

// deviceScope is the communes a commune device may change records of, as
// its certificate says (sorted), or nil when there is no limit (a device
// not enrolled yet, a district profile, an administrator's certificate).
func (s *Store) deviceScope() ([]string, error) {
	if s.profile.Kind != KindCommune {
		return nil, nil
	}
	// Before enrolment nothing is sent anywhere: the certificate decides.
	b, err := s.GetMeta(metaScope)
	if errors.Is(err, ErrNotFound) || err == nil && len(b) == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sc := strings.Split(string(b), ",")
	slices.Sort(sc)
	return sc, nil
}

// communeWords names a commune for an officer: its name and code.
func communeWords(code string) string {
	if u, ok := refdata.Commune2025(code); ok {
		return fmt.Sprintf("%s %s (%s)", u.Type, u.Name, code)
	}
	return code
}

// checkDeviceScope is the district's commune rule run where a change is
// made, so that an officer is told at once instead of the change being
// refused at the next sync: the record belongs to one of the device's
// communes before the change (old; nil for a new record) and after it
// (p), but for a move out, which changes only where the person lives and
// the household. A record with no address at all passes: its commune is
// the district's to know.
func checkDeviceScope(scope []string, old, p *Person, ev Event) Problems {
	if scope == nil {
		return nil
	}
	snd := &Sender{Communes: scope}
	if old != nil {
		if was := personCommunes(old); was != nil && !snd.coversAny(was) {
			c := communeWords(was[0])
			return Problems{problemOtherCommunesRecord(old.FullName(), c)}
		}
	}
	is := personCommunes(p)
	if is == nil || snd.coversAny(is) {
		return nil
	}
	c := communeWords(is[0])
	if ev != EventMoveOut || old == nil {
		return Problems{problemOutOfScope(c)}
	}
	for f := Field(1); f < numFields; f++ {
		if old.Values[f] != p.Values[f] && !residenceFields[f] {
			return Problems{problemMoveOutFields(f, c)}
		}
	}
	return nil
}

func problemOtherCommunesRecord(name, c string) Problem {
	return Problem{Field: FieldPermanentAddressCode, Code: "out_of_scope", Key: "problem.other_communes_record", Args: []any{name, c}}
}

func problemOutOfScope(c string) Problem {
	return Problem{Field: FieldPermanentAddressCode, Code: "out_of_scope", Key: "problem.out_of_scope", Args: []any{c}}
}

func problemMoveOutFields(f Field, c string) Problem {
	return Problem{Field: f, Code: "move_out_fields", Key: "problem.move_out_fields", Args: []any{c, f}}
}
