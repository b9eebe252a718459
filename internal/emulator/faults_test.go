package emulator

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// send performs a request with the harness's client and returns the response
// (body read fully) or the transport error.
func (h *harness) send(req *http.Request) (*http.Response, []byte, error) {
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func lastRecord(t *testing.T, e *Emulator) RequestRecord {
	t.Helper()
	recs := e.Requests()
	if len(recs) == 0 {
		t.Fatal("no request recorded")
	}
	return recs[len(recs)-1]
}

// TestFault_status: a status fault answers JSON in the gateway's shape for
// APIG codes and the service's shape otherwise, with Retry-After, and the
// operation is not performed.
func TestFault_status(t *testing.T) {
	h := newHarness(t, Config{})
	h.emu.AddFault(Fault{Kind: FaultStatus, Status: 503, RetryAfter: "1", Op: "create", Times: 1})
	r := h.do("POST", jobsPath, `{"job_name":"a","train_url":"/b/"}`)
	expectError(t, r, 503, "APIG.0202", "injected")
	if r.header.Get("Retry-After") != "1" || r.str("request_id") == "" || r.body["is_success"] != nil {
		t.Fatalf("gateway answer: %v %s", r.header, r.raw)
	}
	if len(h.emu.Jobs()) != 0 {
		t.Fatal("a faulted create created a job")
	}
	h.create("a") // Times: 1 is spent

	h.emu.AddFault(Fault{Kind: FaultStatus, Op: "get"})
	expectError(t, h.do("GET", jobPath(1), ""), 500, "ModelArts.0010", "injected")
	h.emu.AddFault(Fault{Kind: FaultStatus, Op: "list", Status: 429, Code: "APIG.0308"})
	expectError(t, h.do("GET", jobsPath, ""), 429, "APIG.0308", "injected")
	h.emu.ClearFaults()
	if r := h.do("GET", jobPath(1), ""); r.status != 200 {
		t.Fatalf("after ClearFaults: %d", r.status)
	}
	// Faults act before authentication: an unsigned request gets them too.
	h.emu.AddFault(Fault{Kind: FaultStatus, Status: 504})
	expectError(t, h.do("GET", jobPath(1), "", withNoAuth()), 504, "APIG.0201", "injected")
}

// TestFault_matching: Op, JobID, Skip and Times select which requests fire.
func TestFault_matching(t *testing.T) {
	h := newHarness(t, Config{})
	if err := h.emu.Seed(Job{JobID: 1, JobName: "a", Status: StatusRunning}, Job{JobID: 2, JobName: "b", Status: StatusRunning}); err != nil {
		t.Fatal(err)
	}
	h.emu.AddFault(Fault{Kind: FaultStatus, Status: 502, Op: "get", JobID: "2", Skip: 1, Times: 2})
	var got []int
	for _, p := range []string{jobPath(2), jobPath(1), jobsPath, jobPath(2), jobPath(2), jobPath(2), jobPath(1)} {
		got = append(got, h.do("GET", p, "").status)
	}
	want := []int{200, 200, 200, 502, 502, 200, 200}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("statuses %v, want %v", got, want)
		}
	}
}

// TestFault_latency: the request is delayed, then served; latency combines
// with another fault; a client that gives up ends the wait.
func TestFault_latency(t *testing.T) {
	h := newHarness(t, Config{})
	h.emu.AddFault(Fault{Kind: FaultLatency, Latency: 60 * time.Millisecond, Op: "list"})
	start := time.Now()
	if r := h.do("GET", jobsPath, ""); r.status != 200 || time.Since(start) < 60*time.Millisecond {
		t.Fatalf("latency: %d after %s", r.status, time.Since(start))
	}
	h.emu.AddFault(Fault{Kind: FaultStatus, Status: 503, Op: "list", Times: 1})
	start = time.Now()
	if r := h.do("GET", jobsPath, ""); r.status != 503 || time.Since(start) < 60*time.Millisecond {
		t.Fatalf("latency plus status: %d after %s", r.status, time.Since(start))
	}

	h.emu.ClearFaults()
	h.emu.AddFault(Fault{Kind: FaultLatency, Latency: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req := h.newRequest("GET", jobsPath, "").WithContext(ctx)
	start = time.Now()
	if _, _, err := h.send(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want the client's deadline, got %v", err)
	}
	// The handler returns once the client is gone; the record says 0.
	deadline := time.Now().Add(5 * time.Second)
	for h.emu.RequestCount("list") < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if rec := lastRecord(t, h.emu); rec.Status != 0 || time.Since(start) > 5*time.Second {
		t.Fatalf("abandoned request: %+v", rec)
	}
}

// TestFault_reset: the connection is reset before the operation runs.
func TestFault_reset(t *testing.T) {
	h := newHarness(t, Config{})
	h.emu.AddFault(Fault{Kind: FaultReset, Op: "create", Times: 1})
	_, _, err := h.send(h.newRequest("POST", jobsPath, `{"job_name":"a","train_url":"/b/"}`))
	if err == nil {
		t.Fatal("reset fault answered")
	}
	if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, io.EOF) {
		t.Fatalf("want a reset connection, got %v", err)
	}
	if len(h.emu.Jobs()) != 0 {
		t.Fatal("the operation ran before the reset")
	}
	if rec := lastRecord(t, h.emu); rec.Status != 0 || rec.Op != "create" {
		t.Fatalf("record: %+v", rec)
	}
}

// TestFault_resetAfter: the operation runs, its answer is lost.
func TestFault_resetAfter(t *testing.T) {
	h := newHarness(t, Config{})
	h.emu.AddFault(Fault{Kind: FaultResetAfter, Op: "create", Times: 1})
	if _, _, err := h.send(h.newRequest("POST", jobsPath, `{"job_name":"lost","train_url":"/b/"}`)); err == nil {
		t.Fatal("reset-after fault answered")
	}
	jobs := h.emu.Jobs()
	if len(jobs) != 1 || jobs[0].JobName != "lost" {
		t.Fatalf("the operation did not run: %+v", jobs)
	}
	if rec := lastRecord(t, h.emu); rec.Status != 0 || rec.Auth != "aksk" {
		t.Fatalf("record: %+v", rec)
	}
}

// TestFault_truncate: the full Content-Length is declared, half the body
// arrives, then the connection closes.
func TestFault_truncate(t *testing.T) {
	h := newHarness(t, Config{})
	h.create("cut")
	full := h.do("GET", jobPath(1), "")
	h.emu.AddFault(Fault{Kind: FaultTruncate, Op: "get"})
	resp, _, err := h.send(h.newRequest("GET", jobPath(1), ""))
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("want an unexpected EOF, got %v", err)
	}
	if resp.StatusCode != 200 || resp.ContentLength != int64(len(full.raw)) {
		t.Fatalf("status %d, Content-Length %d, want 200 and %d", resp.StatusCode, resp.ContentLength, len(full.raw))
	}
}

// TestFault_nonJSON: an HTML gateway page with the given status.
func TestFault_nonJSON(t *testing.T) {
	h := newHarness(t, Config{})
	h.emu.AddFault(Fault{Kind: FaultNonJSON, Status: 504, RetryAfter: "Wed, 21 Oct 2015 07:28:00 GMT"})
	resp, body, err := h.send(h.newRequest("GET", jobsPath, ""))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 504 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(body), "<h1>504 Gateway Timeout</h1>") || resp.Header.Get("Retry-After") != "Wed, 21 Oct 2015 07:28:00 GMT" {
		t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, body)
	}
	h.emu.ClearFaults()
	h.emu.AddFault(Fault{Kind: FaultNonJSON})
	if resp, _, _ := h.send(h.newRequest("GET", jobsPath, "")); resp.StatusCode != 502 {
		t.Fatalf("default status %d, want 502", resp.StatusCode)
	}
}

// TestFault_notSuccess: a 200 whose body says is_success false.
func TestFault_notSuccess(t *testing.T) {
	h := newHarness(t, Config{})
	h.emu.AddFault(Fault{Kind: FaultNotSuccess, Op: "list"})
	expectError(t, h.do("GET", jobsPath, ""), 200, "ModelArts.0010", "injected")
	h.emu.ClearFaults()
	h.emu.AddFault(Fault{Kind: FaultNotSuccess, Status: 400, Code: "ModelArts.0107"})
	expectError(t, h.do("GET", jobsPath, ""), 400, "ModelArts.0107", "injected")
}

// TestFault_probability: with a seed the pattern is random-looking but the
// same for the same seed; without a seed the fault always fires.
func TestFault_probability(t *testing.T) {
	pattern := func(seed int64) string {
		h := newHarness(t, Config{Seed: seed})
		h.emu.AddFault(Fault{Kind: FaultStatus, Status: 503, Probability: 0.5})
		var b strings.Builder
		for range 40 {
			if h.do("GET", jobsPath, "").status == 503 {
				b.WriteByte('x')
			} else {
				b.WriteByte('.')
			}
		}
		return b.String()
	}
	a, b, c := pattern(7), pattern(7), pattern(8)
	if a != b {
		t.Fatalf("same seed, different patterns:\n%s\n%s", a, b)
	}
	if a == c || !strings.Contains(a, "x") || !strings.Contains(a, ".") {
		t.Fatalf("patterns not random-looking:\n%s\n%s", a, c)
	}
	if p := pattern(0); p != strings.Repeat("x", 40) {
		t.Fatalf("without a seed the fault must always fire: %s", p)
	}
}

// TestAddFault_ignoresUnknownKind: the zero Fault does nothing.
func TestAddFault_ignoresUnknownKind(t *testing.T) {
	h := newHarness(t, Config{})
	h.emu.AddFault(Fault{Status: 500})
	if r := h.do("GET", jobsPath, ""); r.status != 200 {
		t.Fatalf("a kind-less fault fired: %d", r.status)
	}
}

// TestRateLimit_tokenBucket: beyond the rate the gateway answers 429 with a
// Retry-After of whole seconds, and the bucket refills with time.
func TestRateLimit_tokenBucket(t *testing.T) {
	h := newHarness(t, Config{RateLimit: 2})
	for i := range 2 {
		if r := h.do("GET", jobsPath, ""); r.status != 200 {
			t.Fatalf("request %d within the burst: %d", i, r.status)
		}
	}
	r := h.do("GET", jobsPath, "")
	expectError(t, r, 429, "APIG.0308", "The request is throttled")
	if r.header.Get("Retry-After") != "1" {
		t.Fatalf("Retry-After %q, want 1", r.header.Get("Retry-After"))
	}
	if rec := lastRecord(t, h.emu); rec.Status != 429 || rec.Op != "list" {
		t.Fatalf("throttled request not recorded: %+v", rec)
	}
	h.clock.Add(500 * time.Millisecond)
	if r := h.do("GET", jobsPath, ""); r.status != 200 {
		t.Fatalf("after refill: %d", r.status)
	}
	expectError(t, h.do("GET", jobsPath, ""), 429, "APIG.0308", "throttled")

	slow := newHarness(t, Config{RateLimit: 0.1})
	slow.do("GET", jobsPath, "")
	if r := slow.do("GET", jobsPath, ""); r.status != 429 || r.header.Get("Retry-After") != "10" {
		t.Fatalf("0.1/s: %d Retry-After %q, want 429 and 10", r.status, r.header.Get("Retry-After"))
	}
}

// TestParseFault covers the command's -fault syntax.
func TestParseFault(t *testing.T) {
	good := map[string]Fault{
		"status=503,times=2,op=get,retry-after=1": {Kind: FaultStatus, Status: 503, Times: 2, Op: "get", RetryAfter: "1"},
		"latency=250ms":                         {Kind: FaultLatency, Latency: 250 * time.Millisecond},
		"kind=reset-after,op=create,job=8992":   {Kind: FaultResetAfter, Op: "create", JobID: "8992"},
		"kind=not-success, code=ModelArts.0107": {Kind: FaultNotSuccess, Code: "ModelArts.0107"},
		"kind=truncate,skip=3,probability=0.25": {Kind: FaultTruncate, Skip: 3, Probability: 0.25},
		"kind=non-json,status=502":              {Kind: FaultNonJSON, Status: 502},
		"kind=reset":                            {Kind: FaultReset},
	}
	for spec, want := range good {
		got, err := ParseFault(spec)
		if err != nil || got != want {
			t.Errorf("ParseFault(%q) = %+v, %v; want %+v", spec, got, err, want)
		}
		if got.Kind.String() == "" || strings.HasPrefix(got.Kind.String(), "FaultKind(") {
			t.Errorf("kind %d has no name", got.Kind)
		}
	}
	for _, spec := range []string{"", "times=2", "kind=explode", "status=abc", "status=99", "op=fetch", "latency=soon",
		"probability=2", "skip=-1", "colour=red", "status"} {
		if _, err := ParseFault(spec); err == nil {
			t.Errorf("ParseFault(%q) accepted", spec)
		}
	}
}
