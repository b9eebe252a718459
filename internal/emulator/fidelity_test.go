package emulator

import (
	"strings"
	"testing"
	"time"
)

// TestFidelity_remainingDurationAndSchedule: details and list elements carry
// remaining_duration, null without a pending auto-stop and the hours left
// while one is pending; list elements carry the schedule of a job created
// with one (the object shape, whichever shape was sent).
func TestFidelity_remainingDurationAndSchedule(t *testing.T) {
	h := newHarness(t, Config{StartDelay: 100 * time.Millisecond, StopDelay: -1, HourScale: time.Second})
	auto := h.create("auto", `"schedule":[{"type":"stop","time_unit":"HOURS","duration":2}]`)
	zero := h.create("zero", `"schedule":{"type":"stop","time_unit":"HOURS","duration":0}`)
	plain := h.create("plain")

	remaining := func(r result) (any, bool) { v, ok := r.body["remaining_duration"]; return v, ok }
	// While starting, the whole schedule is left.
	if v, _ := remaining(h.do("GET", jobPath(auto), "")); v != 2.0 {
		t.Fatalf("starting: remaining_duration %v, want 2", v)
	}
	h.clock.Add(100*time.Millisecond + 1500*time.Millisecond) // running for 1.5 "hours"
	if v, _ := remaining(h.do("GET", jobPath(auto), "")); v != 0.5 {
		t.Fatalf("running: remaining_duration %v, want 0.5", v)
	}
	for _, id := range []int64{zero, plain} {
		if v, ok := remaining(h.do("GET", jobPath(id), "")); !ok || v != nil {
			t.Fatalf("job %d: remaining_duration %v (present %v), want null", id, v, ok)
		}
	}

	l := h.do("GET", jobsPath, "")
	for i, want := range []string{
		`"remaining_duration":0.5,"schedule":{"type":"stop","time_unit":"HOURS","duration":2}}`,
		`"remaining_duration":null,"schedule":{"type":"stop","time_unit":"HOURS","duration":0}}`,
		`"remaining_duration":null}`,
	} {
		if l.listed(i) == nil {
			t.Fatalf("list: %s", l.raw)
		}
		if !strings.Contains(string(l.raw), want) {
			t.Errorf("list element %d lacks %s:\n%s", i, want, l.raw)
		}
	}
	if g := h.do("GET", jobPath(auto), ""); g.body["schedule"] != nil {
		t.Errorf("details carry schedule: %s", g.raw)
	}

	// After the auto-stop, and after a manual stop, nothing is pending.
	h.clock.Add(time.Second)
	if j, _ := h.emu.Job(auto); j.Status != StatusCanceled {
		t.Fatalf("auto-stop: %+v", j)
	}
	if v, ok := remaining(h.do("GET", jobPath(auto), "")); !ok || v != nil {
		t.Fatalf("after the auto-stop: %v", v)
	}
	again := h.create("again", `"schedule":{"type":"stop","time_unit":"HOURS","duration":3}`)
	h.do("POST", jobPath(again)+"/stop", "")
	if v, ok := remaining(h.do("GET", jobPath(again), "")); !ok || v != nil {
		t.Fatalf("after a stop: %v", v)
	}
}
