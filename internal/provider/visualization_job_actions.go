package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/action/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/client"
)

var (
	_ action.Action              = &visualizationJobAction{}
	_ action.ActionWithConfigure = &visualizationJobAction{}
)

// defaultActionTimeout bounds one invocation, the wait included, as the
// resource's update timeout bounds a stop or restart.
const defaultActionTimeout = 20 * time.Minute

// NewVisualizationJobStopAction is the constructor of the
// modelarts_visualization_job_stop action (Terraform 1.14 and later).
func NewVisualizationJobStopAction() action.Action {
	return &visualizationJobAction{kind: jobActionStop}
}

// NewVisualizationJobRestartAction is the constructor of the
// modelarts_visualization_job_restart action (Terraform 1.14 and later).
func NewVisualizationJobRestartAction() action.Action {
	return &visualizationJobAction{kind: jobActionRestart}
}

// jobActionKind tells the two actions apart: they share config, waiting and
// diagnostics, and differ in the operation and the status waited for.
type jobActionKind struct {
	verb    string // stop, restart
	summary string // Title Case, for diagnostics
	waitsOn string // the status wait = true waits for, for docs
	doc     string
}

var (
	jobActionStop = jobActionKind{
		verb: "stop", summary: "Stop", waitsOn: "stopped (`JOBSTAT_CANCELED`, or another stopped status)",
		doc: "Stops a running visualization job without changing configuration, for example to save cost " +
			"overnight: `terraform apply -invoke=action.modelarts_visualization_job_stop.NAME`, or from a " +
			"resource's `lifecycle { action_trigger { ... } }`. A job already stopped is success.",
	}
	jobActionRestart = jobActionKind{
		verb: "restart", summary: "Restart", waitsOn: "running (`JOBSTAT_RUNNING`)",
		doc: "Restarts a stopped visualization job without changing configuration: `terraform apply " +
			"-invoke=action.modelarts_visualization_job_restart.NAME`, or from a resource's " +
			"`lifecycle { action_trigger { ... } }`. A job already running or starting is success; a job in a " +
			"failed status cannot be restarted and must be replaced.",
	}
)

type visualizationJobAction struct {
	kind   jobActionKind
	client *client.Client
}

func (a *visualizationJobAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_visualization_job_" + a.kind.verb
}

func (a *visualizationJobAction) Schema(ctx context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: a.kind.doc + "\n\n" +
			"Like the resource, the action never sends the request twice blindly: when an answer is lost (a reset " +
			"connection, a gateway timeout) it reads the job to see whether the request took effect before sending " +
			"it again, and a refusal of ModelArts (`ModelArts.0105`, the job's status does not allow it) is " +
			"explained with the job's status.\n\n" +
			"**With the resource:** leave the resource's `running` unset when actions stop and restart the job. " +
			"Unset, the provider does not manage the run state, so the next apply does not undo the action; " +
			"`running = true` would restart a job this action stopped (and `running = false` stop one it " +
			"restarted).",
		Attributes: map[string]schema.Attribute{
			"visualization_id": schema.StringAttribute{
				Required:            true,
				Validators:          []validator.String{positiveIntegerString{}},
				MarkdownDescription: "ID of the visualization job, for example `\"8992\"` or the `id` of a `modelarts_visualization_job`.",
			},
			"wait": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Wait until the job is " + a.kind.waitsOn + ", reporting each status " +
					"change as progress. `false` returns once ModelArts accepted the request. Defaults to `true`.",
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.BlockWithOpts(ctx, timeouts.Opts{
				InvokeDescription: "How long the action may take, the wait included, as a Go duration such as " +
					"`30s` or `10m`. Defaults to `20m`.",
			}),
		},
	}
}

func (a *visualizationJobAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (a *visualizationJobAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var config visualizationJobActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() || !requireClient(a.client, &resp.Diagnostics, "running the "+a.kind.verb+" action") {
		return
	}
	timeout, diags := config.Timeouts.Invoke(ctx, defaultActionTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	id := config.VisualizationID.ValueString()
	opt := opOptions{
		Wait: config.Wait.IsNull() || config.Wait.ValueBool(),
		Progress: func(msg string) {
			if resp.SendProgress != nil {
				resp.SendProgress(action.InvokeProgressEvent{Message: msg})
			}
		},
	}
	ops := jobOps{client: a.client}
	var job *client.VisualizationJob
	var err error
	if a.kind.verb == jobActionStop.verb {
		job, err = ops.stopJob(ctx, id, opt)
	} else {
		job, err = ops.restartJob(ctx, id, opt)
	}
	if err != nil {
		if client.IsNotFound(err) {
			resp.Diagnostics.AddAttributeError(path.Root("visualization_id"), "Unable to "+a.kind.summary+" Visualization Job",
				fmt.Sprintf("ModelArts answers that visualization job %q does not exist. Check visualization_id.", id))
			return
		}
		resp.Diagnostics.AddError("Unable to "+a.kind.summary+" Visualization Job",
			errorDetail(jobOp(a.kind.verb, id), id, err, timeout))
		return
	}
	opt.Progress(fmt.Sprintf("visualization job %s: %s done, status %s", id, a.kind.verb, statusText(job.Status)))
}

// visualizationJobActionModel maps the config of both actions.
type visualizationJobActionModel struct {
	VisualizationID types.String   `tfsdk:"visualization_id"`
	Wait            types.Bool     `tfsdk:"wait"`
	Timeouts        timeouts.Value `tfsdk:"timeouts"`
}
