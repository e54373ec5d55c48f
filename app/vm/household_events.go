package vm

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/fold"
)

// Household split (tách hộ) and merge (nhập hộ): events that move several
// persons between households at once. Both are saved with
// storage.Store.EditPersons, whole or not at all, so no household passes
// through a state with two heads or none.

// Places of the messages a split or merge screen shows beside its inputs;
// a member's relationship has its own (see [RelationshipSpot]).
const (
	SpotNumber  = "number"   // the new household's number (split)
	SpotMembers = "members"  // who moves (split)
	SpotNewHead = "new_head" // the new household's head (split)
	SpotOldHead = "old_head" // the old household's new head (split)
	SpotFrom    = "from"     // the household merged in (merge)
	SpotReason  = "reason"
)

// RelationshipSpot is where the message about a member's relationship to
// the head goes.
func RelationshipSpot(id storage.ID) string { return "rel:" + id.String() }

// Relationships are the usual answers to "relationship to the head", as
// the household books write them; the officer may type another.
var Relationships = []string{"Vợ", "Chồng", "Con", "Con dâu", "Con rể", "Cháu", "Cha", "Mẹ", "Ông", "Bà",
	"Anh", "Chị", "Em", "Cha vợ", "Mẹ vợ", "Cha chồng", "Mẹ chồng", "Người ở nhờ"}

// EventMember is one member as a split or merge screen lists them.
type EventMember struct {
	ID    storage.ID
	Name  string
	Line  string // "Sinh 1990 · Con"
	Birth string // "17/05/1990", "1990"
	// Relationship is the relationship to the head now; IsHead whether
	// the member is the head.
	Relationship string
	IsHead       bool
	// NewRelationship is the relationship the event gives, as typed.
	NewRelationship string
	Moves           bool // split: the member moves to the new household
}

// memberEvent is what a split and a merge share: relationships typed per
// member, the reason, and the messages.
type memberEvent struct {
	notifier
	tr    Tr
	store *storage.Store

	mu        sync.Mutex
	rel       map[storage.ID]string
	reason    string
	submitted bool // after a failed save, what is missing is flagged too
	probs     map[string]string
	message   string
	saved     bool
}

func newMemberEvent(tr Tr, store *storage.Store) memberEvent {
	return memberEvent{tr: tr, store: store, rel: map[storage.ID]string{}, probs: map[string]string{}}
}

// Problem returns the message at spot, or "".
func (e *memberEvent) Problem(spot string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.probs[spot]
}

// Message is the screen-wide message: why the save failed, or what was
// saved.
func (e *memberEvent) Message() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.message
}

// Saved reports whether the event was saved.
func (e *memberEvent) Saved() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.saved
}

// Reason is the note kept in the history of everyone the event changes.
func (e *memberEvent) Reason() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.reason
}

// failed puts a save's failure where the officer reads it.
func (e *memberEvent) failed(msg string) error {
	e.mu.Lock()
	e.message = msg
	e.mu.Unlock()
	e.changed()
	return errInvalid
}

// saveFailed says in words what the store refused.
func (e *memberEvent) saveFailed(err error) error {
	var ps storage.Problems
	switch {
	case errors.As(err, &ps):
		e.failed(e.tr.T("event.refused", ps.Message(e.tr.Lang())))
	case errors.Is(err, storage.ErrStale):
		e.failed(e.tr.T("event.stale"))
	case errors.Is(err, storage.ErrNothingChanged):
		e.failed(e.tr.T("form.nothing_changed"))
	default:
		e.failed(e.tr.T("form.save_failed", errText(e.tr, err)))
	}
	return err
}

// checkRelationship returns the problem with rel as the relationship of a
// member who is not the head, or "".
func (e *memberEvent) checkRelationship(rel string) string {
	rel = strings.TrimSpace(rel)
	switch {
	case rel == "":
		return e.tr.T("event.err.rel_required")
	case storage.IsHeadRelationship(rel):
		return e.tr.T("event.err.rel_head", storage.RelationshipHead)
	}
	if _, p := storage.Canonicalize(storage.FieldRelationshipToHead, rel); p != nil {
		return p.Message(e.tr.Lang())
	}
	return ""
}

// edit is the edit moving p into household number at an address, with a
// relationship; the versions seen are p's as read.
func moveEdit(p *storage.Person, number, rel, code, detail string) storage.PersonEdit {
	vals := storage.Values{storage.FieldHouseholdNumber: number, storage.FieldRelationshipToHead: rel}
	if code != "" {
		// The household's members share its address: the district keys a
		// household by its members' permanent commune and number.
		vals[storage.FieldPermanentAddressCode] = code
		vals[storage.FieldPermanentAddressDetail] = detail
	}
	return storage.PersonEdit{ID: p.ID, Values: vals, Seen: seenOf(p, vals)}
}

func seenOf(p *storage.Person, vals storage.Values) map[storage.Field]storage.Version {
	seen := make(map[storage.Field]storage.Version, len(vals))
	for f := range vals {
		seen[f] = p.Versions[f]
	}
	return seen
}

func (e *memberEvent) member(p *storage.Person) EventMember {
	birth := storage.DisplayValue(storage.FieldBirthDate, p.Get(storage.FieldBirthDate))
	line := e.tr.T("event.member_line", OrNone(e.tr, birth), OrNone(e.tr, p.Get(storage.FieldRelationshipToHead)))
	return EventMember{ID: p.ID, Name: p.FullName(), Line: line, Birth: birth, Relationship: p.Get(storage.FieldRelationshipToHead), IsHead: p.IsHead()}
}

// Split is the household split screen: the officer chooses who moves to a
// new household, its number and address, its head among them, and each
// one's relationship to that head. When the head of the old household
// moves, a member who stays becomes its head. Everyone moved gets the new
// household's number and address; the old household keeps the others.
type Split struct {
	memberEvent
	h       *storage.Household
	members []*storage.Person // the head first

	// under memberEvent.mu
	number, detail   string
	move             map[storage.ID]bool
	newHead, oldHead storage.ID
	suggested        string // the number suggested at opening
}

// NewSplit opens the split of household number, with a free number
// suggested for the new household.
func NewSplit(tr Tr, store *storage.Store, number string) (*Split, error) {
	h, err := store.HouseholdByNumber(number)
	if err != nil {
		return nil, err
	}
	ms, err := store.Members(h.Number)
	if err != nil {
		return nil, err
	}
	v := &Split{memberEvent: newMemberEvent(tr, store), h: h, members: ms, detail: h.AddressDetail, move: map[storage.ID]bool{}}
	v.number = SuggestNumber(store, h.Number)
	v.suggested = v.number
	v.check()
	return v, nil
}

// SuggestNumber proposes a free household number after the numbers like
// from: "0769-000123" gives one more than the highest "0769-…" held. It
// returns "" when from has no such form.
func SuggestNumber(store *storage.Store, from string) string {
	i := strings.LastIndexByte(from, '-')
	if i < 0 || i == len(from)-1 {
		return ""
	}
	prefix, width := from[:i+1], len(from)-i-1
	if _, err := strconv.Atoi(from[i+1:]); err != nil {
		return ""
	}
	hs, err := store.Households()
	if err != nil {
		return ""
	}
	high := 0
	for _, h := range hs {
		if !strings.HasPrefix(h.Number, prefix) {
			continue
		}
		if n, err := strconv.Atoi(h.Number[len(prefix):]); err == nil && n > high {
			high = n
		}
	}
	return fmt.Sprintf("%s%0*d", prefix, width, high+1)
}

// Title is the screen's heading.
func (v *Split) Title() string { return v.tr.T("split.title", v.h.Number) }

// Household is the household being split.
func (v *Split) Household() *storage.Household { return v.h }

// Members returns every member with what the officer chose for them.
func (v *Split) Members() []EventMember {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make([]EventMember, 0, len(v.members))
	for _, p := range v.members {
		m := v.member(p)
		m.Moves = v.move[p.ID]
		m.NewRelationship = v.rel[p.ID]
		out = append(out, m)
	}
	return out
}

// Number is the new household's number as typed.
func (v *Split) Number() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.number
}

// AddressDetail is the new household's address line as typed.
func (v *Split) AddressDetail() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.detail
}

// NewHead is the head chosen for the new household (zero: none yet).
func (v *Split) NewHead() storage.ID {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.newHead
}

// OldHead is the member who becomes head of the old household when its
// head moves (zero: none chosen).
func (v *Split) OldHead() storage.ID {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.oldHead
}

// HeadMoves reports whether the old household's head is among those who
// move: then a member who stays must become its head.
func (v *Split) HeadMoves() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.headMoves()
}

func (v *Split) headMoves() bool {
	for _, p := range v.members {
		if p.IsHead() && v.move[p.ID] {
			return true
		}
	}
	return false
}

// SetNumber sets the new household's number and checks it at once.
func (v *Split) SetNumber(s string) { v.set(func() { v.number = s }) }

// SetAddressDetail sets the new household's address line (hamlet, house
// number); the commune is the old household's.
func (v *Split) SetAddressDetail(s string) { v.set(func() { v.detail = s }) }

// SetMove chooses whether member id moves to the new household.
func (v *Split) SetMove(id storage.ID, moves bool) {
	v.set(func() {
		v.move[id] = moves
		if !moves && v.newHead == id {
			v.newHead = storage.ID{}
		}
		if moves && v.oldHead == id {
			v.oldHead = storage.ID{}
		}
		if moves && len(v.moving()) == 1 {
			v.newHead = id // one person moving is the new household's head
		}
		if v.headMoves() && len(v.moving()) == len(v.members)-1 {
			for _, p := range v.members {
				if !v.move[p.ID] {
					v.oldHead = p.ID // one person staying heads the old household
				}
			}
		}
	})
}

// SetNewHead chooses the new household's head among those who move.
func (v *Split) SetNewHead(id storage.ID) { v.set(func() { v.newHead = id }) }

// SetOldHead chooses who becomes head of the old household when its head
// moves.
func (v *Split) SetOldHead(id storage.ID) { v.set(func() { v.oldHead = id }) }

// SetRelationship sets a member's relationship to the head of the
// household they will be in.
func (v *Split) SetRelationship(id storage.ID, rel string) { v.set(func() { v.rel[id] = rel }) }

// SetReason sets the note kept in the history.
func (v *Split) SetReason(s string) { v.set(func() { v.reason = s }) }

func (v *Split) set(f func()) {
	v.mu.Lock()
	f()
	v.mu.Unlock()
	v.check()
	v.changed()
}

func (v *Split) moving() []*storage.Person {
	var out []*storage.Person
	for _, p := range v.members {
		if v.move[p.ID] {
			out = append(out, p)
		}
	}
	return out
}

// check recomputes the messages. What is missing is flagged only after a
// save was tried; what is wrong, at once.
func (v *Split) check() {
	v.mu.Lock()
	number, submitted := strings.TrimSpace(v.number), v.submitted
	v.mu.Unlock()
	probs := map[string]string{}
	if number != "" {
		if num, p := storage.Canonicalize(storage.FieldHouseholdNumber, number); p != nil {
			probs[SpotNumber] = p.Message(v.tr.Lang())
		} else if _, err := v.store.HouseholdByNumber(num); err == nil {
			probs[SpotNumber] = v.tr.T("split.err.number_taken", num)
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	moving := v.moving()
	if submitted {
		if number == "" {
			probs[SpotNumber] = v.tr.T("split.err.number_required")
		}
		switch {
		case len(moving) == 0:
			probs[SpotMembers] = v.tr.T("split.err.none")
		case len(moving) == len(v.members):
			probs[SpotMembers] = v.tr.T("split.err.all", v.h.Number)
		}
		if len(moving) > 0 && (v.newHead.IsZero() || !v.move[v.newHead]) {
			probs[SpotNewHead] = v.tr.T("split.err.new_head")
		}
		if v.headMoves() && len(moving) < len(v.members) && (v.oldHead.IsZero() || v.move[v.oldHead]) {
			probs[SpotOldHead] = v.tr.T("split.err.old_head", v.h.Number)
		}
		if strings.TrimSpace(v.reason) == "" {
			probs[SpotReason] = v.tr.T("form.reason_required")
		}
	}
	for _, p := range moving {
		if p.ID == v.newHead {
			continue
		}
		rel := v.rel[p.ID]
		if strings.TrimSpace(rel) == "" && !submitted {
			continue
		}
		if msg := v.checkRelationship(rel); msg != "" {
			probs[RelationshipSpot(p.ID)] = msg
		}
	}
	v.probs = probs
}

// Save checks the split and saves it as one event; on failure the
// messages say what to fix and nothing is saved.
func (v *Split) Save() error {
	if !v.Ready() {
		return errInvalid
	}
	v.mu.Lock()
	number, _ := storage.Canonicalize(storage.FieldHouseholdNumber, v.number)
	detail, code := strings.TrimSpace(v.detail), v.h.AddressCode
	var edits []storage.PersonEdit
	moving := v.moving()
	for _, p := range moving {
		if p.ID == v.newHead {
			edits = append([]storage.PersonEdit{moveEdit(p, number, storage.RelationshipHead, code, detail)}, edits...)
			continue
		}
		edits = append(edits, moveEdit(p, number, strings.TrimSpace(v.rel[p.ID]), code, detail))
	}
	if v.headMoves() {
		for _, p := range v.members {
			if p.ID == v.oldHead {
				vals := storage.Values{storage.FieldRelationshipToHead: storage.RelationshipHead}
				edits = append(edits, storage.PersonEdit{ID: p.ID, Values: vals, Seen: seenOf(p, vals)})
			}
		}
	}
	reason := strings.TrimSpace(v.reason)
	v.mu.Unlock()

	if _, err := v.store.EditPersons(edits, storage.SaveOptions{Event: storage.EventHouseholdSplit, Reason: reason}); err != nil {
		return v.saveFailed(err)
	}
	v.mu.Lock()
	v.saved = true
	v.message = v.tr.T("split.saved", len(moving), number)
	v.mu.Unlock()
	v.changed()
	return nil
}

// Merge is the household merge screen: every member of another household
// (B) moves into this one (A), with A's number and address. B's head gets
// a relationship to A's head that the officer chooses; the others keep
// theirs unless the officer changes it. B is left with no members.
type Merge struct {
	memberEvent
	into     *storage.Household
	intoHead *storage.Person // nil when A has not exactly one head
	intoOK   bool

	// under memberEvent.mu
	from        string
	fromH       *storage.Household
	fromMembers []*storage.Person
	choices     []HouseholdChoice // households matching what is typed
}

// NewMerge opens the merge of another household into household number.
func NewMerge(tr Tr, store *storage.Store, number string) (*Merge, error) {
	h, err := store.HouseholdByNumber(number)
	if err != nil {
		return nil, err
	}
	ms, err := store.Members(h.Number)
	if err != nil {
		return nil, err
	}
	v := &Merge{memberEvent: newMemberEvent(tr, store), into: h}
	if storage.CheckHouseholdHeads(ms) == nil {
		v.intoHead, v.intoOK = ms[0], true
	}
	v.check()
	return v, nil
}

// Title is the screen's heading.
func (v *Merge) Title() string { return v.tr.T("merge.title", v.into.Number) }

// Explain says what the merge does, naming A's head.
func (v *Merge) Explain() string {
	head := "—"
	if v.intoHead != nil {
		head = v.intoHead.FullName()
	}
	return v.tr.T("merge.explain", v.into.Number, head)
}

// Household is the household the others join.
func (v *Merge) Household() *storage.Household { return v.into }

// From is the number of the household merged in, as typed.
func (v *Merge) From() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.from
}

// FromSummary says which household was found: "Hộ 0769-000124, chủ hộ
// …, 3 người", or "" before one is.
func (v *Merge) FromSummary() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.fromH == nil || len(v.fromMembers) == 0 {
		return ""
	}
	head := "—"
	if v.fromMembers[0].IsHead() {
		head = v.fromMembers[0].FullName()
	}
	return v.tr.T("merge.found", v.fromH.Number, head, len(v.fromMembers), v.fromH.AddressDetail)
}

// SetFrom looks up the household to merge in by its number.
func (v *Merge) SetFrom(number string) {
	number = strings.TrimSpace(number)
	var h *storage.Household
	var ms []*storage.Person
	if number != "" && fold.Fold(number) != fold.Fold(v.into.Number) {
		if found, err := v.store.HouseholdByNumber(number); err == nil {
			h = found
			ms, _ = v.store.Members(found.Number)
		}
	}
	choices := v.findChoices(number)
	v.mu.Lock()
	same := h != nil && v.fromH != nil && h.ID == v.fromH.ID
	v.from, v.fromH, v.fromMembers, v.choices = number, h, ms, choices
	if !same {
		// Another household: the relationships typed were for others.
		v.rel = map[storage.ID]string{}
		for _, p := range ms {
			if !p.IsHead() {
				v.rel[p.ID] = p.Get(storage.FieldRelationshipToHead) // kept unless changed
			}
		}
	}
	v.mu.Unlock()
	v.check()
	v.changed()
}

// Members returns the members of the household merged in, with the
// relationship each will have to A's head.
func (v *Merge) Members() []EventMember {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make([]EventMember, 0, len(v.fromMembers))
	for _, p := range v.fromMembers {
		m := v.member(p)
		m.Moves = true
		m.NewRelationship = v.rel[p.ID]
		out = append(out, m)
	}
	return out
}

// SetRelationship sets a member's relationship to A's head.
func (v *Merge) SetRelationship(id storage.ID, rel string) {
	v.mu.Lock()
	v.rel[id] = rel
	v.mu.Unlock()
	v.check()
	v.changed()
}

// SetReason sets the note kept in the history.
func (v *Merge) SetReason(s string) {
	v.mu.Lock()
	v.reason = s
	v.mu.Unlock()
	v.check()
	v.changed()
}

func (v *Merge) check() {
	v.mu.Lock()
	defer v.mu.Unlock()
	probs := map[string]string{}
	switch {
	case v.from == "":
		if v.submitted {
			probs[SpotFrom] = v.tr.T("merge.err.from_required")
		}
	case fold.Fold(v.from) == fold.Fold(v.into.Number):
		probs[SpotFrom] = v.tr.T("merge.err.self", v.into.Number)
	case v.fromH == nil && len(v.choices) > 0:
		if v.submitted {
			probs[SpotFrom] = v.tr.T("merge.err.pick")
		}
	case v.fromH == nil:
		probs[SpotFrom] = v.tr.T("merge.err.not_found", v.from)
	case len(v.fromMembers) == 0:
		probs[SpotFrom] = v.tr.T("merge.err.empty", v.fromH.Number)
	}
	if !v.intoOK {
		probs[SpotFrom] = v.tr.T("merge.err.into_heads", v.into.Number)
	}
	for _, p := range v.fromMembers {
		rel := v.rel[p.ID]
		if strings.TrimSpace(rel) == "" && !v.submitted {
			continue
		}
		if msg := v.checkRelationship(rel); msg != "" {
			probs[RelationshipSpot(p.ID)] = msg
		}
	}
	if v.submitted && strings.TrimSpace(v.reason) == "" {
		probs[SpotReason] = v.tr.T("form.reason_required")
	}
	v.probs = probs
}

// Save checks the merge and saves it as one event; on failure nothing is
// saved.
func (v *Merge) Save() error {
	if !v.Ready() {
		return errInvalid
	}
	v.mu.Lock()
	var edits []storage.PersonEdit
	for _, p := range v.fromMembers {
		edits = append(edits, moveEdit(p, v.into.Number, strings.TrimSpace(v.rel[p.ID]), v.into.AddressCode, v.into.AddressDetail))
	}
	from, n, reason := v.fromH.Number, len(v.fromMembers), strings.TrimSpace(v.reason)
	v.mu.Unlock()

	if _, err := v.store.EditPersons(edits, storage.SaveOptions{Event: storage.EventHouseholdMerge, Reason: reason}); err != nil {
		return v.saveFailed(err)
	}
	v.mu.Lock()
	v.saved = true
	v.message = v.tr.T("merge.saved", n, from, v.into.Number)
	v.mu.Unlock()
	v.changed()
	return nil
}
