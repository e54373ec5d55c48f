package report

import (
	"strings"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/refdata"
)

// words are the labels of the fixed keys, Vietnamese then English.
var words = map[string][2]string{
	NotRecorded:                {"Chưa ghi", "Not recorded"},
	SexMale:                    {"Nam", "Male"},
	SexFemale:                  {"Nữ", "Female"},
	ResidencePermanent:         {"Thường trú", "Permanent residence"},
	ResidenceAbsent:            {"Thường trú, tạm vắng", "Permanent, temporarily absent"},
	ResidenceTemporary:         {"Tạm trú", "Temporary residence"},
	ResidenceCurrent:           {"Chỉ có nơi ở hiện tại", "Current address only"},
	ResidenceNoAddress:         {"Không có địa chỉ", "No address"},
	storage.StatusLiving:       {"Còn sống", "Living"},
	storage.StatusDead:         {"Đã chết", "Dead"},
	storage.StatusMissing:      {"Mất tích", "Missing"},
	storage.MaritalSingle:      {"Chưa kết hôn", "Single"},
	storage.MaritalMarried:     {"Đã kết hôn", "Married"},
	storage.MaritalDivorced:    {"Ly hôn", "Divorced"},
	storage.MaritalWidowed:     {"Góa", "Widowed"},
	"no_head":                  {"Không có chủ hộ", "No head"},
	"several_heads":            {"Nhiều chủ hộ", "Several heads"},
	"under_6":                  {"Dưới 6 tuổi", "Under 6"},
	"6-14":                     {"6–14 tuổi (tuổi đi học)", "6–14 (school age)"},
	"15-59":                    {"15–59 tuổi (tuổi lao động)", "15–59 (working age)"},
	"15-64":                    {"15–64 tuổi (tuổi lao động)", "15–64 (working age)"},
	"60+":                      {"Từ 60 tuổi", "60 and over"},
	"80+":                      {"Từ 80 tuổi", "80 and over"},
	"population":               {"Dân số", "Population"},
	"total":                    {"Tổng số", "Total"},
	"count":                    {"Số người", "Persons"},
	"households":               {"Hộ", "Households"},
	"percent":                  {"Tỷ lệ", "Share"},
	DimSex:                     {"Giới tính", "Sex"},
	DimAge:                     {"Nhóm tuổi", "Age group"},
	DimEthnicity:               {"Dân tộc", "Ethnic group"},
	DimReligion:                {"Tôn giáo", "Religion"},
	DimNation:                  {"Quốc tịch", "Nationality"},
	DimMarital:                 {"Tình trạng hôn nhân", "Marital status"},
	DimHamlet:                  {"Thôn, tổ dân phố", "Hamlet"},
	DimResidence:               {"Tình trạng cư trú", "Residence"},
	DimStatus:                  {"Còn sống / đã chết", "Alive or dead"},
	DimSize:                    {"Số nhân khẩu", "Members"},
	DimHeadSex:                 {"Giới tính chủ hộ", "Head's sex"},
	DimUsualGroup:              {"Nhóm tuổi thường dùng", "Usual age groups"},
	"births":                   {"Sinh (theo ngày sinh)", "Births (by date of birth)"},
	"deaths":                   {"Chết (theo ngày chết)", "Deaths (by date of death)"},
	"births_registered":        {"Đăng ký khai sinh", "Births registered"},
	"deaths_registered":        {"Đăng ký khai tử", "Deaths registered"},
	"moves_in":                 {"Chuyển đến", "Moves in"},
	"moves_out":                {"Chuyển đi", "Moves out"},
	"temporary_residence_reg":  {"Đăng ký tạm trú", "Temporary residence registered"},
	"temporary_absence_reg":    {"Khai báo tạm vắng", "Temporary absence registered"},
	"reference_date":           {"Ngày tham chiếu", "Reference date"},
	"period":                   {"Kỳ báo cáo", "Period"},
	"records":                  {"Hồ sơ (kể cả người đã chết)", "Records (the dead included)"},
	"commune_all":              {"Tất cả các xã", "All communes"},
	"pyramid":                  {"Tháp dân số", "Population pyramid"},
	"sex_age_not_recorded":     {"Chưa ghi giới tính hoặc ngày sinh", "Sex or birth date not recorded"},
	"head_count":               {"Số hộ", "Households"},
	"completeness":             {"Mức đầy đủ", "Completeness"},
	"items":                    {"Việc cần làm", "To do"},
	"complete_records":         {"Hồ sơ đủ", "Complete records"},
	"persons":                  {"Số người", "Persons"},
	"filled":                   {"Đã ghi", "Filled"},
	"field":                    {"Trường", "Field"},
	"hamlet_none":              {"(không ghi thôn)", "(no hamlet named)"},
	"no_items":                 {"Không có việc cần làm.", "Nothing to do."},
	"of_which_male_female":     {"Nam / Nữ", "Male / Female"},
	"household_members_10plus": {"10+", "10+"},
	// Documents (spreadsheets and PDFs).
	"by_sex_age":          {"Dân số theo giới tính và nhóm tuổi", "Population by sex and age group"},
	"stats_title":         {"Thống kê dân số", "Population statistics"},
	"quality_title":       {"Chất lượng dữ liệu (đúng, đủ, sạch, sống)", "Data quality (correct, complete, clean, alive)"},
	"sheet_population":    {"Dân số", "Population"},
	"sheet_households":    {"Hộ", "Households"},
	"sheet_events":        {"Biến động", "Events"},
	"sheet_worklist":      {"Việc cần làm", "Worklist"},
	"sheet_by_field":      {"Theo trường", "By field"},
	"sheet_by_hamlet":     {"Theo thôn", "By hamlet"},
	"events_title":        {"Biến động trong kỳ", "Events in the period"},
	"event":               {"Sự kiện", "Event"},
	"code":                {"Mã", "Code"},
	"page":                {"Trang", "Page"},
	"living_persons":      {"người còn sống", "living persons"},
	"place":               {"Địa bàn", "Area"},
	"rule":                {"Quy tắc", "Rule"},
	"rule_code":           {"Mã quy tắc", "Rule code"},
	"person_id":           {"Mã hồ sơ", "Record"},
	"id_number":           {"Số định danh cá nhân", "ID number"},
	"household_number":    {"Số hộ", "Household number"},
	"full_name":           {"Họ và tên", "Full name"},
	"message":             {"Nội dung cần sửa", "What to correct"},
	"of":                  {"Số áp dụng", "Applies to"},
	"required_filled":     {"Giá trị bắt buộc đã ghi", "Required values filled"},
	RuleMissingField:      {"Thiếu trường bắt buộc", "Required field missing"},
	RuleIDMissing:         {"Từ 14 tuổi chưa có số định danh", "Aged 14+, no ID number"},
	RuleIDSex:             {"Số định danh sai giới tính", "ID number: other sex"},
	RuleIDCentury:         {"Số định danh sai thế kỷ sinh", "ID number: other century"},
	RuleIDBirthYear:       {"Số định danh sai năm sinh", "ID number: other birth year"},
	RuleIDProvince:        {"Số định danh sai tỉnh đăng ký khai sinh", "ID number: other province"},
	RuleHouseholdUnknown:  {"Số hộ không có trong hồ sơ hộ", "Household number unknown"},
	RuleLinkUnknown:       {"Số của cha, mẹ, vợ/chồng không thuộc hồ sơ nào", "Parent's or spouse's number unknown"},
	RuleProbableDuplicate: {"Có thể trùng người", "Probable duplicate"},
	RuleAlivePast110:      {"Còn sống quá 110 tuổi", "Alive past 110"},
	RuleHouseholdNoHead:   {"Hộ không có chủ hộ", "Household without a head"},
	RuleHouseholdHeads:    {"Hộ có nhiều chủ hộ", "Household with several heads"},
}

// FieldLabel names a field of the completeness table ("address" is the
// permanent or current residence) in lang.
func FieldLabel(name, lang string) string {
	if name == "address" {
		return pick([2]string{"Nơi thường trú hoặc nơi ở hiện tại", "Permanent or current residence"}, lang)
	}
	if f, ok := storage.FieldByName(name); ok {
		label := f.Label(lang)
		if f == storage.FieldIDNumber {
			label += pick([2]string{" (từ 14 tuổi)", " (aged 14 or more)"}, lang)
		}
		return label
	}
	return name
}

// Place names the commune a report is about, as its header shows it:
// "Xã Phố Bảng, Tuyên Quang (00769)", or all communes for "".
func Place(commune, lang string) string {
	if commune == "" {
		return Word("commune_all", lang)
	}
	if c, ok := refdata.Unit(commune); ok {
		return c.FullName() + " (" + commune + ")"
	}
	return commune
}

func pick(w [2]string, lang string) string {
	if lang == "en" {
		return w[1]
	}
	return w[0]
}

// Word returns the label of a fixed word or key in lang ("vi", the
// default, or "en"), or the key itself.
func Word(key, lang string) string {
	if w, ok := words[key]; ok {
		return pick(w, lang)
	}
	return key
}

// Label returns the words for a row's key of a table of dim, in lang:
// names of ethnic groups, religions and countries for their codes, the
// fixed words for the fixed keys, the key itself for hamlets and ages.
func Label(dim, key, lang string) string {
	if key == NotRecorded {
		return Word(key, lang)
	}
	switch dim {
	case DimEthnicity:
		if e, ok := refdata.EthnicityByCode(key); ok {
			return pick([2]string{e.NameVi, e.NameEn}, lang)
		}
	case DimReligion:
		if r, ok := refdata.ReligionByCode(key); ok {
			return pick([2]string{r.NameVi, r.NameEn}, lang)
		}
		if key == "00" {
			return pick([2]string{"Không", "None"}, lang)
		}
	case DimNation:
		if c, ok := refdata.CountryByCode(key); ok {
			return pick([2]string{c.NameVi, c.NameEn}, lang)
		}
	case DimAge, DimSize, DimHamlet:
		return strings.Replace(key, "-", "–", 1)
	}
	return Word(key, lang)
}

func (t *Table) setLabels(lang string) {
	for i := range t.Rows {
		t.Rows[i].Label = Label(t.Dim, t.Rows[i].Key, lang)
	}
}

// SetLabels fills the Label of every row in lang, for a reader.
func (st *Statistics) SetLabels(lang string) {
	for _, t := range st.Tables() {
		t.T.setLabels(lang)
	}
	for i := range st.Population.UsualGroups {
		g := &st.Population.UsualGroups[i]
		g.Label = Word(g.Key, lang)
	}
}

// NamedTable is a table with the key of its title.
type NamedTable struct {
	Title string // a key of Word: "by_sex" is DimSex's …
	T     *Table
}

// Tables returns every table of st, in the order a report prints them,
// with the key of the word for its title.
func (st *Statistics) Tables() []NamedTable {
	p, h, e := &st.Population, &st.Households, &st.Events
	return []NamedTable{
		{DimSex, &p.BySex}, {DimAge, &p.ByAgeGroup}, {DimEthnicity, &p.ByEthnicity},
		{DimReligion, &p.ByReligion}, {DimNation, &p.ByNationality}, {DimMarital, &p.ByMaritalStatus},
		{DimHamlet, &p.ByHamlet}, {DimResidence, &p.ByResidence}, {DimStatus, &st.Records.ByStatus},
		{DimSize, &h.BySize}, {DimHamlet, &h.ByHamlet}, {DimHeadSex, &h.ByHeadSex},
		{"births", &e.Births}, {"deaths", &e.Deaths}, {"births_registered", &e.BirthsRegistered},
		{"deaths_registered", &e.DeathsRegistered}, {"moves_in", &e.MovesIn}, {"moves_out", &e.MovesOut},
		{"temporary_residence_reg", &e.TemporaryResidence}, {"temporary_absence_reg", &e.TemporaryAbsence},
	}
}
