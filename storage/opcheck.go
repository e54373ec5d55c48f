package storage

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Every operation that reaches a district is checked by its effect before
// it changes anything (DESIGN.md "Operations from other devices are checked
// by their effect"). The checks come in two parts:
//
//   - [CheckOp] looks at one operation alone: a known kind, event and
//     fields, each value valid and canonical, at most [MaxChanges] changes,
//     a field named once (but in a supervisor's resolution). It needs no
//     state and no clock.
//   - [Store.CheckBatch] and the state machine's apply (ApplyBatches) add
//     what needs the sender and the records as the district holds them:
//     sequence numbers that run on from the device's last accepted
//     operation, the officer of the signing certificate, and authority by
//     effect — which commune a change touches before and after, and which
//     changes only a supervisor may make.
//
// Both are deterministic: no clock (the time of a Raft entry is given),
// no randomness, no map order. A district node runs them when a push
// arrives (to refuse at once) and every node runs them again when it
// applies the entry, so a bad batch that was committed all the same is
// refused the same way everywhere. A device runs them before it seals, so
// an honest device is never refused.
//
// Rules that compare records with each other (the same ID number twice,
// parents younger than children, a household with two heads) or judge a
// record merged from two laptops' edits are not refusals: two honest
// officers' edits made at the same time must both be kept, as conflicts.

// Role is what the certificate of an operation's sender lets it do. The
// district's certificates (crypto/cert) name the same three roles.
type Role uint8

// Roles.
const (
	RoleOfficer Role = iota + 1
	RoleSupervisor
	RoleAdmin
)

func (r Role) String() string {
	switch r {
	case RoleOfficer:
		return "officer"
	case RoleSupervisor:
		return "supervisor"
	case RoleAdmin:
		return "admin"
	}
	return fmt.Sprintf("role(%d)", uint8(r))
}

// decides reports whether the role may choose between candidates, merge,
// retire and dismiss.
func (r Role) decides() bool { return r == RoleSupervisor || r == RoleAdmin }

// Sender is who signed a batch, as the district's certificate for the
// device says.
type Sender struct {
	Device   DeviceID
	Officer  string
	Role     Role
	Communes []string // sorted
}

// Covers reports whether commune is one of the sender's.
func (s *Sender) Covers(commune string) bool {
	_, ok := slices.BinarySearch(s.Communes, commune)
	return ok
}

// coversRecord reports whether a record of commune home (or, with none,
// of communes of record rc) is the sender's.
func (s *Sender) coversRecord(home string, rc []string) bool {
	if home != "" {
		return s.Covers(home)
	}
	return s.coversAny(rc)
}

// coversAny reports whether one of cs is the sender's.
func (s *Sender) coversAny(cs []string) bool {
	for _, c := range cs {
		if s.Covers(c) {
			return true
		}
	}
	return false
}

// Bounds of what one batch may ask of a district: checking and applying an
// operation on a record costs more the more operations the batch holds on
// it, so a batch holds at most MaxBatchOps operations and at most
// MaxRecordOps on one record. A device's sealer keeps to both.
const (
	MaxBatchOps  = 5000
	MaxRecordOps = 64
)

// RefusalClass says which protocol code a refused operation gets.
type RefusalClass uint8

// Classes of refusal.
const (
	// RefusedInvalid: the operation is malformed or a value is invalid
	// (invalid_operation). An honest device never sends one.
	RefusedInvalid RefusalClass = iota + 1
	// RefusedForbidden: only a supervisor (or administrator) may do what
	// the operation does (forbidden).
	RefusedForbidden
	// RefusedScope: the operation changes a record of a commune outside
	// the sender's certificate, before or after (out_of_scope).
	RefusedScope
	// RefusedOfficer: the operation names another officer than the
	// certificate's (wrong_officer).
	RefusedOfficer
	// RefusedClock: the operation is stamped more than a day after the
	// district's time (clock_ahead).
	RefusedClock
)

// Rules an operation can break: stable names, for the protocol, tests and
// the laptop that lists what was refused.
const (
	RuleSeqZero         = "sequence_zero"        // an operation numbered 0
	RuleSeqGap          = "sequence_gap"         // numbers that skip one
	RuleSeqReused       = "sequence_reused"      // a number already applied, sent again with other contents
	RuleOtherDevice     = "other_device"         // an operation of another device than the signer
	RuleUnknownKind     = "unknown_kind"         // not a person, household or decision
	RuleUnknownEvent    = "unknown_event"        // an event this version does not know
	RuleUnknownField    = "unknown_field"        // a field this version does not know
	RuleNoChanges       = "no_changes"           // an operation that changes nothing
	RuleTooManyChanges  = "too_many_changes"     // more than MaxChanges
	RuleInvalidValue    = "invalid_value"        // a value that is not valid, or not in its canonical form
	RuleIdentifier      = "invalid_identifier"   // a record identifier not of the form device tag-number
	RuleForeignID       = "foreign_identifier"   // a new record named with another device's tag
	RuleClock           = "invalid_clock"        // a zero clock, or a seen version without a device
	RuleDecision        = "invalid_decision"     // a decision not about two persons the district holds
	RuleChoose          = "choose_candidates"    // one field changed once per candidate: a choice between them
	RuleResolution      = "resolution"           // a resolution from an officer
	RuleDecide          = "decision"             // a merge or a not-the-same decision from an officer
	RuleHouseholdHead   = "household_head"       // a household's head set by decision, from an officer
	RuleOutOfScope      = "out_of_scope"         // a record of another commune, before or after the change
	RuleMoveOutFields   = "move_out_fields"      // a move out of the commune that changes more than the residence
	RuleOfficerName     = "officer_name"         // another officer's name
	RuleClockAhead      = "clock_ahead"          // stamped more than a day after the district's time
	RuleApply           = "cannot_apply"         // the state machine could not apply it (a check this version lacks)
	RuleTooManyOnRecord = "too_many_on_record"   // more than MaxRecordOps operations on one record in one batch
	RuleWithdrawnWith   = "withdrawn_with_batch" // (laptop) not refused itself: its record's creation was
)

// OpRefusal is why one operation of a batch is refused.
type OpRefusal struct {
	Seq     uint64       `json:"seq"`              // the operation's number on its device
	Record  string       `json:"record,omitempty"` // the record it changes
	Rule    string       `json:"rule"`
	Message string       `json:"message"` // English: what is wrong and what to do
	Class   RefusalClass `json:"-"`
}

func (r *OpRefusal) Error() string {
	return fmt.Sprintf("operation %d (%s): %s", r.Seq, r.Rule, r.Message)
}

func refuse(op *Op, class RefusalClass, rule, format string, a ...any) *OpRefusal {
	return &OpRefusal{Seq: op.Seq, Record: op.ID.String(), Rule: rule, Class: class, Message: fmt.Sprintf(format, a...)}
}

// residenceFields are what a move out of a commune may change: where the
// person lives and in which household.
var residenceFields = [numFields]bool{
	FieldPermanentAddressCode: true, FieldPermanentAddressDetail: true,
	FieldCurrentAddressCode: true, FieldCurrentAddressDetail: true,
	FieldTemporaryAddressCode: true, FieldTemporaryAddressDetail: true,
	FieldHouseholdNumber: true, FieldRelationshipToHead: true,
}

// CheckOp checks one operation on its own: known kind, event and fields,
// every new value valid and canonical, a field changed at most once (a
// resolution excepted, whose changes all set one value), a valid record
// identifier and clock. It reads no state and no clock. A nil result means
// the operation is well formed; whether its sender may make it is
// [Store.CheckBatch]'s question.
func CheckOp(op *Op) *OpRefusal {
	return checkOp(op, nil)
}

// valueMemo remembers values already found canonical for a field: a
// district entry repeats codes (ethnicity, communes, sex) thousands of
// times. Names and free text rarely repeat: remembering them would cost
// more than checking them again.
var coded = [numFields]bool{
	FieldSex: true, FieldEthnicity: true, FieldReligion: true, FieldNationality: true, FieldBloodType: true,
	FieldMaritalStatus: true, FieldStatus: true, FieldPermanentAddressCode: true, FieldCurrentAddressCode: true,
	FieldTemporaryAddressCode: true, FieldTemporaryAbsenceCode: true, FieldHometown: true,
	FieldBirthRegistrationPlace: true, FieldRelationshipToHead: true, FieldBirthDate: true, FieldIDIssuePlace: true,
}

type valueMemo struct {
	ok [numFields]map[string]struct{} // person fields (households' are not remembered)
	// tokens are words found canonical on their own, in names (0) and
	// in free text (1): names and addresses are new, their words are
	// not ("Nguyễn", "Thị", "Thôn").
	tokens [2]map[string]struct{}
}

// textClass is 0 for a name field, 1 for a field of free text, -1 for
// any other (coded, dates, numbers: a value is not its words).
func textClass(f Field) int {
	switch {
	case isNameField(f):
		return 0
	}
	switch f {
	case FieldPermanentAddressDetail, FieldTemporaryAddressDetail, FieldTemporaryAbsenceDetail, FieldCurrentAddressDetail,
		FieldHouseholdNumber, FieldIDIssuePlace, FieldOccupation:
		return 1
	}
	return -1
}

// canonicalByWords reports whether v, a value of name or free-text field
// f, is canonical because each of its words, one space apart, is: a
// space neither composes with its neighbours in NFC nor is a letter, so
// a name or a text whose words are canonical on their own is canonical
// whole, within its length. False means "not shown", not "not canonical".
func (m *valueMemo) canonicalByWords(f Field, v string) bool {
	cls := textClass(f)
	if m == nil || cls < 0 || v == "" || v[0] == ' ' || v[len(v)-1] == ' ' {
		return false
	}
	limit := maxTextLen
	if cls == 0 {
		limit = maxNameLen
	}
	if utf8.RuneCountInString(v) > limit {
		return false
	}
	if m.tokens[cls] == nil || len(m.tokens[cls]) >= maxValueMemo {
		m.tokens[cls] = make(map[string]struct{}, 256)
	}
	known := m.tokens[cls]
	for rest := v; rest != ""; {
		tok := rest
		if i := strings.IndexByte(rest, ' '); i >= 0 {
			tok, rest = rest[:i], rest[i+1:]
			if rest == "" {
				return false
			}
		} else {
			rest = ""
		}
		if tok == "" {
			return false
		}
		if _, ok := known[tok]; ok {
			continue
		}
		if got, p := Canonicalize(f, tok); p != nil || got != tok {
			return false
		}
		if len(tok) <= 64 {
			known[tok] = struct{}{}
		}
	}
	return true
}

// maxValueMemo bounds the values remembered per field.
const maxValueMemo = 1 << 12

func (m *valueMemo) known(k EntityKind, f uint8, v string) bool {
	if m == nil || k != KindPerson || int(f) >= len(m.ok) || m.ok[f] == nil {
		return false
	}
	_, ok := m.ok[f][v]
	return ok
}

func (m *valueMemo) add(k EntityKind, f uint8, v string) {
	if m == nil || k != KindPerson || int(f) >= len(m.ok) || !coded[f] || len(v) > 64 {
		return
	}
	if m.ok[f] == nil || len(m.ok[f]) >= maxValueMemo {
		m.ok[f] = make(map[string]struct{}, 64)
	}
	m.ok[f][v] = struct{}{}
}

func checkOp(op *Op, memo *valueMemo) *OpRefusal {
	if op.Seq == 0 {
		return refuse(op, RefusedInvalid, RuleSeqZero, "operation number 0: a device numbers its operations from 1")
	}
	if op.HLC == 0 {
		return refuse(op, RefusedInvalid, RuleClock, "operation %d has no clock reading", op.Seq)
	}
	if !validOrigin(op.ID.Origin) || op.ID.N == 0 {
		return refuse(op, RefusedInvalid, RuleIdentifier, "operation %d changes record %q, which is not an identifier of the form abcd2345-17", op.Seq, op.ID.String())
	}
	if op.Event < 1 || op.Event >= numEvents {
		return refuse(op, RefusedInvalid, RuleUnknownEvent, "operation %d has event %d, which this version does not know", op.Seq, op.Event)
	}
	if len(op.Changes) == 0 {
		return refuse(op, RefusedInvalid, RuleNoChanges, "operation %d changes nothing", op.Seq)
	}
	if len(op.Changes) > MaxChanges {
		return refuse(op, RefusedInvalid, RuleTooManyChanges, "operation %d has %d changes, more than %d", op.Seq, len(op.Changes), MaxChanges)
	}
	for i := range op.Changes {
		c := &op.Changes[i]
		if c.Seen.Device != "" && !c.Seen.Device.Valid() || c.Seen.Device == "" && c.Seen.HLC != 0 {
			return refuse(op, RefusedInvalid, RuleClock, "operation %d, change %d: the version it saw names device %q", op.Seq, i+1, c.Seen.Device)
		}
		if !utf8.ValidString(c.Old) {
			return refuse(op, RefusedInvalid, RuleInvalidValue, "operation %d, change %d: the old value is not UTF-8", op.Seq, i+1)
		}
	}
	switch op.Kind {
	case KindPerson:
		return checkPersonOp(op, memo)
	case KindHousehold:
		return checkHouseholdOp(op, memo)
	case KindDecision:
		return checkDecisionOp(op)
	case KindNotice:
		return refuse(op, RefusedInvalid, RuleUnknownKind, "operation %d is a conflict notice: only the district makes those", op.Seq)
	}
	return refuse(op, RefusedInvalid, RuleUnknownKind, "operation %d changes a %s, which this version does not know", op.Seq, op.Kind)
}

// validOrigin reports whether s is a device tag: 8 lowercase base32
// characters.
func validOrigin(s string) bool {
	if len(s) != 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '2' <= c && c <= '7') {
			return false
		}
	}
	return true
}

func checkPersonOp(op *Op, memo *valueMemo) *OpRefusal {
	var seen [numFields]int // 1 + index of the field's first change
	for i := range op.Changes {
		c := &op.Changes[i]
		f := Field(c.Field)
		if !f.Valid() {
			return refuse(op, RefusedInvalid, RuleUnknownField, "operation %d changes person field %d, which this version does not know", op.Seq, c.Field)
		}
		if first := seen[f]; first > 0 {
			// One change per candidate closes a field's conflict: only a
			// resolution may, and all its changes set the one value.
			if op.Event != EventResolution {
				return refuse(op, RefusedForbidden, RuleChoose, "operation %d changes %s %d times (once per candidate of a conflict): only a supervisor's resolution may choose between candidates", op.Seq, f, countField(op, f))
			}
			if op.Changes[first-1].New != c.New {
				return refuse(op, RefusedInvalid, RuleInvalidValue, "resolution %d sets %s to two values, %q and %q", op.Seq, f, op.Changes[first-1].New, c.New)
			}
			continue
		}
		seen[f] = i + 1
		if p := checkValue(KindPerson, c.Field, c.New, memo); p != "" {
			return refuse(op, RefusedInvalid, RuleInvalidValue, "operation %d: %s %q: %s", op.Seq, f, c.New, p)
		}
	}
	return nil
}

func countField(op *Op, f Field) int {
	n := 0
	for _, c := range op.Changes {
		if Field(c.Field) == f {
			n++
		}
	}
	return n
}

func checkHouseholdOp(op *Op, memo *valueMemo) *OpRefusal {
	var seen [numHouseholdFields]bool
	for i := range op.Changes {
		c := &op.Changes[i]
		f := HouseholdField(c.Field)
		if f < 1 || f >= numHouseholdFields {
			return refuse(op, RefusedInvalid, RuleUnknownField, "operation %d changes household field %d, which this version does not know", op.Seq, c.Field)
		}
		if seen[f] {
			return refuse(op, RefusedForbidden, RuleChoose, "operation %d changes household %s twice", op.Seq, f)
		}
		seen[f] = true
		if p := checkValue(KindHousehold, c.Field, c.New, memo); p != "" {
			return refuse(op, RefusedInvalid, RuleInvalidValue, "operation %d: household %s %q: %s", op.Seq, f, c.New, p)
		}
	}
	return nil
}

func checkDecisionOp(op *Op) *OpRefusal {
	if len(op.Changes) != 1 {
		return refuse(op, RefusedInvalid, RuleDecision, "decision %d has %d changes; a decision names one other person", op.Seq, len(op.Changes))
	}
	c := op.Changes[0]
	if d := DecisionKind(c.Field); d != DecisionDistinct && d != DecisionMerge {
		return refuse(op, RefusedInvalid, RuleDecision, "decision %d is of kind %d, which this version does not know", op.Seq, c.Field)
	}
	other, err := ParseID(c.New)
	if err != nil || other.String() != c.New {
		return refuse(op, RefusedInvalid, RuleDecision, "decision %d names %q, not a person's identifier", op.Seq, c.New)
	}
	if other == op.ID {
		return refuse(op, RefusedInvalid, RuleDecision, "decision %d names the same person twice", op.Seq)
	}
	return nil
}

// checkValue returns why v is not a valid canonical value of field f of a
// record of kind k, or "".
func checkValue(k EntityKind, f uint8, v string, memo *valueMemo) string {
	if v == "" {
		return "" // clearing a field: whether it is required is the record's question
	}
	if memo.known(k, f, v) || k == KindPerson && memo.canonicalByWords(Field(f), v) {
		return ""
	}
	var got string
	var p *Problem
	if k == KindHousehold {
		switch HouseholdField(f) {
		case HouseholdNumber:
			got, p = Canonicalize(FieldHouseholdNumber, v)
		case HouseholdAddressCode:
			got, p = Canonicalize(FieldPermanentAddressCode, v)
		case HouseholdAddressDetail:
			got, p = Canonicalize(FieldPermanentAddressDetail, v)
		case HouseholdHead:
			id, err := ParseID(v)
			if err != nil {
				return "not a person's identifier"
			}
			got = id.String()
		}
	} else {
		got, p = Canonicalize(Field(f), v)
	}
	if p != nil {
		return p.Message("en")
	}
	if got != v {
		return fmt.Sprintf("not in its canonical form (%q)", got)
	}
	memo.add(k, f, v)
	return ""
}
