package provider

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/emulator"
)

// The fault matrix runs every operation of the provider against every fault
// the emulator can inject, through the real Terraform CLI, and renders the
// outcomes into docs/reliability.md. Without -update-fault-matrix the test
// compares the outcomes it measured with the committed document, so the
// document cannot drift from the behaviour.

var updateFaultMatrix = flag.Bool("update-fault-matrix", false,
	"rewrite docs/reliability.md from the outcomes TestFaultMatrix measures")

const reliabilityDoc = "../../docs/reliability.md"

// matrixShortTimeout is the timeout of the operation under test in the
// latency column; matrixLatency is far beyond it, so only a provider that
// ignores its timeout would wait that long.
const (
	matrixShortTimeout = "2s"
	matrixLatency      = 30 * time.Second
	matrixLongTimeout  = "60s"
	// matrixHangLimit is the longest an operation with the short timeout may
	// take before the cell counts as a hang: the timeout plus slack for a
	// loaded machine, still far below matrixLatency.
	matrixHangLimit = 12 * time.Second
)

// rpcKind is the provider RPC that performs a row's operation.
type rpcKind int

const (
	rpcReadDataSource rpcKind = iota + 1
	rpcReadResource
	rpcApplyResourceChange
)

// matrixRow is one operation of the provider.
type matrixRow struct {
	key   string // subtest name
	title string // heading in the document
	// request is the API request the faults hit; op is its emulator name.
	request    string
	op         string
	rpc        rpcKind
	idempotent bool
	// summary and subject are the diagnostic's summary and the sentence of
	// its detail that names the job (or, without one, what was asked).
	summary string
	subject string
}

var matrixRows = []*matrixRow{
	{key: "data_source", title: "Data source `modelarts_visualization_job`",
		request: "GET /v1/{project}/visualization-jobs/8992", op: "get", rpc: rpcReadDataSource, idempotent: true,
		summary: "Unable to Read Visualization Job", subject: `Could not read visualization job "8992"`},
	{key: "list", title: "Data source `modelarts_visualization_jobs`",
		request: "GET /v1/{project}/visualization-jobs?page=1&per_page=1000", op: "list", rpc: rpcReadDataSource, idempotent: true,
		summary: "Unable to List Visualization Jobs", subject: "Could not list the visualization jobs of the project"},
	{key: "create", title: "Resource: create",
		request: "POST /v1/{project}/visualization-jobs", op: "create", rpc: rpcApplyResourceChange,
		summary: "Unable to Create Visualization Job", subject: `Could not create visualization job "tb-fault"`},
	{key: "read", title: "Resource: read (refresh)",
		request: "GET /v1/{project}/visualization-jobs/8992", op: "get", rpc: rpcReadResource, idempotent: true,
		summary: "Unable to Read Visualization Job", subject: `Could not read visualization job "8992"`},
	{key: "update", title: "Resource: update (`job_desc` changed)",
		request: "PUT /v1/{project}/visualization-jobs/8992", op: "update", rpc: rpcApplyResourceChange, idempotent: true,
		summary: "Unable to Update Visualization Job", subject: `Could not change the description of visualization job "8992"`},
	{key: "stop", title: "Resource: stop (`running = false`)",
		request: "POST /v1/{project}/visualization-jobs/8992/stop", op: "stop", rpc: rpcApplyResourceChange,
		summary: "Unable to Update Visualization Job", subject: `Could not stop visualization job "8992"`},
	{key: "restart", title: "Resource: restart (`running = true`)",
		request: "POST /v1/{project}/visualization-jobs/197/restart", op: "restart", rpc: rpcApplyResourceChange,
		summary: "Unable to Update Visualization Job", subject: `Could not restart visualization job "197"`},
	{key: "delete", title: "Resource: delete",
		request: "DELETE /v1/{project}/visualization-jobs/8992", op: "delete", rpc: rpcApplyResourceChange, idempotent: true,
		summary: "Unable to Delete Visualization Job", subject: `Could not delete visualization job "8992"`},
}

// trigger is a fault that is not an emulator Fault: it starts when the first
// request of the operation under test arrives.
type trigger int32

const (
	triggerNone trigger = iota
	// triggerExpireTokens expires every IAM token, as if the token's life
	// ended between two requests of a run.
	triggerExpireTokens
	// triggerClockSkew moves the gateway's clock 20 minutes ahead, past the
	// 15 minutes of skew an AK/SK signature may have.
	triggerClockSkew
)

const matrixClockSkew = 20 * time.Minute

// want is the outcome a cell must have.
type want struct {
	ok bool
	// attempts is how many requests of the operation's own kind (the row's
	// op) the emulator must see: 1 + retries.
	attempts int
	// lookup: create looked the job up by name after losing the answer.
	lookup bool
	// renewed: the request was answered 401 and sent again with a new token.
	renewed bool
	// cause is a pattern (errRe syntax) of the failure's cause in the detail.
	cause string
}

// matrixFault is one column: a fault, how it is injected, and what each
// operation must do under it.
type matrixFault struct {
	key, title string
	// injected says how the fault is injected, for the document.
	injected string
	faults   func(op string) []emulator.Fault
	trigger  trigger
	auth     string // authMethods key; "aksk" when empty
	// shortTimeout gives the operation under test matrixShortTimeout.
	shortTimeout  bool
	providerExtra string
	want          func(r *matrixRow) want
}

func statusFaults(kind emulator.FaultKind, status, times int, retryAfter string) func(string) []emulator.Fault {
	return func(op string) []emulator.Fault {
		return []emulator.Fault{{Kind: kind, Op: op, Status: status, Times: times, RetryAfter: retryAfter}}
	}
}

// okAfterRetries returns a want function for transient faults that clear
// after retries: every operation succeeds. Idempotent requests are retried by
// the client; create, stop and restart are sent again by the resource only
// after checking that the lost attempt took no effect (create by a lookup by
// name, which the create row asserts).
func okAfterRetries(retries int) func(r *matrixRow) want {
	return func(r *matrixRow) want {
		return want{ok: true, attempts: 1 + retries, lookup: r.op == "create"}
	}
}

// okOnce is for faults that lose the answer of a request that was carried
// out: idempotent requests are sent again, the others are found to have
// taken effect.
func okOnce(r *matrixRow) want {
	if r.idempotent {
		return want{ok: true, attempts: 2}
	}
	return want{ok: true, attempts: 1, lookup: r.op == "create"}
}

func always(w want) func(r *matrixRow) want {
	return func(*matrixRow) want { return w }
}

var matrixFaults = []*matrixFault{
	{
		key: "latency", title: "Latency beyond the timeout",
		injected: fmt.Sprintf("every request of the operation answered after %d s; the operation's timeout is %s",
			int(matrixLatency.Seconds()), matrixShortTimeout),
		faults: func(op string) []emulator.Fault {
			return []emulator.Fault{{Kind: emulator.FaultLatency, Op: op, Latency: matrixLatency}}
		},
		shortTimeout: true,
		// A create that ran out of time still looks for the job by name, so
		// a late answer cannot leave an orphan.
		want: func(r *matrixRow) want {
			return want{attempts: 1, lookup: r.op == "create", cause: `did not finish within its timeout of 2s`}
		},
	},
	{
		key: "429_retry_after", title: "429 with `Retry-After`",
		injected: "HTTP 429 APIG.0308 with `Retry-After: 1`, 2 times, then normal answers",
		faults:   statusFaults(emulator.FaultStatus, http.StatusTooManyRequests, 2, "1"),
		want:     always(want{ok: true, attempts: 3}),
	},
	{
		key: "429", title: "429 without `Retry-After`",
		injected: "HTTP 429 APIG.0308, 2 times, then normal answers",
		faults:   statusFaults(emulator.FaultStatus, http.StatusTooManyRequests, 2, ""),
		want:     always(want{ok: true, attempts: 3}),
	},
	{
		key: "500", title: "500",
		injected: "HTTP 500 ModelArts.0010 on every request of the operation",
		faults:   statusFaults(emulator.FaultStatus, http.StatusInternalServerError, 0, ""),
		want: func(r *matrixRow) want {
			return want{attempts: 1, lookup: r.op == "create", cause: `ModelArts answered HTTP 500 with error code ModelArts\.0010`}
		},
	},
	{
		key: "502", title: "502",
		injected: "HTTP 502 APIG.0202, 2 times, then normal answers",
		faults:   statusFaults(emulator.FaultStatus, http.StatusBadGateway, 2, ""),
		want:     okAfterRetries(2),
	},
	{
		key: "503", title: "503",
		injected: "HTTP 503 APIG.0202, 2 times, then normal answers",
		faults:   statusFaults(emulator.FaultStatus, http.StatusServiceUnavailable, 2, ""),
		want:     always(want{ok: true, attempts: 3}),
	},
	{
		key: "503_persistent", title: "503 persistent, `max_retries = 2`",
		injected:      "HTTP 503 APIG.0202 on every request of the operation; provider `max_retries = 2`",
		faults:        statusFaults(emulator.FaultStatus, http.StatusServiceUnavailable, 0, ""),
		providerExtra: "  max_retries = 2",
		want:          always(want{attempts: 3, cause: `ModelArts answered HTTP 503 with error code APIG\.0202.*retries ran out`}),
	},
	{
		key: "504", title: "504",
		injected: "HTTP 504 APIG.0201, 2 times, then normal answers",
		faults:   statusFaults(emulator.FaultStatus, http.StatusGatewayTimeout, 2, ""),
		want:     okAfterRetries(2),
	},
	{
		key: "reset", title: "Connection reset",
		injected: "TCP reset before the request is processed, once",
		faults:   statusFaults(emulator.FaultReset, 0, 1, ""),
		want:     okAfterRetries(1),
	},
	{
		key: "reset_after", title: "Connection reset after processing (lost answer)",
		injected: "the request is processed, then the connection is reset without an answer, once",
		faults:   statusFaults(emulator.FaultResetAfter, 0, 1, ""),
		want:     okOnce,
	},
	{
		key: "truncated", title: "Truncated body",
		injected: "the request is processed; its answer keeps the full `Content-Length` but only half the body, once",
		faults:   statusFaults(emulator.FaultTruncate, 0, 1, ""),
		want:     okOnce,
	},
	{
		key: "html_502", title: "HTML error page (502)",
		injected: "HTTP 502 with an nginx `text/html` page, 2 times, then normal answers",
		faults:   statusFaults(emulator.FaultNonJSON, http.StatusBadGateway, 2, ""),
		want:     okAfterRetries(2),
	},
	{
		key: "not_success", title: "200 with `is_success: false`",
		injected: "HTTP 200 `{\"is_success\": false, \"error_code\": \"ModelArts.0010\"}` on every request of the operation",
		faults:   statusFaults(emulator.FaultNotSuccess, 0, 0, ""),
		want:     always(want{attempts: 1, cause: `ModelArts answered HTTP 200 with error code ModelArts\.0010`}),
	},
	{
		key: "token_expired", title: "401 token expired mid-run",
		injected: "IAM password authentication; every issued token expires when the operation's first request arrives",
		trigger:  triggerExpireTokens,
		auth:     "password",
		want:     always(want{ok: true, attempts: 2, renewed: true}),
	},
	{
		key: "clock_skew", title: "Clock skew",
		injected: fmt.Sprintf("AK/SK signing; the gateway's clock jumps %d minutes ahead when the operation's first request arrives",
			int(matrixClockSkew.Minutes())),
		trigger: triggerClockSkew,
		want: always(want{attempts: 1,
			cause: `ModelArts answered HTTP 401 with error code APIG\.0301: Incorrect IAM authentication information: x-sdk-date expired.*clock`}),
	},
}

// reqEntry is one request the cell's emulator received.
type reqEntry struct {
	at     time.Time
	op     string
	status int // 0 until answered, and for a dropped connection
}

// cellResult is what was measured of the operation under test.
type cellResult struct {
	duration time.Duration
	counts   map[string]int // requests per emulator op during the operation
	renewed  bool           // a 401 followed by an IAM token request
	summary  string         // first error diagnostic; empty on success
	detail   string
	rpcErr   error
}

func (r *cellResult) ok() bool { return r.summary == "" && r.rpcErr == nil }

// faultCell is one operation under one fault, with its own emulator.
type faultCell struct {
	row   *matrixRow
	fault *matrixFault
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
	c := &faultCell{row: row, fault: f}
	c.emu = emulator.New(emulator.Config{
		StartDelay: 100 * time.Millisecond,
		StopDelay:  100 * time.Millisecond,
		Now:        func() time.Time { return time.Now().Add(time.Duration(c.skew.Load())) },
	})
	if err := c.emu.Seed(seedRunning, seedDocs); err != nil {
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
	e := &reqEntry{at: time.Now(), op: op}
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

// begin starts measuring an RPC when it is the operation under test, and
// returns the function that ends the measurement. Ending removes every fault,
// so the rest of the test step and the destroy run against a healthy service:
// a fault lasts exactly as long as the operation it is meant for.
func (c *faultCell) begin(kind rpcKind) func(diags []*tfprotov6.Diagnostic, err error) {
	if kind != c.row.rpc || !c.armed.CompareAndSwap(true, false) {
		return func([]*tfprotov6.Diagnostic, error) {}
	}
	start := time.Now()
	return func(diags []*tfprotov6.Diagnostic, err error) {
		end := time.Now()
		c.emu.ClearFaults()
		c.trigger.Store(int32(triggerNone))
		c.skew.Store(0)

		res := &cellResult{duration: end.Sub(start), counts: map[string]int{}, rpcErr: err}
		for _, d := range diags {
			if d != nil && d.Severity == tfprotov6.DiagnosticSeverityError {
				res.summary, res.detail = d.Summary, d.Detail
				break
			}
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		saw401 := false
		for _, e := range c.log {
			if e.at.Before(start) || e.at.After(end) {
				continue
			}
			res.counts[e.op]++
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

// matrixProvider measures the RPC that performs a row's operation.
type matrixProvider struct {
	tfprotov6.ProviderServer
	cell *faultCell
}

func (p *matrixProvider) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	done := p.cell.begin(rpcReadDataSource)
	resp, err := p.ProviderServer.ReadDataSource(ctx, req)
	var diags []*tfprotov6.Diagnostic
	if resp != nil {
		diags = resp.Diagnostics
	}
	done(diags, err)
	return resp, err
}

func (p *matrixProvider) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	done := p.cell.begin(rpcReadResource)
	resp, err := p.ProviderServer.ReadResource(ctx, req)
	var diags []*tfprotov6.Diagnostic
	if resp != nil {
		diags = resp.Diagnostics
	}
	done(diags, err)
	return resp, err
}

func (p *matrixProvider) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	done := p.cell.begin(rpcApplyResourceChange)
	resp, err := p.ProviderServer.ApplyResourceChange(ctx, req)
	var diags []*tfprotov6.Diagnostic
	if resp != nil {
		diags = resp.Diagnostics
	}
	done(diags, err)
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
// in the latency column, generous otherwise (a hang still ends the test).
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

// steps builds the test steps of the cell: setup without faults, then the
// step whose first RPC of the row's kind is the operation under test.
func (c *faultCell) steps(w want) []resource.TestStep {
	var expectErr *regexp.Regexp
	if !w.ok {
		expectErr = errRe(regexp.QuoteMeta(c.row.summary) + ".*" + regexp.QuoteMeta(c.row.subject) + ".*" + w.cause)
	}
	p := c.providerBlock()
	fault := func(config string) resource.TestStep {
		return resource.TestStep{PreConfig: c.arm, Config: p + config, ExpectError: expectErr}
	}
	// Data sources are read in every plan: a plan-only step reads them in
	// its first command and, when that succeeds, checks the plans after.
	dataFault := func(config string) resource.TestStep {
		step := fault(config)
		step.PlanOnly = true
		return step
	}
	importStep := func(job emulator.Job, running bool) resource.TestStep {
		return resource.TestStep{
			Config:             p + c.resourceConfig(job, job.JobDesc, running),
			ResourceName:       resourceAddr,
			ImportState:        true,
			ImportStateId:      fmt.Sprint(job.JobID),
			ImportStatePersist: true,
		}
	}
	newJob := emulator.Job{JobName: "tb-fault", TrainURL: "/bucket/fault/"}
	switch c.row.key {
	case "data_source":
		return []resource.TestStep{dataFault(fmt.Sprintf(`data "modelarts_visualization_job" "tb" {
  visualization_id = "8992"
  timeouts {
    read = %q
  }
}
`, c.timeout(rpcReadDataSource, "get")))}
	case "list":
		return []resource.TestStep{dataFault(fmt.Sprintf(`data "modelarts_visualization_jobs" "all" {
  timeouts {
    read = %q
  }
}
`, c.timeout(rpcReadDataSource, "list")))}
	case "create":
		return []resource.TestStep{fault(c.resourceConfig(newJob, "made under faults", true))}
	case "read":
		cfg := importBlock(seedRunning.JobID) + c.resourceConfig(seedRunning, seedRunning.JobDesc, true)
		return []resource.TestStep{{Config: p + cfg}, fault(cfg)}
	case "update":
		return []resource.TestStep{importStep(seedRunning, true),
			fault(c.resourceConfig(seedRunning, "changed under faults", true))}
	case "stop":
		return []resource.TestStep{importStep(seedRunning, true),
			fault(c.resourceConfig(seedRunning, seedRunning.JobDesc, false))}
	case "restart":
		return []resource.TestStep{importStep(seedDocs, false),
			fault(c.resourceConfig(seedDocs, seedDocs.JobDesc, true))}
	case "delete":
		cfg := importBlock(seedRunning.JobID) + c.resourceConfig(seedRunning, seedRunning.JobDesc, true)
		return []resource.TestStep{{Config: p + cfg}, fault("")}
	}
	panic("no steps for row " + c.row.key)
}

// check compares the measured outcome with the wanted one.
func (c *faultCell) check(t *testing.T, w want) {
	t.Helper()
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
	if lookedUp := c.row.op == "create" && res.counts["list"] >= 2; lookedUp != w.lookup {
		t.Errorf("looked the job up by name after the create: %t, want %t (counts %v)", lookedUp, w.lookup, res.counts)
	}
	if res.renewed != w.renewed {
		t.Errorf("token renewed after a 401: %t, want %t (counts %v)", res.renewed, w.renewed, res.counts)
	}
	if !w.ok {
		if !strings.Contains(res.detail, c.row.subject) {
			t.Errorf("the detail does not name the job or the request (%q):\n%s", c.row.subject, res.detail)
		}
		if !errRe(w.cause).MatchString(res.detail) {
			t.Errorf("the detail does not give the cause /%s/:\n%s", w.cause, res.detail)
		}
	}
	if c.fault.shortTimeout && res.duration > matrixHangLimit {
		t.Errorf("the operation took %s with a timeout of %s", res.duration, matrixShortTimeout)
	}
}

// matrixWorkers is how many cells run at once. Cells spend much of their
// time waiting (backoff, Retry-After, timeouts, Terraform start-up), so a
// few more than the cores keep them busy without thrashing.
func matrixWorkers() int {
	return min(max(3*runtime.GOMAXPROCS(0), 4), 8)
}

func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	results := map[string]map[string]*cellResult{}
	var resultsMu sync.Mutex
	sem := make(chan struct{}, matrixWorkers())
	start := time.Now()

	// Cells run as concurrent subtests started from goroutines rather than
	// with t.Parallel, so that their concurrency is matrixWorkers and not
	// -parallel (the number of cores), which would leave the cores idle
	// while cells wait on backoff and timeouts.
	var rowsWG sync.WaitGroup
	for _, row := range matrixRows {
		rowsWG.Add(1)
		go func() {
			defer rowsWG.Done()
			t.Run(row.key, func(t *testing.T) {
				var wg sync.WaitGroup
				for _, f := range matrixFaults {
					wg.Add(1)
					go func() {
						defer wg.Done()
						t.Run(f.key, func(t *testing.T) {
							sem <- struct{}{}
							defer func() { <-sem }()
							res := runFaultCell(t, row, f)
							if res != nil {
								resultsMu.Lock()
								if results[row.key] == nil {
									results[row.key] = map[string]*cellResult{}
								}
								results[row.key][f.key] = res
								resultsMu.Unlock()
							}
						})
					}()
				}
				wg.Wait()
			})
		}()
	}
	rowsWG.Wait()
	t.Logf("fault matrix: %d cells in %s", len(matrixRows)*len(matrixFaults), time.Since(start).Round(100*time.Millisecond))

	measured := 0
	for _, m := range results {
		measured += len(m)
	}
	if measured != len(matrixRows)*len(matrixFaults) {
		t.Logf("%d of %d cells measured (a -run filter or a failed cell): %s not compared", measured,
			len(matrixRows)*len(matrixFaults), reliabilityDoc)
		return
	}
	doc := renderReliabilityDoc(results)
	if *updateFaultMatrix {
		if t.Failed() {
			t.Fatalf("not rewriting %s: some cells failed their assertions", reliabilityDoc)
		}
		if err := os.WriteFile(reliabilityDoc, []byte(doc), 0o644); err != nil {
			t.Fatalf("writing %s: %v", reliabilityDoc, err)
		}
		t.Logf("wrote %s", reliabilityDoc)
		return
	}
	committed, err := os.ReadFile(reliabilityDoc)
	if err != nil {
		t.Fatalf("reading %s: %v; generate it with: go test ./internal/provider -run TestFaultMatrix -update-fault-matrix", reliabilityDoc, err)
	}
	if got, want := stableView(doc), stableView(string(committed)); got != want {
		t.Errorf("%s does not match the measured outcomes (first difference: %s); rerun "+
			"go test ./internal/provider -run TestFaultMatrix -update-fault-matrix and review the diff",
			reliabilityDoc, firstDifference(want, got))
	}
}

func runFaultCell(t *testing.T, row *matrixRow, f *matrixFault) *cellResult {
	t.Helper()
	c := newFaultCell(t, row, f)
	w := f.want(row)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: c.factories(),
		Steps:                    c.steps(w),
	})
	c.check(t, w)
	if c.result != nil {
		t.Logf("%s under %s: %s; requests %s; %s", row.key, f.key, outcomeText(row, c.result),
			requestsText(c.result), c.result.duration.Round(10*time.Millisecond))
		if t.Failed() && c.result.detail != "" {
			t.Logf("the diagnostic's detail:\n%s", c.result.detail)
		}
	}
	return c.result
}

// requestIDRe matches the request ID a diagnostic quotes: it differs per run.
var (
	requestIDRe = regexp.MustCompile(` \(request ID [^)]*\)`)
	sentenceEnd = regexp.MustCompile(`\.\s+[A-Z]`)
)

// detailKey is the part of a diagnostic's detail that says what failed and
// why: the sentence naming the job and the first sentence of the cause,
// without what differs between runs (request IDs, local ports).
func detailKey(detail string) string {
	paras := strings.Split(detail, "\n\n")
	key := strings.TrimSuffix(strings.TrimSpace(paras[0]), ".")
	if len(paras) < 2 {
		return key
	}
	cause := requestIDRe.ReplaceAllString(strings.TrimSpace(paras[1]), "")
	const noAnswer = "The request did not get an answer from ModelArts: "
	if strings.HasPrefix(cause, noAnswer) {
		// The error chain names the URL with its local port and the local
		// address; its last link is the cause.
		chain := strings.TrimSuffix(cause, ".")
		return key + ": " + noAnswer + "… " + chain[strings.LastIndex(chain, ": ")+2:]
	}
	if loc := sentenceEnd.FindStringIndex(cause); loc != nil {
		cause = cause[:loc[0]]
	}
	return key + ": " + strings.TrimSuffix(cause, ".")
}

// countOf writes n with the singular or plural noun.
func countOf(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// outcomeText is a cell's outcome as the document states it.
func outcomeText(row *matrixRow, res *cellResult) string {
	attempts := res.counts[row.op]
	lookup := row.op == "create" && res.counts["list"] >= 2
	if res.ok() {
		s := "ok"
		if attempts > 1 {
			s += " after " + countOf(attempts-1, "retry", "retries")
		}
		if res.renewed {
			s += " with a new IAM token"
		}
		switch {
		case lookup && attempts > 1:
			s += "; after each lost answer a lookup by name showed that no job had been made"
		case lookup:
			s += "; the job was found by name after the answer was lost"
		}
		return s
	}
	s := "fails after " + countOf(attempts, "attempt", "attempts")
	if lookup {
		s += " and a lookup by name that found no job"
	}
	if res.rpcErr != nil {
		return s + ": RPC error: " + res.rpcErr.Error()
	}
	return s + ": " + res.summary + ": " + detailKey(res.detail)
}

// summaryText is the short form of a cell for the overview table.
func summaryText(row *matrixRow, res *cellResult) string {
	attempts := res.counts[row.op]
	var notes []string
	switch {
	case res.ok() && attempts > 1 && !res.renewed:
		notes = append(notes, countOf(attempts-1, "retry", "retries"))
	case !res.ok() && attempts > 1:
		notes = append(notes, countOf(attempts, "attempt", "attempts"))
	}
	if res.renewed {
		notes = append(notes, "new token")
	}
	if row.op == "create" && res.counts["list"] >= 2 {
		notes = append(notes, "lookup")
	}
	s := "✗ fails"
	if res.ok() {
		s = "✓ ok"
	}
	if len(notes) > 0 {
		s += " (" + strings.Join(notes, ", ") + ")"
	}
	return s
}

// requestsText lists the requests the emulator saw during the operation.
func requestsText(res *cellResult) string {
	var parts []string
	total := 0
	for _, op := range []string{"iam", "list", "create", "get", "update", "stop", "restart", "delete"} {
		if n := res.counts[op]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", op, n))
			total += n
		}
	}
	if total == 0 {
		return "none"
	}
	return fmt.Sprintf("%d (%s)", total, strings.Join(parts, ", "))
}

func markdownCell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

func renderReliabilityDoc(results map[string]map[string]*cellResult) string {
	var b strings.Builder
	b.WriteString(reliabilityIntro)

	b.WriteString("## Overview\n\nRows are faults, columns operations. ✓ the operation succeeded, ✗ it failed with a " +
		"diagnostic naming the job and the cause; the details below quote it.\n\n| Fault |")
	for _, r := range matrixRows {
		fmt.Fprintf(&b, " %s |", shortRowTitle(r))
	}
	b.WriteString("\n|---|")
	for range matrixRows {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, f := range matrixFaults {
		fmt.Fprintf(&b, "| %s |", f.title)
		for _, r := range matrixRows {
			fmt.Fprintf(&b, " %s |", summaryText(r, results[r.key][f.key]))
		}
		b.WriteString("\n")
	}

	b.WriteString("\n## Details\n\nOutcome: what Terraform reported (for a failure, the diagnostic's summary and the " +
		"key part of its detail; request IDs and local addresses left out). Requests: what the emulator received " +
		"while the provider performed the operation, by kind (`iam` is a token request; `get` after a create, a stop " +
		"or a restart is the provider polling the job's status). Time: how long the provider took for the " +
		"operation. Requests and time are measured anew by every run and vary a little; the outcomes do not.\n")
	for _, r := range matrixRows {
		fmt.Fprintf(&b, "\n### %s\n\nFaults hit `%s`.\n\n| Fault | Injected | Outcome | Requests | Time |\n|---|---|---|---|---|\n",
			r.title, r.request)
		for _, f := range matrixFaults {
			res := results[r.key][f.key]
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %.2f s |\n", f.title, markdownCell(f.injected),
				markdownCell(outcomeText(r, res)), requestsText(res), res.duration.Seconds())
		}
	}
	return b.String()
}

func shortRowTitle(r *matrixRow) string {
	return map[string]string{
		"data_source": "Data source", "list": "List data source", "create": "Create", "read": "Read",
		"update": "Update", "stop": "Stop", "restart": "Restart", "delete": "Delete",
	}[r.key]
}

// stableView blanks the columns of the document that vary between runs
// (Requests and Time), leaving what the comparison is about.
func stableView(doc string) string {
	var out []string
	var volatile map[int]bool
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "|") {
			volatile = nil
			out = append(out, line)
			continue
		}
		cells := strings.Split(line, " | ")
		if volatile == nil {
			volatile = map[int]bool{}
			for i, cell := range cells {
				name := strings.Trim(cell, "| ")
				if name == "Requests" || name == "Time" {
					volatile[i] = true
				}
			}
		}
		for i := range cells {
			if volatile[i] {
				cells[i] = "…"
			}
		}
		out = append(out, strings.Join(cells, " | "))
	}
	return strings.Join(out, "\n")
}

func firstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d is\n\t%s\nbut measured\n\t%s", i+1, wl, gl)
		}
	}
	return "none"
}

// reliabilityIntro is the fixed part of docs/reliability.md: the retry
// policy the measured outcomes follow from.
const reliabilityIntro = `# Reliability under faults

<!-- Generated by TestFaultMatrix (internal/provider/fault_matrix_test.go); do not edit by hand. Rewrite it with
     go test ./internal/provider -run TestFaultMatrix -update-fault-matrix
     Without the flag the test fails when the outcomes below differ from the ones it measures. -->

The provider runs unattended in pipelines, so it must survive what networks and API gateways do: throttle, time out,
drop connections, answer with an HTML page, or refuse credentials. This page shows, for every operation and every
fault, what happens: success after how many retries, or which error. Every cell is a test: the real Terraform CLI runs
the provider (through ` + "`terraform-plugin-testing`" + `) against the project's ModelArts emulator, which injects
the fault; the test asserts the outcome, the number of requests and that a failure's diagnostic names the job and the
cause. No cell may panic, hang past its timeout or crash the plugin.

## Retry policy

- **Retried for every request:** HTTP 429 (throttled) and 503 (unavailable): the gateway refused the request before
  the service acted on it, so even a create can be sent again. Also failures before anything was sent (a refused
  connection, a temporary DNS failure, the IAM token request failing with 429 or 5xx).
- **Retried only for idempotent requests** (reads, the description update ` + "`PUT`" + `, ` + "`DELETE`" + `): HTTP 502
  and 504 (also with a non-JSON HTML page from a proxy), a reset or closed connection, and a 2xx answer whose body is
  cut short. The service may have acted on such a request; sending a read, a ` + "`PUT`" + ` of the same description
  or a ` + "`DELETE`" + ` again does no harm (a second ` + "`DELETE`" + ` answering "not found" counts as success).
- **Never retried:** HTTP 500 (ModelArts' own internal error, ModelArts.0010), any other 4xx, and a 200 whose body
  says ` + "`\"is_success\": false`" + `: these are answers, and sending the request again would get the same one.
  The diagnostic quotes the HTTP status, the ModelArts error code and message, and the request ID.
- **Backoff:** exponential with full jitter, the wait before retry *k* random in [0, min(30 s, 0.5 s × 2^(k−1))].
  ` + "`Retry-After`" + ` (seconds or an HTTP date) replaces the computed wait, capped at 2 minutes. A request is
  retried at most ` + "`max_retries`" + ` times (provider argument or ` + "`HW_MAX_RETRIES`" + `, default 5, 0 to 50);
  the budget counts per request, not per run.
- **Timeouts:** the ` + "`timeouts`" + ` block (read 5 minutes, create, update and delete 20 minutes by default) bounds
  the whole operation: every attempt, every backoff wait and the polling for the job's status. A wait that would end
  after the deadline is not started; the diagnostic then says that the operation did not finish within its timeout and
  quotes the last answer.
- **Create is not idempotent:** the client sends ` + "`POST`" + ` again only after 429 or 503, which say the service did
  not act. When the answer is lost (a reset connection, a truncated body, 500, 502, 504 or the create timeout), the
  provider lists the jobs with the same name and adopts the one that appeared since it listed them before creating.
  If none did and the failure was transient (a reset, a cut-off answer, 502 or 504), it sends the create again, at most
  3 times in all; after a 500 it reports the error. One apply never makes two jobs. A create that runs into its timeout
  is looked up once more with a short grace period, so a job whose answer came too late is saved in the state as
  tainted and replaced by the next apply, never orphaned
  (` + "`TestFaultMatrix_createAnswerPastTimeoutLeavesNoOrphan`" + `).
- **Stop and restart are not idempotent either** (a second stop of a stopping job is refused): the client sends them
  again only after 429 or 503. After a 502, a 504 or a lost answer the provider reads the job: if its status shows the
  stop or restart took effect, it waits for the job as usual; if not, it sends the request again (at most 3 times).
- **Expired tokens:** with IAM password authentication the token is renewed 5 minutes before it expires; a 401 from
  ModelArts drops it, and the request is sent once more with a new token (for a create too: the gateway refused it
  before the service saw it). A ready ` + "`token`" + ` cannot be renewed, and AK/SK signatures need none.
- **Clock skew:** AK/SK signatures carry ` + "`X-Sdk-Date`" + `; the gateway refuses one more than 15 minutes away from
  its clock (HTTP 401, APIG.0301). That is not retried; the diagnostic says to check the clock.

## How the matrix is measured

Each cell has its own emulator (AK/SK authentication unless the fault needs another; jobs start and stop in
100 ms) and runs the operation once through Terraform: the data sources in a plan-only step; the create in an apply;
the refresh in the plan after an import; the update, stop, restart and delete in an apply after the job was imported.
The fault is put in place just before that step and removed as soon as the provider finishes the operation, so
"persistent" means for the whole operation, and "N times" means the first N requests of the operation's kind. A
cell that succeeds then also passes Terraform's checks that the state matches the configuration (no diff after
apply and refresh).

Under load, ` + "`TestLoad_fiveHundredDataSourcesWithFaults`" + ` plans 500 ` + "`modelarts_visualization_job`" + ` data
sources while about one answer in ten fails (8% HTTP 503, 2% HTTP 429 with ` + "`Retry-After`" + `, drawn from a fixed
seed): the plan must succeed, every job must be read with the right values, and the faulted run may send at most 25%
more requests than a run without faults (about 11% more are expected), so retries stay bounded.

`

// slowAnswerHandler performs every create at once but holds its answer back
// until the client gives up: a gateway that is slow on the way back. The
// emulator's latency fault cannot model it, since it delays before the
// operation.
type slowAnswerHandler struct {
	emu  *emulator.Emulator
	slow atomic.Bool
}

func (h *slowAnswerHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.slow.Load() || requestOp(r.Method, r.URL.Path) != "create" {
		h.emu.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	h.emu.ServeHTTP(rec, r)
	select {
	case <-r.Context().Done():
		return
	case <-time.After(matrixLatency):
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// A create whose answer does not arrive within the create timeout may still
// have made the job. The provider must not forget it: the next apply must
// find exactly one job of that name, not a second one beside an orphan.
func TestFaultMatrix_createAnswerPastTimeoutLeavesNoOrphan(t *testing.T) {
	t.Parallel()
	emu := emulator.New(emulator.Config{StartDelay: 100 * time.Millisecond, StopDelay: 100 * time.Millisecond})
	h := &slowAnswerHandler{emu: emu}
	h.slow.Store(true)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	env := &testEnv{emu: emu, url: srv.URL}
	cfg := env.providerBlock("aksk") + `resource "modelarts_visualization_job" "tb" {
  job_name  = "tb-slow"
  train_url = "/bucket/slow/"
  timeouts {
    create = "2s"
  }
}
`
	jobsNamed := func(name string) int {
		n := 0
		for _, j := range emu.Jobs() {
			if j.JobName == name {
				n++
			}
		}
		return n
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy: func(*terraform.State) error {
			if n := jobsNamed("tb-slow"); n != 0 {
				return fmt.Errorf("%d jobs named tb-slow outlived the destroy", n)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: cfg,
				// The job the late answer made is found by name and saved
				// as tainted: the next apply replaces it instead of making
				// a second one beside an orphan.
				ExpectError: errRe(`Visualization Job Did Not Start.*did not finish within its timeout of 2s.*tainted`),
			},
			{
				PreConfig: func() { h.slow.Store(false) },
				Config:    cfg,
				Check: func(*terraform.State) error {
					if n := jobsNamed("tb-slow"); n != 1 {
						return fmt.Errorf("%d jobs named tb-slow after the second apply, want 1", n)
					}
					return nil
				},
			},
		},
	})
}

// The document check must ignore what varies between runs and nothing else.
func TestFaultMatrix_docComparesOutcomesOnly(t *testing.T) {
	// iam requests change the Requests column but no outcome.
	results := func(d time.Duration, iam int, detail string) map[string]map[string]*cellResult {
		m := map[string]map[string]*cellResult{}
		for _, r := range matrixRows {
			m[r.key] = map[string]*cellResult{}
			for _, f := range matrixFaults {
				m[r.key][f.key] = &cellResult{duration: d, counts: map[string]int{r.op: 1, "iam": iam}}
			}
		}
		m["stop"]["500"].summary, m["stop"]["500"].detail = "Unable to Update Visualization Job", detail
		return m
	}
	const detail = "Could not update visualization job \"8992\".\n\nModelArts answered HTTP 500 with error code " +
		"ModelArts.0010: boom (request ID %s).\n\nTry again."
	base := stableView(renderReliabilityDoc(results(time.Second, 2, fmt.Sprintf(detail, "aaa"))))
	if got := stableView(renderReliabilityDoc(results(3*time.Second, 5, fmt.Sprintf(detail, "bbb")))); got != base {
		t.Errorf("times, request counts or request IDs changed the compared view: %s", firstDifference(base, got))
	}
	changed := results(time.Second, 2, strings.Replace(fmt.Sprintf(detail, "aaa"), "HTTP 500", "HTTP 502", 1))
	if got := stableView(renderReliabilityDoc(changed)); got == base {
		t.Error("a changed outcome left the compared view the same")
	}
	if !strings.Contains(base, `fails after 1 attempt: Unable to Update Visualization Job: Could not update visualization `+
		`job "8992": ModelArts answered HTTP 500 with error code ModelArts.0010: boom |`) {
		t.Errorf("the failed cell is not rendered as expected:\n%s", base)
	}
}

func TestFaultMatrix_detailKeyDropsLocalAddresses(t *testing.T) {
	got := detailKey("Could not update visualization job \"8992\".\n\nThe request did not get an answer from " +
		"ModelArts: stopping: stopping visualization job \"8992\": Post \"http://127.0.0.1:40123/v1/p/visualization-jobs/8992/stop\": " +
		"read tcp 127.0.0.1:51234->127.0.0.1:40123: read: connection reset by peer.\n\nCheck the endpoint.")
	want := `Could not update visualization job "8992": The request did not get an answer from ModelArts: … connection reset by peer`
	if got != want {
		t.Errorf("detailKey = %q, want %q", got, want)
	}
	got = detailKey("Could not read visualization job \"8992\".\n\nThe operation did not finish within its timeout of 2s. " +
		"Full error: getting visualization job \"8992\": context deadline exceeded.\n\nIncrease the timeout.")
	want = `Could not read visualization job "8992": The operation did not finish within its timeout of 2s`
	if got != want {
		t.Errorf("detailKey = %q, want %q", got, want)
	}
}
