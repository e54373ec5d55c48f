package refdata

import "testing"

func BenchmarkLoadUnits(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = loadUnits()
	}
}

func BenchmarkBuildCommuneSearch(b *testing.B) {
	u := units()
	idProvinces()
	b.ReportAllocs()
	for b.Loop() {
		_ = newCommuneSearch(u)
	}
}

func BenchmarkCommune2025(b *testing.B) {
	units()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = Commune2025("00715")
	}
}

func BenchmarkFindCommunes(b *testing.B) {
	communeIndex()
	b.ReportAllocs()
	for b.Loop() {
		_ = FindCommunes("Hoà Bình, Phú Thọ")
	}
}

func BenchmarkLookupEthnicity(b *testing.B) {
	ethnicities()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = LookupEthnicity("H'Mông")
	}
}

func BenchmarkLookupCountry(b *testing.B) {
	countries()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = LookupCountry("viet nam")
	}
}
