package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSource              = &jobDataSource{}
	_ datasource.DataSourceWithConfigure = &jobDataSource{}
)

func newJobDataSource() datasource.DataSource { return &jobDataSource{} }

type jobDataSource struct {
	conn *conn
}

func (d *jobDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_visualization_job"
}

// Schema mirrors modelarts_visualization_job attribute for attribute (names,
// types, required/optional/computed, the timeouts block), because Terraform
// core's cost per data source grows with the attributes it carries: a smaller
// schema would make the baseline look cheaper for reasons that have nothing to
// do with the provider's own work.
func (d *jobDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func() schema.StringAttribute { return schema.StringAttribute{Computed: true} }
	i64 := func() schema.Int64Attribute { return schema.Int64Attribute{Computed: true} }
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one visualization job with one unsigned GET.",
		Attributes: map[string]schema.Attribute{
			"id":                 str(),
			"visualization_id":   schema.StringAttribute{Required: true},
			"fail_on_error":      schema.BoolAttribute{Optional: true, Computed: true},
			"is_success":         schema.BoolAttribute{Computed: true},
			"error_code":         str(),
			"error_msg":          str(),
			"job_id":             i64(),
			"job_name":           str(),
			"job_desc":           str(),
			"status":             i64(),
			"status_name":        str(),
			"create_time":        i64(),
			"created_at":         str(),
			"duration":           i64(),
			"train_url":          str(),
			"service_url":        str(),
			"resource_id":        str(),
			"remaining_duration": schema.Float64Attribute{Computed: true},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx),
		},
	}
}

func (d *jobDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if req.ProviderData == nil {
		return
	}
	c, ok := req.ProviderData.(*conn)
	if !ok {
		resp.Diagnostics.AddError("Unexpected Provider Data", fmt.Sprintf("got %T; this is a bug in the baseline", req.ProviderData))
		return
	}
	d.conn = c
}

func (d *jobDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m jobModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if d.conn == nil {
		resp.Diagnostics.AddError("Provider Not Configured", "the baseline provider was not configured")
		return
	}
	j, err := d.conn.get(ctx, m.VisualizationID.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Unable to Read Visualization Job", err.Error())
		return
	}
	m.fill(j)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// wireJob is the GET answer, decoded the plain way.
type wireJob struct {
	IsSuccess         *bool    `json:"is_success"`
	JobID             *int64   `json:"job_id"`
	JobName           *string  `json:"job_name"`
	JobDesc           *string  `json:"job_desc"`
	Status            *int64   `json:"status"`
	CreateTime        *int64   `json:"create_time"`
	Duration          *int64   `json:"duration"`
	TrainURL          *string  `json:"train_url"`
	ServiceURL        *string  `json:"service_url"`
	ResourceID        *string  `json:"resource_id"`
	RemainingDuration *float64 `json:"remaining_duration"`
}

// get sends the one GET the baseline allows itself.
func (c *conn) get(ctx context.Context, id string) (*wireJob, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint+"/v1/"+c.projectID+"/visualization-jobs/"+id, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Auth-Token", c.token)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET job %s: HTTP %d: %.200s", id, resp.StatusCode, body)
	}
	var j wireJob
	if err := json.Unmarshal(body, &j); err != nil {
		return nil, fmt.Errorf("GET job %s: %w", id, err)
	}
	return &j, nil
}

type jobModel struct {
	ID                types.String   `tfsdk:"id"`
	VisualizationID   types.String   `tfsdk:"visualization_id"`
	FailOnError       types.Bool     `tfsdk:"fail_on_error"`
	IsSuccess         types.Bool     `tfsdk:"is_success"`
	ErrorCode         types.String   `tfsdk:"error_code"`
	ErrorMsg          types.String   `tfsdk:"error_msg"`
	JobID             types.Int64    `tfsdk:"job_id"`
	JobName           types.String   `tfsdk:"job_name"`
	JobDesc           types.String   `tfsdk:"job_desc"`
	Status            types.Int64    `tfsdk:"status"`
	StatusName        types.String   `tfsdk:"status_name"`
	CreateTime        types.Int64    `tfsdk:"create_time"`
	CreatedAt         types.String   `tfsdk:"created_at"`
	Duration          types.Int64    `tfsdk:"duration"`
	TrainURL          types.String   `tfsdk:"train_url"`
	ServiceURL        types.String   `tfsdk:"service_url"`
	ResourceID        types.String   `tfsdk:"resource_id"`
	RemainingDuration types.Float64  `tfsdk:"remaining_duration"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
}

var statusNames = []string{
	"JOBSTAT_UNKNOWN", "JOBSTAT_INIT", "JOBSTAT_IMAGE_CREATING", "JOBSTAT_IMAGE_FAILED", "JOBSTAT_SUBMIT_TRYING",
	"JOBSTAT_SUBMIT_FAILED", "JOBSTAT_DELETE_FAILED", "JOBSTAT_WAITING", "JOBSTAT_RUNNING", "JOBSTAT_KILLING",
	"JOBSTAT_COMPLETED", "JOBSTAT_FAILED", "JOBSTAT_KILLED", "JOBSTAT_CANCELED", "JOBSTAT_LOST", "JOBSTAT_SCALING",
	"JOBSTAT_SUBMIT_MODEL_FAILED", "JOBSTAT_DEPLOY_SERVICE_FAILED", "JOBSTAT_CHECK_INIT", "JOBSTAT_CHECK_RUNNING",
	"JOBSTAT_CHECK_RUNNING_COMPLETED", "JOBSTAT_CHECK_FAILED", "MOUNT_FAILED",
}

// fill sets every computed attribute from the answer, the derived ones
// (status_name, created_at) included, so the state Terraform handles is the
// same size as the real provider's.
func (m *jobModel) fill(j *wireJob) {
	m.ID = m.VisualizationID
	if m.FailOnError.IsNull() || m.FailOnError.IsUnknown() {
		m.FailOnError = types.BoolValue(true)
	}
	m.IsSuccess = types.BoolValue(true)
	m.ErrorCode = types.StringNull()
	m.ErrorMsg = types.StringNull()
	m.JobID = types.Int64PointerValue(j.JobID)
	m.JobName = types.StringPointerValue(j.JobName)
	m.JobDesc = types.StringPointerValue(j.JobDesc)
	m.Status = types.Int64PointerValue(j.Status)
	m.StatusName = types.StringNull()
	if j.Status != nil {
		if s := *j.Status; s >= 0 && s < int64(len(statusNames)) {
			m.StatusName = types.StringValue(statusNames[s])
		} else {
			m.StatusName = types.StringValue("UNKNOWN(" + strconv.FormatInt(s, 10) + ")")
		}
	}
	m.CreateTime = types.Int64PointerValue(j.CreateTime)
	m.CreatedAt = types.StringNull()
	if j.CreateTime != nil {
		m.CreatedAt = types.StringValue(time.UnixMilli(*j.CreateTime).UTC().Format(time.RFC3339Nano))
	}
	m.Duration = types.Int64PointerValue(j.Duration)
	m.TrainURL = types.StringPointerValue(j.TrainURL)
	m.ServiceURL = types.StringPointerValue(j.ServiceURL)
	m.ResourceID = types.StringPointerValue(j.ResourceID)
	m.RemainingDuration = types.Float64PointerValue(j.RemainingDuration)
}
