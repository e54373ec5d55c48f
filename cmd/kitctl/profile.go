package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/outbox"
)

// cmdProfile is `kitctl profile`: a backup of the whole profile onto a
// stick, its restore on another laptop, and what the profile knows of
// both.
func cmdProfile(e *env, args []string) error {
	if len(args) == 0 {
		return usagef("usage: kitctl profile backup --out FILE | restore --in FILE --dir NEW_DIR [--force] | status")
	}
	switch args[0] {
	case "backup":
		return profileBackup(e, args[1:])
	case "restore":
		return profileRestore(e, args[1:])
	case "status":
		return profileStatus(e, args[1:])
	}
	return usagef("profile: unknown subcommand %q (backup, restore, status)", args[0])
}

func profileBackup(e *env, args []string) error {
	fs := flag.NewFlagSet("profile backup", flag.ContinueOnError)
	out := fs.String("out", "", "the backup file to write (e.g. on the USB stick); never replaced")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *out == "" {
		return usagef("usage: kitctl profile backup --out FILE.ckpbak")
	}
	dir, err := e.profileDir()
	if err != nil {
		return err
	}
	pass, err := e.passphrase(false)
	if err != nil {
		return err
	}
	s, err := storage.Open(dir, pass, storage.Options{Logger: quietLogger()})
	if errors.Is(err, storage.ErrWrongPassphrase) {
		return fmt.Errorf("%w (check COMMUNEKIT_PASSPHRASE or --passphrase-file)", err)
	}
	if err != nil {
		return err
	}
	defer s.Close()
	start := time.Now()
	rec, err := s.BackupProfile(*out, pass)
	if err != nil {
		return err
	}
	if e.jsonOut {
		return e.printJSON(map[string]any{"file": rec.File, "bytes": rec.Bytes, "made": rec.Made.Format(time.RFC3339),
			"device": string(s.Profile().Device), "seconds": time.Since(start).Seconds()})
	}
	fmt.Fprintf(e.stdout, "Backup of the profile (device %s, commune %s) written to %s: %d bytes, sealed with the profile's passphrase.\n"+
		"On a new laptop: kitctl profile restore --in %s --dir NEW_DIR, then enrol it again (it becomes a new device that keeps the records).\n",
		s.Profile().Device, s.Profile().Commune, rec.File, rec.Bytes, filepath.Base(rec.File))
	return nil
}

func profileRestore(e *env, args []string) error {
	fs := flag.NewFlagSet("profile restore", flag.ContinueOnError)
	in := fs.String("in", "", "the backup file")
	dir := fs.String("dir", "", "a new or empty directory for the restored profile")
	force := fs.Bool("force", false, "restore even though the original profile is still on this computer")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *in == "" || *dir == "" {
		return usagef("usage: kitctl profile restore --in FILE.ckpbak --dir NEW_DIR [--force]")
	}
	f, err := os.Open(*in)
	if err != nil {
		return fmt.Errorf("cannot read the backup: %w", err)
	}
	defer f.Close()
	pass, err := e.passphrase(false)
	if err != nil {
		return err
	}
	h, err := storage.RestoreProfile(f, *dir, pass, storage.RestoreOptions{Force: *force})
	if err != nil {
		return err
	}
	made := time.Unix(h.Made, 0)
	if e.jsonOut {
		return e.printJSON(map[string]any{"dir": *dir, "device": h.Device, "commune": h.Commune, "officer": h.Officer, "made": made.UTC().Format(time.RFC3339)})
	}
	fmt.Fprintf(e.stdout, "Profile of device %s (%s, commune %s), backed up %s, restored into %s.\n"+
		"As it first opens it becomes a new device: make its enrolment request with kitctl --profile %s enrol request --out FILE.req and take it to the district.\n",
		h.Device, h.Officer, h.Commune, made.Format("2006-01-02 15:04"), *dir, *dir)
	return nil
}

func profileStatus(e *env, args []string) error {
	fs := flag.NewFlagSet("profile status", flag.ContinueOnError)
	if _, err := e.parse(fs, args); err != nil {
		return err
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	m := map[string]any{"device": string(s.Profile().Device), "commune": s.Profile().Commune, "officer": s.Profile().Officer}
	rec, ok, err := s.LastBackup()
	if err != nil {
		return err
	}
	due := true
	if ok {
		m["last_backup"] = map[string]any{"made": rec.Made.Format(time.RFC3339), "file": rec.File, "bytes": rec.Bytes}
		due = time.Since(rec.Made) > storage.BackupDue
	} else {
		m["last_backup"] = nil
	}
	m["backup_due"] = due
	h, err := s.Handover()
	if err != nil {
		return err
	}
	if h != nil {
		m["handover"] = map[string]any{"state": h.State, "reason": h.Reason, "old_device": string(h.Old), "since": h.Since.Format(time.RFC3339),
			"unsent_of_old_device": h.Unsent()}
	}
	_, _, enrolErr := outbox.Enrolment(s)
	m["enrolled"] = enrolErr == nil
	if e.jsonOut {
		return e.printJSON(m)
	}
	fmt.Fprintf(e.stdout, "Device %s, commune %s, officer %s; enrolled: %v\n", s.Profile().Device, s.Profile().Commune, s.Profile().Officer, enrolErr == nil)
	switch {
	case !ok:
		fmt.Fprintf(e.stdout, "No backup made yet: kitctl profile backup --out FILE (on a USB stick).\n")
	case due:
		fmt.Fprintf(e.stdout, "Last backup %s (%s), more than a week ago: make a new one.\n", rec.Made.Local().Format("2006-01-02 15:04"), rec.File)
	default:
		fmt.Fprintf(e.stdout, "Last backup %s (%s).\n", rec.Made.Local().Format("2006-01-02 15:04"), rec.File)
	}
	if h != nil {
		fmt.Fprintf(e.stdout, "%s\n", handoverText(h))
	}
	return nil
}

// handoverText says where a copy's hand-over stands, for the officer.
func handoverText(h *storage.Handover) string {
	how := "copied from another directory or computer"
	if h.Reason == storage.HandoverRestored {
		how = "restored from a backup"
	}
	switch h.State {
	case storage.HandoverAwaiting:
		return fmt.Sprintf("This profile was %s (device %s). It is now device %s and must be enrolled as its successor: "+
			"kitctl enrol request --out FILE.req, the district signs it (kitctl enrol sign), then kitctl enrol install FILE.cert. "+
			"%d operation(s) of the old device wait to be carried over.", how, h.Old, h.New, h.Unsent())
	case storage.HandoverCarrying:
		return fmt.Sprintf("This profile was %s (device %s); enrolled as its successor, %d operation(s) of the old device are carried over at the next sync.", how, h.Old, h.Unsent())
	}
	return fmt.Sprintf("This profile was %s (device %s); the district holds every operation of the old device.", how, h.Old)
}

// noteHandover tells the officer, on every command, that a copy waits
// for its enrolment as a new device.
func (e *env) noteHandover(s *storage.Store) {
	if s.Profile().Kind != storage.KindCommune && s.Profile().Kind != "" {
		return
	}
	h, err := s.Handover()
	if err != nil || h == nil || h.State != storage.HandoverAwaiting {
		return
	}
	if _, _, err := outbox.Enrolment(s); err == nil {
		return
	}
	fmt.Fprintf(e.stderr, "kitctl: %s\n", handoverText(h))
}
