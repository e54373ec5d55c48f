package vm

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/communekit/communekit/app/i18n"
	"github.com/communekit/communekit/storage"
	"github.com/communekit/communekit/sync/client"
	"github.com/communekit/communekit/sync/node"
	"github.com/communekit/communekit/sync/outbox"
	"github.com/communekit/communekit/sync/protocol"
	"github.com/communekit/communekit/sync/registry"
)

// These tests sync against a real district node: one node in this
// process, on loopback, bootstrapped as a cluster of one.

func TestSync_PushesPendingThenAnotherDevicePullsThem(t *testing.T) {
	s := mustStore(t, 300)
	reg := enrol(t, s)
	n := mustNode(t, reg, "127.0.0.1:0")
	pending, err := s.Pending()
	if err != nil || pending < 300 {
		t.Fatalf("before: %d pending, %v", pending, err)
	}

	y := NewSync(mustTr(t), s, Now, SyncOptions{MaxOps: 100})
	if y.Available() || y.Attempted() || y.Online() {
		t.Fatal("a device without a node address says it can sync")
	}
	if err := y.SetNode(n.Addr()); err != nil {
		t.Fatal(err)
	}
	if err := y.Refresh(); err != nil {
		t.Fatal(err)
	}
	if d := y.Data(); d.State != SyncIdle || d.Pending != pending || d.LastSync != "chưa đồng bộ" || d.Node != n.Addr() {
		t.Fatalf("before the sync: %+v", d)
	}
	seen := record(y)
	if !y.Start() {
		t.Fatal("the sync did not start")
	}
	y.Wait()

	d := y.Data()
	want := fmt.Sprintf("Đã gửi %s thay đổi, nhận 0 thay đổi từ nơi khác.", Count(y.tr, int(pending)))
	if d.State != SyncDone || d.Problem || d.Message != want || d.Pending != 0 || d.Fraction != 1 {
		t.Fatalf("after the sync: %+v\nwant the message %q", d, want)
	}
	if p, _ := s.Pending(); p != 0 {
		t.Errorf("the store still counts %d pending", p)
	}
	if _, ok := y.LastSync(); !ok || !y.Online() || !y.Attempted() || d.LastSync == "chưa đồng bộ" {
		t.Errorf("status after the sync: online %v, attempted %v, last %q", y.Online(), y.Attempted(), d.LastSync)
	}

	// What the officer watched, in order: sealing, each batch out of
	// all, receiving, the revocation list, the result.
	st, _ := s.Outbox()
	var wantLines []string
	// The node has not seen this device before: the first push is
	// answered "unknown device", the certificate goes, the batch again.
	wantLines = append(wantLines, "Đang niêm phong các thay đổi…",
		fmt.Sprintf("Đang gửi lô 1/%d…", st.Batches), "Máy chủ huyện chưa biết máy này: đang gửi chứng nhận của máy…")
	for i := 1; i <= int(st.Batches); i++ {
		wantLines = append(wantLines, fmt.Sprintf("Đang gửi lô %d/%d…", i, st.Batches))
	}
	wantLines = append(wantLines, "Đang nhận thay đổi từ nơi khác…", "Đang cập nhật danh sách thiết bị bị thu hồi…", "Xong.")
	if st.Batches < 3 {
		t.Fatalf("%d batches; the test wants several", st.Batches)
	}
	lines, fractions := seen.lines(), seen.fractions()
	if strings.Join(lines, "\n") != strings.Join(wantLines, "\n") {
		t.Errorf("lines shown:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(wantLines, "\n"))
	}
	for i := 1; i < len(fractions); i++ {
		if fractions[i] < fractions[i-1] {
			t.Errorf("the progress bar went back: %v", fractions)
			break
		}
	}

	// The overview reads the same status.
	o := NewOverview(mustTr(t), s, y, nil)
	if err := o.Refresh(); err != nil {
		t.Fatal(err)
	}
	if od := o.Data(); od.Pending != 0 || !od.Online || !strings.HasPrefix(od.Connection, "Trực tuyến:") || od.ConnectionShort != "Trực tuyến" || od.LastSync != d.LastSync {
		t.Errorf("overview after the sync: %+v", od)
	}

	// A second device of the same commune receives the first one's
	// changes, and finds the people in them.
	s2 := mustStore(t, 0)
	enrolWith(t, s2, reg)
	tr := mustTr(t)
	tr.SetLang(i18n.English)
	y2 := NewSync(tr, s2, Now, SyncOptions{})
	if err := y2.SetNode(n.Addr()); err != nil {
		t.Fatal(err)
	}
	y2.Start()
	y2.Wait()
	d2 := y2.Data()
	want2 := fmt.Sprintf("Changes sent: 0; received from elsewhere: %s.", Count(tr, int(pending)))
	if d2.State != SyncDone || d2.Message != want2 {
		t.Fatalf("second device: %+v\nwant the message %q", d2, want2)
	}
	persons, _, err := s2.Counts()
	if err != nil || persons != 300 {
		t.Fatalf("second device holds %d persons, %v; want 300", persons, err)
	}
	p := mustPerson(t, s, "nguyen")
	hits, err := s2.Search(p.Get(storage.FieldFullName), 20)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, h := range hits {
		found = found || h.Person.ID == p.ID
	}
	if !found {
		t.Errorf("the second device's search for %q does not find the pulled person %s", p.Get(storage.FieldFullName), p.ID)
	}
	// Nothing new the second time.
	y2.Start()
	y2.Wait()
	if d := y2.Data(); d.State != SyncDone || d.Message != "In sync: there were no new changes to send or receive." {
		t.Errorf("second sync: %+v", d)
	}
}

func TestSync_UnreachableSaysSoAndRetryWorksOnceTheNodeIsUp(t *testing.T) {
	s := mustStore(t, 40)
	reg := enrol(t, s)
	pending, _ := s.Pending()
	addr := freeAddr(t)
	y := NewSync(mustTr(t), s, Now, SyncOptions{Retry: client.Backoff{Base: 20 * time.Millisecond, Max: 50 * time.Millisecond, Attempts: 3}})
	if err := y.SetNode("https://" + addr); err != nil {
		t.Fatal(err)
	}
	seen := record(y)
	y.Start()
	y.Wait()

	d := y.Data()
	want := "Không kết nối được máy chủ huyện https://" + addr + ": máy chủ không nhận kết nối (máy chủ chưa chạy, hoặc địa chỉ sai). Dữ liệu vẫn an toàn trên máy này."
	if d.State != SyncFailed || !d.Problem || !strings.HasPrefix(d.Message, want) || !strings.Contains(d.Message, "“Thử lại”") {
		t.Fatalf("unreachable: %+v\nwant a message starting %q", d, want)
	}
	if d.Pending != pending || y.Online() || !y.Attempted() {
		t.Errorf("unreachable: pending %d (want %d), online %v", d.Pending, pending, y.Online())
	}
	retrying := seen.withState(SyncRetrying)
	if len(retrying) != 2 {
		t.Fatalf("%d retry reports, want 2 (3 attempts)", len(retrying))
	}
	if l := retrying[0].Line; !strings.HasPrefix(l, "Chưa gửi được lô 1/1: máy chủ không nhận kết nối") ||
		!strings.Contains(l, "Thử lại sau 1 giây (lần thử 2)") {
		t.Errorf("retry line %q", l)
	}

	o := NewOverview(mustTr(t), s, y, nil)
	o.Refresh()
	if od := o.Data(); od.Online || !strings.HasPrefix(od.Connection, "Ngoại tuyến: không kết nối được") {
		t.Errorf("overview while unreachable: %+v", od)
	}

	// The node comes up at that address; Retry sends everything.
	mustNode(t, reg, addr)
	if !y.Retry() {
		t.Fatal("Retry did not start")
	}
	y.Wait()
	if d := y.Data(); d.State != SyncDone || d.Pending != 0 || !y.Online() || !strings.HasPrefix(d.Message, "Đã gửi ") {
		t.Fatalf("after Retry: %+v", d)
	}
}

func TestSync_CancelStopsASync(t *testing.T) {
	s := mustStore(t, 40)
	enrol(t, s)
	pending, _ := s.Pending()
	// A node that takes connections and never answers: the push waits.
	ln := silentListener(t)
	y := NewSync(mustTr(t), s, Now, SyncOptions{})
	if err := y.SetNode("https://" + ln); err != nil {
		t.Fatal(err)
	}
	y.Start()
	waitUntil(t, "the push under way", func() bool { return y.Data().Line == "Đang gửi lô 1/1…" })
	if y.Start() {
		t.Fatal("a second sync started beside the first")
	}
	y.Cancel()
	// Stopping, or already stopped: a push waiting on a silent node
	// ends as soon as its context does.
	if d := y.Data(); (d.State != SyncCancelling || d.Line != "Đang dừng…") && d.State != SyncCancelled {
		t.Errorf("after Cancel: %+v", d)
	}
	stopped := make(chan struct{})
	go func() { y.Wait(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("the sync did not stop within 10 s of Cancel")
	}
	d := y.Data()
	if d.State != SyncCancelled || d.Problem || !strings.HasPrefix(d.Message, "Đã dừng đồng bộ.") || d.Pending != pending {
		t.Errorf("cancelled: %+v", d)
	}
	if p, _ := s.Pending(); p != pending {
		t.Errorf("the store counts %d pending after a cancel, want %d", p, pending)
	}
}

func TestSync_NoAddressOrABadOneSaysWhatToDo(t *testing.T) {
	s := mustStore(t, 0)
	y := NewSync(mustTr(t), s, Now, SyncOptions{})
	if y.Start() {
		t.Fatal("a sync started without an address")
	}
	if d := y.Data(); !d.Problem || !strings.HasPrefix(d.Message, "Chưa có địa chỉ máy chủ huyện") {
		t.Errorf("no address: %+v", d)
	}
	// Plain HTTP is refused, with the address to type instead.
	if err := y.SetNode("http://10.0.0.5:8443"); err == nil || !strings.Contains(err.Error(), "không được mã hoá") || !strings.Contains(err.Error(), "https://10.0.0.5:8443") {
		t.Errorf("a plain http:// address: %v", err)
	}
	if err := y.SetNode("ftp://10.0.0.5"); err == nil || !strings.Contains(err.Error(), "https://") {
		t.Errorf("an ftp address: %v", err)
	}
	if y.Node() != "" {
		t.Errorf("a bad address was kept: %q", y.Node())
	}
	// An address typed without https:// gets it.
	if err := y.SetNode(" 10.0.0.5:8443 "); err != nil || y.Node() != "https://10.0.0.5:8443" {
		t.Fatalf("SetNode: %v, node %q", err, y.Node())
	}
	if b, _ := s.GetMeta(client.MetaNode); string(b) != "https://10.0.0.5:8443" {
		t.Errorf("the address kept for kitctl is %q", b)
	}
	if again := NewSync(mustTr(t), s, Now, SyncOptions{}); again.Node() != "https://10.0.0.5:8443" || !again.Available() {
		t.Errorf("the address is not read back: %q", again.Node())
	}
	// Not enrolled: the sync stops before it asks the node anything.
	y.Start()
	y.Wait()
	if d := y.Data(); d.State != SyncFailed || !strings.Contains(d.Message, "chưa đăng ký với huyện") {
		t.Errorf("not enrolled: %+v", d)
	}
}

// TestSync_EveryRefusalIsExplained checks that each way the district can
// refuse has a message of its own in both languages, never the raw code.
func TestSync_EveryRefusalIsExplained(t *testing.T) {
	s := mustStore(t, 0)
	for _, lang := range i18n.Languages {
		tr := mustTr(t)
		tr.SetLang(lang)
		y := NewSync(tr, s, Now, SyncOptions{})
		general := y.failure(&client.Refusal{What: "batch 1", Err: &protocol.Error{Code: "new_code", Message: "x"}})
		said := map[string]string{}
		for code := range refusalCodes {
			key := "sync.refused." + code
			if !tr.Has(key) {
				t.Errorf("%s: no %s", lang, key)
			}
			msg := y.failure(&client.Refusal{What: "batch 1", Err: &protocol.Error{Code: code, Message: "x"}})
			if msg == general || said[msg] != "" {
				t.Errorf("%s %s: %q is not a message of its own", lang, code, msg)
			}
			said[msg] = code
		}
		for _, err := range []error{client.ErrNotANode, client.ErrBadReceipt, client.ErrStalePull, client.ErrAhead, outbox.ErrNotEnrolled, client.ErrClockAhead} {
			if msg := y.failure(fmt.Errorf("wrapped: %w", err)); strings.Contains(msg, err.Error()) {
				t.Errorf("%s: %v is shown as it is: %q", lang, err, msg)
			}
		}
	}
	y := NewSync(mustTr(t), s, Now, SyncOptions{})
	for err, want := range map[error]string{
		syscall.ECONNREFUSED:                            "máy chủ không nhận kết nối",
		io.ErrUnexpectedEOF:                             "kết nối bị ngắt",
		&net.DNSError{Name: "huyen.example"}:            "không tìm thấy máy chủ tên huyen.example",
		context.DeadlineExceeded:                        "không trả lời kịp",
		&protocol.Error{Code: protocol.CodeUnavailable}: "tạm thời chưa nhận dữ liệu",
	} {
		wrapped := fmt.Errorf("%w at http://x (3 attempt(s)): %w", client.ErrUnreachable, err)
		if got := y.failure(wrapped); !strings.Contains(got, want) {
			t.Errorf("%v: %q, want it to say %q", err, got, want)
		}
	}
}

func TestCount_GroupsDigitsAsTheLanguageDoes(t *testing.T) {
	tr := mustTr(t)
	for n, want := range map[int]string{0: "0", 999: "999", 1204: "1.204", 1234567: "1.234.567", -1204: "-1.204"} {
		if got := Count(tr, n); got != want {
			t.Errorf("vi Count(%d) = %q, want %q", n, got, want)
		}
	}
	tr.SetLang(i18n.English)
	if got := Count(tr, 1204); got != "1,204" {
		t.Errorf("en Count(1204) = %q", got)
	}
}

// mustNode starts a one-node district with reg's keys, its API on
// httpAddr, and waits until it takes pushes.
func mustNode(t *testing.T, reg *registry.Registry, httpAddr string) *node.Node {
	t.Helper()
	n, err := node.Start(node.Config{
		ID: "n1", Dir: filepath.Join(t.TempDir(), "node"), District: reg.Keys(), Passphrase: []byte(testPass), WorkFactor: 10,
		RaftAddr: "127.0.0.1:0", HTTPAddr: httpAddr, Bootstrap: true,
		HeartbeatTimeout: 300 * time.Millisecond, ElectionTimeout: 300 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Shutdown(context.Background()) })
	waitUntil(t, "the node ready", func() bool { return n.Ready() == nil })
	return n
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// silentListener takes connections and never answers.
func silentListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return ln.Addr().String()
}

func waitUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	end := time.Now().Add(30 * time.Second)
	for time.Now().Before(end) {
		if ok() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("waited 30 s for %s", what)
}

// recorder keeps what the sync screen showed at each change.
type recorder struct {
	mu   sync.Mutex
	seen []SyncData
}

func record(y *Sync) *recorder {
	r := &recorder{}
	y.OnChange(func() {
		d := y.Data()
		r.mu.Lock()
		r.seen = append(r.seen, d)
		r.mu.Unlock()
	})
	return r
}

// lines returns the distinct lines shown while the sync ran, in order.
func (r *recorder) lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, d := range r.seen {
		if d.Line != "" && (len(out) == 0 || out[len(out)-1] != d.Line) {
			out = append(out, d.Line)
		}
	}
	return out
}

func (r *recorder) fractions() []float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []float64
	for _, d := range r.seen {
		out = append(out, d.Fraction)
	}
	return out
}

func (r *recorder) withState(s SyncState) []SyncData {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []SyncData
	for _, d := range r.seen {
		if d.State == s {
			out = append(out, d)
		}
	}
	return out
}

// TestSync_ClockFarOffIsSaid: the sentence after a sync tells the officer
// to set the clock when the district's is far from the laptop's, in days
// or hours, ahead or behind; nothing when they agree.
func TestSync_ClockFarOffIsSaid(t *testing.T) {
	y := &Sync{tr: mustTr(t)}
	for off, want := range map[int64]string{
		3 * 86400:    "nhanh hơn giờ của huyện khoảng 3 ngày",
		-5 * 3600:    "chậm hơn giờ của huyện khoảng 5 giờ",
		50 * 86400:   "khoảng 50 ngày",
		-400 * 86400: "chậm hơn giờ của huyện khoảng 400 ngày",
	} {
		got := y.resultSentence(&client.Result{ClockOffset: off}, 0)
		if !strings.Contains(got, want) || !strings.Contains(got, "Hãy chỉnh lại ngày giờ") {
			t.Errorf("offset %d s: %q", off, got)
		}
	}
	if got := y.resultSentence(&client.Result{ClockOffset: 40}, 0); strings.Contains(got, "ngày giờ") {
		t.Errorf("clocks 40 s apart: %q", got)
	}
}

// The changes the district refused are listed on the sync screen with the
// person, the fields and the district's reason, until the officer says
// they are dealt with; a sync that refused some says how many.
func TestSync_RefusedChangesAreListedUntilDealtWith(t *testing.T) {
	s := mustStore(t, 0)
	p, err := s.AddPerson(storage.Values{storage.FieldFullName: "Lò Văn Páo", storage.FieldBirthDate: "1990", storage.FieldSex: "Nam",
		storage.FieldEthnicity: "01", storage.FieldPermanentAddressCode: s.Profile().Commune}, storage.SaveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, op, err := s.EditPerson(p.ID, storage.Values{storage.FieldOccupation: "Nông dân"}, storage.SaveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Sealed as batch 1, which the district refused (the bytes are a
	// stand-in: nothing here reads them).
	if ops, err := s.Unbatched(0); err != nil {
		t.Fatal(err)
	} else if err := s.AddBatch(&storage.OutBatch{N: 1, FirstSeq: ops[0].Seq, LastSeq: ops[len(ops)-1].Seq, Sealed: []byte("sealed")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rework(storage.Rework{Batch: 1, Withdraw: map[uint64]storage.Refusal{op.Seq: {Rule: storage.RuleOutOfScope, Message: "the person belongs to another commune"}}}); err != nil {
		t.Fatal(err)
	}
	y := NewSync(mustTr(t), s, Now, SyncOptions{})
	if err := y.Refresh(); err != nil {
		t.Fatal(err)
	}
	rows := y.Data().Refused
	if len(rows) != 1 || !strings.Contains(rows[0].What, "Lò Văn Páo") || !strings.Contains(rows[0].What, "Nghề nghiệp: Nông dân") || !strings.Contains(rows[0].Why, "chỉ cán bộ xã đó sửa được") || !strings.Contains(rows[0].Why, "the person belongs to another commune") {
		t.Fatalf("rows: %+v", rows)
	}
	if msg := y.resultSentence(&client.Result{PushedOps: 3, Refused: []client.RefusedChange{{Seq: op.Seq}}}, 0); !strings.Contains(msg, "Huyện từ chối 1 thay đổi") {
		t.Errorf("result: %q", msg)
	}
	if err := y.DismissRefused(rows[0].N); err != nil {
		t.Fatal(err)
	}
	if rows := y.Data().Refused; len(rows) != 0 {
		t.Fatalf("after dismissing: %+v", rows)
	}
}

// A server at the address that shows a certificate the district did not
// sign (someone in between, a wrong address): refused before anything is
// sent, and the officer is told so in words.
func TestSync_AStrangersServerIsRefused(t *testing.T) {
	s := mustStore(t, 5)
	enrol(t, s)
	pending, _ := s.Pending()
	hits := 0
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	defer srv.Close()
	y := NewSync(mustTr(t), s, Now, SyncOptions{Retry: client.Backoff{Base: 20 * time.Millisecond, Max: 50 * time.Millisecond, Attempts: 3}})
	if err := y.SetNode(srv.URL); err != nil {
		t.Fatal(err)
	}
	y.Start()
	y.Wait()
	d := y.Data()
	if d.State != SyncFailed || !d.Problem || !strings.HasPrefix(d.Message, "Máy chủ "+srv.URL+" không phải máy chủ của huyện") || hits != 0 {
		t.Fatalf("a stranger's server: %+v after %d requests", d, hits)
	}
	if p, _ := s.Pending(); p != pending || y.Online() {
		t.Errorf("pending %d (want %d), online %v", p, pending, y.Online())
	}
}
