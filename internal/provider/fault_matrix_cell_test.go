package provider

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/emulator"
)

// This file is the machinery of one cell of the fault matrix: its emulator,
// the measurement of the operation under test and the assertions.

// reqEntry is one request the cell's emulator received.
type reqEntry struct {
	at     time.Time
	op     string
	target string // the job ID the path names, or "collection"; "" for IAM
	status int    // 0 until answered, and for a dropped connection
}

// cellResult is what was measured of the operation under test.
type cellResult struct {
	duration time.Duration
	counts   map[string]int // requests per emulator op during the operation
	// perTarget counts the requests to each job (by ID) and to the
	// collection of jobs ("collection") during the operation.
	perTarget map[string]int
	renewed   bool   // a 401 followed by an IAM token request
	summary   string // first error diagnostic; empty on success
	detail    string
	rpcErr    error
	// jobKept: the row's job still existed in the emulator at the end.
	jobKept bool
	// stateID is the id in the state a refresh returned; stateNull says the
	// refresh removed the resource from the state.
	stateID   string
	stateNull bool
}

func (r *cellResult) ok() bool { return r.summary == "" && r.rpcErr == nil }

// faultCell is one operation under one fault, with its own emulator.
type faultCell struct {
	row   *matrixRow
	fault *matrixFault
	want  want
	emu   *emulator.Emulator
	env   *testEnv

	skew    atomic.Int64 // nanoseconds added to the emulator's clock
	armed   atomic.Bool  // faults are in place and the operation has not run yet
	trigger atomic.Int32 // a pending trigger

	mu     sync.Mutex
	log    []*reqEntry
	result *cellResult
}

func newFaultCell(t *testing.T, row *matrixRow, f *matrixFault) *faultCell {
	t.Helper()
	c := &faultCell{row: row, fault: f, want: f.want(row)}
	c.emu = emulator.New(emulator.Config{
		StartDelay: 100 * time.Millisecond,
		StopDelay:  100 * time.Millisecond,
		Now:        func() time.Time { return time.Now().Add(time.Duration(c.skew.Load())) },
	})
	jobs := []emulator.Job{seedRunning, seedDocs}
	for i := range f.seedJobs {
		jobs = append(jobs, emulator.Job{JobName: fmt.Sprintf("tb-many-%04d", i), Status: 13,
			CreateTime: 1732780800000, TrainURL: "/ml-bucket/many/"})
	}
	if err := c.emu.Seed(jobs...); err != nil {
		t.Fatalf("seeding the emulator: %v", err)
	}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	c.env = &testEnv{emu: c.emu, url: srv.URL}
	return c
}

// ServeHTTP logs each request, fires a pending trigger on the first request
// of the operation under test, and hands the request to the emulator.
func (c *faultCell) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := requestOp(r.Method, r.URL.Path)
	if op == c.row.op {
		switch trigger(c.trigger.Swap(int32(triggerNone))) {
		case triggerExpireTokens:
			c.emu.ExpireTokens()
		case triggerClockSkew:
			c.skew.Store(int64(matrixClockSkew))
		}
	}
	e := &reqEntry{at: time.Now(), op: op, target: requestTarget(r.URL.Path)}
	c.mu.Lock()
	c.log = append(c.log, e)
	c.mu.Unlock()
	rec := &statusRecorder{ResponseWriter: w}
	c.emu.ServeHTTP(rec, r)
	c.mu.Lock()
	e.status = rec.status
	c.mu.Unlock()
}

// requestOp names a request like the emulator's RequestRecord.Op.
func requestOp(method, path string) string {
	seg := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(seg) == 3 && seg[0] == "v3":
		return "iam"
	case len(seg) == 3:
		return map[string]string{http.MethodGet: "list", http.MethodPost: "create"}[method]
	case len(seg) == 4:
		return map[string]string{http.MethodGet: "get", http.MethodPut: "update", http.MethodDelete: "delete"}[method]
	case len(seg) == 5:
		return seg[4]
	}
	return ""
}

// requestTarget is what a request's path addresses, for the rate bound: the
// job ID (/v1/{project}/visualization-jobs/{id}[/action]), "collection" for
// the list and the create, "" for IAM.
func requestTarget(path string) string {
	seg := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(seg) > 0 && seg[0] == "v3":
		return ""
	case len(seg) >= 4:
		return seg[3]
	}
	return "collection"
}

// statusRecorder notes the status of an answer. It passes Hijack and Flush
// through: the emulator's reset and truncation faults need them.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := s.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("the response writer cannot be hijacked")
	}
	return hj.Hijack()
}

// arm puts the cell's faults in place; the next RPC of the row's kind is the
// operation under test.
func (c *faultCell) arm() {
	if c.fault.faults != nil {
		for _, f := range c.fault.faults(c.row.op) {
			c.emu.AddFault(f)
		}
	}
	c.trigger.Store(int32(c.fault.trigger))
	c.armed.Store(true)
}

// rpcOutcome is what the RPC under test returned.
type rpcOutcome struct {
	diags []*tfprotov6.Diagnostic
	err   error
	// newState is a ReadResource's new state, with the resource's type.
	newState *tfprotov6.DynamicValue
	typ      tftypes.Type
}

// begin starts measuring an RPC when it is the operation under test, and
// returns the function that ends the measurement. Ending removes every fault,
// so the rest of the test step and the destroy run against a healthy service:
// a fault lasts exactly as long as the operation it is meant for.
func (c *faultCell) begin(kind rpcKind) func(out rpcOutcome) {
	if kind != c.row.rpc || !c.armed.CompareAndSwap(true, false) {
		return func(rpcOutcome) {}
	}
	start := time.Now()
	return func(out rpcOutcome) {
		end := time.Now()
		c.emu.ClearFaults()
		c.trigger.Store(int32(triggerNone))
		c.skew.Store(0)

		res := &cellResult{duration: end.Sub(start), counts: map[string]int{}, perTarget: map[string]int{}, rpcErr: out.err}
		for _, d := range out.diags {
			if d != nil && d.Severity == tfprotov6.DiagnosticSeverityError {
				res.summary, res.detail = d.Summary, d.Detail
				break
			}
		}
		if c.row.job != "" {
			res.jobKept = slices.ContainsFunc(c.emu.Jobs(), func(j emulator.Job) bool { return fmt.Sprint(j.JobID) == c.row.job })
		}
		if out.newState != nil {
			res.stateID, res.stateNull = stateID(out.newState, out.typ)
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		saw401 := false
		for _, e := range c.log {
			if e.at.Before(start) || e.at.After(end) {
				continue
			}
			res.counts[e.op]++
			if e.target != "" {
				res.perTarget[e.target]++
			}
			if e.op == c.row.op && e.status == http.StatusUnauthorized {
				saw401 = true
			}
			if e.op == "iam" && saw401 {
				res.renewed = true
			}
		}
		c.result = res
	}
}

// stateID decodes the id of a resource's state; null reports a state that
// no longer holds the resource.
func stateID(dv *tfprotov6.DynamicValue, typ tftypes.Type) (id string, null bool) {
	if typ == nil {
		return "", false
	}
	v, err := dv.Unmarshal(typ)
	if err != nil {
		return "undecodable: " + err.Error(), false
	}
	if v.IsNull() {
		return "", true
	}
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		return "undecodable: " + err.Error(), false
	}
	if err := attrs["id"].As(&id); err != nil {
		return "undecodable: " + err.Error(), false
	}
	return id, false
}

// matrixProvider measures the RPC that performs a row's operation.
type matrixProvider struct {
	tfprotov6.ProviderServer
	cell *faultCell
}

func (p *matrixProvider) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	done := p.cell.begin(rpcReadDataSource)
	resp, err := p.ProviderServer.ReadDataSource(ctx, req)
	out := rpcOutcome{err: err}
	if resp != nil {
		out.diags = resp.Diagnostics
	}
	done(out)
	return resp, err
}

func (p *matrixProvider) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	done := p.cell.begin(rpcReadResource)
	resp, err := p.ProviderServer.ReadResource(ctx, req)
	out := rpcOutcome{err: err}
	if resp != nil {
		out.diags, out.newState = resp.Diagnostics, resp.NewState
		schemas, schemaErr := p.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
		if schemaErr == nil && schemas.ResourceSchemas[req.TypeName] != nil {
			out.typ = schemas.ResourceSchemas[req.TypeName].ValueType()
		}
	}
	done(out)
	return resp, err
}

func (p *matrixProvider) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	done := p.cell.begin(rpcApplyResourceChange)
	resp, err := p.ProviderServer.ApplyResourceChange(ctx, req)
	out := rpcOutcome{err: err}
	if resp != nil {
		out.diags = resp.Diagnostics
	}
	done(out)
	return resp, err
}

func (c *faultCell) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"modelarts": func() (tfprotov6.ProviderServer, error) {
			s, err := providerserver.NewProtocol6WithError(New("test")())()
			if err != nil {
				return nil, err
			}
			return &matrixProvider{ProviderServer: s, cell: c}, nil
		},
	}
}

// timeout returns the timeout of an operation: short for the one under test
// in the columns with a short timeout, generous otherwise (a hang still ends
// the test).
func (c *faultCell) timeout(of rpcKind, op string) string {
	if c.fault.shortTimeout && c.row.rpc == of && (op == "" || op == c.row.op) {
		return matrixShortTimeout
	}
	return matrixLongTimeout
}

func (c *faultCell) providerBlock() string {
	auth := c.fault.auth
	if auth == "" {
		auth = "aksk"
	}
	if c.fault.providerExtra != "" {
		return c.env.providerBlock(auth, c.fault.providerExtra)
	}
	return c.env.providerBlock(auth)
}

// sent is a description as the configuration of the operation under test
// writes it: in the normalisation column with white space around it, which
// the server trims.
func (c *faultCell) sent(desc string) string {
	if c.fault.normalized {
		return "  " + desc + "  "
	}
	return desc
}

// newJob is the job the create row makes; in the normalisation column its
// train_url lacks the trailing slash the server adds.
func (c *faultCell) newJob() emulator.Job {
	j := emulator.Job{JobName: "tb-fault", TrainURL: "/bucket/fault/"}
	if c.fault.normalized {
		j.TrainURL = "/bucket/fault"
	}
	return j
}

// resourceConfig is the resource of the resource rows. The timeouts block
// stays the same in every step, so that only the intended change is planned.
func (c *faultCell) resourceConfig(job emulator.Job, desc string, running bool) string {
	update := c.timeout(rpcApplyResourceChange, "update")
	if c.row.op == "stop" || c.row.op == "restart" {
		update = c.timeout(rpcApplyResourceChange, c.row.op)
	}
	return fmt.Sprintf(`resource "modelarts_visualization_job" "tb" {
  job_name  = %q
  train_url = %q
  job_desc  = %q
  running   = %t
  timeouts {
    create = %q
    read   = %q
    update = %q
    delete = %q
  }
}
`, job.JobName, job.TrainURL, desc, running,
		c.timeout(rpcApplyResourceChange, "create"), c.timeout(rpcReadResource, ""),
		update, c.timeout(rpcApplyResourceChange, "delete"))
}

// importBlock adopts a seeded job with an apply, so that the timeouts block
// is saved in the state (read and delete take their timeouts from there).
func importBlock(id int64) string {
	return fmt.Sprintf("import {\n  to = %s\n  id = %q\n}\n", resourceAddr, fmt.Sprint(id))
}

// The steps the rows build their cells from.

// setupStep applies config without faults.
func (c *faultCell) setupStep(config string) resource.TestStep {
	return resource.TestStep{Config: c.providerBlock() + config}
}

// faultStep is the step whose first RPC of the row's kind is the operation
// under test: the faults are put in place just before it, and it must fail
// with the row's diagnostic when the cell wants a failure.
func (c *faultCell) faultStep(config string) resource.TestStep {
	var expectErr *regexp.Regexp
	if w := c.want; !w.ok {
		expectErr = errRe(regexp.QuoteMeta(c.summary()) + ".*" + regexp.QuoteMeta(c.subject()) + ".*" + w.cause)
	}
	return resource.TestStep{PreConfig: c.arm, Config: c.providerBlock() + config, ExpectError: expectErr}
}

// dataFaultStep is the fault step of a data source. Data sources are read in
// every plan: a plan-only step reads them in its first command and, when
// that succeeds, checks the plans after.
func (c *faultCell) dataFaultStep(config string) resource.TestStep {
	step := c.faultStep(config)
	step.PlanOnly = true
	return step
}

// importStep imports a seeded job into the state.
func (c *faultCell) importStep(job emulator.Job, running bool) resource.TestStep {
	return resource.TestStep{
		Config:             c.providerBlock() + c.resourceConfig(job, job.JobDesc, running),
		ResourceName:       resourceAddr,
		ImportState:        true,
		ImportStateId:      fmt.Sprint(job.JobID),
		ImportStatePersist: true,
	}
}

func (c *faultCell) summary() string { return cmp.Or(c.want.summary, c.row.summary) }
func (c *faultCell) subject() string { return cmp.Or(c.want.subject, c.row.subject) }

// check compares the measured outcome with the wanted one.
func (c *faultCell) check(t *testing.T) {
	t.Helper()
	w := c.want
	res := c.result
	if res == nil {
		t.Errorf("the operation under test never ran")
		return
	}
	text := res.summary + "\n" + res.detail
	if res.rpcErr != nil {
		text += "\n" + res.rpcErr.Error()
		t.Errorf("the RPC failed outside the diagnostics: %v", res.rpcErr)
	}
	if lower := strings.ToLower(text); strings.Contains(lower, "crash") || strings.Contains(lower, "panic") {
		t.Errorf("the diagnostic speaks of a crash:\n%s", text)
	}
	if res.ok() != w.ok {
		t.Errorf("ok = %t, want %t; diagnostic: %s", res.ok(), w.ok, text)
	}
	if got := res.counts[c.row.op]; got != w.attempts {
		t.Errorf("%d %s requests during the operation, want %d (counts %v)", got, c.row.op, w.attempts, res.counts)
	}
	if got := res.counts["get"]; got < w.minGets {
		t.Errorf("%d get requests during the operation, want at least %d (counts %v)", got, w.minGets, res.counts)
	}
	if lookedUp := c.row.op == "create" && res.counts["list"] >= 2; lookedUp != w.lookup {
		t.Errorf("looked the job up by name after the create: %t, want %t (counts %v)", lookedUp, w.lookup, res.counts)
	}
	if res.renewed != w.renewed {
		t.Errorf("token renewed after a 401: %t, want %t (counts %v)", res.renewed, w.renewed, res.counts)
	}
	if !w.ok {
		if res.summary != c.summary() {
			t.Errorf("the diagnostic's summary is %q, want %q", res.summary, c.summary())
		}
		if !strings.Contains(res.detail, c.subject()) {
			t.Errorf("the detail does not name the job or the request (%q):\n%s", c.subject(), res.detail)
		}
		if !errRe(w.cause).MatchString(res.detail) {
			t.Errorf("the detail does not give the cause /%s/:\n%s", w.cause, res.detail)
		}
	}
	if w.keepsJob && !res.jobKept {
		t.Errorf("job %s is gone from the emulator after the operation", c.row.job)
	}
	// The job exists throughout, so a refresh must never drop it from the
	// state or put another job's ID there, whatever the server answered.
	if c.row.rpc == rpcReadResource && (res.stateNull || res.stateID != c.row.job) {
		t.Errorf("the refresh left id %q in the state (removed: %t), want %q", res.stateID, res.stateNull, c.row.job)
	}
	if c.fault.shortTimeout && res.duration > matrixHangLimit {
		t.Errorf("the operation took %s with a timeout of %s", res.duration, matrixShortTimeout)
	}
	c.checkRate(t)
}

// checkRate asserts the rate bound: to no job (and not to the collection)
// did the operation send more than matrixMaxRate requests per second on
// average over its duration, plus a burst of matrixBurst.
func (c *faultCell) checkRate(t *testing.T) {
	t.Helper()
	res := c.result
	limit := matrixMaxRate*res.duration.Seconds() + matrixBurst
	for target, n := range res.perTarget {
		if float64(n) > limit {
			t.Errorf("%d requests to %s in %s: more than %d per second (plus a burst of %d)",
				n, target, res.duration.Round(time.Millisecond), matrixMaxRate, matrixBurst)
		}
	}
}
