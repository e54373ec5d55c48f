package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/communekit/communekit/cmd/kitctl/internal/kit"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/gen"
)

func cmdHousehold(e *env, args []string) error {
	if len(args) == 0 {
		return usagef("household needs a subcommand: add, show or list")
	}
	switch args[0] {
	case "add":
		fs := flag.NewFlagSet("household add", flag.ContinueOnError)
		number := fs.String("number", "", "household number")
		code := fs.String("address-code", "", "commune code of the address (default: the profile's commune)")
		detail := fs.String("address-detail", "", "hamlet, house number, street")
		reason := fs.String("reason", "", "note kept in the history")
		pos, err := e.parse(fs, args[1:])
		if err != nil {
			return err
		}
		if len(pos) > 0 || *number == "" {
			return usagef("household add needs --number N (and optionally --address-code, --address-detail)")
		}
		s, err := e.open()
		if err != nil {
			return err
		}
		defer s.Close()
		if *code == "" {
			*code = s.Profile().Commune
		}
		h, err := s.AddHousehold(*number, *code, *detail, storage.SaveOptions{Reason: *reason})
		if err != nil {
			return err
		}
		if e.jsonOut {
			return e.printJSON(householdJSON(h, nil))
		}
		fmt.Fprintf(e.stdout, "Saved household %s (%s)\n", h.Number, h.ID)
		return nil
	case "show":
		fs := flag.NewFlagSet("household show", flag.ContinueOnError)
		pos, err := e.parse(fs, args[1:])
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return usagef("household show needs one household number or identifier")
		}
		s, err := e.open()
		if err != nil {
			return err
		}
		defer s.Close()
		h, err := s.HouseholdByNumber(pos[0])
		if errors.Is(err, storage.ErrNotFound) {
			if id, perr := storage.ParseID(pos[0]); perr == nil {
				h, err = s.Household(id)
			}
		}
		if errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("no household %q in this profile; list them with `kitctl household list`", pos[0])
		}
		if err != nil {
			return err
		}
		members, err := s.Members(h.Number)
		if err != nil {
			return err
		}
		if e.jsonOut {
			return e.printJSON(householdJSON(h, members))
		}
		fmt.Fprintf(e.stdout, "Hộ %s (%s)  %s, %s\n", h.Number, h.ID, h.AddressDetail, communeLabel(h.AddressCode))
		for _, m := range members {
			fmt.Fprintf(e.stdout, "  %-16s %-28s %-12s %s\n", m.ID, m.FullName(), m.Get(storage.FieldRelationshipToHead), storage.DisplayValueIn(e.lang, storage.FieldBirthDate, m.Get(storage.FieldBirthDate)))
		}
		if prob := storage.CheckHouseholdHeads(members); prob != nil {
			fmt.Fprintf(e.stdout, "  ! %s\n", prob.Message(e.lang))
		}
		return nil
	case "list":
		fs := flag.NewFlagSet("household list", flag.ContinueOnError)
		pos, err := e.parse(fs, args[1:])
		if err != nil {
			return err
		}
		if len(pos) > 0 {
			return usagef("household list takes no arguments")
		}
		s, err := e.open()
		if err != nil {
			return err
		}
		defer s.Close()
		hs, err := s.Households()
		if err != nil {
			return err
		}
		if e.jsonOut {
			out := []map[string]any{}
			for _, h := range hs {
				out = append(out, householdJSON(h, nil))
			}
			return e.printJSON(out)
		}
		w := bufio.NewWriter(e.stdout)
		for _, h := range hs {
			fmt.Fprintf(w, "%-14s %-16s %s\n", h.Number, h.ID, h.AddressDetail)
		}
		return w.Flush()
	}
	return usagef("household: unknown subcommand %q (add, show, list)", args[0])
}

func householdJSON(h *storage.Household, members []*storage.Person) map[string]any {
	m := map[string]any{
		"household_id": h.ID.String(), "household_number": h.Number,
		"address_code": h.AddressCode, "address_detail": h.AddressDetail, "head_id": h.Head.String(),
	}
	if members != nil {
		ms := []map[string]string{}
		for _, p := range members {
			ms = append(ms, map[string]string{"person_id": p.ID.String(), "full_name": p.FullName(),
				"relationship_to_head": p.Get(storage.FieldRelationshipToHead), "birth_date": p.Get(storage.FieldBirthDate)})
			if p.IsHead() {
				m["head_id"] = p.ID.String()
			}
		}
		m["members"] = ms
	}
	return m
}

type hitJSON struct {
	PersonID        string `json:"person_id"`
	FullName        string `json:"full_name"`
	IDNumber        string `json:"id_number"`
	BirthDate       string `json:"birth_date"`
	HouseholdNumber string `json:"household_number"`
}

func cmdSearch(e *env, args []string) error {
	fs := flag.NewFlagSet("search", flag.ContinueOnError)
	limit := fs.Int("limit", 20, "most results to print")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("search needs a QUERY, e.g. kitctl search \"dang van duc\"")
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	hits, err := s.Search(strings.Join(pos, " "), *limit)
	if err != nil {
		return err
	}
	out := []hitJSON{}
	for _, h := range hits {
		p := h.Person
		out = append(out, hitJSON{p.ID.String(), p.FullName(), p.IDNumber(), p.Get(storage.FieldBirthDate), p.Get(storage.FieldHouseholdNumber)})
	}
	if e.jsonOut {
		return e.printJSON(out)
	}
	if len(out) == 0 {
		fmt.Fprintln(e.stdout, "Không tìm thấy ai (no match).")
		return nil
	}
	for _, h := range out {
		fmt.Fprintf(e.stdout, "%-16s %-30s %-12s %-10s hộ %s\n", h.PersonID, h.FullName, h.IDNumber, h.BirthDate, h.HouseholdNumber)
	}
	return nil
}

// silentExit ends a command with a status after it printed its own report.
type silentExit = kit.SilentExit

func cmdGenerate(e *env, args []string) error {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	persons := fs.Int("persons", 1000, "how many persons")
	seed := fs.Int64("seed", 1, "random seed (same seed, same file)")
	commune := fs.String("commune", "", "commune code (default: the profile's commune)")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("generate takes no arguments; it writes CSV to standard output")
	}
	if *persons <= 0 {
		return usagef("--persons must be positive")
	}
	if *commune == "" {
		dir, err := e.profileDir()
		if err != nil {
			return err
		}
		c, err := storage.ProfileCommune(dir)
		if err != nil {
			return fmt.Errorf("%v; or pass --commune CODE", err)
		}
		*commune = c
	}
	c, err := gen.Generate(gen.Options{Commune: *commune, Persons: *persons, Seed: *seed})
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(e.stdout, 1<<16)
	if err := gen.WriteCSV(w, c, *seed); err != nil {
		return err
	}
	return w.Flush()
}
