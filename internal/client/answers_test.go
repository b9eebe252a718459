package client

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// Every answer is checked against the question: the job in the body is the job in the
// path, IDs are positive, and no key is given twice (in any case) for encoding/json to
// fold into one.
func TestGetVisualizationJob_answerCheckedAgainstTheQuestion(t *testing.T) {
	cases := []struct {
		name, body string
		wantID     int64  // 0: an error
		errText    string // in the error
	}{
		{"same ID", `{"job_id":8992,"job_name":"j"}`, 8992, ""},
		{"same ID as a string", `{"job_id":"8992","job_name":"j"}`, 8992, ""},
		{"no job_id", `{"job_name":"j","status":8}`, -1, ""},
		{"another job", `{"job_id":777,"job_name":"j"}`, 0, "the answer for job 8992 describes job 777"},
		{"duplicate key in another case", `{"job_id":8992,"Job_ID":777}`, 0, `duplicate key "job_id" (also given as "Job_ID"`},
		{"duplicate key, same case", `{"job_id":8992,"job_id":8992}`, 0, `duplicate key "job_id"`},
		{"duplicate key folded by Unicode", "{\"status\":8,\"\u017ftatus\":3,\"job_id\":8992}", 0, "duplicate key"},
		{"duplicate key escaped", `{"job_id":8992,"job_\u0069d":777}`, 0, `duplicate key "job_id"`},
		{"duplicate unknown key", `{"job_id":8992,"x":1,"X":2}`, 0, `duplicate key "x"`},
		{"zero ID", `{"job_id":0}`, 0, "job_id 0 is not a positive integer"},
		{"negative ID", `{"job_id":"-8992"}`, 0, "job_id -8992 is not a positive integer"},
		{"nested duplicates are not the job's", `{"job_id":8992,"flavor":{"code":"a","Code":"b"}}`, 8992, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newAPIServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) { writeJSON(w, 200, tc.body) })
			j, err := akClient(t, srv).GetVisualizationJob(context.Background(), "8992")
			switch {
			case tc.wantID > 0:
				if err != nil || j.JobID == nil || *j.JobID != tc.wantID {
					t.Fatalf("got %v, %v", j, err)
				}
			case tc.wantID < 0:
				if err != nil || j.JobID != nil {
					t.Fatalf("got %v, %v", j, err)
				}
			default:
				if !errors.Is(err, ErrMalformedResponse) || !strings.Contains(err.Error(), tc.errText) ||
					!strings.Contains(err.Error(), `getting visualization job "8992"`) {
					t.Fatalf("want a malformed answer saying %q, got %v", tc.errText, err)
				}
				if IsNotFound(err) || IsAnswerLost(err) {
					t.Error("a malformed answer reads as not found or lost")
				}
				if srv.count() != 1 {
					t.Errorf("retried: %d requests", srv.count())
				}
			}
		})
	}
}

func TestCreateVisualizationJob_answerWithoutAUsableID(t *testing.T) {
	for name, body := range map[string]string{
		"missing":       `{"is_success":true,"job_name":"j"}`,
		"null":          `{"is_success":true,"job_id":null}`,
		"zero":          `{"is_success":true,"job_id":0}`,
		"negative":      `{"is_success":true,"job_id":"-3"}`,
		"duplicate key": `{"is_success":true,"job_id":10,"JOB_ID":11}`,
	} {
		srv := newAPIServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) { writeJSON(w, 200, body) })
		_, err := akClient(t, srv).CreateVisualizationJob(context.Background(), CreateRequest{JobName: "j", TrainURL: "/b/"})
		if !errors.Is(err, ErrMalformedResponse) || IsAnswerLost(err) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A duplicate is_success or error_code could turn a failure into a success.
func TestSimpleOperations_duplicateKeysAreMalformed(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
		writeJSON(w, 200, `{"is_success":false,"error_code":"ModelArts.0105","IS_SUCCESS":true}`)
	})
	err := akClient(t, srv).StopVisualizationJob(context.Background(), "197")
	if !errors.Is(err, ErrMalformedResponse) || !strings.Contains(err.Error(), `duplicate key "is_success"`) {
		t.Fatalf("got %v", err)
	}
}

// The failure of a request names the host it went to, so that a wrong endpoint is
// visible; a 2xx with is_success false carries it too.
func TestAPIError_carriesTheHost(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
		writeJSON(w, 200, `{"is_success":false,"error_code":"ModelArts.0015","error_msg":"job does not exist"}`)
	})
	_, err := akClient(t, srv).GetVisualizationJob(context.Background(), "1")
	var e *APIError
	if !errors.As(err, &e) || e.Host != strings.TrimPrefix(srv.URL, "http://") || e.Path != jobsPath+"/1" {
		t.Fatalf("host %q path %q: %v", e.Host, e.Path, err)
	}
}

func TestCheckKeys_lists(t *testing.T) {
	cases := map[string]string{
		`{"jobs":[{"job_id":1},{"job_id":2,"JOB_ID":3}]}`:       `jobs[1]: duplicate key "job_id"`,
		`{"jobs":[{"job_id":1}],"Jobs":[]}`:                     `duplicate key "jobs"`,
		`{"Jobs":[{"job_id":1,"job_id":1}]}`:                    `jobs[0]: duplicate key "job_id"`,
		`{"jobs":[{"a":"}\"{","b":[{"c":1,"c":2}]}, {"a":1}] }`: "",
		`{"jobs":null}`:   "",
		`[{"a":1,"a":2}]`: "",
	}
	for body, want := range cases {
		err := checkKeys([]byte(body), "jobs")
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: got %v, want %q", body, err, want)
		}
	}
	// Past the inline comparisons, the map finds duplicates too.
	var b strings.Builder
	b.WriteString("{")
	for i := range 100 {
		b.WriteString(`"k` + string(rune('a'+i%26)) + string(rune('a'+i/26)) + `":1,`)
	}
	b.WriteString(`"KA` + "D" + `":2}`)
	if err := checkKeys([]byte(b.String()), ""); err == nil || !strings.Contains(err.Error(), `"KAD"`) {
		t.Errorf("100 keys and a duplicate: %v", err)
	}
}

// The error of a wrong endpoint names the path without the query of the request.
func TestListVisualizationJobs_endpointErrorHasNoQuery(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
		writeJSON(w, 404, `{"error_code":"APIG.0101","error_msg":"API does not exist"}`)
	})
	_, err := akClient(t, srv).ListVisualizationJobs(context.Background(), ListOptions{SearchContent: "secret-name", PerPage: 5})
	if !IsEndpointNotFound(err) || IsNotFound(err) {
		t.Fatalf("got %v", err)
	}
	if s := err.Error(); strings.Contains(s, "secret-name") || strings.Contains(s, "per_page") || strings.Contains(s, "?") ||
		!strings.Contains(s, jobsPath+", code APIG.0101") {
		t.Errorf("error %s", s)
	}
}
