package vm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/communekit/communekit/sync/outbox"
)

func TestExport_NotEnrolledSaysWhatToDo(t *testing.T) {
	s := mustStore(t, 5)
	x := NewExport(mustTr(t), s, Now)
	if err := x.Refresh(); err != nil {
		t.Fatal(err)
	}
	d := x.Data()
	if d.Enrolled || d.Pending == 0 || !d.Problem || !strings.Contains(d.Message, "Đăng ký thiết bị") {
		t.Fatalf("not enrolled: %+v", d)
	}
	dir := filepath.Join(t.TempDir(), "usb")
	if _, err := x.Run(dir); err == nil {
		t.Fatal("exported without enrolment")
	}
	if d := x.Data(); !d.Problem || !strings.Contains(d.Message, "chưa đăng ký") {
		t.Errorf("after a refused export: %+v", d)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("a refused export created the folder")
	}
}

func TestExport_WritesBatchesTheDistrictOpens(t *testing.T) {
	s := mustStore(t, 300)
	reg := enrol(t, s)
	x := NewExport(mustTr(t), s, Now)
	ch := changes(x)
	if err := x.Refresh(); err != nil {
		t.Fatal(err)
	}
	waitChange(t, ch)
	before := x.Data()
	want, _ := s.Pending()
	if !before.Enrolled || before.Pending != want || before.Pending < 300 || before.Waiting != 0 || before.Problem {
		t.Fatalf("before export: %+v (store says %d pending)", before, want)
	}

	dir := filepath.Join(t.TempDir(), "usb")
	done := make(chan *ExportResult, 1)
	x.RunAsync(dir, func(r *ExportResult, err error) {
		if err != nil {
			t.Error(err)
		}
		done <- r
	})
	res := <-done
	if res == nil {
		t.FailNow()
	}
	if len(res.Files) == 0 || res.New != len(res.Files) || res.Pending != want {
		t.Fatalf("result %+v", res)
	}
	if filepath.Base(res.Files[0]) != "000001"+outbox.FileExt {
		t.Errorf("first file %s", res.Files[0])
	}
	var total int64
	op := reg.Opener()
	var ops int
	for _, f := range res.Files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		total += int64(len(b))
		opened, err := op.Open(b)
		if err != nil {
			t.Fatalf("district cannot open %s: %v", f, err)
		}
		ops += len(opened.Ops)
	}
	if total != res.Bytes || uint64(ops) != want {
		t.Errorf("files hold %d B and %d operations; result says %d B, %d pending", total, ops, res.Bytes, want)
	}
	d := x.Data()
	if d.Busy || d.Problem || d.Pending != want || d.Waiting != len(res.Files) ||
		!strings.Contains(d.Message, "chờ huyện xác nhận") || !strings.Contains(d.Message, dir) {
		t.Errorf("after export: %+v", d)
	}

	// Until the district's receipt, a second export writes the same files
	// again and seals nothing new.
	again, err := x.Run(filepath.Join(t.TempDir(), "usb2"))
	if err != nil || again.New != 0 || len(again.Files) != len(res.Files) || again.Bytes != res.Bytes {
		t.Errorf("second export: %+v %v", again, err)
	}
	if err := s.Acknowledge(uint64(len(res.Files))); err != nil {
		t.Fatal(err)
	}
	last, err := x.Run(filepath.Join(t.TempDir(), "usb3"))
	if err != nil || len(last.Files) != 0 || !strings.Contains(x.Data().Message, "Không có gì để xuất") || x.Data().Pending != 0 {
		t.Errorf("after the receipt: %+v %v %+v", last, err, x.Data())
	}
}

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1500: "1,5 kB", 2_340_000: "2,3 MB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}
