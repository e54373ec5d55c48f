package vm

import "github.com/communekit/communekit/storage"

// DisplayValue renders a stored value for reading in the current
// language: names before codes ("Kinh", "Xã Quỳnh Phụ, … (12472)"), the
// coded words said ("Còn sống", "Living").
func DisplayValue(tr Tr, f storage.Field, v string) string {
	return storage.DisplayValueIn(tr.Lang(), f, v)
}

func displayValue(tr Tr, f storage.Field, v string) string { return DisplayValue(tr, f, v) }
