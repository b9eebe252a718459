package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// VisualizationJob is a job as the API reports it. A nil field means the API
// omitted it (or sent null or ""); numbers are accepted as JSON numbers or strings.
type VisualizationJob struct {
	// JobID is the job ID (a Long in bodies, a string in paths).
	JobID *int64
	// JobName is the job name.
	JobName *string
	// JobDesc is the description, the only field that can be changed.
	JobDesc *string
	// Status is the status code (spec section 2); unknown codes are kept as they are.
	Status *int64
	// CreateTime is the creation time in Unix epoch milliseconds.
	CreateTime *int64
	// Duration is the running time in milliseconds.
	Duration *int64
	// TrainURL is the OBS path holding the summary files the job reads.
	TrainURL *string
	// ServiceURL is the address of the TensorBoard or MindInsight instance.
	ServiceURL *string
	// ResourceID is the billing resource ID.
	ResourceID *string
	// RemainingDuration is the auto-stop time left (older API revisions only).
	RemainingDuration *float64
	// JobType is "tensorboard" or "mindinsight" when the API reports it.
	JobType *string
	// IsSuccess is the body's is_success flag, when present.
	IsSuccess *bool
	// ErrorCode is the body's error_code, when present.
	ErrorCode *string
	// ErrorMessage is the body's error_message, else its error_msg, when present.
	ErrorMessage *string
}

// ListOptions filters and pages a list request; zero values are left out of the query
// so that the server applies its defaults.
type ListOptions struct {
	// Status filters by status code when non-nil.
	Status *int64
	// PerPage is the page size, 1 to 1000 (0: server default, 10).
	PerPage int
	// Page is the 1-based page number (0: server default, 1).
	Page int
	// SortBy is job_id, job_name, job_desc, create_time or status (sent as "sortBy").
	SortBy string
	// Order is asc or desc.
	Order string
	// SearchContent matches job names (up to 64 characters).
	SearchContent string
	// WorkspaceID selects the workspace (server default "0").
	WorkspaceID string
}

// ListPage is a list response.
type ListPage struct {
	// IsSuccess is the body's is_success flag, when present.
	IsSuccess *bool
	// JobTotalCount is how many jobs match, across all pages.
	JobTotalCount int64
	// JobCountLimit is how many more jobs may be created.
	JobCountLimit int64
	// Quotas is the maximum number of running visualization jobs.
	Quotas int64
	// Jobs are the jobs of this page (of every page, from ListAllVisualizationJobs).
	Jobs []VisualizationJob
}

// Flavor selects the resource specification of a job.
type Flavor struct {
	// Code is the resource specification code.
	Code string `json:"code"`
}

// Schedule is the auto-stop setting of a job.
type Schedule struct {
	// Type is "stop".
	Type string `json:"type"`
	// TimeUnit is "HOURS".
	TimeUnit string `json:"time_unit"`
	// Duration is how many TimeUnits the job runs before it is stopped (0 to 24).
	Duration int64 `json:"duration"`
}

// CreateRequest is the body of a create request (spec section 1.1).
type CreateRequest struct {
	// JobName is 1 to 20 characters of [0-9A-Za-z_-].
	JobName string `json:"job_name"`
	// JobDesc is 0 to 256 characters.
	JobDesc string `json:"job_desc,omitempty"`
	// TrainURL is the OBS directory holding the event files, e.g. /bucket/train/.
	TrainURL string `json:"train_url"`
	// JobType is tensorboard (the server default) or mindinsight.
	JobType string `json:"job_type,omitempty"`
	// Flavor is the resource specification; usually left out.
	Flavor *Flavor `json:"flavor,omitempty"`
	// Schedule is the auto-stop setting.
	Schedule *Schedule `json:"schedule,omitempty"`
}

// CreateResult is what a create request returns while the job starts.
type CreateResult struct {
	// JobID is the new job's ID.
	JobID int64
	// JobName is the job name as the server recorded it.
	JobName string
	// Status is the initial status code.
	Status int64
	// CreateTime is the creation time in Unix epoch milliseconds.
	CreateTime int64
}

// listAllPerPage is the largest page the API allows.
const listAllPerPage = 1000

// jobURL returns the URL and path of a job, or of its suffix action (/stop, /restart).
func (c *Client) jobURL(id, suffix string) (string, string, error) {
	switch id {
	case "":
		return "", "", errors.New("job ID is empty")
	case ".", "..":
		return "", "", fmt.Errorf("job ID %q is not valid", id)
	}
	u := c.prefix + "/" + url.PathEscape(id) + suffix
	return u, u[c.pathStart:], nil
}

// GetVisualizationJob returns the details of a job. A missing job is an *APIError
// for which IsNotFound reports true. The answer is checked against the question: a
// body whose job_id is not id, or not a positive integer, or that has duplicate keys
// (which encoding/json would fold into one) is an error wrapping ErrMalformedResponse.
func (c *Client) GetVisualizationJob(ctx context.Context, id string) (*VisualizationJob, error) {
	u, path, err := c.jobURL(id, "")
	if err != nil {
		return nil, fmt.Errorf("getting visualization job: %w", err)
	}
	res, err := c.do(ctx, &call{method: http.MethodGet, url: u, path: path, idempotent: true})
	if err != nil {
		return nil, fmt.Errorf("getting visualization job %q: %w", id, err)
	}
	// One allocation for both: the job's pointers point into the wire form.
	box := new(struct {
		w jobWire
		j VisualizationJob
	})
	if err := decodeJob(res.body, &box.w); err != nil {
		return nil, malformed("getting visualization job "+strconv.Quote(id), res, err)
	}
	if e := box.w.failure(res.status, res.requestID, http.MethodGet, c.baseURL.Host, path); e != nil {
		return nil, fmt.Errorf("getting visualization job %q: %w", id, e)
	}
	if box.w.JobID.ok && !sameJobID(id, box.w.JobID.v) {
		return nil, mismatch("getting visualization job "+strconv.Quote(id), res,
			"the answer for job "+capMessage(sanitize(id), 64)+" describes job "+strconv.FormatInt(box.w.JobID.v, 10))
	}
	box.j = box.w.job()
	return &box.j, nil
}

// sameJobID reports whether the job_id v of a body is the job the path named.
func sameJobID(id string, v int64) bool {
	n, ok := parseInt(id)
	return ok && n == v
}

// ListVisualizationJobs returns one page of jobs. Every job of the page has a positive
// job_id; a body with duplicate keys is refused (an error wrapping ErrMalformedResponse).
func (c *Client) ListVisualizationJobs(ctx context.Context, opts ListOptions) (*ListPage, error) {
	p, _, err := c.listPage(ctx, opts)
	return p, err
}

// listPage reads one page; it also returns the size of the body.
func (c *Client) listPage(ctx context.Context, opts ListOptions) (*ListPage, int, error) {
	q, err := listQuery(opts)
	if err != nil {
		return nil, 0, fmt.Errorf("listing visualization jobs: %w", err)
	}
	u := c.prefix
	if q != "" {
		u += "?" + q
	}
	path := c.prefix[c.pathStart:]
	res, err := c.do(ctx, &call{method: http.MethodGet, url: u, path: path, idempotent: true})
	if err != nil {
		return nil, 0, fmt.Errorf("listing visualization jobs: %w", err)
	}
	w, p, err := decodeListPage(res.body)
	if err != nil {
		return nil, len(res.body), malformed("listing visualization jobs", res, err)
	}
	if e := w.failure(res.status, res.requestID, http.MethodGet, c.baseURL.Host, path); e != nil {
		return nil, len(res.body), fmt.Errorf("listing visualization jobs: %w", e)
	}
	return p, len(res.body), nil
}

// listQuery builds the query already in canonical signing form (sorted keys, %20 for
// a space), so that the request and its signature agree whatever a server decodes.
func listQuery(o ListOptions) (string, error) {
	if o.PerPage < 0 || o.PerPage > listAllPerPage {
		return "", fmt.Errorf("per_page %d is out of range 1..%d", o.PerPage, listAllPerPage)
	}
	if o.Page < 0 {
		return "", fmt.Errorf("page %d is negative", o.Page)
	}
	var b []byte
	add := func(k, v string) {
		if len(b) > 0 {
			b = append(b, '&')
		}
		b = append(b, k...)
		b = append(b, '=')
		b = appendEscaped(b, v)
	}
	// Keys in byte order.
	if o.Order != "" {
		add("order", o.Order)
	}
	if o.Page > 0 {
		add("page", strconv.Itoa(o.Page))
	}
	if o.PerPage > 0 {
		add("per_page", strconv.Itoa(o.PerPage))
	}
	if o.SearchContent != "" {
		add("search_content", o.SearchContent)
	}
	if o.SortBy != "" {
		add("sortBy", o.SortBy)
	}
	if o.Status != nil {
		add("status", strconv.FormatInt(*o.Status, 10))
	}
	if o.WorkspaceID != "" {
		add("workspace_id", o.WorkspaceID)
	}
	return string(b), nil
}

// Bounds of ListAllVisualizationJobs: whatever a server announces or sends, it holds
// at most MaxListJobs jobs, reads at most MaxListPages pages and at most MaxListBytes
// bytes of bodies. A list of 50,000 jobs is some 25 MB of JSON (a job is about 500
// bytes) and far more than a ModelArts project holds (the running-job quota is in
// the tens).
const (
	// MaxListJobs is the most distinct jobs ListAllVisualizationJobs holds; a
	// job_total_count above it fails on the first page, with ErrListTooLarge.
	MaxListJobs = 50000
	// MaxListPages is the most pages ListAllVisualizationJobs reads: MaxListJobs
	// at 1000 jobs a page, plus one page for jobs created while it pages. A smaller
	// ListOptions.PerPage lowers the reachable count to MaxListPages*PerPage.
	MaxListPages = MaxListJobs/listAllPerPage + 1
	// MaxListBytes is the most bytes of response bodies ListAllVisualizationJobs
	// reads over all its pages.
	MaxListBytes = 64 << 20
)

// ErrListInconsistent is wrapped by the error of ListAllVisualizationJobs when the
// pages contradict each other or the question: a page that lists a job twice, a page
// with nothing new (a server ignoring "page"), more jobs on a page than per_page, a
// negative job_total_count, or more distinct jobs than job_total_count announced.
// Such an error wraps ErrMalformedResponse too: the answer is not data.
var ErrListInconsistent = errors.New("inconsistent list pages")

// ErrListTooLarge is wrapped by the error of ListAllVisualizationJobs when the list
// would pass MaxListJobs, MaxListPages or MaxListBytes. The error states the bound.
var ErrListTooLarge = errors.New("list too large")

// listError is an ErrListInconsistent or ErrListTooLarge failure.
type listError struct {
	msg  string
	kind error
}

func (e *listError) Error() string { return e.msg }

func (e *listError) Unwrap() []error {
	if e.kind == ErrListInconsistent {
		return []error{ErrListInconsistent, ErrMalformedResponse}
	}
	return []error{e.kind}
}

func listFailure(kind error, page int, format string, args ...any) error {
	return &listError{msg: fmt.Sprintf("listing visualization jobs: page %d: %s: ", page, kind) + fmt.Sprintf(format, args...), kind: kind}
}

// ListAllVisualizationJobs follows the pages from opts.Page (default 1), 1000 jobs
// per page unless opts.PerPage says otherwise, until it holds job_total_count jobs or
// a page comes back short or empty. The counts are those of the last page; Jobs holds
// each job_id once, in the order first seen.
//
// It does not trust the server. Bounds: MaxListJobs jobs, MaxListPages pages,
// MaxListBytes bytes; a job_total_count that needs more fails on the page that
// announces it (the first, usually) with ErrListTooLarge. Consistency, each failing
// with ErrListInconsistent:
//   - a page holds at most per_page jobs and no job_id twice;
//   - a non-empty page brings at least one job not seen on an earlier page (else it
//     repeats them: a server that ignores "page" fails on page 2);
//   - the distinct jobs never outnumber the largest job_total_count any page has
//     announced (counting from opts.Page).
//
// On a real cloud jobs come and go while it pages, so job_total_count may shrink or
// grow between pages and a job may show up on two pages (a job created ahead of the
// cursor pushes the others one place down): such a duplicate is dropped and is
// tolerated as long as the rules above hold. The largest total announced is the
// allowance because a shrinking total (jobs deleted after they were listed) does not
// undo what was already listed. A job deleted before its page was read is missed,
// as it would be by any client of an offset-paged API.
func (c *Client) ListAllVisualizationJobs(ctx context.Context, opts ListOptions) (*ListPage, error) {
	if opts.PerPage == 0 {
		opts.PerPage = listAllPerPage
	}
	if opts.Page == 0 {
		opts.Page = 1
	}
	per := int64(opts.PerPage)
	skipped := int64(opts.Page-1) * per // jobs on the pages before opts.Page
	var (
		all      *ListPage
		seen     map[int64]int // job_id -> the page that first listed it
		allowed  int64         // largest job_total_count announced, less skipped
		bodySize int
	)
	for pages := 1; ; pages++ {
		page := opts.Page
		p, n, err := c.listPage(ctx, opts)
		if err != nil {
			if all != nil {
				return nil, fmt.Errorf("page %d: %w", page, err)
			}
			return nil, err
		}
		bodySize += n
		total := p.JobTotalCount
		switch {
		case total < 0:
			return nil, listFailure(ErrListInconsistent, page, "job_total_count %d is negative", total)
		case len(p.Jobs) > opts.PerPage:
			return nil, listFailure(ErrListInconsistent, page, "the page holds %d jobs, more than the %d asked for", len(p.Jobs), opts.PerPage)
		}
		remaining := max(total-skipped, 0)
		if need := (remaining + per - 1) / per; remaining > MaxListJobs || need > MaxListPages {
			return nil, listFailure(ErrListTooLarge, page,
				"the server announces %d jobs (job_total_count), more than this client reads: at most %d jobs in %d pages of %d",
				total, min(MaxListJobs, MaxListPages*per), MaxListPages, per)
		}
		if bodySize > MaxListBytes {
			return nil, listFailure(ErrListTooLarge, page, "the pages add up to more than %d MiB", MaxListBytes>>20)
		}
		allowed = max(allowed, remaining)
		if all == nil {
			all = &ListPage{Jobs: make([]VisualizationJob, 0, min(remaining, MaxListJobs))}
			seen = make(map[int64]int, min(remaining, MaxListJobs))
		}
		fresh := 0
		for _, j := range p.Jobs {
			id := *j.JobID // decodeListPage refuses a job without one
			if first, dup := seen[id]; dup {
				if first == page {
					return nil, listFailure(ErrListInconsistent, page, "job %d is listed twice on the page", id)
				}
				continue
			}
			seen[id] = page
			all.Jobs = append(all.Jobs, j)
			fresh++
		}
		switch {
		case len(p.Jobs) > 0 && fresh == 0:
			return nil, listFailure(ErrListInconsistent, page,
				"all %d jobs on the page were listed on earlier pages (the server may be ignoring \"page\")", len(p.Jobs))
		case int64(len(all.Jobs)) > allowed:
			return nil, listFailure(ErrListInconsistent, page,
				"%d distinct jobs listed, more than the job_total_count announced (%d)", int64(len(all.Jobs))+skipped, allowed+skipped)
		}
		all.IsSuccess, all.JobTotalCount, all.JobCountLimit, all.Quotas = p.IsSuccess, p.JobTotalCount, p.JobCountLimit, p.Quotas
		if len(p.Jobs) < opts.PerPage || int64(len(all.Jobs)) >= remaining {
			return all, nil
		}
		if pages >= MaxListPages {
			return nil, listFailure(ErrListTooLarge, page, "read %d pages (the bound) and job_total_count %d is not reached", pages, total)
		}
		opts.Page++
	}
}

// CreateVisualizationJob creates a job; it returns while the job starts. The request
// is retried only where the server cannot have acted (429, 503, connection refused);
// when it was sent but no answer came back, IsAnswerLost reports true for the error.
// An answer without a positive job_id, or with duplicate keys, wraps ErrMalformedResponse.
func (c *Client) CreateVisualizationJob(ctx context.Context, req CreateRequest) (*CreateResult, error) {
	const op = "creating visualization job"
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	path := c.prefix[c.pathStart:]
	res, err := c.do(ctx, &call{method: http.MethodPost, url: c.prefix, path: path, body: body})
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", op, req.JobName, err)
	}
	var w createWire
	if err := decodeChecked(res.body, "", &w); err != nil {
		return nil, malformed(op+" "+strconv.Quote(req.JobName), res, err)
	}
	if e := w.failure(res.status, res.requestID, http.MethodPost, c.baseURL.Host, path); e != nil {
		return nil, fmt.Errorf("%s %q: %w", op, req.JobName, e)
	}
	switch {
	case !w.JobID.ok:
		return nil, malformed(op+" "+strconv.Quote(req.JobName), res, errors.New("the response has no job_id"))
	case w.JobID.v <= 0:
		return nil, malformed(op+" "+strconv.Quote(req.JobName), res, fmt.Errorf("job_id %d is not a positive integer", w.JobID.v))
	}
	return &CreateResult{JobID: w.JobID.v, JobName: w.JobName.v, Status: w.Status.v, CreateTime: w.CreateTime.v}, nil
}

// UpdateVisualizationJobDescription sets the description of a job, the only field
// the API lets change.
func (c *Client) UpdateVisualizationJobDescription(ctx context.Context, id, desc string) error {
	body, err := json.Marshal(struct {
		JobDesc string `json:"job_desc"`
	}{desc})
	if err != nil {
		return fmt.Errorf("updating visualization job %q: %w", id, err)
	}
	return c.simple(ctx, "updating visualization job", http.MethodPut, id, "", body, true)
}

// DeleteVisualizationJob deletes a job (asynchronously on the server side).
func (c *Client) DeleteVisualizationJob(ctx context.Context, id string) error {
	return c.simple(ctx, "deleting visualization job", http.MethodDelete, id, "", nil, true)
}

// StopVisualizationJob asks a running job to stop.
func (c *Client) StopVisualizationJob(ctx context.Context, id string) error {
	return c.simple(ctx, "stopping visualization job", http.MethodPost, id, "/stop", nil, false)
}

// RestartVisualizationJob asks a stopped job to start again.
func (c *Client) RestartVisualizationJob(ctx context.Context, id string) error {
	return c.simple(ctx, "restarting visualization job", http.MethodPost, id, "/restart", nil, false)
}

// simple runs a request whose only answer of interest is success or failure. An
// empty 2xx body counts as success; a non-empty one must be JSON.
func (c *Client) simple(ctx context.Context, op, method, id, suffix string, body []byte, idempotent bool) error {
	u, path, err := c.jobURL(id, suffix)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	res, err := c.do(ctx, &call{method: method, url: u, path: path, body: body, idempotent: idempotent})
	if err != nil {
		return fmt.Errorf("%s %q: %w", op, id, err)
	}
	if len(trimSpace(res.body)) == 0 {
		return nil
	}
	var env envelope
	if err := decodeChecked(res.body, "", &env); err != nil {
		return malformed(op+" "+strconv.Quote(id), res, err)
	}
	if e := env.failure(res.status, res.requestID, method, c.baseURL.Host, path); e != nil {
		return fmt.Errorf("%s %q: %w", op, id, e)
	}
	return nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\n' || b[0] == '\r' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// mismatch describes a 2xx body that decoded but does not answer the question asked.
func mismatch(op string, res response, detail string) error {
	var reqID string
	if res.requestID != "" {
		reqID = " (request ID " + res.requestID + ")"
	}
	return fmt.Errorf("%s: %w: %s%s", op, ErrMalformedResponse, detail, reqID)
}

// malformed describes a 2xx body that could not be decoded.
func malformed(op string, res response, err error) error {
	var reqID string
	if res.requestID != "" {
		reqID = " (request ID " + res.requestID + ")"
	}
	return fmt.Errorf("%s: %w: HTTP %d with a body that is not the expected JSON%s: %v", op, ErrMalformedResponse, res.status, reqID, err)
}
