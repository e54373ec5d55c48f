package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/paper"
)

// kitctl print: sheets to check on paper, as PDF (storage/paper lays
// them out): a household's sheet, a hamlet's round (the list, then every
// household's sheet), a person's sheet in the order of form DC01.

const printUsage = "usage: kitctl print household NUMBER --pdf F | print hamlet NAME --pdf F | print person PERSON --pdf F [--lang en]"

func cmdPrint(e *env, args []string) error {
	if len(args) == 0 {
		return usagef("print needs what to print: household, hamlet or person\n%s", printUsage)
	}
	what := args[0]
	switch what {
	case "household", "hamlet", "person":
	default:
		return usagef("print: unknown sheet %q (household, hamlet, person)\n%s", what, printUsage)
	}
	fs := flag.NewFlagSet("print "+what, flag.ContinueOnError)
	pdf := fs.String("pdf", "", "write the sheets to this new .pdf file (A4)")
	pos, err := e.parse(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("print %s needs one %s, got %d arguments (quote a name with spaces)\n%s", what, argName(what), len(pos), printUsage)
	}
	if *pdf == "" {
		return usagef("print %s needs --pdf FILE, the new file to write the sheets to", what)
	}
	if e.lang != "vi" && e.lang != "en" {
		return usagef("--lang %q: give vi or en", e.lang)
	}
	// A path that cannot be written is refused before the passphrase is
	// asked for.
	if err := checkDocument("pdf", *pdf, ".pdf"); err != nil {
		return err
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	o := paper.Options{Lang: e.lang, Commune: s.Profile().Commune, Printed: time.Now()}
	switch what {
	case "household":
		h, err := paper.LoadHousehold(s, pos[0])
		if err != nil {
			return notFoundSheet(e, err, "`kitctl household list`")
		}
		return saveDocument(e, tr(e.lang, "phiếu hộ "+h.Record.Number, "the sheet of household "+h.Record.Number), "pdf", *pdf,
			func(w io.Writer) error { return paper.WriteHouseholds(w, []*paper.Household{h}, o) })
	case "hamlet":
		r, err := paper.LoadHamlet(s, pos[0])
		if err != nil {
			return notFoundSheet(e, err, "`kitctl household list`")
		}
		n := strconv.Itoa(len(r.Households))
		return saveDocument(e, tr(e.lang, n+" phiếu hộ của "+r.Hamlet, n+" household sheets of "+r.Hamlet), "pdf", *pdf,
			func(w io.Writer) error { return paper.WriteRound(w, r, o) })
	}
	id, err := personArg(e, s, pos[0])
	if err != nil {
		return err
	}
	pp, err := paper.LoadPerson(s, id)
	if err != nil {
		return notFound(err, id)
	}
	return saveDocument(e, tr(e.lang, "phiếu thông tin của "+pp.Record.FullName(), "the sheet of "+pp.Record.FullName()), "pdf", *pdf,
		func(w io.Writer) error { return paper.WritePerson(w, pp, o) })
}

func argName(what string) string {
	switch what {
	case "household":
		return "household NUMBER"
	case "hamlet":
		return "hamlet NAME"
	}
	return "PERSON identifier"
}

// notFoundSheet words a household or hamlet not found for a person to
// act on: what is close to it, or where to find the list.
func notFoundSheet(e *env, err error, list string) error {
	var nf *paper.NotFoundError
	if !errors.As(err, &nf) {
		return err
	}
	what := map[string][2]string{"household": {"hộ", "household"}, "hamlet": {"thôn", "hamlet"}}[nf.What]
	msg := tr(e.lang, fmt.Sprintf("không có %s %q trong hồ sơ này", what[0], nf.Given),
		fmt.Sprintf("no %s %q in this profile", what[1], nf.Given))
	switch {
	case nf.All:
		msg += tr(e.lang, "; các "+what[0]+" có: ", "; the "+what[1]+"s are: ") + strings.Join(nf.Close, ", ")
	case len(nf.Close) > 0:
		msg += tr(e.lang, "; có phải là: ", "; did you mean: ") + strings.Join(nf.Close, ", ") + "?"
	default:
		msg += tr(e.lang, "; xem danh sách bằng ", "; list them with ") + list
	}
	return errors.New(msg)
}

// personArg reads a PERSON identifier as search prints it; given
// anything else (a name), it says which persons match and their
// identifiers.
func personArg(e *env, s *storage.Store, arg string) (storage.ID, error) {
	id, err := storage.ParseID(arg)
	if err == nil {
		return id, nil
	}
	msg := fmt.Sprintf("print person needs a PERSON identifier as `kitctl search` prints it (such as abcd2345-17), not %q", arg)
	hits, serr := s.Search(arg, 5)
	if serr == nil && len(hits) > 0 {
		var b strings.Builder
		b.WriteString(msg + "; persons matching it:")
		for _, h := range hits {
			p := h.Person
			fmt.Fprintf(&b, "\n  %-16s %s  %s  hộ %s", p.ID, p.FullName(), display(storage.FieldBirthDate, p.Get(storage.FieldBirthDate)),
				p.Get(storage.FieldHouseholdNumber))
		}
		return storage.ID{}, usagef("%s", b.String())
	}
	return storage.ID{}, usagef("%s", msg)
}
