package provider

import (
	"context"
	"errors"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/client"
)

var (
	_ datasource.DataSource              = &visualizationJobDataSource{}
	_ datasource.DataSourceWithConfigure = &visualizationJobDataSource{}
)

const defaultReadTimeout = 5 * time.Minute

// NewVisualizationJobDataSource is the constructor of modelarts_visualization_job.
func NewVisualizationJobDataSource() datasource.DataSource {
	return &visualizationJobDataSource{}
}

type visualizationJobDataSource struct {
	client *client.Client
}

func (d *visualizationJobDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_visualization_job"
}

func (d *visualizationJobDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := jobDataSourceAttributes()
	attrs["id"] = schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: "The visualization ID, as given in `visualization_id`.",
	}
	attrs["visualization_id"] = schema.StringAttribute{
		Required:            true,
		Validators:          []validator.String{positiveIntegerString{}},
		MarkdownDescription: "ID of the visualization job to read, a positive integer written as a string, for example `\"8992\"`.",
	}
	attrs["fail_on_error"] = schema.BoolAttribute{
		Optional: true,
		Computed: true,
		MarkdownDescription: "Whether an error answer from ModelArts fails the read. Defaults to `true`. With " +
			"`false`, a definitive answer (the job does not exist, access is denied, the input is invalid) is " +
			"returned as data: `is_success` is `false`, `error_code` and `error_msg` say why, and the job " +
			"attributes are null, so a configuration can test whether a job exists. Network, credential, " +
			"throttling and timeout failures still fail the read, because they say nothing about the job.",
	}
	attrs["is_success"] = schema.BoolAttribute{
		Computed: true,
		MarkdownDescription: "Whether ModelArts answered the read with the job. Always `true` when " +
			"`fail_on_error` is `true` (a failure fails the read instead).",
	}
	attrs["error_code"] = schema.StringAttribute{
		Computed: true,
		MarkdownDescription: "ModelArts error code of a failed read, for example `ModelArts.0015`. Null when the " +
			"read succeeded.",
	}
	attrs["error_msg"] = schema.StringAttribute{
		Computed: true,
		MarkdownDescription: "ModelArts error message of a failed read (the API's `error_msg` or " +
			"`error_message`). Null when the read succeeded.",
	}

	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one ModelArts visualization job (a managed TensorBoard or MindInsight " +
			"instance) by its ID, like the Python SDK's " +
			"`VisualizationJob(...).get_visualization_job_info()`, and exposes every field of the API's answer.",
		Attributes: attrs,
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.BlockWithOpts(ctx, timeouts.Opts{
				ReadDescription: "How long the read may take, retries included, as a Go duration such as `30s` " +
					"or `5m`. Defaults to `5m`.",
			}),
		},
	}
}

func (d *visualizationJobDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (d *visualizationJobDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var data visualizationJobDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &data)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !requireClient(d.client, &resp.Diagnostics, "reading visualization job "+data.VisualizationID.ValueString()) {
		return
	}

	timeout, diags := data.Timeouts.Read(ctx, defaultReadTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	id := data.VisualizationID.ValueString()
	failOnError := data.FailOnError.IsNull() || data.FailOnError.ValueBool()
	job, err := d.client.GetVisualizationJob(ctx, id)
	switch {
	case err == nil:
		data.setJob(job)
		warnUnsafeText(&resp.Diagnostics, id, job)
	case !failOnError && isAnswerAboutJob(err):
		var apiErr *client.APIError
		errors.As(err, &apiErr)
		data.setFailure(apiErr)
	default:
		resp.Diagnostics.AddError("Unable to Read Visualization Job", errorDetail(jobOp("read", id), id, err, timeout))
		return
	}
	data.ID = types.StringValue(id)
	data.FailOnError = types.BoolValue(failOnError)
	resp.Diagnostics.Append(resp.State.Set(ctx, &data)...)
}

// visualizationJobDataSourceModel maps the modelarts_visualization_job data source.
type visualizationJobDataSourceModel struct {
	ID              types.String   `tfsdk:"id"`
	VisualizationID types.String   `tfsdk:"visualization_id"`
	FailOnError     types.Bool     `tfsdk:"fail_on_error"`
	IsSuccess       types.Bool     `tfsdk:"is_success"`
	ErrorCode       types.String   `tfsdk:"error_code"`
	ErrorMsg        types.String   `tfsdk:"error_msg"`
	Timeouts        timeouts.Value `tfsdk:"timeouts"`
	jobFields
}

// setJob fills the model from a successful read. The client returns an error
// for any answer with is_success false, so a job here is always a success,
// whether or not the body carried the flag.
func (m *visualizationJobDataSourceModel) setJob(j *client.VisualizationJob) {
	m.jobFields = jobFieldsFromAPI(j)
	m.IsSuccess = types.BoolValue(true)
	m.ErrorCode = types.StringNull()
	m.ErrorMsg = types.StringNull()
}

// setFailure records an API answer as data (fail_on_error = false).
func (m *visualizationJobDataSourceModel) setFailure(e *client.APIError) {
	m.jobFields = nullJobFields()
	m.IsSuccess = types.BoolValue(false)
	m.ErrorCode = types.StringValue(e.Code)
	m.ErrorMsg = types.StringValue(e.Message)
}
