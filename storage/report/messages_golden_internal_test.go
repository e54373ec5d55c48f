package report

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/communekit/communekit/internal/golden"
	"github.com/communekit/communekit/storage"
)

var updateMessages = flag.Bool("update-messages", false, "rewrite testdata/messages.golden")

// TestMessages_KeepTheirWordsInBothLanguages says every kind of worklist
// item in both languages. The golden file was written by the code that
// built each message twice with Sprintf, before the texts moved to the
// bundles of assets/i18n; the test keeps every text byte for byte. A new
// message belongs here, with -update-messages and a look at the diff.
func TestMessages_KeepTheirWordsInBothLanguages(t *testing.T) {
	id := storage.MakeIDNumber("033", storage.SexMale, 1980, 5)
	msgs := []struct {
		name string
		m    message
	}{
		{"id_missing", msgIDMissing(15, storage.FieldIDNumber)},
		{"address_missing", msgAddressMissing()},
		{"id_sex male/female", msgIDSex(id, storage.SexMale, storage.SexFemale)},
		{"id_sex female/male", msgIDSex(id, storage.SexFemale, storage.SexMale)},
		{"id_century", msgIDCentury(id, 2000, 1980)},
		{"id_birth_year", msgIDBirthYear(id, 1980, 1981)},
		{"id_province", msgIDProvince(id, "033", "Hưng Yên", "Xã Lũng Cú, Tuyên Quang")},
		{"household_unknown", msgHouseholdUnknown("H-7")},
		{"link_unknown", msgLinkUnknown(storage.FieldMotherIDNumber, id)},
		{"alive_past_110", msgAlivePast110(112)},
		{"probable_duplicate", msgProbableDuplicate("Phạm Văn Bình", "ABCDEFGH-42")},
		{"household_no_head", msgHouseholdNoHead("H-7", 3, false)},
		{"household_no_head head died", msgHouseholdNoHead("H-7", 3, true)},
		{"household_heads", msgHouseholdHeads("H-7", 2)},
	}
	for _, r := range required {
		if r.field != storage.FieldIDNumber && r.field != storage.FieldPermanentAddressCode {
			msgs = append(msgs, struct {
				name string
				m    message
			}{"missing " + r.field.String(), msgMissing(r.field)})
		}
	}
	var b strings.Builder
	for _, m := range msgs {
		it := Item{}.with(m.m)
		vi, en := it.Message("vi"), it.Message("en")
		if strings.Contains(vi+en, "%!") {
			t.Errorf("%s: a verb and its arguments disagree: %q / %q", m.name, vi, en)
		}
		fmt.Fprintf(&b, "# %s\nvi: %s\nen: %s\n\n", m.name, vi, en)
	}
	path := filepath.Join("testdata", "messages.golden")
	golden.Check(t, path, b.String(), *updateMessages)
}
