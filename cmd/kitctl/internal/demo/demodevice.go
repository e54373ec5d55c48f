package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"time"

	"github.com/communekit/communekit/cmd/kitctl/internal/kit"
	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/linkproxy"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/registry"
)

// demoDevice is one laptop of the demo: an enrolled profile of its own,
// open in this process, reaching the district through its own shaped,
// faulty link.
type demoDevice struct {
	name     string // "A1"
	officer  string
	commune  string
	communes []string
	role     cert.Role
	dir      string
	skew     time.Duration // its clock's error
	s        *storage.Store
	px       *linkproxy.Proxy

	made     int // operations made on this device
	conflict storage.ID
	events   map[string]int // what the officer did, by kind
}

func (dv *demoDevice) now() time.Time { return time.Now().Add(dv.skew) }

func (dv *demoDevice) opts() storage.Options {
	return storage.Options{WorkFactor: demoWorkFactor, Logger: kit.QuietLogger(), Now: dv.now, GCInterval: -1}
}

// create makes the profile and enrols it with the district's registry, as
// `kitctl init`, `enrol request`, `enrol sign` and `enrol install` do.
func (dv *demoDevice) create(root string, reg *registry.Registry) error {
	dv.dir = filepath.Join(root, "devices", dv.name)
	s, err := storage.Create(dv.dir, []byte(demoPass), storage.Profile{Commune: dv.commune, Officer: dv.officer}, dv.opts())
	if err != nil {
		return fmt.Errorf("device %s: %w", dv.name, err)
	}
	dv.s = s
	dv.events = map[string]int{}
	req, err := cert.NewRequest(s.DeviceKeys(), dv.officer, dv.communes, dv.now())
	if err != nil {
		return err
	}
	c, err := reg.Sign(req, dv.role, dv.communes, 365*24*time.Hour)
	if err != nil {
		return err
	}
	return outbox.Install(s, c, reg.Public(), dv.now())
}

func (dv *demoDevice) open() error {
	if dv.s != nil {
		return nil
	}
	s, err := storage.Open(dv.dir, []byte(demoPass), dv.opts())
	if err != nil {
		return fmt.Errorf("device %s: %w", dv.name, err)
	}
	dv.s = s
	return nil
}

func (dv *demoDevice) close() error {
	if dv.s == nil {
		return nil
	}
	err := dv.s.Close()
	dv.s = nil
	return err
}

func (dv *demoDevice) client() *client.Client {
	// No connection outlives an exchange, as on a 2G link: each one
	// meets the link's faults.
	_, district, _ := outbox.Enrolment(dv.s) // enrolled at create: a zero key trusts no node
	hc := client.HTTPClient(district, client.HTTPOptions{DisableKeepAlives: true, Now: dv.now})
	return &client.Client{Node: "https://" + dv.px.Addr(), Store: dv.s, Now: dv.now, HTTP: hc,
		Retry: client.Backoff{Base: 100 * time.Millisecond, Max: 2 * time.Second, Attempts: -1}}
}

// sync is the officer pressing Sync: push, pull, until done or ctx ends.
func (dv *demoDevice) sync(ctx context.Context) (*client.Result, error) {
	r, err := dv.client().Sync(ctx)
	if err != nil {
		return r, fmt.Errorf("device %s: sync: %w", dv.name, err)
	}
	return r, nil
}

func (dv *demoDevice) count(kind string) {
	if dv.events == nil {
		dv.events = map[string]int{}
	}
	dv.events[kind]++
}

// work runs f, offline work on the device, and counts the operations it
// made (the device's pending operations grow by exactly those).
func (dv *demoDevice) work(f func() error) error {
	before, err := dv.s.Pending()
	if err != nil {
		return err
	}
	ferr := f()
	after, err := dv.s.Pending()
	if err != nil {
		return err
	}
	dv.made += int(after - before)
	return ferr
}

// living returns the living persons of the device's own commune with their
// households, in a stable order.
func (dv *demoDevice) living() ([]*storage.Person, []*storage.Household, error) {
	hs, err := dv.s.Households()
	if err != nil {
		return nil, nil, err
	}
	var ps []*storage.Person
	var own []*storage.Household
	for _, h := range hs {
		if h.AddressCode != dv.commune {
			continue
		}
		own = append(own, h)
		ms, err := dv.s.Members(h.Number)
		if err != nil {
			return nil, nil, err
		}
		for _, p := range ms {
			if p.Get(storage.FieldStatus) != storage.StatusDead {
				ps = append(ps, p)
			}
		}
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].ID.String() < ps[j].ID.String() })
	sort.Slice(own, func(i, j int) bool { return own[i].Number < own[j].Number })
	return ps, own, nil
}

var demoOccupations = []string{"Nông dân", "Giáo viên", "Y sĩ", "Buôn bán", "Công nhân", "Học sinh", "Thợ mộc", "Cán bộ xã"}

// fieldwork is a day of an officer's work offline: corrections, newborns,
// a death, a move out of the commune. It returns the person moved out.
func (dv *demoDevice) fieldwork(r *rand.Rand, corrections int, other string) (storage.ID, error) {
	ps, hs, err := dv.living()
	if err != nil {
		return storage.ID{}, err
	}
	if len(ps) < 20 || len(hs) < 5 {
		return storage.ID{}, fmt.Errorf("device %s holds %d persons of commune %s: too few for a day's work", dv.name, len(ps), dv.commune)
	}
	o := storage.SaveOptions{Reason: "đối chiếu CCCD"}
	for i := 0; i < corrections; i++ {
		p := ps[r.IntN(len(ps))]
		v := storage.Values{storage.FieldOccupation: demoOccupations[r.IntN(len(demoOccupations))]}
		if r.IntN(3) == 0 {
			v = storage.Values{storage.FieldPhone: fmt.Sprintf("09%08d", r.IntN(100000000))}
		}
		if _, _, err := dv.s.EditPerson(p.ID, v, o); err != nil {
			if errors.Is(err, storage.ErrNothingChanged) {
				continue
			}
			return storage.ID{}, fmt.Errorf("device %s: correcting %s: %w", dv.name, p.ID, err)
		}
		dv.count("corrections")
	}
	// Newborns, into households with a head.
	for born, tries := 0, 0; born < 3; tries++ {
		if tries == 1000 {
			return storage.ID{}, fmt.Errorf("device %s: no household of commune %s with a living head for a newborn", dv.name, dv.commune)
		}
		h := hs[r.IntN(len(hs))]
		ms, err := dv.s.Members(h.Number)
		if err != nil {
			return storage.ID{}, err
		}
		var head *storage.Person
		for _, m := range ms {
			if m.IsHead() && m.Get(storage.FieldStatus) != storage.StatusDead {
				head = m
			}
		}
		if head == nil {
			continue
		}
		sex, name := "Nữ", "Bảo An"
		if r.IntN(2) == 0 {
			sex, name = "Nam", "Minh Khôi"
		}
		family := head.FullName()
		if k := lastSpace(family); k > 0 {
			family = family[:k]
		}
		v := storage.Values{
			storage.FieldFullName: family + " " + name, storage.FieldBirthDate: dv.now().AddDate(0, 0, -r.IntN(20)).Format("02/01/2006"),
			storage.FieldSex: sex, storage.FieldNationality: "VN",
			storage.FieldEthnicity: head.Get(storage.FieldEthnicity), storage.FieldReligion: head.Get(storage.FieldReligion),
			storage.FieldHouseholdNumber: h.Number, storage.FieldRelationshipToHead: "Con",
			storage.FieldPermanentAddressCode: h.AddressCode, storage.FieldPermanentAddressDetail: h.AddressDetail,
			storage.FieldCurrentAddressCode: h.AddressCode, storage.FieldCurrentAddressDetail: h.AddressDetail,
		}
		if head.Get(storage.FieldSex) == "Nam" {
			v[storage.FieldFatherName], v[storage.FieldFatherIDNumber] = head.FullName(), head.IDNumber()
		} else {
			v[storage.FieldMotherName], v[storage.FieldMotherIDNumber] = head.FullName(), head.IDNumber()
		}
		if _, err := dv.s.AddPerson(v, storage.SaveOptions{Event: storage.EventBirth, Reason: "giấy chứng sinh"}); err != nil {
			return storage.ID{}, fmt.Errorf("device %s: a newborn in household %s: %w", dv.name, h.Number, err)
		}
		dv.count("births")
		born++
	}
	// A death and a move out, of members who do not head their household.
	var dead, moved storage.ID
	for _, k := range r.Perm(len(ps)) {
		p := ps[k]
		if p.IsHead() || p.Get(storage.FieldHouseholdNumber) == "" {
			continue
		}
		if dead.IsZero() {
			v := storage.Values{storage.FieldStatus: storage.StatusDead, storage.FieldDeathDate: dv.now().AddDate(0, 0, -2).Format("02/01/2006")}
			if _, _, err := dv.s.EditPerson(p.ID, v, storage.SaveOptions{Event: storage.EventDeath, Reason: "giấy báo tử"}); err != nil {
				return storage.ID{}, fmt.Errorf("device %s: recording the death of %s: %w", dv.name, p.ID, err)
			}
			dv.count("deaths")
			dead = p.ID
			continue
		}
		v := storage.Values{storage.FieldPermanentAddressCode: other, storage.FieldPermanentAddressDetail: "Thôn Nà Phầy",
			storage.FieldCurrentAddressCode: other, storage.FieldCurrentAddressDetail: "Thôn Nà Phầy",
			storage.FieldHouseholdNumber: "", storage.FieldRelationshipToHead: ""}
		if _, _, err := dv.s.EditPerson(p.ID, v, storage.SaveOptions{Event: storage.EventMoveOut, Reason: "chuyển hộ khẩu"}); err != nil {
			return storage.ID{}, fmt.Errorf("device %s: recording the move out of %s: %w", dv.name, p.ID, err)
		}
		dv.count("moves out")
		moved = p.ID
		break
	}
	return moved, nil
}

// moveIn records the arrival of a person who moved out of another
// commune: into a household of this one.
func (dv *demoDevice) moveIn(r *rand.Rand, id storage.ID) error {
	p, err := dv.s.Person(id)
	if err != nil {
		return fmt.Errorf("device %s: the person moving in, %s, has not reached this device: %w", dv.name, id, err)
	}
	_, hs, err := dv.living()
	if err != nil {
		return err
	}
	h := hs[r.IntN(len(hs))]
	v := storage.Values{storage.FieldHouseholdNumber: h.Number, storage.FieldRelationshipToHead: "Ở nhờ",
		storage.FieldPermanentAddressCode: h.AddressCode, storage.FieldPermanentAddressDetail: h.AddressDetail,
		storage.FieldCurrentAddressCode: h.AddressCode, storage.FieldCurrentAddressDetail: h.AddressDetail}
	if _, _, err := dv.s.EditPerson(p.ID, v, storage.SaveOptions{Event: storage.EventMoveIn, Reason: "nhập hộ khẩu"}); err != nil {
		return fmt.Errorf("device %s: recording the move in of %s: %w", dv.name, id, err)
	}
	dv.count("moves in")
	return nil
}

func lastSpace(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == ' ' {
			return i
		}
	}
	return -1
}
