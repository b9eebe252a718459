package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/client"
)

var (
	_ resource.Resource                = &visualizationJobResource{}
	_ resource.ResourceWithConfigure   = &visualizationJobResource{}
	_ resource.ResourceWithImportState = &visualizationJobResource{}
	_ resource.ResourceWithIdentity    = &visualizationJobResource{}
)

const (
	defaultCreateTimeout = 20 * time.Minute
	defaultUpdateTimeout = 20 * time.Minute
	defaultDeleteTimeout = 20 * time.Minute
	jobTypeTensorBoard   = "tensorboard"
	jobTypeMindInsight   = "mindinsight"
)

// Polling of asynchronous operations: the API documents no timings, so the
// interval starts small (the emulator and a warm cloud are quick) and grows.
var (
	pollMinInterval = 200 * time.Millisecond
	pollMaxInterval = 5 * time.Second
)

var jobNamePattern = regexp.MustCompile(`^[0-9A-Za-z_-]{1,20}$`)

// NewVisualizationJobResource is the constructor of modelarts_visualization_job.
func NewVisualizationJobResource() resource.Resource {
	return &visualizationJobResource{}
}

type visualizationJobResource struct {
	client *client.Client
}

func (r *visualizationJobResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_visualization_job"
}

func (r *visualizationJobResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	d := jobFieldDescriptions
	keep := func() []planmodifier.String { return []planmodifier.String{stringplanmodifier.UseStateForUnknown()} }
	replace := func() []planmodifier.String { return []planmodifier.String{stringplanmodifier.RequiresReplace()} }
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages a ModelArts visualization job: a managed TensorBoard or MindInsight instance " +
			"that serves the summary files under `train_url`. Creating waits until the job runs; `running` stops " +
			"and restarts it in place; deleting waits until the job is gone.\n\n" +
			"On refresh, `status`, `status_name`, `duration` and `remaining_duration` follow the job (they never " +
			"cause a diff); `job_id`, `create_time`, `created_at`, `service_url` and `resource_id` never change " +
			"for a job and are kept from the state in plans. `running` reflects the job: a job stopped outside " +
			"Terraform, or by `auto_stop_hours`, plans a restart unless `running = false` (or " +
			"`lifecycle { ignore_changes = [running] }`).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				PlanModifiers:       keep(),
				MarkdownDescription: "The visualization ID (the job ID as a string); use it to import.",
			},
			"job_name": schema.StringAttribute{
				Required: true,
				Validators: []validator.String{stringvalidator.RegexMatches(jobNamePattern,
					"must be 1 to 20 characters of letters, digits, hyphens (-) and underscores (_)")},
				PlanModifiers:       replace(),
				MarkdownDescription: d["job_name"] + " Changing it replaces the job.",
			},
			"job_desc": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
				Validators:          []validator.String{stringvalidator.LengthAtMost(256)},
				MarkdownDescription: "Description of the job, up to 256 characters; changed in place. Defaults to `\"\"`.",
			},
			"train_url": schema.StringAttribute{
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       replace(),
				MarkdownDescription: d["train_url"] + " Changing it replaces the job.",
			},
			"job_type": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(jobTypeTensorBoard),
				Validators:          []validator.String{stringvalidator.OneOf(jobTypeTensorBoard, jobTypeMindInsight)},
				PlanModifiers:       replace(),
				MarkdownDescription: "`tensorboard` or `mindinsight`. Defaults to `tensorboard`. Changing it replaces the job.",
			},
			"flavor_code": schema.StringAttribute{
				Optional:      true,
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: replace(),
				MarkdownDescription: "Resource specification code (`flavor.code` in the API); usually left out so " +
					"ModelArts picks the default. The API does not return it, so it is not read back or imported. " +
					"Changing it replaces the job.",
			},
			"auto_stop_hours": schema.Int64Attribute{
				Optional:      true,
				Validators:    []validator.Int64{int64validator.Between(0, 24)},
				PlanModifiers: []planmodifier.Int64{int64planmodifier.RequiresReplace()},
				MarkdownDescription: "Stop the job automatically after this many hours (0 to 24), sent as the " +
					"`schedule` of the create request. The API does not return it, so it is not read back or " +
					"imported. Changing it replaces the job.",
			},
			"running": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
				MarkdownDescription: "Whether the job should run. `false` stops it and `true` restarts it, in place, " +
					"waiting for the job to get there. Defaults to `true`.",
			},
			"job_id":             schema.Int64Attribute{Computed: true, MarkdownDescription: d["job_id"], PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}},
			"status":             schema.Int64Attribute{Computed: true, MarkdownDescription: d["status"]},
			"status_name":        schema.StringAttribute{Computed: true, MarkdownDescription: d["status_name"]},
			"create_time":        schema.Int64Attribute{Computed: true, MarkdownDescription: d["create_time"], PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}},
			"created_at":         schema.StringAttribute{Computed: true, MarkdownDescription: d["created_at"], PlanModifiers: keep()},
			"duration":           schema.Int64Attribute{Computed: true, MarkdownDescription: d["duration"]},
			"service_url":        schema.StringAttribute{Computed: true, MarkdownDescription: d["service_url"], PlanModifiers: keep()},
			"resource_id":        schema.StringAttribute{Computed: true, MarkdownDescription: d["resource_id"], PlanModifiers: keep()},
			"remaining_duration": schema.Float64Attribute{Computed: true, MarkdownDescription: d["remaining_duration"]},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{
				Create: true, Read: true, Update: true, Delete: true,
				CreateDescription: "How long creating may take, until the job runs. Defaults to `20m`.",
				ReadDescription:   "How long a refresh may take, retries included. Defaults to `5m`.",
				UpdateDescription: "How long an update (description, stop, restart) may take. Defaults to `20m`.",
				DeleteDescription: "How long deleting may take, until the job is gone. Defaults to `20m`.",
			}),
		},
	}
}

func (r *visualizationJobResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (r *visualizationJobResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan visualizationJobResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !r.configured(&resp.Diagnostics) {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	name := plan.JobName.ValueString()
	id, err := r.create(ctx, plan.createRequest())
	if err != nil {
		resp.Diagnostics.AddError("Unable to Create Visualization Job", errorDetail(
			fmt.Sprintf("create visualization job %q", name), "", err, timeout)+createHint(err))
		return
	}

	// From here on the job exists: state is saved on every exit so that a
	// failure leaves a tainted resource to replace, never an orphan.
	plan.ID = types.StringValue(id)
	job, err := r.waitFor(ctx, id, waitRunning)
	if err == nil && !plan.Running.ValueBool() {
		job, err = r.stop(ctx, id)
	}
	if job != nil {
		plan.setJob(job)
	} else {
		plan.setUnknownsNull()
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	setJobIdentity(ctx, resp.Identity, r.client, id, &resp.Diagnostics)
	if err != nil {
		resp.Diagnostics.AddError("Visualization Job Did Not Start", errorDetail(jobOp("start", id), id, err, timeout)+
			"\n\nThe job was created and is saved in the state as tainted: the next apply replaces it.")
	}
}

// create makes the job and returns its ID. When the answer to the create
// request is lost after the request may have reached ModelArts (a reset
// connection, a gateway error, a timeout), it looks the job up by name
// instead of trusting the error, so one apply never makes two jobs; when the
// lookup proves that no job was made, the request is sent again.
func (r *visualizationJobResource) create(ctx context.Context, req client.CreateRequest) (string, error) {
	before, err := r.jobIDsNamed(ctx, req.JobName)
	if err != nil {
		return "", fmt.Errorf("listing jobs named %q before creating: %w", req.JobName, err)
	}
	var id string
	err = sendAction(ctx, "create", func(ctx context.Context) error {
		res, err := r.client.CreateVisualizationJob(ctx, req)
		if err == nil {
			id = fmt.Sprint(res.JobID)
		}
		return err
	}, func(ctx context.Context) (bool, error) {
		after, err := r.jobIDsNamed(ctx, req.JobName)
		if err != nil {
			return false, fmt.Errorf("looking up job %q after the lost answer: %w", req.JobName, err)
		}
		for jobID := range after {
			if !before[jobID] {
				tflog.Info(ctx, "found the job the lost create made", map[string]any{"job_id": jobID})
				id = fmt.Sprint(jobID)
				return true, nil
			}
		}
		return false, nil
	})
	return id, err
}

// maxActionSends bounds how often a non-idempotent request (create, stop,
// restart) is sent when its answers keep getting lost.
const maxActionSends = 3

// actionLookupTimeout bounds the check, after the operation's own timeout
// ended, of whether a request whose answer never came took effect.
const actionLookupTimeout = 30 * time.Second

// sendAction sends a request that must not be repeated blindly. The client
// does not retry it after a failure that leaves open whether ModelArts acted
// (see mayHaveActed); sendAction then asks acted whether it did. If it did,
// the lost answer does not matter. If it did not and the failure was
// transient, the request is sent again, up to maxActionSends times.
func sendAction(ctx context.Context, action string, send func(context.Context) error, acted func(context.Context) (bool, error)) error {
	for n := 1; ; n++ {
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
	if ctx.Err() != nil {
		return true
	}
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
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

func (r *visualizationJobResource) jobIDsNamed(ctx context.Context, name string) (map[int64]bool, error) {
	page, err := r.client.ListAllVisualizationJobs(ctx, client.ListOptions{SearchContent: name})
	if err != nil {
		return nil, err
	}
	ids := map[int64]bool{}
	for _, j := range page.Jobs {
		if j.JobID != nil && j.JobName != nil && *j.JobName == name {
			ids[*j.JobID] = true
		}
	}
	return ids, nil
}

// createHint adds advice for the create errors users hit most.
func createHint(err error) string {
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		return ""
	}
	switch apiErr.Code {
	case "ModelArts.0118":
		return "\n\nThe project has reached its quota of visualization jobs. Delete or stop jobs you no longer " +
			"need (the modelarts_visualization_jobs data source shows job_count_limit and quotas), or ask for a " +
			"higher quota."
	case "ModelArts.0104", "ModelArts.0101", "ModelArts.0107":
		return "\n\nModelArts refused an argument: check job_name (1 to 20 of A-Z a-z 0-9 - _), job_desc (at most " +
			"256 characters), train_url (an OBS directory such as /bucket/train/) and flavor_code."
	}
	return ""
}

func (r *visualizationJobResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state visualizationJobResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !r.configured(&resp.Diagnostics) {
		return
	}
	timeout, diags := state.Timeouts.Read(ctx, defaultReadTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	id := state.ID.ValueString()
	if !checkJobIdentity(ctx, req.Identity, r.client, id, &resp.Diagnostics) {
		return
	}
	job, err := r.client.GetVisualizationJob(ctx, id)
	if client.IsNotFound(err) {
		resp.Diagnostics.AddWarning("Visualization Job Not Found",
			fmt.Sprintf("Visualization job %q no longer exists in ModelArts; it was probably deleted outside "+
				"Terraform. It is removed from the state, and the next apply creates it again.", id))
		setJobIdentity(ctx, resp.Identity, r.client, id, &resp.Diagnostics)
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to Read Visualization Job", errorDetail(jobOp("read", id), id, err, timeout))
		return
	}
	state.setJob(job)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	setJobIdentity(ctx, resp.Identity, r.client, id, &resp.Diagnostics)
}

func (r *visualizationJobResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state visualizationJobResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !r.configured(&resp.Diagnostics) {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, defaultUpdateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	id := state.ID.ValueString()
	if !plan.JobDesc.Equal(state.JobDesc) {
		if err := r.client.UpdateVisualizationJobDescription(ctx, id, plan.JobDesc.ValueString()); err != nil {
			resp.Diagnostics.AddError("Unable to Update Visualization Job",
				errorDetail(jobOp("change the description of", id), id, err, timeout))
			return
		}
	}

	var job *client.VisualizationJob
	var err error
	switch {
	case plan.Running.ValueBool() && !state.Running.ValueBool():
		job, err = r.restart(ctx, id)
	case !plan.Running.ValueBool() && state.Running.ValueBool():
		job, err = r.stop(ctx, id)
	default:
		job, err = r.client.GetVisualizationJob(ctx, id)
	}
	if err != nil {
		verb := "update"
		var actErr *actionError
		if errors.As(err, &actErr) {
			verb = actErr.action
		}
		resp.Diagnostics.AddError("Unable to Update Visualization Job", errorDetail(jobOp(verb, id), id, err, timeout))
		return
	}
	plan.ID = state.ID
	plan.setJob(job)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	setJobIdentity(ctx, resp.Identity, r.client, id, &resp.Diagnostics)
}

func (r *visualizationJobResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state visualizationJobResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !r.configured(&resp.Diagnostics) {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, defaultDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	id := state.ID.ValueString()
	if err := r.delete(ctx, id); err != nil {
		resp.Diagnostics.AddError("Unable to Delete Visualization Job", errorDetail(jobOp("delete", id), id, err, timeout))
	}
}

// delete asks ModelArts to delete the job and waits until it is gone. A job
// already gone is success. ModelArts refuses to delete a job that is being
// stopped (ModelArts.0105), so that case waits for the stop and asks again.
func (r *visualizationJobResource) delete(ctx context.Context, id string) error {
	for {
		err := r.client.DeleteVisualizationJob(ctx, id)
		if err == nil || client.IsNotFound(err) {
			break
		}
		var apiErr *client.APIError
		if !errors.As(err, &apiErr) || apiErr.Code != "ModelArts.0105" {
			return err
		}
		if _, err := r.waitFor(ctx, id, waitSettled); err != nil {
			if client.IsNotFound(err) {
				return nil
			}
			return err
		}
	}
	_, err := r.waitFor(ctx, id, waitGone)
	if client.IsNotFound(err) {
		return nil
	}
	return err
}

func (r *visualizationJobResource) stop(ctx context.Context, id string) (*client.VisualizationJob, error) {
	err := sendAction(ctx, "stop", func(ctx context.Context) error {
		return r.client.StopVisualizationJob(ctx, id)
	}, r.statusIs(id, func(s int64) bool { return s == statusKilling || statusIsStopped(s) || statusIsFailure(s) }))
	if err != nil {
		return nil, &actionError{action: "stop", err: err}
	}
	return r.waitFor(ctx, id, waitStopped)
}

func (r *visualizationJobResource) restart(ctx context.Context, id string) (*client.VisualizationJob, error) {
	err := sendAction(ctx, "restart", func(ctx context.Context) error {
		return r.client.RestartVisualizationJob(ctx, id)
	}, r.statusIs(id, func(s int64) bool { return !statusIsStopped(s) }))
	if err != nil {
		return nil, &actionError{action: "restart", err: err}
	}
	return r.waitFor(ctx, id, waitRunning)
}

// statusIs returns a check for sendAction: whether the job's status shows
// that a stop or restart took effect.
func (r *visualizationJobResource) statusIs(id string, acted func(int64) bool) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		job, err := r.client.GetVisualizationJob(ctx, id)
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

func (r *visualizationJobResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID == "" && req.Identity != nil {
		importJobByIdentity(ctx, r.client, req, resp)
		return
	}
	if err := checkPositiveInteger(req.ID); err != nil {
		resp.Diagnostics.AddError("Invalid Import ID",
			fmt.Sprintf("A visualization job is imported by its numeric ID, a positive integer such as \"8992\", "+
				"but the ID given is %q: %s.", req.ID, err))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	setJobIdentity(ctx, resp.Identity, r.client, req.ID, &resp.Diagnostics)
}

func (r *visualizationJobResource) configured(diags *diag.Diagnostics) bool {
	return requireClient(r.client, diags, "managing a visualization job")
}

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

// waitFor polls the job until cond says done, the job is gone (the
// not-found error is returned) or the context ends.
func (r *visualizationJobResource) waitFor(ctx context.Context, id string, cond waitCondition) (*client.VisualizationJob, error) {
	interval := pollMinInterval
	for {
		job, err := r.client.GetVisualizationJob(ctx, id)
		if err != nil {
			return nil, err
		}
		if job.Status != nil {
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
		timer := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			timer.Stop()
			last := "unknown"
			if job.Status != nil {
				last = fmt.Sprintf("%d %s", *job.Status, statusName(*job.Status))
			}
			return job, fmt.Errorf("still waiting, last status %s: %w", last, ctx.Err())
		case <-timer.C:
		}
		interval = min(interval*3/2, pollMaxInterval)
	}
}

// visualizationJobResourceModel maps the modelarts_visualization_job resource.
type visualizationJobResourceModel struct {
	ID            types.String   `tfsdk:"id"`
	JobType       types.String   `tfsdk:"job_type"`
	FlavorCode    types.String   `tfsdk:"flavor_code"`
	AutoStopHours types.Int64    `tfsdk:"auto_stop_hours"`
	Running       types.Bool     `tfsdk:"running"`
	Timeouts      timeouts.Value `tfsdk:"timeouts"`
	jobFields
}

func (m *visualizationJobResourceModel) createRequest() client.CreateRequest {
	req := client.CreateRequest{
		JobName:  m.JobName.ValueString(),
		JobDesc:  m.JobDesc.ValueString(),
		TrainURL: m.TrainURL.ValueString(),
		JobType:  m.JobType.ValueString(),
	}
	if code := m.FlavorCode.ValueString(); code != "" {
		req.Flavor = &client.Flavor{Code: code}
	}
	if !m.AutoStopHours.IsNull() {
		req.Schedule = &client.Schedule{Type: "stop", TimeUnit: "HOURS", Duration: m.AutoStopHours.ValueInt64()}
	}
	return req
}

// setJob maps a job read from the API onto the resource. Arguments the API
// did not return keep their planned or prior value, so an API that omits a
// field never causes a diff.
func (m *visualizationJobResourceModel) setJob(j *client.VisualizationJob) {
	f := jobFieldsFromAPI(j)
	if f.JobName.IsNull() {
		f.JobName = m.JobName
	}
	if f.JobDesc.IsNull() {
		f.JobDesc = m.JobDesc
	}
	if f.TrainURL.IsNull() {
		f.TrainURL = m.TrainURL
	}
	m.jobFields = f
	if j.JobID != nil {
		m.ID = types.StringValue(fmt.Sprint(*j.JobID))
	}
	if j.Status != nil {
		s := *j.Status
		m.Running = types.BoolValue(!statusIsStopped(s) && !statusIsFailure(s))
	}
	m.JobType = types.StringValue(jobTypeOf(j, m.JobType))
}

// setUnknownsNull gives every computed attribute a null value, for saving a
// state when the job could not be read after create.
func (m *visualizationJobResourceModel) setUnknownsNull() {
	f := nullJobFields()
	f.JobName, f.JobDesc, f.TrainURL = m.JobName, m.JobDesc, m.TrainURL
	m.jobFields = f
}

// jobTypeOf says whether a job is TensorBoard or MindInsight. The details
// API does not document job_type; when it is absent the value in state is
// kept, and on import it is derived from service_url, whose path names the
// tool (.../modelarts2/tensorboard/... or .../mindinsight/...).
func jobTypeOf(j *client.VisualizationJob, prior types.String) string {
	if j.JobType != nil && *j.JobType != "" {
		return *j.JobType
	}
	if !prior.IsNull() && !prior.IsUnknown() && prior.ValueString() != "" {
		return prior.ValueString()
	}
	if j.ServiceURL != nil && strings.Contains(*j.ServiceURL, "/"+jobTypeMindInsight+"/") {
		return jobTypeMindInsight
	}
	return jobTypeTensorBoard
}
