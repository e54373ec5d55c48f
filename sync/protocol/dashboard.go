package protocol

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/scrypt"

	"github.com/communekit/communekit/crypto/keyring"
)

// The district's dashboard (GET /dashboard on every node) opens with a
// password the district office sets: `kitctl district dashboard-password`
// hashes it with scrypt on the office machine and sends the hash in a
// DashboardPassword signed with the district's root key; the cluster
// replicates it (sync/node, entry kind 7) and every node checks logins
// against it. The password itself never leaves the office machine but in
// the browser's login form.

// Paths of the dashboard. The password is set with a signed POST; the
// page, its login and logout are for browsers.
const (
	PathDashboardPassword = "/v1/dashboard/password" // POST a DashboardPassword (JSON) → 204 once replicated
	PathDashboard         = "/dashboard"             // GET the page (?commune=C&lang=en)
	PathDashboardLogin    = "/dashboard/login"       // POST password=… (form) → 303 to the page with a session cookie
	PathDashboardLogout   = "/dashboard/logout"      // POST → 303 to the page, the session ended
)

// MinDashboardPassword is the shortest password the dashboard takes, in
// characters after NFC normalisation (as a profile's passphrase).
const MinDashboardPassword = keyring.MinPassphrase

// MaxDashboardPassword is the longest, in bytes.
const MaxDashboardPassword = 256

// Scrypt parameters of a new dashboard password hash (N = 2^15, r = 8,
// p = 1: 32 MiB and some tens of milliseconds per check), and the most a
// node accepts: a node checks each login with them, so the district must
// not be able to make it spend more than 64 MiB on one.
const (
	dashLogN       = 15
	dashR          = 8
	dashP          = 1
	maxScryptBytes = 64 << 20
	dashSaltSize   = 16
	dashKeySize    = 32
)

// ScryptHash is a password's scrypt hash with its parameters, written
// "scrypt$<log2 N>$<r>$<p>$<salt>$<key>" (salt and key in unpadded
// base64url).
type ScryptHash struct {
	LogN, R, P int
	Salt, Key  []byte
}

// HashDashboardPassword checks a new password (its length, counted in
// letters after NFC normalisation) and returns its scrypt hash with a
// fresh salt.
func HashDashboardPassword(password []byte) (*ScryptHash, error) {
	p := keyring.NFC(password)
	if n := keyring.Characters(p); n < MinDashboardPassword {
		return nil, fmt.Errorf("the password has %d characters; the dashboard needs at least %d: choose a longer one, for example a few words", n, MinDashboardPassword)
	}
	if len(p) > MaxDashboardPassword {
		return nil, fmt.Errorf("the password is %d bytes long; at most %d", len(p), MaxDashboardPassword)
	}
	h := &ScryptHash{LogN: dashLogN, R: dashR, P: dashP, Salt: make([]byte, dashSaltSize)}
	if _, err := rand.Read(h.Salt); err != nil {
		return nil, err
	}
	k, err := scrypt.Key(p, h.Salt, 1<<h.LogN, h.R, h.P, dashKeySize)
	if err != nil {
		return nil, err
	}
	h.Key = k
	return h, nil
}

// String is the hash's text form.
func (h *ScryptHash) String() string {
	e := base64.RawURLEncoding
	return fmt.Sprintf("scrypt$%d$%d$%d$%s$%s", h.LogN, h.R, h.P, e.EncodeToString(h.Salt), e.EncodeToString(h.Key))
}

// ParseScryptHash reads a hash's text form, refusing parameters a node
// will not spend (more than 64 MiB a check) or cannot trust (a short salt
// or key).
func ParseScryptHash(s string) (*ScryptHash, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "scrypt" {
		return nil, fmt.Errorf("not a dashboard password hash (scrypt$logN$r$p$salt$key)")
	}
	var h ScryptHash
	var err error
	for i, v := range []*int{&h.LogN, &h.R, &h.P} {
		if *v, err = strconv.Atoi(parts[1+i]); err != nil || *v < 1 || strconv.Itoa(*v) != parts[1+i] {
			return nil, fmt.Errorf("dashboard password hash: parameter %q", parts[1+i])
		}
	}
	if h.LogN < 10 || h.LogN > 20 || h.R > 32 || h.P > 4 || 128*h.R*(1<<h.LogN) > maxScryptBytes {
		return nil, fmt.Errorf("dashboard password hash: scrypt parameters N=2^%d r=%d p=%d are outside what a node checks (2^10 to 2^20, r ≤ 32, p ≤ 4, at most %d MiB)", h.LogN, h.R, h.P, maxScryptBytes>>20)
	}
	e := base64.RawURLEncoding
	if h.Salt, err = e.DecodeString(parts[4]); err != nil || len(h.Salt) < dashSaltSize || len(h.Salt) > 64 {
		return nil, fmt.Errorf("dashboard password hash: the salt")
	}
	if h.Key, err = e.DecodeString(parts[5]); err != nil || len(h.Key) != dashKeySize {
		return nil, fmt.Errorf("dashboard password hash: the key")
	}
	return &h, nil
}

// Check reports whether password (normalised as when it was set) is the
// one hashed. It costs the scrypt parameters' memory and time.
func (h *ScryptHash) Check(password []byte) bool {
	p := keyring.NFC(password)
	if len(p) > MaxDashboardPassword {
		return false
	}
	k, err := scrypt.Key(p, h.Salt, 1<<h.LogN, h.R, h.P, len(h.Key))
	return err == nil && subtle.ConstantTimeCompare(k, h.Key) == 1
}

// DashboardPassword sets the dashboard's password: its hash, signed by
// the district with a time and a nonce. The cluster keeps the newest one
// by Time; one no newer than the setting held is refused.
type DashboardPassword struct {
	Hash  string `json:"hash"`  // ScryptHash text form
	Time  int64  `json:"time"`  // unix seconds when signed
	Nonce string `json:"nonce"` // NonceSize random bytes, hex
	Sig   string `json:"sig"`   // hex Ed25519 by the district over SignedBytes
}

// SignedBytes is what the district signs.
func (d *DashboardPassword) SignedBytes() []byte {
	var w bytes.Buffer
	w.WriteString("CKDASH1\x00")
	writeStr(&w, d.Hash)
	w.Write(binary.BigEndian.AppendUint64(nil, uint64(d.Time)))
	writeStr(&w, d.Nonce)
	return w.Bytes()
}

// Sign signs the setting with the district's key, with a fresh nonce.
func (d *DashboardPassword) Sign(key ed25519.PrivateKey, now time.Time) {
	d.Time = now.Unix()
	d.Nonce = NewNonce()
	d.Sig = hex.EncodeToString(ed25519.Sign(key, d.SignedBytes()))
}

// VerifySignature checks the district's signature and the hash's form,
// not the time: what the state machine checks, reading no clock.
func (d *DashboardPassword) VerifySignature(pub ed25519.PublicKey) (*ScryptHash, error) {
	sig, err := hex.DecodeString(d.Sig)
	if err != nil || hex.EncodeToString(sig) != d.Sig || !ed25519.Verify(pub, d.SignedBytes(), sig) {
		return nil, &Error{Code: CodeBadSignature, Message: "the dashboard password is not signed with this district's key"}
	}
	if !validNonce(d.Nonce) {
		return nil, &Error{Code: CodeMalformed, Message: "the dashboard password carries no valid nonce"}
	}
	h, err := ParseScryptHash(d.Hash)
	if err != nil {
		return nil, &Error{Code: CodeMalformed, Message: err.Error()}
	}
	return h, nil
}

// Verify checks the signature, the hash and that the setting is fresh
// (within MaxClockSkew of now).
func (d *DashboardPassword) Verify(pub ed25519.PublicKey, now time.Time) (*ScryptHash, error) {
	h, err := d.VerifySignature(pub)
	if err != nil {
		return nil, err
	}
	if e := CheckFresh("dashboard password", d.Time, now); e != nil {
		return nil, e
	}
	return h, nil
}
