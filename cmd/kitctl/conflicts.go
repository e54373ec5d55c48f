package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/outbox"
)

// Conflicts are named "<person id>/<field>", e.g. "i4afuytd-255/occupation":
// stable, readable, and what a supervisor can type.
func conflictName(fc storage.FieldConflict) string {
	return fc.ID.String() + "/" + fc.Field.String()
}

func parseConflictName(s string) (storage.ID, storage.Field, error) {
	i := strings.LastIndex(s, "/")
	if i < 0 {
		return storage.ID{}, 0, usagef("conflict %q: give it as PERSON/FIELD, as `kitctl conflicts list` prints it", s)
	}
	id, err := storage.ParseID(s[:i])
	if err != nil {
		return storage.ID{}, 0, usagef("conflict %q: %v", s, err)
	}
	f, ok := storage.FieldByName(s[i+1:])
	if !ok {
		return storage.ID{}, 0, usagef("conflict %q: %q is not a person field", s, s[i+1:])
	}
	return id, f, nil
}

func candidateJSON(n int, c storage.Candidate) map[string]any {
	return map[string]any{
		"n": n, "value": c.Value, "officer": c.Officer, "device": string(c.Version.Device), "seq": c.Seq,
		"clock": c.Version.HLC.String(), "when": c.Version.HLC.Time().UTC().Format(time.RFC3339),
		"event": c.Event.String(), "reason": c.Reason,
	}
}

func conflictJSON(fc storage.FieldConflict) map[string]any {
	cs := make([]map[string]any, len(fc.Candidates))
	for i, c := range fc.Candidates {
		cs[i] = candidateJSON(i+1, c)
	}
	return map[string]any{"id": conflictName(fc), "kind": "field", "person_id": fc.ID.String(), "field": fc.Field.String(), "candidates": cs}
}

func semanticJSON(s *storage.Store, sc storage.SemanticConflict) map[string]any {
	cs := make([]map[string]any, len(sc.Persons))
	for i, id := range sc.Persons {
		c := map[string]any{"n": i + 1, "person_id": id.String()}
		if p, err := s.Person(id); err == nil {
			c["full_name"] = p.FullName()
			c["birth_date"] = p.Get(storage.FieldBirthDate)
			c["commune"] = p.Get(storage.FieldPermanentAddressCode)
			c["value"] = p.Get(storage.FieldIDNumber)
		}
		cs[i] = c
	}
	first := ""
	if len(sc.Persons) > 0 {
		first = sc.Persons[0].String()
	}
	return map[string]any{"id": sc.Name(), "kind": sc.Kind, "person_id": first, "field": storage.FieldIDNumber.String(), "candidates": cs}
}

func duplicateJSON(s *storage.Store, dc storage.DuplicateConflict) map[string]any {
	var cs []map[string]any
	for i, id := range []storage.ID{dc.A, dc.B} {
		c := map[string]any{"n": i + 1, "person_id": id.String()}
		if p, err := s.Person(id); err == nil {
			for _, f := range []storage.Field{storage.FieldFullName, storage.FieldBirthDate, storage.FieldPermanentAddressCode, storage.FieldHometown, storage.FieldFatherName, storage.FieldMotherName, storage.FieldIDNumber} {
				c[f.String()] = p.Get(f)
			}
		}
		cs = append(cs, c)
	}
	return map[string]any{"id": dc.Name(), "kind": storage.ConflictDuplicate, "person_id": dc.A.String(), "field": "", "candidates": cs}
}

func householdConflictJSON(s *storage.Store, hc storage.HouseholdConflict) map[string]any {
	var cs []map[string]any
	add := func(id storage.ID, head bool) {
		c := map[string]any{"n": len(cs) + 1, "person_id": id.String(), "head": head}
		if p, err := s.Person(id); err == nil {
			c["full_name"], c["value"] = p.FullName(), p.Get(storage.FieldRelationshipToHead)
		}
		cs = append(cs, c)
	}
	for _, id := range hc.Heads {
		add(id, true)
	}
	for _, id := range hc.Members {
		add(id, false)
	}
	first := ""
	if len(cs) > 0 {
		first = cs[0]["person_id"].(string)
	}
	return map[string]any{"id": storage.ConflictHeads + ":" + hc.Commune + "/" + hc.Number, "kind": storage.ConflictHeads,
		"person_id": first, "field": storage.FieldRelationshipToHead.String(), "candidates": cs, "heads": len(hc.Heads)}
}

// noticeJSON is a district's notice: one of this device's persons is in a
// conflict with a person of another commune (not held here).
func noticeJSON(s *storage.Store, n storage.ConflictNotice) map[string]any {
	out := map[string]any{"id": "notice:" + n.Name(), "kind": "notice", "conflict": n.Kind.Conflict(), "person": n.Person.String()}
	if p, err := s.Person(n.Person); err == nil {
		out["name"] = p.FullName()
	}
	return out
}

func personConflictJSON(s *storage.Store, pc storage.PersonConflict) map[string]any {
	var cs []map[string]any
	for i, r := range pc.Ops {
		c := map[string]any{"n": i + 1, "device": string(r.Device), "seq": r.Seq}
		if h, err := s.History(pc.Person); err == nil {
			for _, op := range h {
				if op.Device == r.Device && op.Seq == r.Seq {
					c["officer"], c["event"], c["reason"], c["when"] = op.Officer, op.Event.String(), op.Reason, op.HLC.Time().UTC().Format(time.RFC3339)
					var fields []string
					for _, ch := range op.Changes {
						fields = append(fields, op.FieldName(ch))
					}
					c["fields"] = fields
				}
			}
		}
		cs = append(cs, c)
	}
	out := map[string]any{"id": pc.Kind + ":" + pc.Person.String(), "kind": pc.Kind, "person_id": pc.Person.String(), "field": "", "candidates": cs}
	if pc.Kind == storage.ConflictMoveNotMatched {
		out["field"] = storage.FieldPermanentAddressCode.String()
		out["moved_out"] = pc.At.Time().UTC().Format(time.RFC3339)
	}
	return out
}

// cmdConflicts lists, shows and resolves the conflicts a supervisor's
// device holds (they arrive with its pulls: every store that holds the
// same operations holds the same conflicts).
func cmdConflicts(e *env, args []string) error {
	if len(args) == 0 {
		return usagef("usage: kitctl conflicts list | show CONFLICT | resolve CONFLICT (--choose N | --value V) [--note TEXT]")
	}
	switch args[0] {
	case "list":
		return conflictsList(e, args[1:])
	case "show":
		return conflictsShow(e, args[1:])
	case "resolve":
		return conflictsResolve(e, args[1:])
	}
	return usagef("conflicts: unknown command %q (list, show, resolve)", args[0])
}

func conflictsList(e *env, args []string) error {
	fs := flag.NewFlagSet("conflicts list", flag.ContinueOnError)
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("usage: kitctl conflicts list [--json]")
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	all, err := s.AllConflicts()
	if err != nil {
		return err
	}
	if e.jsonOut {
		out := make([]map[string]any, 0, all.Len())
		for _, fc := range all.Field {
			out = append(out, conflictJSON(fc))
		}
		for _, sc := range all.SameID {
			out = append(out, semanticJSON(s, sc))
		}
		for _, dc := range all.Duplicates {
			out = append(out, duplicateJSON(s, dc))
		}
		for _, pc := range all.Persons {
			out = append(out, personConflictJSON(s, pc))
		}
		for _, hc := range all.Households {
			out = append(out, householdConflictJSON(s, hc))
		}
		for _, n := range all.Notices {
			out = append(out, noticeJSON(s, n))
		}
		return e.printJSON(out)
	}
	if all.Len() == 0 {
		fmt.Fprintln(e.stdout, "No conflicts. (Không có xung đột.)")
		return nil
	}
	name := func(id storage.ID) string {
		if p, err := s.Person(id); err == nil {
			return p.FullName()
		}
		return "?"
	}
	describe := func(id storage.ID) string {
		if p, err := s.Person(id); err == nil {
			return fmt.Sprintf("%s (%s, born %s, commune %s)", id, p.FullName(), p.Get(storage.FieldBirthDate), p.Get(storage.FieldPermanentAddressCode))
		}
		return id.String()
	}
	for _, fc := range all.Field {
		var vals []string
		for i, c := range fc.Candidates {
			vals = append(vals, fmt.Sprintf("%d) %q by %s", i+1, c.Value, c.Officer))
		}
		fmt.Fprintf(e.stdout, "%s  %s: %s\n", conflictName(fc), name(fc.ID), strings.Join(vals, "; "))
	}
	for _, sc := range all.SameID {
		var who []string
		for _, id := range sc.Persons {
			who = append(who, describe(id))
		}
		what := "the same ID number on"
		if sc.Kind == storage.ConflictTwoResidences {
			what = "one ID number, permanent residents of two communes:"
		}
		fmt.Fprintf(e.stdout, "%s  %s %s: correct one of them with `kitctl person edit`, or merge them if they are one person\n", sc.Name(), what, strings.Join(who, " and "))
	}
	for _, dc := range all.Duplicates {
		fmt.Fprintf(e.stdout, "%s  probably one person: %s and %s; --merge KEPT RETIRED or --dismiss\n", dc.Name(), describe(dc.A), describe(dc.B))
	}
	for _, pc := range all.Persons {
		switch pc.Kind {
		case storage.ConflictEditAfterDeath:
			fmt.Fprintf(e.stdout, "%s:%s  %s is recorded dead, and %d edit(s) were made after: check them, then --dismiss\n", pc.Kind, pc.Person, name(pc.Person), len(pc.Ops))
		case storage.ConflictMoveNotMatched:
			fmt.Fprintf(e.stdout, "%s:%s  %s moved out on %s and no commune recorded the move in: --dismiss once checked\n", pc.Kind, pc.Person, name(pc.Person), pc.At.Time().Format("2006-01-02"))
		}
	}
	for _, hc := range all.Households {
		fmt.Fprintf(e.stdout, "%s:%s/%s  household %s has %d head(s) among %d member(s): correct relationship_to_head with `kitctl person edit`\n",
			storage.ConflictHeads, hc.Commune, hc.Number, hc.Number, len(hc.Heads), len(hc.Heads)+len(hc.Members))
	}
	for _, n := range all.Notices {
		what := "has the ID number of a person of another commune"
		if n.Kind == storage.NoticeDuplicate {
			what = "is probably also a person of another commune"
		}
		fmt.Fprintf(e.stdout, "notice:%s  %s %s: a supervisor who covers both communes decides (correct the record if it was mistyped here)\n", n.Name(), name(n.Person), what)
	}
	return nil
}

func (e *env) conflict(s *storage.Store, name string) (*storage.FieldConflict, error) {
	id, f, err := parseConflictName(name)
	if err != nil {
		return nil, err
	}
	fc, err := s.FieldConflictOf(id, f)
	if err != nil {
		return nil, err
	}
	if fc == nil {
		return nil, fmt.Errorf("%s is not in conflict (any more: a resolution may have arrived with a sync); `kitctl conflicts list` shows the open ones", name)
	}
	return fc, nil
}

func conflictsShow(e *env, args []string) error {
	fs := flag.NewFlagSet("conflicts show", flag.ContinueOnError)
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: kitctl conflicts show CONFLICT [--json]")
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	fc, err := e.conflict(s, pos[0])
	if err != nil {
		return err
	}
	p, err := s.Person(fc.ID)
	if err != nil {
		return err
	}
	if e.jsonOut {
		out := conflictJSON(*fc)
		out["person"] = personJSON(p)
		out["shown_value"] = p.Get(fc.Field)
		return e.printJSON(out)
	}
	fmt.Fprintf(e.stdout, "%s — %s (%s), %s\n", pos[0], p.FullName(), fc.ID, fc.Field.Label(e.lang))
	for i, c := range fc.Candidates {
		fmt.Fprintf(e.stdout, "  %d) %q\n     by %s on device %s, %s, %s: %s\n", i+1, c.Value, c.Officer, c.Version.Device,
			c.Version.HLC.Time().Local().Format("2006-01-02 15:04"), c.Event, c.Reason)
	}
	fmt.Fprintf(e.stdout, "Shown meanwhile: %q (the newest candidate).\n", p.Get(fc.Field))
	fmt.Fprintf(e.stdout, "Resolve with: kitctl conflicts resolve %s --choose N | --value V [--note TEXT]\n", pos[0])
	return nil
}

func conflictsResolve(e *env, args []string) error {
	fs := flag.NewFlagSet("conflicts resolve", flag.ContinueOnError)
	choose := fs.Int("choose", 0, "keep candidate N (as numbered by show)")
	value := fs.String("value", "", "set this value instead")
	note := fs.String("note", "", "why (kept in the record's history)")
	merge := fs.Bool("merge", false, "merge two persons (duplicate conflicts)")
	dismiss := fs.Bool("dismiss", false, "dismiss a duplicate conflict")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	valueSet := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "value" {
			valueSet = true
		}
	})
	if rest, ok := strings.CutPrefix(pos0(pos), storage.ConflictDuplicate+":"); ok {
		return conflictsDecide(e, pos, rest, *merge, *dismiss, *note)
	}
	if len(pos) == 1 && *dismiss {
		for _, kind := range []string{storage.ConflictEditAfterDeath, storage.ConflictMoveNotMatched} {
			if rest, ok := strings.CutPrefix(pos[0], kind+":"); ok {
				return conflictsDismiss(e, pos[0], rest, *note)
			}
		}
	}
	if strings.HasPrefix(pos0(pos), storage.ConflictSameIDNumber+":") || strings.HasPrefix(pos0(pos), storage.ConflictTwoResidences+":") {
		return errors.New("two persons hold the same ID number: correct the wrong one with `kitctl person edit PERSON --set id_number=…`: `kitctl conflicts list` names both persons; nothing was saved")
	}
	if *merge || *dismiss {
		return errors.New("--merge decides duplicate conflicts; --dismiss closes duplicate, edit_after_death and move_without_move_in conflicts; a field conflict is resolved with --choose N or --value V")
	}
	if len(pos) != 1 || (*choose == 0) == !valueSet {
		return usagef("usage: kitctl conflicts resolve CONFLICT (--choose N | --value V) [--note TEXT]")
	}
	s, err := e.openSupervisor()
	if err != nil {
		return err
	}
	defer s.Close()
	fc, err := e.conflict(s, pos[0])
	if err != nil {
		return err
	}
	v := *value
	if *choose != 0 {
		if *choose < 1 || *choose > len(fc.Candidates) {
			return usagef("--choose %d: the conflict has candidates 1 to %d", *choose, len(fc.Candidates))
		}
		v = fc.Candidates[*choose-1].Value
	}
	p, op, err := s.Resolve(fc.ID, fc.Field, v, storage.SaveOptions{Reason: *note})
	if err != nil {
		var probs storage.Problems
		if errors.As(err, &probs) {
			return fmt.Errorf("%s", probs.Message(e.lang))
		}
		return err
	}
	if e.jsonOut {
		return e.printJSON(map[string]any{"id": pos[0], "person_id": fc.ID.String(), "field": fc.Field.String(), "value": p.Get(fc.Field), "op": strconv.FormatUint(op.Seq, 10)})
	}
	fmt.Fprintf(e.stdout, "Resolved %s: %q. It reaches the district and the other devices with the next `kitctl sync`.\n", pos[0], p.Get(fc.Field))
	return nil
}

func pos0(pos []string) string {
	if len(pos) == 0 {
		return ""
	}
	return pos[0]
}

func conflictsDismiss(e *env, name, person, note string) error {
	id, err := storage.ParseID(person)
	if err != nil {
		return usagef("conflict %q: %v", name, err)
	}
	s, err := e.openSupervisor()
	if err != nil {
		return err
	}
	defer s.Close()
	pcs, err := s.PersonConflicts()
	if err != nil {
		return err
	}
	found := false
	for _, pc := range pcs {
		if pc.Kind+":"+pc.Person.String() == name {
			found = true
		}
	}
	if !found {
		return fmt.Errorf("%s is not an open conflict (a decision may have arrived with a sync); `kitctl conflicts list` shows the open ones", name)
	}
	op, err := s.Dismiss(id, storage.SaveOptions{Reason: note})
	if err != nil {
		return err
	}
	if e.jsonOut {
		return e.printJSON(map[string]any{"id": name, "dismissed": true, "op": op.Seq})
	}
	fmt.Fprintf(e.stdout, "Dismissed %s. The decision reaches the district and the other devices with the next `kitctl sync`.\n", name)
	return nil
}

// conflictsDecide decides a probable duplicate: --merge KEPT RETIRED or
// --dismiss (not the same person).
func conflictsDecide(e *env, pos []string, pair string, merge, dismiss bool, note string) error {
	name := pos[0]
	a, b, ok := strings.Cut(pair, "+")
	if !ok || merge == dismiss {
		return usagef("usage: kitctl conflicts resolve %s (--merge KEPT RETIRED | --dismiss) [--note TEXT]", name)
	}
	ida, err1 := storage.ParseID(a)
	idb, err2 := storage.ParseID(b)
	if err := errors.Join(err1, err2); err != nil {
		return usagef("conflict %q: %v", name, err)
	}
	d := storage.DecisionDistinct
	kept, retired := ida, idb
	if merge {
		d = storage.DecisionMerge
		if len(pos) != 3 {
			return usagef("--merge names the person kept, then the one retired into it: kitctl conflicts resolve %s --merge %s %s", name, a, b)
		}
		var err error
		if kept, err = storage.ParseID(pos[1]); err == nil {
			retired, err = storage.ParseID(pos[2])
		}
		if err != nil {
			return usagef("--merge %s %s: %v", pos[1], pos[2], err)
		}
		if !((kept == ida && retired == idb) || (kept == idb && retired == ida)) {
			return usagef("--merge %s %s: the conflict is between %s and %s", pos[1], pos[2], a, b)
		}
	} else if len(pos) != 1 {
		return usagef("usage: kitctl conflicts resolve %s --dismiss [--note TEXT]", name)
	}
	s, err := e.openSupervisor()
	if err != nil {
		return err
	}
	defer s.Close()
	op, err := s.Decide(kept, retired, d, storage.SaveOptions{Reason: note})
	if err != nil {
		return fmt.Errorf("%v; `kitctl conflicts list` shows the open ones", err)
	}
	if e.jsonOut {
		return e.printJSON(map[string]any{"id": name, "decision": d.String(), "kept": kept.String(), "retired": retired.String(), "op": op.Seq})
	}
	if merge {
		fmt.Fprintf(e.stdout, "Merged %s into %s: both histories are kept; %s now leads to %s. It reaches the district with the next `kitctl sync`.\n", retired, kept, retired, kept)
	} else {
		fmt.Fprintf(e.stdout, "Recorded that %s and %s are different persons. It reaches the district with the next `kitctl sync`.\n", kept, retired)
	}
	return nil
}

// openSupervisor opens the profile of a device that may resolve conflicts:
// one enrolled as a supervisor (or administrator). An officer's resolution
// would be refused by the district and then block every later push of the
// device, so it is refused here, before anything is saved.
func (e *env) openSupervisor() (*storage.Store, error) {
	s, err := e.open()
	if err != nil {
		return nil, err
	}
	c, _, err := outbox.Enrolment(s)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("%v: only an enrolled supervisor's device resolves conflicts; nothing was saved", err)
	}
	if c.Role != cert.RoleSupervisor && c.Role != cert.RoleAdmin {
		s.Close()
		return nil, fmt.Errorf("this device is enrolled as %s (%s): only a supervisor's device resolves conflicts, the district would refuse it; nothing was saved", c.Role, c.Officer)
	}
	return s, nil
}
