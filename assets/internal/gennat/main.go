// Command gennat writes assets/data/nationalities.csv: the ISO 3166-1
// alpha-2 country codes with their Vietnamese and English names, taken from
// the CLDR data that golang.org/x/text carries.
//
// It is run by go generate in package assets:
//
//	go run ./internal/gennat -o data/nationalities.csv
//
// The output depends only on the version of golang.org/x/text in go.mod, so
// regenerating after an upgrade shows exactly what CLDR changed.
package main

import (
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"golang.org/x/text/unicode/norm"
)

// notISO are codes that x/text accepts as countries but ISO 3166-1 does not
// assign: exceptional reservations, and withdrawn codes whose territory was
// split (so language.Region.Canonicalize has no single replacement for them).
// The other withdrawn codes (BU, TP, ZR, ...) are dropped because they
// canonicalise to their successor.
var notISO = map[string]bool{
	// Exceptionally reserved.
	"AC": true, // Ascension Island
	"CP": true, // Clipperton Island
	"CQ": true, // Sark
	"DG": true, // Diego Garcia
	"EA": true, // Ceuta and Melilla
	"EZ": true, // Eurozone
	"IC": true, // Canary Islands
	"TA": true, // Tristan da Cunha
	"UN": true, // United Nations
	// Withdrawn and split.
	"AN": true, // Netherlands Antilles
	"CS": true, // Serbia and Montenegro
	"FQ": true, // French Southern and Antarctic Territories
	"NT": true, // Neutral Zone
	"PC": true, // Pacific Islands Trust Territory
	"SU": true, // USSR
	"YU": true, // Yugoslavia
}

func main() {
	out := flag.String("o", "nationalities.csv", "output file")
	flag.Parse()

	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write([]string{"code", "name_vi", "name_en"}); err != nil {
		log.Fatal(err)
	}
	vi, en := display.Vietnamese.Regions(), display.English.Regions()
	n := 0
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			r, err := language.ParseRegion(code)
			// Deprecated codes parse to their replacement (BU -> MM);
			// keep only the canonical spelling.
			if err != nil || r.String() != code || r.Canonicalize() != r || !r.IsCountry() || r.IsPrivateUse() || notISO[code] {
				continue
			}
			nameVi, nameEn := vi.Name(r), en.Name(r)
			if nameVi == "" || nameEn == "" {
				log.Fatalf("no name for region %q", code)
			}
			row := []string{code, clean(nameVi), clean(nameEn)}
			if err := w.Write(row); err != nil {
				log.Fatal(err)
			}
			n++
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "gennat: wrote %d countries to %s\n", n, *out)
}

// clean applies the conventions of the other reference files: NFC and
// single spaces.
func clean(s string) string {
	return strings.Join(strings.Fields(norm.NFC.String(s)), " ")
}
