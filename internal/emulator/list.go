package emulator

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// listParams are the query parameters List accepts; anything else is refused
// so that a misspelt parameter is noticed.
var listParams = map[string]bool{"status": true, "per_page": true, "page": true, "sortBy": true, "sort_by": true,
	"order": true, "search_content": true, "workspace_id": true}

var sortKeys = map[string]func(a, b *Job) int{
	"job_id":      func(a, b *Job) int { return cmp.Compare(a.JobID, b.JobID) },
	"job_name":    func(a, b *Job) int { return strings.Compare(a.JobName, b.JobName) },
	"job_desc":    func(a, b *Job) int { return strings.Compare(a.JobDesc, b.JobDesc) },
	"create_time": func(a, b *Job) int { return cmp.Compare(a.CreateTime, b.CreateTime) },
	"status":      func(a, b *Job) int { return cmp.Compare(a.Status, b.Status) },
}

func (e *Emulator) listJobs(c *call) {
	q, err := url.ParseQuery(c.r.URL.RawQuery)
	if err != nil {
		c.modelArtsError(http.StatusBadRequest, "ModelArts.0101", "Invalid argument: malformed query string.")
		return
	}
	for k, v := range q {
		if !listParams[k] {
			c.paramError(fmt.Sprintf("Invalid parameter %s: unknown query parameter.", k))
			return
		}
		if len(v) > 1 {
			c.paramError(fmt.Sprintf("Invalid parameter %s: given more than once.", k))
			return
		}
	}
	intParam := func(name string, def, lo, hi int64) (int64, bool) {
		if !q.Has(name) {
			return def, true
		}
		n, err := strconv.ParseInt(q.Get(name), 10, 64)
		if err != nil || n < lo || n > hi {
			c.paramError(fmt.Sprintf("Invalid parameter %s: must be an integer from %d to %d.", name, lo, hi))
			return 0, false
		}
		return n, true
	}
	perPage, ok := intParam("per_page", 10, 1, 1000)
	if !ok {
		return
	}
	page, ok := intParam("page", 1, 1, 1<<31)
	if !ok {
		return
	}
	if c.shaping(FaultIgnorePage) != nil {
		page = 1
	}
	var statusFilter *int64
	if q.Has("status") {
		st, ok := intParam("status", 0, 0, 1<<31)
		if !ok {
			return
		}
		statusFilter = &st
	}
	sortBy := "job_id"
	if q.Has("sortBy") && q.Has("sort_by") && q.Get("sortBy") != q.Get("sort_by") {
		c.paramError("Invalid parameter sortBy: sortBy and sort_by disagree.")
		return
	}
	for _, k := range []string{"sortBy", "sort_by"} {
		if q.Has(k) {
			sortBy = q.Get(k)
		}
	}
	compare, ok := sortKeys[sortBy]
	if !ok {
		c.paramError("Invalid parameter sortBy: must be job_id, job_name, job_desc, create_time or status.")
		return
	}
	order := "asc"
	if q.Has("order") {
		order = q.Get("order")
	}
	if order != "asc" && order != "desc" {
		c.paramError(`Invalid parameter order: must be "asc" or "desc".`)
		return
	}
	search := q.Get("search_content")
	if utf8.RuneCountInString(search) > 64 {
		c.paramError("Invalid parameter search_content: at most 64 characters.")
		return
	}
	search = strings.ToLower(search)
	// Every job lives in the default workspace "0".
	otherWorkspace := q.Has("workspace_id") && q.Get("workspace_id") != "0"

	now := e.now()
	e.mu.Lock()
	e.purge(now)
	total, _ := e.usage(now)
	var matched []observed
	for _, j := range e.jobs {
		if otherWorkspace {
			break
		}
		s := e.observed(j, now)
		if statusFilter != nil && s.Status != *statusFilter {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(s.JobName), search) {
			continue
		}
		matched = append(matched, s)
	}
	e.mu.Unlock()

	sort.Slice(matched, func(a, b int) bool {
		x, y := &matched[a].Job, &matched[b].Job
		if order == "desc" {
			x, y = y, x
		}
		if r := compare(x, y); r != 0 {
			return r < 0
		}
		return x.JobID < y.JobID
	})
	wrongID := c.shaping(FaultWrongJobID)
	views := []jobView{}
	if from := (page - 1) * perPage; from < int64(len(matched)) {
		for _, o := range matched[from:min(from+perPage, int64(len(matched)))] {
			v := e.view(o)
			if h := o.AutoStopHours; h != nil {
				v.Schedule = &scheduleView{Type: "stop", TimeUnit: "HOURS", Duration: *h}
			}
			if wrongID != nil {
				v.JobID = e.num(wrongID.bodyJobID(o.JobID))
			}
			views = append(views, v)
		}
	}
	totalCount := int64(len(matched))
	if f := c.shaping(FaultHugeTotal); f != nil {
		totalCount = cmp.Or(f.Total, defaultHugeTotal)
	}
	c.writeJSON(http.StatusOK, map[string]any{"is_success": true, "job_total_count": totalCount,
		"job_count_limit": max(e.cfg.MaxJobs-total, 0), "quotas": e.cfg.Quota, "jobs": views})
}
