// Package paper lays out the sheets a commune prints for residents to
// check on paper: a household's sheet (every member, the values a
// household checks, a line under each to write corrections on, the
// head's and the officer's signatures), a hamlet's round (a list of its
// households, then each one's sheet), and a person's sheet with the items
// of the population information collection form (DC01) in its order.
//
// It reads the records from a store (LoadHousehold, LoadHamlet,
// LoadPerson) and writes PDF through storage/office, which holds the
// drawing and the font; this package decides what goes where. It sits
// beside storage/report, under storage, and imports storage packages
// only.
//
// DESIGN.md beside this file says what each sheet holds and why, and
// what was followed from the form.
package paper
