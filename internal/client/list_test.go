package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pageBody writes a list page holding the given job IDs.
func pageBody(total int64, ids ...int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"is_success":true,"job_total_count":%d,"jobs":[`, total)
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"job_id":%d,"job_name":"j%d","status":8}`, id, id)
	}
	b.WriteString("]}")
	return b.String()
}

func idRange(from, to int64) []int64 {
	var ids []int64
	for i := from; i <= to; i++ {
		ids = append(ids, i)
	}
	return ids
}

// pages answers page n (from the query) with pages[n-1], and an empty page past them.
func pages(list ...string) func(http.ResponseWriter, *http.Request, []byte, int) {
	return func(w http.ResponseWriter, r *http.Request, _ []byte, _ int) {
		n, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if n < 1 || n > len(list) {
			writeJSON(w, 200, pageBody(0))
			return
		}
		writeJSON(w, 200, list[n-1])
	}
}

func jobIDs(p *ListPage) []int64 {
	ids := make([]int64, len(p.Jobs))
	for i, j := range p.Jobs {
		ids[i] = *j.JobID
	}
	return ids
}

// Pages of a list that changes while it is read, as on a real cloud, are accepted
// within the documented tolerance; a server that contradicts itself is an error.
func TestListAllVisualizationJobs_doesNotTrustTheServer(t *testing.T) {
	cases := []struct {
		name     string
		per      int
		handler  func(http.ResponseWriter, *http.Request, []byte, int)
		wantIDs  []int64
		wantReqs int
		wantErr  error  // nil: success
		errText  string // in the message
	}{
		{name: "short page ends the list although the total says more", per: 2,
			handler: pages(pageBody(5, 1, 2), pageBody(5, 3)), wantIDs: []int64{1, 2, 3}, wantReqs: 2},
		{name: "total shrinks while paging (jobs deleted)", per: 2,
			handler: pages(pageBody(6, 1, 2), pageBody(3, 5)), wantIDs: []int64{1, 2, 5}, wantReqs: 2},
		{name: "total grows while paging (jobs created)", per: 2,
			handler: pages(pageBody(3, 1, 2), pageBody(4, 3, 4)), wantIDs: []int64{1, 2, 3, 4}, wantReqs: 2},
		{name: "a job pushed onto the next page by a new one is kept once", per: 2,
			handler: pages(pageBody(4, 9, 8), pageBody(5, 8, 7), pageBody(5, 6)), wantIDs: []int64{9, 8, 7, 6}, wantReqs: 3},
		{name: "server ignoring page repeats page 1", per: 2,
			handler:  func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) { writeJSON(w, 200, pageBody(4, 1, 2)) },
			wantReqs: 2, wantErr: ErrListInconsistent, errText: `page 2: inconsistent list pages: all 2 jobs on the page were listed on earlier pages (the server may be ignoring "page")`},
		{name: "a job twice on one page", per: 3,
			handler: pages(pageBody(3, 1, 2, 1)), wantReqs: 1, wantErr: ErrListInconsistent, errText: "job 1 is listed twice on the page"},
		{name: "more distinct jobs than announced", per: 2,
			handler: pages(pageBody(3, 1, 2), pageBody(3, 3, 4)), wantReqs: 2, wantErr: ErrListInconsistent,
			errText: "4 distinct jobs listed, more than the job_total_count announced (3)"},
		{name: "jobs with a total of zero", per: 2,
			handler: pages(pageBody(0, 1)), wantReqs: 1, wantErr: ErrListInconsistent, errText: "more than the job_total_count announced (0)"},
		{name: "more jobs on a page than per_page", per: 2,
			handler: pages(pageBody(3, 1, 2, 3)), wantReqs: 1, wantErr: ErrListInconsistent, errText: "the page holds 3 jobs, more than the 2 asked for"},
		{name: "negative total", per: 2,
			handler: pages(pageBody(-1, 1)), wantReqs: 1, wantErr: ErrListInconsistent, errText: "job_total_count -1 is negative"},
		{name: "huge total fails on the first page", per: 1000,
			handler: pages(pageBody(1_000_000_000_000, idRange(1, 1000)...)), wantReqs: 1, wantErr: ErrListTooLarge,
			errText: "page 1: list too large: the server announces 1000000000000 jobs (job_total_count), more than this client reads: at most 50000 jobs in 51 pages of 1000"},
		{name: "total just past the jobs bound", per: 1000,
			handler: pages(pageBody(MaxListJobs+1, idRange(1, 1000)...)), wantReqs: 1, wantErr: ErrListTooLarge, errText: "at most 50000 jobs"},
		{name: "small pages reach the page bound first", per: 10,
			handler: pages(pageBody(1000, idRange(1, 10)...)), wantReqs: 1, wantErr: ErrListTooLarge, errText: "at most 510 jobs in 51 pages of 10"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newAPIServer(t, tc.handler)
			p, err := akClient(t, srv).ListAllVisualizationJobs(ctxTimeout(t, 10*time.Second), ListOptions{PerPage: tc.per})
			if srv.count() != tc.wantReqs {
				t.Errorf("%d requests, want %d", srv.count(), tc.wantReqs)
			}
			if tc.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if got := fmt.Sprint(jobIDs(p)); got != fmt.Sprint(tc.wantIDs) {
					t.Errorf("job IDs %s, want %s", got, fmt.Sprint(tc.wantIDs))
				}
				return
			}
			if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.errText) {
				t.Fatalf("want %v containing %q, got %v", tc.wantErr, tc.errText, err)
			}
			if p != nil {
				t.Error("a page came back with the error")
			}
			// An inconsistent list is a malformed answer; a list too large is not.
			if errors.Is(err, ErrMalformedResponse) != (tc.wantErr == ErrListInconsistent) {
				t.Errorf("errors.Is(err, ErrMalformedResponse) = %v", errors.Is(err, ErrMalformedResponse))
			}
			if IsAnswerLost(err) || IsNotFound(err) {
				t.Error("a list failure reads as a lost answer or a missing job")
			}
		})
	}
}

// A consistent server with the most jobs the bound allows is read in full: the bound
// is not lower than documented.
func TestListAllVisualizationJobs_readsUpToTheBound(t *testing.T) {
	if testing.Short() {
		t.Skip("50,000 jobs")
	}
	srv := pagedServer(t, MaxListJobs)
	p, err := akClient(t, srv).ListAllVisualizationJobs(context.Background(), ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Jobs) != MaxListJobs || srv.count() != MaxListJobs/listAllPerPage {
		t.Errorf("%d jobs in %d requests", len(p.Jobs), srv.count())
	}
}

// Every page read adds a job: a server that keeps announcing more and sends one new
// job per full page stops at MaxListPages.
func TestListAllVisualizationJobs_pageBoundHolds(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte, _ int) {
		n, _ := strconv.Atoi(r.URL.Query().Get("page"))
		// Two jobs a page, one of them the previous page's: a list that never ends.
		writeJSON(w, 200, pageBody(100, int64(n), int64(n+1)))
	})
	_, err := akClient(t, srv).ListAllVisualizationJobs(context.Background(), ListOptions{PerPage: 2})
	if !errors.Is(err, ErrListTooLarge) || !strings.Contains(err.Error(), "read 51 pages (the bound)") {
		t.Fatalf("got %v", err)
	}
	if srv.count() != MaxListPages {
		t.Errorf("%d requests, want %d", srv.count(), MaxListPages)
	}
}

// A list element without a positive job_id cannot be told apart from the others.
func TestListVisualizationJobs_refusesJobsWithoutAPositiveID(t *testing.T) {
	for name, body := range map[string]string{
		"missing":  `{"job_total_count":1,"jobs":[{"job_name":"j"}]}`,
		"zero":     `{"job_total_count":1,"jobs":[{"job_id":0}]}`,
		"negative": `{"job_total_count":1,"jobs":[{"job_id":"-5"}]}`,
		"null":     `{"job_total_count":1,"jobs":[{"job_id":null}]}`,
	} {
		srv := newAPIServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) { writeJSON(w, 200, body) })
		_, err := akClient(t, srv).ListVisualizationJobs(context.Background(), ListOptions{})
		if !errors.Is(err, ErrMalformedResponse) || !strings.Contains(err.Error(), "jobs[0]") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
