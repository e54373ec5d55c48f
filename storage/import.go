package storage

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/communekit/communekit/storage/fold"
)

// ImportReport is the outcome of an import; its JSON form is the
// `kitctl import persons --json` contract.
type ImportReport struct {
	Imported   int        `json:"imported"`
	Rejected   []RowError `json:"rejected"`
	Households int        `json:"households_created"`
	DryRun     bool       `json:"dry_run,omitempty"`
}

// RowError is one problem of one rejected row.
type RowError struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ImportOptions tune ImportPersons.
type ImportOptions struct {
	DryRun   bool   // validate only, save nothing
	Lang     string // language of messages: "vi" (default) or "en"
	Reason   string // note kept in each record's history
	Chunk    int    // rows per transaction (500 when 0)
	Progress func(rows int)
}

// ErrBadCSV wraps problems with the file as a whole (not one row).
var ErrBadCSV = errors.New("cannot import this file")

// maxImportLine bounds one CSV record, so a file without line breaks
// cannot make the importer hold it all.
const maxImportLine = 64 << 10

// ImportPersons reads persons from CSV (header row with the column names of
// [Field]; see the README) and saves the valid rows in batched, durable
// transactions. Each rejected row is reported with its line, field and
// message; nothing saved before is changed. Rows are checked against each
// other as well as against the store: an ID number used twice, a second
// head for a household.
func (s *Store) ImportPersons(r io.Reader, o ImportOptions) (*ImportReport, error) {
	lang := o.Lang
	if lang == "" {
		lang = "vi"
	}
	chunk := o.Chunk
	if chunk <= 0 {
		chunk = 500
	}
	cr := csv.NewReader(&bomSkipper{r: r})
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%w: the file is empty; it needs a header row with column names such as full_name", ErrBadCSV)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCSV, err)
	}
	cols := make([]Field, len(header))
	var unknown []string
	have := map[Field]bool{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		f, ok := FieldByName(name)
		if !ok {
			unknown = append(unknown, fmt.Sprintf("%q", h))
			continue
		}
		if have[f] {
			return nil, fmt.Errorf("%w: column %q appears twice", ErrBadCSV, name)
		}
		have[f] = true
		cols[i] = f
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("%w: unknown column(s) %s in the header row; the column names are listed in the README (e.g. full_name, birth_date, sex)", ErrBadCSV, strings.Join(unknown, ", "))
	}
	for _, f := range []Field{FieldFullName, FieldBirthDate, FieldSex} {
		if !have[f] {
			return nil, fmt.Errorf("%w: the header row has no %q column, which every person needs", ErrBadCSV, f.String())
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil, ErrClosed
	}
	rep := &ImportReport{Rejected: []RowError{}, DryRun: o.DryRun}
	im := &importer{s: s, ctr: s.ctr, ids: map[string]int{}, hh: map[string]ID{}, heads: map[string]int{}}
	var pending []*writeSet
	var pendingRows int
	flush := func() error {
		if len(pending) == 0 || o.DryRun {
			pending, pendingRows = nil, 0
			return nil
		}
		if err := s.commitChunks(pending); err != nil {
			return fmt.Errorf("saving rows before line %d: %w (rows saved before this point are kept)", im.line, err)
		}
		rep.Imported += pendingRows
		pending, pendingRows = nil, 0
		if o.Progress != nil {
			o.Progress(rep.Imported)
		}
		return nil
	}
	txn := s.db.NewTransaction(false)
	defer func() { txn.Discard() }()
	for {
		rec, err := cr.Read()
		// FieldPos panics when the last Read returned no record.
		line := im.line
		if err == nil && len(rec) > 0 {
			line, _ = cr.FieldPos(0)
		}
		im.line = line
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rep.Rejected = append(rep.Rejected, RowError{Line: pe.Line, Field: "", Message: csvMessage(pe, lang)})
				if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
					continue
				}
				continue
			}
			return rep, fmt.Errorf("%w: line %d: %v", ErrBadCSV, line, err)
		}
		if rowLen(rec) > maxImportLine {
			rep.Rejected = append(rep.Rejected, RowError{Line: line, Message: "dòng quá dài / line too long"})
			continue
		}
		if len(rec) != len(header) {
			rep.Rejected = append(rep.Rejected, RowError{Line: line, Message: tr(lang,
				fmt.Sprintf("dòng có %d cột, tiêu đề có %d; kiểm tra dấu phẩy trong ô (đặt ô trong ngoặc kép)", len(rec), len(header)),
				fmt.Sprintf("row has %d columns, the header has %d; check for commas inside a cell (quote the cell)", len(rec), len(header)))})
			continue
		}
		if blank(rec) {
			continue
		}
		vals := make(Values, len(rec))
		for i, v := range rec {
			if v = strings.TrimSpace(v); v != "" {
				vals[cols[i]] = v
			}
		}
		ws, probs := im.row(txn, vals, o.Reason)
		if len(probs) > 0 {
			for _, p := range probs {
				rep.Rejected = append(rep.Rejected, RowError{Line: line, Field: p.Field.String(), Message: p.Message(lang)})
			}
			continue
		}
		pending = append(pending, ws)
		pendingRows++
		if pendingRows >= chunk {
			if err := flush(); err != nil {
				return rep, err
			}
			txn.Discard()
			txn = s.db.NewTransaction(false)
		}
	}
	if err := flush(); err != nil {
		return rep, err
	}
	if o.DryRun {
		rep.Imported = im.accepted
	}
	rep.Households = im.newHouseholds
	return rep, nil
}

// commitChunks commits write sets atomically, halving the group whenever it
// is too big for one Badger transaction.
func (s *Store) commitChunks(sets []*writeSet) error {
	err := s.commitBulk(sets, sets[len(sets)-1].ctrAfter)
	if errors.Is(err, badger.ErrTxnTooBig) && len(sets) > 1 {
		h := len(sets) / 2
		if err := s.commitChunks(sets[:h]); err != nil {
			return err
		}
		return s.commitChunks(sets[h:])
	}
	return err
}

type importer struct {
	s             *Store
	ctr           counters
	line          int
	accepted      int
	newHouseholds int
	ids           map[string]int // ID numbers seen in this file -> line
	hh            map[string]ID  // households created by this file (folded number)
	heads         map[string]int // households given a head by this file -> line
}

func (im *importer) row(txn *badger.Txn, vals Values, reason string) (*writeSet, Problems) {
	s := im.s
	ctr := im.ctr
	id := s.newID(&ctr)
	p, probs := s.prepareNew(id, vals)
	if len(probs) > 0 {
		return nil, probs
	}
	if n := p.Values[FieldIDNumber]; n != "" {
		if l, ok := im.ids[n]; ok {
			return nil, Problems{{Field: FieldIDNumber, Code: "id_taken",
				Vi: fmt.Sprintf("%s %s trùng với dòng %d của tệp", FieldIDNumber.Label("vi"), n, l),
				En: fmt.Sprintf("%s %s is the same as on line %d of the file", FieldIDNumber.Label("en"), n, l)}}
		}
		if other, ok := s.lookupIndex(txn, prefixIDNumber, n, ID{}); ok {
			return nil, Problems{{Field: FieldIDNumber, Code: "id_taken",
				Vi: fmt.Sprintf("%s %s đã thuộc về người có mã %s trong hồ sơ", FieldIDNumber.Label("vi"), n, other),
				En: fmt.Sprintf("%s %s already belongs to person %s in the store", FieldIDNumber.Label("en"), n, other)}}
		}
	}
	ws := &writeSet{}
	if num := p.Values[FieldHouseholdNumber]; num != "" {
		key := fold.Fold(num)
		if p.IsHead() {
			if l, ok := im.heads[key]; ok {
				return nil, Problems{{Field: FieldRelationshipToHead, Code: "second_head",
					Vi: fmt.Sprintf("Hộ %s đã có chủ hộ ở dòng %d; một hộ chỉ có một chủ hộ", num, l),
					En: fmt.Sprintf("Household %s already has a head on line %d; a household has exactly one head", num, l)}}
			}
			if other, ok := s.lookupIndexFilter(txn, prefixHHMember, key, ID{}, func(q *Person) bool { return q.IsHead() }); ok {
				return nil, Problems{{Field: FieldRelationshipToHead, Code: "second_head",
					Vi: fmt.Sprintf("Hộ %s đã có chủ hộ (%s); một hộ chỉ có một chủ hộ", num, other),
					En: fmt.Sprintf("Household %s already has a head (%s); a household has exactly one head", num, other)}}
			}
		}
		if _, ok := im.hh[key]; !ok {
			if _, err := txn.Get(hhNumberKey(key)); errors.Is(err, badger.ErrKeyNotFound) {
				s.stageNewHousehold(ws, &ctr, p)
				im.hh[key] = ws.hhNums[key]
				im.newHouseholds++
			} else {
				im.hh[key] = ID{}
			}
		}
		if p.IsHead() {
			im.heads[key] = im.line
		}
	}
	op := s.nextOp(&ctr, KindPerson, id, EventRegister, reason, changesFor(nil, p))
	if err := op.ApplyTo(p); err != nil {
		return nil, Problems{{Code: "internal", Vi: err.Error(), En: err.Error()}}
	}
	ws.ops = append([]*Op{op}, ws.ops...)
	ws.records = append([]recordChange{{newP: p}}, ws.records...)
	if n := p.Values[FieldIDNumber]; n != "" {
		im.ids[n] = im.line
	}
	ws.ctrAfter = ctr
	im.ctr = ctr
	im.accepted++
	return ws, nil
}

func tr(lang, vi, en string) string {
	if lang == "en" {
		return en
	}
	return vi
}

func csvMessage(pe *csv.ParseError, lang string) string {
	return tr(lang, "dòng không đọc được như CSV ("+pe.Err.Error()+"); kiểm tra dấu ngoặc kép",
		"row is not valid CSV ("+pe.Err.Error()+"); check the quotes")
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

func rowLen(rec []string) int {
	n := 0
	for _, v := range rec {
		n += len(v)
	}
	return n
}

// bomSkipper drops a UTF-8 byte-order mark at the start, as spreadsheet
// programs write one.
type bomSkipper struct {
	r    io.Reader
	done bool
}

func (b *bomSkipper) Read(p []byte) (int, error) {
	if b.done {
		return b.r.Read(p)
	}
	b.done = true
	var head [3]byte
	n, err := io.ReadFull(b.r, head[:])
	rest := head[:n]
	if bytes.Equal(rest, []byte{0xEF, 0xBB, 0xBF}) {
		rest = nil
	}
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return 0, err
	}
	b.r = io.MultiReader(bytes.NewReader(rest), b.r)
	return b.r.Read(p)
}
