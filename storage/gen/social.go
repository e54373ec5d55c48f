package gen

// Religion codes (religions.csv).
const (
	relNone       = "00"
	relBuddhism   = "01"
	relCatholic   = "02"
	relProtestant = "03"
	relCaoDai     = "04"
	relHoaHao     = "05"
	relIslam      = "06"
	relBrahmanism = "13"
)

// religionOf returns the faiths of a people in this commune, rounded from
// the 2019 census: most Vietnamese declare none; Catholics are many around
// Nam Định, Ninh Bình and Đồng Nai, Cao Đài in Tây Ninh, Hòa Hảo in An
// Giang; Protestants among the H'Mông and the Central Highlands peoples;
// Theravada Buddhism among the Khmer; Islam and Brahmanism among the Chăm.
func (g *generator) religionOf(eth string) *choice[string] {
	if c, ok := g.religions[eth]; ok {
		return c
	}
	var ps []pair
	switch eth {
	case "01", "04", "06":
		ps = g.kinhReligions()
		if eth == "04" {
			ps = []pair{{relNone, 60}, {relBuddhism, 35}, {relCatholic, 5}}
		}
	case "08":
		ps = []pair{{relNone, 70}, {relProtestant, 27}, {relCatholic, 3}}
	case "10", "12", "20", "22", "16", "28", "32", "36":
		ps = []pair{{relNone, 40}, {relProtestant, 40}, {relCatholic, 20}}
	case "13", "14", "27", "19", "52", "54":
		ps = []pair{{relNone, 50}, {relCatholic, 40}, {relProtestant, 10}}
	case "05":
		ps = []pair{{relBuddhism, 97}, {relNone, 3}}
	case "17":
		if g.oldProvince == "58" || g.oldProvince == "60" {
			ps = []pair{{relBrahmanism, 55}, {relIslam, 40}, {relNone, 5}}
		} else {
			ps = []pair{{relIslam, 95}, {relNone, 5}}
		}
	default:
		ps = []pair{{relNone, 93}, {relBuddhism, 3}, {relProtestant, 2}, {relCatholic, 2}}
	}
	c := fromPairs(ps)
	g.religions[eth] = c
	return c
}

func (g *generator) kinhReligions() []pair {
	switch g.oldProvince {
	case "36", "37":
		return []pair{{relNone, 75}, {relCatholic, 20}, {relBuddhism, 5}}
	case "35", "40", "42", "44":
		return []pair{{relNone, 84}, {relCatholic, 10}, {relBuddhism, 6}}
	case "46":
		return []pair{{relNone, 65}, {relBuddhism, 30}, {relCatholic, 5}}
	case "72":
		return []pair{{relNone, 50}, {relCaoDai, 30}, {relBuddhism, 15}, {relCatholic, 5}}
	case "75":
		return []pair{{relNone, 50}, {relCatholic, 30}, {relBuddhism, 17}, {relCaoDai, 1}, {relProtestant, 2}}
	case "89":
		return []pair{{relNone, 45}, {relHoaHao, 35}, {relBuddhism, 15}, {relCatholic, 3}, {relCaoDai, 2}}
	case "87", "92", "93":
		return []pair{{relNone, 70}, {relHoaHao, 8}, {relBuddhism, 15}, {relCaoDai, 4}, {relCatholic, 3}}
	}
	switch g.prof.region {
	case regionDelta, regionNorthHighland:
		return []pair{{relNone, 88}, {relBuddhism, 8}, {relCatholic, 4}}
	case regionCentral:
		return []pair{{relNone, 82}, {relBuddhism, 12}, {relCatholic, 6}}
	case regionCentralHighland:
		return []pair{{relNone, 65}, {relCatholic, 17}, {relBuddhism, 13}, {relProtestant, 5}}
	}
	return []pair{{relNone, 68}, {relBuddhism, 18}, {relCatholic, 8}, {relCaoDai, 4}, {relProtestant, 2}}
}

// Occupations, as officers write them.
const (
	occPupil   = "Học sinh"
	occStudent = "Sinh viên"
	occRetired = "Hưu trí"
	occHome    = "Nội trợ"
)

// occupationsFor weighs the jobs of working-age people by kind of place.
func occupationsFor(rg region, ward bool) *choice[string] {
	common := []pair{
		{"Công nhân", 12}, {"Buôn bán", 7}, {"Lao động tự do", 10}, {occHome, 4}, {"Thợ xây", 4},
		{"Thợ mộc", 1.5}, {"Thợ may", 2}, {"Lái xe", 2}, {"Giáo viên", 3}, {"Công chức", 1.5},
		{"Viên chức", 1.5}, {"Y tá", 0.7}, {"Bác sĩ", 0.3}, {"Kinh doanh", 3}, {"Công an", 0.6},
		{"Bộ đội", 0.6}, {"Kế toán", 0.8}, {"Kỹ sư", 0.8}, {"Nhân viên văn phòng", 2}, {"Thợ cơ khí", 1},
		{"Thợ điện", 1}, {"Xe ôm", 0.8}, {"Thợ cắt tóc", 0.5}, {"Cán bộ xã", 0.5}, {"Lao động ở nước ngoài", 1.5},
	}
	var local []pair
	switch {
	case ward:
		local = []pair{{"Buôn bán", 8}, {"Kinh doanh", 6}, {"Nhân viên văn phòng", 8}, {"Công chức", 3}, {"Viên chức", 3}, {"Kỹ sư", 2}, {"Kế toán", 2}, {"Bác sĩ", 1}, {"Y tá", 1}, {"Nhân viên bán hàng", 4}}
	case rg == regionNorthHighland:
		local = []pair{{"Làm nương", 35}, {"Làm ruộng", 25}, {"Chăn nuôi", 8}, {"Trồng rừng", 5}}
	case rg == regionCentralHighland:
		local = []pair{{"Làm rẫy", 25}, {"Trồng cà phê", 12}, {"Làm ruộng", 10}, {"Chăn nuôi", 4}}
	case rg == regionMekong:
		local = []pair{{"Làm ruộng", 25}, {"Nuôi trồng thủy sản", 6}, {"Làm vườn", 5}, {"Đánh bắt cá", 2}, {"Chăn nuôi", 3}}
	default:
		local = []pair{{"Làm ruộng", 28}, {"Chăn nuôi", 4}, {"Làm vườn", 2}, {"Đánh bắt cá", 1}, {"Nuôi trồng thủy sản", 1}}
	}
	// Outside the towns most people work the land: the trades and offices
	// of the common list weigh less there.
	scale := 1.0
	switch {
	case ward:
	case rg == regionNorthHighland || rg == regionCentralHighland:
		scale = 0.3
	default:
		scale = 0.7
	}
	for i := range common {
		common[i].w *= scale
	}
	return fromPairs(append(common, local...))
}

// Older people who still work mostly farm, trade or keep house.
var elderWork = fromPairs([]pair{{"Làm ruộng", 40}, {"Chăn nuôi", 8}, {"Buôn bán", 8}, {"Lao động tự do", 8}, {occHome, 10}, {"Làm vườn", 5}})
var elderHighland = fromPairs([]pair{{"Làm nương", 40}, {"Làm ruộng", 30}, {"Chăn nuôi", 10}, {occHome, 5}})

// occupation picks what a living person does, by age; some records lack it.
func (g *generator) occupation(m *member) string {
	r := g.r
	if chance(r, 0.1) {
		return ""
	}
	switch {
	case m.age < 6:
		return ""
	case m.age < 15:
		return occPupil
	case m.age < 18:
		if chance(r, 0.85) {
			return occPupil
		}
	case m.age < 23:
		student := 0.35
		if g.prof.region == regionNorthHighland || g.prof.region == regionCentralHighland {
			student = 0.12
		}
		if chance(r, student) {
			return occStudent
		}
	case m.age >= 60:
		retired := 0.12
		if g.ward {
			retired = 0.45
		}
		switch x := r.Float64(); {
		case x < retired:
			return occRetired
		case x < retired+0.2:
			return "Không nghề nghiệp"
		case x < retired+0.3 && !m.male:
			return occHome
		}
		if g.prof.region == regionNorthHighland || g.prof.region == regionCentralHighland {
			return elderHighland.pick(r)
		}
		o := elderWork.pick(r)
		if o == occHome && m.male {
			o = "Làm ruộng"
		}
		return o
	}
	o := g.occupations.pick(r)
	if o == occHome && m.male {
		o = g.occupations.pick(r)
	}
	if o == occHome && m.male {
		o = "Lao động tự do"
	}
	return o
}
