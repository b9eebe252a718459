package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// stateFile is the format of SaveState and LoadState.
type stateFile struct {
	NextJobID int64 `json:"next_job_id"`
	Jobs      []Job `json:"jobs"`
}

// Seed adds jobs. A job without job_id gets the next free one; explicit IDs
// are kept and must be unique. Missing service_url, resource_id and
// create_time (now) are generated; job_type defaults to tensorboard. The
// lifecycle resumes from the seeded status: INIT and WAITING go on to
// RUNNING, KILLING goes on to CANCELED, a RUNNING job's duration grows from
// the seeded value (and auto-stops after AutoStopHours from now), and any
// other status stays as it is. Nothing is added when an error is returned.
// IDs given to jobs without one, like those of created jobs, stay below
// math.MaxInt64: once the next ID would be math.MaxInt64, no more can be
// given (create answers 500 ModelArts.0010), though a job may be seeded with
// that explicit ID.
func (e *Emulator) Seed(jobs ...Job) error {
	e.changeMu.Lock()
	defer e.changeMu.Unlock()
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.purge(now)
	built, next, err := e.build(jobs, e.jobs, e.nextID, now)
	if err != nil {
		return err
	}
	for _, j := range built {
		e.jobs[j.info.JobID] = j
	}
	e.nextID = next
	return nil
}

// build validates jobs against the existing ones and turns them into stored
// jobs, returning the next free ID. Callers hold e.mu.
func (e *Emulator) build(jobs []Job, existing map[int64]*job, nextID int64, now time.Time) ([]*job, int64, error) {
	taken := map[int64]bool{}
	for _, j := range jobs {
		switch {
		case j.JobType != "" && j.JobType != "tensorboard" && j.JobType != "mindinsight":
			return nil, 0, fmt.Errorf("seed job %q: job_type %q is not tensorboard or mindinsight", j.JobName, j.JobType)
		case j.JobID < 0:
			return nil, 0, fmt.Errorf("seed job %q: job_id %d is negative", j.JobName, j.JobID)
		case j.JobID == 0:
			continue
		case taken[j.JobID] || existing[j.JobID] != nil:
			return nil, 0, fmt.Errorf("seed job %q: job_id %d is already taken", j.JobName, j.JobID)
		}
		taken[j.JobID] = true
		if j.JobID == math.MaxInt64 {
			nextID = math.MaxInt64 // no ID left, without overflowing
		} else {
			nextID = max(nextID, j.JobID+1)
		}
	}
	built := make([]*job, 0, len(jobs))
	for _, j := range jobs {
		if j.JobID == 0 {
			if nextID == math.MaxInt64 || taken[nextID] || existing[nextID] != nil {
				return nil, 0, fmt.Errorf("seed job %q: no job ID is left to assign", j.JobName)
			}
			j.JobID = nextID
			nextID++
		}
		if j.JobType == "" {
			j.JobType = "tensorboard"
		}
		if j.ServiceURL == "" {
			j.ServiceURL = e.serviceURL(j.JobType, j.JobID)
		}
		if j.ResourceID == "" {
			j.ResourceID = resourceID(j.JobID)
		}
		if j.CreateTime == 0 {
			j.CreateTime = now.UnixMilli()
		}
		if j.AutoStopHours != nil {
			h := *j.AutoStopHours
			j.AutoStopHours = &h
		}
		s := &job{info: j, phase: phaseFixed, since: now, fixed: j.Status, runMs: j.Duration}
		switch j.Status {
		case StatusInit:
			s.phase, s.fixed = phaseStarting, 0
		case StatusWaiting:
			s.phase, s.fixed, s.since = phaseStarting, 0, now.Add(-e.cfg.StartDelay/2)
		case StatusRunning:
			s.phase, s.fixed, s.since = phaseStarting, 0, now.Add(-e.cfg.StartDelay)
		case StatusKilling:
			s.phase = phaseStopping
		}
		s.info.Status, s.info.Duration = 0, 0
		built = append(built, s)
	}
	return built, nextID, nil
}

// LoadSeedFile reads a JSON list of jobs (the Job format) for Seed. Unknown
// fields are an error, so that a misspelt field is not silently dropped.
func LoadSeedFile(path string) ([]Job, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading seed file: %w", err)
	}
	var jobs []Job
	if err := decodeStrict(b, &jobs); err != nil {
		return nil, fmt.Errorf("parsing seed file %s: %w", path, err)
	}
	return jobs, nil
}

// Job returns a snapshot of a job as the API would show it now.
func (e *Emulator) Job(id int64) (Job, bool) {
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.purge(now)
	j, ok := e.jobs[id]
	if !ok {
		return Job{}, false
	}
	return e.snapshot(j, now), true
}

// Jobs returns a snapshot of every job, ordered by job ID.
func (e *Emulator) Jobs() []Job {
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.purge(now)
	out := make([]Job, 0, len(e.jobs))
	for _, j := range e.jobs {
		out = append(out, e.snapshot(j, now))
	}
	sort.Slice(out, func(a, b int) bool { return out[a].JobID < out[b].JobID })
	return out
}

// DeleteJob removes a job at once, out of band (as if deleted in the
// console), and reports whether it existed.
func (e *Emulator) DeleteJob(id int64) bool {
	e.changeMu.Lock()
	defer e.changeMu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	j, ok := e.jobs[id]
	if ok {
		if !j.deleteAt.IsZero() {
			e.pendingDeletes--
		}
		delete(e.jobs, id)
	}
	return ok
}

// SetNextCreateFailure makes the next job created through the API land in
// status (for example StatusImageFailed or StatusFailed) where it would have
// reached RUNNING. Zero cancels it. Restarts are not affected.
func (e *Emulator) SetNextCreateFailure(status int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.nextFailure = status
}

// SaveState writes every job, as it is now, and the next job ID to path
// (atomically, through a temporary file in the same directory). Jobs being
// deleted are left out: by the time the state is loaded they are gone.
func (e *Emulator) SaveState(path string) error {
	e.saveMu.Lock()
	defer e.saveMu.Unlock()
	now := e.now()
	e.mu.Lock()
	e.purge(now)
	st := stateFile{NextJobID: e.nextID, Jobs: []Job{}}
	for _, j := range e.jobs {
		if j.deleteAt.IsZero() {
			st.Jobs = append(st.Jobs, e.snapshot(j, now))
		}
	}
	e.mu.Unlock()
	sort.Slice(st.Jobs, func(a, b int) bool { return st.Jobs[a].JobID < st.Jobs[b].JobID })
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".emulator-state-*")
	if err != nil {
		return fmt.Errorf("saving state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("saving state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("saving state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("saving state: %w", err)
	}
	return nil
}

// LoadState replaces every job with those of a file written by SaveState (a
// plain JSON list of jobs, as for LoadSeedFile, is accepted too). Lifecycles
// resume as Seed describes. On error nothing changes.
func (e *Emulator) LoadState(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading state: %w", err)
	}
	var st stateFile
	if trimmed := bytes.TrimSpace(b); len(trimmed) > 0 && trimmed[0] == '[' {
		err = decodeStrict(b, &st.Jobs)
	} else {
		err = decodeStrict(b, &st)
	}
	if err != nil {
		return fmt.Errorf("parsing state file %s: %w", path, err)
	}
	now := e.now()
	e.changeMu.Lock()
	defer e.changeMu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	built, next, err := e.build(st.Jobs, nil, max(st.NextJobID, 1), now)
	if err != nil {
		return fmt.Errorf("state file %s: %w", path, err)
	}
	e.jobs = make(map[int64]*job, len(built))
	e.pendingDeletes = 0
	for _, j := range built {
		e.jobs[j.info.JobID] = j
	}
	e.nextID = next
	return nil
}
