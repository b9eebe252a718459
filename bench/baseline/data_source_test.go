package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestConnGet_sendsOneTokenGETAndDecodes(t *testing.T) {
	var gets int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gets++
		if r.Method != http.MethodGet || r.URL.Path != "/base/v1/proj/visualization-jobs/8992" {
			http.Error(w, "wrong request "+r.Method+" "+r.URL.Path, http.StatusNotFound)
			return
		}
		if r.Header.Get("X-Auth-Token") != "tok" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{"is_success":true,"job_id":8992,"job_name":"resnet50-tb","job_desc":"",` +
			`"status":8,"create_time":1717578000000,"duration":1800000,"train_url":"/b/","service_url":"https://x/",` +
			`"resource_id":"r"}`))
	}))
	defer srv.Close()

	c := &conn{hc: srv.Client(), endpoint: srv.URL + "/base", projectID: "proj", token: "tok"}
	j, err := c.get(context.Background(), "8992")
	if err != nil {
		t.Fatal(err)
	}
	if gets != 1 {
		t.Fatalf("%d requests, want exactly 1", gets)
	}
	m := jobModel{VisualizationID: types.StringValue("8992"), FailOnError: types.BoolNull()}
	m.fill(j)
	checks := map[string][2]any{
		"id":            {m.ID.ValueString(), "8992"},
		"job_id":        {m.JobID.ValueInt64(), int64(8992)},
		"job_desc":      {m.JobDesc.IsNull(), false},
		"status_name":   {m.StatusName.ValueString(), "JOBSTAT_RUNNING"},
		"created_at":    {m.CreatedAt.ValueString(), "2024-06-05T09:00:00Z"},
		"fail_on_error": {m.FailOnError.ValueBool(), true},
		"remaining":     {m.RemainingDuration.IsNull(), true},
		"error_code":    {m.ErrorCode.IsNull(), true},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %v, want %v", name, c[0], c[1])
		}
	}
}

func TestConnGet_errorStatusIsAnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	c := &conn{hc: srv.Client(), endpoint: srv.URL, projectID: "p", token: "t"}
	if _, err := c.get(context.Background(), "1"); err == nil {
		t.Fatal("a 429 was accepted as a job")
	}
}

func TestFill_unknownStatusIsNamedNotDropped(t *testing.T) {
	s := int64(99)
	var m jobModel
	m.fill(&wireJob{Status: &s})
	if got := m.StatusName.ValueString(); got != "UNKNOWN(99)" {
		t.Fatalf("status_name = %q", got)
	}
}
