package paper

// words are the sheets' printed words, Vietnamese then English. The
// Vietnamese are the words of the paper forms communes use; the English
// are for a reader who does not read Vietnamese (--lang en). The values
// written on the sheets are the records' own, in Vietnamese either way,
// but for the few words the kit itself chose (sex, marital status).
var words = map[string][2]string{
	"page":             {"Trang", "Page"},
	"printed":          {"in ngày", "printed"},
	"household_title":  {"PHIẾU KIỂM TRA THÔNG TIN HỘ GIA ĐÌNH", "HOUSEHOLD INFORMATION CHECK SHEET"},
	"continued":        {"(tiếp theo)", "(continued)"},
	"household_number": {"Số hộ", "Household number"},
	"head":             {"Chủ hộ", "Head of household"},
	"address":          {"Địa chỉ", "Address"},
	"members":          {"Số người trong hộ", "Members"},
	"sheet_of":         {"tờ", "sheet"},
	"household_word":   {"Hộ số", "Household"},
	"household_help": {
		"Đề nghị hộ gia đình kiểm tra từng thông tin. Thông tin nào sai hoặc còn trống (dòng chấm), ghi thông tin đúng vào dòng \"Sửa\" ngay bên dưới. Người đang ở trong hộ mà chưa có tên, ghi vào dòng trống cuối bảng hoặc mặt sau phiếu; người không còn ở trong hộ, ghi lý do vào dòng \"Sửa\".",
		"Please check every value. Where a value is wrong or blank (dotted line), write the right one on the \"Fix\" line just below it. Write anyone living in the household but not listed on a blank row at the end or on the back; for anyone listed who no longer lives here, write why on the \"Fix\" line.",
	},
	"col_no":           {"TT", "No"},
	"col_name":         {"Họ, chữ đệm và tên", "Full name"},
	"col_birth":        {"Ngày, tháng, năm sinh", "Date of birth"},
	"col_sex":          {"Giới tính", "Sex"},
	"col_id":           {"Số định danh cá nhân", "Personal ID number"},
	"col_ethnicity":    {"Dân tộc", "Ethnicity"},
	"col_religion":     {"Tôn giáo", "Religion"},
	"col_hometown":     {"Quê quán", "Hometown"},
	"col_relationship": {"Quan hệ với chủ hộ", "Relationship to the head"},
	"col_occupation":   {"Nghề nghiệp", "Occupation"},
	"fix":              {"Sửa", "Fix"},
	"dead":             {"đã chết", "dead"},
	"missing":          {"mất tích", "missing"},
	"date_line":        {"Ngày ....... tháng ....... năm ............", "Date: ....... / ....... / ............"},
	"sign_hint":        {"(Ký, ghi rõ họ tên)", "(Signature and full name)"},
	"sign_head":        {"CHỦ HỘ", "HEAD OF HOUSEHOLD"},
	"sign_officer":     {"CÁN BỘ THU THẬP THÔNG TIN", "COLLECTING OFFICER"},
	"sign_declarant":   {"NGƯỜI KÊ KHAI", "DECLARANT"},
	"male":             {"Nam", "Male"},
	"female":           {"Nữ", "Female"},
	// The hamlet's round.
	"round_title":  {"DANH SÁCH HỘ KIỂM TRA THÔNG TIN", "HOUSEHOLDS TO CHECK"},
	"round_help":   {"Mỗi hộ có phiếu riêng ở các trang sau, theo thứ tự của danh sách này. Đánh dấu hộ đã kiểm tra và ký phiếu.", "Each household has its own sheet on the pages that follow, in the order of this list. Tick the households that have checked and signed their sheet."},
	"round_list":   {"Danh sách hộ", "List of households"},
	"hamlet":       {"Thôn, tổ dân phố", "Hamlet"},
	"households":   {"Số hộ", "Households"},
	"persons":      {"Số người", "Persons"},
	"checked":      {"Đã kiểm tra", "Checked"},
	"note":         {"Ghi chú", "Note"},
	"no_head":      {"(chưa có chủ hộ)", "(no head recorded)"},
	"no_address":   {"(chưa ghi địa chỉ)", "(no address recorded)"},
	"person_title": {"PHIẾU THÔNG TIN CÁ NHÂN", "PERSONAL INFORMATION SHEET"},
	"person_help": {
		"Các mục theo thứ tự mẫu DC01. Thông tin sai hoặc còn trống (dòng chấm, ô trống): ghi thông tin đúng vào cột \"Sửa, bổ sung\".",
		"The items in the order of form DC01. A value wrong or blank (dotted line, empty box): write the right one in the \"Correction\" column.",
	},
	"record":         {"Mã hồ sơ", "Record"},
	"col_item":       {"Mục", "Item"},
	"col_recorded":   {"Thông tin trong hồ sơ", "As recorded"},
	"col_fix":        {"Sửa, bổ sung", "Correction"},
	"admin_address":  {"Địa chỉ hành chính (theo giấy khai sinh; nếu không có, theo nơi thường trú)", "Administrative address (as on the birth certificate; else the permanent residence)"},
	"province":       {"Tỉnh, thành phố", "Province or city"},
	"district":       {"Quận, huyện (trước 01/7/2025)", "District (before 1 July 2025)"},
	"commune":        {"Xã, phường, đặc khu", "Commune or ward"},
	"hamlet_line":    {"Thôn, tổ dân phố", "Hamlet or residential group"},
	"street":         {"Số nhà, đường phố", "House number, street"},
	"full_name":      {"Họ, chữ đệm và tên khai sinh", "Full name at birth"},
	"birth_date":     {"Ngày, tháng, năm sinh", "Date of birth"},
	"sex":            {"Giới tính", "Sex"},
	"blood_type":     {"Nhóm máu (theo xét nghiệm)", "Blood type (as tested)"},
	"id_number":      {"Số định danh cá nhân", "Personal ID number"},
	"old_id":         {"Số CMND cũ", "Old ID card number"},
	"birth_place":    {"Nơi đăng ký khai sinh", "Place of birth registration"},
	"hometown":       {"Quê quán", "Hometown"},
	"ethnicity":      {"Dân tộc", "Ethnicity"},
	"religion":       {"Tôn giáo", "Religion"},
	"nationality":    {"Quốc tịch", "Nationality"},
	"marital":        {"Tình trạng hôn nhân", "Marital status"},
	"permanent":      {"Nơi thường trú", "Permanent residence"},
	"current":        {"Nơi ở hiện tại", "Current residence"},
	"occupation":     {"Nghề nghiệp", "Occupation"},
	"father":         {"Cha", "Father"},
	"mother":         {"Mẹ", "Mother"},
	"spouse":         {"Vợ hoặc chồng", "Spouse"},
	"representative": {"Người đại diện hợp pháp", "Legal representative"},
	"head_item":      {"Chủ hộ", "Head of household"},
	"name":           {"Họ tên", "Name"},
	"id":             {"Số định danh", "ID number"},
	"relationship":   {"Quan hệ với chủ hộ", "Relationship to the head"},
	"single":         {"Chưa kết hôn", "Single"},
	"married":        {"Đã kết hôn", "Married"},
	"divorced":       {"Ly hôn", "Divorced"},
	"widowed":        {"Góa", "Widowed"},
	"status_dead":    {"Theo hồ sơ, người này đã chết", "The record says this person died"},
	"status_missing": {"Theo hồ sơ, người này mất tích", "The record says this person is missing"},
	"on":             {"ngày", "on"},
}

// word is the words of key in lang ("en", else Vietnamese).
func word(key, lang string) string {
	w, ok := words[key]
	if !ok {
		return key
	}
	if lang == "en" {
		return w[1]
	}
	return w[0]
}
