package emulator

import (
	"cmp"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
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
)

var faultKindNames = map[FaultKind]string{
	FaultLatency: "latency", FaultStatus: "status", FaultReset: "reset", FaultResetAfter: "reset-after",
	FaultTruncate: "truncate", FaultNonJSON: "non-json", FaultNotSuccess: "not-success",
}

// String returns the name ParseFault accepts for the kind.
func (k FaultKind) String() string {
	if n, ok := faultKindNames[k]; ok {
		return n
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}

// after reports whether the operation runs before the fault acts.
func (k FaultKind) after() bool { return k == FaultResetAfter || k == FaultTruncate }

// Fault is a failure injected into matching requests, before the request is
// authenticated (FaultResetAfter and FaultTruncate act after the operation).
// Faults are tried in the order added: every firing latency fault sleeps, and
// the first other fault that fires answers the request.
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
	// Latency is how long FaultLatency sleeps.
	Latency time.Duration
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
		if (f.Op != "" && f.Op != rt.op) || (f.JobID != "" && f.JobID != rt.jobID) {
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
	}
}

// applyAfterFault loses or truncates the captured answer of an operation.
func (e *Emulator) applyAfterFault(c *call, f *faultState, captured *captureWriter) {
	if f.Kind == FaultResetAfter {
		c.status = 0
		c.drop = resetConn
		return
	}
	h := c.w.Header()
	for k, v := range captured.header {
		h[k] = v
	}
	if f.RetryAfter != "" {
		h.Set("Retry-After", f.RetryAfter)
	}
	h.Set("Content-Length", strconv.Itoa(len(captured.body)))
	c.w.WriteHeader(captured.status)
	c.status = captured.status
	_, _ = c.w.Write(captured.body[:len(captured.body)/2])
	if fl, ok := c.w.(http.Flusher); ok {
		fl.Flush()
	}
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
//	kind=status|latency|reset|reset-after|truncate|non-json|not-success
//	status=503  code=APIG.0202  retry-after=1  latency=500ms
//	op=get  job=8992  skip=1  times=2  probability=0.3
//
// Without kind, status= means a status fault and latency= a latency fault.
// Example: "status=503,times=2,op=get,retry-after=1".
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
	return f, nil
}
