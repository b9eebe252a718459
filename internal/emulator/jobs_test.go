package emulator

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestCreate_answersLikeTheDocs: the create answer has the documented fields
// plus service_url, and the job then reads back with every detail field,
// remaining_duration null when there is no auto-stop.
func TestCreate_answersLikeTheDocs(t *testing.T) {
	h := newHarness(t, Config{})
	r := h.do("POST", jobsPath, `{"job_name":"resnet50-tb","job_desc":"TensorBoard for ResNet-50","train_url":"/ml-bucket/resnet50/train/"}`)
	if r.status != 200 || r.body["is_success"] != true || r.str("job_name") != "resnet50-tb" ||
		r.num("status") != StatusInit || r.num("create_time") != h.clock.Now().UnixMilli() || r.num("job_id") != 1 ||
		r.str("service_url") != "https://console.emulator.local/modelarts2/tensorboard/"+DefaultProjectID+"/1/" || len(r.body) != 6 {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}

	g := h.do("GET", jobPath(1), "")
	want := map[string]any{
		"is_success": true, "job_id": 1.0, "job_name": "resnet50-tb", "job_desc": "TensorBoard for ResNet-50",
		"status": 1.0, "create_time": float64(h.clock.Now().UnixMilli()), "duration": 0.0,
		"train_url":          "/ml-bucket/resnet50/train/",
		"service_url":        "https://console.emulator.local/modelarts2/tensorboard/" + DefaultProjectID + "/1/",
		"remaining_duration": nil,
	}
	if v, ok := g.body["remaining_duration"]; !ok || v != nil {
		t.Errorf("remaining_duration must be present and null: %s", g.raw)
	}
	for k, v := range want {
		if g.body[k] != v {
			t.Errorf("%s = %v, want %v", k, g.body[k], v)
		}
	}
	if !uuidV4.MatchString(g.str("resource_id")) {
		t.Errorf("resource_id %q is not UUIDv4-shaped", g.str("resource_id"))
	}
	if len(g.body) != len(want)+1 {
		t.Errorf("unexpected fields in %s", g.raw)
	}

	m := h.create("insight", `"job_type":"mindinsight"`, `"flavor":{"code":"modelarts.vm.cpu.2u"}`)
	j, _ := h.emu.Job(m)
	if !strings.Contains(j.ServiceURL, "/modelarts2/mindinsight/") || j.Flavor != "modelarts.vm.cpu.2u" || j.JobType != "mindinsight" {
		t.Fatalf("mindinsight job: %+v", j)
	}
	if j.ResourceID == resourceID(1) {
		t.Fatal("two jobs share a resource_id")
	}
}

// TestCreate_validation: every documented constraint answers 400 naming the
// field; malformed bodies are invalid arguments.
func TestCreate_validation(t *testing.T) {
	h := newHarness(t, Config{})
	cases := map[string]struct {
		body, code, want string
	}{
		"name missing":        {`{"train_url":"/b/"}`, "ModelArts.0104", "job_name"},
		"name empty":          {`{"job_name":"","train_url":"/b/"}`, "ModelArts.0104", "job_name"},
		"name 21 chars":       {`{"job_name":"` + strings.Repeat("a", 21) + `","train_url":"/b/"}`, "ModelArts.0104", "job_name"},
		"name with a dot":     {`{"job_name":"a.b","train_url":"/b/"}`, "ModelArts.0104", "job_name"},
		"name with a space":   {`{"job_name":"a b","train_url":"/b/"}`, "ModelArts.0104", "job_name"},
		"desc 257 chars":      {`{"job_name":"a","job_desc":"` + strings.Repeat("é", 257) + `","train_url":"/b/"}`, "ModelArts.0104", "job_desc"},
		"train_url missing":   {`{"job_name":"a"}`, "ModelArts.0104", "train_url"},
		"train_url empty":     {`{"job_name":"a","train_url":""}`, "ModelArts.0104", "train_url"},
		"job_type unknown":    {`{"job_name":"a","train_url":"/b/","job_type":"jupyter"}`, "ModelArts.0104", "job_type"},
		"flavor without code": {`{"job_name":"a","train_url":"/b/","flavor":{}}`, "ModelArts.0104", "flavor.code"},
		"schedule type":       {`{"job_name":"a","train_url":"/b/","schedule":{"type":"start","time_unit":"HOURS","duration":1}}`, "ModelArts.0104", "schedule.type"},
		"schedule unit":       {`{"job_name":"a","train_url":"/b/","schedule":{"type":"stop","time_unit":"MINUTES","duration":1}}`, "ModelArts.0104", "schedule.time_unit"},
		"schedule 25 hours":   {`{"job_name":"a","train_url":"/b/","schedule":{"type":"stop","time_unit":"HOURS","duration":25}}`, "ModelArts.0104", "schedule.duration"},
		"schedule negative":   {`{"job_name":"a","train_url":"/b/","schedule":[{"type":"stop","time_unit":"HOURS","duration":-1}]}`, "ModelArts.0104", "schedule.duration"},
		"schedule no hours":   {`{"job_name":"a","train_url":"/b/","schedule":{"type":"stop","time_unit":"HOURS"}}`, "ModelArts.0104", "schedule.duration"},
		"schedule two":        {`{"job_name":"a","train_url":"/b/","schedule":[{},{}]}`, "ModelArts.0104", "exactly one"},
		"schedule string":     {`{"job_name":"a","train_url":"/b/","schedule":"2h"}`, "ModelArts.0104", "schedule"},
		"name of wrong type":  {`{"job_name":5,"train_url":"/b/"}`, "ModelArts.0104", "job_name"},
		"unknown field":       {`{"job_name":"a","train_url":"/b/","jobName":"a"}`, "ModelArts.0101", `"jobName"`},
		"not JSON":            {`job_name=a`, "ModelArts.0101", "not a valid JSON object"},
		"empty body":          {``, "ModelArts.0101", "not a valid JSON object"},
		"two objects":         {`{"job_name":"a","train_url":"/b/"}{}`, "ModelArts.0101", "not a valid JSON object"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			expectError(t, h.do("POST", jobsPath, tc.body), 400, tc.code, tc.want)
		})
	}
	if n := len(h.emu.Jobs()); n != 0 {
		t.Fatalf("%d jobs created by refused requests", n)
	}
	// The limits themselves are accepted, and so are both schedule shapes.
	h.create(strings.Repeat("Z", 20), `"job_desc":"`+strings.Repeat("é", 256)+`"`)
	h.create("obj", `"schedule":{"type":"stop","time_unit":"HOURS","duration":24}`)
	h.create("arr_0-9", `"schedule":[{"type":"stop","time_unit":"HOURS","duration":0}]`)
	if j, _ := h.emu.Job(2); j.AutoStopHours == nil || *j.AutoStopHours != 24 {
		t.Fatalf("schedule object not kept: %+v", j)
	}
}

// TestCreate_quota: creating beyond Quota running jobs, or beyond MaxJobs jobs
// in all, answers ModelArts.0118; a stopped job frees its place.
func TestCreate_quota(t *testing.T) {
	h := newHarness(t, Config{Quota: 2, MaxJobs: 3})
	a := h.create("a")
	h.create("b")
	expectError(t, h.do("POST", jobsPath, `{"job_name":"c","train_url":"/b/"}`), 400, "ModelArts.0118", "at most 2")
	if r := h.do("POST", jobPath(a)+"/stop", ""); r.status != 200 {
		t.Fatalf("stop: %d %s", r.status, r.raw)
	}
	h.create("c")
	expectError(t, h.do("POST", jobsPath, `{"job_name":"d","train_url":"/b/"}`), 400, "ModelArts.0118", "at most 3 visualization jobs may exist")

	l := h.do("GET", jobsPath, "")
	if l.num("quotas") != 2 || l.num("job_count_limit") != 0 || l.num("job_total_count") != 3 {
		t.Fatalf("list counters: %s", l.raw)
	}
	// Restart counts against the quota too.
	h.clock.Add(time.Second)
	expectError(t, h.do("POST", jobPath(a)+"/restart", ""), 400, "ModelArts.0118", "at most 2")
}

// TestLifecycle_startStopRestart walks a job through INIT, WAITING, RUNNING,
// KILLING, CANCELED and back, with the clock moved by hand.
func TestLifecycle_startStopRestart(t *testing.T) {
	h := newHarness(t, Config{StartDelay: 100 * time.Millisecond, StopDelay: 50 * time.Millisecond})
	id := h.create("life")
	status := func() (int64, int64) {
		r := h.do("GET", jobPath(id), "")
		return r.num("status"), r.num("duration")
	}
	expect := func(step string, wantStatus, wantDur int64) {
		t.Helper()
		if s, d := status(); s != wantStatus || d != wantDur {
			t.Fatalf("%s: status %d duration %d, want %d and %d", step, s, d, wantStatus, wantDur)
		}
	}
	expect("created", StatusInit, 0)
	h.clock.Add(50 * time.Millisecond)
	expect("half way", StatusWaiting, 0)
	h.clock.Add(50 * time.Millisecond)
	expect("started", StatusRunning, 0)
	h.clock.Add(1500 * time.Millisecond)
	expect("running", StatusRunning, 1500)

	expectError(t, h.do("POST", jobPath(id)+"/restart", ""), 400, "ModelArts.0105", "This job can't be restart. job status: 8")
	if r := h.do("POST", jobPath(id)+"/stop", ""); r.status != 200 || r.body["is_success"] != true {
		t.Fatalf("stop: %d %s", r.status, r.raw)
	}
	expect("stopping", StatusKilling, 1500)
	expectError(t, h.do("DELETE", jobPath(id), ""), 400, "ModelArts.0105", "This job can't be delete. job status: 9")
	expectError(t, h.do("POST", jobPath(id)+"/stop", ""), 400, "ModelArts.0105", "This job can't be stop. job status: 9")
	h.clock.Add(50 * time.Millisecond)
	expect("stopped", StatusCanceled, 1500)
	h.clock.Add(time.Hour)
	expect("still stopped", StatusCanceled, 1500)
	expectError(t, h.do("POST", jobPath(id)+"/stop", ""), 400, "ModelArts.0105", "This job can't be stop. job status: 13")

	if r := h.do("POST", jobPath(id)+"/restart", ""); r.status != 200 {
		t.Fatalf("restart: %d %s", r.status, r.raw)
	}
	expect("restarted", StatusInit, 0)
	h.clock.Add(300 * time.Millisecond)
	expect("running again", StatusRunning, 200)

	// A job may be stopped while it starts, too.
	id2 := h.create("early")
	if r := h.do("POST", jobPath(id2)+"/stop", ""); r.status != 200 {
		t.Fatalf("stop during INIT: %d %s", r.status, r.raw)
	}
}

// TestLifecycle_realClock runs the default-shaped lifecycle on the real clock
// with small delays, as the provider tests will.
func TestLifecycle_realClock(t *testing.T) {
	h := newHarness(t, Config{Now: time.Now, StartDelay: 30 * time.Millisecond, StopDelay: 30 * time.Millisecond})
	id := h.create("real")
	waitFor := func(want int64) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Second)
		for {
			j, _ := h.emu.Job(id)
			if j.Status == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("status %d, want %d", j.Status, want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor(StatusRunning)
	h.do("POST", jobPath(id)+"/stop", "")
	waitFor(StatusCanceled)
}

// TestLifecycle_autoStop: schedule.duration hours of HourScale after RUNNING
// the job stops by itself (KILLING, then CANCELED) and duration stops growing.
func TestLifecycle_autoStop(t *testing.T) {
	h := newHarness(t, Config{StartDelay: 10 * time.Millisecond, StopDelay: 20 * time.Millisecond, HourScale: 100 * time.Millisecond})
	id := h.create("auto", `"schedule":[{"type":"stop","time_unit":"HOURS","duration":2}]`)
	noStop := h.create("zero", `"schedule":{"type":"stop","time_unit":"HOURS","duration":0}`)
	h.clock.Add(10*time.Millisecond + 199*time.Millisecond)
	if j, _ := h.emu.Job(id); j.Status != StatusRunning || j.Duration != 199 {
		t.Fatalf("before the auto-stop: %+v", j)
	}
	h.clock.Add(time.Millisecond)
	if j, _ := h.emu.Job(id); j.Status != StatusKilling || j.Duration != 200 {
		t.Fatalf("at the auto-stop: %+v", j)
	}
	h.clock.Add(20 * time.Millisecond)
	if j, _ := h.emu.Job(id); j.Status != StatusCanceled || j.Duration != 200 {
		t.Fatalf("after the auto-stop: %+v", j)
	}
	if j, _ := h.emu.Job(noStop); j.Status != StatusRunning {
		t.Fatalf("duration 0 must not stop the job: %+v", j)
	}
}

// TestSetNextCreateFailure: the next created job fails where it would have
// run; the one after runs.
func TestSetNextCreateFailure(t *testing.T) {
	h := newHarness(t, Config{})
	h.emu.SetNextCreateFailure(StatusImageFailed)
	bad := h.create("bad")
	good := h.create("good")
	h.clock.Add(time.Second)
	if j, _ := h.emu.Job(bad); j.Status != StatusImageFailed {
		t.Fatalf("failed job: %+v", j)
	}
	if j, _ := h.emu.Job(good); j.Status != StatusRunning {
		t.Fatalf("next job: %+v", j)
	}
	// A failed job can be restarted only from FAILED-like stopped states;
	// IMAGE_FAILED (3) is not one of them.
	expectError(t, h.do("POST", jobPath(bad)+"/restart", ""), 400, "ModelArts.0105", "job status: 3")
	h.emu.SetNextCreateFailure(StatusFailed)
	failed := h.create("failed")
	h.clock.Add(time.Second)
	if r := h.do("POST", jobPath(failed)+"/restart", ""); r.status != 200 {
		t.Fatalf("restart from FAILED: %d %s", r.status, r.raw)
	}
}

// TestGetUpdateDelete covers the single-job operations and their errors.
func TestGetUpdateDelete(t *testing.T) {
	h := newHarness(t, Config{})
	id := h.create("job1", `"job_desc":"old"`)

	if r := h.do("PUT", jobPath(id), `{"job_desc":"new description"}`); r.status != 200 || r.body["is_success"] != true {
		t.Fatalf("update: %d %s", r.status, r.raw)
	}
	if r := h.do("GET", jobPath(id), ""); r.str("job_desc") != "new description" {
		t.Fatalf("update not kept: %s", r.raw)
	}
	if r := h.do("PUT", jobPath(id), `{"job_desc":""}`); r.status != 200 {
		t.Fatalf("clearing the description: %d %s", r.status, r.raw)
	}
	expectError(t, h.do("PUT", jobPath(id), `{"job_desc":"`+strings.Repeat("x", 257)+`"}`), 400, "ModelArts.0104", "job_desc")
	expectError(t, h.do("PUT", jobPath(id), `{}`), 400, "ModelArts.0104", "job_desc")
	expectError(t, h.do("PUT", jobPath(id), `{"job_desc":"x","job_name":"y"}`), 400, "ModelArts.0101", "job_name")
	expectError(t, h.do("PUT", jobPath(999), `{"job_desc":"x"}`), 404, "ModelArts.0015", "visualization job 999 does not exist")

	for _, op := range []struct{ method, suffix string }{{"GET", ""}, {"DELETE", ""}, {"POST", "/stop"}, {"POST", "/restart"}} {
		expectError(t, h.do(op.method, jobPath(123)+op.suffix, ""), 404, "ModelArts.0015", "visualization job 123 does not exist")
		expectError(t, h.do(op.method, jobsPath+"/abc"+op.suffix, ""), 400, "ModelArts.0101", `"abc"`)
	}
	expectError(t, h.do("GET", jobsPath+"/-5", ""), 400, "ModelArts.0101", `"-5"`)

	if r := h.do("DELETE", jobPath(id), ""); r.status != 200 || r.body["is_success"] != true {
		t.Fatalf("delete: %d %s", r.status, r.raw)
	}
	expectError(t, h.do("GET", jobPath(id), ""), 404, "ModelArts.0015", "does not exist")
}

// TestDelete_delay: with DeleteDelay a deleted job stays visible, then goes.
func TestDelete_delay(t *testing.T) {
	h := newHarness(t, Config{DeleteDelay: time.Second, MaxJobs: 5})
	id := h.create("slow")
	h.do("DELETE", jobPath(id), "")
	if r := h.do("GET", jobPath(id), ""); r.status != 200 {
		t.Fatalf("deleted job vanished at once: %d", r.status)
	}
	if r := h.do("DELETE", jobPath(id), ""); r.status != 200 {
		t.Fatalf("second delete: %d %s", r.status, r.raw)
	}
	if l := h.do("GET", jobsPath, ""); l.num("job_count_limit") != 5 || l.num("job_total_count") != 1 {
		t.Fatalf("a job being deleted is listed but does not count against the limit: %s", l.raw)
	}
	h.clock.Add(time.Second)
	expectError(t, h.do("GET", jobPath(id), ""), 404, "ModelArts.0015", "does not exist")
	if l := h.do("GET", jobsPath, ""); l.num("job_total_count") != 0 {
		t.Fatalf("deleted job still listed: %s", l.raw)
	}
}

// TestList_queries covers paging, both sort spellings, order, filters and the
// parameter errors.
func TestList_queries(t *testing.T) {
	h := newHarness(t, Config{Quota: 20})
	names := []string{"delta", "alpha", "charlie", "bravo", "echo-tb", "Alpha2"}
	for _, n := range names {
		h.create(n, `"job_desc":"desc `+n+`"`)
		h.clock.Add(time.Millisecond)
	}
	h.clock.Add(time.Second)
	h.do("POST", jobPath(3)+"/stop", "")

	ids := func(r result) string {
		var out []string
		jobs, _ := r.body["jobs"].([]any)
		for _, j := range jobs {
			job, _ := j.(map[string]any)
			out = append(out, fmt.Sprint(job["job_id"]))
		}
		return strings.Join(out, ",")
	}
	cases := []struct{ query, want string }{
		{"", "1,2,3,4,5,6"},
		{"?per_page=2", "1,2"},
		{"?per_page=2&page=3", "5,6"},
		{"?per_page=4&page=3", ""},
		{"?sortBy=job_name", "6,2,4,3,1,5"},
		{"?sort_by=job_name&order=desc", "5,1,3,4,2,6"},
		{"?sortBy=create_time&order=desc", "6,5,4,3,2,1"},
		{"?sortBy=job_desc&per_page=1", "6"},
		{"?sortBy=status", "1,2,4,5,6,3"},
		{"?status=9", "3"},
		{"?status=8&order=desc", "6,5,4,2,1"},
		{"?search_content=alpha", "2,6"},
		{"?search_content=-tb", "5"},
		{"?workspace_id=0", "1,2,3,4,5,6"},
		{"?workspace_id=7", ""},
	}
	for _, tc := range cases {
		r := h.do("GET", jobsPath+tc.query, "")
		if r.status != 200 || ids(r) != tc.want {
			t.Errorf("list%s = %d [%s], want [%s]", tc.query, r.status, ids(r), tc.want)
		}
	}
	r := h.do("GET", jobsPath+"?search_content=alpha&per_page=1", "")
	if r.num("job_total_count") != 2 || r.num("job_count_limit") != DefaultMaxJobs-6 || r.num("quotas") != 20 || r.body["is_success"] != true {
		t.Errorf("counters: %s", r.raw)
	}
	first := r.listed(0)
	for _, k := range []string{"job_id", "job_name", "job_desc", "status", "create_time", "duration", "train_url", "service_url", "resource_id"} {
		if _, ok := first[k]; !ok {
			t.Errorf("list element lacks %s", k)
		}
	}
	if _, ok := first["is_success"]; ok {
		t.Error("list element carries is_success")
	}

	for query, field := range map[string]string{
		"?search_content=" + strings.Repeat("a", 65): "search_content",
		"?per_page=0":                   "per_page",
		"?per_page=1001":                "per_page",
		"?per_page=ten":                 "per_page",
		"?page=0":                       "page",
		"?status=running":               "status",
		"?sortBy=duration":              "sortBy",
		"?sortBy=job_id&sort_by=status": "sortBy",
		"?order=up":                     "order",
		"?perPage=5":                    "perPage",
		"?page=1&page=2":                "page",
	} {
		expectError(t, h.do("GET", jobsPath+query, ""), 400, "ModelArts.0104", field)
	}
	if r := h.do("GET", jobsPath+"?search_content="+strings.Repeat("é", 64)+"&per_page=1000", ""); r.status != 200 {
		t.Errorf("64 characters and 1000 per page refused: %d %s", r.status, r.raw)
	}
}

// TestNumbersAsStrings: job_id, status, create_time and duration become
// strings everywhere, as in the docs' samples.
func TestNumbersAsStrings(t *testing.T) {
	h := newHarness(t, Config{NumbersAsStrings: true})
	r := h.do("POST", jobsPath, `{"job_name":"s","train_url":"/b/"}`)
	if r.body["job_id"] != "1" || r.body["status"] != "1" || r.body["create_time"] != fmt.Sprint(h.clock.Now().UnixMilli()) {
		t.Fatalf("create: %s", r.raw)
	}
	g := h.do("GET", jobPath(1), "")
	if g.body["job_id"] != "1" || g.body["duration"] != "0" {
		t.Fatalf("get: %s", g.raw)
	}
	l := h.do("GET", jobsPath, "")
	if l.listed(0)["status"] != "1" || l.body["job_total_count"] != 1.0 {
		t.Fatalf("list: %s", l.raw)
	}
}

// TestRouting_unknownAndWrongMethod: unknown paths are 404 and wrong methods
// 405, before authentication, both in the API gateway's shape (exactly
// error_code, error_msg and request_id: the gateway knows no is_success).
func TestRouting_unknownAndWrongMethod(t *testing.T) {
	h := newHarness(t, Config{})
	for _, p := range []string{"/", "/v2/" + DefaultProjectID + "/visualization-jobs", jobsPath + "/", jobPath(1) + "/pause",
		"/v1/" + DefaultProjectID + "/training-jobs", jobPath(1) + "/stop/now", "/v3/auth/tokens/x"} {
		r := h.do("GET", p, "", withNoAuth())
		if r.status != 404 || !gatewayShaped(r) || r.str("error_code") != "APIG.0101" {
			t.Errorf("GET %s: %d %s", p, r.status, r.raw)
		}
	}
	for _, tc := range []struct{ method, path, allow string }{
		{"DELETE", jobsPath, "GET, POST"},
		{"POST", jobPath(1), "GET, PUT, DELETE"},
		{"GET", jobPath(1) + "/stop", "POST"},
		{"PUT", jobPath(1) + "/restart", "POST"},
	} {
		r := h.do(tc.method, tc.path, "", withNoAuth())
		if r.status != 405 || !gatewayShaped(r) || r.header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d Allow %q %s", tc.method, tc.path, r.status, r.header.Get("Allow"), r.raw)
		}
	}
	recs := h.emu.Requests()
	if last := recs[len(recs)-1]; last.Op != "" || last.JobID != "1" || last.Status != 405 {
		t.Errorf("record of a 405: %+v", last)
	}
}

// TestRequests_recorded: every request is recorded with its op, job, status
// and auth, and counted per op.
func TestRequests_recorded(t *testing.T) {
	h := newHarness(t, Config{})
	h.create("rec")
	h.do("GET", jobPath(1), "")
	h.do("GET", jobPath(2), "", withToken("bad"))
	h.do("GET", jobsPath, "", withLegacy())
	recs := h.emu.Requests()
	want := []RequestRecord{
		{"POST", jobsPath, "create", "", 200, "aksk"},
		{"GET", jobPath(1), "get", "1", 200, "aksk"},
		{"GET", jobPath(2), "get", "2", 401, "token"},
		{"GET", jobsPath, "list", "", 200, "aksk-legacy"},
	}
	if fmt.Sprint(recs) != fmt.Sprint(want) {
		t.Fatalf("records\n got %+v\nwant %+v", recs, want)
	}
	if h.emu.RequestCount("get") != 2 || h.emu.RequestCount("") != 4 || h.emu.RequestCount("delete") != 0 {
		t.Fatalf("counts: get %d all %d", h.emu.RequestCount("get"), h.emu.RequestCount(""))
	}
	h.emu.ResetRequests()
	if len(h.emu.Requests()) != 0 || h.emu.RequestCount("") != 0 {
		t.Fatal("ResetRequests kept records")
	}
}

// TestLogf_noSecrets: the request log names what happened and never a
// credential.
func TestLogf_noSecrets(t *testing.T) {
	var (
		mu    sync.Mutex
		lines []string
	)
	h := newHarness(t, Config{Logf: func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}})
	h.create("logged")
	h.do("GET", jobsPath, "", withTemp(nil, true))
	h.do("GET", jobsPath, "", withToken(DefaultToken))
	r := h.do("POST", "/v3/auth/tokens", iamBody(DefaultUser, DefaultPassword, DefaultDomain, projectScope), withNoAuth())
	mu.Lock()
	log := strings.Join(lines, "\n")
	mu.Unlock()
	if len(lines) != 4 || !strings.Contains(log, "POST "+jobsPath+" op=create") {
		t.Fatalf("log:\n%s", log)
	}
	for _, secret := range []string{DefaultSecretKey, DefaultTempSecretKey, DefaultSecurityToken, DefaultToken, DefaultPassword,
		r.header.Get("X-Subject-Token"), "Signature="} {
		if strings.Contains(log, secret) {
			t.Errorf("log contains secret %q", secret)
		}
	}
}
