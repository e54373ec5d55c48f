// Package refdata is the kit's reference data, parsed and indexed: the
// administrative units, the province codes of personal ID numbers, ethnic
// groups, religions and countries.
//
// The data is embedded in the binary by package assets, whose README.md
// names the source and licence of every file. Each file is parsed the first
// time one of its functions is called, once, and is read-only afterwards, so
// every function is safe for concurrent use. Slices returned are fresh copies
// that the caller may keep or change.
//
// # Eras of administrative units
//
// On 1 July 2025 the district level was abolished, the 63 provinces were
// merged into 34 and the 10,035 communes into 3,321. Both sets of units
// stay in use: current addresses use [Era2025], while hometowns, birth
// registrations and old addresses written before the reform use
// [EraPre2025] (provinces, districts and communes as of early 2025, after
// the mergers of 2023-2025; data version v2.4.1 of the source).
//
// Commune codes are GSO codes, and the two eras share one code space: 3,315
// of the 3,321 units of 2025 reuse the code of one of the communes merged
// into them. [CurrentUnit] relies on that, and only on that. The data does
// not say which unit every other old commune became part of, so for those
// it reports nothing rather than guess.
//
// # Matching names
//
// Names are compared at two strengths from package storage/fold: first by
// [github.com/communekit/communekit/storage/fold.Key], which ignores case, spacing and whether the tone mark of
// oa/oe/uy is written the traditional way (Hòa) or the new way (Hoà); then
// by the folded form, which also ignores diacritics ("hoa binh"). The data
// itself uses the traditional placement throughout.
//
// # Codes
//
// Codes are strings with their leading zeros ("00769", "01", "001"). Since
// spreadsheets drop leading zeros, the functions that take a numeric code
// also accept it without them ("769", "1").
//
// Ethnic groups use the GSO coding of 1979 (Decision 121-TCTK/PPCĐ), in
// which 04 is Hoa and 53 is Ơ Đu; the 2008 coding used by the 2009 and 2019
// censuses numbers them differently and must not be mixed in. Religion codes
// are the kit's own: 00 none, 01-16 the religions recognised by the state,
// 99 other. Countries are ISO 3166-1 alpha-2 codes with names from CLDR.
package refdata
