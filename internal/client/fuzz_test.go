package client

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// Fuzz targets of the client. Their seeds live in testdata/fuzz/<FuzzName>/;
// `make fuzz` (scripts/fuzz.sh) runs each for FUZZTIME, `make test` replays the seeds.

// FuzzDecodeJob feeds arbitrary bytes to the job decoder. Whatever decodes must
// survive a round trip: the decoded job, written back as JSON (numbers as numbers,
// then as strings; absent fields omitted, then null; an unknown field added), decodes
// to the same job. The same object as an element of a list page decodes to the same
// job too, so the details and list paths cannot drift apart.
//
// The decoder refuses what encoding/json would silently fold: it accepts a body only
// when refKeysUnique (a token-by-token reference) finds no two top-level keys that
// bytes.EqualFold matches. A job_id that is present must be positive; a list element
// must have one.
func FuzzDecodeJob(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		var w jobWire
		err := decodeJob(body, &w)
		// The list decoder must not panic on the same bytes, as a page or as an element.
		_, _, _ = decodeListPage(body)
		wrapped := append(append([]byte(`{"jobs":[`), body...), "]}"...)
		_, page, listErr := decodeListPage(wrapped)
		if plainErr := json.Unmarshal(body, new(jobWire)); plainErr == nil {
			unique := refKeysUnique(body)
			if unique == (err != nil && errors.Is(err, errDuplicateKey)) {
				t.Fatalf("reference says keys unique = %v, decoder says %v, for %q", unique, err, body)
			}
		}
		if err != nil {
			return
		}
		if !w.failed() && w.JobID.ok && w.JobID.v <= 0 {
			t.Fatalf("job_id %d accepted", w.JobID.v)
		}
		job := w.job()
		if !w.JobID.ok || w.JobID.v <= 0 {
			if listErr == nil {
				t.Fatalf("a list element without a positive job_id accepted: %q", body)
			}
			return
		}
		if listErr != nil || len(page.Jobs) != 1 {
			t.Fatalf("decodes as a job but not as a list element: %v", listErr)
		}
		if !reflect.DeepEqual(derefJob(page.Jobs[0]), derefJob(job)) {
			t.Fatalf("list element decodes differently from details:\n list %s\n details %s", showJob(page.Jobs[0]), showJob(job))
		}
		for _, form := range []encodeForm{{}, {numbersAsStrings: true}, {nulls: true, unknown: true}, {numbersAsStrings: true, nulls: true}} {
			enc := encodeJob(job, form)
			var w2 jobWire
			if err := decodeJob(enc, &w2); err != nil {
				t.Fatalf("re-encoded job does not decode (%+v): %v\n%s", form, err, enc)
			}
			if got, want := derefJob(w2.job()), derefJob(job); !reflect.DeepEqual(got, want) {
				t.Fatalf("round trip (%+v) changed the job:\n got %s\nwant %s\nvia %s", form, showJob(w2.job()), showJob(job), enc)
			}
		}
	})
}

// refKeysUnique reports whether no two members of the top-level object of data (valid
// JSON) have names that encoding/json would match to the same field, by reading its
// tokens and comparing every pair of names with bytes.EqualFold.
func refKeysUnique(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return true
	}
	var names []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return true
		}
		name, _ := tok.(string)
		for _, prev := range names {
			if bytes.EqualFold([]byte(prev), []byte(name)) {
				return false
			}
		}
		names = append(names, name)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return true
		}
	}
	return true
}

// FuzzDecodeNumber checks that a number written as a JSON string decodes exactly like
// the same number written as a JSON number, for the integer fields (job_id, status,
// create_time, duration) and the float field (remaining_duration), and that what
// decodes is the value strconv reads from the text.
func FuzzDecodeNumber(f *testing.F) {
	f.Fuzz(func(t *testing.T, text string) {
		if text == "" || strings.TrimSpace(text) != text || !json.Valid([]byte(text)) ||
			text[0] != '-' && (text[0] < '0' || text[0] > '9') {
			return // not exactly one JSON number: nothing to compare
		}
		exact, _ := strconv.ParseFloat(text, 64) // a JSON number is always ParseFloat syntax
		decode := func(field, value string) (jobWire, error) {
			var w jobWire
			err := json.Unmarshal([]byte(`{"`+field+`":`+value+`}`), &w)
			return w, err
		}
		for _, field := range []string{"job_id", "status", "create_time", "duration"} {
			n, errN := decode(field, text)
			s, errS := decode(field, `"`+text+`"`)
			if (errN == nil) != (errS == nil) {
				t.Fatalf("%s %s: as a number err=%v, as a string err=%v", field, text, errN, errS)
			}
			if !reflect.DeepEqual(n, s) {
				t.Fatalf("%s %s: as a number %+v, as a string %+v", field, text, n, s)
			}
			v := map[string]optInt64{"job_id": n.JobID, "status": n.Status, "create_time": n.CreateTime, "duration": n.Duration}[field]
			integral := exact == math.Trunc(exact) && exact >= math.MinInt64 && exact < math.MaxInt64
			if i, err := strconv.ParseInt(text, 10, 64); err == nil {
				if errN != nil || v.v != i || !v.ok {
					t.Fatalf("%s %s decodes to %+v (%v), strconv says %d", field, text, v, errN, i)
				}
			} else if integral != (errN == nil) {
				t.Fatalf("%s %s: integral=%v but decoding err=%v", field, text, integral, errN)
			} else if errN == nil && float64(v.v) != exact {
				t.Fatalf("%s %s decodes to %d, the number is %v", field, text, v.v, exact)
			}
		}
		n, errN := decode("remaining_duration", text)
		s, errS := decode("remaining_duration", `"`+text+`"`)
		if (errN == nil) != (errS == nil) || n.RemainingDuration.ok != s.RemainingDuration.ok ||
			math.Float64bits(n.RemainingDuration.v) != math.Float64bits(s.RemainingDuration.v) {
			t.Fatalf("remaining_duration %s: as a number %+v (%v), as a string %+v (%v)", text, n.RemainingDuration, errN, s.RemainingDuration, errS)
		}
		if finite := !math.IsInf(exact, 0); finite != (errN == nil) ||
			finite && math.Float64bits(n.RemainingDuration.v) != math.Float64bits(exact) {
			t.Fatalf("remaining_duration %s decodes to %+v (%v), strconv says %v", text, n.RemainingDuration, errN, exact)
		}
	})
}

// FuzzNewAPIError builds the error of a failed response from arbitrary statuses,
// headers and bodies (JSON, HTML, binary, over 64 KiB). The error's message is capped,
// nothing it shows carries a control character or invalid UTF-8, and IsNotFound and
// IsAuthError answer by the status as documented. A 2xx body with "is_success": false
// goes through the same checks.
func FuzzNewAPIError(f *testing.F) {
	f.Fuzz(func(t *testing.T, status int, contentType, requestID string, body []byte, huge bool) {
		if huge && len(body) > 0 {
			// Past maxErrorBody: the decoder must cut, not parse, such a body.
			body = bytes.Repeat(body, maxErrorBody/len(body)+1)
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body))}
		resp.Header["Content-Type"] = []string{contentType}
		resp.Header["X-Request-Id"] = []string{requestID}
		e := newAPIError(resp, http.MethodGet, "/v1/p/visualization-jobs/1")
		e.Host = "modelarts.example.com:8443"
		checkAPIError(t, e, status)
		if e.StatusCode != status {
			t.Fatalf("StatusCode = %d, want %d", e.StatusCode, status)
		}
		if e.Message == "" && http.StatusText(status) != "" {
			t.Fatalf("empty message for HTTP %d, body %q", status, body)
		}
		wrapped := fmt.Errorf("reading visualization job %q: %w", "1", e)
		switch {
		case IsNotFound(wrapped) && !strings.HasPrefix(e.Code, "ModelArts."):
			t.Fatalf("IsNotFound without a ModelArts code: %v", e)
		case IsNotFound(wrapped) && IsEndpointNotFound(wrapped):
			t.Fatalf("both IsNotFound and IsEndpointNotFound: %v", e)
		case status == http.StatusNotFound && IsEndpointNotFound(wrapped) == strings.HasPrefix(e.Code, "ModelArts."):
			t.Fatalf("HTTP 404: IsEndpointNotFound %v with code %q", IsEndpointNotFound(wrapped), e.Code)
		case status != http.StatusNotFound && IsEndpointNotFound(wrapped):
			t.Fatalf("HTTP %d is IsEndpointNotFound: %v", status, e)
		case status != http.StatusNotFound && status != http.StatusBadRequest && (status < 200 || status > 299) && IsNotFound(wrapped):
			t.Fatalf("HTTP %d is IsNotFound: %v", status, e)
		case (status == http.StatusUnauthorized || status == http.StatusForbidden) && !IsAuthError(wrapped):
			t.Fatalf("HTTP %d is not IsAuthError: %v", status, e)
		}
		if IsAuthError(wrapped) != IsAuthError(e) || IsNotFound(wrapped) != IsNotFound(e) || IsEndpointNotFound(wrapped) != IsEndpointNotFound(e) {
			t.Fatal("wrapping changed IsAuthError or IsNotFound")
		}
		retry := &RetryError{Method: http.MethodGet, Path: "/p", Attempts: 3, Last: e}
		if IsAuthError(retry) != IsAuthError(e) || IsNotFound(retry) != IsNotFound(e) {
			t.Fatal("a RetryError hides the kind of its last error")
		}
		checkLine(t, "RetryError.Error()", retry.Error())

		// The same body on a 2xx: an error only when it says "is_success": false.
		var env envelope
		if json.Unmarshal(body, &env) == nil {
			if fe := env.failure(200, sanitize(requestID), http.MethodGet, "", "/p"); fe != nil {
				checkAPIError(t, fe, 200)
				if !env.IsSuccess.ok || env.IsSuccess.v {
					t.Fatalf("failure() on a body without is_success false: %q", body)
				}
			} else if env.IsSuccess.ok && !env.IsSuccess.v {
				t.Fatalf("is_success false is not a failure: %q", body)
			}
		}
	})
}

// truncMark is what capMessage appends to a cut message.
const truncMark = " …(truncated)"

func checkAPIError(t *testing.T, e *APIError, status int) {
	t.Helper()
	if len(e.Message) > maxMessageLen+len(truncMark) {
		t.Fatalf("message is %d bytes, over the cap of %d: %q", len(e.Message), maxMessageLen, e.Message)
	}
	checkLine(t, "Message", e.Message)
	checkLine(t, "Code", e.Code)
	checkLine(t, "RequestID", e.RequestID)
	msg := e.Error()
	checkLine(t, "Error()", msg)
	// Status, host and path (512), code (64), message (512), request ID (128), each
	// possibly marked, and the wording.
	if max := 300 + maxMessageLen + 64 + maxMessageLen + 128 + 4*len(truncMark); len(msg) > max {
		t.Fatalf("Error() is %d bytes, over %d: %q", len(msg), max, msg)
	}
	if !strings.Contains(msg, "HTTP "+strconv.Itoa(status)) {
		t.Fatalf("Error() does not name the status %d: %q", status, msg)
	}
	_ = IsNotFound(e)
	_ = IsAuthError(e)
}

// checkLine fails when s cannot be shown on one log line as it is.
func checkLine(t *testing.T, what, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("%s is not valid UTF-8: %q", what, s)
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			t.Fatalf("%s holds control character %U: %q", what, r, s)
		}
	}
}

// FuzzCanonicalRequest compares the signer's canonical request with refCanonical, a
// second implementation written from spec section 5 alone, for arbitrary methods,
// paths (escaped or not), raw queries, headers and bodies.
//
// Undecodable input (a "%" not followed by two hex digits) is not something the client
// sends: it builds its paths with url.PathEscape and its queries in canonical form. The
// spec is silent on it; both implementations treat such a path segment, query key or
// query value as literal text (so its "%" is encoded as %25), component by component,
// which is what a server rebuilding the canonical request from the same raw text gets.
func FuzzCanonicalRequest(f *testing.F) {
	f.Fuzz(func(t *testing.T, method, path, rawQuery, name1, value1, name2, value2 string, body []byte) {
		u := &url.URL{Scheme: "https", Host: "modelarts.example", Path: path, RawQuery: rawQuery}
		// path may be the escaped form as sent: use it as RawPath when it is one, so that
		// "%2F" inside a segment reaches the signer as written.
		if dec, err := url.PathUnescape(path); err == nil {
			u.Path, u.RawPath = dec, path
		}
		hs := []header{{"host", "modelarts.example"}, {"x-sdk-date", "20240102T030405Z"}}
		if name1 != "" {
			hs = append(hs, header{name1, value1})
		}
		if name2 != "" {
			hs = append(hs, header{name2, value2})
		}
		got := canonicalRequest(method, u, hs, body)
		want := refCanonical(method, u.EscapedPath(), u.RawQuery, hs, body)
		if got != want {
			t.Fatalf("canonical request differs from the spec's\npath %q query %q\n got %q\nwant %q", u.EscapedPath(), u.RawQuery, got, want)
		}
		// What Sign computes from it is the spec's signature of the spec's string to sign.
		const date = "20240102T030405Z"
		auth := Signer{AccessKey: "ak", SecretKey: "sk"}.authorization(method, u, hs, body, date)
		sig := auth[strings.LastIndex(auth, "Signature=")+len("Signature="):]
		mac := hmac.New(sha256.New, []byte("sk"))
		mac.Write([]byte("SDK-HMAC-SHA256\n" + date + "\n" + refSHA256Hex([]byte(want))))
		if wantSig := hex.EncodeToString(mac.Sum(nil)); sig != wantSig {
			t.Fatalf("signature %s, want %s", sig, wantSig)
		}
	})
}

// refCanonical builds the canonical request of spec section 5 from the request as
// sent: escapedPath and rawQuery are the text on the wire. It shares no code with
// signer.go: its own percent-decoder, encoder and sort.
func refCanonical(method, escapedPath, rawQuery string, hs []header, body []byte) string {
	if method == "" {
		method = "GET" // net/http sends an empty method as GET
	}
	// CanonicalURI: every segment decoded, then encoded; always ends in "/".
	segs := strings.Split(escapedPath, "/")
	for i, s := range segs {
		segs[i] = refEncode(refDecode(s, false))
	}
	uri := strings.Join(segs, "/")
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}
	// CanonicalQuery: pairs decoded ("+" is a space in a query), sorted by key then
	// value (the decoded text, byte order, as the Huawei SDK signer sorts), encoded.
	type pair struct{ k, v string }
	var pairs []pair
	for _, p := range strings.Split(rawQuery, "&") {
		if p == "" {
			continue
		}
		k, v := p, ""
		if i := strings.IndexByte(p, '='); i >= 0 {
			k, v = p[:i], p[i+1:]
		}
		pairs = append(pairs, pair{refDecode(k, true), refDecode(v, true)})
	}
	sort.SliceStable(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var q []string
	for _, p := range pairs {
		q = append(q, refEncode(p.k)+"="+refEncode(p.v))
	}
	// CanonicalHeaders and SignedHeaders: lower-case names, sorted (stable for a name
	// given twice), values trimmed.
	type hv struct{ n, v string }
	var list []hv
	for _, h := range hs {
		list = append(list, hv{strings.ToLower(h.name), strings.TrimSpace(h.value)})
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].n < list[j].n })
	var ch strings.Builder
	var names []string
	for _, h := range list {
		ch.WriteString(h.n + ":" + h.v + "\n")
		names = append(names, h.n)
	}
	return method + "\n" + uri + "\n" + strings.Join(q, "&") + "\n" + ch.String() + "\n" +
		strings.Join(names, ";") + "\n" + refSHA256Hex(body)
}

// refDecode percent-decodes s ("+" as a space when plus is set); text with a "%" not
// followed by two hex digits is returned as it is (see FuzzCanonicalRequest).
func refDecode(s string, plus bool) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%':
			if i+2 >= len(s) {
				return s
			}
			hi, ok1 := refUnhex(s[i+1])
			lo, ok2 := refUnhex(s[i+2])
			if !ok1 || !ok2 {
				return s
			}
			b = append(b, hi<<4|lo)
			i += 2
		case c == '+' && plus:
			b = append(b, ' ')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

func refUnhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// refEncode keeps A-Z a-z 0-9 - _ . ~ and writes every other byte as %XX, upper case.
func refEncode(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// encodeForm says how encodeJob writes a job back.
type encodeForm struct {
	numbersAsStrings bool // "job_id": "10", as the docs' samples do
	nulls            bool // absent fields as null instead of left out
	unknown          bool // add fields the client does not know
}

// encodeJob writes j as the API would send it.
func encodeJob(j VisualizationJob, form encodeForm) []byte {
	m := map[string]any{}
	put := func(name string, present bool, v any) {
		switch {
		case present:
			m[name] = v
		case form.nulls:
			m[name] = nil
		}
	}
	putInt := func(name string, p *int64) {
		if p != nil && form.numbersAsStrings {
			put(name, true, strconv.FormatInt(*p, 10))
			return
		}
		put(name, p != nil, p)
	}
	putStr := func(name string, p *string) { put(name, p != nil, p) }
	putInt("job_id", j.JobID)
	putStr("job_name", j.JobName)
	putStr("job_desc", j.JobDesc)
	putInt("status", j.Status)
	putInt("create_time", j.CreateTime)
	putInt("duration", j.Duration)
	putStr("train_url", j.TrainURL)
	putStr("service_url", j.ServiceURL)
	putStr("resource_id", j.ResourceID)
	putStr("job_type", j.JobType)
	putStr("error_code", j.ErrorCode)
	putStr("error_message", j.ErrorMessage)
	if p := j.RemainingDuration; p != nil {
		txt := strconv.FormatFloat(*p, 'g', -1, 64)
		if form.numbersAsStrings {
			put("remaining_duration", true, txt)
		} else {
			put("remaining_duration", true, json.Number(txt))
		}
	} else {
		put("remaining_duration", false, nil)
	}
	if p := j.IsSuccess; p != nil && form.numbersAsStrings {
		put("is_success", true, strconv.FormatBool(*p))
	} else {
		put("is_success", p != nil, p)
	}
	if form.unknown {
		m["flavor"] = map[string]any{"code": "modelarts.kat1.xlarge", "n": []any{1, "x", nil}}
		m["x_new_field"] = 1e300
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err) // every value above is encodable
	}
	return b
}

// plainJob is a VisualizationJob with its pointers followed, for comparison.
type plainJob struct {
	JobID, Status, CreateTime, Duration                                    *int64
	JobName, JobDesc, TrainURL, ServiceURL, ResourceID, JobType, ErrorCode *string
	ErrorMessage                                                           *string
	RemainingDuration                                                      *uint64 // the float's bits: -0 and 0 differ
	IsSuccess                                                              *bool
}

// showJob writes j with its pointers followed, for a failure message.
func showJob(j VisualizationJob) string {
	b, _ := json.Marshal(derefJob(j))
	return string(b)
}

func derefJob(j VisualizationJob) plainJob {
	p := plainJob{
		JobID: j.JobID, Status: j.Status, CreateTime: j.CreateTime, Duration: j.Duration,
		JobName: j.JobName, JobDesc: j.JobDesc, TrainURL: j.TrainURL, ServiceURL: j.ServiceURL,
		ResourceID: j.ResourceID, JobType: j.JobType, ErrorCode: j.ErrorCode, ErrorMessage: j.ErrorMessage,
		IsSuccess: j.IsSuccess,
	}
	if j.RemainingDuration != nil {
		bits := math.Float64bits(*j.RemainingDuration)
		p.RemainingDuration = &bits
	}
	return p
}

func refSHA256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
