package main

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ provider.Provider = &baselineProvider{}

func newProvider() provider.Provider { return &baselineProvider{} }

type baselineProvider struct{}

// conn is what every data source of one configured provider shares: one
// HTTP client, so connections are reused exactly as a good client reuses
// them. The idle pool is sized above Terraform's default parallelism (10) so
// the baseline never pays for connection churn; it is the floor, not a
// strawman.
type conn struct {
	hc        *http.Client
	endpoint  string
	projectID string
	token     string
}

type providerModel struct {
	Endpoint  types.String `tfsdk:"endpoint"`
	ProjectID types.String `tfsdk:"project_id"`
	Token     types.String `tfsdk:"token"`
}

func (p *baselineProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "baseline"
}

func (p *baselineProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Benchmark baseline: reads visualization jobs with one unsigned GET.",
		Attributes: map[string]schema.Attribute{
			"endpoint":   schema.StringAttribute{Required: true, MarkdownDescription: "ModelArts base URL."},
			"project_id": schema.StringAttribute{Required: true, MarkdownDescription: "Project ID in the path."},
			"token":      schema.StringAttribute{Required: true, Sensitive: true, MarkdownDescription: "Ready X-Auth-Token."},
		},
	}
}

func (p *baselineProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	c := &conn{
		hc:        &http.Client{Transport: tr, Timeout: 5 * time.Minute},
		endpoint:  strings.TrimRight(m.Endpoint.ValueString(), "/"),
		projectID: m.ProjectID.ValueString(),
		token:     m.Token.ValueString(),
	}
	resp.DataSourceData = c
}

func (p *baselineProvider) Resources(context.Context) []func() resource.Resource { return nil }

func (p *baselineProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{newJobDataSource}
}
