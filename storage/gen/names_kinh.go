package gen

// Kinh names. Family name shares follow the commonly cited survey figures
// (Nguyễn about 38 %, Trần 11 %, Lê 9.5 %, Phạm 7 % …); the northern and
// southern spellings of the same name (Hoàng/Huỳnh, Vũ/Võ) take the share
// of their region. Given names are listed most common first and weighted
// Zipf-like, so a commune has the few very common names and the long tail
// that makes search realistic.

// kinhFamilies lists family names with their share in percent. "Hoàng" and
// "Vũ" are the northern forms; southern communes swap in "Huỳnh" and "Võ".
var kinhFamilies = []pair{
	{"Nguyễn", 38}, {"Trần", 11}, {"Lê", 9.5}, {"Phạm", 7}, {"Hoàng", 5.1}, {"Phan", 4.5},
	{"Vũ", 3.9}, {"Đặng", 2.1}, {"Bùi", 2}, {"Đỗ", 1.4}, {"Hồ", 1.3}, {"Ngô", 1.3},
	{"Dương", 1}, {"Lý", 0.5}, {"Đào", 0.45}, {"Đoàn", 0.45}, {"Vương", 0.2}, {"Trịnh", 0.4},
	{"Trương", 0.4}, {"Lâm", 0.3}, {"Mai", 0.35}, {"Đinh", 0.4}, {"Lương", 0.3}, {"Cao", 0.3},
	{"Tạ", 0.2}, {"Hà", 0.3}, {"Tô", 0.2}, {"Lưu", 0.2}, {"Chu", 0.15}, {"Quách", 0.1},
	{"Lại", 0.12}, {"Kiều", 0.1}, {"Thái", 0.12}, {"Triệu", 0.1}, {"Tăng", 0.08}, {"Châu", 0.1},
	{"La", 0.06}, {"Văn", 0.05}, {"Nghiêm", 0.06}, {"Phùng", 0.12}, {"Khúc", 0.04}, {"Khổng", 0.04},
	{"Mạc", 0.05}, {"Tống", 0.08}, {"Từ", 0.06}, {"Lục", 0.04}, {"Hứa", 0.05}, {"Tiêu", 0.04},
	{"Kim", 0.04}, {"Thân", 0.06}, {"Diệp", 0.04}, {"Giang", 0.04}, {"Âu", 0.04}, {"Ông", 0.04},
	{"Doãn", 0.05}, {"Cù", 0.03}, {"Nông", 0.03}, {"Lạc", 0.02}, {"Quan", 0.03}, {"Viên", 0.02},
	{"Khuất", 0.04}, {"Lò", 0.02}, {"Mẫn", 0.03}, {"Ninh", 0.03}, {"Phí", 0.04}, {"Bạch", 0.03},
	{"Trình", 0.03}, {"Thạch", 0.02}, {"Đàm", 0.05}, {"Đồng", 0.04}, {"Hàn", 0.03}, {"Ôn", 0.02},
	{"Chử", 0.03}, {"Bế", 0.02}, {"Cung", 0.02}, {"Tôn", 0.03}, {"Thiều", 0.02}, {"Lã", 0.03},
	{"Giáp", 0.04}, {"Mạch", 0.02}, {"Ưng", 0.01}, {"Kha", 0.02}, {"Vi", 0.02}, {"Đàng", 0.01},
}

// Male given names: those common in every generation first, then names of
// the older generations, then names that became common after 2000.
var kinhMaleOld = []string{
	"Hùng", "Dũng", "Tuấn", "Hải", "Thắng", "Minh", "Nam", "Sơn", "Long", "Đức",
	"Thành", "Trung", "Hoàng", "Quang", "Cường", "Bình", "Huy", "Tùng", "Hưng", "Hiếu",
	"Phong", "Anh", "Tú", "Vinh", "Toàn", "Tiến", "Việt", "Khánh", "Kiên", "Thịnh",
	"Hòa", "Lâm", "Tâm", "Chiến", "Lợi", "Phúc", "Trọng", "Thanh", "Hiệp", "Quân",
	"Công", "Thái", "Nghĩa", "Hậu", "Thọ", "Đạt", "Vũ", "Lực", "Thông", "Hà",
	"Duy", "Giang", "Hào", "Hiển", "Học", "Lộc", "Mạnh", "Nhân", "Ninh", "Phú",
	"Quý", "Quyết", "Sang", "Sinh", "Tài", "Tân", "Thạch", "Thiện", "Thuận", "Tín",
	"Toản", "Trí", "Triều", "Trường", "Tuân", "Tuyên", "Vượng", "Xuân", "Bảo", "Bằng",
	"Biên", "Cảnh", "Chính", "Cương", "Danh", "Định", "Đông", "Đoàn", "Được", "Hợp",
	"Huấn", "Hưởng", "Khiêm", "Kỳ", "Lập", "Linh", "Luật", "Lương", "Mậu", "Phi",
	"Quốc", "Quyền", "Sỹ", "Tấn", "Thao", "Thế", "Thiệu", "Thìn", "Thụ", "Thức",
	"Tĩnh", "Tư", "Tường", "Tý", "Ước", "Vĩnh", "Vịnh", "Cẩn", "Chung", "Doanh",
	"Dự", "Khương", "Nhuận", "Phụng", "Sửu", "Thân", "Túc", "Đại", "Điệp", "Độ",
	"Khanh", "Lĩnh", "Thưởng", "Trình", "Chí", "Dân", "Hạnh", "Hoan", "Hướng", "Kế",
	"Khải", "Lai", "Lạng", "Ngọ", "Nhất", "Phương", "Quỳnh", "Sáu", "Tám", "Thường",
	"Tiệp", "Tịnh", "Tráng", "Trực", "Tuất", "Thiệp", "Uy", "Vân", "Viên", "Yên",
	"Bắc", "Cận", "Chiểu", "Dậu", "Hỷ", "Khoát", "Lãm", "Lượng", "Mão", "Nhị",
	"Phát", "Sâm", "Soạn", "Thiêm", "Thống", "Tiềm", "Tuyển", "Vận", "Xướng", "Ý",
}

var kinhMaleNew = []string{
	"Minh", "Huy", "Khoa", "Bảo", "Phúc", "Khang", "Khôi", "Nam", "An", "Đăng",
	"Duy", "Quân", "Long", "Hiếu", "Tuấn", "Hoàng", "Kiên", "Thịnh", "Vinh", "Đạt",
	"Lâm", "Phong", "Trí", "Nhật", "Tài", "Thành", "Hưng", "Hải", "Sơn", "Quang",
	"Tùng", "Việt", "Dũng", "Thắng", "Tín", "Nguyên", "Kiệt", "Hào", "Khải", "Lộc",
	"Phát", "Bách", "Vỹ", "Thiện", "Tâm", "Triết", "Tường", "Luân", "Thái", "Danh",
	"Ân", "Khiêm", "Toàn", "Trung", "Hiển", "Khánh", "Vũ", "Đức", "Cường", "Nhân",
	"Khương", "Hùng", "Phú", "Quốc", "Dương", "Sang", "Tuệ", "Tú", "Công", "Anh",
	"Hiệp", "Thuận", "Tiến", "Vương", "Lân", "Đông", "Tấn", "Thông", "Thụy", "Uy",
}

var kinhFemaleOld = []string{
	"Hương", "Lan", "Hoa", "Hằng", "Hà", "Thủy", "Nga", "Mai", "Linh", "Trang",
	"Huyền", "Thảo", "Phương", "Ngọc", "Hạnh", "Hiền", "Loan", "Dung", "Yến", "Nhung",
	"Oanh", "Liên", "Thu", "Vân", "Anh", "Chi", "Giang", "Hồng", "Lý", "Ly",
	"Nhàn", "Tâm", "Thúy", "Tuyết", "Xuân", "Bích", "Cúc", "Đào", "Duyên", "Gấm",
	"Hải", "Hậu", "Hòa", "Huệ", "Khuyên", "Lài", "Lành", "Lệ", "Liễu", "Lụa",
	"Lựu", "Mận", "Mến", "Mơ", "Mùi", "Mỹ", "Na", "Nguyệt", "Nhài", "Nương",
	"Phấn", "Phượng", "Quế", "Quyên", "Sen", "Son", "Tám", "Thắm", "Thanh", "Thêu",
	"Thơm", "Thư", "Thương", "Tình", "Toan", "Trâm", "Trinh", "Tươi", "Uyên", "Vui",
	"Xoan", "Diệp", "Điệp", "Dịu", "Gái", "Hoài", "Kim", "Khanh", "Lam", "Luyến",
	"Mỵ", "Ngà", "Ngân", "Nhạn", "Ninh", "Sâm", "Sương", "Tần", "Thoa", "Thoan",
	"Thùy", "Trà", "Tuyến", "Xinh", "Bông", "Chinh", "Gương", "Hảo", "Huyên", "Hường",
	"Minh", "Nụ", "Sáu", "Thuận", "Thục", "Tú", "Út", "Vẻ", "Ánh", "Châu",
	"Diễm", "Hân", "Khánh", "Quỳnh", "Tiên", "Kiều", "Nhi", "Thi", "Nhị", "Bảy",
	"Chuyên", "Dần", "Đượm", "Hiên", "Hợi", "Lương", "Mão", "Nở", "Nhẫn", "Phú",
	"Quyến", "Soan", "Tào", "Thiết", "Thìn", "Thỏa", "Tịnh", "Tới", "Vinh", "Yên",
}

var kinhFemaleNew = []string{
	"Anh", "Linh", "Ngọc", "Trang", "Vy", "Nhi", "Hân", "My", "Thư", "Châu",
	"Quỳnh", "Phương", "Hà", "Uyên", "Ngân", "Trâm", "Thảo", "Huyền", "Giang", "Mai",
	"Khánh", "Diệp", "An", "Chi", "Tiên", "Hương", "Ly", "Nhung", "Yến", "Thủy",
	"Như", "Vân", "Tâm", "Hằng", "Hạnh", "Nga", "Trinh", "Diễm", "Thanh", "Lan",
	"Kiều", "Băng", "Hoa", "Ánh", "Di", "Nhã", "Tú", "Xuân", "Ý", "Thy",
	"Nguyên", "Thùy", "Mỹ", "Duyên", "Na", "Trúc", "Loan", "Dung", "Hiền", "Hồng",
	"Oanh", "Minh", "Phụng", "Nghi", "Giao", "Hạ", "Quyên", "San", "Tuệ", "Vi",
	"Đan", "Thơ", "Ngà", "Mẫn", "Yên", "Khuê", "Lam", "Sa", "Thục", "Trân",
}

// Middle names. Older women are nearly all "Thị"; their granddaughters
// mostly are not. Men born before 1975 are mostly "Văn".
var (
	kinhMaleMiddleOld = []pair{
		{"Văn", 62}, {"Đức", 6}, {"Hữu", 5}, {"Quang", 3}, {"Xuân", 3}, {"Minh", 3}, {"Ngọc", 2.5},
		{"Thanh", 2.5}, {"Công", 2}, {"Đình", 2.5}, {"Mạnh", 1}, {"Duy", 1}, {"Trọng", 1.2}, {"Tiến", 1},
		{"Thế", 1}, {"Bá", 1}, {"Viết", 0.8}, {"Hồng", 0.6}, {"Kim", 0.4}, {"Như", 0.4}, {"Khắc", 0.5},
	}
	kinhMaleMiddleNew = []pair{
		{"Văn", 22}, {"Minh", 12}, {"Đức", 8}, {"Gia", 7}, {"Quốc", 5}, {"Anh", 4}, {"Bảo", 5},
		{"Hoàng", 4}, {"Tuấn", 3}, {"Đăng", 3}, {"Nhật", 3}, {"Khánh", 2}, {"Trung", 2}, {"Hải", 2},
		{"Thành", 2}, {"Hữu", 3}, {"Quang", 3}, {"Tiến", 2}, {"Duy", 3}, {"Thanh", 2}, {"Công", 2},
		{"Ngọc", 1}, {"Xuân", 1}, {"Thế", 1.5}, {"Trọng", 1.5}, {"Phúc", 1}, {"Hoài", 0.8}, {"Thiện", 0.7},
	}
	kinhFemaleMiddleOld = []pair{
		{"Thị", 85}, {"Ngọc", 3}, {"Thu", 2}, {"Thanh", 2}, {"Kim", 2}, {"Hồng", 1.5}, {"Bích", 1},
		{"Minh", 1}, {"Xuân", 1}, {"Mỹ", 0.8}, {"Thúy", 0.7},
	}
	kinhFemaleMiddleNew = []pair{
		{"Thị", 22}, {"Ngọc", 10}, {"Thu", 5}, {"Thanh", 5}, {"Khánh", 5}, {"Bảo", 6}, {"Minh", 5},
		{"Phương", 5}, {"Hoài", 3}, {"Mai", 3}, {"Kim", 3}, {"Diệu", 2}, {"Hải", 2}, {"Thùy", 4},
		{"Gia", 4}, {"Tuệ", 2}, {"An", 2}, {"Quỳnh", 3}, {"Hồng", 2}, {"Bích", 2}, {"Thảo", 2},
		{"Yến", 1.5}, {"Cẩm", 1.5}, {"Lan", 1.5}, {"Tường", 1}, {"Hà", 1.5},
	}
)

// Short names people are called by, which old papers sometimes record as
// "tên gọi khác".
var nicknames = []string{"Tý", "Tèo", "Bé", "Cu", "Hai", "Ba", "Tư", "Út", "Bi", "Bống", "Su", "Mít", "Cò", "Tũn"}
