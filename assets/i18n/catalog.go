package i18n

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"sync"
)

// The languages of the files. Vietnamese is the default: officers read it
// first, a key missing in another language falls back to it, and an
// unknown language code reads Vietnamese.
const (
	Vietnamese = "vi"
	English    = "en"
)

// Languages lists the language codes in the order a picker shows them.
var Languages = []string{Vietnamese, English}

// Catalog is the messages of every language, read from the files. It is
// the one place that says how a message key and its arguments become text;
// app/i18n (the app's switchable language) and package storage (the
// problems it finds in records and files) both format through it.
//
// A message is an fmt template ("Đã lưu %s") given the arguments of T. An
// argument that is [Localized] (a field, whose label differs by language;
// a [Msg] nested in another) is first said in the language asked.
// Both files hold the same keys with the same verbs for the same
// arguments; tests check it. An English template may take its arguments
// in another order with explicit indexes (%[2]s).
//
// A Catalog is read-only once made and safe for concurrent use.
type Catalog struct {
	msgs map[string]map[string]string
}

// Parse reads vi.json and en.json from fsys.
func Parse(fsys fs.FS) (*Catalog, error) {
	c := &Catalog{msgs: map[string]map[string]string{}}
	for _, l := range Languages {
		data, err := fs.ReadFile(fsys, l+".json")
		if err != nil {
			return nil, fmt.Errorf("translations %s.json: %w", l, err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("translations %s.json: %w", l, err)
		}
		c.msgs[l] = m
	}
	return c, nil
}

var embedded = sync.OnceValues(func() (*Catalog, error) { return Parse(Files) })

// Default returns the catalog of the embedded files, read once.
func Default() (*Catalog, error) { return embedded() }

// T formats key in lang from the embedded files. It never fails: if the
// files could not be read (a test checks they can), the key itself is
// returned, as for a key missing from them.
func T(lang, key string, args ...any) string {
	c, err := Default()
	if err != nil {
		c = &Catalog{}
	}
	return c.T(lang, key, args...)
}

// Known reports whether lang is one of the catalog's languages.
func (c *Catalog) Known(lang string) bool {
	_, ok := c.msgs[lang]
	return ok
}

// Has reports whether key is translated in lang.
func (c *Catalog) Has(lang, key string) bool {
	_, ok := c.msgs[lang][key]
	return ok
}

// Template returns the template of key in lang, falling back to
// Vietnamese; ok is false if neither has it.
func (c *Catalog) Template(lang, key string) (string, bool) {
	msg, ok := c.msgs[lang][key]
	if !ok {
		msg, ok = c.msgs[Vietnamese][key]
	}
	return msg, ok
}

// T returns the message key in lang, formatted with args. A key missing in
// lang falls back to Vietnamese, and a key missing everywhere is returned
// as it is, so a gap shows on screen rather than as an empty label.
func (c *Catalog) T(lang, key string, args ...any) string {
	msg, ok := c.Template(lang, key)
	if !ok {
		msg = key
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, Localize(lang, args)...)
}

// Keys returns the keys of lang, sorted.
func (c *Catalog) Keys(lang string) []string {
	keys := make([]string, 0, len(c.msgs[lang]))
	for k := range c.msgs[lang] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Localized is an argument that says itself differently in each language:
// a record field names itself by its label, a nested [Msg] by its text.
type Localized interface {
	Localize(lang string) string
}

// Localize returns args with every [Localized] argument said in lang; args
// itself is left alone.
func Localize(lang string, args []any) []any {
	var out []any
	for i, a := range args {
		l, ok := a.(Localized)
		if !ok {
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		out[i] = l.Localize(lang)
	}
	if out == nil {
		return args
	}
	return out
}

// Msg is a message key with its arguments, to be said in a language later:
// what a package returns to whoever shows it, or an argument of another
// message ("Hộ %s: %s" around a problem of the household).
type Msg struct {
	Key  string
	Args []any
}

// M returns the Msg of key with args.
func M(key string, args ...any) Msg { return Msg{Key: key, Args: args} }

// Localize returns the message in lang from the embedded files.
func (m Msg) Localize(lang string) string { return T(lang, m.Key, m.Args...) }

// Placeholders returns, for each argument a template uses, the verb that
// formats it ("s", "d", "q"), in argument order: "%[2]s có %[1]d" gives
// ["d", "s"]. An argument no verb uses gives "". Tests compare the
// languages of a key with it: the same arguments, formatted the same way.
func Placeholders(tmpl string) []string {
	var out []string
	arg := 0
	for i := 0; i < len(tmpl); i++ {
		if tmpl[i] != '%' {
			continue
		}
		i++
		if i < len(tmpl) && tmpl[i] == '%' {
			continue
		}
		// Flags, width and precision, then an optional [n] index.
		for i < len(tmpl) && (tmpl[i] == '+' || tmpl[i] == '-' || tmpl[i] == '#' || tmpl[i] == ' ' || tmpl[i] == '0' || tmpl[i] == '.' || (tmpl[i] >= '1' && tmpl[i] <= '9')) {
			i++
		}
		if i < len(tmpl) && tmpl[i] == '[' {
			j := i + 1
			n := 0
			for j < len(tmpl) && tmpl[j] >= '0' && tmpl[j] <= '9' {
				n = n*10 + int(tmpl[j]-'0')
				j++
			}
			if j < len(tmpl) && tmpl[j] == ']' && n > 0 {
				arg = n - 1
				i = j + 1
			}
		}
		if i >= len(tmpl) {
			break
		}
		for len(out) <= arg {
			out = append(out, "")
		}
		if out[arg] == "" {
			out[arg] = string(tmpl[i])
		}
		arg++
	}
	return out
}
