package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/communekit/communekit/storage/report"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/protocol"
)

// kitctl report … --node: the district's tables, computed by a node on
// the district's state (sync/node, report.go) with the code a laptop runs
// on its own store, asked with a request the district profile's key signs.
// kitctl only prints them, as it prints a laptop's.

// wantsNode reports whether args ask a node (--node given).
func wantsNode(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == "--node" || a == "-node" || strings.HasPrefix(a, "--node=") || strings.HasPrefix(a, "-node=") {
			return true
		}
	}
	return false
}

// reportStatsNode is `report stats --node URL [--commune C | --all]`:
// without --commune, the whole district.
func reportStatsNode(e *env, args []string) error {
	fs := flag.NewFlagSet("report stats", flag.ContinueOnError)
	node := fs.String("node", "", "URL of any node of the district cluster")
	commune := fs.String("commune", "", "one commune's code (default: the whole district)")
	all := fs.Bool("all", false, "the whole district, each person counted once (the default)")
	at := fs.String("at", "", "reference date, yyyy-mm-dd or dd/mm/yyyy (default: today, by the node's clock)")
	from := fs.String("from", "", "first day of the events' period (default: the calendar month before --at)")
	to := fs.String("to", "", "last day of the events' period")
	timeout := fs.Duration("timeout", 60*time.Second, "give up after this long")
	xlsx := fs.String("xlsx", "", "write the tables to this new .xlsx file")
	pdf := fs.String("pdf", "", "write the tables and the pyramid to this new .pdf file (A4)")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *node == "" {
		return usagef("usage: kitctl --profile DISTRICT report stats --node URL [--commune C | --all] [--at D] [--from D --to D] [--json | --xlsx F | --pdf F]")
	}
	if err := checkOutput(e, *xlsx, *pdf); err != nil {
		return err
	}
	if *all && *commune != "" {
		return usagef("report stats: --commune %s and --all ask for different tables: give one", *commune)
	}
	if *commune != "" && !isCommuneCode(*commune) {
		return usagef("report stats: --commune %q: give the commune's code, five digits (e.g. 00769)", *commune)
	}
	if err := checkNodeFlag(*node); err != nil {
		return err
	}
	var atD, fromD, toD report.Date
	if atD, err = dateFlag("at", *at); err != nil {
		return err
	}
	if fromD, err = dateFlag("from", *from); err != nil {
		return err
	}
	if toD, err = dateFlag("to", *to); err != nil {
		return err
	}
	if fromD.IsZero() != toD.IsZero() {
		return usagef("report stats: give the period with both --from and --to")
	}
	if !fromD.IsZero() && toD.String() < fromD.String() {
		return usagef("report stats: the period ends (%s) before it begins (%s)", toD, fromD)
	}
	ctx, cancel, err := nodeContext(*timeout)
	if err != nil {
		return err
	}
	defer cancel()
	s, reg, err := e.openDistrict()
	if err != nil {
		return err
	}
	defer s.Close()
	st, src, err := client.ReportStats(ctx, nodeHTTP(reg.Public()), *node, client.DistrictSigner(reg.Keys()), *commune, atD, fromD, toD)
	if err != nil {
		return err
	}
	st.SetLabels(e.lang)
	what := tr(e.lang, "thống kê của huyện", "the district's statistics")
	switch {
	case *xlsx != "":
		return saveDocument(e, what, "xlsx", *xlsx, func(w io.Writer) error { return st.WriteXLSX(w, e.lang) })
	case *pdf != "":
		return saveDocument(e, what, "pdf", *pdf, func(w io.Writer) error { return st.WritePDF(w, e.lang) })
	}
	if e.jsonOut {
		return e.printJSON(st)
	}
	w := bufio.NewWriter(e.stdout)
	printStats(w, st, e.lang)
	fmt.Fprintf(w, "\n%s\n", tr(e.lang,
		fmt.Sprintf("Tính trên dữ liệu của huyện tại nút %s (chỉ mục %d).", src.Node, src.Index),
		fmt.Sprintf("Computed on the district's state by node %s (index %d).", src.Node, src.Index)))
	return w.Flush()
}

func isCommuneCode(s string) bool {
	if len(s) != 5 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// reportProgress is `report progress --node URL`: each commune's persons,
// households, completeness and open conflicts, and each device's last
// accepted batch with its age by the leader's clock.
func reportProgress(e *env, args []string) error {
	fs := flag.NewFlagSet("report progress", flag.ContinueOnError)
	node := fs.String("node", "", "URL of any node of the district cluster")
	at := fs.String("at", "", "reference date persons are counted at (default: today, by the node's clock)")
	timeout := fs.Duration("timeout", 60*time.Second, "give up after this long")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *node == "" {
		return usagef("usage: kitctl --profile DISTRICT report progress --node URL [--at D] [--json]")
	}
	if err := checkNodeFlag(*node); err != nil {
		return err
	}
	atD, err := dateFlag("at", *at)
	if err != nil {
		return err
	}
	ctx, cancel, err := nodeContext(*timeout)
	if err != nil {
		return err
	}
	defer cancel()
	s, reg, err := e.openDistrict()
	if err != nil {
		return err
	}
	defer s.Close()
	pr, err := client.ReportProgress(ctx, nodeHTTP(reg.Public()), *node, client.DistrictSigner(reg.Keys()), atD)
	if err != nil {
		return err
	}
	if e.jsonOut {
		return e.printJSON(pr)
	}
	printProgress(e, pr, reg.Public().Name)
	return nil
}

func printProgress(e *env, pr *protocol.Progress, district string) {
	lang := e.lang
	clock := tr(lang, "giờ của nút dẫn đầu "+pr.Clock, "by the leader's clock, node "+pr.Clock)
	if !pr.Leader {
		clock = tr(lang, "cụm chưa có nút dẫn đầu: giờ của nút "+pr.Clock, "the cluster has no leader: by the clock of node "+pr.Clock)
	}
	fmt.Fprintf(e.stdout, "%s — %s\n", tr(lang, "Tiến độ nhập liệu", "Records progress"), district)
	fmt.Fprintf(e.stdout, "%s: %s   %s: %s (%s)\n\n", report.Word("reference_date", lang), pr.ReferenceDate.Vietnamese(),
		tr(lang, "Lúc", "At"), pr.Now.Local().Format("02/01/2006 15:04"), clock)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	// Numbers aligned right, the commune's name last, as it comes.
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t  %s\n", report.Word("persons", lang),
		report.Word("households", lang), tr(lang, "Hồ sơ đủ", "Complete"), tr(lang, "Đủ %", "Complete %"), tr(lang, "Xung đột", "Conflicts"), tr(lang, "Xã", "Commune"))
	row := func(name string, c report.CommuneProgress) {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%s\t%d\t  %s\n", c.Persons, c.Households, c.CompleteRecords,
			percentText(c.Completeness, lang), c.OpenConflicts, name)
	}
	for _, c := range pr.Communes {
		row(communeLabel(c.Commune), c.CommuneProgress)
	}
	row(tr(lang, "Toàn huyện (mỗi người một lần)", "Whole district (each person once)"), pr.Total)
	tw.Flush()

	fmt.Fprintf(e.stdout, "\n%s\n", tr(lang, "Thiết bị: lô cuối cùng huyện đã nhận", "Devices: the last batch the district accepted"))
	tw = tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", tr(lang, "Thiết bị", "Device"), tr(lang, "Vai trò", "Role"), tr(lang, "Xã", "Communes"),
		tr(lang, "Lô", "Batch"), tr(lang, "Nhận lúc", "Accepted"), tr(lang, "Cách đây", "Age"))
	for _, d := range pr.Devices {
		accepted, age := "–", "–"
		switch {
		case d.LastBatch == 0:
			accepted = tr(lang, "chưa gửi lô nào", "none yet")
		case d.AcceptedAt != nil && d.AgeSeconds != nil:
			accepted = d.AcceptedAt.Local().Format("02/01/2006 15:04")
			age = ageText(time.Duration(*d.AgeSeconds)*time.Second, lang)
		default:
			accepted = tr(lang, "không rõ (trước khi huyện ghi giờ)", "not recorded (before the district kept it)")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", d.Device, d.Role, strings.Join(d.Communes, ","), strconv.FormatUint(d.LastBatch, 10), accepted, age)
	}
	tw.Flush()
}

func percentText(p float64, lang string) string {
	s := strconv.FormatFloat(p, 'f', 1, 64) + "%"
	if lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// ageText is a duration as a person reads an age: 45 s, 12 min, 5 h 20 min,
// 3 days.
func ageText(d time.Duration, lang string) string {
	switch {
	case d < 0:
		return tr(lang, "vừa xong", "just now")
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h %d min", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%d %s", int(d/(24*time.Hour)), tr(lang, "ngày", "days"))
}
