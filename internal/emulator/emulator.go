// Package emulator is a local, in-memory ModelArts visualization-job service
// with the IAM token endpoint and the API gateway's authentication in front of
// it. It implements the wire protocol on its own, from the project's API
// notes (shared/modelarts-api.md), and shares no code with internal/client,
// so that a client mistake shows up as a failed request instead of being
// mirrored by the server.
//
// An *Emulator is an http.Handler: tests mount it with httptest.NewServer, the
// modelarts-emulator command serves it on a port. Job lifecycles are computed
// from timestamps when a job is read, so no goroutine runs per job and a test
// can move the clock through Config.Now.
package emulator

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Default identity of the emulator. They are public test values, shared with
// the client and provider tests; none of them is a secret.
const (
	DefaultProjectID     = "0123456789abcdef0123456789abcdef"
	DefaultProjectName   = "eu-de"
	DefaultAccessKey     = "EMULATORACCESSKEY"
	DefaultSecretKey     = "emulator-secret-key"
	DefaultTempAccessKey = "EMULATORTEMPKEY"
	DefaultTempSecretKey = "emulator-temp-secret"
	DefaultSecurityToken = "emulator-security-token"
	DefaultUser          = "emulator-user"
	DefaultPassword      = "emulator-password"
	DefaultDomain        = "emulator-domain"
	DefaultToken         = "emulator-static-token"
)

// Defaults of the other Config fields.
const (
	DefaultConsoleHost = "console.emulator.local"
	DefaultTokenTTL    = 24 * time.Hour
	DefaultStartDelay  = 200 * time.Millisecond
	DefaultStopDelay   = 200 * time.Millisecond
	DefaultHourScale   = time.Second
	DefaultQuota       = 10
	DefaultMaxJobs     = 10000
)

const (
	maxBodyBytes      = 1 << 20
	maxRequestRecords = 100000
	// signatureClockSkewMax is how far x-sdk-date may be from the clock.
	signatureClockSkewMax = 15 * time.Minute
)

// Config sets the identity, timings and behaviour of an Emulator. Every zero
// field takes the matching Default* value, so Config{} is a working emulator.
type Config struct {
	// ProjectID and ProjectName (the region, e.g. "eu-de") identify the only
	// project the emulator serves.
	ProjectID, ProjectName string
	// AccessKey and SecretKey are the permanent AK/SK pair.
	AccessKey, SecretKey string
	// TempAccessKey and TempSecretKey are a temporary AK/SK pair: requests
	// signed with them must also carry, and sign, X-Security-Token equal to
	// SecurityToken.
	TempAccessKey, TempSecretKey, SecurityToken string
	// User, Password and Domain are the IAM password identity accepted by
	// POST /v3/auth/tokens.
	User, Password, Domain string
	// Token is a ready X-Auth-Token that is always accepted and never expires
	// (ExpireTokens does not touch it).
	Token string
	// TokenTTL is the lifetime of tokens issued by the IAM endpoint.
	TokenTTL time.Duration
	// StartDelay is how long a created or restarted job takes to reach
	// RUNNING; it is INIT for the first half and WAITING for the second.
	// Negative means no delay.
	StartDelay time.Duration
	// StopDelay is how long a stopped job stays KILLING before it is
	// CANCELED. Negative means no delay.
	StopDelay time.Duration
	// DeleteDelay is how long a deleted job stays visible (in its last
	// status) before it disappears. Zero or negative: it disappears at once.
	DeleteDelay time.Duration
	// HourScale is how long one hour of schedule.duration (auto-stop) lasts.
	HourScale time.Duration
	// Quota is the maximum number of running jobs (the "quotas" of List);
	// create or restart beyond it answers 400 ModelArts.0118. Negative
	// means zero.
	Quota int
	// MaxJobs is the total number of jobs that may exist; List reports
	// MaxJobs minus the jobs that exist as job_count_limit. Negative means
	// zero.
	MaxJobs int
	// ConsoleHost is the host of the generated service_url.
	ConsoleHost string
	// NumbersAsStrings writes job_id, status, create_time and duration as
	// JSON strings, as the samples of the public docs do.
	NumbersAsStrings bool
	// Now is the emulator's clock; nil means time.Now. Tests set it to
	// exercise x-sdk-date skew, token expiry and lifecycles.
	Now func() time.Time
	// Seed, when non-zero, makes Fault.Probability effective, with a
	// pseudo-random sequence fixed by the seed.
	Seed int64
	// RateLimit is the number of requests per second allowed, with a burst
	// of the same size (at least 1); beyond it the gateway answers 429 with
	// Retry-After. Zero means unlimited.
	RateLimit float64
	// Logf, when set, receives one line per request: method, path, op,
	// status and authentication kind, never a credential.
	Logf func(format string, args ...any)
	// OnChange, when set, is called after every request that changed a job
	// (create, modify, delete, stop, restart), before the answer is sent,
	// outside the emulator's lock but with changes serialised: no other
	// change runs until it returns. The command uses it to save its state
	// file. When it returns an error the change is undone (a created job
	// and its ID are forgotten, a modified, stopped, restarted or deleted
	// job is put back as it was) and the request is answered 500
	// ModelArts.0010, so the emulator never acknowledges, nor keeps, a change
	// its file does not have. It must not call Seed, LoadState or DeleteJob.
	OnChange func() error
}

// Emulator is a ModelArts visualization-job service with IAM in front of it.
// It is safe for concurrent use. Create it with New.
type Emulator struct {
	cfg       Config
	requestID atomic.Uint64
	idPrefix  string

	mu             sync.Mutex
	jobs           map[int64]*job
	nextID         int64
	nextFailure    int64 // status the next created job fails into; 0: none
	pendingDeletes int
	tokens         map[string]issuedToken
	records        []RequestRecord
	counts         map[string]int

	faultMu sync.Mutex
	faults  []*faultState
	rng     *mrand.Rand

	limiter *limiter
	saveMu  sync.Mutex
	// changeMu serialises changes with their OnChange, so that a change
	// whose save failed can be undone without undoing another's.
	changeMu sync.Mutex

	done      chan struct{} // closed by Close
	closeOnce sync.Once
}

// RequestRecord describes one request the emulator received.
type RequestRecord struct {
	// Method and Path are the request's method and URL path (no query).
	Method, Path string
	// Op is "get", "list", "create", "update", "delete", "stop", "restart"
	// or "iam"; empty for an unknown path or a method the path does not
	// allow.
	Op string
	// JobID is the job ID as written in the path, if any.
	JobID string
	// Status is the HTTP status answered; 0 when the connection was closed
	// without an answer (FaultReset, FaultResetAfter) or the client left
	// during a latency fault.
	Status int
	// Auth is the authentication scheme the request attempted: "aksk",
	// "aksk-legacy", "temp-aksk", "token", "iam", or "" when it carried none
	// or was not authenticated because it failed earlier (unknown path,
	// fault, throttling). A rejected request keeps the scheme it tried.
	Auth string
}

// New returns an emulator with no jobs. Zero fields of cfg take defaults.
func New(cfg Config) *Emulator {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&cfg.ProjectID, DefaultProjectID)
	def(&cfg.ProjectName, DefaultProjectName)
	def(&cfg.AccessKey, DefaultAccessKey)
	def(&cfg.SecretKey, DefaultSecretKey)
	def(&cfg.TempAccessKey, DefaultTempAccessKey)
	def(&cfg.TempSecretKey, DefaultTempSecretKey)
	def(&cfg.SecurityToken, DefaultSecurityToken)
	def(&cfg.User, DefaultUser)
	def(&cfg.Password, DefaultPassword)
	def(&cfg.Domain, DefaultDomain)
	def(&cfg.Token, DefaultToken)
	def(&cfg.ConsoleHost, DefaultConsoleHost)
	dur := func(d *time.Duration, v time.Duration) {
		switch {
		case *d == 0:
			*d = v
		case *d < 0:
			*d = 0
		}
	}
	dur(&cfg.StartDelay, DefaultStartDelay)
	dur(&cfg.StopDelay, DefaultStopDelay)
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.HourScale <= 0 {
		cfg.HourScale = DefaultHourScale
	}
	if cfg.DeleteDelay < 0 {
		cfg.DeleteDelay = 0
	}
	switch {
	case cfg.Quota == 0:
		cfg.Quota = DefaultQuota
	case cfg.Quota < 0:
		cfg.Quota = 0
	}
	switch {
	case cfg.MaxJobs == 0:
		cfg.MaxJobs = DefaultMaxJobs
	case cfg.MaxJobs < 0:
		cfg.MaxJobs = 0
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	var prefix [4]byte
	_, _ = rand.Read(prefix[:])
	e := &Emulator{
		cfg:      cfg,
		idPrefix: hex.EncodeToString(prefix[:]),
		jobs:     map[int64]*job{},
		nextID:   1,
		tokens:   map[string]issuedToken{},
		counts:   map[string]int{},
		rng:      mrand.New(mrand.NewPCG(uint64(cfg.Seed), 0x6d6f64656c617274)),
		done:     make(chan struct{}),
	}
	if cfg.RateLimit > 0 {
		e.limiter = newLimiter(cfg.RateLimit, cfg.Now())
	}
	return e
}

func (e *Emulator) now() time.Time { return e.cfg.Now() }

// Close releases every request held by FaultHang, FaultDrip or FaultLatency:
// each ends at once and its connection is closed without (the rest of) an
// answer. A server's Shutdown, or httptest.Server.Close, waits for running
// handlers, so call Close first. Requests that arrive later are served, but
// those faults no longer wait. Close may be called more than once.
func (e *Emulator) Close() {
	e.closeOnce.Do(func() { close(e.done) })
}

func (e *Emulator) logf(format string, args ...any) {
	if e.cfg.Logf != nil {
		e.cfg.Logf(format, args...)
	}
}

// route is what the path and method of a request designate.
type route struct {
	known   bool   // the path is one the service has
	op      string // "" when the method is not allowed on a known path
	allow   string // methods the path allows, for 405's Allow header
	project string
	jobID   string
}

func parseRoute(method, path string) route {
	seg := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for _, s := range seg {
		if s == "" {
			// Empty segments (a trailing slash, "//") are not the API's
			// paths; answering 404 catches a client that builds them.
			return route{}
		}
	}
	pick := func(rt route, ops map[string]string, allow string) route {
		rt.known = true
		rt.allow = allow
		rt.op = ops[method]
		return rt
	}
	switch {
	case len(seg) == 3 && seg[0] == "v3" && seg[1] == "auth" && seg[2] == "tokens":
		return pick(route{}, map[string]string{http.MethodPost: "iam"}, "POST")
	case len(seg) < 3 || seg[0] != "v1" || seg[2] != "visualization-jobs":
		return route{}
	case len(seg) == 3:
		return pick(route{project: seg[1]}, map[string]string{http.MethodGet: "list", http.MethodPost: "create"}, "GET, POST")
	case len(seg) == 4:
		return pick(route{project: seg[1], jobID: seg[3]},
			map[string]string{http.MethodGet: "get", http.MethodPut: "update", http.MethodDelete: "delete"}, "GET, PUT, DELETE")
	case len(seg) == 5 && (seg[4] == "stop" || seg[4] == "restart"):
		return pick(route{project: seg[1], jobID: seg[3]}, map[string]string{http.MethodPost: seg[4]}, "POST")
	}
	return route{}
}

// call is one request being served.
type call struct {
	w         http.ResponseWriter
	r         *http.Request
	route     route
	requestID string
	body      []byte // read before the faults act (see serve)
	bodyErr   error
	fault     *Fault // a fault that shapes the operation (FaultKind.shapes)
	status    int
	auth      string
	drop      dropMode
}

// dropMode is how a fault ends the connection once the request is recorded.
type dropMode int

const (
	keepConn dropMode = iota
	endConn           // close after what was written
	resetConn
)

// answerWriteTimeout bounds the writing of one answer (or one dripped
// byte) to a client that does not read. It stands in for the server's
// WriteTimeout, which counts from the end of the request and so would cut the
// deliberate delays of FaultLatency, FaultHang and FaultDrip.
const answerWriteTimeout = time.Minute

// setWriteDeadline gives the next write answerWriteTimeout plus extra. Where
// the writer has no deadline (a test's recorder, a captured answer) it does
// nothing.
func (c *call) setWriteDeadline(extra time.Duration) {
	_ = http.NewResponseController(c.w).SetWriteDeadline(time.Now().Add(answerWriteTimeout + extra))
}

func (c *call) writeJSON(status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"is_success":false,"error_code":"ModelArts.0010","error_message":"internal error"}`)
	}
	c.writeBody(status, b)
}

// writeBody answers status with a JSON body already encoded.
func (c *call) writeBody(status int, b []byte) {
	c.setWriteDeadline(0)
	h := c.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	c.w.WriteHeader(status)
	c.status = status
	_, _ = c.w.Write(b)
}

// modelArtsError answers in the service's error shape.
func (c *call) modelArtsError(status int, code, msg string) {
	c.writeJSON(status, map[string]any{"is_success": false, "error_code": code, "error_message": msg})
}

// gatewayError answers in the API gateway's error shape (no is_success: the
// gateway answers before the service sees the request).
func (c *call) gatewayError(status int, code, msg string) {
	c.writeJSON(status, map[string]any{"error_code": code, "error_msg": msg, "request_id": c.requestID})
}

// ServeHTTP serves the ModelArts visualization-job API under /v1 and the IAM
// token endpoint POST /v3/auth/tokens. Each request passes, in order: the rate
// limit, the faults, routing (404/405), authentication, the project check and
// the operation.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	c := &call{w: w, r: r, route: parseRoute(r.Method, r.URL.Path), requestID: e.newRequestID()}
	w.Header().Set("X-Request-Id", c.requestID)
	e.serve(c)
	// Recorded before a faulted connection is dropped, so that a test which
	// sees the client fail also sees the record.
	e.record(RequestRecord{Method: r.Method, Path: r.URL.Path, Op: c.route.op, JobID: c.route.jobID, Status: c.status, Auth: c.auth})
	e.logf("%s %s op=%s job=%s auth=%s status=%d request_id=%s in %s",
		r.Method, r.URL.Path, c.route.op, c.route.jobID, c.auth, c.status, c.requestID, time.Since(start).Round(time.Microsecond))
	if c.drop != keepConn {
		closeConn(w, c.drop == resetConn)
	}
}

// serve applies the rate limit and the faults, then handles the request.
func (e *Emulator) serve(c *call) {
	if e.limiter != nil {
		if ok, retry := e.limiter.take(e.now()); !ok {
			c.w.Header().Set("Retry-After", strconv.Itoa(retry))
			c.gatewayError(http.StatusTooManyRequests, "APIG.0308", "The request is throttled")
			return
		}
	}
	// The body is read before any fault waits: the server's ReadTimeout
	// covers the request until its body is read, and must not cut a
	// deliberate delay.
	c.body, c.bodyErr = io.ReadAll(io.LimitReader(c.r.Body, maxBodyBytes+1))
	f, latency := e.pickFault(c.route)
	if latency > 0 && !e.wait(c, latency) {
		return
	}
	switch {
	case f == nil:
		e.handle(c)
	case f.Kind == FaultHang:
		e.hang(c)
	case f.Kind.shapes():
		c.fault = &f.Fault
		e.handle(c)
	case !f.Kind.after():
		e.applyFault(c, f)
	default:
		// The operation is performed, its answer captured and then lost
		// (FaultResetAfter) or cut short (FaultTruncate).
		w := c.w
		cw := &captureWriter{header: http.Header{}}
		c.w = cw
		e.handle(c)
		c.w = w
		e.applyAfterFault(c, f, cw)
	}
}

func (e *Emulator) newRequestID() string {
	return fmt.Sprintf("%s%024x", e.idPrefix, e.requestID.Add(1))
}

// handle routes, authenticates and performs the operation.
func (e *Emulator) handle(c *call) {
	// Unknown paths and methods are the API gateway's answers: its shape,
	// without is_success.
	if !c.route.known {
		c.gatewayError(http.StatusNotFound, "APIG.0101", "The API does not exist or has not been published in the environment.")
		return
	}
	if c.route.op == "" {
		c.w.Header().Set("Allow", c.route.allow)
		c.gatewayError(http.StatusMethodNotAllowed, "APIG.0101", "The API does not exist: method "+c.r.Method+" is not allowed here.")
		return
	}
	body := c.body
	if c.bodyErr != nil {
		c.gatewayError(http.StatusBadRequest, "APIG.0201", "API request error: reading the body failed.")
		return
	}
	if len(body) > maxBodyBytes {
		c.gatewayError(http.StatusRequestEntityTooLarge, "APIG.0201", "Request entity too large.")
		return
	}
	if c.route.op == "iam" {
		c.auth = "iam"
		e.handleIAM(c, body)
		return
	}
	project, ok := e.authenticate(c, body)
	if !ok {
		return
	}
	if c.route.project != project {
		c.modelArtsError(http.StatusBadRequest, "ModelArts.0210",
			fmt.Sprintf("Invalid project ID %q: the credentials belong to project %s.", c.route.project, project))
		return
	}
	if h := c.r.Header.Get("X-Project-Id"); h != "" && h != project {
		c.modelArtsError(http.StatusBadRequest, "ModelArts.0210",
			fmt.Sprintf("Invalid project ID %q in X-Project-Id: the credentials belong to project %s.", h, project))
		return
	}
	switch c.route.op {
	case "list":
		e.listJobs(c)
		return
	case "create":
		e.createJob(c, body)
		return
	}
	id, err := strconv.ParseInt(c.route.jobID, 10, 64)
	if err != nil || id <= 0 {
		c.modelArtsError(http.StatusBadRequest, "ModelArts.0101",
			fmt.Sprintf("Invalid argument: job_id %q is not a positive integer.", c.route.jobID))
		return
	}
	switch c.route.op {
	case "get":
		e.getJob(c, id)
	case "update":
		e.updateJob(c, id, body)
	case "delete":
		e.deleteJob(c, id)
	case "stop":
		e.stopJob(c, id)
	case "restart":
		e.restartJob(c, id)
	}
}

func (e *Emulator) record(rec RequestRecord) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.records) >= maxRequestRecords {
		// A long-running command must not grow without bound: keep the
		// newest half. The per-op counters stay exact.
		n := copy(e.records, e.records[len(e.records)/2:])
		e.records = e.records[:n]
	}
	e.records = append(e.records, rec)
	e.counts[""]++
	if rec.Op != "" {
		e.counts[rec.Op]++
	}
}

// Requests returns every request received since New or ResetRequests,
// including faulted, throttled and rejected ones, oldest first. Beyond
// 100,000 records the oldest are dropped.
func (e *Emulator) Requests() []RequestRecord {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]RequestRecord(nil), e.records...)
}

// RequestCount returns how many requests of an operation ("get", "iam", ...)
// were received; "" counts every request.
func (e *Emulator) RequestCount(op string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.counts[op]
}

// ResetRequests forgets the requests received so far.
func (e *Emulator) ResetRequests() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.records = nil
	e.counts = map[string]int{}
}

// captureWriter keeps an answer instead of sending it.
type captureWriter struct {
	header http.Header
	status int
	body   []byte
}

func (w *captureWriter) Header() http.Header { return w.header }

func (w *captureWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *captureWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body = append(w.body, b...)
	return len(b), nil
}

// limiter is a token bucket: burst = rate (at least 1), refilled at rate
// tokens per second.
type limiter struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func newLimiter(rate float64, now time.Time) *limiter {
	burst := math.Max(1, rate)
	return &limiter{rate: rate, burst: burst, tokens: burst, last: now}
}

// take consumes one token; when none is left it reports how many whole
// seconds (at least 1) until one is.
func (l *limiter) take(now time.Time) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if elapsed := now.Sub(l.last); elapsed > 0 {
		l.tokens = math.Min(l.burst, l.tokens+elapsed.Seconds()*l.rate)
	}
	l.last = now
	if l.tokens >= 1 {
		l.tokens--
		return true, 0
	}
	wait := int(math.Ceil((1 - l.tokens) / l.rate))
	return false, max(wait, 1)
}

var errTrailingData = errors.New("data after the JSON value")

// decodeStrict decodes exactly one JSON value into v, refusing unknown fields
// so that a client sending a misspelt parameter hears about it.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errTrailingData
	}
	return nil
}
