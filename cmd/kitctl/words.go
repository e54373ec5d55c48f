package main

import (
	"sync"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/storage"
)

var (
	wordsMu sync.Mutex
	bundles = map[string]*i18n.Bundle{}
)

// words is the app's bundle in lang: kitctl's human output says events in
// the officer's language with the same words as the app's screens.
func words(lang string) *i18n.Bundle {
	wordsMu.Lock()
	defer wordsMu.Unlock()
	b, ok := bundles[lang]
	if !ok {
		b = i18n.MustLoad()
		b.SetLang(lang)
		bundles[lang] = b
	}
	return b
}

// eventWords is the event in lang ("Sửa thông tin", "Correction"), or its
// stored name when the bundle has no words for it.
func eventWords(lang string, ev storage.Event) string {
	b, key := words(lang), "event."+ev.String()
	if !b.Has(key) {
		return ev.String()
	}
	return b.T(key)
}
