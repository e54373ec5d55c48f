package gen

import "strconv"

// region is the broad part of the country a commune lies in. It decides the
// spelling of common family names (Hoàng in the north, Huỳnh in the south),
// what hamlets are called and how people earn a living.
type region uint8

const (
	regionDelta           region = iota // Red River delta and the northern midlands
	regionNorthHighland                 // the northern mountains
	regionCentral                       // the central coast
	regionCentralHighland               // Tây Nguyên
	regionSouth                         // the south-east and Hồ Chí Minh City
	regionMekong                        // the Mekong delta
)

func (r region) southern() bool { return r == regionSouth || r == regionMekong }

// profile is what a commune's place says about its people.
type profile struct {
	region   region
	hamlet   string  // word for a hamlet: "Thôn", "Bản", "Xóm", "Ấp"
	ethnic   []pair  // ethnicity code → weight
	migrants float64 // share of Kinh born in another province
}

// span is a range of commune codes. The 2025 communes kept the code of one
// of the communes merged into them, and the old codes run in blocks by
// province and district, so a code range pins a commune to its old district
// without a lookup table of thousands of rows.
type span struct {
	lo, hi int
	p      profile
}

// Ethnic weights are rounded from the 2019 census by province; a few
// highland districts whose people differ sharply from their province's
// average come first.
var spans = []span{
	// Hà Giang: the Đồng Văn karst plateau, then the rest of the province.
	{712, 910, profile{regionNorthHighland, "Thôn", []pair{{"08", 86}, {"01", 4}, {"09", 3}, {"02", 2}, {"07", 1}, {"25", 1.5}, {"43", 1}, {"51", 0.5}, {"04", 0.3}}, 0.4}},
	{688, 1264, profile{regionNorthHighland, "Thôn", []pair{{"08", 32}, {"02", 23}, {"09", 15}, {"01", 13}, {"07", 10}, {"25", 2}, {"38", 1}, {"40", 1}, {"04", 0.5}, {"46", 0.5}}, 0.4}},
	{1267, 1831, profile{regionNorthHighland, "Xóm", []pair{{"02", 41}, {"07", 31}, {"08", 10}, {"09", 10}, {"01", 5}, {"15", 1}, {"43", 0.5}}, 0.3}},
	{1834, 2197, profile{regionNorthHighland, "Thôn", []pair{{"02", 53}, {"09", 17}, {"01", 12}, {"07", 9}, {"08", 6}, {"04", 0.5}}, 0.3}},
	{2200, 2632, profile{regionNorthHighland, "Thôn", []pair{{"01", 45}, {"02", 25}, {"09", 12}, {"15", 8}, {"08", 2}, {"07", 2}, {"18", 1.5}, {"04", 1}}, 0.3}},
	// Lào Cai: Mường Khương, Si Ma Cai, Bắc Hà and Sa Pa are H'Mông country.
	{2752, 2899, profile{regionNorthHighland, "Thôn", []pair{{"08", 55}, {"07", 12}, {"09", 10}, {"01", 8}, {"02", 5}, {"25", 4}, {"40", 2}, {"35", 1}}, 0.3}},
	{3001, 3052, profile{regionNorthHighland, "Thôn", []pair{{"08", 52}, {"09", 25}, {"01", 15}, {"25", 4}, {"02", 2}, {"40", 1}}, 0.3}},
	{2635, 3121, profile{regionNorthHighland, "Thôn", []pair{{"01", 35}, {"08", 24}, {"02", 15}, {"09", 14}, {"25", 4}, {"07", 4}, {"40", 2}, {"35", 1}}, 0.4}},
	{3124, 3385, profile{regionNorthHighland, "Bản", []pair{{"03", 38}, {"08", 35}, {"01", 18}, {"29", 3}, {"35", 1}, {"09", 1}, {"37", 1}, {"48", 0.5}, {"50", 0.2}}, 0.4}},
	{3386, 3643, profile{regionNorthHighland, "Bản", []pair{{"08", 40}, {"03", 32}, {"01", 13}, {"09", 13}, {"35", 3}, {"25", 2}, {"41", 1}, {"42", 1}, {"45", 0.5}, {"48", 0.3}}, 0.4}},
	{3646, 4246, profile{regionNorthHighland, "Bản", []pair{{"03", 53}, {"01", 17}, {"08", 17}, {"06", 8}, {"09", 2}, {"34", 1}, {"29", 1}, {"39", 1}, {"33", 0.5}}, 0.4}},
	// Yên Bái: Mù Cang Chải and Trạm Tấu, then the rest.
	{4456, 4495, profile{regionNorthHighland, "Bản", []pair{{"08", 90}, {"03", 5}, {"01", 4}, {"09", 1}}, 0.4}},
	{4585, 4618, profile{regionNorthHighland, "Bản", []pair{{"08", 75}, {"03", 15}, {"01", 8}, {"09", 2}}, 0.4}},
	{4249, 4786, profile{regionNorthHighland, "Thôn", []pair{{"01", 50}, {"02", 17}, {"09", 11}, {"08", 10}, {"03", 6}, {"06", 2}, {"07", 2}, {"25", 1}}, 0.4}},
	{4789, 5428, profile{regionNorthHighland, "Xóm", []pair{{"06", 63}, {"01", 27}, {"03", 4}, {"02", 3}, {"09", 2}, {"08", 1}}, 0.3}},
	{5431, 5968, profile{regionDelta, "Xóm", []pair{{"01", 71}, {"02", 11}, {"07", 6}, {"18", 3}, {"15", 3}, {"09", 2.5}, {"08", 0.5}, {"04", 0.2}}, 0.3}},
	{5971, 6646, profile{regionNorthHighland, "Thôn", []pair{{"07", 42}, {"02", 35}, {"01", 16}, {"09", 3.5}, {"15", 1}, {"04", 0.5}, {"08", 0.5}}, 0.3}},
	{6649, 7198, profile{regionDelta, "Thôn", []pair{{"01", 88}, {"09", 4}, {"02", 2}, {"18", 2}, {"15", 1.5}, {"04", 0.5}}, 0.3}},
	{7201, 7885, profile{regionDelta, "Thôn", []pair{{"01", 88}, {"07", 4.5}, {"02", 2.6}, {"15", 1.7}, {"18", 1.5}, {"04", 1}, {"09", 0.5}}, 0.15}},
	{7888, 8701, profile{regionDelta, "Khu", []pair{{"01", 85}, {"06", 13}, {"09", 1}, {"02", 0.5}}, 0.15}},
	// Western Thanh Hóa and Nghệ An: Mường and Thái uplands.
	{14845, 15124, profile{regionNorthHighland, "Bản", []pair{{"06", 35}, {"01", 30}, {"03", 30}, {"08", 3}, {"29", 1}, {"09", 1}}, 0.2}},
	{15607, 15661, profile{regionNorthHighland, "Thôn", []pair{{"03", 45}, {"01", 35}, {"06", 20}}, 0.2}},
	{16174, 16276, profile{regionDelta, "Thôn", []pair{{"01", 55}, {"06", 25}, {"03", 20}}, 0.2}},
	{16738, 16936, profile{regionNorthHighland, "Bản", []pair{{"03", 55}, {"01", 17}, {"08", 12}, {"29", 10}, {"53", 0.3}}, 0.2}},
	{17035, 17095, profile{regionNorthHighland, "Bản", []pair{{"03", 45}, {"01", 45}, {"29", 5}, {"08", 5}}, 0.2}},
	{17230, 17263, profile{regionNorthHighland, "Bản", []pair{{"03", 55}, {"01", 40}, {"29", 5}}, 0.2}},
	{19330, 19741, profile{regionCentral, "Thôn", []pair{{"01", 89}, {"23", 10}, {"31", 1}}, 0.1}},
	{19750, 20191, profile{regionCentral, "Thôn", []pair{{"01", 96}, {"31", 2}, {"26", 1}, {"23", 0.5}}, 0.1}},
	{20335, 21007, profile{regionCentral, "Thôn", []pair{{"01", 91}, {"26", 3}, {"14", 2.5}, {"27", 1.5}, {"30", 1}, {"04", 0.3}}, 0.1}},
	{21010, 21538, profile{regionCentral, "Thôn", []pair{{"01", 88}, {"19", 9}, {"30", 2}, {"14", 1}}, 0.1}},
	{22738, 22912, profile{regionCentral, "Thôn", []pair{{"01", 78}, {"17", 12}, {"21", 9}, {"04", 0.5}}, 0.15}},
	{22915, 23278, profile{regionCentral, "Thôn", []pair{{"01", 93}, {"17", 3.5}, {"21", 1.5}, {"04", 1}, {"16", 0.5}}, 0.15}},
	{23281, 23554, profile{regionCentralHighland, "Làng", []pair{{"01", 45}, {"14", 25}, {"13", 12}, {"27", 8}, {"10", 4}, {"06", 1}, {"02", 1}, {"07", 1}, {"03", 1}, {"52", 0.1}, {"54", 0.1}}, 0.6}},
	{23557, 24115, profile{regionCentralHighland, "Plei", []pair{{"01", 52}, {"10", 33}, {"13", 12}, {"02", 1}, {"07", 1}, {"06", 1}}, 0.6}},
	{24118, 24610, profile{regionCentralHighland, "Buôn", []pair{{"01", 65}, {"12", 18}, {"07", 4}, {"02", 3.5}, {"20", 2.5}, {"10", 1.2}, {"03", 1}, {"06", 1}, {"08", 1}, {"09", 1}}, 0.7}},
	{24611, 24766, profile{regionCentralHighland, "Bon", []pair{{"01", 68}, {"20", 10}, {"07", 5}, {"02", 5}, {"08", 5}, {"09", 3}, {"12", 1}, {"03", 1}, {"28", 1}}, 0.7}},
	{24769, 25192, profile{regionCentralHighland, "Thôn", []pair{{"01", 76}, {"16", 15}, {"28", 2.5}, {"36", 2}, {"02", 1.5}, {"07", 1.5}, {"04", 1}, {"20", 0.5}}, 0.5}},
	{25195, 25453, profile{regionSouth, "Ấp", []pair{{"01", 82}, {"22", 9}, {"05", 1.7}, {"07", 1.5}, {"02", 1.5}, {"20", 1}, {"04", 1}, {"09", 0.5}, {"03", 0.5}}, 0.5}},
	{25456, 25738, profile{regionSouth, "Ấp", []pair{{"01", 98}, {"05", 0.7}, {"17", 0.3}, {"04", 0.3}}, 0.2}},
	{25741, 26731, profile{regionSouth, "Ấp", []pair{{"01", 93}, {"04", 3}, {"07", 1}, {"02", 0.8}, {"32", 0.6}, {"05", 0.5}, {"06", 0.3}}, 0.4}},
	{26734, 27682, profile{regionSouth, "Ấp", []pair{{"01", 93.5}, {"04", 5.5}, {"05", 0.4}, {"17", 0.1}}, 0.4}},
	{29236, 29539, profile{regionMekong, "Ấp", []pair{{"01", 67}, {"05", 31.5}, {"04", 1.5}}, 0.05}},
	// An Giang: Tri Tôn and Tịnh Biên (Bảy Núi), then the rest.
	{30502, 30586, profile{regionMekong, "Ấp", []pair{{"01", 58}, {"05", 40}, {"04", 2}}, 0.05}},
	{30280, 30727, profile{regionMekong, "Ấp", []pair{{"01", 94.5}, {"05", 4}, {"17", 0.8}, {"04", 0.7}}, 0.05}},
	{30733, 31115, profile{regionMekong, "Ấp", []pair{{"01", 85}, {"05", 12.5}, {"04", 2.5}}, 0.05}},
	{31498, 31810, profile{regionMekong, "Ấp", []pair{{"01", 64}, {"05", 30}, {"04", 6}}, 0.05}},
	{31813, 31996, profile{regionMekong, "Ấp", []pair{{"01", 88}, {"05", 8}, {"04", 4}}, 0.05}},
	{27685, 32248, profile{regionMekong, "Ấp", []pair{{"01", 98.5}, {"05", 0.7}, {"04", 0.8}}, 0.05}},
	{21550, 22739, profile{regionCentral, "Thôn", []pair{{"01", 97}, {"13", 1.5}, {"17", 0.6}, {"21", 0.5}, {"04", 0.4}}, 0.1}},
	{14755, 21007, profile{regionCentral, "Thôn", []pair{{"01", 99}, {"06", 0.4}, {"03", 0.3}, {"44", 0.1}, {"23", 0.2}}, 0.1}},
	{1, 14752, profile{regionDelta, "Thôn", []pair{{"01", 99.4}, {"06", 0.2}, {"02", 0.2}, {"04", 0.1}, {"07", 0.1}}, 0.15}},
}

// profileFor returns the profile of the commune with the given code. Wards
// are towns: their people are mostly Kinh whatever the hills around them.
func profileFor(code string, ward bool) profile {
	n, _ := strconv.Atoi(code)
	p := profile{region: regionDelta, hamlet: "Thôn", ethnic: []pair{{"01", 1}}, migrants: 0.1}
	for _, s := range spans {
		if n >= s.lo && n <= s.hi {
			p = s.p
			break
		}
	}
	if ward {
		eth := make([]pair, len(p.ethnic))
		for i, e := range p.ethnic {
			if e.v == "01" {
				e.w *= 5
			}
			eth[i] = e
		}
		p.ethnic = eth
		p.migrants += 0.1
	}
	return p
}

// oldProvinceOf returns the GSO code of the province the commune belonged
// to before 1 July 2025, which is where most of its residents registered
// their births and so what most of their ID numbers begin with.
func oldProvinceOf(code string) string {
	n, _ := strconv.Atoi(code)
	for _, b := range oldProvinceBlocks {
		if n >= b.lo && n <= b.hi {
			return b.code
		}
	}
	return ""
}

var oldProvinceBlocks = []struct {
	lo, hi int
	code   string
}{
	{1, 685, "01"}, {688, 1264, "02"}, {1267, 1831, "04"}, {1834, 2197, "06"}, {2200, 2632, "08"},
	{2635, 3121, "10"}, {3124, 3385, "11"}, {3386, 3643, "12"}, {3646, 4246, "14"}, {4249, 4786, "15"},
	{4789, 4924, "17"}, {4927, 4939, "01"}, {4942, 5428, "17"}, {5431, 5968, "19"}, {5971, 6646, "20"},
	{6649, 7198, "22"}, {7201, 7885, "24"}, {7888, 8701, "25"}, {8707, 8971, "26"}, {8973, 9022, "01"},
	{9025, 9157, "26"}, {9163, 9535, "27"}, {9538, 10504, "01"}, {10507, 11293, "30"}, {11296, 11947, "31"},
	{11950, 12430, "33"}, {12433, 13282, "34"}, {13285, 13630, "35"}, {13636, 14317, "36"}, {14320, 14752, "37"},
	{14755, 16660, "38"}, {16663, 18064, "40"}, {18073, 18850, "42"}, {18853, 19327, "44"}, {19330, 19741, "45"},
	{19750, 20191, "46"}, {20194, 20332, "48"}, {20335, 21007, "49"}, {21010, 21538, "51"}, {21550, 22012, "52"},
	{22015, 22324, "54"}, {22327, 22737, "56"}, {22738, 22738, "58"}, {22739, 22739, "56"}, {22741, 22912, "58"},
	{22915, 23278, "60"}, {23281, 23554, "62"}, {23557, 24115, "64"}, {24118, 24610, "66"}, {24611, 24766, "67"},
	{24769, 25192, "68"}, {25195, 25453, "70"}, {25456, 25738, "72"}, {25741, 25990, "74"}, {25993, 26503, "75"},
	{26506, 26731, "77"}, {26734, 27682, "79"}, {27685, 28246, "80"}, {28249, 28753, "82"}, {28756, 29233, "83"},
	{29236, 29539, "84"}, {29542, 29860, "86"}, {29869, 30277, "87"}, {30280, 30727, "89"}, {30733, 31115, "91"},
	{31117, 31315, "92"}, {31318, 31495, "93"}, {31498, 31810, "94"}, {31813, 31996, "95"}, {31999, 32248, "96"},
}
