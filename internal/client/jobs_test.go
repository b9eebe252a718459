package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

func TestGetVisualizationJob_decodesEveryField(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
		writeJSON(w, 200, strings.Replace(sampleJob, `"is_success": true,`,
			`"is_success": true, "remaining_duration": 1.5, "job_type": "mindinsight",`, 1))
	})
	j, err := akClient(t, srv).GetVisualizationJob(context.Background(), "197")
	if err != nil {
		t.Fatal(err)
	}
	r := srv.requests()[0]
	if r.Method != http.MethodGet || r.Path != jobsPath+"/197" || r.RawQuery != "" || r.SigErr != nil {
		t.Errorf("request %s %s?%s sig %v", r.Method, r.Path, r.RawQuery, r.SigErr)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"job_id", deref(j.JobID), int64(197)},
		{"job_name", deref(j.JobName), "apiTest-11"},
		{"job_desc", deref(j.JobDesc), "ModelArts API Dialtest"},
		{"status", deref(j.Status), int64(7)},
		{"create_time", deref(j.CreateTime), int64(1565149736000)},
		{"duration", deref(j.Duration), int64(33000)},
		{"train_url", deref(j.TrainURL), "/wph-test/zl-test/Flowers-Set/ApiTest/"},
		{"service_url", deref(j.ServiceURL), "https://console.example/modelarts2/tensorboard/04f679b17380d32a2f32c00335c4b5ba/197/"},
		{"resource_id", deref(j.ResourceID), "e17dd874-b5e0-4e9b-aaf0-22b045ad8571"},
		{"remaining_duration", deref(j.RemainingDuration), 1.5},
		{"job_type", deref(j.JobType), "mindinsight"},
		{"is_success", deref(j.IsSuccess), true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if j.ErrorCode != nil || j.ErrorMessage != nil {
		t.Error("absent error fields are not nil")
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestGetVisualizationJob_numbersAsStringsAndNulls(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
		writeJSON(w, 200, `{"job_id":"10","job_name":"j","status":"7","create_time":"1524189990635","duration":"",
			"remaining_duration":null,"resource_id":null,"train_url":"/b/","job_desc":"","unknown":{"nested":[1,"x"]}}`)
	})
	j, err := akClient(t, srv).GetVisualizationJob(context.Background(), "10")
	if err != nil {
		t.Fatal(err)
	}
	if *j.JobID != 10 || *j.Status != 7 || *j.CreateTime != 1524189990635 {
		t.Errorf("numbers as strings: %d %d %d", *j.JobID, *j.Status, *j.CreateTime)
	}
	if j.Duration != nil || j.RemainingDuration != nil || j.ResourceID != nil || j.ServiceURL != nil || j.IsSuccess != nil {
		t.Error(`"", null and absent fields must be nil`)
	}
	if j.JobDesc == nil || *j.JobDesc != "" {
		t.Error(`an empty string field must be "" not nil`)
	}
}

func TestGetVisualizationJob_isSuccessFalseOn200(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
		writeJSON(w, 200, `{"is_success":false,"error_code":"ModelArts.0015","error_msg":"The job does not exist.","request_id":"req-9"}`)
	})
	_, err := akClient(t, srv).GetVisualizationJob(context.Background(), "197")
	var e *APIError
	if !errors.As(err, &e) {
		t.Fatalf("want *APIError, got %v", err)
	}
	if e.StatusCode != 200 || e.Code != "ModelArts.0015" || e.Message != "The job does not exist." || e.RequestID != "req-9" || e.Method != "GET" {
		t.Errorf("%+v", e)
	}
	if !IsNotFound(err) {
		t.Error("IsNotFound false")
	}
	if srv.count() != 1 {
		t.Errorf("%d requests", srv.count())
	}
}

func TestGetVisualizationJob_notFound(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
		w.Header().Set("X-Request-Id", "rid-404")
		writeJSON(w, 404, `{"error_code":"ModelArts.0015","error_message":"job does not exist"}`)
	})
	_, err := akClient(t, srv).GetVisualizationJob(context.Background(), "404")
	if !IsNotFound(err) {
		t.Fatalf("IsNotFound false for %v", err)
	}
	want := `getting visualization job "404": ModelArts API error: HTTP 404, code ModelArts.0015: job does not exist (request ID rid-404)`
	if err.Error() != want {
		t.Errorf("error\n got %s\nwant %s", err, want)
	}
}

func TestGetVisualizationJob_escapesID(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
		writeJSON(w, 200, `{"job_name":"j"}`) // no job_id to hold against the odd ID
	})
	c := akClient(t, srv)
	if _, err := c.GetVisualizationJob(context.Background(), "a/b c?d"); err != nil {
		t.Fatal(err)
	}
	r := srv.requests()[0]
	if r.Path != jobsPath+"/a%2Fb%20c%3Fd" || r.RawQuery != "" {
		t.Errorf("path %q query %q", r.Path, r.RawQuery)
	}
	if r.SigErr != nil {
		t.Errorf("signature over an escaped ID: %v", r.SigErr)
	}
	for _, bad := range []string{"", ".", ".."} {
		if _, err := c.GetVisualizationJob(context.Background(), bad); err == nil {
			t.Errorf("job ID %q accepted", bad)
		}
	}
	if srv.count() != 1 {
		t.Errorf("invalid IDs reached the server")
	}
}

func TestGetVisualizationJob_malformedBodyIsNotRetried(t *testing.T) {
	for name, body := range map[string]string{"html": "<html>ok</html>", "empty": "", "bad number": `{"job_id":"ten"}`, "array": `[1]`} {
		srv := newAPIServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) { writeJSON(w, 200, body) })
		_, err := akClient(t, srv).GetVisualizationJob(context.Background(), "197")
		if !errors.Is(err, ErrMalformedResponse) || !strings.Contains(err.Error(), `getting visualization job "197"`) || !strings.Contains(err.Error(), "malformed") {
			t.Errorf("%s: %v", name, err)
		}
		if srv.count() != 1 {
			t.Errorf("%s: retried %d times", name, srv.count())
		}
	}
}

func TestListVisualizationJobs_query(t *testing.T) {
	srv := newAPIServer(t, anyJobHandler)
	c := akClient(t, srv)
	status := int64(0)
	p, err := c.ListVisualizationJobs(context.Background(), ListOptions{
		Status: &status, PerPage: 50, Page: 2, SortBy: "create_time", Order: "desc", SearchContent: `job "a/b"+`, WorkspaceID: "ws-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListVisualizationJobs(context.Background(), ListOptions{}); err != nil {
		t.Fatal(err)
	}
	reqs := srv.requests()
	want := "order=desc&page=2&per_page=50&search_content=job%20%22a%2Fb%22%2B&sortBy=create_time&status=0&workspace_id=ws-1"
	if reqs[0].RawQuery != want || reqs[0].Path != jobsPath {
		t.Errorf("query\n got %s %s\nwant %s %s", reqs[0].Path, reqs[0].RawQuery, jobsPath, want)
	}
	if reqs[1].RawQuery != "" {
		t.Errorf("empty options sent %q", reqs[1].RawQuery)
	}
	for _, r := range reqs {
		if r.SigErr != nil {
			t.Error(r.SigErr)
		}
	}
	if p.JobTotalCount != 1 || p.JobCountLimit != 9 || p.Quotas != 10 || len(p.Jobs) != 1 || *p.Jobs[0].JobID != 197 || !*p.IsSuccess {
		t.Errorf("%+v", p)
	}
	for _, bad := range []ListOptions{{PerPage: 1001}, {PerPage: -1}, {Page: -1}} {
		if _, err := c.ListVisualizationJobs(context.Background(), bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// pagedServer serves total jobs, honouring page and per_page like the API.
func pagedServer(t *testing.T, total int) *apiServer {
	return newAPIServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte, _ int) {
		q := r.URL.Query()
		page, _ := strconv.Atoi(q.Get("page"))
		per, _ := strconv.Atoi(q.Get("per_page"))
		var b strings.Builder
		fmt.Fprintf(&b, `{"is_success":true,"job_total_count":%d,"job_count_limit":5,"quotas":10,"jobs":[`, total)
		for i := (page - 1) * per; i < min(page*per, total); i++ {
			if i > (page-1)*per {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"job_id":%d,"job_name":"j%d","status":8}`, i+1, i+1)
		}
		b.WriteString("]}")
		writeJSON(w, 200, b.String())
	})
}

func TestListAllVisualizationJobs_pages(t *testing.T) {
	srv := pagedServer(t, 2500)
	p, err := akClient(t, srv).ListAllVisualizationJobs(context.Background(), ListOptions{SortBy: "job_id"})
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests for 2,500 jobs, want 3", len(reqs))
	}
	for i, r := range reqs {
		want := fmt.Sprintf("page=%d&per_page=1000&sortBy=job_id", i+1)
		if r.RawQuery != want {
			t.Errorf("request %d query %q, want %q", i, r.RawQuery, want)
		}
	}
	if len(p.Jobs) != 2500 || p.JobTotalCount != 2500 {
		t.Fatalf("%d jobs, total %d", len(p.Jobs), p.JobTotalCount)
	}
	for i, j := range p.Jobs {
		if *j.JobID != int64(i+1) {
			t.Fatalf("job %d has ID %d", i, *j.JobID)
		}
	}
}

func TestListAllVisualizationJobs_exactMultipleAndCustomPageSize(t *testing.T) {
	srv := pagedServer(t, 20)
	p, err := akClient(t, srv).ListAllVisualizationJobs(context.Background(), ListOptions{PerPage: 10})
	if err != nil || len(p.Jobs) != 20 || srv.count() != 2 {
		t.Fatalf("%d jobs in %d requests: %v", len(p.Jobs), srv.count(), err)
	}
	srv = pagedServer(t, 0)
	p, err = akClient(t, srv).ListAllVisualizationJobs(context.Background(), ListOptions{})
	if err != nil || len(p.Jobs) != 0 || srv.count() != 1 {
		t.Fatalf("empty: %d jobs in %d requests: %v", len(p.Jobs), srv.count(), err)
	}
}

func TestListAllVisualizationJobs_errorNamesPage(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, n int) {
		if n == 2 {
			writeJSON(w, 400, `{"error_code":"ModelArts.0104","error_msg":"bad page"}`)
			return
		}
		writeJSON(w, 200, `{"job_total_count":3,"jobs":[{"job_id":1}]}`)
	})
	_, err := akClient(t, srv).ListAllVisualizationJobs(context.Background(), ListOptions{PerPage: 1})
	var e *APIError
	if !errors.As(err, &e) || !strings.Contains(err.Error(), "page 2") {
		t.Fatalf("got %v", err)
	}
}

func TestCreateVisualizationJob_bodyAndResult(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
		writeJSON(w, 200, `{"is_success":true,"job_id":"10","job_name":"vis-job-01","status":"1","create_time":"1524189990635"}`)
	})
	res, err := akClient(t, srv).CreateVisualizationJob(context.Background(), CreateRequest{
		JobName: "vis-job-01", JobDesc: "tensorboard for run 1", TrainURL: "/bucket/train/out/", JobType: "tensorboard",
		Flavor: &Flavor{Code: "modelarts.vm.cpu.2u"}, Schedule: &Schedule{Type: "stop", TimeUnit: "HOURS", Duration: 4},
	})
	if err != nil {
		t.Fatal(err)
	}
	if *res != (CreateResult{JobID: 10, JobName: "vis-job-01", Status: 1, CreateTime: 1524189990635}) {
		t.Errorf("%+v", res)
	}
	r := srv.requests()[0]
	want := `{"job_name":"vis-job-01","job_desc":"tensorboard for run 1","train_url":"/bucket/train/out/","job_type":"tensorboard","flavor":{"code":"modelarts.vm.cpu.2u"},"schedule":{"type":"stop","time_unit":"HOURS","duration":4}}`
	if r.Method != http.MethodPost || r.Path != jobsPath || string(r.Body) != want || r.SigErr != nil {
		t.Errorf("%s %s body %s sig %v", r.Method, r.Path, r.Body, r.SigErr)
	}
	// Optional fields are left out.
	srv2 := newAPIServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) { writeJSON(w, 200, `{"job_id":11}`) })
	if _, err := akClient(t, srv2).CreateVisualizationJob(context.Background(), CreateRequest{JobName: "j", TrainURL: "/b/"}); err != nil {
		t.Fatal(err)
	}
	if got := string(srv2.requests()[0].Body); got != `{"job_name":"j","train_url":"/b/"}` {
		t.Errorf("minimal body %s", got)
	}
}

func TestCreateVisualizationJob_failures(t *testing.T) {
	for name, tc := range map[string]struct {
		status int
		body   string
		check  func(error) bool
	}{
		"missing job_id":   {200, `{"is_success":true}`, func(err error) bool { return errors.Is(err, ErrMalformedResponse) }},
		"is_success false": {200, `{"is_success":false,"error_code":"ModelArts.0118","error_message":"quota exceeded"}`, func(err error) bool { var e *APIError; return errors.As(err, &e) && e.Code == "ModelArts.0118" }},
		"400":              {400, `{"error_code":"ModelArts.0104","error_msg":"bad name"}`, func(err error) bool { var e *APIError; return errors.As(err, &e) && e.StatusCode == 400 }},
	} {
		srv := newAPIServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) { writeJSON(w, tc.status, tc.body) })
		_, err := akClient(t, srv).CreateVisualizationJob(context.Background(), CreateRequest{JobName: "j", TrainURL: "/b/"})
		if err == nil || !tc.check(err) || !strings.Contains(err.Error(), `creating visualization job "j"`) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestSimpleOperations_pathsAndBodies(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte, n int) {
		if n%2 == 0 {
			w.WriteHeader(200) // an empty 2xx body is success too
			return
		}
		writeJSON(w, 200, `{"is_success":true}`)
	})
	c := akClient(t, srv)
	ctx := context.Background()
	steps := []struct {
		run              func() error
		method, path, bd string
	}{
		{func() error { return c.UpdateVisualizationJobDescription(ctx, "197", "") }, "PUT", jobsPath + "/197", `{"job_desc":""}`},
		{func() error { return c.UpdateVisualizationJobDescription(ctx, "197", "new desc") }, "PUT", jobsPath + "/197", `{"job_desc":"new desc"}`},
		{func() error { return c.DeleteVisualizationJob(ctx, "197") }, "DELETE", jobsPath + "/197", ""},
		{func() error { return c.StopVisualizationJob(ctx, "197") }, "POST", jobsPath + "/197/stop", ""},
		{func() error { return c.RestartVisualizationJob(ctx, "197") }, "POST", jobsPath + "/197/restart", ""},
	}
	for i, s := range steps {
		if err := s.run(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		r := srv.requests()[i]
		if r.Method != s.method || r.Path != s.path || string(r.Body) != s.bd || r.SigErr != nil {
			t.Errorf("step %d: %s %s %q sig %v", i, r.Method, r.Path, r.Body, r.SigErr)
		}
		checkCommonHeaders(t, r)
	}
}

func TestSimpleOperations_failures(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte, _ int) {
		if strings.HasSuffix(r.URL.Path, "/stop") {
			writeJSON(w, 200, `{"is_success":false,"error_code":"ModelArts.0105","error_message":"This job can't be stop. job status: 10"}`)
			return
		}
		writeJSON(w, 200, `not json`)
	})
	c := akClient(t, srv)
	err := c.StopVisualizationJob(context.Background(), "197")
	var e *APIError
	if !errors.As(err, &e) || e.Code != "ModelArts.0105" || e.StatusCode != 200 || !strings.Contains(err.Error(), `stopping visualization job "197"`) {
		t.Errorf("stop: %v", err)
	}
	if err := c.DeleteVisualizationJob(context.Background(), "197"); !errors.Is(err, ErrMalformedResponse) {
		t.Errorf("delete: %v", err)
	}
	if err := c.RestartVisualizationJob(context.Background(), ""); err == nil {
		t.Error("empty ID accepted")
	}
}
