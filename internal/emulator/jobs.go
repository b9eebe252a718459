package emulator

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Job status codes the emulator's lifecycle moves through (section 2 of the
// API reference). Any other code may be seeded and is served as it is.
const (
	StatusInit        int64 = 1
	StatusImageFailed int64 = 3
	StatusWaiting     int64 = 7
	StatusRunning     int64 = 8
	StatusKilling     int64 = 9
	StatusCompleted   int64 = 10
	StatusFailed      int64 = 11
	StatusKilled      int64 = 12
	StatusCanceled    int64 = 13
)

// Job is a visualization job as seeded, saved and returned by Job and Jobs.
// The JSON tags are the API's field names. JobType, Flavor and AutoStopHours
// are not in the API's answers; they keep what the create request set.
type Job struct {
	JobID      int64  `json:"job_id"`
	JobName    string `json:"job_name"`
	JobDesc    string `json:"job_desc"`
	Status     int64  `json:"status"`
	CreateTime int64  `json:"create_time"` // Unix epoch milliseconds
	Duration   int64  `json:"duration"`    // running time, milliseconds
	TrainURL   string `json:"train_url"`
	JobType    string `json:"job_type,omitempty"` // "tensorboard" (default) or "mindinsight"
	ServiceURL string `json:"service_url,omitempty"`
	ResourceID string `json:"resource_id,omitempty"`
	Flavor     string `json:"flavor_code,omitempty"`
	// AutoStopHours is schedule.duration: the job stops (CANCELED) after
	// this many hours of Config.HourScale running. Nil or 0: never.
	AutoStopHours *int64 `json:"auto_stop_hours,omitempty"`
}

type phase int

const (
	phaseFixed    phase = iota // status does not change by itself
	phaseStarting              // INIT, WAITING, then RUNNING (or a failure status)
	phaseStopping              // KILLING, then CANCELED
)

// job is a stored job: its static facts plus the last lifecycle transition,
// from which status and duration are derived when read.
type job struct {
	info     Job // Status and Duration are not kept here: see observe
	phase    phase
	since    time.Time // when the phase began
	fixed    int64     // phaseFixed: the status; phaseStarting: the failure to land in (0: RUNNING)
	runMs    int64     // running time accumulated before since
	deleteAt time.Time // zero unless deleted with Config.DeleteDelay
	echoType bool      // created under FaultNormalize: answers carry job_type
}

// observe derives a job's status and duration (ms) at now.
func (e *Emulator) observe(j *job, now time.Time) (status, durationMs int64) {
	el := now.Sub(j.since)
	switch j.phase {
	case phaseStopping:
		if el < e.cfg.StopDelay {
			return StatusKilling, j.runMs
		}
		return StatusCanceled, j.runMs
	case phaseStarting:
		start := e.cfg.StartDelay
		switch {
		case el < start/2:
			return StatusInit, j.runMs
		case el < start:
			return StatusWaiting, j.runMs
		case j.fixed != 0:
			return j.fixed, j.runMs
		}
		running := el - start
		if h := j.info.AutoStopHours; h != nil && *h > 0 {
			// Auto-stop is a stop: KILLING, then CANCELED. Duration stops
			// growing at the stop.
			limit := time.Duration(*h) * e.cfg.HourScale
			if running >= limit {
				if running-limit < e.cfg.StopDelay {
					return StatusKilling, j.runMs + limit.Milliseconds()
				}
				return StatusCanceled, j.runMs + limit.Milliseconds()
			}
		}
		return StatusRunning, j.runMs + running.Milliseconds()
	}
	return j.fixed, j.runMs
}

// remainingHours is the auto-stop time left, in hours of Config.HourScale
// (the unit of schedule.duration), while a stop is pending: the job has a
// schedule of more than 0 hours and is starting or running toward it. It is
// nil otherwise, the API's null.
func (e *Emulator) remainingHours(j *job, now time.Time) *float64 {
	h := j.info.AutoStopHours
	if h == nil || *h <= 0 || j.phase != phaseStarting || j.fixed != 0 {
		return nil
	}
	limit := time.Duration(*h) * e.cfg.HourScale
	running := max(now.Sub(j.since)-e.cfg.StartDelay, 0)
	if running >= limit {
		return nil
	}
	left := math.Round(float64(limit-running)/float64(e.cfg.HourScale)*1000) / 1000
	return &left
}

func (e *Emulator) snapshot(j *job, now time.Time) Job {
	s := j.info
	s.Status, s.Duration = e.observe(j, now)
	if s.AutoStopHours != nil {
		h := *s.AutoStopHours
		s.AutoStopHours = &h
	}
	return s
}

// isActive reports whether a job in this status counts against the quota of
// running jobs: it is starting or running. KILLING is not counted: a stopped
// job frees its place at once, so a stop-then-create sequence works.
func isActive(status int64) bool {
	switch status {
	case StatusInit, 2, 4, StatusWaiting, StatusRunning, 15:
		return true
	}
	return false
}

// purge removes deleted jobs whose DeleteDelay has passed. Callers hold e.mu.
func (e *Emulator) purge(now time.Time) {
	if e.pendingDeletes == 0 {
		return
	}
	for id, j := range e.jobs {
		if !j.deleteAt.IsZero() && !now.Before(j.deleteAt) {
			delete(e.jobs, id)
			e.pendingDeletes--
		}
	}
}

// usage counts the jobs that exist (not being deleted) and the active ones.
// Callers hold e.mu.
func (e *Emulator) usage(now time.Time) (total, active int) {
	for _, j := range e.jobs {
		if !j.deleteAt.IsZero() {
			continue
		}
		total++
		if st, _ := e.observe(j, now); isActive(st) {
			active++
		}
	}
	return total, active
}

func (e *Emulator) serviceURL(jobType string, id int64) string {
	return fmt.Sprintf("https://%s/modelarts2/%s/%s/%d/", e.cfg.ConsoleHost, jobType, e.cfg.ProjectID, id)
}

// resourceID is a UUIDv4-shaped ID derived from the job ID, so that a job
// keeps its resource ID across saves, loads and emulator runs.
func resourceID(id int64) string {
	h := sha256.Sum256([]byte("modelarts-emulator-resource/" + strconv.FormatInt(id, 10)))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// num writes a number as the docs' samples do when NumbersAsStrings is set.
func (e *Emulator) num(v int64) any {
	if e.cfg.NumbersAsStrings {
		return strconv.FormatInt(v, 10)
	}
	return v
}

// jobView is a job in the API's detail shape (section 1.3). job_id comes
// first after is_success: FaultDuplicateKey relies on it.
type jobView struct {
	IsSuccess  *bool  `json:"is_success,omitempty"`
	JobID      any    `json:"job_id"`
	JobName    string `json:"job_name"`
	JobDesc    string `json:"job_desc"`
	Status     any    `json:"status"`
	CreateTime any    `json:"create_time"`
	Duration   any    `json:"duration"`
	TrainURL   string `json:"train_url"`
	ServiceURL string `json:"service_url"`
	ResourceID string `json:"resource_id"`
	// RemainingDuration is always written: null when no auto-stop is
	// pending, as the docs' sample shows.
	RemainingDuration *float64 `json:"remaining_duration"`
	// Schedule is set in list elements of a job created with a schedule.
	Schedule *scheduleView `json:"schedule,omitempty"`
	// JobType is set only for a job created under FaultNormalize.
	JobType string `json:"job_type,omitempty"`
}

// scheduleView is a job's schedule as list elements show it.
type scheduleView struct {
	Type     string `json:"type"`
	TimeUnit string `json:"time_unit"`
	Duration int64  `json:"duration"`
}

// observed is a job as read at one instant, with what its view needs beyond
// Job.
type observed struct {
	Job
	remaining *float64
	echoType  bool
}

func (e *Emulator) observed(j *job, now time.Time) observed {
	return observed{Job: e.snapshot(j, now), remaining: e.remainingHours(j, now), echoType: j.echoType}
}

func (e *Emulator) view(o observed) jobView {
	j := o.Job
	v := jobView{
		JobID: e.num(j.JobID), JobName: j.JobName, JobDesc: j.JobDesc, Status: e.num(j.Status),
		CreateTime: e.num(j.CreateTime), Duration: e.num(j.Duration), TrainURL: j.TrainURL,
		ServiceURL: j.ServiceURL, ResourceID: j.ResourceID, RemainingDuration: o.remaining,
	}
	if o.echoType {
		v.JobType = j.JobType
	}
	return v
}

var success = map[string]any{"is_success": true}

func (c *call) notFound(id int64) {
	c.modelArtsError(http.StatusNotFound, "ModelArts.0015", fmt.Sprintf("visualization job %d does not exist", id))
}

// apiError is a refusal decided under the lock and answered after it.
type apiError struct {
	status    int
	code, msg string
}

func (c *call) refuse(a *apiError) { c.modelArtsError(a.status, a.code, a.msg) }

func wrongState(action string, status int64) *apiError {
	return &apiError{http.StatusBadRequest, "ModelArts.0105", fmt.Sprintf("This job can't be %s. job status: %d", action, status)}
}

func (e *Emulator) quotaExceeded() *apiError {
	return &apiError{http.StatusBadRequest, "ModelArts.0118",
		fmt.Sprintf("Quota exceeded: at most %d visualization jobs may run at once.", e.cfg.Quota)}
}

func (c *call) paramError(msg string) {
	c.modelArtsError(http.StatusBadRequest, "ModelArts.0104", msg)
}

// bodyError answers a body that did not decode: a field of the wrong type is
// a parameter error naming the field; anything else is an invalid argument.
func (c *call) bodyError(err error) {
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		c.paramError(fmt.Sprintf("Invalid parameter %s: wrong type %s.", typeErr.Field, typeErr.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		c.modelArtsError(http.StatusBadRequest, "ModelArts.0101",
			"Invalid argument: unknown parameter "+strings.TrimPrefix(err.Error(), "json: unknown field ")+".")
	default:
		c.modelArtsError(http.StatusBadRequest, "ModelArts.0101", "Invalid argument: the request body is not a valid JSON object.")
	}
}

func validJobName(s string) bool {
	if len(s) < 1 || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

const maxDescRunes = 256

type scheduleBody struct {
	Type     *string `json:"type"`
	TimeUnit *string `json:"time_unit"`
	Duration *int64  `json:"duration"`
}

// parseSchedule accepts the object the docs' table describes and the
// one-element array their sample sends. It returns the auto-stop hours.
func parseSchedule(raw json.RawMessage) (*int64, string) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, ""
	}
	var s scheduleBody
	switch raw[0] {
	case '{':
		if err := decodeStrict(raw, &s); err != nil {
			return nil, "Invalid parameter schedule: " + err.Error() + "."
		}
	case '[':
		var list []scheduleBody
		if err := decodeStrict(raw, &list); err != nil {
			return nil, "Invalid parameter schedule: " + err.Error() + "."
		}
		if len(list) != 1 {
			return nil, "Invalid parameter schedule: an array must hold exactly one schedule."
		}
		s = list[0]
	default:
		return nil, "Invalid parameter schedule: must be an object or a one-element array."
	}
	switch {
	case s.Type == nil || *s.Type != "stop":
		return nil, `Invalid parameter schedule.type: must be "stop".`
	case s.TimeUnit == nil || *s.TimeUnit != "HOURS":
		return nil, `Invalid parameter schedule.time_unit: must be "HOURS".`
	case s.Duration == nil || *s.Duration < 0 || *s.Duration > 24:
		return nil, "Invalid parameter schedule.duration: must be 0 to 24."
	}
	return s.Duration, ""
}

type createBody struct {
	JobName  *string `json:"job_name"`
	JobDesc  *string `json:"job_desc"`
	TrainURL *string `json:"train_url"`
	JobType  *string `json:"job_type"`
	Flavor   *struct {
		Code *string `json:"code"`
	} `json:"flavor"`
	Schedule json.RawMessage `json:"schedule"`
}

func (e *Emulator) createJob(c *call, body []byte) {
	var req createBody
	if err := decodeStrict(body, &req); err != nil {
		c.bodyError(err)
		return
	}
	normalize := c.shaping(FaultNormalize) != nil
	if normalize && req.JobType != nil {
		lower := strings.ToLower(*req.JobType)
		req.JobType = &lower
	}
	j := Job{JobType: "tensorboard"}
	switch {
	case req.JobName == nil || !validJobName(*req.JobName):
		c.paramError("Invalid parameter job_name: must be 1 to 20 characters of [0-9A-Za-z_-].")
		return
	case req.JobDesc != nil && utf8.RuneCountInString(*req.JobDesc) > maxDescRunes:
		c.paramError("Invalid parameter job_desc: at most 256 characters.")
		return
	case req.TrainURL == nil || strings.TrimSpace(*req.TrainURL) == "":
		c.paramError("Invalid parameter train_url: it is required.")
		return
	case req.JobType != nil && *req.JobType != "tensorboard" && *req.JobType != "mindinsight":
		c.paramError(`Invalid parameter job_type: must be "tensorboard" or "mindinsight".`)
		return
	case req.Flavor != nil && (req.Flavor.Code == nil || *req.Flavor.Code == ""):
		c.paramError("Invalid parameter flavor.code: it is required when flavor is set.")
		return
	}
	hours, msg := parseSchedule(req.Schedule)
	if msg != "" {
		c.paramError(msg)
		return
	}
	j.JobName, j.TrainURL, j.AutoStopHours = *req.JobName, *req.TrainURL, hours
	if req.JobDesc != nil {
		j.JobDesc = *req.JobDesc
	}
	if req.JobType != nil {
		j.JobType = *req.JobType
	}
	if req.Flavor != nil {
		j.Flavor = *req.Flavor.Code
	}
	if normalize {
		j.JobDesc = strings.TrimSpace(j.JobDesc)
		if !strings.HasSuffix(j.TrainURL, "/") {
			j.TrainURL += "/"
		}
	}

	e.changeMu.Lock()
	defer e.changeMu.Unlock()
	now := e.now()
	e.mu.Lock()
	e.purge(now)
	total, active := e.usage(now)
	var refusal *apiError
	switch {
	case total >= e.cfg.MaxJobs:
		refusal = &apiError{http.StatusBadRequest, "ModelArts.0118",
			fmt.Sprintf("Quota exceeded: at most %d visualization jobs may exist.", e.cfg.MaxJobs)}
	case active >= e.cfg.Quota:
		refusal = e.quotaExceeded()
	case e.nextID == math.MaxInt64 || e.jobs[e.nextID] != nil:
		// IDs are int64 (the API's Long); the last one is kept as the
		// "exhausted" mark, so next_job_id never overflows in the state file.
		refusal = &apiError{http.StatusInternalServerError, "ModelArts.0010",
			"Internal error: no visualization job ID is left to assign."}
	}
	if refusal != nil {
		e.mu.Unlock()
		c.refuse(refusal)
		return
	}
	j.JobID = e.nextID
	e.nextID++
	j.CreateTime = now.UnixMilli()
	j.ServiceURL = e.serviceURL(j.JobType, j.JobID)
	j.ResourceID = resourceID(j.JobID)
	failure := e.nextFailure
	stored := &job{info: j, phase: phaseStarting, since: now, fixed: failure, echoType: normalize}
	e.nextFailure = 0
	e.jobs[j.JobID] = stored
	status, _ := e.observe(stored, now)
	e.mu.Unlock()

	if !e.commit(c, func() {
		delete(e.jobs, j.JobID)
		e.nextID = j.JobID
		e.nextFailure = failure
	}) {
		return
	}
	c.writeJSON(http.StatusOK, map[string]any{"is_success": true, "job_id": e.num(j.JobID), "job_name": j.JobName,
		"status": e.num(status), "create_time": e.num(j.CreateTime), "service_url": j.ServiceURL})
}

// commit hands a change to Config.OnChange. When the hook fails, undo runs
// under the lock, the request is answered 500 ModelArts.0010 and commit
// reports false. Callers hold e.changeMu and not e.mu.
func (e *Emulator) commit(c *call, undo func()) bool {
	if e.cfg.OnChange == nil {
		return true
	}
	err := e.cfg.OnChange()
	if err == nil {
		return true
	}
	e.mu.Lock()
	undo()
	e.mu.Unlock()
	e.logf("%s %s: change undone, OnChange failed: %v", c.r.Method, c.r.URL.Path, err)
	c.modelArtsError(http.StatusInternalServerError, "ModelArts.0010",
		"Internal error: the change could not be saved, so it was not made.")
	return false
}

func (e *Emulator) getJob(c *call, id int64) {
	now := e.now()
	e.mu.Lock()
	e.purge(now)
	j, ok := e.jobs[id]
	var o observed
	if ok {
		o = e.observed(j, now)
	}
	e.mu.Unlock()
	if !ok {
		c.notFound(id)
		return
	}
	v := e.view(o)
	t := true
	v.IsSuccess = &t
	if f := c.shaping(FaultWrongJobID); f != nil {
		v.JobID = e.num(f.bodyJobID(id))
	}
	b, err := json.Marshal(v)
	if err != nil {
		c.writeJSON(http.StatusOK, v) // answers the encoding failure
		return
	}
	if f := c.shaping(FaultDuplicateKey); f != nil {
		// job_id is the first key after is_success; the twin goes right
		// after its value.
		real, _ := json.Marshal(v.JobID)
		twin, _ := json.Marshal(e.num(f.bodyJobID(id)))
		key := append([]byte(`"job_id":`), real...)
		b = bytes.Replace(b, key, append(append(key, `,"Job_ID":`...), twin...), 1)
	}
	c.writeBody(http.StatusOK, b)
}

func (e *Emulator) updateJob(c *call, id int64, body []byte) {
	var req struct {
		JobDesc *string `json:"job_desc"`
	}
	if err := decodeStrict(body, &req); err != nil {
		c.bodyError(err)
		return
	}
	if req.JobDesc == nil {
		c.paramError("Invalid parameter job_desc: it is required (only job_desc can be modified).")
		return
	}
	if utf8.RuneCountInString(*req.JobDesc) > maxDescRunes {
		c.paramError("Invalid parameter job_desc: at most 256 characters.")
		return
	}
	desc := *req.JobDesc
	if c.shaping(FaultNormalize) != nil {
		desc = strings.TrimSpace(desc)
	}
	e.mutate(c, id, func(j *job, _, _ int64, _ time.Time) *apiError {
		j.info.JobDesc = desc
		return nil
	})
}

func (e *Emulator) deleteJob(c *call, id int64) {
	e.mutate(c, id, func(j *job, status, _ int64, now time.Time) *apiError {
		if status == StatusKilling {
			return wrongState("delete", status)
		}
		switch {
		case !j.deleteAt.IsZero():
			// Deleting again while the first delete runs is accepted.
		case e.cfg.DeleteDelay == 0:
			delete(e.jobs, j.info.JobID)
		default:
			j.deleteAt = now.Add(e.cfg.DeleteDelay)
			e.pendingDeletes++
		}
		return nil
	})
}

func (e *Emulator) stopJob(c *call, id int64) {
	e.mutate(c, id, func(j *job, status, dur int64, now time.Time) *apiError {
		if status != StatusInit && status != StatusWaiting && status != StatusRunning {
			return wrongState("stop", status)
		}
		j.phase, j.since, j.runMs = phaseStopping, now, dur
		return nil
	})
}

func (e *Emulator) restartJob(c *call, id int64) {
	e.mutate(c, id, func(j *job, status, _ int64, now time.Time) *apiError {
		switch status {
		case StatusCompleted, StatusFailed, StatusKilled, StatusCanceled:
		default:
			return wrongState("restart", status)
		}
		if _, active := e.usage(now); active >= e.cfg.Quota {
			return e.quotaExceeded()
		}
		// duration counts the current run, so a restart starts it afresh.
		j.phase, j.since, j.fixed, j.runMs = phaseStarting, now, 0, 0
		return nil
	})
}

// mutate runs change on a job, under the lock, with the job's current status
// and duration, then answers change's refusal or success.
// A change that OnChange cannot save is undone.
func (e *Emulator) mutate(c *call, id int64, change func(j *job, status, dur int64, now time.Time) *apiError) {
	e.changeMu.Lock()
	defer e.changeMu.Unlock()
	now := e.now()
	e.mu.Lock()
	e.purge(now)
	j, ok := e.jobs[id]
	var refusal *apiError
	var before job
	if ok {
		before = *j
		status, dur := e.observe(j, now)
		refusal = change(j, status, dur, now)
	}
	e.mu.Unlock()
	switch {
	case !ok:
		c.notFound(id)
	case refusal != nil:
		c.refuse(refusal)
	case e.commit(c, func() { e.restoreJob(before) }):
		c.writeJSON(http.StatusOK, success)
	}
}

// restoreJob puts a job back as it was before a change, keeping the count of
// pending deletes right whatever the change or a purge since did. Callers
// hold e.mu.
func (e *Emulator) restoreJob(before job) {
	id := before.info.JobID
	if cur, ok := e.jobs[id]; ok && !cur.deleteAt.IsZero() {
		e.pendingDeletes--
	}
	if !before.deleteAt.IsZero() {
		e.pendingDeletes++
	}
	e.jobs[id] = &before
}
