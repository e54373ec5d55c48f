// Package i18n holds the texts people read, one JSON file per language
// (vi.json, en.json): a flat object from message key to text, and the
// [Catalog] that formats a key with its arguments in a language.
//
// Both the app and package storage say things through it: the app's
// screens through app/i18n, which adds the language an officer can switch
// while the app runs; storage by returning a key with its arguments (a
// problem in a record, a row of a file it refused), formatted here in the
// language asked. Keys storage uses begin with "problem.".
//
// The files are in the form Fyne's lang package reads, so they can also be
// loaded with lang.AddTranslationsFS.
package i18n

import "embed"

// Files holds vi.json and en.json.
//
//go:embed vi.json en.json
var Files embed.FS
