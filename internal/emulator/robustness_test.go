package emulator

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestCreate_idsNeverOverflow: IDs stop below math.MaxInt64; from then on a
// create answers 500 ModelArts.0010, and the state file keeps a readable,
// non-negative next_job_id that keeps refusing after a load.
func TestCreate_idsNeverOverflow(t *testing.T) {
	h := newHarness(t, Config{})
	if err := h.emu.Seed(Job{JobID: math.MaxInt64 - 2, JobName: "high", Status: StatusCanceled}); err != nil {
		t.Fatal(err)
	}
	if r := h.do("POST", jobsPath, `{"job_name":"last","train_url":"/b/"}`); r.status != 200 ||
		!strings.Contains(string(r.raw), `"job_id":9223372036854775806,`) {
		t.Fatalf("last ID: %d %s", r.status, r.raw)
	}
	for range 2 {
		r := h.do("POST", jobsPath, `{"job_name":"over","train_url":"/b/"}`)
		expectError(t, r, 500, "ModelArts.0010", "no visualization job ID is left")
		if !modelArtsShaped(r) {
			t.Fatalf("shape: %s", r.raw)
		}
	}
	if n := len(h.emu.Jobs()); n != 2 {
		t.Fatalf("%d jobs, want 2", n)
	}
	if err := h.emu.Seed(Job{JobName: "no-id"}); err == nil || !strings.Contains(err.Error(), "no job ID is left") {
		t.Fatalf("seeding without an ID: %v", err)
	}

	path := filepath.Join(t.TempDir(), "state.json")
	if err := h.emu.SaveState(path); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), `"next_job_id": 9223372036854775807`) {
		t.Fatalf("state file:\n%s", b)
	}
	again := newHarness(t, Config{})
	if err := again.emu.LoadState(path); err != nil {
		t.Fatalf("the state file is not readable: %v", err)
	}
	expectError(t, again.do("POST", jobsPath, `{"job_name":"over","train_url":"/b/"}`), 500, "ModelArts.0010", "no visualization job ID")

	// The largest ID may be seeded explicitly; then none is left.
	top := newHarness(t, Config{})
	if err := top.emu.Seed(Job{JobID: math.MaxInt64, JobName: "top"}); err != nil {
		t.Fatal(err)
	}
	if r := top.do("GET", jobPath(math.MaxInt64), ""); r.status != 200 || !strings.Contains(string(r.raw), `"job_id":9223372036854775807,`) {
		t.Fatalf("get the top job: %d %s", r.status, r.raw)
	}
	expectError(t, top.do("POST", jobsPath, `{"job_name":"over","train_url":"/b/"}`), 500, "ModelArts.0010", "no visualization job ID")
}

// TestIAM_tokenMapBounded: expired tokens are dropped when a token is
// issued, and at most maxTokens live ones are kept, the first to expire
// evicted.
func TestIAM_tokenMapBounded(t *testing.T) {
	h := newHarness(t, Config{})
	past := h.clock.Now().Add(-time.Second)
	h.emu.mu.Lock()
	for i := range tokenSweepAt {
		h.emu.tokens["old"+string(rune('a'+i%26))+strings.Repeat("x", i/26)] = issuedToken{expires: past}
	}
	h.emu.mu.Unlock()
	tok := issueToken(t, h)
	h.emu.mu.Lock()
	n := len(h.emu.tokens)
	h.emu.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d tokens kept after a login, want 1 (expired ones dropped)", n)
	}
	if r := h.do("GET", jobsPath, "", withToken(tok)); r.status != 200 {
		t.Fatalf("the new token: %d %s", r.status, r.raw)
	}

	now := h.clock.Now()
	h.emu.mu.Lock()
	defer h.emu.mu.Unlock()
	h.emu.tokens = map[string]issuedToken{}
	for i := range maxTokens {
		h.emu.storeToken("live"+strings.Repeat("-", i%7)+string(rune(0x4e00+i)), now.Add(time.Hour+time.Duration(i)*time.Second), now)
	}
	h.emu.storeToken("first-to-expire", now.Add(time.Minute), now)
	h.emu.storeToken("newest", now.Add(2*time.Hour), now)
	if len(h.emu.tokens) != maxTokens {
		t.Fatalf("%d tokens, want the cap %d", len(h.emu.tokens), maxTokens)
	}
	if _, ok := h.emu.tokens["first-to-expire"]; ok {
		t.Fatal("the token expiring first was kept at the cap")
	}
	if _, ok := h.emu.tokens["newest"]; !ok {
		t.Fatal("the newest token was not kept")
	}
}

// issueToken logs in with the default identity and returns the token.
func issueToken(t *testing.T, h *harness) string {
	t.Helper()
	body := `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"` + DefaultUser + `","password":"` +
		DefaultPassword + `","domain":{"name":"` + DefaultDomain + `"}}}},"scope":{"project":{"id":"` + DefaultProjectID + `"}}}}`
	r := h.do("POST", "/v3/auth/tokens", body, withNoAuth())
	if r.status != 201 || r.header.Get("X-Subject-Token") == "" {
		t.Fatalf("login: %d %s", r.status, r.raw)
	}
	return r.header.Get("X-Subject-Token")
}

// TestOnChange_failureUndoesTheChange: when the hook fails, each change
// answers 500 ModelArts.0010 and leaves the emulator as it was: no job, no
// ID spent, no pending failure spent, no description, status or delete
// changed.
func TestOnChange_failureUndoesTheChange(t *testing.T) {
	var failing atomic.Bool
	var calls atomic.Int32
	h := newHarness(t, Config{StartDelay: -1, StopDelay: -1, DeleteDelay: time.Minute, OnChange: func() error {
		calls.Add(1)
		if failing.Load() {
			return errors.New("disk full")
		}
		return nil
	}})
	id := h.create("kept", `"job_desc":"before"`)
	stopped := h.create("stopped")
	h.do("POST", jobPath(stopped)+"/stop", "")
	pending := h.create("pending")
	h.do("DELETE", jobPath(pending), "")
	h.emu.SetNextCreateFailure(StatusImageFailed)
	before := h.emu.Jobs()
	pendingBefore := h.emu.pendingDeletes

	failing.Store(true)
	for _, tc := range []struct{ method, path, body string }{
		{"POST", jobsPath, `{"job_name":"lost","train_url":"/b/"}`},
		{"PUT", jobPath(id), `{"job_desc":"after"}`},
		{"POST", jobPath(id) + "/stop", ""},
		{"POST", jobPath(stopped) + "/restart", ""},
		{"DELETE", jobPath(id), ""},
		{"DELETE", jobPath(pending), ""}, // deleting again while deleting
	} {
		r := h.do(tc.method, tc.path, tc.body)
		expectError(t, r, 500, "ModelArts.0010", "could not be saved")
	}
	after := h.emu.Jobs()
	if len(after) != len(before) {
		t.Fatalf("jobs %+v, want %+v", after, before)
	}
	for i := range before {
		if after[i].JobDesc != before[i].JobDesc || after[i].Status != before[i].Status {
			t.Fatalf("job changed by a failed save: %+v, was %+v", after[i], before[i])
		}
	}
	if h.emu.pendingDeletes != pendingBefore {
		t.Fatalf("pending deletes %d, was %d", h.emu.pendingDeletes, pendingBefore)
	}
	failing.Store(false)
	next := h.create("next")
	if next != pending+1 {
		t.Fatalf("next ID %d, want %d: the failed create spent one", next, pending+1)
	}
	if j, _ := h.emu.Job(next); j.Status != StatusImageFailed {
		t.Fatalf("the pending create failure was spent by the undone create: %+v", j)
	}
	if r := h.do("DELETE", jobPath(id), ""); r.status != 200 {
		t.Fatalf("delete once saving works: %d %s", r.status, r.raw)
	}
	if calls.Load() != 5+6+2 {
		t.Fatalf("OnChange ran %d times", calls.Load())
	}
}

// TestClose_releasesLatency: a request waiting in a latency fault ends at
// Close, without an answer.
func TestClose_releasesLatency(t *testing.T) {
	h := newHarness(t, Config{})
	h.emu.AddFault(Fault{Kind: FaultLatency, Latency: time.Hour})
	done := make(chan error, 1)
	go func() {
		_, _, err := h.send(h.newRequest("GET", jobsPath, ""))
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	h.emu.Close()
	h.emu.Close() // twice is fine
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a released latency wait answered")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not release the latency wait")
	}
}
