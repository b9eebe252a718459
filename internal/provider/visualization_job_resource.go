package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/client"
)

var (
	_ resource.Resource                = &visualizationJobResource{}
	_ resource.ResourceWithConfigure   = &visualizationJobResource{}
	_ resource.ResourceWithImportState = &visualizationJobResource{}
	_ resource.ResourceWithIdentity    = &visualizationJobResource{}
	_ resource.ResourceWithModifyPlan  = &visualizationJobResource{}
)

var jobNamePattern = regexp.MustCompile(`^[0-9A-Za-z_-]{1,20}$`)

const (
	defaultCreateTimeout = 20 * time.Minute
	defaultUpdateTimeout = 20 * time.Minute
	defaultDeleteTimeout = 20 * time.Minute
	jobTypeTensorBoard   = "tensorboard"
	jobTypeMindInsight   = "mindinsight"
)

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
			"and restarts it in place; deleting waits until ModelArts says the job is gone.\n\n" +
			"The state keeps what describes the job, not counters that change every second (`duration` and " +
			"`remaining_duration` are on the data sources), so an unchanged job never shows as drift. On " +
			"refresh, `status` and `status_name` follow the job: a job stopped outside Terraform shows as " +
			"drift. `job_id`, `create_time`, `created_at`, `service_url` and `resource_id` never change for a " +
			"job.\n\n" +
			"Values ModelArts normalises (white space around `job_desc`, the trailing `/` of `train_url`, the " +
			"case of `job_type`) stay as configured in the state while the server's value is the same up to " +
			"that normalisation; any other difference shows as drift.",
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
				Required:      true,
				Validators:    []validator.String{obsPath{}},
				PlanModifiers: replace(),
				MarkdownDescription: d["train_url"] + " It must be an OBS path: a leading `/`, the bucket, then " +
					"the directory (`s3://` and `obs://` URLs are refused). Changing it replaces the job.",
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
				PlanModifiers: []planmodifier.String{stringReplaceUnlessImported()},
				MarkdownDescription: "Resource specification code (`flavor.code` in the API); usually left out so " +
					"ModelArts picks the default. The API does not return it, so it cannot be read back: after an " +
					"import the configured value is adopted without replacing the job. Changing it later replaces " +
					"the job.",
			},
			"auto_stop_hours": schema.Int64Attribute{
				Optional:      true,
				Validators:    []validator.Int64{int64validator.Between(0, 24)},
				PlanModifiers: []planmodifier.Int64{int64ReplaceUnlessImported()},
				MarkdownDescription: "Stop the job automatically after this many hours (0 to 24), sent as the " +
					"`schedule` of the create request. The details API does not return it, so it cannot be read " +
					"back: after an import the configured value is adopted without replacing the job. Changing " +
					"it later replaces the job.",
			},
			"running": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Whether the job should run. `true` restarts a stopped job and `false` stops " +
					"a running one, in place, waiting for the job to get there; a job stopped outside Terraform " +
					"(or by `auto_stop_hours`) then shows as drift. Left unset, the provider does not manage the " +
					"run state: creating still waits until the job runs, but a job stopped later (by the " +
					"`modelarts_visualization_job_stop` action, the console or auto-stop) stays stopped.",
			},
			"recreate_on_failure": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "When `true`, a job found in a failed status (for example " +
					"`JOBSTAT_IMAGE_FAILED`), which ModelArts cannot restart, is planned for replacement, unless " +
					"`running = false`. When unset or `false`, such a plan warns and says how to replace the job " +
					"by hand (`terraform apply -replace=...`).",
			},
			"job_id":      schema.Int64Attribute{Computed: true, MarkdownDescription: d["job_id"], PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}},
			"status":      schema.Int64Attribute{Computed: true, MarkdownDescription: d["status"]},
			"status_name": schema.StringAttribute{Computed: true, MarkdownDescription: d["status_name"]},
			"create_time": schema.Int64Attribute{Computed: true, MarkdownDescription: d["create_time"], PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}},
			"created_at":  schema.StringAttribute{Computed: true, MarkdownDescription: d["created_at"], PlanModifiers: keep()},
			"service_url": schema.StringAttribute{Computed: true, MarkdownDescription: d["service_url"], PlanModifiers: keep()},
			"resource_id": schema.StringAttribute{Computed: true, MarkdownDescription: d["resource_id"], PlanModifiers: keep()},
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

	ops := jobOps{client: r.client}
	name := plan.JobName.ValueString()
	id, err := ops.createJob(ctx, plan.createRequest())
	if err != nil {
		resp.Diagnostics.AddError("Unable to Create Visualization Job", errorDetail(
			fmt.Sprintf("create visualization job %q", name), "", err, timeout)+createHint(err))
		return
	}

	// From here on the job exists: state is saved on every exit so that a
	// failure leaves a tainted resource to replace, never an orphan. The ID
	// is the one ModelArts answered; what the reads say never replaces it.
	plan.setID(id)
	job, err := ops.waitFor(ctx, newPacer(), id, waitRunning, waitOptions{notFoundGrace: createNotFoundGrace})
	if err == nil && !plan.Running.IsNull() && !plan.Running.ValueBool() {
		job, err = ops.stopJob(ctx, id, opOptions{Wait: true})
	}
	if job != nil {
		plan.setJob(job, &resp.Diagnostics)
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
	// Only ModelArts' own "does not exist" removes the job from the state; a
	// gateway's 404, a proxy page or an empty answer is an error (see
	// client.IsNotFound), so a wrong endpoint can never make a job vanish.
	if client.IsNotFound(err) {
		resp.Diagnostics.AddWarning("Visualization Job Not Found",
			fmt.Sprintf("ModelArts answers that visualization job %q does not exist; it was probably deleted "+
				"outside Terraform. It is removed from the state: a plan proposes to create it again, and an "+
				"apply does so.", id))
		setJobIdentity(ctx, resp.Identity, r.client, id, &resp.Diagnostics)
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to Read Visualization Job", errorDetail(jobOp("read", id), id, err, timeout))
		return
	}
	state.setJob(job, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	setJobIdentity(ctx, resp.Identity, r.client, id, &resp.Diagnostics)
}

// ModifyPlan explains, or with recreate_on_failure plans, what a job in a
// failed status needs: ModelArts cannot restart it, so a plan that wants it
// running would otherwise fail on every apply.
func (r *visualizationJobResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var state, plan visualizationJobResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || state.Status.IsNull() || state.Status.IsUnknown() ||
		!statusIsFailure(state.Status.ValueInt64()) || (!plan.Running.IsNull() && !plan.Running.ValueBool()) {
		return
	}
	status := statusText(state.Status.ValueInt64Pointer())
	if plan.RecreateOnFailure.ValueBool() {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("recreate_on_failure"))
		resp.Diagnostics.AddWarning("Failed Visualization Job Will Be Replaced",
			fmt.Sprintf("Visualization job %s is in status %s, from which ModelArts cannot restart it. "+
				"recreate_on_failure = true, so this plan replaces it with a new job.", state.ID.ValueString(), status))
		return
	}
	if plan.Running.IsNull() {
		return
	}
	resp.Diagnostics.AddWarning("Visualization Job Has Failed",
		fmt.Sprintf("Visualization job %s is in status %s, from which ModelArts cannot restart it, but "+
			"running = true: applying this plan fails. Replace the job with `terraform apply "+
			"-replace=<address of this resource>`, set recreate_on_failure = true to have the provider plan the "+
			"replacement, or set running = false to keep the failed job.", state.ID.ValueString(), status))
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

	ops := jobOps{client: r.client}
	id := state.ID.ValueString()
	// The description and the final read are one operation: paced.
	p := newPacer()
	if !plan.JobDesc.Equal(state.JobDesc) {
		if err := p.wait(ctx); err != nil {
			resp.Diagnostics.AddError("Unable to Update Visualization Job",
				errorDetail(jobOp("change the description of", id), id, err, timeout))
			return
		}
		if err := r.client.UpdateVisualizationJobDescription(ctx, id, plan.JobDesc.ValueString()); err != nil {
			resp.Diagnostics.AddError("Unable to Update Visualization Job",
				errorDetail(jobOp("change the description of", id), id, err, timeout))
			return
		}
	}

	var job *client.VisualizationJob
	var err error
	verb := "update"
	running := state.isRunning()
	switch {
	case plan.Running.IsNull() || plan.Running.ValueBool() == running:
		job, err = ops.get(ctx, p, id)
	case plan.Running.ValueBool() && statusIsFailure(state.Status.ValueInt64()):
		verb = "restart"
		// ModelArts refuses to restart a failed job: say what to do
		// instead of sending a request that can only be refused.
		err = &actionError{action: "restart", err: &refusedError{
			action: "restart", status: state.Status.ValueInt64Pointer(),
			err: fmt.Errorf("the provider did not send the restart, which ModelArts refuses for a failed job"),
		}}
	case plan.Running.ValueBool():
		verb = "restart"
		job, err = ops.restartJob(ctx, id, opOptions{Wait: true})
	default:
		verb = "stop"
		job, err = ops.stopJob(ctx, id, opOptions{Wait: true})
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to Update Visualization Job", errorDetail(jobOp(verb, id), id, err, timeout))
		return
	}
	plan.ID = state.ID
	plan.setJob(job, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	setJobIdentity(ctx, resp.Identity, r.client, id, &resp.Diagnostics)
	// The first apply after an import has adopted flavor_code and
	// auto_stop_hours: from now on, changing them replaces the job.
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImported, nil)...)
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
	if err := (jobOps{client: r.client}).deleteJob(ctx, id); err != nil {
		resp.Diagnostics.AddError("Unable to Delete Visualization Job", errorDetail(jobOp("delete", id), id, err, timeout))
	}
}

// privateImported is the private-state key set by ImportState and cleared by
// the first update: while it is set, a configured flavor_code or
// auto_stop_hours (which the API does not return) is adopted, not a reason
// to replace the job.
const privateImported = "imported"

func (r *visualizationJobResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID == "" && req.Identity != nil {
		importJobByIdentity(ctx, r.client, req, resp)
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImported, []byte("true"))...)
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
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImported, []byte("true"))...)
}

func (r *visualizationJobResource) configured(diags *diag.Diagnostics) bool {
	return requireClient(r.client, diags, "managing a visualization job")
}

// visualizationJobResourceModel maps the modelarts_visualization_job resource.
type visualizationJobResourceModel struct {
	ID                types.String   `tfsdk:"id"`
	JobID             types.Int64    `tfsdk:"job_id"`
	JobName           types.String   `tfsdk:"job_name"`
	JobDesc           types.String   `tfsdk:"job_desc"`
	TrainURL          types.String   `tfsdk:"train_url"`
	JobType           types.String   `tfsdk:"job_type"`
	FlavorCode        types.String   `tfsdk:"flavor_code"`
	AutoStopHours     types.Int64    `tfsdk:"auto_stop_hours"`
	Running           types.Bool     `tfsdk:"running"`
	RecreateOnFailure types.Bool     `tfsdk:"recreate_on_failure"`
	Status            types.Int64    `tfsdk:"status"`
	StatusName        types.String   `tfsdk:"status_name"`
	CreateTime        types.Int64    `tfsdk:"create_time"`
	CreatedAt         types.String   `tfsdk:"created_at"`
	ServiceURL        types.String   `tfsdk:"service_url"`
	ResourceID        types.String   `tfsdk:"resource_id"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
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

// setID records the ID ModelArts gave the job (or the one imported): the
// request's ID, never one read from a body.
func (m *visualizationJobResourceModel) setID(id string) {
	m.ID = types.StringValue(id)
	if n, err := strconv.ParseInt(id, 10, 64); err == nil {
		m.JobID = types.Int64Value(n)
	}
}

// setJob maps a job read from the API onto the resource. The ID stays the
// one asked for (the client has checked that the answer is about it).
// Arguments the API did not return, or returned as the same value up to
// ModelArts' normalisation, keep their planned or prior value, so that
// neither an omitted field nor a normalised one causes a diff or an
// "inconsistent result"; a real difference is taken from the server and
// shows as drift. Strings with control characters are kept as they are and
// reported with a warning.
func (m *visualizationJobResourceModel) setJob(j *client.VisualizationJob, diags *diag.Diagnostics) {
	m.setID(m.ID.ValueString())
	m.JobName = keepIfSame(m.JobName, j.JobName, func(a, b string) bool { return a == b })
	m.JobDesc = keepIfSame(m.JobDesc, j.JobDesc, sameText)
	m.TrainURL = keepIfSame(m.TrainURL, j.TrainURL, sameTrainURL)
	m.JobType = types.StringValue(jobTypeOf(j, m.JobType))
	m.Status = types.Int64PointerValue(j.Status)
	m.StatusName = types.StringNull()
	if j.Status != nil {
		m.StatusName = types.StringValue(statusName(*j.Status))
	}
	m.CreateTime = types.Int64PointerValue(j.CreateTime)
	m.CreatedAt = types.StringNull()
	if j.CreateTime != nil {
		m.CreatedAt = types.StringValue(formatEpochMillis(*j.CreateTime))
	}
	m.ServiceURL = types.StringPointerValue(j.ServiceURL)
	m.ResourceID = types.StringPointerValue(j.ResourceID)
	// running is managed only when configured: then it reflects the job, so
	// that a job stopped outside Terraform shows as drift.
	if !m.Running.IsNull() && j.Status != nil {
		m.Running = types.BoolValue(statusIsActive(*j.Status))
	}
	warnUnsafeText(diags, m.ID.ValueString(), j)
}

// isRunning says whether the job was running (or on its way) at the last
// read, from running when managed and from the status otherwise.
func (m *visualizationJobResourceModel) isRunning() bool {
	if !m.Running.IsNull() && !m.Running.IsUnknown() {
		return m.Running.ValueBool()
	}
	return !m.Status.IsNull() && !m.Status.IsUnknown() && statusIsActive(m.Status.ValueInt64())
}

// statusIsActive reports whether a job in this status runs or is on its way
// to running.
func statusIsActive(s int64) bool { return !statusIsStopped(s) && !statusIsFailure(s) }

// keepIfSame returns prior when the server's value is absent or the same as
// prior by eq, else the server's value.
func keepIfSame(prior types.String, server *string, eq func(a, b string) bool) types.String {
	if server == nil || (!prior.IsNull() && !prior.IsUnknown() && eq(prior.ValueString(), *server)) {
		if prior.IsUnknown() {
			return types.StringPointerValue(server)
		}
		return prior
	}
	return types.StringValue(*server)
}

// setUnknownsNull gives every computed attribute a null value, for saving a
// state when the job could not be read after create.
func (m *visualizationJobResourceModel) setUnknownsNull() {
	m.Status, m.StatusName = types.Int64Null(), types.StringNull()
	m.CreateTime, m.CreatedAt = types.Int64Null(), types.StringNull()
	m.ServiceURL, m.ResourceID = types.StringNull(), types.StringNull()
}

// jobTypeOf says whether a job is TensorBoard or MindInsight. The details
// API does not document job_type; when it is absent the value in state is
// kept, and on import it is derived from service_url, whose path names the
// tool (.../modelarts2/tensorboard/... or .../mindinsight/...). A value that
// differs from the prior one only by case is the prior one.
func jobTypeOf(j *client.VisualizationJob, prior types.String) string {
	known := !prior.IsNull() && !prior.IsUnknown() && prior.ValueString() != ""
	if j.JobType != nil && *j.JobType != "" {
		if known && strings.EqualFold(*j.JobType, prior.ValueString()) {
			return prior.ValueString()
		}
		return *j.JobType
	}
	if known {
		return prior.ValueString()
	}
	if j.ServiceURL != nil && strings.Contains(*j.ServiceURL, "/"+jobTypeMindInsight+"/") {
		return jobTypeMindInsight
	}
	return jobTypeTensorBoard
}
