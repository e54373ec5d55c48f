package storage

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/communekit/communekit/assets/i18n"
	"github.com/communekit/communekit/storage/fold"
)

// The header row of an import file, as offices write it. A column is
// recognised by its field's column name (full_name), its label on the
// form in Vietnamese or English (Họ, chữ đệm và tên khai sinh), or one of
// the headings commune registers use ("Họ và tên", "Số CCCD", "Quan hệ
// với chủ hộ"); case, diacritics, punctuation and a hint in parentheses
// ("Ngày sinh (dd/mm/yyyy)") do not matter. A few headings name columns
// that hold nothing to import ("STT", "Ghi chú") and are skipped.
// Anything else is refused before a row is read, unless it is mapped by
// hand ([ColumnMap]): a typo must not silently drop a column.

// headerWords are the headings recognised besides each field's column
// name and labels.
var headerWords = map[Field][]string{
	FieldIDNumber: {"Số định danh", "Mã định danh", "Mã định danh cá nhân", "Số CCCD", "CCCD", "Số căn cước",
		"Số căn cước công dân", "Căn cước công dân", "Căn cước", "Số thẻ căn cước", "Số CCCD/ĐDCN", "Số ĐDCN", "ĐDCN",
		"Số CCCD/CMND", "CCCD/CMND", "ID number"},
	FieldOldIDNumber:            {"Số CMND", "CMND", "Số chứng minh nhân dân", "Chứng minh nhân dân", "Số CMND cũ"},
	FieldFullName:               {"Họ và tên", "Họ tên", "Họ và tên khai sinh", "Họ tên khai sinh", "Họ, chữ đệm và tên", "Tên", "Name", "Full name"},
	FieldOtherNames:             {"Tên khác", "Bí danh"},
	FieldBirthDate:              {"Ngày sinh", "Ngày tháng năm sinh", "Ngày/tháng/năm sinh", "Năm sinh", "Sinh ngày", "Birth date"},
	FieldSex:                    {"Giới", "Nam/Nữ", "Gender"},
	FieldBirthRegistrationPlace: {"Nơi sinh", "Nơi khai sinh"},
	FieldHometown:               {"Nguyên quán"},
	FieldMaritalStatus:          {"Hôn nhân"},
	FieldPermanentAddressDetail: {"Nơi thường trú", "Địa chỉ thường trú", "Thường trú", "Địa chỉ"},
	FieldTemporaryAddressDetail: {"Nơi tạm trú", "Địa chỉ tạm trú", "Tạm trú"},
	FieldTemporaryAbsenceDetail: {"Nơi tạm vắng", "Tạm vắng", "Nơi tạm vắng đến"},
	FieldCurrentAddressDetail:   {"Nơi ở hiện tại", "Nơi ở hiện nay", "Chỗ ở hiện nay", "Chỗ ở hiện tại", "Địa chỉ hiện tại", "Nơi ở"},
	FieldHouseholdNumber:        {"Mã hộ", "Mã số hộ", "Số hộ khẩu", "Số sổ hộ khẩu", "Sổ hộ khẩu", "Hộ số", "Mã hộ gia đình"},
	FieldRelationshipToHead:     {"Quan hệ chủ hộ", "QH với chủ hộ", "Quan hệ với CH", "Quan hệ"},
	FieldFatherName:             {"Họ và tên cha", "Tên cha", "Cha", "Họ tên bố", "Họ và tên bố", "Tên bố", "Bố"},
	FieldFatherIDNumber:         {"Số định danh cha", "Số CCCD của cha", "Số CCCD cha", "CCCD của cha", "CCCD cha", "Số định danh của bố", "Số CCCD của bố", "CCCD bố"},
	FieldMotherName:             {"Họ và tên mẹ", "Tên mẹ", "Mẹ"},
	FieldMotherIDNumber:         {"Số định danh mẹ", "Số CCCD của mẹ", "Số CCCD mẹ", "CCCD của mẹ", "CCCD mẹ"},
	FieldSpouseName:             {"Họ và tên vợ/chồng", "Tên vợ/chồng", "Vợ/chồng", "Vợ hoặc chồng"},
	FieldSpouseIDNumber:         {"Số định danh vợ/chồng", "Số CCCD của vợ/chồng", "Số CCCD vợ/chồng", "CCCD vợ/chồng"},
	FieldRepresentativeName:     {"Người đại diện", "Người đại diện hợp pháp", "Người giám hộ", "Họ tên người giám hộ"},
	FieldRepresentativeIDNumber: {"Số định danh người đại diện", "Số CCCD người đại diện", "Số CCCD người giám hộ"},
	FieldIDIssueDate:            {"Ngày cấp", "Ngày cấp CCCD", "Ngày cấp căn cước"},
	FieldIDIssuePlace:           {"Nơi cấp", "Nơi cấp CCCD", "Nơi cấp căn cước"},
	FieldPhone:                  {"Điện thoại", "SĐT", "ĐT", "Số ĐT"},
	FieldOccupation:             {"Nghề", "Công việc", "Nghề nghiệp, nơi làm việc", "Nghề nghiệp và nơi làm việc"},
	FieldStatus:                 {"Trạng thái", "Còn sống/đã chết"},
	FieldDeathDate:              {"Ngày chết", "Ngày mất", "Ngày tử vong", "Ngày mất tích"},
}

// Headings of columns that hold nothing to import: a row number, notes,
// the identifier an export writes, and the two columns a file of refused
// rows adds (RefusedLineHeader, RefusedFixHeader), in every language.
var skippedHeaders = append([]string{"STT", "TT", "Số TT", "Số thứ tự", "Ghi chú", "Note", "Notes"},
	bothLanguages("import.person_id", "import.refused_line", "import.refused_fix")...)

// bothLanguages returns the texts of keys in Vietnamese and English.
func bothLanguages(keys ...string) []string {
	var out []string
	for _, k := range keys {
		out = append(out, i18n.T(i18n.Vietnamese, k), i18n.T(i18n.English, k))
	}
	return out
}

// RefusedLineHeader is the heading, in lang ("en", else Vietnamese), of
// the column a file of refused rows adds after the file's own: the row's
// line in the file imported. An import skips it, so the corrected file
// imports as it is.
func RefusedLineHeader(lang string) string { return i18n.T(sayLang(lang), "import.refused_line") }

// RefusedFixHeader is the heading, in lang, of the column a file of
// refused rows adds last: what to correct. An import skips it.
func RefusedFixHeader(lang string) string { return i18n.T(sayLang(lang), "import.refused_fix") }

// sayLang is lang if it is English, else Vietnamese: the words of files
// and labels are in one of the two.
func sayLang(lang string) string {
	if lang == i18n.English {
		return lang
	}
	return i18n.Vietnamese
}

// skipField marks a recognised column that holds nothing to import.
const skipField Field = 0

var headerIndex = func() map[string]Field {
	m := map[string]Field{}
	add := func(text string, f Field) {
		k := headerKey(text)
		if old, ok := m[k]; ok && old != f {
			panic(fmt.Sprintf("storage: heading %q names both %s and %s", text, old, f))
		}
		m[k] = f
	}
	for f := Field(1); f < numFields; f++ {
		add(fieldNames[f], f)
		add(f.Label(i18n.Vietnamese), f)
		add(f.Label(i18n.English), f)
		for _, w := range headerWords[f] {
			add(w, f)
		}
	}
	for _, w := range skippedHeaders {
		add(w, skipField)
	}
	return m
}()

// headerKey is the form headings are compared in: folded (no case, no
// diacritics), every run of punctuation and space one space.
func headerKey(s string) string {
	s = fold.Fold(s)
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
			continue
		}
		space = true
	}
	return b.String()
}

// withoutHints drops the parts of a heading in parentheses or brackets:
// "Ngày sinh (dd/mm/yyyy)", "Họ và tên (*)".
func withoutHints(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch r {
		case '(', '[':
			depth++
			continue
		case ')', ']':
			if depth > 0 {
				depth--
			}
			continue
		}
		if depth == 0 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// FieldByHeader returns the field a heading of an import file names; skip
// is true for a heading of a column that holds nothing to import ("STT",
// "Ghi chú").
func FieldByHeader(heading string) (f Field, skip, ok bool) {
	k := headerKey(heading)
	if k == "" {
		return 0, false, false
	}
	f, ok = headerIndex[k]
	if !ok {
		if k2 := headerKey(withoutHints(heading)); k2 != "" && k2 != k {
			f, ok = headerIndex[k2]
		}
	}
	return f, ok && f == skipField, ok
}

// ColumnMap maps one column of an import file by hand: a column whose
// heading is not recognised, or one to read as another field, or to skip.
type ColumnMap struct {
	Column int    // the column, 0 for the first (A); -1 to find it by Header
	Header string // the column's heading (compared as FieldByHeader compares), when Column is -1
	Field  Field  // the field it holds; 0 to skip the column
}

// ParseColumnMap reads a mapping written KEY=FIELD, as `kitctl import
// --map` takes it. KEY is a column — "Cột 3" or "column 3" (counted from
// 1), "Cột C" or "column C" (the spreadsheet's letter) — or else the
// column's heading as written in the file. FIELD is a column name
// (birth_date), a heading FieldByHeader recognises ("Ngày sinh"), or "-"
// to skip the column.
func ParseColumnMap(spec string) (ColumnMap, error) {
	i := strings.LastIndexByte(spec, '=')
	if i < 0 {
		return ColumnMap{}, fmt.Errorf("%q: write COLUMN=FIELD, e.g. \"Cột 3=birth_date\", \"Năm sinh=birth_date\" or \"Ghi chú=-\"", spec)
	}
	key, val := strings.TrimSpace(spec[:i]), strings.TrimSpace(spec[i+1:])
	if key == "" {
		return ColumnMap{}, fmt.Errorf("%q: no column before \"=\"", spec)
	}
	m := ColumnMap{Column: -1, Header: key}
	if c, ok := columnRef(key); ok {
		m.Column, m.Header = c, ""
	}
	switch val {
	case "-", "":
		m.Field = skipField
	default:
		f, ok := FieldByName(strings.ToLower(val))
		if !ok {
			var skip bool
			f, skip, ok = FieldByHeader(val)
			if skip {
				ok = false
			}
		}
		if !ok {
			return ColumnMap{}, fmt.Errorf("%q: %q is not a field; give a column name such as birth_date, full_name, id_number (the README lists them), or - to skip the column", spec, val)
		}
		m.Field = f
	}
	return m, nil
}

// columnRef reads "Cột 3", "column 3", "col 3" (counted from 1) or "Cột C",
// "column C" (the spreadsheet's letters, in capitals: "Cột lạ" is a
// heading) as a column index.
func columnRef(key string) (int, bool) {
	words := strings.Fields(key)
	if len(words) != 2 {
		return 0, false
	}
	switch headerKey(words[0]) {
	case "cot", "column", "col":
	default:
		return 0, false
	}
	rest := words[1]
	if n, err := strconv.Atoi(rest); err == nil {
		if n < 1 || n > 16384 {
			return 0, false
		}
		return n - 1, true
	}
	if len(rest) > 3 {
		return 0, false
	}
	col := 0
	for _, c := range rest {
		if c < 'A' || c > 'Z' {
			return 0, false
		}
		col = col*26 + int(c-'A') + 1
	}
	return col - 1, true
}

// ColumnName is how a spreadsheet names column i (0 is A).
func ColumnName(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}

// ImportColumn says what one column of an import file holds: part of
// [ImportReport], and what an import shows before it runs.
type ImportColumn struct {
	Column string `json:"column"`            // the spreadsheet's letter: A, B, …
	Header string `json:"header"`            // the heading as written in the file
	Field  string `json:"field"`             // the field it fills; "" for a column skipped
	ByHand bool   `json:"by_hand,omitempty"` // mapped by a ColumnMap
	// Unknown marks a heading no field is known by, in a preview
	// (PreviewFile): the import refuses the file until it is mapped.
	Unknown bool `json:"unknown,omitempty"`
	Index   int  `json:"-"` // the column, 0 for A
}

// headerPlan is how an import reads its file's rows: the field of each
// column, found from the header rows.
type headerPlan struct {
	cols    []Field // by column; 0: skipped, or no heading (see named)
	named   []bool  // by column: the column has a heading or a mapping
	width   int     // cells of the header row as read (a CSV's rows have as many)
	columns []ImportColumn
	last    int // index, in the rows looked at, of the last header row
}

// headerLook is how many rows an import looks at for its header: a
// register often has a title, the commune's name and a date above it.
const headerLook = 10

// planHeader finds the header among the first rows of a file and maps its
// columns. The header row is the one naming the most fields; the row just
// below it is part of the header when every cell of it is a heading (sub-
// headings under a merged cell: "Cha mẹ" over "Họ tên cha" and "Họ tên
// mẹ"), and so is the row just above when each of its cells is a heading
// or stands over one (a heading merged down over two rows keeps its text
// in the upper cell: "Họ và tên" beside "Thông tin cá nhân" over "Dân
// tộc" and "Quê quán"). A merged cell's text is in its first cell.
func planHeader(rows [][]string, maps []ColumnMap) (*headerPlan, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("%w: the file is empty; it needs a header row with column names such as full_name or \"Họ và tên\"", ErrBadCSV)
	}
	byHeader := map[string]ColumnMap{}
	for _, m := range maps {
		if m.Column < 0 {
			byHeader[headerKey(m.Header)] = m
		}
	}
	known := func(cell string) (Field, bool) {
		if m, ok := byHeader[headerKey(cell)]; ok && strings.TrimSpace(cell) != "" {
			return m.Field, true
		}
		f, _, ok := FieldByHeader(cell)
		return f, ok
	}
	score := func(row []string) int {
		n := 0
		for _, c := range row {
			if f, ok := known(c); ok && f != skipField {
				n++
			}
		}
		return n
	}
	best, bestScore := 0, 0
	for i, r := range rows {
		if s := score(r); s > bestScore {
			best, bestScore = i, s
		}
	}
	if bestScore == 0 && len(maps) == 0 {
		return nil, fmt.Errorf("%w: no header row: none of the first %d rows names a column such as full_name, \"Họ và tên\", \"Ngày sinh\" or \"Giới tính\"; add a header row, or map the columns by hand (kitctl import --map \"Cột 1=full_name\")", ErrBadCSV, len(rows))
	}
	head := rows[best]
	width := len(head)
	text := make([]string, width) // the heading that decides each column
	copy(text, head)
	plan := &headerPlan{last: best}
	recognised := func(row []string, i int) bool {
		if i >= len(row) {
			return false
		}
		_, ok := known(row[i])
		return ok
	}
	// The row below: every non-empty cell a heading.
	if best+1 < len(rows) {
		below, all, any := rows[best+1], true, false
		for _, c := range below {
			if strings.TrimSpace(c) == "" {
				continue
			}
			any = true
			if _, ok := known(c); !ok {
				all = false
				break
			}
		}
		if all && any {
			for i, c := range below {
				if strings.TrimSpace(c) == "" {
					continue
				}
				for len(text) <= i {
					text = append(text, "")
				}
				text[i] = c
			}
			plan.last = best + 1
			if len(below) > width {
				width = len(below)
			}
		}
	}
	// The row above: each non-empty cell a heading, or over one.
	if best > 0 {
		above, ok, any := rows[best-1], true, false
		for i, c := range above {
			if strings.TrimSpace(c) == "" {
				continue
			}
			any = true
			if _, k := known(c); !k && !recognised(text, i) {
				ok = false
				break
			}
		}
		if ok && any {
			for i, c := range above {
				if strings.TrimSpace(c) == "" || recognised(text, i) {
					continue
				}
				if _, k := known(c); k {
					for len(text) <= i {
						text = append(text, "")
					}
					text[i] = c
				}
			}
		}
	}
	plan.width = width
	if len(text) > plan.width {
		plan.width = len(text)
	}
	plan.cols = make([]Field, plan.width)
	plan.named = make([]bool, plan.width)
	byHand := make([]bool, plan.width)
	unknownAt := make([]bool, plan.width)
	var unknown []string
	for i := 0; i < plan.width; i++ {
		var h string
		if i < len(text) {
			h = strings.TrimSpace(text[i])
		}
		if h == "" {
			continue
		}
		plan.named[i] = true
		if m, ok := byHeader[headerKey(h)]; ok {
			plan.cols[i], byHand[i] = m.Field, true
			continue
		}
		f, _, ok := FieldByHeader(h)
		if !ok {
			unknown = append(unknown, fmt.Sprintf("%s %q", ColumnName(i), h))
			unknownAt[i] = true
			continue
		}
		plan.cols[i] = f
	}
	for _, m := range maps {
		if m.Column < 0 {
			continue
		}
		for len(plan.cols) <= m.Column {
			plan.cols = append(plan.cols, 0)
			plan.named = append(plan.named, false)
			byHand = append(byHand, false)
			unknownAt = append(unknownAt, false)
			text = append(text, "")
		}
		plan.cols[m.Column], plan.named[m.Column], byHand[m.Column], unknownAt[m.Column] = m.Field, true, true, false
		for j, u := range unknown {
			if strings.HasPrefix(u, ColumnName(m.Column)+" ") {
				unknown = append(unknown[:j], unknown[j+1:]...)
				break
			}
		}
	}
	// The problems of the header: the import stops on the first, a
	// preview shows the columns with it.
	var problem error
	if len(unknown) > 0 {
		problem = fmt.Errorf("%w: unknown column(s) %s in the header row (line %d); the column names are listed in the README (e.g. full_name, birth_date, sex, or \"Họ và tên\", \"Ngày sinh\", \"Giới tính\"); map a column by hand with --map \"HEADING=field\", or skip it with --map \"HEADING=-\"",
			ErrBadCSV, strings.Join(unknown, ", "), best+1)
	}
	seen := map[Field]int{}
	for i, f := range plan.cols {
		if f == skipField {
			continue
		}
		if j, ok := seen[f]; ok {
			if problem == nil {
				problem = fmt.Errorf("%w: columns %s and %s both hold %s (column %q appears twice); skip one with --map \"Cột %s=-\"", ErrBadCSV, ColumnName(j), ColumnName(i), f.Label("vi"), f.String(), ColumnName(i))
			}
			continue
		}
		seen[f] = i
	}
	for _, f := range []Field{FieldFullName, FieldBirthDate, FieldSex} {
		if _, ok := seen[f]; !ok && problem == nil {
			problem = fmt.Errorf("%w: the header row has no %q column (%s), which every person needs", ErrBadCSV, f.String(), f.Label("vi"))
		}
	}
	for i := range plan.cols {
		if !plan.named[i] {
			continue
		}
		c := ImportColumn{Column: ColumnName(i), ByHand: byHand[i], Unknown: unknownAt[i], Index: i}
		if i < len(text) {
			c.Header = strings.TrimSpace(text[i])
		}
		if f := plan.cols[i]; f != skipField {
			c.Field = f.String()
		}
		plan.columns = append(plan.columns, c)
	}
	return plan, problem
}
