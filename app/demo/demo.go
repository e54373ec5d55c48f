// Package demo makes what `communekit --demo` opens: a generated commune
// with a passphrase everyone knows, enrolled with a demo district whose one
// node runs inside the app on loopback, so that a newcomer can try the app,
// sync included, without setting anything up. It holds made-up people only.
//
// Everything lives in one directory: the commune profile itself, the
// district profile in district/ and the node's store and Raft log in
// district-node/. A later run reopens all three, so what was synced stays
// synced.
package demo

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/storage/gen"
	"github.com/communekit/communekit/sync/node"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/registry"
)

// The demo profile's settings. The passphrase is shown on the unlock
// screen: the demo holds no real person. The district profile and its node
// use it too.
const (
	Passphrase = "thu nghiem 2025"
	Commune    = "12472" // Xã Quỳnh Phụ, Hưng Yên: a lowland commune
	Officer    = "Nguyễn Thị Lan"
	Persons    = 3000
	Seed       = 7
	District   = "Cụm thử nghiệm Hưng Yên"
)

// districtWorkFactor is the scrypt work factor of the demo district's
// profile and node store. Its keys are no secret (the passphrase is on the
// screen), and a low factor keeps the node's start quick on every run; the
// commune profile keeps the default, so unlocking it takes what it takes
// on an officer's laptop.
const districtWorkFactor = 10

// certificateValidity is how long the demo device's certificate lasts: a
// demo profile kept for years still syncs.
const certificateValidity = 10 * 365 * 24 * time.Hour

// DefaultDir is where the demo profile lives: <user cache dir>/communekit-demo.
func DefaultDir() string {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "communekit-demo")
}

// DistrictDir is the demo district's profile inside the demo directory.
func DistrictDir(dir string) string { return filepath.Join(dir, "district") }

// NodeDir is the directory of the demo district's node.
func NodeDir(dir string) string { return filepath.Join(dir, "district-node") }

// Ensure makes what the demo needs in dir, keeping what is there: the
// commune profile (made again if half-made), and the district profile with
// the device enrolled in it. It reports whether it created the commune
// profile. A demo profile from a version without the district gets one,
// and its device is enrolled, on its first run with this version.
func Ensure(dir string, opts storage.Options) (created bool, err error) {
	var s *storage.Store
	if _, err := storage.ProfileCommune(dir); err != nil {
		if s, err = createCommune(dir, opts); err != nil {
			return true, err
		}
		created = true
	}
	defer func() {
		if s != nil {
			s.Close()
		}
	}()
	if _, err := storage.DistrictKeysOf(DistrictDir(dir), []byte(Passphrase)); err == nil {
		return created, nil
	}
	if s == nil {
		if s, err = storage.Open(dir, []byte(Passphrase), opts); err != nil {
			return false, fmt.Errorf("demo profile in %s: %w", dir, err)
		}
	}
	if err := createDistrict(dir, s, opts); err != nil {
		return created, fmt.Errorf("demo district in %s: %w", DistrictDir(dir), err)
	}
	err = s.Close()
	s = nil
	return created, err
}

// createCommune makes the commune profile with its generated people and
// returns it open.
func createCommune(dir string, opts storage.Options) (*storage.Store, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	s, err := storage.Create(dir, []byte(Passphrase), storage.Profile{Commune: Commune, Officer: Officer}, opts)
	if err != nil {
		return nil, fmt.Errorf("demo profile in %s: %w", dir, err)
	}
	c, err := gen.Generate(gen.Options{Commune: Commune, Persons: Persons, Seed: Seed})
	if err == nil {
		var buf bytes.Buffer
		if err = gen.WriteCSV(&buf, c, Seed); err == nil {
			err = importPersons(s, &buf)
		}
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func importPersons(s *storage.Store, csv *bytes.Buffer) error {
	rep, err := s.ImportPersons(csv, storage.ImportOptions{Reason: "demo", Chunk: 1000})
	if err != nil {
		return fmt.Errorf("demo import: %w", err)
	}
	if len(rep.Rejected) > 0 {
		r := rep.Rejected[0]
		return fmt.Errorf("demo import rejected %d rows, first line %d %s: %s", len(rep.Rejected), r.Line, r.Field, r.Message)
	}
	return nil
}

// createDistrict makes the district profile and enrols the device of s in
// it, as `kitctl district init`, `enrol request`, `enrol sign` and `enrol
// install` would. The profile is made beside its place and moved there
// last, so a run stopped half-way starts again from nothing. A node
// directory left from another district is removed: its store belongs to
// keys that are gone.
func createDistrict(dir string, s *storage.Store, opts storage.Options) error {
	final, tmp := DistrictDir(dir), DistrictDir(dir)+".new"
	for _, d := range []string{final, tmp, NodeDir(dir)} {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
	}
	d, err := storage.Create(tmp, []byte(Passphrase), storage.Profile{Kind: storage.KindDistrict, District: District},
		storage.Options{WorkFactor: districtWorkFactor, Logger: opts.Logger, Now: opts.Now, GCInterval: -1})
	if err != nil {
		return err
	}
	defer d.Close()
	reg, err := registry.Open(d, opts.Now)
	if err != nil {
		return err
	}
	now := time.Now()
	if opts.Now != nil {
		now = opts.Now()
	}
	req, err := cert.NewRequest(s.DeviceKeys(), Officer, []string{Commune}, now)
	if err != nil {
		return err
	}
	c, err := reg.Sign(req, cert.RoleOfficer, nil, certificateValidity)
	if err != nil {
		return err
	}
	if err := outbox.Install(s, c, reg.Public(), now); err != nil {
		return err
	}
	if err := d.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, final)
}

// StartNode starts the demo district's node in this process: one node,
// a cluster of its own, its API and Raft on loopback ports the system
// picks. Its address is n.Addr(); stop it with Shutdown. The node's
// directory persists between runs, so it holds what earlier runs sent.
func StartNode(dir string, log *slog.Logger) (*node.Node, error) {
	keys, err := storage.DistrictKeysOf(DistrictDir(dir), []byte(Passphrase))
	if err != nil {
		return nil, fmt.Errorf("demo district: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	n, err := node.Start(node.Config{
		ID:         "demo",
		Dir:        NodeDir(dir),
		District:   keys,
		Passphrase: []byte(Passphrase),
		WorkFactor: districtWorkFactor,
		RaftAddr:   "127.0.0.1:0",
		HTTPAddr:   "127.0.0.1:0",
		Bootstrap:  true,
		Logger:     log,
	})
	if err != nil {
		return nil, fmt.Errorf("demo district node in %s: %w", NodeDir(dir), err)
	}
	return n, nil
}

// WaitReady waits until n takes pushes (it has elected itself leader), or
// gives up after timeout. A sync started before needs no wait: the client
// retries while the node has no leader.
func WaitReady(n *node.Node, timeout time.Duration) error {
	end := time.Now().Add(timeout)
	for {
		err := n.Ready()
		if err == nil {
			return nil
		}
		if time.Now().After(end) {
			return fmt.Errorf("the demo district node is not ready after %s: %w", timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
