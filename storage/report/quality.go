package report

import (
	"hash/maphash"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/communekit/communekit/assets/i18n"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/fold"
	"github.com/communekit/communekit/storage/refdata"
)

// QualityOptions say which worklist to compute.
type QualityOptions struct {
	// At is the date ages are counted on; zero means today.
	At Date
	// Commune is the commune to check, or "" for every commune.
	Commune string
	// Hamlet keeps the persons and households of one hamlet only, as an
	// officer types it: with or without diacritics, with or without the
	// word that opens it ("Lũng Hòa" is "Thôn Lũng Hòa").
	Hamlet string
}

// The rules of the worklist: stable machine codes.
const (
	RuleIDMissing         = "id_missing"        // aged 14 or more, no ID number
	RuleIDSex             = "id_sex"            // the ID number's 4th digit says the other sex
	RuleIDCentury         = "id_century"        // the 4th digit says another century of birth
	RuleIDBirthYear       = "id_birth_year"     // digits 5-6 say another year of birth
	RuleIDProvince        = "id_province"       // digits 1-3 say another province of birth registration
	RuleMissingField      = "missing_field"     // a field the Law on Identification requires is empty
	RuleHouseholdNoHead   = "household_no_head" // a household with living members and no living head
	RuleHouseholdHeads    = "household_several_heads"
	RuleHouseholdUnknown  = "household_unknown"  // a household number no household record has
	RuleLinkUnknown       = "link_unknown"       // a parent's or spouse's ID number no record holds
	RuleProbableDuplicate = "probable_duplicate" // probably the same person as another of the commune
	RuleAlivePast110      = "alive_past_110"     // marked alive, aged 110 or more
)

// ruleOrder is the order items are listed in within a hamlet.
var ruleOrder = map[string]int{
	RuleMissingField: 1, RuleIDMissing: 2, RuleIDSex: 3, RuleIDCentury: 4, RuleIDBirthYear: 5, RuleIDProvince: 6,
	RuleHouseholdUnknown: 7, RuleLinkUnknown: 8, RuleProbableDuplicate: 9, RuleAlivePast110: 10,
	RuleHouseholdNoHead: 11, RuleHouseholdHeads: 12,
}

// Rules returns the rule codes in the order items are listed.
func Rules() []string {
	out := make([]string, 0, len(ruleOrder))
	for r := range ruleOrder {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return ruleOrder[out[i]] < ruleOrder[out[j]] })
	return out
}

// Item is one thing to correct: about a person (PersonID, the record to
// open) or a household (HouseholdNumber), in a hamlet, naming the field
// to correct, with the message [Item.Message] says in a language.
type Item struct {
	Rule            string `json:"rule"`
	PersonID        string `json:"person_id,omitempty"`
	HouseholdNumber string `json:"household_number,omitempty"`
	Name            string `json:"name,omitempty"`      // the person's full name
	IDNumber        string `json:"id_number,omitempty"` // the person's ID number, when recorded
	Commune         string `json:"commune"`
	Hamlet          string `json:"hamlet"`
	Field           string `json:"field"`
	Key             string `json:"-"` // the message's key in the bundles of assets/i18n
	Args            []any  `json:"-"` // and its arguments
	hamlet          int    // index into the pass's hamlets
}

// Message returns the item's message in lang: English for "en",
// Vietnamese otherwise (as storage.Problem does).
func (it *Item) Message(lang string) string {
	return i18n.T(lang, it.Key, it.Args...)
}

// FieldCompleteness is how many of the persons a required field applies
// to have it filled.
type FieldCompleteness struct {
	Field   string  `json:"field"`
	Filled  int     `json:"filled"`
	Of      int     `json:"of"`
	Percent float64 `json:"percent"`
}

// HamletQuality is a hamlet's share of the worklist: its persons, how
// many of their records are complete, the percentage of required values
// filled, and its items by rule.
type HamletQuality struct {
	Commune         string         `json:"commune"`
	Hamlet          string         `json:"hamlet"`
	Persons         int            `json:"persons"`
	CompleteRecords int            `json:"complete_records"`
	Percent         float64        `json:"percent"`
	Items           int            `json:"items"`
	ByRule          map[string]int `json:"by_rule"`
}

// Completeness sums up how complete the records are: over all persons
// checked, per required field and per hamlet.
type Completeness struct {
	Persons         int                 `json:"persons"`
	CompleteRecords int                 `json:"complete_records"`
	Percent         float64             `json:"percent"`
	Fields          []FieldCompleteness `json:"fields"`
	Hamlets         []HamletQuality     `json:"hamlets"`
}

// Worklist is the data-quality worklist.
type Worklist struct {
	ReferenceDate Date         `json:"reference_date"`
	Commune       string       `json:"commune"`
	Hamlet        string       `json:"hamlet,omitempty"`
	Items         []Item       `json:"items"`
	Completeness  Completeness `json:"completeness"`
}

// requiredField is a field the Law on Identification requires of every
// citizen's record; address is filled by the permanent or the current
// address, household only matters for permanent residents (a temporary
// resident's household is where they have their permanent residence).
type requiredField struct {
	field storage.Field
	key   string
}

var required = []requiredField{
	{storage.FieldFullName, "full_name"},
	{storage.FieldBirthDate, "birth_date"},
	{storage.FieldSex, "sex"},
	{storage.FieldEthnicity, "ethnicity"},
	{storage.FieldNationality, "nationality"},
	{storage.FieldBirthRegistrationPlace, "birth_registration_place"},
	{storage.FieldHometown, "hometown"},
	{storage.FieldPermanentAddressCode, "address"},
	{storage.FieldHouseholdNumber, "household_number"},
	{storage.FieldIDNumber, "id_number"}, // of persons aged 14 or more
}

const (
	reqAddress   = 7
	reqHousehold = 8
	reqID        = 9
)

// IDAge is the age from which a citizen must hold a personal ID card.
const IDAge = 14

// OldAge is the age at which a person still marked alive is listed.
const OldAge = 110

// idProvincesOf returns the ID province codes a birth registered at unit
// code may carry: those of the old province of the pre-2025 unit with the
// code, and of the old provinces that merged into the 2025 unit's province
// (the code space is shared, so a code may name one unit of each era).
// nil means the place says nothing (free text, unknown code).
var idProvinceCache sync.Map // code -> map[string]bool

func idProvincesOf(code string) map[string]bool {
	if len(code) != 5 {
		return nil
	}
	if v, ok := idProvinceCache.Load(code); ok {
		return v.(map[string]bool)
	}
	var set map[string]bool
	add := func(id string) {
		if set == nil {
			set = map[string]bool{}
		}
		set[id] = true
	}
	if c, ok := refdata.CommunePre2025(code); ok {
		for _, p := range refdata.IDProvinces() {
			if p.GSOCode == c.ProvinceCode {
				add(p.IDCode)
			}
		}
	}
	if c, ok := refdata.Commune2025(code); ok {
		for _, p := range refdata.IDProvincesFor2025(c.ProvinceCode) {
			add(p.IDCode)
		}
	}
	idProvinceCache.Store(code, set)
	return set
}

// idKey is an ID number (9 or 12 digits) as a number, for a set of them
// that costs no string per entry; ok is false for anything else.
func idKey(s string) (uint64, bool) {
	if len(s) != 9 && len(s) != storage.IDLength {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	// 9-digit and 12-digit numbers are told apart by a leading 1.
	if len(s) == 9 {
		n += 1e12
	}
	return n, err == nil
}

// dupInfo is a person in the duplicate test's buckets: two persons of one
// commune with the same folded name and birth date fall in one bucket
// (hash h), and are told apart from a collision by a second hash (check).
// Nothing of the record is kept: the few pairs found are read again and
// judged by the store's own test on the whole records.
type dupInfo struct {
	id     storage.ID
	check  uint64
	hamlet int32
	next   int32 // the previous person of the same bucket, or -1
}

var dupSeed, dupCheckSeed = maphash.MakeSeed(), maphash.MakeSeed()

// dupHash hashes a commune, a folded name and a birth date with seed.
func dupHash(seed maphash.Seed, commune, folded, born string) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	h.WriteString(commune)
	h.WriteByte(0)
	h.WriteString(folded)
	h.WriteByte(0)
	h.WriteString(born)
	return h.Sum64()
}

// Quality computes the data-quality worklist of o.Commune (or of all
// communes) from the records s holds: one pass over its persons and one
// over its households.
func Quality(s *storage.Store, o QualityOptions) (*Worklist, error) {
	at, _, _, err := resolveDates(s, o.At, Date{}, Date{})
	if err != nil {
		return nil, err
	}
	sc := scope{o.Commune}
	hs := newHamlets()
	hi, err := loadHouseholds(s, sc, hs)
	if err != nil {
		return nil, err
	}
	w := &Worklist{ReferenceDate: at, Commune: o.Commune, Hamlet: o.Hamlet, Items: []Item{}}
	hamletOK := map[int]bool{}
	inHamlet := func(i int) bool {
		if o.Hamlet == "" {
			return true
		}
		ok, seen := hamletOK[i]
		if !seen {
			name := ""
			if i >= 0 {
				name = hs.list[i].Name
			}
			ok = name != "" && matchHamlet(name, o.Hamlet)
			hamletOK[i] = ok
		}
		return ok
	}
	type hamletAcc struct {
		persons, complete, filled, of int
		byRule                        map[string]int
	}
	acc := map[int]*hamletAcc{}
	accOf := func(i int) *hamletAcc {
		a := acc[i]
		if a == nil {
			a = &hamletAcc{byRule: map[string]int{}}
			acc[i] = a
		}
		return a
	}
	filled, of := make([]int, len(required)), make([]int, len(required))
	n, _, err := s.Counts()
	if err != nil {
		return nil, err
	}
	held := make(map[uint64]struct{}, n) // every ID number (current, old) any record holds
	type pendingLink struct {
		item   Item
		num    uint64
		hamlet int
	}
	var links []pendingLink
	dups := make([]dupInfo, 0, n)
	dupHead := make(map[uint64]int32, n)
	var pairs [][2]int32 // same commune, folded name and birth date

	hamletName := func(i int) string {
		if i < 0 {
			return ""
		}
		return hs.list[i].Name
	}
	err = s.ScanPersons(func(p *storage.Person) error {
		for _, f := range [...]storage.Field{storage.FieldIDNumber, storage.FieldOldIDNumber} {
			if k, ok := idKey(p.Values[f]); ok {
				held[k] = struct{}{}
			}
		}
		in, residence, commune, hamlet := sc.place(p, hs)
		if !in {
			return nil
		}
		birth, _ := storage.ParseDate(p.Values[storage.FieldBirthDate])
		age, known := Age(birth, at)
		if !known && !birth.IsZero() {
			return nil // born after the reference date
		}
		alive, _ := living(p, at)
		if hh := hi.of(p); hh >= 0 {
			hi.member(hh, p, alive)
		}
		if !alive || !inHamlet(hamlet) {
			return nil
		}
		a := accOf(hamlet)
		a.persons++
		item := func(rule string, f storage.Field, m message) {
			w.Items = append(w.Items, Item{Rule: rule, PersonID: p.ID.String(), Name: p.FullName(), IDNumber: p.Values[storage.FieldIDNumber],
				Commune: commune, Hamlet: hamletName(hamlet), Field: f.String(), hamlet: hamlet}.with(m))
			a.byRule[rule]++
		}

		complete := personChecks(p, residence, birth, age, known, item, func(i int, has bool) {
			of[i]++
			a.of++
			if has {
				filled[i]++
				a.filled++
			}
		})
		if complete {
			a.complete++
		}

		// Sạch: household numbers and links that lead nowhere, duplicates.
		if num := p.Values[storage.FieldHouseholdNumber]; num != "" && hi.of(p) < 0 &&
			(sc.commune == "" || p.Values[storage.FieldPermanentAddressCode] == sc.commune) {
			f := storage.FieldHouseholdNumber
			item(RuleHouseholdUnknown, f, msgHouseholdUnknown(num))
		}
		for _, f := range [...]storage.Field{storage.FieldFatherIDNumber, storage.FieldMotherIDNumber, storage.FieldSpouseIDNumber} {
			v := p.Values[f]
			k, ok := idKey(v)
			if !ok {
				continue
			}
			links = append(links, pendingLink{Item{Rule: RuleLinkUnknown, PersonID: p.ID.String(), Name: p.FullName(), IDNumber: p.Values[storage.FieldIDNumber],
				Commune: commune, Hamlet: hamletName(hamlet), Field: f.String(), hamlet: hamlet}.with(msgLinkUnknown(f, v)), k, hamlet})
		}
		if name, born := p.Values[storage.FieldFullName], p.Values[storage.FieldBirthDate]; name != "" && born != "" {
			folded := fold.Fold(name)
			h := dupHash(dupSeed, commune, folded, born)
			d := dupInfo{id: p.ID, check: dupHash(dupCheckSeed, commune, folded, born), hamlet: int32(hamlet), next: -1}
			if prev, ok := dupHead[h]; ok {
				d.next = prev
				for j := prev; j >= 0; j = dups[j].next {
					if dups[j].check == d.check {
						pairs = append(pairs, [2]int32{j, int32(len(dups))})
					}
				}
			}
			dupHead[h] = int32(len(dups))
			dups = append(dups, d)
		}

		// Sống: the living who cannot be.
		if known && age >= OldAge {
			f := storage.FieldStatus
			item(RuleAlivePast110, f, msgAlivePast110(age))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Probable duplicates: the store's test on the whole records, one
	// item per pair, on the later record.
	flagged := map[int32]bool{}
	for _, pr := range pairs {
		if flagged[pr[1]] {
			continue
		}
		a, errA := s.Person(dups[pr[0]].id)
		b, errB := s.Person(dups[pr[1]].id)
		if errA != nil || errB != nil || a.ID == b.ID || !storage.ProbablySame(a, b) {
			continue
		}
		flagged[pr[1]] = true
		hm := int(dups[pr[1]].hamlet)
		w.Items = append(w.Items, Item{Rule: RuleProbableDuplicate, PersonID: b.ID.String(), Name: b.FullName(), IDNumber: b.Values[storage.FieldIDNumber],
			Commune: hs.list[hm].Commune, Hamlet: hamletName(hm), Field: storage.FieldFullName.String(), hamlet: hm}.with(msgProbableDuplicate(a.FullName(), a.ID.String())))
		accOf(hm).byRule[RuleProbableDuplicate]++
	}
	for _, l := range links {
		if _, ok := held[l.num]; ok {
			continue
		}
		w.Items = append(w.Items, l.item)
		accOf(l.hamlet).byRule[RuleLinkUnknown]++
	}

	// Households: one living head each.
	for i := range hi.list {
		h := &hi.list[i]
		if h.members == 0 || h.heads == 1 || !inHamlet(h.hamlet) {
			continue
		}
		it := Item{HouseholdNumber: h.number, Commune: h.commune, Hamlet: hamletName(h.hamlet), Field: storage.FieldRelationshipToHead.String(), hamlet: h.hamlet}
		if h.heads == 0 {
			it.Rule = RuleHouseholdNoHead
			it = it.with(msgHouseholdNoHead(h.number, h.members, h.deadHeads > 0))
		} else {
			it.Rule = RuleHouseholdHeads
			it = it.with(msgHouseholdHeads(h.number, h.heads))
		}
		w.Items = append(w.Items, it)
		accOf(h.hamlet).byRule[it.Rule]++
	}

	// Hamlet by hamlet (in name order, the persons of no named hamlet
	// last), rule by rule; within a rule in the order of the records,
	// which keeps a household's members together, as they are visited.
	rank := hs.ranks()
	sort.SliceStable(w.Items, func(i, j int) bool {
		a, b := &w.Items[i], &w.Items[j]
		if ra, rb := rank[a.hamlet], rank[b.hamlet]; ra != rb {
			return ra < rb
		}
		return ruleOrder[a.Rule] < ruleOrder[b.Rule]
	})

	c := &w.Completeness
	c.Fields = []FieldCompleteness{}
	c.Hamlets = []HamletQuality{}
	for i, r := range required {
		c.Fields = append(c.Fields, FieldCompleteness{Field: r.key, Filled: filled[i], Of: of[i], Percent: percent(filled[i], of[i])})
	}
	var cells, cellsOf int
	for i, a := range acc {
		q := HamletQuality{Commune: "", Hamlet: hamletName(i), Persons: a.persons, CompleteRecords: a.complete,
			Percent: percent(a.filled, a.of), ByRule: a.byRule}
		if i >= 0 {
			q.Commune = hs.list[i].Commune
		}
		for _, n := range a.byRule {
			q.Items += n
		}
		c.Persons += a.persons
		c.CompleteRecords += a.complete
		cells += a.filled
		cellsOf += a.of
		c.Hamlets = append(c.Hamlets, q)
	}
	c.Percent = percent(cells, cellsOf)
	sort.Slice(c.Hamlets, func(i, j int) bool {
		a, b := c.Hamlets[i], c.Hamlets[j]
		if a.Commune != b.Commune {
			return a.Commune < b.Commune
		}
		if a.Hamlet == "" || b.Hamlet == "" {
			return b.Hamlet == "" && a.Hamlet != ""
		}
		return fold.Fold(a.Hamlet) < fold.Fold(b.Hamlet)
	})
	return w, nil
}

// personChecks applies the rules about one record alone (the required
// fields, the ID number against the record) to p, living, tied to the
// commune as residence, born on birth and aged age (known: the age is).
// item receives each thing to correct, count each required field that
// applies with whether p has it. It reports whether p has every required
// field.
func personChecks(p *storage.Person, residence string, birth storage.PartialDate, age int, known bool,
	item func(rule string, f storage.Field, m message), count func(i int, has bool)) bool {
	// Đủ: the required fields.
	complete := true
	permanent := residence == ResidencePermanent || residence == ResidenceAbsent
	for i, r := range required {
		has := p.Values[r.field] != ""
		switch i {
		case reqAddress:
			has = has || p.Values[storage.FieldCurrentAddressCode] != ""
		case reqHousehold:
			if !permanent {
				continue
			}
		case reqID:
			if !known || age < IDAge {
				continue
			}
		}
		count(i, has)
		if has {
			continue
		}
		complete = false
		switch i {
		case reqID:
			item(RuleIDMissing, r.field, msgIDMissing(age, r.field))
		case reqAddress:
			item(RuleMissingField, r.field, msgAddressMissing())
		default:
			item(RuleMissingField, r.field, msgMissing(r.field))
		}
	}

	// Đúng: the ID number against the record.
	if id := p.Values[storage.FieldIDNumber]; id != "" {
		if info, err := storage.IDNumberInfo(id); err == nil {
			lid := storage.FieldIDNumber
			if sex := p.Values[storage.FieldSex]; sex != "" && sex != info.Sex {
				item(RuleIDSex, lid, msgIDSex(id, info.Sex, sex))
			}
			if !birth.IsZero() {
				if birth.Year/100*100 != info.Century {
					item(RuleIDCentury, lid, msgIDCentury(id, info.Century, birth.Year))
				} else if birth.Year%100 != info.YearDigits {
					item(RuleIDBirthYear, lid, msgIDBirthYear(id, info.BirthYear(), birth.Year))
				}
			}
			if set := idProvincesOf(p.Values[storage.FieldBirthRegistrationPlace]); set != nil && !set[info.ProvinceCode] {
				bp := storage.FieldBirthRegistrationPlace
				item(RuleIDProvince, lid, msgIDProvince(id, info.ProvinceCode, info.ProvinceName, placeName(p.Values[bp])))
			}
		}
	}
	return complete
}

// CheckPerson applies the worklist's rules about one record alone to p on
// date at (zero: today): the fields the Law on Identification requires
// and the ID number against the record. The rules that need the other
// records (households, links, duplicates) are not applied. A form calls it
// after a save to tell the officer what is still missing. A person who has
// died, or is born after at, has no items.
func CheckPerson(p *storage.Person, at Date) []Item {
	if at.IsZero() {
		at = DateOf(time.Now())
	}
	birth, _ := storage.ParseDate(p.Values[storage.FieldBirthDate])
	age, known := Age(birth, at)
	if !known && !birth.IsZero() {
		return nil
	}
	if alive, _ := living(p, at); !alive {
		return nil
	}
	_, residence, commune, _ := scope{}.place(p, newHamlets())
	var out []Item
	personChecks(p, residence, birth, age, known, func(rule string, f storage.Field, m message) {
		out = append(out, Item{Rule: rule, PersonID: p.ID.String(), Name: p.FullName(), IDNumber: p.Values[storage.FieldIDNumber],
			Commune: commune, Field: f.String(), hamlet: -1}.with(m))
	}, func(int, bool) {})
	return out
}

// percent is 100·n/of with one decimal, 100 when of is 0.
func percent(n, of int) float64 {
	if of == 0 {
		return 100
	}
	return math.Round(1000*float64(n)/float64(of)) / 10
}

// placeName names a unit code for a message.
func placeName(code string) string {
	if c, ok := refdata.Unit(code); ok {
		return c.FullName()
	}
	return code
}

// message is an item's message: its key in the bundles of assets/i18n
// and its arguments.
type message = i18n.Msg

// with returns it saying m.
func (it Item) with(m message) Item {
	it.Key, it.Args = m.Key, m.Args
	return it
}

// The arguments of the missing fields' messages, made once: one per
// field, shared by every item of it.
var missingArgs = func() [][]any {
	out := make([][]any, len(required))
	for i, r := range required {
		out[i] = []any{r.field}
	}
	return out
}()

func msgMissing(f storage.Field) message {
	for i, r := range required {
		if r.field == f {
			return message{Key: "problem.quality.missing", Args: missingArgs[i]}
		}
	}
	return i18n.M("problem.quality.missing", f)
}

func msgIDMissing(age int, _ storage.Field) message {
	return i18n.M("problem.quality.id_missing", age, IDAge)
}

func msgAddressMissing() message {
	return i18n.M("problem.quality.address_missing")
}

// sexWord says a stored sex in a message: the stored word in Vietnamese,
// its English label (lower case in the middle of a sentence) in English.
type sexWord struct {
	sex   string
	lower bool
}

func (w sexWord) Localize(lang string) string {
	if lang != "en" {
		return w.sex
	}
	s := Word(sexKey(w.sex), "en")
	if w.lower {
		s = strings.ToLower(s)
	}
	return s
}

// lowerLabel says a field by its label, in lower case in English: in the
// middle of a sentence.
type lowerLabel storage.Field

func (f lowerLabel) Localize(lang string) string {
	if lang != "en" {
		return storage.Field(f).Label(lang)
	}
	return strings.ToLower(storage.Field(f).Label(lang))
}

func msgIDSex(id, idSex, sex string) message {
	return i18n.M("problem.quality.id_sex", storage.FieldIDNumber, id, sexWord{idSex, false}, sexWord{sex, true})
}

func msgIDCentury(id string, century, year int) message {
	return i18n.M("problem.quality.id_century", storage.FieldIDNumber, id, century, century+99, year)
}

func msgIDBirthYear(id string, idYear, year int) message {
	return i18n.M("problem.quality.id_birth_year", storage.FieldIDNumber, id, idYear, year)
}

func msgIDProvince(id, code, province, place string) message {
	return i18n.M("problem.quality.id_province", storage.FieldIDNumber, id, code, province, lowerLabel(storage.FieldBirthRegistrationPlace), place)
}

func msgHouseholdUnknown(num string) message {
	return i18n.M("problem.quality.household_unknown", num)
}

func msgLinkUnknown(f storage.Field, v string) message {
	return i18n.M("problem.quality.link_unknown", f, v)
}

func msgAlivePast110(age int) message {
	return i18n.M("problem.quality.alive_past_110", age)
}

func msgProbableDuplicate(name, id string) message {
	return i18n.M("problem.quality.probable_duplicate", name, id)
}

func msgHouseholdNoHead(num string, members int, headDied bool) message {
	if headDied {
		return i18n.M("problem.quality.no_head.head_died", num, members, storage.RelationshipHead)
	}
	return i18n.M("problem.quality.no_head", num, members, storage.RelationshipHead)
}

func msgHouseholdHeads(num string, heads int) message {
	return i18n.M("problem.quality.heads", num, heads, storage.RelationshipHead)
}
