package emulator

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestFault_emptyBody: the status (404 by default) with no body and no
// Content-Type; the operation is not performed.
func TestFault_emptyBody(t *testing.T) {
	h := newHarness(t, Config{})
	h.emu.AddFault(Fault{Kind: FaultEmptyBody, Op: "create", Times: 1})
	resp, body, err := h.send(h.newRequest("POST", jobsPath, `{"job_name":"a","train_url":"/b/"}`))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 404 || len(body) != 0 || resp.ContentLength != 0 || resp.Header.Get("Content-Type") != "" {
		t.Fatalf("%d Content-Length %d Content-Type %q body %q", resp.StatusCode, resp.ContentLength, resp.Header.Get("Content-Type"), body)
	}
	if len(h.emu.Jobs()) != 0 {
		t.Fatal("the faulted create was performed")
	}
	h.emu.AddFault(Fault{Kind: FaultEmptyBody, Status: 502})
	if resp, body, _ := h.send(h.newRequest("GET", jobsPath, "")); resp.StatusCode != 502 || len(body) != 0 {
		t.Fatalf("status 502: %d %q", resp.StatusCode, body)
	}
}

// TestFault_wrongJobID: get and list answers name another job; the default
// is the real ID + 1000, BodyJobID overrides it; a create neither fires nor
// spends the fault.
func TestFault_wrongJobID(t *testing.T) {
	h := newHarness(t, Config{})
	h.emu.AddFault(Fault{Kind: FaultWrongJobID, Times: 3})
	id := h.create("a") // not the fault's: it acts on get and list only
	if id != 1 {
		t.Fatalf("create answered job_id %d: the fault fired on create", id)
	}
	h.create("b")
	if r := h.do("GET", jobPath(1), ""); r.status != 200 || r.num("job_id") != 1001 || r.str("job_name") != "a" {
		t.Fatalf("get: %d %s", r.status, r.raw)
	}
	l := h.do("GET", jobsPath, "")
	if l.listed(0)["job_id"] != 1001.0 || l.listed(1)["job_id"] != 1002.0 || l.listed(1)["job_name"] != "b" {
		t.Fatalf("list: %s", l.raw)
	}
	h.do("GET", jobPath(2), "") // the third firing
	if r := h.do("GET", jobPath(1), ""); r.num("job_id") != 1 {
		t.Fatalf("after Times: %s", r.raw)
	}

	s := newHarness(t, Config{NumbersAsStrings: true})
	s.create("a")
	s.emu.AddFault(Fault{Kind: FaultWrongJobID, BodyJobID: 777, Op: "get"})
	if r := s.do("GET", jobPath(1), ""); r.body["job_id"] != "777" {
		t.Fatalf("BodyJobID as a string: %s", r.raw)
	}
	if r := s.do("GET", jobsPath, ""); r.listed(0)["job_id"] != "1" {
		t.Fatalf("op=get must leave lists alone: %s", r.raw)
	}
}

// TestFault_duplicateKey: the details carry "Job_ID" right after job_id, which
// encoding/json folds into job_id, keeping the last value.
func TestFault_duplicateKey(t *testing.T) {
	h := newHarness(t, Config{})
	h.create("a")
	h.emu.AddFault(Fault{Kind: FaultDuplicateKey})
	r := h.do("GET", jobPath(1), "")
	if !strings.HasPrefix(string(r.raw), `{"is_success":true,"job_id":1,"Job_ID":1001,"job_name":"a",`) {
		t.Fatalf("body: %s", r.raw)
	}
	var folded struct {
		JobID int64 `json:"job_id"`
	}
	if err := json.Unmarshal(r.raw, &folded); err != nil || folded.JobID != 1001 {
		t.Fatalf("encoding/json read job_id %d (%v), want the twin's 1001", folded.JobID, err)
	}
	if l := h.do("GET", jobsPath, ""); strings.Contains(string(l.raw), "Job_ID") {
		t.Fatalf("the fault acts on get only: %s", l.raw)
	}
	h.emu.ClearFaults()
	h.emu.AddFault(Fault{Kind: FaultDuplicateKey, BodyJobID: 42})
	if r := h.do("GET", jobPath(1), ""); !strings.Contains(string(r.raw), `"job_id":1,"Job_ID":42,`) {
		t.Fatalf("BodyJobID: %s", r.raw)
	}
}

// TestFault_ignorePage: every list serves page 1; the fault is not spent on
// other operations.
func TestFault_ignorePage(t *testing.T) {
	h := newHarness(t, Config{})
	for _, n := range []string{"a", "b", "c"} {
		h.create(n)
	}
	h.emu.AddFault(Fault{Kind: FaultIgnorePage, Times: 2})
	h.do("GET", jobPath(1), "") // does not spend it
	for range 2 {
		r := h.do("GET", jobsPath+"?per_page=2&page=2", "")
		if r.listed(0)["job_name"] != "a" || r.listed(1)["job_name"] != "b" || r.body["job_total_count"] != 3.0 {
			t.Fatalf("page 2 under the fault: %s", r.raw)
		}
	}
	if r := h.do("GET", jobsPath+"?per_page=2&page=2", ""); r.listed(0)["job_name"] != "c" || r.listed(1) != nil {
		t.Fatalf("page 2 after the fault: %s", r.raw)
	}
}

// TestFault_hugeTotal: job_total_count is the fault's, the jobs are real.
func TestFault_hugeTotal(t *testing.T) {
	h := newHarness(t, Config{})
	h.create("a")
	h.emu.AddFault(Fault{Kind: FaultHugeTotal, Times: 1})
	r := h.do("GET", jobsPath+"?per_page=1000&page=7", "")
	if r.body["job_total_count"] != 1e12 || r.listed(0) != nil {
		t.Fatalf("default total: %s", r.raw)
	}
	h.emu.AddFault(Fault{Kind: FaultHugeTotal, Total: 5})
	if r := h.do("GET", jobsPath, ""); r.body["job_total_count"] != 5.0 || r.listed(0)["job_name"] != "a" {
		t.Fatalf("Total 5: %s", r.raw)
	}
}

// TestFault_normalize: create stores job_desc trimmed, train_url with a
// trailing slash and job_type in lower case; later reads, unfaulted, return
// those values (and job_type); the PUT of the description is trimmed too.
func TestFault_normalize(t *testing.T) {
	h := newHarness(t, Config{})
	body := `{"job_name":"n","job_desc":"  spaced out \n","train_url":"/bucket/run","job_type":"TensorBoard"}`
	expectError(t, h.do("POST", jobsPath, body), 400, "ModelArts.0104", "job_type")
	h.emu.AddFault(Fault{Kind: FaultNormalize, Op: "create", Times: 1})
	r := h.do("POST", jobsPath, body)
	if r.status != 200 || !strings.Contains(r.str("service_url"), "/modelarts2/tensorboard/") {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	id := r.num("job_id")
	g := h.do("GET", jobPath(id), "")
	if g.str("job_desc") != "spaced out" || g.str("train_url") != "/bucket/run/" || g.str("job_type") != "tensorboard" {
		t.Fatalf("get after a normalised create: %s", g.raw)
	}
	if l := h.do("GET", jobsPath, ""); l.listed(0)["job_desc"] != "spaced out" || l.listed(0)["job_type"] != "tensorboard" {
		t.Fatalf("list: %s", l.raw)
	}
	plain := h.create("plain")
	if g := h.do("GET", jobPath(plain), ""); g.body["job_type"] != nil {
		t.Fatalf("an unfaulted job carries job_type: %s", g.raw)
	}

	h.emu.AddFault(Fault{Kind: FaultNormalize})
	if r := h.do("PUT", jobPath(id), `{"job_desc":"\tnew words  "}`); r.status != 200 {
		t.Fatalf("put: %d %s", r.status, r.raw)
	}
	h.emu.ClearFaults()
	if j, _ := h.emu.Job(id); j.JobDesc != "new words" || j.TrainURL != "/bucket/run/" || j.JobType != "tensorboard" {
		t.Fatalf("stored: %+v", j)
	}
	// A value already normal is kept as it is.
	h.emu.AddFault(Fault{Kind: FaultNormalize})
	k := h.create("k", `"job_desc":"x"`)
	if j, _ := h.emu.Job(k); j.TrainURL != "/bucket/k/" || j.JobDesc != "x" {
		t.Fatalf("normal values changed: %+v", j)
	}
}

// TestFault_hang: no answer until the client gives up; the operation is not
// performed; Close releases a held request at once.
func TestFault_hang(t *testing.T) {
	h := newHarness(t, Config{})
	h.emu.AddFault(Fault{Kind: FaultHang, Op: "create"})
	client := &http.Client{Timeout: 150 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}}
	start := time.Now()
	_, err := client.Do(h.newRequest("POST", jobsPath, `{"job_name":"a","train_url":"/b/"}`))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("want the client's timeout, got %v after %s", err, time.Since(start))
	}
	waitFor(t, func() bool { return h.emu.RequestCount("create") == 1 })
	if rec := lastRecord(t, h.emu); rec.Status != 0 || len(h.emu.Jobs()) != 0 {
		t.Fatalf("record %+v, jobs %v", rec, h.emu.Jobs())
	}

	done := make(chan error, 1)
	go func() {
		_, _, err := h.send(h.newRequest("POST", jobsPath, `{"job_name":"b","train_url":"/b/"}`))
		done <- err
	}()
	time.Sleep(100 * time.Millisecond) // lets the request reach the handler and hang
	h.emu.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a released hang answered")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not release the hanging request")
	}
	// After Close the fault no longer holds requests.
	if _, _, err := h.send(h.newRequest("POST", jobsPath, `{"job_name":"c","train_url":"/b/"}`)); err == nil {
		t.Fatal("a hang after Close answered")
	}
}

// waitFor polls cond for up to 5 seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestFault_drip: the operation is performed, the headers arrive at once
// with the full Content-Length, then the body one byte per Latency; a client
// that leaves stops the drip.
func TestFault_drip(t *testing.T) {
	h := newHarness(t, Config{})
	h.create("drip")
	full := h.do("GET", jobPath(1), "")
	const pause = 2 * time.Millisecond
	h.emu.AddFault(Fault{Kind: FaultDrip, Latency: pause, Op: "get", Times: 1})
	start := time.Now()
	resp, err := h.client.Do(h.newRequest("GET", jobPath(1), ""))
	if err != nil {
		t.Fatal(err)
	}
	headers := time.Since(start)
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	all := time.Since(start)
	if err != nil || string(got) != string(full.raw) || resp.ContentLength != int64(len(full.raw)) {
		t.Fatalf("dripped body %q (%v), want %q", got, err, full.raw)
	}
	if min := time.Duration(len(got)) * pause; all < min || headers > all/2 {
		t.Fatalf("headers after %s, body after %s; want the body after at least %s and the headers well before", headers, all, min)
	}

	h.emu.AddFault(Fault{Kind: FaultDrip, Latency: 50 * time.Millisecond, Op: "create"})
	resp, err = h.client.Do(h.newRequest("POST", jobsPath, `{"job_name":"left","train_url":"/b/"}`))
	if err != nil {
		t.Fatal(err)
	}
	first := make([]byte, 2)
	if _, err := io.ReadFull(bufio.NewReader(resp.Body), first); err != nil || string(first) != `{"` {
		t.Fatalf("first bytes %q: %v", first, err)
	}
	resp.Body.Close()
	left := time.Now()
	waitFor(t, func() bool { return h.emu.RequestCount("create") == 2 })
	if since := time.Since(left); since > 2*time.Second {
		t.Fatalf("the drip went on %s after the client left", since)
	}
	if _, ok := h.emu.Job(2); !ok {
		t.Fatal("the dripped create was not performed")
	}
	if rec := lastRecord(t, h.emu); rec.Status != 200 {
		t.Fatalf("record %+v", rec)
	}
}

// TestFault_documentedShapes: the three cases reproduced with FaultStatus
// give exactly the documented bodies: the gateway's 404 for a path, a
// "does not exist" for the first K reads after a create, and DELETE refused
// with ModelArts.0105 whatever the status.
func TestFault_documentedShapes(t *testing.T) {
	h := newHarness(t, Config{StartDelay: -1})
	other := h.create("other")

	// A gateway 404 for one job's paths: every method on them, nothing else.
	gw, err := ParseFault("status=404,code=APIG.0101,job=1")
	if err != nil {
		t.Fatal(err)
	}
	h.emu.AddFault(gw)
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		r := h.do(m, jobPath(other), `{"job_desc":"x"}`)
		if r.status != 404 || r.str("error_code") != "APIG.0101" || !gatewayShaped(r) {
			t.Fatalf("%s under the gateway fault: %d %s", m, r.status, r.raw)
		}
	}
	if r := h.do("GET", jobsPath, ""); r.status != 200 {
		t.Fatalf("list under a job's gateway fault: %d", r.status)
	}
	h.emu.ClearFaults()

	// "Does not exist" for the first 3 reads after a create.
	nf, err := ParseFault("status=404,code=ModelArts.0015,op=get,times=3")
	if err != nil {
		t.Fatal(err)
	}
	h.emu.AddFault(nf)
	id := h.create("fresh")
	for i := range 3 {
		r := h.do("GET", jobPath(id), "")
		if r.status != 404 || r.str("error_code") != "ModelArts.0015" || !modelArtsShaped(r) {
			t.Fatalf("read %d after create: %d %s", i+1, r.status, r.raw)
		}
	}
	if r := h.do("GET", jobPath(id), ""); r.status != 200 || r.num("job_id") != id {
		t.Fatalf("read 4: %d %s", r.status, r.raw)
	}

	// DELETE refused as if the job were KILLING, in any status.
	refuse, err := ParseFault("status=400,code=ModelArts.0105,op=delete")
	if err != nil {
		t.Fatal(err)
	}
	h.emu.AddFault(refuse)
	if r := h.do("POST", jobPath(other)+"/stop", ""); r.status != 200 {
		t.Fatalf("stop: %d %s", r.status, r.raw)
	}
	for _, target := range []int64{id, other} { // RUNNING, CANCELED
		r := h.do("DELETE", jobPath(target), "")
		if r.status != 400 || r.str("error_code") != "ModelArts.0105" || !modelArtsShaped(r) {
			t.Fatalf("delete %d: %d %s", target, r.status, r.raw)
		}
		if _, ok := h.emu.Job(target); !ok {
			t.Fatalf("a refused delete removed job %d", target)
		}
	}
}

// TestParseFault_newKinds covers the -fault syntax of the later kinds and
// refuses an op a kind cannot act on.
func TestParseFault_newKinds(t *testing.T) {
	good := map[string]Fault{
		"kind=empty-body":                           {Kind: FaultEmptyBody},
		"kind=empty-body,status=502":                {Kind: FaultEmptyBody, Status: 502},
		"kind=wrong-job-id,body-job-id=777,op=list": {Kind: FaultWrongJobID, BodyJobID: 777, Op: "list"},
		"kind=duplicate-key,job=8992":               {Kind: FaultDuplicateKey, JobID: "8992"},
		"kind=ignore-page":                          {Kind: FaultIgnorePage},
		"kind=huge-total,total=1000000000000":       {Kind: FaultHugeTotal, Total: 1_000_000_000_000},
		"kind=normalize,op=update":                  {Kind: FaultNormalize, Op: "update"},
		"kind=hang,op=create,times=1":               {Kind: FaultHang, Op: "create", Times: 1},
		"kind=drip,latency=1s,op=get":               {Kind: FaultDrip, Latency: time.Second, Op: "get"},
		"status=404,code=APIG.0101,job=8992":        {Kind: FaultStatus, Status: 404, Code: "APIG.0101", JobID: "8992"},
	}
	for spec, want := range good {
		got, err := ParseFault(spec)
		if err != nil || got != want {
			t.Errorf("ParseFault(%q) = %+v, %v; want %+v", spec, got, err, want)
		}
		if strings.HasPrefix(got.Kind.String(), "FaultKind(") {
			t.Errorf("kind %d has no name", got.Kind)
		}
	}
	for spec, want := range map[string]string{
		"kind=ignore-page,op=get":       "acts only on list",
		"kind=duplicate-key,op=list":    "acts only on get",
		"kind=normalize,op=get":         "acts only on create and update",
		"kind=wrong-job-id,op=delete":   "acts only on get and list",
		"kind=huge-total,total=lots":    "invalid syntax",
		"kind=wrong-job-id,body-job-id": "not key=value",
		"kind=drip,latency=-1s":         "negative",
	} {
		if _, err := ParseFault(spec); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseFault(%q) = %v, want an error with %q", spec, err, want)
		}
	}
	for kind, name := range faultKindNames {
		f, err := ParseFault("kind=" + name)
		if err != nil || f.Kind != kind {
			t.Errorf("kind=%s: %+v %v", name, f, err)
		}
	}
}
