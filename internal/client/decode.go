package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// The API's own samples write numbers as JSON strings ("job_id": "10") where the
// tables say Long, so every field is decoded leniently: a number or a string holding
// one, with null and "" meaning absent. The opt* types record presence so that the
// public structs can use nil for "the API omitted it".

// optInt64 is an integer sent as a JSON number or string.
type optInt64 struct {
	v  int64
	ok bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (o *optInt64) UnmarshalJSON(b []byte) error {
	*o = optInt64{}
	s, isNull, err := numberText(b)
	if err != nil || isNull {
		return err
	}
	if v, ok := parseInt(s); ok {
		*o = optInt64{v: v, ok: true}
		return nil
	}
	// 10.0 or 1e3: accepted when integral and in range.
	f, err := strconv.ParseFloat(string(s), 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return fmt.Errorf("%s is not an integer", quoteSnippet(b))
	}
	*o = optInt64{v: int64(f), ok: true}
	return nil
}

// optFloat64 is a number sent as a JSON number or string.
type optFloat64 struct {
	v  float64
	ok bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (o *optFloat64) UnmarshalJSON(b []byte) error {
	*o = optFloat64{}
	s, isNull, err := numberText(b)
	if err != nil || isNull {
		return err
	}
	f, err := strconv.ParseFloat(string(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("%s is not a number", quoteSnippet(b))
	}
	*o = optFloat64{v: f, ok: true}
	return nil
}

// optBool is a boolean sent as true/false or as the strings "true"/"false".
type optBool struct {
	v  bool
	ok bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (o *optBool) UnmarshalJSON(b []byte) error {
	*o = optBool{}
	switch string(b) {
	case "null", `""`:
	case "true", `"true"`, `"True"`, `"TRUE"`:
		*o = optBool{v: true, ok: true}
	case "false", `"false"`, `"False"`, `"FALSE"`:
		*o = optBool{v: false, ok: true}
	default:
		return fmt.Errorf("%s is not a boolean", quoteSnippet(b))
	}
	return nil
}

// optString is a string; a number or boolean literal is kept as its text, since a
// field documented as a string (resource_id, error_code) is still worth showing.
type optString struct {
	v  string
	ok bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (o *optString) UnmarshalJSON(b []byte) error {
	*o = optString{}
	if len(b) == 0 {
		return fmt.Errorf("empty value is not a string")
	}
	switch b[0] {
	case 'n':
		return nil
	case '"':
		if s, ok := plainJSONString(b); ok {
			*o = optString{v: s, ok: true}
			return nil
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*o = optString{v: s, ok: true}
		return nil
	case '{', '[':
		return fmt.Errorf("%s is not a string", quoteSnippet(b))
	}
	*o = optString{v: string(b), ok: true}
	return nil
}

// plainJSONString returns the content of a JSON string literal that needs no
// unescaping, saving the round trip through json.Unmarshal for the common case.
func plainJSONString(b []byte) (string, bool) {
	if len(b) < 2 || b[len(b)-1] != '"' {
		return "", false
	}
	in := b[1 : len(b)-1]
	ascii := true
	for _, c := range in {
		if c == '\\' || c < 0x20 {
			return "", false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	if !ascii && !utf8.Valid(in) {
		return "", false
	}
	return string(in), true
}

// numberText returns the text of a number given as a JSON number or string.
func numberText(b []byte) (text []byte, isNull bool, err error) {
	if string(b) == "null" {
		return nil, true, nil
	}
	if len(b) >= 2 && b[0] == '"' {
		s := bytes.TrimSpace(b[1 : len(b)-1])
		if len(s) == 0 {
			return nil, true, nil
		}
		if bytes.IndexByte(s, '\\') >= 0 {
			return nil, false, fmt.Errorf("%s is not a number", quoteSnippet(b))
		}
		return s, false, nil
	}
	if len(b) == 0 || b[0] != '-' && (b[0] < '0' || b[0] > '9') {
		return nil, false, fmt.Errorf("%s is not a number", quoteSnippet(b))
	}
	return b, false, nil
}

// parseInt parses a plain decimal integer without allocating.
func parseInt[T string | []byte](s T) (int64, bool) {
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 || len(s) > 19 {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if neg {
		if n > 1<<63 {
			return 0, false
		}
		return -int64(n), true
	}
	if n > math.MaxInt64 {
		return 0, false
	}
	return int64(n), true
}

func quoteSnippet(b []byte) string {
	if len(b) > 40 {
		return strconv.Quote(string(b[:40])) + "…"
	}
	return strconv.Quote(string(b))
}

// envelope holds the status fields every ModelArts body may carry.
type envelope struct {
	IsSuccess    optBool   `json:"is_success"`
	ErrorCode    optString `json:"error_code"`
	ErrorMessage optString `json:"error_message"`
	ErrorMsg     optString `json:"error_msg"`
	RequestID    optString `json:"request_id"`
}

// failure returns the *APIError for a 2xx body that says "is_success": false, else nil.
func (e *envelope) failure(status int, requestID, method, host, path string) *APIError {
	if !e.IsSuccess.ok || e.IsSuccess.v {
		return nil
	}
	msg := capMessage(sanitize(firstNonEmpty(e.ErrorMessage.v, e.ErrorMsg.v)), maxMessageLen)
	if msg == "" {
		msg = `the response said "is_success": false without a message`
	}
	if requestID == "" {
		requestID = sanitizeID(e.RequestID.v)
	}
	return &APIError{StatusCode: status, Code: sanitizeID(e.ErrorCode.v), Message: msg, RequestID: requestID, Method: method, Path: path, Host: host}
}

// jobWire is a job as the API sends it (details response or list element).
type jobWire struct {
	envelope
	JobID             optInt64   `json:"job_id"`
	JobName           optString  `json:"job_name"`
	JobDesc           optString  `json:"job_desc"`
	Status            optInt64   `json:"status"`
	CreateTime        optInt64   `json:"create_time"`
	Duration          optInt64   `json:"duration"`
	TrainURL          optString  `json:"train_url"`
	ServiceURL        optString  `json:"service_url"`
	ResourceID        optString  `json:"resource_id"`
	RemainingDuration optFloat64 `json:"remaining_duration"`
	JobType           optString  `json:"job_type"`
}

// job converts w; the pointers it returns point into w, which saves one allocation
// per field (a page of 1000 jobs would otherwise cost some 10,000).
func (w *jobWire) job() VisualizationJob {
	var j VisualizationJob
	j.JobID = w.JobID.ptr()
	j.JobName = w.JobName.ptr()
	j.JobDesc = w.JobDesc.ptr()
	j.Status = w.Status.ptr()
	j.CreateTime = w.CreateTime.ptr()
	j.Duration = w.Duration.ptr()
	j.TrainURL = w.TrainURL.ptr()
	j.ServiceURL = w.ServiceURL.ptr()
	j.ResourceID = w.ResourceID.ptr()
	if w.RemainingDuration.ok {
		j.RemainingDuration = &w.RemainingDuration.v
	}
	j.JobType = w.JobType.ptr()
	if w.IsSuccess.ok {
		j.IsSuccess = &w.IsSuccess.v
	}
	j.ErrorCode = w.ErrorCode.ptr()
	if w.ErrorMessage.ok {
		j.ErrorMessage = &w.ErrorMessage.v
	} else {
		j.ErrorMessage = w.ErrorMsg.ptr()
	}
	return j
}

func (o *optInt64) ptr() *int64 {
	if !o.ok {
		return nil
	}
	return &o.v
}

func (o *optString) ptr() *string {
	if !o.ok {
		return nil
	}
	return &o.v
}

// listWire is the list response.
type listWire struct {
	envelope
	JobTotalCount optInt64  `json:"job_total_count"`
	JobCountLimit optInt64  `json:"job_count_limit"`
	Quotas        optInt64  `json:"quotas"`
	Jobs          []jobWire `json:"jobs"`
}

// createWire is the create response.
type createWire struct {
	envelope
	JobID      optInt64  `json:"job_id"`
	JobName    optString `json:"job_name"`
	Status     optInt64  `json:"status"`
	CreateTime optInt64  `json:"create_time"`
}

// failed reports whether the body said "is_success": false.
func (e *envelope) failed() bool { return e.IsSuccess.ok && !e.IsSuccess.v }

// checkJobID refuses a job_id that is present but not a positive integer; required
// makes an absent one an error too.
func (w *jobWire) checkJobID(required bool) error {
	switch {
	case !w.JobID.ok && required:
		return errors.New("a job has no job_id")
	case w.JobID.ok && w.JobID.v <= 0:
		return fmt.Errorf("job_id %d is not a positive integer", w.JobID.v)
	}
	return nil
}

// decodeChecked decodes a 2xx body into v and refuses duplicate keys, which
// encoding/json would silently fold into one (see checkKeys; listKey names the
// array whose elements are checked too).
func decodeChecked(body []byte, listKey string, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return err
	}
	return checkKeys(body, listKey)
}

// decodeJob decodes a details answer into w: a body with duplicate keys (see
// checkKeys) or with a job_id that is not a positive integer is refused. A body that
// says "is_success": false is not checked for its job_id, so that its error is what
// the caller reports.
func decodeJob(body []byte, w *jobWire) error {
	if err := decodeChecked(body, "", w); err != nil {
		return err
	}
	if w.failed() {
		return nil
	}
	return w.checkJobID(false)
}

// decodeListPage decodes a list response body into a page. Duplicate keys, at the top
// level or in a job, are refused, and so is a job without a positive job_id, unless
// the body says "is_success": false (which the caller then reports).
func decodeListPage(body []byte) (*listWire, *ListPage, error) {
	w := new(listWire)
	if err := decodeChecked(body, "jobs", w); err != nil {
		return nil, nil, err
	}
	if !w.failed() {
		for i := range w.Jobs {
			if err := w.Jobs[i].checkJobID(true); err != nil {
				return nil, nil, fmt.Errorf("jobs[%d]: %w", i, err)
			}
		}
	}
	p := &ListPage{
		JobTotalCount: w.JobTotalCount.v,
		JobCountLimit: w.JobCountLimit.v,
		Quotas:        w.Quotas.v,
		Jobs:          make([]VisualizationJob, len(w.Jobs)),
	}
	if w.IsSuccess.ok {
		v := w.IsSuccess.v
		p.IsSuccess = &v
	}
	for i := range w.Jobs {
		p.Jobs[i] = w.Jobs[i].job()
	}
	return w, p, nil
}
