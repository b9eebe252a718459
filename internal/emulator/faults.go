package emulator

import (
	"cmp"
	"fmt"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Defaults of the Fault fields the newer kinds read.
const (
	defaultDripPause   = time.Second
	defaultHugeTotal   = 1_000_000_000_000
	wrongJobIDDistance = 1000
)

// FaultKind is what a Fault does to a request.
type FaultKind int

// Fault kinds. The zero FaultKind is not a fault: AddFault ignores it.
const (
	// FaultLatency sleeps Fault.Latency (or until the client leaves), then
	// lets the request through. Latency faults add up and combine with one
	// other fault.
	FaultLatency FaultKind = iota + 1
	// FaultStatus answers Fault.Status (default 500) with a JSON error body
	// carrying Fault.Code: an "APIG." code gets the gateway's shape, any
	// other the service's shape with is_success false.
	FaultStatus
	// FaultReset closes the connection (TCP reset) before answering; the
	// operation is not performed.
	FaultReset
	// FaultResetAfter performs the operation, then closes the connection
	// without answering: the lost response.
	FaultResetAfter
	// FaultTruncate performs the operation and sends its answer with the
	// full Content-Length but only half of the body, then closes.
	FaultTruncate
	// FaultNonJSON answers Fault.Status (default 502) with a text/html page,
	// as a load balancer in front of the gateway does.
	FaultNonJSON
	// FaultNotSuccess answers Fault.Status (default 200) with
	// {"is_success": false, "error_code": Fault.Code (default
	// ModelArts.0010), "error_message": ...}.
	FaultNotSuccess
	// FaultEmptyBody answers Fault.Status (default 404) with an empty body
	// and no Content-Type, as a misconfigured proxy does; the operation is
	// not performed.
	FaultEmptyBody
	// FaultWrongJobID performs a get or list, but the job_id of the details
	// answer (and of each list element) is Fault.BodyJobID, default the real
	// ID + 1000. It fires on get and list only.
	FaultWrongJobID
	// FaultDuplicateKey performs a get and answers the details with a second
	// key differing from job_id only by case, "Job_ID": Fault.BodyJobID
	// (default the real ID + 1000), written after the real job_id:
	// encoding/json matches keys case-insensitively and keeps the last one.
	// It fires on get only.
	FaultDuplicateKey
	// FaultIgnorePage performs a list but serves page 1 whatever page was
	// asked for, as a server that ignores the parameter does. It fires on
	// list only.
	FaultIgnorePage
	// FaultHugeTotal performs a list whose job_total_count is Fault.Total
	// (default 1,000,000,000,000); the jobs are the real ones. It fires on
	// list only.
	FaultHugeTotal
	// FaultNormalize stores and returns values the way a real cloud
	// plausibly normalises them: job_desc with surrounding white space
	// trimmed (create and the PUT of the description), train_url with a
	// trailing "/" added when missing and job_type in lower case ("TensorBoard"
	// is accepted as "tensorboard") (create). The normalised value is what
	// is stored, so every later read returns it, faulted or not; a job
	// created under the fault also carries job_type in its get and list
	// answers (a mark kept in memory, not in the state file). It fires on
	// create and update only.
	FaultNormalize
	// FaultHang accepts the request and never answers: the handler waits
	// until the client goes away or Emulator.Close is called, then closes
	// the connection. The operation is not performed.
	FaultHang
	// FaultDrip performs the operation, sends the status line and headers
	// (with the full Content-Length) at once, then writes the body one byte
	// per Fault.Latency (default 1s), flushing each byte, and stops (closing
	// the connection) when the client goes away or Emulator.Close is called.
	FaultDrip
)

var faultKindNames = map[FaultKind]string{
	FaultLatency: "latency", FaultStatus: "status", FaultReset: "reset", FaultResetAfter: "reset-after",
	FaultTruncate: "truncate", FaultNonJSON: "non-json", FaultNotSuccess: "not-success",
	FaultEmptyBody: "empty-body", FaultWrongJobID: "wrong-job-id", FaultDuplicateKey: "duplicate-key",
	FaultIgnorePage: "ignore-page", FaultHugeTotal: "huge-total", FaultNormalize: "normalize",
	FaultHang: "hang", FaultDrip: "drip",
}

// faultOps lists the operations a kind can act on; a kind not listed acts on
// every operation. A fault never matches (nor counts for Skip and Times) a
// request of an operation its kind cannot act on.
var faultOps = map[FaultKind][]string{
	FaultWrongJobID:   {"get", "list"},
	FaultDuplicateKey: {"get"},
	FaultIgnorePage:   {"list"},
	FaultHugeTotal:    {"list"},
	FaultNormalize:    {"create", "update"},
}

// actsOn reports whether a fault of kind k can act on a request of op.
func (k FaultKind) actsOn(op string) bool {
	ops, ok := faultOps[k]
	return !ok || slices.Contains(ops, op)
}

// shapes reports whether the kind lets the operation run and alters its
// answer (or what it stores) from inside.
func (k FaultKind) shapes() bool {
	_, ok := faultOps[k]
	return ok
}

// String returns the name ParseFault accepts for the kind.
func (k FaultKind) String() string {
	if n, ok := faultKindNames[k]; ok {
		return n
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}

// after reports whether the operation runs before the fault acts.
func (k FaultKind) after() bool { return k == FaultResetAfter || k == FaultTruncate || k == FaultDrip }

// Fault is a failure injected into matching requests, before the request is
// authenticated (FaultResetAfter, FaultTruncate and FaultDrip act after the
// operation; FaultWrongJobID, FaultDuplicateKey, FaultIgnorePage,
// FaultHugeTotal and FaultNormalize inside it). Faults are tried in the order
// added: every firing latency fault sleeps, and the first other fault that
// fires answers the request (so two non-latency faults never combine).
type Fault struct {
	Kind FaultKind
	// Op restricts the fault to one operation: "get", "list", "create",
	// "update", "delete", "stop", "restart" or "iam". Empty: every request.
	Op string
	// JobID restricts the fault to requests whose path names this job ID.
	JobID string
	// Status is the HTTP status of FaultStatus, FaultNonJSON and
	// FaultNotSuccess answers.
	Status int
	// Code is the error_code of FaultStatus and FaultNotSuccess answers.
	// FaultStatus defaults by status: 500 ModelArts.0010, 429 APIG.0308,
	// 502 and 503 APIG.0202, 504 APIG.0201, others APIG.0201 (4xx) or
	// APIG.0202 (5xx).
	Code string
	// RetryAfter, when set, is sent as the Retry-After header ("1" or an
	// HTTP date).
	RetryAfter string
	// Latency is how long FaultLatency sleeps, and for FaultDrip the pause
	// before each byte of the body (default 1s).
	Latency time.Duration
	// BodyJobID is the job_id FaultWrongJobID and FaultDuplicateKey write
	// into the answer; zero means the real ID + 1000.
	BodyJobID int64
	// Total is the job_total_count of FaultHugeTotal; zero means
	// 1,000,000,000,000.
	Total int64
	// Skip lets this many matching requests pass before the fault fires.
	Skip int
	// Times is how many times the fault fires; 0 means forever.
	Times int
	// Probability, when Config.Seed is non-zero and it is between 0 and 1
	// exclusive, fires the fault with this probability, drawn from the
	// seeded sequence. Otherwise the fault always fires.
	Probability float64
}

type faultState struct {
	Fault
	seen  int // matching requests, for Skip
	fired int // for Times
}

// AddFault adds a fault after those already added. A fault of an unknown
// kind is ignored (and logged).
func (e *Emulator) AddFault(f Fault) {
	if _, ok := faultKindNames[f.Kind]; !ok {
		e.logf("ignoring fault of unknown kind %d", f.Kind)
		return
	}
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	e.faults = append(e.faults, &faultState{Fault: f})
}

// ClearFaults removes every fault.
func (e *Emulator) ClearFaults() {
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	e.faults = nil
}

// pickFault returns the total latency to add and the fault, if any, that
// answers this request.
func (e *Emulator) pickFault(rt route) (*faultState, time.Duration) {
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	var latency time.Duration
	for _, f := range e.faults {
		if (f.Op != "" && f.Op != rt.op) || (f.JobID != "" && f.JobID != rt.jobID) || !f.Kind.actsOn(rt.op) {
			continue
		}
		f.seen++
		if f.seen <= f.Skip || (f.Times > 0 && f.fired >= f.Times) {
			continue
		}
		if e.cfg.Seed != 0 && f.Probability > 0 && f.Probability < 1 && e.rng.Float64() >= f.Probability {
			continue
		}
		f.fired++
		if f.Kind == FaultLatency {
			latency += f.Latency
			continue
		}
		return f, latency
	}
	return nil, latency
}

// defaultFaultCode is the error_code a FaultStatus answer carries by default.
func defaultFaultCode(status int) string {
	switch {
	case status == http.StatusInternalServerError:
		return "ModelArts.0010"
	case status == http.StatusTooManyRequests:
		return "APIG.0308"
	case status == http.StatusBadGateway || status == http.StatusServiceUnavailable:
		return "APIG.0202"
	case status < 500:
		return "APIG.0201"
	case status == http.StatusGatewayTimeout:
		return "APIG.0201"
	}
	return "APIG.0202"
}

// applyFault answers a request with a fault that acts before the operation.
func (e *Emulator) applyFault(c *call, f *faultState) {
	if f.RetryAfter != "" {
		c.w.Header().Set("Retry-After", f.RetryAfter)
	}
	switch f.Kind {
	case FaultReset:
		c.drop = resetConn
	case FaultStatus:
		status := cmp.Or(f.Status, http.StatusInternalServerError)
		code := cmp.Or(f.Code, defaultFaultCode(status))
		msg := fmt.Sprintf("injected fault: %d %s", status, http.StatusText(status))
		if strings.HasPrefix(code, "APIG.") {
			c.gatewayError(status, code, msg)
		} else {
			c.modelArtsError(status, code, msg)
		}
	case FaultNonJSON:
		status := cmp.Or(f.Status, http.StatusBadGateway)
		page := fmt.Sprintf("<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
			status, http.StatusText(status), status, http.StatusText(status))
		c.w.Header().Set("Content-Type", "text/html")
		c.w.Header().Set("Content-Length", strconv.Itoa(len(page)))
		c.w.WriteHeader(status)
		c.status = status
		_, _ = c.w.Write([]byte(page))
	case FaultNotSuccess:
		c.modelArtsError(cmp.Or(f.Status, http.StatusOK), cmp.Or(f.Code, "ModelArts.0010"), "injected fault: the service reported a failure")
	case FaultEmptyBody:
		status := cmp.Or(f.Status, http.StatusNotFound)
		c.w.Header().Set("Content-Length", "0")
		c.w.WriteHeader(status)
		c.status = status
	}
}

// hang holds a request without answering until the client leaves or the
// emulator is closed; then the connection is closed.
func (e *Emulator) hang(c *call) {
	select {
	case <-c.r.Context().Done():
	case <-e.done:
	}
	c.drop = endConn
}

// wait sleeps d, or less when the client leaves or the emulator is closed,
// and reports whether all of d passed. On Close the connection is to be
// closed without an answer.
func (e *Emulator) wait(c *call, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.r.Context().Done():
	case <-e.done:
		c.drop = endConn
	}
	return false
}

// bodyJobID is the job_id FaultWrongJobID and FaultDuplicateKey write for a
// job whose real ID is id.
func (f *Fault) bodyJobID(id int64) int64 {
	if f.BodyJobID != 0 {
		return f.BodyJobID
	}
	if id > math.MaxInt64-wrongJobIDDistance {
		return id - wrongJobIDDistance
	}
	return id + wrongJobIDDistance
}

// shaping returns the fault that alters the operation's answer when it is of
// kind k, else nil.
func (c *call) shaping(k FaultKind) *Fault {
	if c.fault != nil && c.fault.Kind == k {
		return c.fault
	}
	return nil
}

// applyAfterFault loses, truncates or drips the captured answer of an
// operation.
func (e *Emulator) applyAfterFault(c *call, f *faultState, captured *captureWriter) {
	if f.Kind == FaultResetAfter {
		c.status = 0
		c.drop = resetConn
		return
	}
	rc := http.NewResponseController(c.w)
	h := c.w.Header()
	for k, v := range captured.header {
		h[k] = v
	}
	if f.RetryAfter != "" {
		h.Set("Retry-After", f.RetryAfter)
	}
	h.Set("Content-Length", strconv.Itoa(len(captured.body)))
	c.setWriteDeadline(0)
	c.w.WriteHeader(captured.status)
	c.status = captured.status
	if f.Kind == FaultDrip {
		pause := cmp.Or(f.Latency, defaultDripPause)
		if rc.Flush() != nil {
			c.drop = endConn
			return
		}
		for i := range captured.body {
			if !e.wait(c, pause) {
				c.drop = endConn
				return
			}
			c.setWriteDeadline(0)
			if _, err := c.w.Write(captured.body[i : i+1]); err != nil || rc.Flush() != nil {
				c.drop = endConn
				return
			}
		}
		return
	}
	_, _ = c.w.Write(captured.body[:len(captured.body)/2])
	_ = rc.Flush()
	c.drop = endConn
}

// closeConn drops the client's connection: with a TCP reset when reset is
// set, else with a plain close after what was written so far. Where the
// connection cannot be taken over (HTTP/2), the handler aborts, which the
// server turns into a stream reset.
func closeConn(w http.ResponseWriter, reset bool) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			if tc, ok := conn.(*net.TCPConn); ok && reset {
				_ = tc.SetLinger(0)
			}
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// ParseFault parses the -fault syntax of the modelarts-emulator command:
// comma-separated key=value pairs.
//
//	kind=status|latency|reset|reset-after|truncate|non-json|not-success|
//	     empty-body|wrong-job-id|duplicate-key|ignore-page|huge-total|
//	     normalize|hang|drip
//	status=503  code=APIG.0202  retry-after=1  latency=500ms
//	body-job-id=777  total=1000000000000
//	op=get  job=8992  skip=1  times=2  probability=0.3
//
// Without kind, status= means a status fault and latency= a latency fault.
// An op= the kind cannot act on (kind=ignore-page,op=get) is an error.
// Examples:
//
//	status=503,times=2,op=get,retry-after=1   two 503s for reads
//	status=404,code=APIG.0101,job=8992        the gateway's "API does not exist" for one job's paths
//	status=404,code=ModelArts.0015,op=get,times=3   "does not exist" for the first 3 reads (after a create)
//	status=400,code=ModelArts.0105,op=delete  DELETE refused "wrong state" whatever the status
func ParseFault(spec string) (Fault, error) {
	var f Fault
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return f, fmt.Errorf("fault %q: %q is not key=value", spec, part)
		}
		var err error
		switch k {
		case "kind":
			f.Kind = 0
			for kind, name := range faultKindNames {
				if name == v {
					f.Kind = kind
				}
			}
			if f.Kind == 0 {
				err = fmt.Errorf("unknown kind %q", v)
			}
		case "status":
			f.Status, err = strconv.Atoi(v)
			if err == nil && (f.Status < 100 || f.Status > 599) {
				err = fmt.Errorf("status %d is not an HTTP status", f.Status)
			}
		case "code":
			f.Code = v
		case "retry-after":
			f.RetryAfter = v
		case "latency":
			f.Latency, err = time.ParseDuration(v)
			if err == nil && f.Latency < 0 {
				err = fmt.Errorf("latency %s is negative", v)
			}
		case "body-job-id":
			f.BodyJobID, err = strconv.ParseInt(v, 10, 64)
		case "total":
			f.Total, err = strconv.ParseInt(v, 10, 64)
		case "op":
			f.Op = v
			switch v {
			case "get", "list", "create", "update", "delete", "stop", "restart", "iam":
			default:
				err = fmt.Errorf("unknown op %q", v)
			}
		case "job":
			f.JobID = v
		case "skip":
			f.Skip, err = strconv.Atoi(v)
		case "times":
			f.Times, err = strconv.Atoi(v)
		case "probability":
			f.Probability, err = strconv.ParseFloat(v, 64)
			if err == nil && (f.Probability < 0 || f.Probability > 1) {
				err = fmt.Errorf("probability %v is not between 0 and 1", f.Probability)
			}
		default:
			err = fmt.Errorf("unknown key %q", k)
		}
		if err != nil {
			return Fault{}, fmt.Errorf("fault %q: %w", spec, err)
		}
	}
	if f.Kind == 0 {
		switch {
		case f.Status != 0:
			f.Kind = FaultStatus
		case f.Latency != 0:
			f.Kind = FaultLatency
		default:
			return Fault{}, fmt.Errorf("fault %q: say kind=..., or give status= or latency=", spec)
		}
	}
	if f.Skip < 0 || f.Times < 0 {
		return Fault{}, fmt.Errorf("fault %q: skip and times must not be negative", spec)
	}
	if f.Op != "" && !f.Kind.actsOn(f.Op) {
		return Fault{}, fmt.Errorf("fault %q: kind %s acts only on %s, not on op=%s", spec, f.Kind, strings.Join(faultOps[f.Kind], " and "), f.Op)
	}
	return f, nil
}
