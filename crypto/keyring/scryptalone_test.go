package keyring

import (
	"errors"
	"testing"
)

func TestScryptAlone(t *testing.T) {
	d, err := ScryptAlone(MinWorkFactor)
	if err != nil || d <= 0 {
		t.Fatalf("ScryptAlone(%d) = %v, %v", MinWorkFactor, d, err)
	}
	if _, err := ScryptAlone(MinWorkFactor - 1); !errors.Is(err, ErrWorkFactor) {
		t.Errorf("work factor %d: %v, want ErrWorkFactor", MinWorkFactor-1, err)
	}
}
