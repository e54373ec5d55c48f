// Package assets embeds the kit's reference data files.
//
// The files are described in README.md beside this file: where each comes
// from, its licence, columns and row counts. Package storage/refdata parses
// and indexes them; most code should use that instead of reading the CSVs.
package assets

import "embed"

//go:generate go run ./internal/gennat -o data/nationalities.csv

// Data holds the reference CSV files under data/, for example
// "data/admin_units_2025.csv".
//
//go:embed data/*.csv
var Data embed.FS
