package provider

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/client"
)

// This file is the machinery behind the resource's and the actions' CRUD:
// sending a request that must not be repeated blindly, checking whether it
// took effect when its answer was lost, and waiting for a status. Every
// request that one operation sends after its first goes through the
// operation's pacer, the one poll schedule of the provider, so that no answer
// of the server (a refusal, a status that never changes, a not-found that
// never ends) can make an operation send requests faster than the schedule.

// The poll schedule. The API documents no timings, so the interval starts
// small (the emulator and a warm cloud are quick) and grows by half each time
// up to pollMaxInterval. With pollMinInterval at 200 ms an operation sends at
// most 5 of its own requests per second, and on average far fewer; the
// client's retries of one request have their own backoff (at least 100 ms).
var (
	pollMinInterval = 200 * time.Millisecond
	pollMaxInterval = 5 * time.Second
)

// Bounds of the loops that depend on the server's answers.
const (
	// maxActionSends bounds how often a non-idempotent request (create, stop,
	// restart) is sent when its answers keep getting lost.
	maxActionSends = 3
	// actionLookupTimeout bounds the check, after the operation's own timeout
	// ended, of whether a request whose answer never came took effect.
	actionLookupTimeout = 30 * time.Second
	// maxDeleteRefusals is how often a DELETE refused with ModelArts.0105
	// while the job is not being stopped is sent before giving up: the
	// refusal may be a short race with a status change, not more.
	maxDeleteRefusals = 3
	// createNotFoundGrace is how long the wait after a create treats
	// ModelArts' "job does not exist" as the service catching up with its own
	// answer (eventual consistency) rather than as the job's end.
	createNotFoundGrace = 60 * time.Second
	// createClockSkew is how far ModelArts' clock may be behind this
	// machine's when a lost create is looked up by its creation time (the
	// gateway itself accepts signatures 15 minutes off).
	createClockSkew = 15 * time.Minute
)

// pacer spaces the requests of one operation: the first goes at once, each
// later one after the current interval, which then grows.
type pacer struct {
	interval time.Duration
	started  bool
}

func newPacer() *pacer { return &pacer{interval: pollMinInterval} }

// wait blocks until the next request may be sent, or the context ends.
func (p *pacer) wait(ctx context.Context) error {
	if !p.started {
		p.started = true
		return ctx.Err()
	}
	timer := time.NewTimer(p.interval)
	defer timer.Stop()
	p.interval = min(p.interval*3/2, pollMaxInterval)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// jobOps runs the operations on one visualization job that the resource and
// the actions share.
type jobOps struct {
	client *client.Client
}

// opOptions tune a stop or restart.
type opOptions struct {
	// Wait makes the operation wait until the job is stopped (or running).
	Wait bool
	// Progress, when set, receives a short message whenever the job's status
	// changes during the wait.
	Progress func(msg string)
}

// get reads the job after waiting for the pacer.
func (o jobOps) get(ctx context.Context, p *pacer, id string) (*client.VisualizationJob, error) {
	if err := p.wait(ctx); err != nil {
		return nil, err
	}
	return o.client.GetVisualizationJob(ctx, id)
}

// createJob makes the job and returns its ID. When the answer to the create
// request is lost after the request may have reached ModelArts (a reset
// connection, a gateway error, a timeout), it looks for the job the request
// made instead of trusting the error, so one apply never makes two jobs and
// never adopts a job it did not make; when the lookup proves that no job was
// made, the request is sent again.
func (o jobOps) createJob(ctx context.Context, req client.CreateRequest) (string, error) {
	p := newPacer()
	before, err := o.jobsNamed(ctx, p, req.JobName)
	if err != nil {
		return "", fmt.Errorf("listing jobs named %q before creating: %w", req.JobName, err)
	}
	known := map[int64]bool{}
	for _, j := range before {
		known[*j.JobID] = true
	}
	var id string
	var sentAt time.Time
	err = o.sendAction(ctx, p, "create", func(ctx context.Context) error {
		sentAt = time.Now()
		res, err := o.client.CreateVisualizationJob(ctx, req)
		if err == nil {
			id = fmt.Sprint(res.JobID)
		}
		return err
	}, func(ctx context.Context) (bool, error) {
		after, err := o.jobsNamed(ctx, p, req.JobName)
		if err != nil {
			return false, fmt.Errorf("looking up job %q after the lost answer: %w", req.JobName, err)
		}
		found, err := madeByCreate(req, after, known, sentAt.Add(-createClockSkew))
		if err != nil || found == 0 {
			return false, err
		}
		tflog.Info(ctx, "found the job the lost create made", map[string]any{"job_id": found})
		id = fmt.Sprint(found)
		return true, nil
	})
	return id, err
}

// ambiguousCreateError is a lost create after which the jobs that exist do
// not say which job, if any, the request made.
type ambiguousCreateError struct {
	name       string
	candidates []int64
	matching   bool // whether the candidates match every attribute sent
}

func (e *ambiguousCreateError) Error() string {
	ids := make([]string, len(e.candidates))
	for i, c := range e.candidates {
		ids[i] = fmt.Sprint(c)
	}
	if e.matching {
		return fmt.Sprintf("the answer to the create request was lost and %d new jobs named %q match it "+
			"(IDs %s): the provider cannot tell which one this request made, so it adopts none. Import the "+
			"right one (terraform import, or an import block) and delete the others",
			len(e.candidates), e.name, strings.Join(ids, ", "))
	}
	return fmt.Sprintf("the answer to the create request was lost and no job matches everything it sent, but "+
		"new jobs named %q exist with other attributes (IDs %s): another pipeline may be creating jobs with this "+
		"name. Check them in the ModelArts console; import the one this configuration means, if any",
		e.name, strings.Join(ids, ", "))
}

// madeByCreate picks, among the jobs named like req after a lost create, the
// one the request made: not among the jobs known before it was sent, created
// after notBefore, and equal to req in every attribute the list reports. It
// returns 0 when no new job has the name (the request made none), and an
// *ambiguousCreateError when it cannot tell.
func madeByCreate(req client.CreateRequest, after []client.VisualizationJob, known map[int64]bool, notBefore time.Time) (int64, error) {
	var matching, others []int64
	for _, j := range after {
		id := *j.JobID
		if known[id] || (j.CreateTime != nil && *j.CreateTime < notBefore.UnixMilli()) {
			continue
		}
		if jobMatchesRequest(j, req) {
			matching = append(matching, id)
		} else {
			others = append(others, id)
		}
	}
	slices.Sort(matching)
	slices.Sort(others)
	switch {
	case len(matching) == 1:
		return matching[0], nil
	case len(matching) > 1:
		return 0, &ambiguousCreateError{name: req.JobName, candidates: matching, matching: true}
	case len(others) > 0:
		return 0, &ambiguousCreateError{name: req.JobName, candidates: others}
	}
	return 0, nil
}

// jobMatchesRequest reports whether a listed job carries every attribute a
// create request sent. An attribute the list does not report cannot
// disqualify a job; values are compared as the server may normalise them.
func jobMatchesRequest(j client.VisualizationJob, req client.CreateRequest) bool {
	same := func(got *string, sent string, eq func(a, b string) bool) bool {
		return got == nil || eq(*got, sent)
	}
	jobType := cmp.Or(req.JobType, jobTypeTensorBoard)
	return same(j.JobName, req.JobName, func(a, b string) bool { return a == b }) &&
		same(j.TrainURL, req.TrainURL, sameTrainURL) &&
		same(j.JobDesc, req.JobDesc, sameText) &&
		same(j.JobType, jobType, strings.EqualFold)
}

// sameText reports whether two descriptions are the same up to the white
// space around them, which a server may trim.
func sameText(a, b string) bool { return strings.TrimSpace(a) == strings.TrimSpace(b) }

// sameTrainURL reports whether two OBS paths name the same directory: a
// server may add or drop the trailing slash.
func sameTrainURL(a, b string) bool {
	return strings.TrimSuffix(strings.TrimSpace(a), "/") == strings.TrimSuffix(strings.TrimSpace(b), "/")
}

// jobsNamed lists the jobs whose name is exactly name (search_content also
// matches parts of names). Jobs without an ID cannot be told apart and are
// left out.
func (o jobOps) jobsNamed(ctx context.Context, p *pacer, name string) ([]client.VisualizationJob, error) {
	if err := p.wait(ctx); err != nil {
		return nil, err
	}
	page, err := o.client.ListAllVisualizationJobs(ctx, client.ListOptions{SearchContent: name})
	if err != nil {
		return nil, err
	}
	var jobs []client.VisualizationJob
	for _, j := range page.Jobs {
		if j.JobID != nil && j.JobName != nil && *j.JobName == name {
			jobs = append(jobs, j)
		}
	}
	return jobs, nil
}

// sendAction sends a request that must not be repeated blindly. The client
// does not retry it after a failure that leaves open whether ModelArts acted
// (see mayHaveActed); sendAction then asks acted whether it did. If it did,
// the lost answer does not matter. If it did not and the failure was
// transient, the request is sent again, up to maxActionSends times, each
// after the pacer's wait.
func (o jobOps) sendAction(ctx context.Context, p *pacer, action string, send func(context.Context) error, acted func(context.Context) (bool, error)) error {
	for n := 1; ; n++ {
		if err := p.wait(ctx); err != nil {
			return err
		}
		err := send(ctx)
		if err == nil || !mayHaveActed(ctx, err) {
			return err
		}
		tflog.Warn(ctx, "the answer to a request was lost; checking whether it took effect", map[string]any{
			"action": action, "attempt": n, "error": err.Error(),
		})
		done, checkErr := checkActed(ctx, acted)
		switch {
		case checkErr != nil:
			return errors.Join(err, checkErr)
		case done:
			return nil
		case n >= maxActionSends || ctx.Err() != nil || !transientFailure(err):
			return err
		}
	}
}

// checkActed runs acted even when the operation's time is up: whether the
// job exists decides between a state that tracks it and an orphan.
func checkActed(ctx context.Context, acted func(context.Context) (bool, error)) (bool, error) {
	if ctx.Err() == nil {
		return acted(ctx)
	}
	checkCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), actionLookupTimeout)
	defer cancel()
	return acted(checkCtx)
}

// mayHaveActed reports whether a failed request may still have taken effect:
// it was sent but no definitive answer came back.
func mayHaveActed(ctx context.Context, err error) bool {
	if ctx.Err() != nil || client.IsAnswerLost(err) {
		return true
	}
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		// A malformed 2xx answer means ModelArts acted (a create answer
		// without a usable job_id must be looked up, not orphaned), and a
		// failure the client could not classify may have been sent: checking
		// costs one lookup.
		return true
	}
	return apiErr.StatusCode >= 500 && apiErr.StatusCode != 503
}

// transientFailure reports whether a failure is worth another attempt once
// it is known that the request did not take effect: a lost connection, a
// cut-off answer or a gateway error, but not an error ModelArts reported.
func transientFailure(err error) bool {
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		return !errors.Is(err, client.ErrMalformedResponse)
	}
	return apiErr.StatusCode == 502 || apiErr.StatusCode == 504
}

// stopJob asks ModelArts to stop the job and, with opt.Wait, waits until it
// is stopped. A job that is already stopped is success; a refusal names the
// status that caused it.
func (o jobOps) stopJob(ctx context.Context, id string, opt opOptions) (*client.VisualizationJob, error) {
	p := newPacer()
	stopping := func(s int64) bool { return s == statusKilling || statusIsStopped(s) || statusIsFailure(s) }
	err := o.sendAction(ctx, p, "stop", func(ctx context.Context) error {
		return o.client.StopVisualizationJob(ctx, id)
	}, o.statusIs(p, id, stopping))
	if isWrongState(err) {
		// The job may already be where the stop would take it.
		job, getErr := o.get(ctx, p, id)
		switch {
		case getErr != nil:
			err = errors.Join(err, getErr)
		case job.Status != nil && stopping(*job.Status):
			err = nil
		default:
			err = &refusedError{action: "stop", err: err, status: job.Status}
		}
	}
	if err != nil {
		return nil, &actionError{action: "stop", err: err}
	}
	if !opt.Wait {
		return o.get(ctx, p, id)
	}
	return o.waitFor(ctx, p, id, waitStopped, waitOptions{progress: opt.Progress})
}

// restartJob asks ModelArts to restart a stopped job and, with opt.Wait,
// waits until it runs. A job in a failed status cannot be restarted: the
// error says to replace it. A job already starting or running is success.
func (o jobOps) restartJob(ctx context.Context, id string, opt opOptions) (*client.VisualizationJob, error) {
	p := newPacer()
	starting := func(s int64) bool { return !statusIsStopped(s) && !statusIsFailure(s) }
	err := o.sendAction(ctx, p, "restart", func(ctx context.Context) error {
		return o.client.RestartVisualizationJob(ctx, id)
	}, o.statusIs(p, id, starting))
	if isWrongState(err) {
		job, getErr := o.get(ctx, p, id)
		switch {
		case getErr != nil:
			err = errors.Join(err, getErr)
		case job.Status != nil && starting(*job.Status) && *job.Status != statusKilling:
			err = nil
		default:
			err = &refusedError{action: "restart", err: err, status: job.Status}
		}
	}
	if err != nil {
		return nil, &actionError{action: "restart", err: err}
	}
	if !opt.Wait {
		return o.get(ctx, p, id)
	}
	return o.waitFor(ctx, p, id, waitRunning, waitOptions{progress: opt.Progress})
}

// deleteJob asks ModelArts to delete the job and waits until ModelArts says
// it is gone. A job already gone is success. ModelArts refuses to delete a
// job that is being stopped (ModelArts.0105), so that case waits for the stop
// and asks again; a refusal in any other status is asked again a few times
// (the status may just have changed), then reported.
func (o jobOps) deleteJob(ctx context.Context, id string) error {
	p := newPacer()
	refusals := 0
	for {
		if err := p.wait(ctx); err != nil {
			return err
		}
		err := o.client.DeleteVisualizationJob(ctx, id)
		if err == nil {
			break
		}
		if client.IsNotFound(err) {
			return nil
		}
		if !isWrongState(err) {
			return err
		}
		job, getErr := o.get(ctx, p, id)
		switch {
		case client.IsNotFound(getErr):
			return nil
		case getErr != nil:
			return errors.Join(err, getErr)
		case job.Status != nil && *job.Status == statusKilling:
			if _, err := o.waitFor(ctx, p, id, waitSettled, waitOptions{}); err != nil {
				if client.IsNotFound(err) {
					return nil
				}
				return err
			}
			continue
		}
		refusals++
		if refusals >= maxDeleteRefusals {
			return &refusedError{action: "delete", err: err, status: job.Status, times: refusals}
		}
	}
	_, err := o.waitFor(ctx, p, id, waitGone, waitOptions{})
	if client.IsNotFound(err) {
		return nil
	}
	return err
}

// isWrongState reports whether ModelArts refused a request because of the
// job's status.
func isWrongState(err error) bool {
	var apiErr *client.APIError
	return errors.As(err, &apiErr) && apiErr.Code == "ModelArts.0105"
}

// refusedError is a stop, restart or delete that ModelArts refused for the
// job's status, with what the user can do about it.
type refusedError struct {
	action string
	err    error
	status *int64
	times  int
}

func (e *refusedError) Error() string {
	status := "an unknown status"
	if e.status != nil {
		status = fmt.Sprintf("status %d %s", *e.status, statusName(*e.status))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "ModelArts refused to %s the job in %s", e.action, status)
	if e.times > 1 {
		fmt.Fprintf(&b, " (%d times)", e.times)
	}
	fmt.Fprintf(&b, ": %v", e.err)
	switch {
	case e.action == "restart" && e.status != nil && statusIsFailure(*e.status):
		b.WriteString(". A job in a failed status cannot be restarted: replace it, with " +
			"`terraform apply -replace=<resource address>`, or set recreate_on_failure = true so that the " +
			"provider plans the replacement itself")
	case e.action == "delete":
		b.WriteString(". Check the job in the ModelArts console; stop it there if it is stuck, then run " +
			"Terraform again")
	}
	return b.String()
}

func (e *refusedError) Unwrap() error { return e.err }

// statusIs returns a check for sendAction: whether the job's status shows
// that a stop or restart took effect.
func (o jobOps) statusIs(p *pacer, id string, acted func(int64) bool) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		job, err := o.get(ctx, p, id)
		if err != nil {
			return false, fmt.Errorf("reading the job's status after the lost answer: %w", err)
		}
		return job.Status != nil && acted(*job.Status), nil
	}
}

// actionError is a stop or restart that ModelArts did not accept, so that
// the diagnostic can name the action rather than a generic update.
type actionError struct {
	action string
	err    error
}

func (e *actionError) Error() string { return e.action + ": " + e.err.Error() }
func (e *actionError) Unwrap() error { return e.err }

// waitCondition decides, from a job's status, whether a wait is over (done)
// or can never succeed (err).
type waitCondition func(status int64) (done bool, err error)

func waitRunning(s int64) (bool, error) {
	switch {
	case s == statusRunning:
		return true, nil
	case statusIsFailure(s):
		return false, &jobStatusError{Status: s, What: "failed"}
	case statusIsStopped(s):
		return false, &jobStatusError{Status: s, What: "stopped before it ran"}
	}
	return false, nil
}

// jobStatusError is a job that reached a status from which the operation
// waited for cannot succeed.
type jobStatusError struct {
	Status int64
	What   string
}

func (e *jobStatusError) Error() string {
	return fmt.Sprintf("the job %s with status %d %s", e.What, e.Status, statusName(e.Status))
}

func waitStopped(s int64) (bool, error) {
	return statusIsStopped(s) || statusIsFailure(s), nil
}

// waitSettled waits until no stop is in progress, so a delete is accepted.
func waitSettled(s int64) (bool, error) {
	return s != statusKilling, nil
}

// waitGone never ends on a status: only the job's disappearance ends it.
func waitGone(int64) (bool, error) { return false, nil }

// waitOptions tune waitFor.
type waitOptions struct {
	// notFoundGrace, when positive, is how long ModelArts' "does not exist"
	// is taken for a service that has not caught up yet (right after a
	// create) instead of ending the wait.
	notFoundGrace time.Duration
	// progress receives a message whenever the status changes.
	progress func(msg string)
}

// waitFor polls the job on the pacer's schedule until cond says done, the
// job is gone (the not-found error is returned) or the context ends.
func (o jobOps) waitFor(ctx context.Context, p *pacer, id string, cond waitCondition, opt waitOptions) (*client.VisualizationJob, error) {
	start := time.Now()
	var job *client.VisualizationJob
	var last *int64
	for {
		j, err := o.get(ctx, p, id)
		switch {
		case client.IsNotFound(err) && opt.notFoundGrace > 0 && time.Since(start) < opt.notFoundGrace:
			tflog.Debug(ctx, "ModelArts does not list the new job yet; waiting", map[string]any{"job_id": id})
			continue
		case err != nil && ctx.Err() != nil && job != nil:
			return job, fmt.Errorf("still waiting, last status %s: %w", statusText(job.Status), ctx.Err())
		case err != nil:
			return job, err
		}
		job = j
		if job.Status == nil {
			continue
		}
		if opt.progress != nil && (last == nil || *last != *job.Status) {
			opt.progress(fmt.Sprintf("visualization job %s is %s", id, statusName(*job.Status)))
		}
		last = job.Status
		done, err := cond(*job.Status)
		if err != nil {
			return job, err
		}
		if done {
			return job, nil
		}
		tflog.Debug(ctx, "waiting for visualization job", map[string]any{
			"job_id": id, "status": *job.Status, "status_name": statusName(*job.Status),
		})
	}
}

// statusText renders a status that may be unknown, for messages.
func statusText(s *int64) string {
	if s == nil {
		return "unknown"
	}
	return fmt.Sprintf("%d %s", *s, statusName(*s))
}
