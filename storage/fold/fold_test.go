package fold

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"dang van duc", "dang van duc"},
		{"Đặng Văn Đức", "dang van duc"},
		{"  ĐẶNG\t VĂN \n ĐỨC  ", "dang van duc"},
		{"Nguyễn Thị Hương", "nguyen thi huong"},
		{"Trương Ngọc Ánh", "truong ngoc anh"},
		{"Ơ Đu", "o du"},
		{"Rơ Măm", "ro mam"},
		{"Hòa Bình", "hoa binh"},
		{"Hoà Bình", "hoa binh"},
		{"Thuỷ Thủy", "thuy thuy"},
		{"H'Hen Niê", "h'hen nie"},
		{"H’Mông", "h'mong"},
		{"Y-Moan", "y-moan"},
		{"Bru - Vân Kiều", "bru - van kieu"},
		{"Côte d’Ivoire", "cote d'ivoire"},
		{"Ærø Straße", "aero strasse"},
		{"a\u00A0b\u200Bc", "a bc"},
		{"Quốc lộ 1A, số 12", "quoc lo 1a, so 12"},
		{"北京 Ωmega", "北京 ωmega"},
	}
	for _, tt := range tests {
		for _, form := range []norm.Form{norm.NFC, norm.NFD} {
			in := form.String(tt.in)
			if got := Fold(in); got != tt.want {
				t.Errorf("Fold(%+q) = %q, want %q", in, got, tt.want)
			}
		}
	}
}

func TestFold_EveryVietnameseLetter(t *testing.T) {
	for _, r := range vietnameseLetters {
		for _, form := range []norm.Form{norm.NFC, norm.NFD} {
			in := form.String(string(r))
			got := Fold(in)
			want := string(unicode.ToLower(baseLetter(r)))
			if got != want {
				t.Errorf("Fold(%+q) = %q, want %q", in, got, want)
			}
		}
	}
}

func TestFold_AlreadyFoldedDoesNotAllocate(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() { _ = Fold("dang van duc") })
	if allocs != 0 {
		t.Errorf("Fold of folded text: %v allocations, want 0", allocs)
	}
	allocs = testing.AllocsPerRun(100, func() { _ = Fold("Đặng Văn Đức") })
	if allocs > 1 {
		t.Errorf("Fold of Vietnamese text: %v allocations, want at most 1", allocs)
	}
}

func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  - ' ", nil},
		{"H'Hen Niê", []string{"hhen", "nie"}},
		{"H’Hen Niê", []string{"hhen", "nie"}},
		{"Y-Moan", []string{"y", "moan"}},
		{"Y–Moan Ênuôl", []string{"y", "moan", "enuol"}},
		{"Đặng  Văn Đức", []string{"dang", "van", "duc"}},
		{"Bru - Vân Kiều", []string{"bru", "van", "kieu"}},
	}
	for _, tt := range tests {
		for _, form := range []norm.Form{norm.NFC, norm.NFD} {
			in := form.String(tt.in)
			if got := Tokens(in); !slices.Equal(got, tt.want) {
				t.Errorf("Tokens(%+q) = %q, want %q", in, got, tt.want)
			}
		}
	}
}

func TestNormalizeTone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Ha Noi", "Ha Noi"},
		{"Hoà", "Hòa"},
		{"Hoá", "Hóa"},
		{"Hoả", "Hỏa"},
		{"Hoã", "Hõa"},
		{"Hoạ", "Họa"},
		{"Thuỷ", "Thủy"},
		{"Thuý", "Thúy"},
		{"Khoẻ", "Khỏe"},
		{"Xoè", "Xòe"},
		{"HOÀ BÌNH", "HÒA BÌNH"},
		{"hoà", "hòa"},
		{"Phường Hoà Bình, tỉnh Thanh Hoá", "Phường Hòa Bình, tỉnh Thanh Hóa"},
		{"Hòa", "Hòa"},
		{"Thủy", "Thủy"},
		{"Hoàn", "Hoàn"},
		{"Thuyền", "Thuyền"},
		{"Quý", "Quý"},
		{"QUỲ", "QUỲ"},
		{"Quỳnh", "Quỳnh"},
		{"Khoa", "Khoa"},
		{"Huy", "Huy"},
		{"Ngoài", "Ngoài"},
		{"Khuya", "Khuya"},
		{"Tuý-Hoà", "Túy-Hòa"},
	}
	for _, tt := range tests {
		for _, form := range []norm.Form{norm.NFC, norm.NFD} {
			in := form.String(tt.in)
			if got := NormalizeTone(in); got != tt.want {
				t.Errorf("NormalizeTone(%+q) = %q, want %q", in, got, tt.want)
			}
		}
	}
}

func TestKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hòa Bình", "hòa bình"},
		{"  HOÀ   BÌNH ", "hòa bình"},
		{"Hoa Binh", "hoa binh"},
		{"H’Mông", "h'mông"},
		{"Thanh Hoá", "thanh hóa"},
	}
	for _, tt := range tests {
		for _, form := range []norm.Form{norm.NFC, norm.NFD} {
			in := form.String(tt.in)
			if got := Key(in); got != tt.want {
				t.Errorf("Key(%+q) = %q, want %q", in, got, tt.want)
			}
		}
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{
		"Đặng Văn Đức", "H'Hen Niê", "Y-Moan", "  Hoà  Bình ", "Thuỷ",
		norm.NFD.String("Nguyễn Thị Hương"), "\xff\xfe", "İstanbul", "ǅ", "Å",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkFold(t, s)
		// Random bytes are seldom Vietnamese, so also spell the input's
		// bytes as Vietnamese letters, spaces and punctuation, in NFC and NFD.
		v := asVietnamese(s)
		checkFold(t, v)
		checkFold(t, norm.NFD.String(v))
	})
}

func checkFold(t *testing.T, s string) {
	t.Helper()
	got := Fold(s)
	if again := Fold(got); again != got {
		t.Fatalf("Fold not idempotent: Fold(%+q) = %+q, Fold of that = %+q", s, got, again)
	}
	if strings.HasPrefix(got, " ") || strings.HasSuffix(got, " ") || strings.Contains(got, "  ") {
		t.Fatalf("Fold(%+q) = %+q: untrimmed or uncollapsed space", s, got)
	}
	if isVietnamese(s) {
		for i := 0; i < len(got); i++ {
			if c := got[i]; c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
				t.Fatalf("Fold(%+q) = %+q: not lowercase ASCII", s, got)
			}
		}
	}
	_ = Tokens(s)
	k := Key(s)
	if Key(k) != k {
		t.Fatalf("Key not idempotent: Key(%+q) = %+q, Key of that = %+q", s, k, Key(k))
	}
}

func asVietnamese(s string) string {
	alphabet := append([]rune(" -'’\t"), vietnameseLetters...)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteRune(alphabet[int(s[i])%len(alphabet)])
	}
	return b.String()
}

func BenchmarkFold(b *testing.B) {
	inputs := []string{
		"Đặng Văn Đức",
		norm.NFD.String("Nguyễn Thị Thanh Hương"),
		"H'Hen Niê",
		"Xã Lũng Cú, Huyện Đồng Văn, Hà Giang",
	}
	n := 0
	for _, s := range inputs {
		n += len(s)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range inputs {
			_ = Fold(s)
		}
	}
}

func BenchmarkFold_Folded(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Fold("nguyen thi thanh huong")
	}
}

func BenchmarkTokens(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Tokens("Đặng Văn Đức")
	}
}

func BenchmarkKey(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Key("Phường Hoà Bình")
	}
}

// vietnameseLetters are the 134 letters of Vietnamese: 12 base letters with
// their toned forms for each of the vowels, both cases, plus đ.
var vietnameseLetters = func() []rune {
	var rs []rune
	for _, v := range "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY" {
		rs = append(rs, v)
		for _, t := range tones {
			c, _ := utf8.DecodeRuneInString(norm.NFC.String(string([]rune{v, t})))
			rs = append(rs, c)
		}
	}
	return append(rs, 'đ', 'Đ')
}()

func baseLetter(r rune) rune {
	if r == 'đ' || r == 'Đ' {
		return 'd'
	}
	d, _ := utf8.DecodeRuneInString(norm.NFD.String(string(r)))
	return d
}

// isVietnamese reports whether s is made only of ASCII, Vietnamese letters in
// NFC and the combining marks NFD Vietnamese uses.
func isVietnamese(s string) bool {
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf, slices.Contains(vietnameseLetters, r):
		case r == '\u0302', r == '\u0306', r == '\u031B', slices.Contains(tones, r):
		default:
			return false
		}
	}
	return true
}
