package storage

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/communekit/communekit/assets/i18n"
	"github.com/communekit/communekit/storage/fold"
)

// ImportReport is the outcome of an import; its JSON form is the
// `kitctl import persons --json` contract.
type ImportReport struct {
	Imported int        `json:"imported"`
	Rejected []RowError `json:"rejected"`
	// AlreadyPresent counts rows skipped because the profile already
	// holds that person (see importIdentity): importing a file again, or
	// again after an import was cut short, adds nobody twice.
	AlreadyPresent int  `json:"already_present"`
	Households     int  `json:"households_created"`
	DryRun         bool `json:"dry_run,omitempty"`
	// Columns says what each column of the file was read as.
	Columns []ImportColumn `json:"columns,omitempty"`
	// Cancelled is set when ImportOptions.Cancel stopped the import: the
	// rows counted in Imported are saved, the rest were not read.
	Cancelled bool `json:"cancelled,omitempty"`
}

// RowError is one problem of one rejected row.
type RowError struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ImportOptions tune ImportPersons and ImportFile.
type ImportOptions struct {
	DryRun   bool   // validate only, save nothing
	Lang     string // language of messages: "vi" (default) or "en"
	Reason   string // note kept in each record's history
	Chunk    int    // rows per transaction (500 when 0)
	Progress func(rows int)

	Sheet string      // the sheet of an .xlsx file to read ("" for the first)
	Map   []ColumnMap // columns mapped by hand (ParseColumnMap)
	// OnHeader is called once the header is read, with what each column
	// holds, before any row is checked.
	OnHeader func(cols []ImportColumn)
	// OnRefused is called with each rejected row: its line, its cells as
	// read (nil for a row that could not be read as CSV) and its problems.
	OnRefused func(line int, cells []string, problems []RowError)
	// Cancel, when closed, stops the import after the chunks being saved:
	// the report counts the rows saved, the rows not yet saved are left
	// for an import of the same file again (already_present skips the
	// others), and the error is ErrImportCancelled.
	Cancel <-chan struct{}
}

// ErrBadCSV wraps problems with the file as a whole (not one row), CSV or
// spreadsheet.
var ErrBadCSV = errors.New("cannot import this file")

// ErrImportCancelled is the error of an import stopped by
// ImportOptions.Cancel.
var ErrImportCancelled = errors.New("the import was cancelled")

// maxImportLine bounds one CSV record (its bytes up to the line break that
// ends it), so a file without line breaks, or with a quote never closed,
// cannot make the importer hold it all: recordLimiter refuses such a
// record before reading past the bound.
const maxImportLine = 64 << 10

// ImportPersons reads persons from CSV (a header row naming the columns,
// see the README and FieldByHeader) and saves the valid rows in batched,
// durable transactions. Each rejected row is reported with its line,
// field and message; nothing saved before is changed.
//
// A row is checked as adding that person by hand checks it (the values,
// the record as a whole, the device's communes) and against the others,
// in the store and in the file alike, whatever their order: an ID number
// held by someone else, a second head for a household, a parent (named by
// father_id_number or mother_id_number, in the store or on any row of the
// file) not at least 12 years older, and, for a row whose ID number
// children in the store name as a parent's, the same the other way round.
// The file is read twice for this: first the ID numbers, names and birth
// dates of its rows (a compact index), then each row to check and save.
// A reader that cannot seek is held in memory (at most 256 MB).
func (s *Store) ImportPersons(r io.Reader, o ImportOptions) (*ImportReport, error) {
	src, err := csvSourceOf(r)
	if err != nil {
		return nil, err
	}
	return s.importRows(src, o)
}

// openPlanned opens src and reads its header.
func openPlanned(src importSource, o ImportOptions, lang string) (*headerPlan, rowReader, error) {
	rr, err := src.open()
	if err != nil {
		return nil, nil, err
	}
	plan, rows, _, err := readHeader(rr, o.Map)
	if err != nil {
		rr.close()
		var long *longRecordError
		if errors.As(err, &long) {
			return nil, nil, &importStopped{long: long, lang: lang, header: true}
		}
		return nil, nil, err
	}
	return plan, rows, nil
}

// fileHolder is a row of the file holding an ID number: what a row that
// names it as a parent's is checked against.
type fileHolder struct {
	line        int
	name, birth string
}

// indexParents reads the file's rows once for the ID numbers (current
// and old) on them, each with the first row that holds it.
func indexParents(src importSource, o ImportOptions, lang string) (map[string]fileHolder, error) {
	plan, rows, err := openPlanned(src, o, lang)
	if err != nil {
		return nil, err
	}
	defer rows.close()
	col := map[Field]int{}
	for i, f := range plan.cols {
		if f != skipField {
			col[f] = i
		}
	}
	cell := func(rec []string, f Field) string {
		if i, ok := col[f]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	idx := map[string]fileHolder{}
	for {
		rec, line, err := rows.next()
		if err == io.EOF {
			return idx, nil
		}
		if err != nil {
			var re *rowError
			if errors.As(err, &re) {
				continue
			}
			var long *longRecordError
			if errors.As(err, &long) {
				return idx, nil // the import stops there, saying so
			}
			return nil, err
		}
		var h fileHolder
		for _, f := range []Field{FieldIDNumber, FieldOldIDNumber} {
			raw := cell(rec, f)
			if raw == "" {
				continue
			}
			n, prob := Canonicalize(f, raw)
			if prob != nil || n == "" {
				continue
			}
			if _, ok := idx[n]; ok {
				continue
			}
			if h.line == 0 {
				h = fileHolder{line: line, name: cell(rec, FieldFullName)}
				if d, prob := Canonicalize(FieldBirthDate, cell(rec, FieldBirthDate)); prob == nil {
					h.birth = d
				}
			}
			idx[n] = h
		}
	}
}

// importRows is the import of ImportPersons and ImportFile.
func (s *Store) importRows(src importSource, o ImportOptions) (rep *ImportReport, err error) {
	lang := o.Lang
	if lang == "" {
		lang = "vi"
	}
	chunk := o.Chunk
	if chunk <= 0 {
		chunk = 500
	}
	if d, ok := src.(interface{ done() }); ok {
		defer d.done()
	}
	plan, rows, err := openPlanned(src, o, lang)
	if err != nil {
		return nil, err
	}
	var fileIDs map[string]fileHolder
	for _, f := range plan.cols {
		if f == FieldFatherIDNumber || f == FieldMotherIDNumber {
			rows.close()
			if fileIDs, err = indexParents(src, o, lang); err != nil {
				return nil, err
			}
			if plan, rows, err = openPlanned(src, o, lang); err != nil {
				return nil, err
			}
			break
		}
	}
	if l, ok := src.(interface{ last() }); ok {
		l.last() // no more reading again: nothing more to keep
	}
	defer rows.close()
	if o.OnHeader != nil {
		o.OnHeader(plan.columns)
	}
	cols := plan.cols

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil, ErrClosed
	}
	rep = &ImportReport{Rejected: []RowError{}, DryRun: o.DryRun, Columns: plan.columns}
	im := &importer{s: s, ctr: s.ctr, ids: map[string]int{}, hh: map[string]ID{}, heads: map[string]int{}, filePersons: map[string]int{}, fileIDs: fileIDs}
	if im.scope, err = s.deviceScope(); err != nil {
		return nil, err
	}
	cc, err := im.loadStoreKeys()
	if err != nil {
		return nil, err
	}
	reject := func(line int, cells []string, errs []RowError) {
		rep.Rejected = append(rep.Rejected, errs...)
		if o.OnRefused != nil {
			o.OnRefused(line, cells, errs)
		}
	}
	var pending []*writeSet
	var pendingRows int
	// Chunks commit in the background while the next ones are read and
	// validated. A chunk's keys are prepared (encoded, indexed) as soon as
	// it is full, while the chunk before it is still being written; its
	// commit starts only once that one is done, so chunks land in order and
	// each is durable before it is counted as imported.
	type inflight struct {
		done chan struct{} // closed when the chunk is committed or given up
		err  error         // set before done is closed
		rows int
		line int
	}
	errEarlier := errors.New("an earlier chunk failed")
	var queue []*inflight
	maxSets := 0 // write sets per transaction once one proved too big
	wait := func() error {
		if len(queue) == 0 {
			return nil
		}
		f := queue[0]
		queue = queue[1:]
		<-f.done
		if f.err != nil {
			return fmt.Errorf("saving rows before line %d: %w (rows saved before this point are kept)", f.line, f.err)
		}
		rep.Imported += f.rows
		if o.Progress != nil {
			o.Progress(rep.Imported)
		}
		return nil
	}
	defer func() {
		for len(queue) > 0 {
			if werr := wait(); werr != nil && err == nil {
				err = werr
			}
		}
	}()
	flush := func() error {
		if len(pending) == 0 || o.DryRun {
			pending, pendingRows = nil, 0
			return nil
		}
		// At most one chunk being written and one being prepared.
		for len(queue) >= 2 {
			if err := wait(); err != nil {
				return err
			}
		}
		var prev *inflight
		if len(queue) > 0 {
			prev = queue[len(queue)-1]
		}
		f := &inflight{done: make(chan struct{}), rows: pendingRows, line: im.line}
		sets := pending
		go func() {
			defer close(f.done)
			// About ten keys per person, and its operation.
			pc := &preparedChunk{sets: sets, ops: make([]kvOp, 0, 11*len(sets))}
			var perr error
			for _, ws := range sets {
				if pc.ops, pc.cnt, pc.born, perr = prepareSet(pc.ops, pc.cnt, pc.born, ws); perr != nil {
					break
				}
				pc.opEnd = append(pc.opEnd, len(pc.ops))
				pc.cntEnd = append(pc.cntEnd, len(pc.cnt))
				pc.bornEnd = append(pc.bornEnd, len(pc.born))
			}
			if prev != nil {
				<-prev.done
				if prev.err != nil {
					f.err = errEarlier
					return
				}
			}
			if perr != nil {
				f.err = perr
				return
			}
			f.err = s.commitImportChunk(pc, cc, &maxSets)
		}()
		queue = append(queue, f)
		pending, pendingRows = nil, 0
		return nil
	}
	finish := func() error {
		for len(queue) > 0 {
			if err := wait(); err != nil {
				return err
			}
		}
		if o.DryRun {
			rep.Imported = im.accepted
		}
		rep.Households = im.newHouseholds
		return nil
	}
	// One read transaction for the whole import: rows are checked against
	// what the store held when the import began (the maps above) and
	// against each other; nothing the import writes is read back through
	// it. A new transaction per chunk would wait, in Badger, for the chunk
	// being written to be durable before the next rows could be read.
	txn := s.db.NewTransaction(false)
	defer txn.Discard()
	for {
		if o.Cancel != nil {
			select {
			case <-o.Cancel:
				// The chunks being saved finish; the rows read since
				// are not saved.
				pending, pendingRows = nil, 0
				if err := finish(); err != nil {
					return rep, err
				}
				if o.DryRun {
					rep.Imported = im.accepted
				}
				rep.Cancelled = true
				return rep, ErrImportCancelled
			default:
			}
		}
		rec, line, err := rows.next()
		if err == nil || line > 0 {
			im.line = line
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			var re *rowError
			if errors.As(err, &re) {
				reject(re.line, nil, []RowError{{Line: re.line, Message: re.msg(lang)}})
				continue
			}
			var long *longRecordError
			if errors.As(err, &long) {
				// The rest of the file cannot be read: the rows before
				// this record are saved (or, in a dry run, counted) and
				// the import stops, saying where and what to do.
				stop := &importStopped{long: long, lang: lang, dryRun: o.DryRun}
				reject(long.Line, nil, []RowError{{Line: long.Line, Message: stop.message()}})
				if err := flush(); err != nil {
					return rep, err
				}
				if err := finish(); err != nil {
					return rep, err
				}
				return rep, stop
			}
			return rep, err
		}
		line = im.line
		if blank(rec) {
			continue
		}
		if rows.strict() && len(rec) != plan.width {
			reject(line, trimCells(rec), []RowError{{Line: line, Message: rowWidthMessage(lang, len(rec), plan.width)}})
			continue
		}
		if c := unnamedValue(plan, rec); c >= 0 {
			reject(line, trimCells(rec), []RowError{{Line: line, Message: unnamedValueMessage(lang, strings.TrimSpace(rec[c]), c)}})
			continue
		}
		ws, probs := im.row(txn, cols, rec, o.Reason)
		if ws == nil && len(probs) == 0 {
			rep.AlreadyPresent++
			continue
		}
		if len(probs) > 0 {
			errs := make([]RowError, len(probs))
			for i, p := range probs {
				errs[i] = RowError{Line: line, Field: p.Field.String(), Message: p.Message(lang)}
			}
			reject(line, trimCells(rec), errs)
			continue
		}
		pending = append(pending, ws)
		pendingRows++
		if pendingRows >= chunk {
			if err := flush(); err != nil {
				return rep, err
			}
		}
	}
	if err := flush(); err != nil {
		return rep, err
	}
	return rep, finish()
}

// unnamedValue returns the first column of rec holding a value under no
// heading (and mapped by no ColumnMap), or -1.
func unnamedValue(plan *headerPlan, rec []string) int {
	for i, c := range rec {
		if (i >= len(plan.named) || !plan.named[i]) && strings.TrimSpace(c) != "" {
			return i
		}
	}
	return -1
}

// preparedChunk is an import chunk's write sets and the keys and counter
// changes they write, and the records they create; opEnd, cntEnd and
// bornEnd mark where each set ends.
type preparedChunk struct {
	sets                   []*writeSet
	ops                    []kvOp
	cnt                    []countDelta
	born                   []bornPair
	opEnd, cntEnd, bornEnd []int
}

// commitImportChunk commits one prepared import chunk in order, each
// transaction atomic and durable, at most *maxSets sets per transaction
// (all when 0). A group too big for one Badger transaction is halved, and
// *maxSets remembers the size that fits. The chunk before it is committed.
func (s *Store) commitImportChunk(pc *preparedChunk, cc *counterCache, maxSets *int) error {
	for i := 0; i < len(pc.sets); {
		n := len(pc.sets) - i
		if *maxSets > 0 && n > *maxSets {
			n = *maxSets
		}
		op0, cnt0, born0 := 0, 0, 0
		if i > 0 {
			op0, cnt0, born0 = pc.opEnd[i-1], pc.cntEnd[i-1], pc.bornEnd[i-1]
		}
		delta := map[string]int32{}
		for _, c := range pc.cnt[cnt0:pc.cntEnd[i+n-1]] {
			delta[c.key] += c.d
		}
		counts, vals, err := cc.values(s.db, delta)
		if err != nil {
			return err
		}
		if born := pc.born[born0:pc.bornEnd[i+n-1]]; len(born) > 0 {
			counts = append(counts, bornRun(born))
		}
		err = s.commitPrepared(pc.ops[op0:pc.opEnd[i+n-1]], counts, pc.sets[i:i+n], pc.sets[i+n-1].ctrAfter)
		if errors.Is(err, badger.ErrTxnTooBig) && n > 1 {
			*maxSets = n / 2
			continue
		}
		if err != nil {
			return err
		}
		for k, v := range vals {
			cc.known[k] = v
		}
		i += n
	}
	return nil
}

type importer struct {
	s             *Store
	scope         []string // the device's communes (nil: no limit)
	ctr           counters
	line          int
	accepted      int
	newHouseholds int
	ids           map[string]int // ID numbers seen in this file -> line
	hh            map[string]ID  // households created by this file (folded number)
	heads         map[string]int // households given a head by this file -> line

	// What the store held when the import began (it cannot change while
	// the import holds s.mu): ID numbers held by someone, household
	// numbers, households with a head. One walk over each counter range
	// replaces three point reads per row.
	storeIDs, storeHH map[string]bool
	storeHeads        map[string]ID // folded household number -> its head
	// Persons the store held when the import began, and those this file
	// has given so far, by importIdentity (-> line).
	storePersons map[string]ID
	filePersons  map[string]int
	// Every row's ID numbers (current and old) -> the first row holding
	// it, when the file names parents by ID number; and the children in
	// the store that name a parent by ID number, by that number.
	fileIDs       map[string]fileHolder
	storeChildren map[string][]*Person

	canon canonMemo // Canonicalize results of repeated values
}

// loadStoreKeys reads the sets of the store the importer checks rows
// against, and the counters its chunks update.
func (im *importer) loadStoreKeys() (*counterCache, error) {
	cc := &counterCache{known: map[string]uint32{}}
	im.storeIDs, im.storeHH, im.storeHeads = map[string]bool{}, map[string]bool{}, map[string]ID{}
	err := im.s.db.View(func(txn *badger.Txn) error {
		// ID numbers: the value of each x:i:<digits>\x00<id16> key.
		err := eachKey(txn, prefixIDNumber, false, func(rest []byte, _ *badger.Item) error {
			if len(rest) < 1+idKeyLen {
				return fmt.Errorf("%w: an ID-number index key is too short", ErrCorrupt)
			}
			im.storeIDs[string(rest[:len(rest)-1-idKeyLen])] = true
			return nil
		})
		if err != nil {
			return err
		}
		err = eachKey(txn, prefixHHNumber, false, func(rest []byte, _ *badger.Item) error {
			im.storeHH[string(rest)] = true
			return nil
		})
		if err != nil {
			return err
		}
		// Households with a head: Hm:<commune>\x00<number> lists, heads
		// first.
		err = eachKey(txn, prefixHHMemberOf, true, func(rest []byte, item *badger.Item) error {
			i := bytes.IndexByte(rest, indexSep)
			if i < 0 {
				return fmt.Errorf("%w: household list key without a separator", ErrCorrupt)
			}
			return item.Value(func(l []byte) error {
				if len(l) >= hhEntryLen && l[0] == 'h' {
					if id, ok := decodeIDKey(l[1:hhEntryLen]); ok {
						im.storeHeads[string(rest[i+1:])] = id
					}
				}
				return nil
			})
		})
		if err != nil {
			return err
		}
		err = eachKey(txn, prefixTokenCount, true, func(rest []byte, item *badger.Item) error {
			n, err := uint32Value(item)
			cc.known[prefixTokenCount+string(rest)] = n
			return err
		})
		if err != nil {
			return err
		}
		return im.loadStorePersons(txn)
	})
	return cc, err
}

func (im *importer) row(txn *badger.Txn, cols []Field, rec []string, reason string) (*writeSet, Problems) {
	s := im.s
	ctr := im.ctr
	id := s.newID(&ctr)
	ctr.Persons++
	p, probs := s.prepareNewRow(id, cols, rec, &im.canon)
	if len(probs) > 0 {
		return nil, probs
	}
	if probs := checkDeviceScope(im.scope, nil, p, EventRegister); len(probs) > 0 {
		return nil, probs
	}
	key := importIdentity(p)
	if key != "" {
		if _, ok := im.storePersons[key]; ok {
			return nil, nil // already in the store: skipped, not rejected
		}
		if l, ok := im.filePersons[key]; ok {
			return nil, Problems{problemDuplicateRow(l)}
		}
	}
	if n := p.Values[FieldIDNumber]; n != "" {
		if l, ok := im.ids[n]; ok {
			return nil, Problems{problemIDOnLine(n, l)}
		}
		if other, ok := im.storeIDHolder(txn, n); ok {
			return nil, Problems{problemIDInStore(n, other, whoIs(txn, other))}
		}
	}
	if probs := im.checkParents(txn, p); len(probs) > 0 {
		return nil, probs
	}
	ws := &writeSet{}
	if num := p.Values[FieldHouseholdNumber]; num != "" {
		key := fold.Fold(num)
		if p.IsHead() {
			if l, ok := im.heads[key]; ok {
				return nil, Problems{problemHeadOnLine(num, l)}
			}
			// A household this file created has no member in the store.
			if other, ok := im.storeHead(key); ok {
				return nil, Problems{problemSecondHead(num, other, whoIs(txn, other))}
			}
		}
		if _, ok := im.hh[key]; !ok {
			if !im.storeHH[key] {
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
		return nil, Problems{problemInternal(err)}
	}
	ws.ops = append([]*Op{op}, ws.ops...)
	ws.records = append([]recordChange{{newP: p}}, ws.records...)
	for _, f := range []Field{FieldIDNumber, FieldOldIDNumber} {
		if n := p.Values[f]; n != "" {
			if _, ok := im.ids[n]; !ok {
				im.ids[n] = im.line
			}
		}
	}
	if key != "" {
		im.filePersons[key] = im.line
	}
	ws.ctrAfter = ctr
	im.ctr = ctr
	im.accepted++
	return ws, nil
}

// importIdentity is what makes an imported row the same person as one
// already saved, or as an earlier row: folded full name, birth date, sex
// and folded household number. Without a household number it takes a
// full birth date (day, month, year); without either it is "" and the
// row is never taken for another (namesakes born the same year are
// common in a commune).
func importIdentity(p *Person) string {
	name, birth := fold.Fold(p.Values[FieldFullName]), p.Values[FieldBirthDate]
	hh := fold.Fold(p.Values[FieldHouseholdNumber])
	if name == "" || birth == "" || (hh == "" && len(birth) != len("2006-01-02")) {
		return ""
	}
	return name + "\x00" + birth + "\x00" + p.Values[FieldSex] + "\x00" + hh
}

// loadStorePersons reads the identity of every person the store holds,
// when it holds any (an import into a new profile reads nothing).
func (im *importer) loadStorePersons(txn *badger.Txn) error {
	im.storePersons = map[string]ID{}
	return eachKey(txn, prefixPerson, true, func(_ []byte, item *badger.Item) error {
		p := &Person{}
		if err := item.Value(p.UnmarshalBinary); err != nil {
			return err
		}
		if key := importIdentity(p); key != "" {
			im.storePersons[key] = p.ID
		}
		for _, f := range []Field{FieldFatherIDNumber, FieldMotherIDNumber} {
			if n := p.Values[f]; n != "" && !p.BirthDate().IsZero() {
				if im.storeChildren == nil {
					im.storeChildren = map[string][]*Person{}
				}
				c := &Person{ID: p.ID}
				c.Values[FieldFullName], c.Values[FieldBirthDate] = p.Values[FieldFullName], p.Values[FieldBirthDate]
				im.storeChildren[n] = append(im.storeChildren[n], c)
			}
		}
		return nil
	})
}

// checkParents checks the row p against its parents, named by ID number,
// in the store or anywhere in the file (before or after it), and against
// the children the store holds that name p's ID number as a parent's: a
// parent at least 12 years older than a child (CheckParentChild).
func (im *importer) checkParents(txn *badger.Txn, p *Person) Problems {
	if p.BirthDate().IsZero() {
		return nil
	}
	for _, f := range []Field{FieldFatherIDNumber, FieldMotherIDNumber} {
		n := p.Values[f]
		if n == "" {
			continue
		}
		if pid, ok := im.storeIDHolder(txn, n); ok {
			if parent, err := getPerson(txn, pid); err == nil {
				if prob := CheckParentChild(parent, p); prob != nil {
					return Problems{*prob}
				}
			}
			continue
		}
		h, ok := im.fileIDs[n]
		if !ok || h.line == im.line || h.birth == "" {
			continue
		}
		parent := &Person{}
		parent.Values[FieldFullName], parent.Values[FieldBirthDate] = h.name, h.birth
		if prob := CheckParentChild(parent, p); prob != nil {
			return Problems{problemParentOnLine(*prob, h.line)}
		}
	}
	for _, f := range []Field{FieldIDNumber, FieldOldIDNumber} {
		n := p.Values[f]
		if n == "" {
			continue
		}
		for _, c := range im.storeChildren[n] {
			if prob := CheckParentChild(p, c); prob != nil {
				return Problems{problemChildInStore(*prob, c.ID)}
			}
		}
	}
	return nil
}

// storeIDHolder returns the person of the store holding ID number n.
func (im *importer) storeIDHolder(txn *badger.Txn, n string) (ID, bool) {
	if !im.storeIDs[clip(n)] {
		return ID{}, false
	}
	return im.s.idHolder(txn, n, ID{})
}

// storeHead returns the head the store already has for household key
// (folded number). A household this file created has no member in the
// store.
func (im *importer) storeHead(key string) (ID, bool) {
	if id, ok := im.hh[key]; ok && id != (ID{}) {
		return ID{}, false
	}
	id, ok := im.storeHeads[clip(key)]
	return id, ok
}

func csvMessage(pe *csv.ParseError, lang string) string {
	return i18n.T(lang, "problem.csv", pe.Err.Error())
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// importStopped is the error of an import stopped by a record longer
// than maxImportLine: almost always a quote opened in a cell and never
// closed, which makes the rest of the file one cell. It is an ErrBadCSV;
// its message, in the import's language, names the line the record begins
// on and says what to do.
type importStopped struct {
	long   *longRecordError
	lang   string
	header bool // the header row itself: nothing was read
	dryRun bool
}

func (e *importStopped) Unwrap() error { return ErrBadCSV }

func (e *importStopped) Error() string {
	if e.header {
		return i18n.T(e.lang, "problem.stopped.header", e.msg())
	}
	return i18n.T(e.lang, "problem.stopped.at_line", e.long.Line, e.msg())
}

// message says what stopped the import and what to do (also the
// RowError of the record's line).
func (e *importStopped) message() string { return e.msg().Localize(e.lang) }

func (e *importStopped) msg() i18n.Msg {
	l := e.long
	kb := l.Limit >> 10
	var m i18n.Msg
	switch {
	case l.InQuotes && l.QuoteLine > l.Line:
		m = i18n.M("problem.stopped.quote_from", l.QuoteLine, l.Line, kb)
	case l.InQuotes:
		m = i18n.M("problem.stopped.quote", l.Line, kb)
	default:
		m = i18n.M("problem.stopped.long_line", l.Line, kb)
	}
	switch {
	case e.header:
		return i18n.M("problem.stopped.nothing_imported", m)
	case e.dryRun:
		return i18n.M("problem.stopped.dry_run", m, l.Line)
	}
	return i18n.M("problem.stopped.saved_before", m, l.Line)
}

func problemDuplicateRow(l int) Problem {
	return Problem{Field: FieldFullName, Code: "duplicate_row", Key: "problem.duplicate_row", Args: []any{l}}
}

func problemIDOnLine(n string, l int) Problem {
	return Problem{Field: FieldIDNumber, Code: "id_taken", Key: "problem.id_on_line", Args: []any{FieldIDNumber, n, l}}
}

func problemIDInStore(n string, other ID, who who) Problem {
	return Problem{Field: FieldIDNumber, Code: "id_taken", Person: other, Key: "problem.id_in_store", Args: []any{FieldIDNumber, n, who}}
}

func problemHeadOnLine(num string, l int) Problem {
	return Problem{Field: FieldRelationshipToHead, Code: "second_head", Key: "problem.second_head.line", Args: []any{num, l}}
}

func problemInternal(err error) Problem {
	return Problem{Code: "internal", Key: "problem.internal", Args: []any{err.Error()}}
}

func problemParentOnLine(prob Problem, line int) Problem {
	prob.Key, prob.Args = "problem.parent_on_line", []any{prob.msg(), line}
	return prob
}

func problemChildInStore(prob Problem, child ID) Problem {
	prob.Key, prob.Args = "problem.child_in_store", []any{prob.msg(), child}
	return prob
}

func rowWidthMessage(lang string, got, want int) string {
	return i18n.T(lang, "problem.row_width", got, want)
}

func unnamedValueMessage(lang, value string, c int) string {
	return i18n.T(lang, "problem.unnamed_value", value, ColumnName(c))
}
