package main

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/protocol"
)

// districtExport writes district files for devices onto a stick
// (PROTOCOL.md, "District files"): what each device's next pull would
// receive, sealed to it by the cluster, signed by the district.
func districtExport(e *env, args []string) error {
	fs := flag.NewFlagSet("district export", flag.ContinueOnError)
	device := fs.String("device", "", "the device `ID` to export for, as kitctl enrol list shows it")
	commune := fs.String("commune", "", "export for every enrolled device of this commune instead")
	node := fs.String("node", "", "the district node's URL, e.g. https://10.0.0.5:8443")
	out := fs.String("out", "", "the directory to write the files to (the USB stick)")
	after := fs.Int64("after", -1, "start after this change (the cursor the laptop reports) instead of where the last file for the device ended")
	timeout := fs.Duration("timeout", defaultTimeout, "give up after this long")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	const usage = "usage: kitctl --profile DISTRICT district export (--device ID | --commune CODE) --node URL --out DIR [--after N]"
	if len(pos) > 0 || *node == "" || *out == "" || (*device == "") == (*commune == "") {
		return usagef(usage)
	}
	if *after >= 0 && *device == "" {
		return usagef("--after goes with --device: each device of a commune has its own cursor\n%s", usage)
	}
	if err := checkNodeFlag(*node); err != nil {
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

	devices, stop := client.ExportDistrictFiles(ctx, *node, reg, client.DistrictExport{Device: *device, Commune: *commune, Out: *out, After: *after})
	if stop != nil && devices == nil {
		return stop
	}

	count := map[string]int{}
	for _, f := range devices {
		count[f.Status]++
	}
	if e.jsonOut {
		e.printJSON(map[string]any{"files": devices, "written": count["written"], "nothing_new": count["nothing new"],
			"skipped": count["skipped"], "failed": count["failed"]})
	} else {
		for _, f := range devices {
			who := "device " + f.Device
			if f.Officer != "" {
				who += " (" + f.Officer + ")"
			}
			switch f.Status {
			case "written":
				fmt.Fprintf(e.stdout, "%s: %d change(s) for %s, after change %d up to %d, %s\n", f.File, f.Ops, who, f.From, f.To, humanBytes(int64(f.Bytes)))
			case "nothing new":
				fmt.Fprintf(e.stdout, "%s: nothing new after change %d: no file\n", who, f.From)
			default:
				fmt.Fprintf(e.stdout, "%s: %s: %s\n", who, f.Status, f.Reason)
			}
		}
		fmt.Fprintf(e.stdout, "%d file(s) written to %s", count["written"], *out)
		if n := count["nothing new"]; n > 0 {
			fmt.Fprintf(e.stdout, ", %d device(s) with nothing new", n)
		}
		if n := count["skipped"]; n > 0 {
			fmt.Fprintf(e.stdout, ", %d device(s) skipped", n)
		}
		if n := count["failed"]; n > 0 {
			fmt.Fprintf(e.stdout, ", %d failed", n)
		}
		fmt.Fprintln(e.stdout, ".")
		if count["written"] > 0 {
			fmt.Fprintf(e.stdout, "On each laptop: kitctl batch import %s (or the app's “Nhập từ USB”). If a laptop says a file before is missing, export again with --device ID --after N as it says.\n", *out)
		}
	}
	if stop != nil {
		return stop
	}
	if count["failed"] > 0 {
		return silentExit{Code: exitData}
	}
	return nil
}

// refusalFiles counts the district's refusals (.ckr) at paths: files as
// given, folders searched.
func refusalFiles(paths []string) (int, error) {
	n := 0
	for _, p := range paths {
		err := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.EqualFold(filepath.Ext(path), client.RefusalFileExt) {
				n++
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return n, nil
}

// batchImport applies district files (the way back by stick) to this
// device, as a pull would, and reports each.
func batchImport(e *env, args []string) error {
	fs := flag.NewFlagSet("batch import", flag.ContinueOnError)
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("usage: kitctl batch import FILE.ckp|DIR...: the files the district exported for this device")
	}
	// A stick brings district files, and the district's refusals of this
	// device's batches (kitctl district import leaves them beside them).
	var files, refusals []string
	for _, p := range pos {
		if st, err := os.Stat(p); err == nil && !st.IsDir() && strings.EqualFold(filepath.Ext(p), client.RefusalFileExt) {
			refusals = append(refusals, p)
			continue
		}
		files = append(files, p)
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			refusals = append(refusals, p)
		}
	}
	names, err := client.DistrictFiles(files...)
	if err != nil {
		return err
	}
	found, err := refusalFiles(refusals)
	if err != nil {
		return err
	}
	if len(names) == 0 && found == 0 {
		return fmt.Errorf("no district files (%s) in %s: the district writes them with `kitctl district export`", protocol.DistrictFileExt, strings.Join(pos, ", "))
	}
	s, err := e.openBulk()
	if err != nil {
		return err
	}
	defer s.Close()
	var refused []*client.RefusalResult
	if found > 0 {
		if refused, err = client.ImportRefusals(s, refusals...); err != nil {
			return err
		}
	}
	var rs []*client.FileResult
	if len(names) > 0 {
		rs, err = client.ImportFiles(s, files...)
		if err != nil && rs == nil {
			return err
		}
	}
	count := map[string]int{}
	applied, mine := 0, 0
	var cursor uint64
	for _, r := range rs {
		key := string(r.Status)
		if r.Code == client.FileCodeOtherDevice {
			key = "other device"
		} else {
			mine++
		}
		count[key]++
		applied += r.Applied
		cursor = max(cursor, r.Cursor)
	}
	if e.jsonOut {
		e.printJSON(map[string]any{"files": rs, "applied": count[string(client.FileApplied)], "already_had": count[string(client.FileHad)],
			"refused": count[string(client.FileRefused)], "other_device": count["other device"], "new_operations": applied, "cursor": cursor,
			"refusals": refused})
	} else {
		for _, r := range refused {
			name := filepath.Base(r.Path)
			switch r.Status {
			case "applied":
				fmt.Fprintf(e.stdout, "%s: the district refused batch %d; done here: %d change(s) withdrawn, %d stamped again. Export the batches again (`kitctl batch export`)\n", name, r.Batch, len(r.Refused), r.Restamped)
				e.printRefused(r.Refused, 0)
			case "other_device":
				fmt.Fprintf(e.stdout, "%s: %s\n", name, r.Reason)
			default:
				fmt.Fprintf(e.stdout, "%s: %s: %s\n", name, r.Status, r.Reason)
			}
			if r.Status != "other_device" {
				mine++
			}
		}
		for _, r := range rs {
			name := filepath.Base(r.Path)
			switch {
			case r.Status == client.FileApplied:
				fmt.Fprintf(e.stdout, "%s: applied %d change(s) (%d new to this device); received up to %d\n", name, r.Ops, r.Applied, r.Cursor)
			case r.Status == client.FileHad:
				fmt.Fprintf(e.stdout, "%s: already had: this device has received up to %d, the file ends at %d; nothing changed\n", name, r.Cursor, r.To)
			case r.Code == client.FileCodeOtherDevice:
				fmt.Fprintf(e.stdout, "%s: for device %s (%s), not this one: left for that laptop\n", name, r.Device, r.Officer)
			default:
				fmt.Fprintf(e.stdout, "%s: refused: %s\n", name, r.Reason)
			}
		}
		if len(rs) > 0 {
			fmt.Fprintf(e.stdout, "%d file(s) applied (%d new change(s)), %d already had, %d refused", count[string(client.FileApplied)], applied,
				count[string(client.FileHad)], count[string(client.FileRefused)])
			if n := count["other device"]; n > 0 {
				fmt.Fprintf(e.stdout, ", %d for other devices", n)
			}
			fmt.Fprintln(e.stdout, ".")
		}
	}
	if err != nil {
		return err
	}
	if mine == 0 {
		return fmt.Errorf("none of the district files in %s is for this device (%s): ask the district to export for it (kitctl district export --device %s)",
			strings.Join(pos, ", "), s.DeviceKeys().ID, s.DeviceKeys().ID)
	}
	if count[string(client.FileRefused)] > 0 {
		return silentExit{Code: exitData}
	}
	return nil
}
