package gen

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// Hamlet names. Lowland villages carry Sino-Vietnamese names of good omen
// ("Tân Lập", "Phú Mỹ") or numbers; highland ones keep the Tày, Thái and
// H'Mông names of the place ("Nà Rược", "Lũng Hòa"); the Central Highlands
// say buôn, plei, bon or làng before names like "Ea Kao"; town wards are cut
// into numbered residential groups.
var (
	omenFirst  = []string{"Đông", "Tây", "Nam", "Bắc", "Thượng", "Hạ", "Trung", "Tân", "Phú", "An", "Hòa", "Bình", "Yên", "Thái", "Vĩnh", "Phúc", "Hưng", "Thịnh", "Đại", "Văn", "Cao", "Quang", "Minh", "Lạc", "Thọ", "Xuân", "Thanh", "Đồng", "Kim", "Ngọc", "Liên", "Long", "Mỹ", "Phước", "Thạnh", "Thới", "Hiệp", "Lợi", "Bảo", "Gia"}
	omenSecond = []string{"Lập", "Hòa", "Thịnh", "Phú", "An", "Bình", "Lộc", "Thành", "Hưng", "Trung", "Mỹ", "Xá", "Lâm", "Sơn", "Tiến", "Quý", "Đông", "Tây", "Yên", "Lạc", "Thuận", "Phong", "Hải", "Châu", "Khánh", "Long", "Thạnh", "Hiệp", "Phước", "Lợi", "Định", "Tân", "Vinh", "Hội"}
	hillFirst  = []string{"Lũng", "Sủng", "Pả", "Pải", "Sà", "Tả", "Xín", "Nà", "Khâu", "Cán", "Thèn", "Phìn", "Lao", "Há", "Mò", "Chúng", "Sảng", "Lùng", "Tìa", "Pó", "Pác", "Nậm", "Khuổi", "Cốc", "Phiêng", "Huổi", "Hua", "Co", "Nong", "Pom", "Bó", "Nặm", "Tổng", "Lủng", "Mã"}
	hillSecond = []string{"Cú", "Là", "Vi", "Cái", "Phìn", "Pù", "Lủng", "Chải", "Chua", "Trà", "Hòa", "Rược", "Tỉnh", "Sán", "Dìn", "Dào", "Mí", "Pao", "Thàng", "Chư", "Ngài", "Pắng", "Mu", "Nhù", "Phàng", "Lệnh", "Lìn", "Tủng", "Sang", "Chang", "Tấu", "Sáy", "Hin", "Cang", "Khoang", "Lót", "Nưa", "Mòn", "Luông", "Pục"}
	tnFirst    = []string{"Ea", "Kô", "Cư", "Krông", "Đăk", "Ia", "Kon", "Tơ", "Đăk", "Ea", "Ia", "Kon"}
	tnSecond   = []string{"Kao", "Sir", "Dliê", "Pông", "Bông", "Hring", "Tơ", "Ring", "Đôn", "Mrông", "Yuk", "Tuôr", "Blăk", "Kmăng", "Nur", "Ktur", "Drông", "Hleo", "Sol", "Pếch", "Rbai", "Mơ", "Klah", "Tiêu", "Jông", "Ngai", "Bar", "Plong"}
	khmerPlace = []string{"Sóc Ruộng", "Trà Sết", "Ô Chắc", "Bưng Sen", "Prey Chop", "Tha La", "Sóc Xoài", "Trà Tim", "Ô Rồm", "Kô Kô", "Sa Rài", "Tà Mum", "Chông Nô", "Kênh Xáng", "Phnôm Pi", "Sóc Tre", "Trà Cuôn", "Bà Mẹt", "Đại Ân", "Sóc Chà"}
)

// hamletNames returns n distinct hamlet names for a commune.
func hamletNames(r *rand.Rand, p profile, ward bool, n int) []string {
	if ward {
		word := "Tổ dân phố"
		if p.region.southern() {
			word = "Khu phố"
		}
		return numbered(word, n)
	}
	// Some lowland communes simply number their villages.
	if p.region != regionNorthHighland && p.region != regionCentralHighland && chance(r, 0.25) {
		return numbered(p.hamlet, n)
	}
	seen := make(map[string]bool, n)
	out := make([]string, 0, n)
	for tries := 0; len(out) < n && tries < 50*n; tries++ {
		var name string
		switch p.region {
		case regionNorthHighland:
			if chance(r, 0.75) {
				name = p.hamlet + " " + pairName(r, hillFirst, hillSecond)
			} else {
				name = p.hamlet + " " + omen(r, p.region)
			}
		case regionCentralHighland:
			switch x := r.Float64(); {
			case x < 0.45:
				name = p.hamlet + " " + pairName(r, tnFirst, tnSecond)
			case x < 0.7:
				name = "Thôn " + strconv.Itoa(1+r.IntN(n+5))
			default:
				name = "Thôn " + omen(r, p.region)
			}
		default:
			if p.region == regionMekong && hasKhmer(p) && chance(r, 0.35) {
				name = p.hamlet + " " + oneOf(r, khmerPlace...)
			} else {
				name = p.hamlet + " " + omen(r, p.region)
			}
		}
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}

// omen draws a name of good omen. Some syllables are said differently
// north and south: Phúc/Phước, Thịnh/Thạnh, Thái/Thới.
func omen(r *rand.Rand, rg region) string {
	for {
		name := pairName(r, omenFirst, omenSecond)
		if rg.southern() || rg == regionCentralHighland {
			return name
		}
		name = northern.Replace(name)
		if a, b, _ := strings.Cut(name, " "); a != b {
			return name
		}
	}
}

var northern = strings.NewReplacer("Phước", "Phúc", "Thạnh", "Thịnh", "Thới", "Thái")

// pairName joins two syllables that differ ("Tân Lập", not "Hiệp Hiệp").
func pairName(r *rand.Rand, first, second []string) string {
	a, b := oneOf(r, first...), oneOf(r, second...)
	for a == b {
		b = oneOf(r, second...)
	}
	return a + " " + b
}

func numbered(word string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = word + " " + strconv.Itoa(i+1)
	}
	return out
}

func hasKhmer(p profile) bool {
	for _, e := range p.ethnic {
		if e.v == "05" && e.w >= 3 {
			return true
		}
	}
	return false
}
