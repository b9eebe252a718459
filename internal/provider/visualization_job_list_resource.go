package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/client"
)

var (
	_ list.ListResource              = &visualizationJobListResource{}
	_ list.ListResourceWithConfigure = &visualizationJobListResource{}
)

// NewVisualizationJobListResource is the constructor of the
// modelarts_visualization_job list resource (`terraform query`, Terraform
// 1.14 and later).
func NewVisualizationJobListResource() list.ListResource {
	return &visualizationJobListResource{}
}

type visualizationJobListResource struct {
	client *client.Client
}

func (l *visualizationJobListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_visualization_job"
}

func (l *visualizationJobListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds the visualization jobs of the project with `terraform query`, with the filters " +
			"of the `modelarts_visualization_jobs` data source. Each job comes with its identity (`project_id`, " +
			"`job_id`) and its name as display name; with `include_resource = true` also with the resource's " +
			"attributes, so `terraform query -generate-config-out=generated.tf` writes `import` blocks and " +
			"resource configuration that plan with no changes. Arguments the API does not return " +
			"(`flavor_code`, `auto_stop_hours`) are not guessed (Terraform writes them as `null`), and `running` " +
			"is left out: the imported job's run state is not managed until the configuration sets it.\n\n" +
			"Every page is read (up to 1,000 jobs per request) and a job listed twice across pages is returned " +
			"once. The list block's `limit` (Terraform's default is 100) stops the listing early.",
		Attributes: map[string]schema.Attribute{
			"status": schema.Int64Attribute{
				Optional: true, Validators: listFilters.status, MarkdownDescription: listFilters.statusDoc,
			},
			"search_content": schema.StringAttribute{
				Optional: true, Validators: listFilters.search, MarkdownDescription: listFilters.searchDoc,
			},
			"sort_by": schema.StringAttribute{
				Optional: true, Validators: listFilters.sortBy, MarkdownDescription: listFilters.sortByDoc,
			},
			"order": schema.StringAttribute{
				Optional: true, Validators: listFilters.order, MarkdownDescription: listFilters.orderDoc,
			},
		},
	}
}

func (l *visualizationJobListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	l.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (l *visualizationJobListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var diags diag.Diagnostics
	var filters visualizationJobListModel
	diags.Append(req.Config.Get(ctx, &filters)...)
	if diags.HasError() || !requireClient(l.client, &diags, "listing visualization jobs") {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}

	ctx, cancel := context.WithTimeout(ctx, defaultReadTimeout)
	page, err := l.client.ListAllVisualizationJobs(ctx, filters.listOptions())
	cancel()
	if err != nil {
		diags.AddError("Unable to List Visualization Jobs",
			errorDetail("list the visualization jobs of the project", "", err, defaultReadTimeout))
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}

	// ListAllVisualizationJobs holds each job ID once and none without one, so
	// Terraform never sees two results with one identity.
	jobs := page.Jobs
	stream.Results = func(push func(list.ListResult) bool) {
		for i := range jobs {
			if req.Limit > 0 && int64(i) >= req.Limit {
				return
			}
			if !push(l.result(ctx, req, &jobs[i])) {
				return
			}
		}
	}
}

// result maps one job to a list result: its identity, its name and, when
// asked for, the resource object that an import of the job would read.
func (l *visualizationJobListResource) result(ctx context.Context, req list.ListRequest, job *client.VisualizationJob) list.ListResult {
	res := req.NewListResult(ctx)
	id := fmt.Sprint(*job.JobID)
	res.DisplayName = id
	if job.JobName != nil && *job.JobName != "" {
		res.DisplayName = *job.JobName
	}
	setJobIdentity(ctx, res.Identity, l.client, id, &res.Diagnostics)
	if !req.IncludeResource || res.Diagnostics.HasError() {
		return res
	}
	model, diags := listedJobModel(ctx, req, job)
	res.Diagnostics.Append(diags...)
	if !res.Diagnostics.HasError() {
		res.Diagnostics.Append(res.Resource.Set(ctx, &model)...)
	}
	return res
}

// listedJobModel is the resource as an import of the job would leave it
// after its first read: what the API returns, plus the defaults of the
// arguments it does not return, so generated configuration plans clean.
// running stays null (the run state is not managed), and flavor_code and
// auto_stop_hours null (the API does not return them; guessing would plan
// a replacement).
func listedJobModel(ctx context.Context, req list.ListRequest, job *client.VisualizationJob) (visualizationJobResourceModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	model := visualizationJobResourceModel{
		JobType:       types.StringNull(),
		FlavorCode:    types.StringNull(),
		AutoStopHours: types.Int64Null(),
		Running:       types.BoolNull(),
	}
	// The timeouts block's null needs its object type, taken from the
	// resource schema so it follows the block.
	t, d := req.ResourceSchema.TypeAtPath(ctx, path.Root("timeouts"))
	if d.HasError() {
		diags.AddError("Unable to List Visualization Jobs",
			"The resource schema has no timeouts block. This is a bug in the provider; please report it.")
		return model, diags
	}
	v, err := t.ValueFromTerraform(ctx, tftypes.NewValue(t.TerraformType(ctx), nil))
	nullTimeouts, ok := v.(timeouts.Value)
	if err != nil || !ok {
		diags.AddError("Unable to List Visualization Jobs",
			fmt.Sprintf("The timeouts block is a %T (%v), not a timeouts.Value. This is a bug in the provider; "+
				"please report it.", v, err))
		return model, diags
	}
	model.Timeouts = nullTimeouts
	model.setID(fmt.Sprint(*job.JobID))
	model.setJob(job, &diags)
	return model, diags
}

// visualizationJobListModel maps the list block's config.
type visualizationJobListModel struct {
	Status        types.Int64  `tfsdk:"status"`
	SearchContent types.String `tfsdk:"search_content"`
	SortBy        types.String `tfsdk:"sort_by"`
	Order         types.String `tfsdk:"order"`
}

func (m visualizationJobListModel) listOptions() client.ListOptions {
	ds := visualizationJobsDataSourceModel{Status: m.Status, SearchContent: m.SearchContent, SortBy: m.SortBy, Order: m.Order}
	return ds.listOptions()
}
