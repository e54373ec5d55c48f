package cert_test

import (
	"fmt"
	"log"
	"time"

	"github.com/communekit/communekit/crypto/cert"
	"github.com/communekit/communekit/crypto/identity"
)

func ExampleSign() {
	// Once, at the district office.
	district, err := identity.NewDistrict("Cụm Mèo Vạc")
	if err != nil {
		log.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)

	// On the officer's laptop: make a request, show it as a QR code.
	device, err := identity.NewDevice("k3m7q2abx7c4d5ef")
	if err != nil {
		log.Fatal(err)
	}
	req, err := cert.NewRequest(device, "Nguyễn Thị Lan", []string{"00769"}, now)
	if err != nil {
		log.Fatal(err)
	}
	qr, err := req.MarshalText()
	if err != nil {
		log.Fatal(err)
	}

	// At the district: scan it, check the officer in person, sign.
	scanned, err := cert.ParseRequest(qr)
	if err != nil {
		log.Fatal(err)
	}
	c, err := cert.Sign(scanned, cert.RoleOfficer, nil, 365*24*time.Hour, 1, district, now)
	if err != nil {
		log.Fatal(err)
	}
	back, err := c.MarshalText()
	if err != nil {
		log.Fatal(err)
	}

	// Back on the laptop, and on every node that receives its batches.
	installed, err := cert.ParseCertificate(back)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(installed.Officer, installed.Role, installed.Communes, installed.NotAfter.Format("2006-01-02"))
	fmt.Println("valid now:", installed.Verify(district.Public(), now) == nil)
	fmt.Println("covers 00772:", installed.Covers("00772"))
	fmt.Println(installed.Verify(district.Public(), now.AddDate(2, 0, 0)))
	// Output:
	// Nguyễn Thị Lan officer [00769] 2027-11-25
	// valid now: true
	// covers 00772: false
	// certificate of device k3m7q2abx7c4d5ef (Nguyễn Thị Lan) expired on 2027-11-25; enrol the device again
}
