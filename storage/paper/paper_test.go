package paper_test

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/gen"
	"github.com/communekit/communekit/storage/paper"
	"golang.org/x/text/unicode/norm"
)

const (
	commune = "00769"
	pass    = "mật khẩu thử nghiệm"
	names   = "Nguyễn Thị Ánh Tuyết, Đặng Văn Đức, H'Hen Niê, Giàng A Páo"
)

var printed = time.Date(2027, 3, 5, 9, 0, 0, 0, time.UTC)

func newStore(t testing.TB) *storage.Store {
	t.Helper()
	s, err := storage.Create(filepath.Join(t.TempDir(), "p"), []byte(pass),
		storage.Profile{Commune: commune, Officer: "Nguyễn Thị Lan"}, storage.Options{WorkFactor: 10, GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func add(t testing.TB, s *storage.Store, v map[storage.Field]string) *storage.Person {
	t.Helper()
	vals := storage.Values{}
	for f, x := range v {
		vals[f] = x
	}
	p, err := s.AddPerson(vals, storage.SaveOptions{})
	if err != nil {
		t.Fatalf("adding %s: %v", v[storage.FieldFullName], err)
	}
	return p
}

// bigHousehold adds household 0769-000022 in Thôn Sủng Là: twelve
// members, the four names of the letters' test among them, some values
// missing.
func bigHousehold(t testing.TB, s *storage.Store) []*storage.Person {
	t.Helper()
	const number, detail = "0769-000022", "Thôn Sủng Là, số nhà 12"
	if _, err := s.AddHousehold(number, commune, detail, storage.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	base := func(name, born, sex, rel string) map[storage.Field]string {
		return map[storage.Field]string{
			storage.FieldFullName: name, storage.FieldBirthDate: born, storage.FieldSex: sex,
			storage.FieldHouseholdNumber: number, storage.FieldRelationshipToHead: rel,
			storage.FieldPermanentAddressCode: commune, storage.FieldPermanentAddressDetail: detail,
			storage.FieldCurrentAddressCode: commune, storage.FieldCurrentAddressDetail: detail,
			storage.FieldEthnicity: "H'Mông", storage.FieldReligion: "Không", storage.FieldNationality: "Việt Nam",
			storage.FieldHometown: commune,
		}
	}
	var out []*storage.Person
	head := base("Giàng A Páo", "1968-03-05", "Nam", "Chủ hộ")
	head[storage.FieldIDNumber] = "002068001234"
	head[storage.FieldOccupation] = "Làm nương, chăn nuôi gia súc và trồng rừng phòng hộ theo hợp đồng"
	head[storage.FieldMaritalStatus] = "Đã kết hôn"
	head[storage.FieldBloodType] = "O"
	out = append(out, add(t, s, head))
	wife := base("Nguyễn Thị Ánh Tuyết", "1972-12-01", "Nữ", "Vợ")
	wife[storage.FieldEthnicity] = "Kinh"
	wife[storage.FieldIDNumber] = "001172004321"
	wife[storage.FieldHometown] = "Xã Phù Đổng, Hà Nội"
	out = append(out, add(t, s, wife))
	kids := []struct{ name, born, sex, rel string }{
		{"Đặng Văn Đức", "1990-01-17", "Nam", "Con nuôi"},
		{"H'Hen Niê", "1993-07", "Nữ", "Con dâu"},
		{"Giàng Thị Mỷ", "1995-02-02", "Nữ", "Con"},
		{"Giàng A Sử", "1997-09-30", "Nam", "Con"},
		{"Giàng Thị Dợ", "1999", "Nữ", "Con"},
		{"Giàng A Chứ", "2001-11-11", "Nam", "Con"},
		{"Giàng Thị Và", "2004-04-04", "Nữ", "Con"},
		{"Giàng A Lử", "2008-10-10", "Nam", "Con"},
		{"Giàng Thị Hoa Ban Nở Trên Đỉnh Núi Mã Pì Lèng", "2012-05-20", "Nữ", "Cháu"},
		{"Giàng A Tủa", "2015-06-01", "Nam", "Cháu"},
	}
	for i, k := range kids {
		v := base(k.name, k.born, k.sex, k.rel)
		if k.name == "H'Hen Niê" {
			v[storage.FieldEthnicity] = "Ê Đê"
			v[storage.FieldReligion] = "Tin lành"
		}
		if i == 3 {
			delete(v, storage.FieldReligion) // values to fill in
			delete(v, storage.FieldHometown)
		}
		out = append(out, add(t, s, v))
	}
	return out
}

// tools skips the test when poppler's tools are missing.
func tools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"pdftotext", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (Debian: poppler-utils, which `make deps` installs): the PDF is not read back", tool)
		}
	}
}

// keep is the directory a test's PDF and pages are written to: under
// PAPER_PNG_DIR when set, to be looked at, else a temporary one.
func keep(t *testing.T) string {
	if d := os.Getenv("PAPER_PNG_DIR"); d != "" {
		dir := filepath.Join(d, strings.ReplaceAll(t.Name(), "/", "_"))
		os.MkdirAll(dir, 0o755)
		return dir
	}
	return t.TempDir()
}

// pdfPages returns the text of each page of pdf, NFC.
func pdfPages(t *testing.T, pdf []byte) []string {
	t.Helper()
	dir := keep(t)
	in := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages := strings.Split(norm.NFC.String(string(out)), "\f")
	if n := len(pages); n > 0 && strings.TrimSpace(pages[n-1]) == "" {
		pages = pages[:n-1]
	}
	return pages
}

// render converts the pages to PNG at dpi and decodes them.
func render(t *testing.T, pdf []byte, dpi int) []image.Image {
	t.Helper()
	dir := keep(t)
	in := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftoppm", "-png", "-r", strconv.Itoa(dpi), in, filepath.Join(dir, "page")).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "page-*.png"))
	var imgs []image.Image
	for _, f := range files {
		r, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		imgs = append(imgs, img)
	}
	return imgs
}

func TestHouseholdOfTwelvePaginates(t *testing.T) {
	tools(t)
	s := newStore(t)
	bigHousehold(t, s)
	h, err := paper.LoadHousehold(s, "0769-000022")
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Members) != 12 || h.Head() == nil || h.Head().FullName() != "Giàng A Páo" {
		t.Fatalf("loaded %d members, head %v", len(h.Members), h.Head())
	}
	var buf bytes.Buffer
	if err := paper.WriteHouseholds(&buf, []*paper.Household{h}, paper.Options{Commune: commune, Printed: printed}); err != nil {
		t.Fatal(err)
	}
	pages := pdfPages(t, buf.Bytes())
	if len(pages) != 2 {
		t.Fatalf("%d pages, want 2", len(pages))
	}
	for i, pg := range pages {
		for _, want := range []string{"0769-000022", "tờ " + strconv.Itoa(i+1) + "/2", "Giàng A Páo",
			"Trang " + strconv.Itoa(i+1) + "/2", "Thôn Sủng Là", "PHIẾU KIỂM TRA THÔNG TIN HỘ GIA ĐÌNH"} {
			if !strings.Contains(pg, want) {
				t.Errorf("page %d lacks %q:\n%s", i+1, want, pg)
			}
		}
	}
	// The signatures are on the last page only, under its members.
	if strings.Contains(pages[0], "CHỦ HỘ") || !strings.Contains(pages[1], "CHỦ HỘ") ||
		!strings.Contains(pages[1], "CÁN BỘ THU THẬP THÔNG TIN") || !strings.Contains(pages[1], "(tiếp theo)") {
		t.Errorf("the signatures, or the continuation's title, are not where they belong:\n%s", pages[1])
	}
	// Every member is on one page and one only, in the store's order.
	all := strings.Join(pages, "\n")
	for _, m := range h.Members {
		first := strings.Fields(m.FullName())[0]
		_ = first
		if n := strings.Count(all, m.FullName()); m.FullName() != "Giàng A Páo" && n != 1 && !strings.Contains(m.FullName(), "Hoa Ban") {
			t.Errorf("%s is on the sheet %d times", m.FullName(), n)
		}
	}
	// Dates as the forms write them.
	for _, want := range []string{"05/3/1968", "01/12/1972", "17/01/1990", "7/1993", "1999", "30/9/1997"} {
		if !strings.Contains(all, want) {
			t.Errorf("the sheet lacks the date %q", want)
		}
	}
	imgs := render(t, buf.Bytes(), 60)
	if len(imgs) != 2 {
		t.Fatalf("%d pages rendered", len(imgs))
	}
	if b := imgs[0].Bounds(); b.Dx() <= b.Dy() {
		t.Errorf("the sheet is not landscape: %v", b)
	}
}

// Every letter of the names is in the PDF's text, as typed.
func TestVietnameseNamesInText(t *testing.T) {
	tools(t)
	s := newStore(t)
	bigHousehold(t, s)
	h, err := paper.LoadHousehold(s, "0769-000022")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := paper.WriteHouseholds(&buf, []*paper.Household{h}, paper.Options{Commune: commune, Printed: printed}); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(pdfPages(t, buf.Bytes()), "\n")
	for _, name := range strings.Split(names, ", ") {
		if !strings.Contains(text, name) {
			t.Errorf("the text lacks %q", name)
		}
	}
	for _, r := range norm.NFC.String(names) {
		if !strings.ContainsRune(text, r) {
			t.Errorf("the text lacks the letter %q", r)
		}
	}
}

func TestNotFoundSuggests(t *testing.T) {
	s := newStore(t)
	bigHousehold(t, s)
	_, err := paper.LoadHousehold(s, "22")
	var nf *paper.NotFoundError
	if !errors.As(err, &nf) || !errors.Is(err, storage.ErrNotFound) || len(nf.Close) != 1 || nf.Close[0] != "0769-000022" {
		t.Errorf("household 22: %v", err)
	}
	_, err = paper.LoadHamlet(s, "Sung La")
	if err != nil {
		t.Errorf("hamlet without marks: %v", err)
	}
	_, err = paper.LoadHamlet(s, "Thôn Sủng Lo")
	if !errors.As(err, &nf) || len(nf.Close) != 1 || nf.Close[0] != "Thôn Sủng Là" {
		t.Errorf("a hamlet a mark away: %v", err)
	}
	_, err = paper.LoadHamlet(s, "Lũng Cú")
	if !errors.As(err, &nf) || len(nf.Close) != 1 {
		t.Errorf("a hamlet far away: %v (want every hamlet listed)", err)
	}
}

func TestFormDate(t *testing.T) {
	for _, c := range []struct {
		d    storage.PartialDate
		want string
	}{
		{storage.PartialDate{Year: 1990, Month: 3, Day: 5}, "05/3/1990"},
		{storage.PartialDate{Year: 1990, Month: 9, Day: 30}, "30/9/1990"},
		{storage.PartialDate{Year: 1985, Month: 12, Day: 17}, "17/12/1985"},
		{storage.PartialDate{Year: 2000, Month: 2, Day: 1}, "01/02/2000"},
		{storage.PartialDate{Year: 2000, Month: 1, Day: 31}, "31/01/2000"},
		{storage.PartialDate{Year: 2000, Month: 10}, "10/2000"},
		{storage.PartialDate{Year: 2000, Month: 4}, "4/2000"},
		{storage.PartialDate{Year: 1930}, "1930"},
		{storage.PartialDate{}, ""},
	} {
		if got := paper.FormDate(c.d); got != c.want {
			t.Errorf("FormDate(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

// The person's sheet lists DC01's items in DC01's order, with the
// record's values, dates as the form writes them, on one page.
func TestPersonSheetFollowsDC01(t *testing.T) {
	tools(t)
	s := newStore(t)
	ms := bigHousehold(t, s)
	wife := ms[1]
	pp, err := paper.LoadPerson(s, wife.ID)
	if err != nil {
		t.Fatal(err)
	}
	if pp.Head == nil || pp.Head.FullName() != "Giàng A Páo" {
		t.Fatalf("head %v", pp.Head)
	}
	var buf bytes.Buffer
	if err := paper.WritePerson(&buf, pp, paper.Options{Commune: commune, Printed: printed}); err != nil {
		t.Fatal(err)
	}
	pages := pdfPages(t, buf.Bytes())
	if len(pages) != 1 {
		t.Fatalf("%d pages, want 1", len(pages))
	}
	text := pages[0]
	order := []string{
		"Địa chỉ hành chính", "Tỉnh, thành phố", "Tuyên Quang", "Xã, phường", "Xã Mèo Vạc", "Thôn, tổ dân phố", "Thôn Sủng Là",
		"Số nhà, đường phố", "số nhà 12",
		"Họ, chữ đệm và tên khai sinh", "Nguyễn Thị Ánh Tuyết", "Ngày, tháng, năm sinh", "01/12/1972",
		"Giới tính", "Nhóm máu", "Số định danh cá nhân", "Số CMND cũ", "Nơi đăng ký khai sinh", "Quê quán", "Xã Phù Đổng, Hà Nội",
		"Dân tộc", "Kinh", "Tôn giáo", "Quốc tịch", "Việt Nam", "Tình trạng hôn nhân", "Nơi thường trú", "Nơi ở hiện tại",
		"Nghề nghiệp", "Cha", "Mẹ", "Vợ hoặc chồng", "Người đại diện hợp pháp", "Chủ hộ", "Giàng A Páo", "002068001234",
		"Quan hệ với chủ hộ", "Vợ", "NGƯỜI KÊ KHAI", "CÁN BỘ THU THẬP THÔNG TIN",
	}
	at := 0
	for _, want := range order {
		i := strings.Index(text[at:], want)
		if i < 0 {
			t.Fatalf("after %q the sheet lacks %q (or has it out of DC01's order):\n%s", text[:at], want, text)
		}
		at += i + len(want)
	}
	// The ID number, a digit in each box.
	if !strings.Contains(strings.ReplaceAll(text, " ", ""), "001172004321") {
		t.Errorf("the ID number's digits are not there:\n%s", text)
	}
}

// generated imports n generated persons of the commune.
func generated(t testing.TB, s *storage.Store, n int) {
	t.Helper()
	c, err := gen.Generate(gen.Options{Commune: commune, Persons: n, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	var csv bytes.Buffer
	if err := gen.WriteCSV(&csv, c, 7); err != nil {
		t.Fatal(err)
	}
	rep, err := s.ImportPersons(&csv, storage.ImportOptions{})
	if err != nil || rep.Imported != n {
		t.Fatalf("import: %v, %+v", err, rep)
	}
}

var sheetRe = regexp.MustCompile(`Hộ số (\S+) · tờ (\d+)/(\d+)`)

// A hamlet's round: the list first, then each household from a new page,
// in the list's order, every page of a sheet naming its household.
func TestHamletRound(t *testing.T) {
	tools(t)
	s := newStore(t)
	generated(t, s, 600)
	hamlets, err := paper.Hamlets(s)
	if err != nil || len(hamlets) < 2 {
		t.Fatalf("hamlets %v, %v", hamlets, err)
	}
	// The hamlet with the most households.
	var r *paper.Round
	for _, h := range hamlets {
		x, err := paper.LoadHamlet(s, h)
		if err != nil {
			t.Fatalf("hamlet %q: %v", h, err)
		}
		if r == nil || len(x.Households) > len(r.Households) {
			r = x
		}
	}
	if len(r.Households) < 5 {
		t.Fatalf("the largest hamlet has %d households", len(r.Households))
	}
	var buf bytes.Buffer
	if err := paper.WriteRound(&buf, r, paper.Options{Commune: commune, Printed: printed}); err != nil {
		t.Fatal(err)
	}
	pages := pdfPages(t, buf.Bytes())
	if !strings.Contains(pages[0], "DANH SÁCH HỘ KIỂM TRA THÔNG TIN") || sheetRe.MatchString(pages[0]) {
		t.Fatalf("the first page is not the round's list:\n%s", pages[0])
	}
	var starts []string
	for i, pg := range pages[1:] {
		m := sheetRe.FindAllStringSubmatch(pg, -1)
		if len(m) != 1 {
			t.Fatalf("page %d names %d sheets:\n%s", i+2, len(m), pg)
		}
		if m[0][2] == "1" {
			starts = append(starts, m[0][1])
			if !strings.Contains(pg, "Số hộ: "+m[0][1]) && !strings.Contains(pg, m[0][1]) {
				t.Errorf("page %d: the household's number is not in its header block", i+2)
			}
		}
		if !strings.Contains(pg, r.Hamlet) {
			t.Errorf("page %d does not name the hamlet %s", i+2, r.Hamlet)
		}
	}
	if len(starts) != len(r.Households) {
		t.Fatalf("%d sheets start, %d households", len(starts), len(r.Households))
	}
	for i, h := range r.Households {
		if starts[i] != h.Record.Number {
			t.Errorf("sheet %d is household %s, want %s (the list's order)", i+1, starts[i], h.Record.Number)
		}
		if !strings.Contains(pages[0], h.Record.Number) {
			t.Errorf("the list lacks household %s", h.Record.Number)
		}
	}
}
