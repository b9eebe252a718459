package emulator

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSeed_keepsIDsAndGenerates: explicit IDs are kept, missing ones and the
// next created follow the maximum, and missing fields are generated.
func TestSeed_keepsIDsAndGenerates(t *testing.T) {
	h := newHarness(t, Config{})
	hours := int64(3)
	err := h.emu.Seed(
		Job{JobID: 197, JobName: "apiTest-11", Status: StatusRunning, Duration: 33000, CreateTime: 1565149736000,
			ServiceURL: "https://console.example/x/", ResourceID: "e17dd874-b5e0-4e9b-aaf0-22b045ad8571", AutoStopHours: &hours},
		Job{JobName: "auto-id", Status: StatusCanceled, JobType: "mindinsight"},
		Job{JobID: 50, JobName: "low", Status: StatusFailed},
	)
	if err != nil {
		t.Fatal(err)
	}
	hours = 99 // the emulator keeps its own copy
	j, _ := h.emu.Job(197)
	if j.ServiceURL != "https://console.example/x/" || j.ResourceID != "e17dd874-b5e0-4e9b-aaf0-22b045ad8571" ||
		j.CreateTime != 1565149736000 || j.Duration != 33000 || j.Status != StatusRunning || *j.AutoStopHours != 3 {
		t.Fatalf("seeded fields not kept: %+v", j)
	}
	auto, ok := h.emu.Job(198)
	if !ok || auto.JobName != "auto-id" || auto.CreateTime != h.clock.Now().UnixMilli() ||
		auto.ServiceURL != "https://console.emulator.local/modelarts2/mindinsight/"+DefaultProjectID+"/198/" || !uuidV4.MatchString(auto.ResourceID) {
		t.Fatalf("generated fields: %+v", auto)
	}
	if id := h.create("next"); id != 199 {
		t.Fatalf("next created ID %d, want 199", id)
	}
	h.clock.Add(2 * time.Second)
	if j, _ := h.emu.Job(197); j.Duration != 35000 {
		t.Fatalf("a seeded RUNNING job's duration must grow: %d", j.Duration)
	}
	if j, _ := h.emu.Job(50); j.Status != StatusFailed {
		t.Fatalf("a seeded FAILED job changed: %+v", j)
	}

	for name, bad := range map[string][]Job{
		"taken ID":     {{JobID: 197, JobName: "dup"}},
		"duplicate ID": {{JobID: 500}, {JobID: 500}},
		"negative ID":  {{JobID: -1}},
		"unknown type": {{JobID: 600, JobType: "jupyter"}},
		"partly wrong": {{JobID: 700}, {JobID: 197}},
	} {
		if err := h.emu.Seed(bad...); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, ok := h.emu.Job(700); ok {
		t.Fatal("a refused Seed added some of its jobs")
	}
}

// TestSeed_transientStatusesResume: seeded INIT/WAITING start, KILLING stops.
func TestSeed_transientStatusesResume(t *testing.T) {
	h := newHarness(t, Config{})
	if err := h.emu.Seed(Job{JobID: 1, Status: StatusInit}, Job{JobID: 2, Status: StatusWaiting}, Job{JobID: 3, Status: StatusKilling, Duration: 5}); err != nil {
		t.Fatal(err)
	}
	if j, _ := h.emu.Job(2); j.Status != StatusWaiting {
		t.Fatalf("seeded WAITING reads %d", j.Status)
	}
	h.clock.Add(time.Second)
	want := map[int64]int64{1: StatusRunning, 2: StatusRunning, 3: StatusCanceled}
	for _, j := range h.emu.Jobs() {
		if j.Status != want[j.JobID] {
			t.Errorf("job %d: status %d, want %d", j.JobID, j.Status, want[j.JobID])
		}
	}
}

// TestLoadSeedFile_example: the shipped example file loads and serves the
// mission's job 8992 and the docs' job 197.
func TestLoadSeedFile_example(t *testing.T) {
	jobs, err := LoadSeedFile("../../examples/emulator/jobs.json")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, Config{})
	if err := h.emu.Seed(jobs...); err != nil {
		t.Fatal(err)
	}
	r := h.do("GET", jobPath(8992), "")
	if r.status != 200 || r.str("job_name") != "resnet50-tb" || r.num("status") != StatusRunning ||
		r.str("train_url") != "/ml-bucket/resnet50/train/" || r.str("job_desc") != "TensorBoard for the ResNet-50 training run" {
		t.Fatalf("job 8992: %s", r.raw)
	}
	if r := h.do("GET", jobPath(197), ""); r.str("job_name") != "apiTest-11" || r.str("resource_id") != "e17dd874-b5e0-4e9b-aaf0-22b045ad8571" {
		t.Fatalf("job 197: %s", r.raw)
	}
	var stopped, mindinsight bool
	for _, j := range h.emu.Jobs() {
		stopped = stopped || j.Status == StatusCanceled
		mindinsight = mindinsight || j.JobType == "mindinsight"
	}
	if !stopped || !mindinsight {
		t.Fatal("the example lacks a stopped or a mindinsight job")
	}

	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`[{"job_id":1,"jobname":"typo"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSeedFile(bad); err == nil {
		t.Fatal("a misspelt field was accepted")
	}
	if _, err := LoadSeedFile(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Fatal("a missing file was accepted")
	}
}

// TestState_roundTrip: SaveState then LoadState into a new emulator keeps
// jobs, statuses, durations and the next ID; jobs being deleted are dropped.
func TestState_roundTrip(t *testing.T) {
	h := newHarness(t, Config{DeleteDelay: time.Minute})
	a := h.create("keep", `"job_desc":"kept"`, `"schedule":{"type":"stop","time_unit":"HOURS","duration":5}`)
	b := h.create("stopped")
	c := h.create("deleting")
	h.clock.Add(1200 * time.Millisecond)
	h.do("POST", jobPath(b)+"/stop", "")
	h.do("DELETE", jobPath(c), "")
	h.clock.Add(time.Second)

	path := filepath.Join(t.TempDir(), "state.json")
	if err := h.emu.SaveState(path); err != nil {
		t.Fatal(err)
	}
	clock := newFakeClock()
	clock.Add(time.Hour)
	other := New(Config{Now: clock.Now})
	if err := other.Seed(Job{JobID: 77}); err != nil {
		t.Fatal(err)
	}
	if err := other.LoadState(path); err != nil {
		t.Fatal(err)
	}
	jobs := other.Jobs()
	if len(jobs) != 2 || jobs[0].JobID != a || jobs[1].JobID != b {
		t.Fatalf("loaded jobs: %+v", jobs)
	}
	if jobs[0].Status != StatusRunning || jobs[0].Duration != 2000 || jobs[0].JobDesc != "kept" || *jobs[0].AutoStopHours != 5 {
		t.Fatalf("running job after load: %+v", jobs[0])
	}
	if jobs[1].Status != StatusCanceled || jobs[1].Duration != 1000 {
		t.Fatalf("stopped job after load: %+v", jobs[1])
	}
	orig, _ := h.emu.Job(a)
	if jobs[0].ServiceURL != orig.ServiceURL || jobs[0].ResourceID != orig.ResourceID || jobs[0].CreateTime != orig.CreateTime {
		t.Fatalf("identity fields changed: %+v vs %+v", jobs[0], orig)
	}
	// IDs continue after the deleted job's: an ID is never reused.
	other.mu.Lock()
	next := other.nextID
	other.mu.Unlock()
	if next != c+1 {
		t.Fatalf("next ID %d, want %d", next, c+1)
	}

	if err := os.WriteFile(path, []byte(`{"jobs":[{"job_id":1},{"job_id":1}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := other.LoadState(path); err == nil || len(other.Jobs()) != 2 {
		t.Fatalf("a bad state file was loaded (err %v)", err)
	}
	if err := other.SaveState(filepath.Join(t.TempDir(), "no", "such", "dir", "s.json")); err == nil {
		t.Fatal("saving into a missing directory succeeded")
	}
}

// TestDeleteJob_outOfBand: DeleteJob removes a job for drift tests and says
// whether it existed.
func TestDeleteJob_outOfBand(t *testing.T) {
	h := newHarness(t, Config{DeleteDelay: time.Minute})
	id := h.create("drift")
	pending := h.create("pending")
	h.do("DELETE", jobPath(pending), "")
	if !h.emu.DeleteJob(id) || h.emu.DeleteJob(id) || !h.emu.DeleteJob(pending) {
		t.Fatal("DeleteJob results wrong")
	}
	expectError(t, h.do("GET", jobPath(id), ""), 404, "ModelArts.0015", "does not exist")
	if h.emu.pendingDeletes != 0 {
		t.Fatalf("pending deletes %d after out-of-band delete", h.emu.pendingDeletes)
	}
}

// TestOnChange: the hook runs after each change, not after reads or refusals.
func TestOnChange(t *testing.T) {
	var n int
	h := newHarness(t, Config{OnChange: func() error { n++; return nil }})
	id := h.create("c")
	h.do("GET", jobPath(id), "")
	h.do("PUT", jobPath(id), `{"job_desc":"d"}`)
	h.do("POST", jobPath(id)+"/restart", "") // refused
	h.do("DELETE", jobPath(id), "")
	if n != 3 {
		t.Fatalf("OnChange ran %d times, want 3", n)
	}
}
