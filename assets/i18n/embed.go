// Package i18n holds the translations of the desktop app, one JSON file
// per language (vi.json, en.json): a flat object from message key to text.
// The files are in the form Fyne's lang package reads, so they can also be
// loaded with lang.AddTranslationsFS; the app reads them through
// app/i18n, which can switch language while it runs.
package i18n

import "embed"

// Files holds vi.json and en.json.
//
//go:embed vi.json en.json
var Files embed.FS
