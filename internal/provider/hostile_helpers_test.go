package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/emulator"
)

// Helpers of the tests that play a hostile or eventually consistent server:
// an emulator behind a handler that can act before a request reaches it and
// that timestamps every request, and a provider that records the
// diagnostics (warnings included) it returns to Terraform.

// hostileEnv is a live emulator behind a recording front.
type hostileEnv struct {
	*testEnv
	mu     sync.Mutex
	before func(r *http.Request) // runs before the emulator sees r
	times  []time.Time           // arrival time of every request
	paths  []string              // "METHOD path" of every request
}

// newHostileEnv starts a live emulator (running clock, short lifecycle
// delays) seeded with jobs behind the recording front.
func newHostileEnv(t *testing.T, cfg emulator.Config, jobs ...emulator.Job) *hostileEnv {
	t.Helper()
	if cfg.StartDelay == 0 {
		cfg.StartDelay = 100 * time.Millisecond
	}
	if cfg.StopDelay == 0 {
		cfg.StopDelay = 100 * time.Millisecond
	}
	cfg.Now = time.Now
	emu := emulator.New(cfg)
	if err := emu.Seed(append([]emulator.Job{seedRunning, seedDocs}, jobs...)...); err != nil {
		t.Fatalf("seeding the emulator: %v", err)
	}
	h := &hostileEnv{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.times = append(h.times, time.Now())
		h.paths = append(h.paths, r.Method+" "+r.URL.Path)
		before := h.before
		h.mu.Unlock()
		if before != nil {
			before(r)
		}
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(emu.Close)
	h.testEnv = &testEnv{emu: emu, url: srv.URL, now: time.Now()}
	return h
}

// setBefore installs the hook that runs before the emulator sees a request.
func (h *hostileEnv) setBefore(f func(r *http.Request)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.before = f
}

// requestsSince returns the arrival times of the requests since mark (an
// index returned by mark) whose "METHOD path" contains part.
func (h *hostileEnv) requestsSince(mark int, part string) []time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []time.Time
	for i := mark; i < len(h.times); i++ {
		if strings.Contains(h.paths[i], part) {
			out = append(out, h.times[i])
		}
	}
	return out
}

// mark returns the index of the next request.
func (h *hostileEnv) mark() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.times)
}

// checkPace fails when requests came faster than one per 100 ms on average:
// n requests must span at least (n-1) * 100 ms. It can only fail for a
// provider that sends too fast, never for a slow machine.
func checkPace(times []time.Time) error {
	if len(times) < 2 {
		return nil
	}
	span := times[len(times)-1].Sub(times[0])
	if min := time.Duration(len(times)-1) * 100 * time.Millisecond; span < min {
		return fmt.Errorf("%d requests in %s: more than one per 100 ms on average", len(times), span)
	}
	return nil
}

// diagRecorder records every diagnostic the provider returns, so tests can
// check warnings, which terraform-plugin-testing does not surface.
type diagRecorder struct {
	mu    sync.Mutex
	diags []*tfprotov6.Diagnostic
}

func (d *diagRecorder) add(diags []*tfprotov6.Diagnostic) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.diags = append(d.diags, diags...)
}

// warnings returns "summary: detail" of every warning recorded so far.
func (d *diagRecorder) warnings() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, dg := range d.diags {
		if dg.Severity == tfprotov6.DiagnosticSeverityWarning {
			out = append(out, dg.Summary+": "+dg.Detail)
		}
	}
	return out
}

// countWarnings counts the recorded warnings whose summary is summary.
func (d *diagRecorder) countWarnings(summary string) int {
	n := 0
	for _, w := range d.warnings() {
		if strings.HasPrefix(w, summary+": ") {
			n++
		}
	}
	return n
}

func (d *diagRecorder) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"modelarts": func() (tfprotov6.ProviderServer, error) {
			s, err := providerserver.NewProtocol6WithError(New("test")())()
			if err != nil {
				return nil, err
			}
			return &recordingServer{ProviderServer: s, rec: d}, nil
		},
	}
}

// recordingServer passes every RPC through and records the diagnostics of
// those that read, plan and apply.
type recordingServer struct {
	tfprotov6.ProviderServer
	rec *diagRecorder
}

func (s *recordingServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	resp, err := s.ProviderServer.ReadDataSource(ctx, req)
	if resp != nil {
		s.rec.add(resp.Diagnostics)
	}
	return resp, err
}

func (s *recordingServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	resp, err := s.ProviderServer.ReadResource(ctx, req)
	if resp != nil {
		s.rec.add(resp.Diagnostics)
	}
	return resp, err
}

func (s *recordingServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	resp, err := s.ProviderServer.PlanResourceChange(ctx, req)
	if resp != nil {
		s.rec.add(resp.Diagnostics)
	}
	return resp, err
}

func (s *recordingServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	resp, err := s.ProviderServer.ApplyResourceChange(ctx, req)
	if resp != nil {
		s.rec.add(resp.Diagnostics)
	}
	return resp, err
}

// expectDrift is a plan check on the resources Terraform found changed
// outside of Terraform during the refresh (the plan's resource_drift).
type expectDrift struct {
	addr  string
	drift bool
}

func (e expectDrift) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	var found *tfjson.ResourceChange
	for _, rc := range req.Plan.ResourceDrift {
		if rc.Address == e.addr {
			found = rc
		}
	}
	switch {
	case e.drift && found == nil:
		resp.Error = fmt.Errorf("%s: no drift detected, want the change made outside Terraform", e.addr)
	case !e.drift && found != nil:
		before, _ := json.Marshal(found.Change.Before)
		after, _ := json.Marshal(found.Change.After)
		resp.Error = fmt.Errorf("%s drifted on an unchanged job:\nbefore %s\nafter  %s", e.addr, before, after)
	}
}

// dsAttr checks an attribute of a data source by its full address.
func dsAttr(addr, name string, v knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(addr, tfjsonpath.New(name), v)
}

// mustAtoi parses a job ID from the state.
func mustAtoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("job ID %q: %v", s, err)
	}
	return n
}
