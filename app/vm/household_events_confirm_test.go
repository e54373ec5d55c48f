package vm

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
)

// smallCommune adds 2472-000010 (a couple, their son of 38 and a grandson
// of 14) and 2472-000020 (Vũ Văn Thắng and his daughter).
func smallCommune(t *testing.T) *storage.Store {
	t.Helper()
	s := mustStore(t, 0)
	grandson := strconv.Itoa(time.Now().Year() - 14)
	for _, p := range [][5]string{
		{"2472-000010", "Trần Văn Hải", "Nam", "1958", "Chủ hộ"}, {"2472-000010", "Phạm Thị Lụa", "Nữ", "1960", "Vợ"},
		{"2472-000010", "Trần Văn Minh", "Nam", strconv.Itoa(time.Now().Year() - 38), "Con"},
		{"2472-000010", "Trần Văn Bình", "Nam", grandson, "Cháu"},
		{"2472-000020", "Vũ Văn Thắng", "Nam", "1984", "Chủ hộ"}, {"2472-000020", "Vũ Thị Hoa", "Nữ", "2012", "Con"},
	} {
		if _, err := s.AddPerson(storage.Values{storage.FieldHouseholdNumber: p[0], storage.FieldFullName: p[1], storage.FieldSex: p[2],
			storage.FieldBirthDate: p[3], storage.FieldRelationshipToHead: p[4], storage.FieldEthnicity: "01",
			storage.FieldPermanentAddressCode: "12472", storage.FieldPermanentAddressDetail: "Thôn Đông"}, storage.SaveOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func memberID(t *testing.T, ms []EventMember, name string) storage.ID {
	t.Helper()
	for _, m := range ms {
		if m.Name == name {
			return m.ID
		}
	}
	t.Fatalf("no member %s", name)
	return storage.ID{}
}

// A split says what it will do before it saves, and warns when a person
// under 18 is to head a household; it is dirty once anything is chosen.
func TestSplit_ConfirmSaysWhatHappensAndWarnsOfAMinorHead(t *testing.T) {
	s := smallCommune(t)
	v, err := NewSplit(mustTr(t), s, "2472-000010")
	if err != nil {
		t.Fatal(err)
	}
	if v.Dirty() {
		t.Error("dirty as opened")
	}
	ms := v.Members()
	v.SetMove(memberID(t, ms, "Trần Văn Bình"), true) // alone: he heads the new household
	if !v.Dirty() {
		t.Error("a box ticked is not dirty")
	}
	if v.Ready() {
		t.Fatal("ready without a reason")
	}
	v.SetReason("ra ở riêng")
	if !v.Ready() {
		t.Fatalf("not ready: %q", v.Message())
	}
	what, warns := v.Confirm()
	if !strings.Contains(what, "Tách 1 người sang hộ mới 2472-000021") || !strings.Contains(what, "Hộ 2472-000010 còn 3 người, chủ hộ Trần Văn Hải") {
		t.Errorf("confirm %q", what)
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "Trần Văn Bình mới 14 tuổi") {
		t.Fatalf("warnings %q", warns)
	}
	// His father moves with him and heads it: no warning.
	v.SetMove(memberID(t, ms, "Trần Văn Minh"), true)
	v.SetNewHead(memberID(t, ms, "Trần Văn Minh"))
	v.SetRelationship(memberID(t, ms, "Trần Văn Bình"), "Con")
	what, warns = v.Confirm()
	if len(warns) != 0 || !strings.Contains(what, "Tách 2 người") || !strings.Contains(what, "chủ hộ Trần Văn Minh") {
		t.Errorf("confirm %q, warnings %q", what, warns)
	}
	if err := v.Save(); err != nil {
		t.Fatal(err)
	}
	if v.Dirty() {
		t.Error("dirty after the save")
	}
}

// The household merged in is found by its head's name, a member's name or
// the start of its number, and picked; the merge says what it will do.
func TestMerge_PicksTheHouseholdByNameAndConfirms(t *testing.T) {
	s := smallCommune(t)
	v, err := NewMerge(mustTr(t), s, "2472-000010")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"vu van thang", "Vũ Thị Hoa", "2472-00002"} {
		v.SetFrom(q)
		cs := v.Choices()
		if len(cs) != 1 || cs[0].Number != "2472-000020" || !strings.Contains(cs[0].Label, "chủ hộ Vũ Văn Thắng, 2 người") {
			t.Errorf("%q: choices %+v", q, cs)
		}
		if v.Problem(SpotFrom) != "" {
			t.Errorf("%q: a name typed is refused: %q", q, v.Problem(SpotFrom))
		}
	}
	// The household merged into is never offered.
	v.SetFrom("Trần Văn Hải")
	if cs := v.Choices(); len(cs) != 0 {
		t.Errorf("offers itself: %+v", cs)
	}
	v.SetFrom("vu van")
	if v.Ready() || v.Problem(SpotFrom) != "Chọn hộ cần nhập vào trong danh sách" {
		t.Errorf("ready without a household picked: %q", v.Problem(SpotFrom))
	}
	if !v.Dirty() {
		t.Error("not dirty")
	}
	v.SetFrom(v.Choices()[0].Number)
	for _, m := range v.Members() {
		if m.IsHead {
			v.SetRelationship(m.ID, "Con rể")
		}
	}
	v.SetReason("nhập hộ")
	if !v.Ready() {
		t.Fatalf("not ready: %q", v.Message())
	}
	want := "Nhập 2 người của hộ 2472-000020 (chủ hộ Vũ Văn Thắng) vào hộ 2472-000010 (chủ hộ Trần Văn Hải). Sau đó hộ 2472-000020 không còn ai."
	if got := v.Confirm(); got != want {
		t.Errorf("confirm %q", got)
	}
}

// A member with no relationship reads "chưa có", not "Sinh 1990 · ".
func TestEventMember_LineSaysNone(t *testing.T) {
	s := mustStore(t, 0)
	p, err := s.AddPerson(storage.Values{storage.FieldFullName: "Lò Văn A", storage.FieldBirthDate: "1990",
		storage.FieldSex: storage.SexMale, storage.FieldEthnicity: "01"}, storage.SaveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e := newMemberEvent(mustTr(t), s)
	if l := e.member(p).Line; strings.HasSuffix(l, "· ") || !strings.Contains(l, "chưa có") {
		t.Errorf("line %q", l)
	}
}

// A split over a member changed meanwhile is refused with words that do
// not promise the field-by-field choice of the person form.
func TestSplit_ChangedMeanwhileSaysToReopen(t *testing.T) {
	s := smallCommune(t)
	v, err := NewSplit(mustTr(t), s, "2472-000010")
	if err != nil {
		t.Fatal(err)
	}
	ms := v.Members()
	bình := memberID(t, ms, "Trần Văn Bình")
	v.SetMove(bình, true)
	v.SetReason("ra ở riêng")
	if _, _, err := s.EditPerson(bình, storage.Values{storage.FieldRelationshipToHead: "Con"}, storage.SaveOptions{Reason: "sửa"}); err != nil {
		t.Fatal(err)
	}
	if err := v.Save(); err == nil || !strings.Contains(v.Message(), "mở lại") {
		t.Fatalf("%v %q", err, v.Message())
	}
}
