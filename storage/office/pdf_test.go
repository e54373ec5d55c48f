package office_test

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/communekit/communekit/storage/office"
	"golang.org/x/text/unicode/norm"
)

// vietnameseLetters returns every letter of Vietnamese: the twelve vowels
// with each of the six tones, d and đ and the consonants, lower and upper
// case, built decomposed (base letter and combining marks) as an input
// method may send them.
func vietnameseLetters() (lower, upper []string) {
	vowels := []string{"a", "a\u0306", "a\u0302", "e", "e\u0302", "i", "o", "o\u0302", "o\u031b", "u", "u\u031b", "y"}
	tones := []string{"", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}
	for _, v := range vowels {
		var l []string
		for _, t := range tones {
			l = append(l, v+t)
		}
		lower = append(lower, strings.Join(l, " "))
		upper = append(upper, strings.ToUpper(norm.NFC.String(strings.Join(l, " "))))
	}
	cons := "b c d đ g h k l m n p q r s t v x"
	lower = append(lower, cons)
	upper = append(upper, strings.ToUpper(cons))
	return lower, upper
}

const sample = "Nguyễn Thị Ánh Tuyết, Đặng Văn Đức, H'Hen Niê, Giàng A Páo; Thôn Lũng Dào, Xã Phố Bảng, Tuyên Quang. " +
	"Ủy ban nhân dân; Hộ khẩu thường trú; Ngày tháng năm sinh; Quốc tịch Việt Nam."

// Every rune of the Vietnamese letters and of a sample of names and
// places is in the font's character map.
func TestFontCoversVietnamese(t *testing.T) {
	lower, upper := vietnameseLetters()
	text := norm.NFC.String(strings.Join(append(lower, upper...), " ") + sample)
	n := 0
	for _, r := range text {
		if !office.Covers(r) {
			t.Errorf("the font has no glyph for %q (U+%04X)", r, r)
		}
		n++
	}
	if n < 400 {
		t.Fatalf("only %d runes checked", n)
	}
	if got := office.Clean("Nguye\u0302\u0303n\t\U0001F600"); got != "Nguyễn ?" {
		t.Errorf("Clean = %q, want NFC, a space and a ? for what the font lacks", got)
	}
}

// render converts a PDF to PNG pages with pdftoppm at dpi; it skips the
// test when pdftoppm is not installed. With OFFICE_PNG_DIR set the pages
// are kept there to be looked at.
func render(t *testing.T, pdf []byte, dpi string) []image.Image {
	t.Helper()
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Skip("pdftoppm is not installed (Debian: poppler-utils, which `make deps` installs): the PDF's pages are not checked")
	}
	dir := t.TempDir()
	if keep := os.Getenv("OFFICE_PNG_DIR"); keep != "" {
		dir = filepath.Join(keep, strings.ReplaceAll(t.Name(), "/", "_"))
		os.MkdirAll(dir, 0o755)
	}
	in := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftoppm", "-png", "-r", dpi, in, filepath.Join(dir, "page")).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	if len(out) > 0 {
		t.Errorf("pdftoppm complained: %s", out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "page-*.png"))
	var pages []image.Image
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, img)
	}
	return pages
}

// inked is the share of a page's pixels that are not white.
func inked(img image.Image) float64 {
	b := img.Bounds()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				n++
			}
		}
	}
	return float64(n) / float64(b.Dx()*b.Dy())
}

// A page of every Vietnamese letter: drawn, converted, inked. Look at it
// with OFFICE_PNG_DIR=/tmp/x go test -run TestVietnamesePage.
func TestVietnamesePage(t *testing.T) {
	lower, upper := vietnameseLetters()
	p := office.NewPDF(office.PageSetup{
		Title: "Chữ Việt", HeaderLeft: "Xã Phố Bảng, tỉnh Tuyên Quang", HeaderRight: "Ngày tham chiếu: 31/12/2026",
		Page: func(n int, of string) string { return "Trang " + strconv.Itoa(n) + "/" + of },
		Made: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC),
	})
	p.Heading(1, "Mọi chữ cái tiếng Việt (gõ ở dạng tách dấu)")
	for i := range lower {
		p.Text(lower[i] + "     " + upper[i])
	}
	p.Heading(2, "Họ tên và địa danh")
	p.Text(sample)
	p.Table(office.Table{
		Title:   "Bảng thử",
		Columns: []office.PDFColumn{{Title: "Họ và tên"}, {Title: "Số định danh cá nhân", Width: 45}, {Title: "Số người", Width: 25, Number: true}},
		Rows:    [][]string{{"Nguyễn Thị Ánh Tuyết", "001190012345", "1"}, {"Đặng Văn Đức", "002085000123", "2"}},
		Total:   []string{"Tổng số", "", "3"},
	})
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		t.Fatal(err)
	}
	pages := render(t, buf.Bytes(), "110")
	if len(pages) != 1 {
		t.Fatalf("%d pages, want 1", len(pages))
	}
	if ink := inked(pages[0]); ink < 0.01 {
		t.Errorf("the page is nearly blank: %.3f of its pixels inked", ink)
	}
	if out, err := exec.Command("pdftotext", "-v").CombinedOutput(); err == nil || len(out) > 0 {
		dir := t.TempDir()
		in := filepath.Join(dir, "doc.pdf")
		os.WriteFile(in, buf.Bytes(), 0o644)
		txt, err := exec.Command("pdftotext", in, "-").Output()
		if err == nil {
			got := norm.NFC.String(string(txt))
			for _, w := range strings.Fields(norm.NFC.String(upper[8] + " " + lower[10])) {
				if !strings.Contains(got, w) {
					t.Errorf("the PDF's text lacks %q", w)
				}
			}
			if !strings.Contains(got, "Trang 1/1") {
				t.Errorf("no page number in %q", got)
			}
		}
	}
}

// A form's pages: landscape, started by the caller, each with its own
// header; texts drawn at places, wrapped, cut.
func TestFormPages(t *testing.T) {
	p := office.NewPDF(office.PageSetup{Landscape: true, Deferred: true, HeaderLeft: "Xã Mèo Vạc",
		Page: func(n int, of string) string { return "Trang " + strconv.Itoa(n) + "/" + of },
		Made: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)})
	if p.Width() != 297-30 {
		t.Errorf("landscape width %v", p.Width())
	}
	long := "Làm nương, chăn nuôi gia súc và trồng rừng phòng hộ theo hợp đồng"
	if lines := p.Wrap(long, 40, office.Style{Size: 9.5}); len(lines) < 2 {
		t.Errorf("wrapped in %d lines: %q", len(lines), lines)
	}
	for i, right := range []string{"Hộ số 0769-000022 · tờ 1/2", "Hộ số 0769-000022 · tờ 2/2"} {
		p.SetHeader("Xã Mèo Vạc", right)
		p.NewPage()
		p.TextAt(p.Left(), p.Top(), 60, 6, "Đặng Văn Đức "+strconv.Itoa(i+1), office.Style{Bold: true})
		p.TextAt(p.Left(), p.Top()+10, 30, 6, long, office.Style{})
		p.CheckBox(p.Left(), p.Top()+20, 4, true)
		p.LineAt(p.Left(), p.Bottom(), p.Left()+p.Width(), p.Bottom(), office.Stroke{Dotted: true})
	}
	if p.Pages() != 2 {
		t.Fatalf("%d pages", p.Pages())
	}
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		t.Fatal(err)
	}
	pages := render(t, buf.Bytes(), "40")
	if len(pages) != 2 || pages[0].Bounds().Dx() <= pages[0].Bounds().Dy() {
		t.Fatalf("%d pages, the first %v: want 2 landscape", len(pages), pages[0].Bounds())
	}
	in := filepath.Join(t.TempDir(), "doc.pdf")
	os.WriteFile(in, buf.Bytes(), 0o644)
	txt, err := exec.Command("pdftotext", in, "-").Output()
	if err != nil {
		t.Skipf("pdftotext: %v", err)
	}
	got := strings.Split(norm.NFC.String(string(txt)), "\f")
	for i := range 2 {
		for _, want := range []string{"tờ " + strconv.Itoa(i+1) + "/2", "Đặng Văn Đức " + strconv.Itoa(i+1), "Trang " + strconv.Itoa(i+1) + "/2", "Làm nương", "…"} {
			if !strings.Contains(got[i], want) {
				t.Errorf("page %d lacks %q: %q", i+1, want, got[i])
			}
		}
	}
}
