// Package i18n is the app's translation layer: every string a screen shows
// goes through [Bundle.T] with a message key from assets/i18n.
//
// It is a small layer of its own rather than Fyne's lang package because
// lang picks its language from the system locale once, and an officer must
// be able to switch between Vietnamese and English while the app runs
// (app/DESIGN.md). The translation files are in the flat JSON form lang
// reads, so nothing stops a later move to it.
//
// Messages are fmt templates: "Đã lưu %s" with the arguments given to T.
// Both files must hold the same keys with the same verbs in the same order;
// a test checks it.
package i18n

import (
	"io/fs"
	"sync"

	files "github.com/communekit/communekit/assets/i18n"
)

// The languages the app speaks. Vietnamese is the default: officers read it
// first, and a key missing in English falls back to it.
const (
	Vietnamese = files.Vietnamese
	English    = files.English
)

// Languages lists the language codes in the order a picker shows them.
var Languages = files.Languages

// Bundle is the catalog of messages and the language in use. How a key and
// its arguments become text is the catalog's (assets/i18n), shared with
// package storage, so a problem storage finds reads the same as a screen.
type Bundle struct {
	mu        sync.RWMutex
	lang      string
	cat       *files.Catalog
	listeners []func()
}

// Load reads the embedded translation files; the language starts as
// Vietnamese.
func Load() (*Bundle, error) {
	c, err := files.Default()
	if err != nil {
		return nil, err
	}
	return &Bundle{lang: Vietnamese, cat: c}, nil
}

// LoadFS reads vi.json and en.json from fsys.
func LoadFS(fsys fs.FS) (*Bundle, error) {
	c, err := files.Parse(fsys)
	if err != nil {
		return nil, err
	}
	return &Bundle{lang: Vietnamese, cat: c}, nil
}

// MustLoad is Load for programs and tests whose embedded files are known
// good; it panics on a malformed file.
func MustLoad() *Bundle {
	b, err := Load()
	if err != nil {
		panic(err)
	}
	return b
}

// T returns the message key in the current language, formatted with args.
// A key missing in the current language falls back to Vietnamese, and a key
// missing everywhere is returned as it is, so a gap shows on screen rather
// than as an empty label.
func (b *Bundle) T(key string, args ...any) string {
	return b.cat.T(b.Lang(), key, args...)
}

// Has reports whether key is translated in the current language.
func (b *Bundle) Has(key string) bool {
	return b.cat.Has(b.Lang(), key)
}

// Lang returns the current language code.
func (b *Bundle) Lang() string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.lang
}

// SetLang switches the language and tells every listener. An unknown code
// is ignored.
func (b *Bundle) SetLang(lang string) {
	b.mu.Lock()
	if !b.cat.Known(lang) || lang == b.lang {
		b.mu.Unlock()
		return
	}
	b.lang = lang
	ls := append([]func(){}, b.listeners...)
	b.mu.Unlock()
	for _, f := range ls {
		f()
	}
}

// OnChange registers f to run after each language switch.
func (b *Bundle) OnChange(f func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.listeners = append(b.listeners, f)
}

// Keys returns the keys of lang, sorted; tests compare the files with it.
func (b *Bundle) Keys(lang string) []string {
	return b.cat.Keys(lang)
}
