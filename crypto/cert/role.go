package cert

import (
	"strings"
)

// Role is what an enrolled officer may do.
type Role string

// The roles a certificate can grant.
const (
	RoleOfficer    Role = "officer"    // records the communes in scope
	RoleSupervisor Role = "supervisor" // also reviews and resolves conflicts
	RoleAdmin      Role = "admin"      // also administers the district
)

// roleCodes are the bytes that stand for roles in certificates; a new role
// gets a new byte, never a reused one.
var roleCodes = map[Role]byte{RoleOfficer: 1, RoleSupervisor: 2, RoleAdmin: 3}

// ParseRole reads a role name as typed, ignoring case and surrounding
// space.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if _, ok := roleCodes[r]; !ok {
		return "", fail(ErrUnknownRole, "unknown role %q; the roles are officer, supervisor and admin", s)
	}
	return r, nil
}

func roleFromCode(c byte) (Role, bool) {
	for r, rc := range roleCodes {
		if rc == c {
			return r, true
		}
	}
	return "", false
}
