package vm

import "errors"

// errInvalid is returned when a form has messages to show; the messages
// themselves are on the view model.
var errInvalid = errors.New("the form has problems to fix")

// ErrInvalid reports whether err means "see the messages beside the fields".
func ErrInvalid(err error) bool { return errors.Is(err, errInvalid) }
