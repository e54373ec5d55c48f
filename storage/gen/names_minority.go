package gen

// How the other peoples name their children. The tables are small but keep
// the features that matter to search and validation: clan names that come
// first (H'Mông, Dao, Gia Rai) or last (Ê Đê), the gender prefixes Y and H'
// (Ê Đê) or A and Y (Ba Na), the apostrophes and hyphens the name rules must
// accept, and given names that no Kinh list holds.

// nameForm is the order of the parts of a name.
type nameForm uint8

const (
	formFamilyFirst nameForm = iota // family, middle, given: "Giàng A Pó"
	formClanLast                    // prefix, given, clan: "Y-Moan Ênuôl", "H'Hen Niê"
	formAY                          // "A Blúi", "Y Nhinh", or family first
	formKhmer                       // family first, given often of two syllables
)

// nameStyle describes one people's names.
type nameStyle struct {
	form        nameForm
	families    *choice[string]
	maleMid     *choice[string] // "" means no middle name
	femaleMid   *choice[string]
	maleGiven   *choice[string]
	femaleGiven *choice[string]
	// kinhGiven is the share of given names taken from the Kinh lists by
	// people born before 1990; it doubles for those born after.
	kinhGiven float64
	// matrilineal peoples (Ê Đê, Gia Rai, Mnông …) pass the mother's clan
	// to the children.
	matrilineal bool
}

func style(form nameForm, fam, mm, fm []pair, mg, fg []string, kinh float64, matri bool) *nameStyle {
	return &nameStyle{form: form, families: fromPairs(fam), maleMid: fromPairs(mm), femaleMid: fromPairs(fm),
		maleGiven: zipf(mg, 0.8, 2), femaleGiven: zipf(fg, 0.8, 2), kinhGiven: kinh, matrilineal: matri}
}

var (
	midVanThi  = []pair{{"Văn", 85}, {"Đức", 3}, {"Hữu", 2}, {"Quang", 2}, {"Xuân", 2}, {"Minh", 3}, {"Thanh", 2}, {"", 1}}
	midThi     = []pair{{"Thị", 88}, {"Thu", 2}, {"Ngọc", 2}, {"Kim", 2}, {"Hồng", 2}, {"Thanh", 2}, {"", 2}}
	midNone    = []pair{{"", 1}}
	hmongMale  = []string{"Pó", "Chứ", "Sính", "Dính", "Chá", "Páo", "Sử", "Cở", "Tủa", "Lềnh", "Vư", "Chư", "Dua", "Sàng", "Súng", "Phử", "Lử", "Tủng", "Nhè", "Sò", "Chơ", "Pàng", "Chính", "Tỏa", "Dìa", "Lồng", "Và", "Dè", "Súa", "Thề", "Mang", "Xí", "Chẩu", "Cháng", "Hừ", "Nù", "Chua", "Ký", "Dơ", "Lùng", "Sình", "Thải", "Phìn", "Tếnh", "Khải", "Mua", "Tráng", "Dũng", "Vàng", "Nhà"}
	hmongWoman = []string{"Mỷ", "Dế", "Sểnh", "Dợ", "Mỉ", "Pà", "Chá", "Sò", "Máy", "Chở", "Sua", "Dí", "Mai", "Dủa", "Dính", "Sú", "Chi", "Pàng", "Xúa", "Cở", "Của", "Dung", "Súa", "Vá", "Dở", "Ly", "Lan", "Nhìa", "Sinh", "Lìa", "Chía", "Mẩy", "Dìa", "Sâu", "Pằng", "Dua", "Pó", "Say", "Mua", "Lử"}
	daoMale    = []string{"Quẩy", "Phin", "Sành", "Chòi", "Vạn", "Tài", "Kiềm", "Pu", "Sử", "Lở", "Chiêu", "Sơi", "Dào", "Quý", "Lộc", "Chàn", "Diu", "Cao", "Phấu", "Sinh", "Mềnh", "Lìu", "Tả", "Vần", "Chản", "Dụng", "Hin", "Liềm", "Phẩy", "Chằn"}
	daoWoman   = []string{"Mẩy", "Nái", "Mùi", "Chòi", "Chạn", "Tả", "Dảo", "Liều", "Sành", "Phây", "Xiêm", "Hiền", "Hoa", "Nải", "Lìu", "Kiều", "Dung", "Chang", "Sỉnh", "Sếnh", "Mỷ", "Kiên", "Pham", "Slày"}
	tayMale    = []string{"Dền", "Pằn", "Slao", "Nhất", "Khìn", "Pèo", "Sinh", "Thàm", "Nhì", "Mần", "Lìn", "Chấn", "Tâu", "Sáy", "Vằn", "Cắm", "Lỷ", "Thắm", "Pấu", "Khoa"}
	tayWoman   = []string{"Nhì", "Pảo", "Mìn", "Lìu", "Dìn", "Thơm", "Hảo", "Lánh", "Pẻng", "Slíu", "Mấy", "Nhị", "Khâm", "Piềng", "Lịch", "Sao"}
	thaiMale   = []string{"Piệng", "Ín", "Chung", "Bun", "Khăm", "Ơn", "Pánh", "Hặc", "Xôm", "Khiêm", "Pọm", "Panh", "Hượng", "Doãn", "Thoan", "Phóng", "Ón", "Ỏm", "Khẻn", "Nhọi", "Cươi", "Pâng", "Sương", "Xiêng", "Lả", "Hoan", "Ọi", "Piên", "Tiên", "Hùng"}
	thaiWoman  = []string{"Ín", "Ọn", "Ỏn", "Ún", "Xuân", "Chiên", "Bun", "Phương", "Hom", "Xiêm", "Mai", "Pánh", "Khuyên", "Lả", "Nhọt", "Sông", "Thiêm", "Ơn", "Pọm", "Mọn", "Ính", "Sương", "Ánh", "Dinh", "Ẻ", "Xôm", "Hoa", "Tiên"}
	jraiMale   = []string{"Blong", "Thơ", "Hiu", "Ngơi", "Djuin", "Plơi", "Hyưk", "Bhem", "Yuh", "Dơk", "Kpui", "Bơ", "Tiêng", "Yăng", "Hlang", "Choanh", "Lil", "Mlô", "Bíp", "Phi", "Thuyên", "Nhen", "Rôn", "Đương", "Bet", "Khâm", "Aly", "Hmao", "Kiêng", "Tlam"}
	jraiWoman  = []string{"Blân", "Hrin", "Jiêm", "Mlim", "Pui", "Ngơn", "Nưl", "Hyăk", "Bir", "Nguy", "Tuyết", "Lan", "Hiên", "Dun", "Ber", "Yim", "Hlinh", "Yen", "Bơ Khăp", "Phi La", "Mlư", "Kem", "Duyên", "Nhan"}
	edeMale    = []string{"Moan", "Jút", "Bhin", "Blim", "Wưn", "Ngông", "Kuăn", "Thông", "Kiên", "Bhăm", "Dhiêng", "Yông", "Lang", "Kô", "Ngôn", "Bum", "Kim", "Tlang", "Siêng", "Blô", "Nuên", "Djhang", "Hlin", "Sơn", "Bhiông", "Krang", "Jôk", "Khuê", "Wai", "Hăm", "Djao", "Tuyn", "Ai", "Blao", "Kông"}
	edeWoman   = []string{"Hen", "Bia", "Juyên", "Ly", "Wen", "Duen", "Mai", "Zen", "Yam", "Ngơn", "Năm", "Dơk", "Luây", "Hoa", "Blin", "Nga", "Jên", "Rim", "Yơh", "Ruôn", "Liêng", "Loan", "Nuôl", "Hồng", "Nhung", "Bliêng", "Djuê", "Khuyên", "Xuân", "Tuyết"}
	bahMale    = []string{"Blúi", "Pớt", "Sanh", "Thuột", "Hmin", "Thương", "Gia", "Mơ", "Lăk", "Đốp", "Nhiếp", "Khốp", "Chiêk", "Dép", "Biu", "Tuyn", "Rot", "Hrú", "Yêu", "Kring", "Nhơn", "Bưu", "Thiên", "Khâm", "Đen"}
	bahWoman   = []string{"Nhinh", "Lan", "Ngoan", "Mơ", "Bloan", "Xuân", "Hlên", "Hôi", "Đin", "Phiên", "Nưh", "Lơ", "Thêu", "Blao", "Khuyên", "Hyên", "Rin", "Ngư", "Tơ", "Dít"}
	khmerMale  = []string{"Sô Phát", "Sa Rum", "Sóc", "Chanh Đa", "Sa Rinh", "Phol", "Đa Ra", "Sóc Khe", "Sa Vi", "Sô Phal", "Kim Sal", "Chăn Thu", "Pho", "Sóc Kha", "Rết", "Sà Ươl", "Kha Rum", "Thươl", "Sóc Khăm", "Pha Ly", "Sam Nang", "Ny", "Xa Rết", "Sên", "Vuth", "Chanh", "Thol", "Tha", "Sà Rây", "Ken", "Sa Mol", "Khêm", "Mao", "Pết", "Hoài", "Tâm", "Dũng", "Hùng"}
	khmerWoman = []string{"Sa Ri", "Mây", "Thy", "Ry Na", "Sa Rươne", "Sóc Phia", "Sa Phia", "Sô Kha", "Đa Ni", "Sa Vân", "Na Ry", "Phol Ly", "Sà Ly", "Mal", "Sa Ranh", "Phươl", "Chanh Thi", "Sô Phia", "Thi Da", "Ka Ri", "Sa Ven", "Sray Mum", "Sóc Thy", "Lan", "Hoa", "Mai", "Thu"}
	chamMale   = []string{"Sa Ly", "Mách Mút", "Ha Lim", "Sa Man", "Ha Sanh", "Ka Ri", "Sô Phi", "Năng Thọ", "Quang", "Sơn", "Minh", "Phú", "Ka", "Thành", "Đức", "Trung", "Hải", "Dũng"}
	chamWoman  = []string{"Ma Ry Dăm", "Ro Hi Mah", "Sa Ri", "Ly Sa", "Ha Mi", "Ni Sa", "Thị", "Ngọc", "Hoa", "Lan", "Hồng", "Thu", "Hạnh", "Mai"}
	koMale     = []string{"Brăh", "Brơi", "Bril", "Bảo", "Sơn", "Dũng", "Tiếu", "Ha Sen", "Bình", "Brồm", "Jốc", "Kră", "Long", "Điềm", "Rông", "Sao", "Ting"}
	koWoman    = []string{"Nhi", "Hòa", "Bri", "Thi", "Xuân", "Bích", "Dim", "Hoa", "Lan", "Hương", "Mai", "Lốc", "Rơm", "Sinh", "Tiên"}
	xtiMale    = []string{"Ré", "Lâm", "Bình", "Len", "Brôl", "Klơ", "Sáu", "Nhen", "Khanh", "Ngô", "Kiên", "Dũng", "Út", "Hưng", "Ron", "Bồn", "Lếnh", "Đếm", "Thoan", "Nghiêm"}
	xtiWoman   = []string{"Hoan", "Bích", "Lim", "Mai", "Xuân", "Hằng", "Nhung", "Thị", "Ngọc", "Loan", "Lép", "Hên", "Kim", "Đào", "Ranh", "Thiên"}
)

// styles maps an ethnicity code to its naming style. Peoples without an
// entry use Kinh names (most of the Hoa, Sán Dìu and coastal peoples do on
// their papers) with the family names listed in extraFamilies.
var styles = map[string]*nameStyle{
	"08": style(formFamilyFirst,
		[]pair{{"Giàng", 18}, {"Vàng", 14}, {"Sùng", 12}, {"Thào", 11}, {"Lý", 9}, {"Mùa", 7}, {"Hầu", 5}, {"Sình", 4}, {"Lầu", 5}, {"Ly", 3}, {"Hờ", 3}, {"Vừ", 3}, {"Tráng", 2}, {"Lù", 2}, {"Cứ", 2}, {"Dìu", 1}, {"Hạng", 1}, {"Mua", 1}, {"Thò", 1}, {"Chư", 0.5}},
		[]pair{{"A", 30}, {"Mí", 18}, {"Seo", 15}, {"Văn", 25}, {"Chứ", 3}, {"Sính", 2}, {"", 5}},
		[]pair{{"Thị", 75}, {"Mí", 15}, {"", 10}},
		hmongMale, hmongWoman, 0.12, false),
	"09": style(formFamilyFirst,
		[]pair{{"Triệu", 25}, {"Bàn", 18}, {"Đặng", 14}, {"Lý", 12}, {"Phùn", 5}, {"Chảo", 8}, {"Tẩn", 6}, {"Sần", 3}, {"Phàn", 4}, {"Lò", 2}, {"Chu", 2}, {"Hoàng", 2}, {"Dương", 1}},
		[]pair{{"Văn", 50}, {"Tài", 8}, {"Láo", 10}, {"Kim", 5}, {"Tiến", 5}, {"A", 5}, {"Phủ", 3}, {"", 5}},
		[]pair{{"Thị", 70}, {"Mẩy", 10}, {"Mùi", 5}, {"Chòi", 3}, {"", 10}},
		daoMale, daoWoman, 0.25, false),
	"02": style(formFamilyFirst,
		[]pair{{"Hoàng", 15}, {"Nông", 14}, {"Ma", 7}, {"Lường", 3}, {"Lục", 5}, {"Hà", 6}, {"Triệu", 4}, {"La", 4}, {"Đàm", 4}, {"Lưu", 3}, {"Bế", 5}, {"Lành", 2}, {"Mông", 2}, {"Nguyễn", 8}, {"Vi", 3}, {"Hứa", 2}, {"Sầm", 2}, {"Chu", 2}, {"Lương", 3}, {"Mạc", 2}, {"Lộc", 2}, {"Âu", 2}, {"Nịnh", 1}, {"Dương", 2}, {"Quan", 1}, {"Lý", 2}},
		midVanThi, midThi, tayMale, tayWoman, 0.75, false),
	"07": style(formFamilyFirst,
		[]pair{{"Hoàng", 18}, {"Nông", 12}, {"Lý", 6}, {"Lương", 5}, {"Vi", 6}, {"Chu", 4}, {"Lăng", 3}, {"Mã", 3}, {"Lục", 3}, {"Hứa", 4}, {"Triệu", 4}, {"Ngôn", 2}, {"Sầm", 2}, {"Hà", 2}, {"Vy", 1}, {"Voòng", 1}, {"Nguyễn", 4}, {"Lộc", 2}, {"Đinh", 1}},
		midVanThi, midThi, tayMale, tayWoman, 0.7, false),
	"03": style(formFamilyFirst,
		[]pair{{"Lò", 18}, {"Lường", 12}, {"Quàng", 8}, {"Cầm", 8}, {"Tòng", 7}, {"Vì", 7}, {"Hoàng", 6}, {"Điêu", 4}, {"Mè", 3}, {"Sầm", 3}, {"Lù", 4}, {"Bạc", 3}, {"Hà", 4}, {"Lữ", 2}, {"Vi", 3}, {"Lang", 2}, {"Lương", 3}, {"Kha", 1}, {"Cút", 1}, {"Lộc", 1}},
		[]pair{{"Văn", 85}, {"Đức", 3}, {"Thanh", 3}, {"", 5}}, midThi,
		thaiMale, thaiWoman, 0.45, false),
	"10": style(formFamilyFirst,
		[]pair{{"Ksor", 20}, {"Siu", 15}, {"Rơ Châm", 10}, {"Rah Lan", 10}, {"Kpă", 8}, {"Nay", 8}, {"Rơ Mah", 8}, {"Puih", 5}, {"Kpuih", 5}, {"Rơ Lan", 4}, {"Rcom", 3}, {"Đinh", 3}, {"Hiao", 2}, {"Rơ Ô", 2}},
		[]pair{{"", 80}, {"Văn", 20}},
		[]pair{{"", 40}, {"H'", 35}, {"Thị", 25}},
		jraiMale, jraiWoman, 0.15, true),
	"12": style(formClanLast,
		[]pair{{"Niê", 25}, {"Êban", 10}, {"Mlô", 10}, {"Ênuôl", 8}, {"Ksơr", 8}, {"Byă", 6}, {"Hwing", 5}, {"Adrơng", 5}, {"Buôn Yă", 4}, {"Kđoh", 3}, {"Êya", 3}, {"Mdrang", 3}, {"Ktla", 3}, {"Niê Kdăm", 3}, {"Ayun", 3}, {"Hmok", 2}, {"Bkrông", 3}, {"Knul", 3}, {"Kbuôr", 2}, {"Alio", 2}},
		[]pair{{"Y ", 70}, {"Y-", 30}}, []pair{{"H'", 1}},
		edeMale, edeWoman, 0.15, true),
	"20": style(formClanLast,
		[]pair{{"Bkrông", 10}, {"Nđu", 8}, {"Ndơr", 6}, {"Bon", 5}, {"Krông", 5}, {"Liêng", 4}, {"Yông", 3}, {"Mlô", 3}, {"Siu", 2}},
		[]pair{{"Y ", 1}}, []pair{{"H'", 1}},
		edeMale, xtiWoman, 0.2, true),
	"13": style(formAY,
		[]pair{{"Đinh", 40}, {"Hà", 10}, {"Nguyễn", 5}, {"Trần", 3}, {"Lê", 3}},
		midVanThi, midThi, bahMale, bahWoman, 0.3, false),
	"05": style(formKhmer,
		[]pair{{"Thạch", 30}, {"Danh", 20}, {"Sơn", 14}, {"Kim", 10}, {"Lâm", 6}, {"Lý", 5}, {"Trà", 4}, {"Kiên", 3}, {"Dương", 2}, {"Huỳnh", 2}, {"Tăng", 2}, {"Châu", 2}},
		[]pair{{"", 80}, {"Văn", 20}}, []pair{{"Thị", 60}, {"", 40}},
		khmerMale, khmerWoman, 0.1, false),
	"17": style(formFamilyFirst,
		[]pair{{"Đàng", 15}, {"Thiên", 8}, {"Quảng", 8}, {"Lưu", 8}, {"Thông", 6}, {"Bá", 6}, {"Trượng", 6}, {"Phú", 5}, {"Hán", 5}, {"Châu", 4}, {"Lộ", 3}, {"Tài", 3}, {"Thành", 3}, {"Nguyễn", 3}},
		[]pair{{"Văn", 50}, {"", 30}, {"Năng", 5}, {"Ngọc", 5}, {"Minh", 5}}, midThi,
		chamMale, chamWoman, 0.4, false),
	"16": style(formFamilyFirst,
		[]pair{{"Kơ Să", 10}, {"Liêng Hót", 8}, {"Cil", 8}, {"Bon Niêng", 6}, {"Ya", 6}, {"Kră Jăn", 5}, {"Păng Ting", 5}, {"Đa Cát", 4}, {"Rơ Ông", 4}, {"Lơ Mu", 3}},
		[]pair{{"K'", 1}}, []pair{{"Ka", 1}},
		koMale, koWoman, 0.2, true),
	"22": style(formFamilyFirst,
		[]pair{{"Điểu", 1}}, midNone, midNone, xtiMale, xtiWoman, 0.3, false),
}

func init() {
	// Peoples whose names follow a neighbour's pattern share its style.
	for code, like := range map[string]string{
		"25": "02", "15": "02", "18": "02", "24": "02", // Giáy, Sán Chay, Sán Dìu, Thổ
		"29": "03", "37": "03", "42": "03", "34": "03", "39": "03", "33": "03", "53": "03", // Khơ Mú, Lào, Lự, Xinh Mun, La Ha, Kháng, Ơ Đu
		"35": "08", "41": "08", "43": "08", "40": "08", "38": "08", "46": "08", "47": "08", "48": "08", "49": "08", "50": "08", "51": "08", "45": "08", // northern highland peoples
		"14": "13", "27": "13", "52": "13", "54": "13", "19": "13", "30": "13", // Xơ Đăng, Giẻ Triêng, Brâu, Rơ Măm, Hrê, Co
		"28": "22", "32": "22", // Mạ, Chơ Ro
		"36": "17", "21": "17", // Chu Ru, Ra Glai
	} {
		styles[code] = styles[like]
	}
}

// extraFamilies are family names of peoples that otherwise name their
// children as the Kinh do.
var extraFamilies = map[string]*choice[string]{
	"04": fromPairs([]pair{{"Lâm", 12}, {"Lý", 10}, {"Trương", 10}, {"Quách", 6}, {"Tăng", 6}, {"Mã", 5}, {"Diệp", 5}, {"Hứa", 5}, {"Tạ", 4}, {"Châu", 5}, {"Lưu", 6}, {"Hồng", 3}, {"Trần", 6}, {"Lương", 4}, {"Hoàng", 4}, {"Vương", 4}, {"Dương", 3}, {"Từ", 3}, {"Phùng", 3}, {"La", 3}}),
	"06": fromPairs([]pair{{"Bùi", 35}, {"Đinh", 20}, {"Quách", 10}, {"Hà", 8}, {"Xa", 3}, {"Bạch", 3}, {"Cao", 3}, {"Phạm", 3}, {"Nguyễn", 5}, {"Trương", 2}, {"Hoàng", 2}, {"Lê", 2}}),
	"23": fromPairs([]pair{{"Hồ", 60}, {"Lê", 10}, {"Nguyễn", 8}, {"Kăn", 6}, {"Hồ Văn", 4}}),
	"31": fromPairs([]pair{{"Hồ", 50}, {"Kăn", 15}, {"Căn", 10}, {"Lê", 10}, {"Quỳnh", 5}}),
	"26": fromPairs([]pair{{"Bhling", 15}, {"Alăng", 15}, {"Zơrâm", 10}, {"Ating", 10}, {"Clâu", 8}, {"Pơloong", 8}, {"Riah", 6}, {"Bríu", 5}, {"Coor", 5}, {"Đinh", 5}}),
	"44": fromPairs([]pair{{"Hồ", 40}, {"Đinh", 20}, {"Cao", 15}, {"Nguyễn", 10}}),
	"11": fromPairs([]pair{{"Lỷ", 20}, {"Voòng", 20}, {"Dìu", 15}, {"Lầu", 10}, {"Phùn", 10}}),
}
