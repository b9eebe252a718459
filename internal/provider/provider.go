// Package provider implements the ModelArts Terraform provider on top of
// terraform-plugin-framework. It maps Terraform configuration and state to
// calls of internal/client and never speaks HTTP itself.
package provider

import (
	"context"
	"os"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

var (
	_ provider.Provider                  = &modelartsProvider{}
	_ provider.ProviderWithFunctions     = &modelartsProvider{}
	_ provider.ProviderWithListResources = &modelartsProvider{}
	_ provider.ProviderWithActions       = &modelartsProvider{}
)

// New returns a constructor of the provider for the given build version,
// in the shape providerserver expects.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &modelartsProvider{version: version, getenv: os.Getenv}
	}
}

type modelartsProvider struct {
	version string
	// getenv is os.Getenv outside unit tests of the configuration resolver.
	getenv func(string) string
}

func (p *modelartsProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "modelarts"
	resp.Version = p.version
}

func (p *modelartsProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The ModelArts provider reads and manages ModelArts visualization jobs " +
			"(managed TensorBoard and MindInsight instances) on Open Telekom Cloud and Huawei Cloud.\n\n" +
			"Every argument is optional in the configuration and is resolved in this order: the configuration, " +
			"then the environment variables named in its description (the first one set wins), then the default. " +
			"Exactly one authentication method must result: AK/SK (`access_key` and `secret_key`, plus " +
			"`security_token` for temporary keys), IAM password (`user_name`, `password` and `domain_name`) or a " +
			"ready `token`.",
		Attributes: map[string]schema.Attribute{
			"region": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Region of the ModelArts service, for example `eu-de` (Open Telekom Cloud) or " +
					"`ap-southeast-1` (Huawei Cloud). Used to build the default endpoints. " + envDoc(envRegion),
			},
			"project_id": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "ID of the project that owns the visualization jobs; it is part of every API path " +
					"and scopes IAM tokens. Required for every authentication method. " + envDoc(envProjectID),
			},
			"access_key": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Access key ID (AK) for request signing. " + envDoc(envAccessKey),
			},
			"secret_key": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "Secret access key (SK) for request signing. " + envDoc(envSecretKey),
			},
			"security_token": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "Security token of temporary AK/SK credentials; sent and signed as " +
					"`X-Security-Token`. Requires `access_key` and `secret_key`. " + envDoc(envSecurityToken),
			},
			"token": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "A ready, project-scoped IAM token sent as `X-Auth-Token`. " + envDoc(envToken),
			},
			"user_name": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "IAM user name for password authentication. " + envDoc(envUserName),
			},
			"password": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "IAM user password for password authentication. " + envDoc(envPassword),
			},
			"domain_name": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Name of the account (domain) the IAM user belongs to, for password " +
					"authentication. " + envDoc(envDomainName),
			},
			"cloud": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Domain suffix of the cloud used to build default endpoints: " +
					"`otc.t-systems.com` (Open Telekom Cloud) or `myhuaweicloud.com` (Huawei Cloud). " +
					envDoc(envCloud) + " Defaults to `" + defaultCloud + "`.",
			},
			"auth_url": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "IAM v3 endpoint used for password authentication. " + envDoc(envAuthURL) +
					" Defaults to `https://iam.{region}.{cloud}/v3`.",
			},
			"endpoints": schema.MapAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Overrides of service endpoints, keyed by service. The only key is `modelarts` " +
					"(default `https://modelarts.{region}.{cloud}`); use it for private clouds, proxies or the " +
					"bundled emulator. Any other key is an error. When the map is not set, `modelarts` falls back to the " +
					"`HW_MODELARTS_ENDPOINT` environment variable.",
			},
			"insecure": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Skip TLS certificate verification. Only for test environments: a warning is " +
					"shown whenever it is on. " + envDoc(envInsecure) + " Defaults to `false`.",
			},
			"ca_file": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Path of a PEM file with additional certificate authorities to trust. " +
					envDoc(envCAFile),
			},
			"max_retries": schema.Int64Attribute{
				Optional: true,
				Validators: []validator.Int64{
					int64validator.Between(0, maxRetriesLimit),
				},
				MarkdownDescription: "How many times one request is retried after throttling (HTTP 429), a " +
					"gateway or availability error (502, 503, 504) or a reset connection, with exponential " +
					"backoff and jitter that honours `Retry-After`. " + envDoc(envMaxRetries) + " Defaults to `5`.",
			},
		},
	}
}

func (p *modelartsProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var model providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &model)...)
	if resp.Diagnostics.HasError() {
		return
	}

	cfg, diags := resolveConfig(model, p.getenv)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if cfg.Insecure {
		resp.Diagnostics.AddAttributeWarning(path.Root("insecure"),
			"TLS Certificate Verification Disabled",
			"insecure = true (or "+envInsecure[0]+"/"+envInsecure[1]+") turns off TLS certificate verification "+
				"for ModelArts and IAM. Anyone on the network path can read and change the traffic, credentials "+
				"included. Use ca_file to trust a private certificate authority instead.")
	}

	c, err := newAPIClient(cfg, p.version, req.TerraformVersion)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Create ModelArts API Client",
			"The provider configuration was resolved but the API client could not be built: "+err.Error())
		return
	}
	tflog.Debug(ctx, "configured ModelArts client", map[string]any{
		"auth_method": cfg.AuthMethod.String(),
		"endpoint":    cfg.Endpoint,
		"project_id":  cfg.ProjectID,
	})

	resp.DataSourceData = c
	resp.ResourceData = c
	resp.ListResourceData = c
	resp.ActionData = c
	rememberProject(c, cfg.ProjectID)
}

func (p *modelartsProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewVisualizationJobDataSource,
		NewVisualizationJobsDataSource,
	}
}

func (p *modelartsProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewVisualizationJobResource,
	}
}

func (p *modelartsProvider) Actions(_ context.Context) []func() action.Action {
	return []func() action.Action{
		NewVisualizationJobStopAction,
		NewVisualizationJobRestartAction,
	}
}

func (p *modelartsProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		NewVisualizationJobListResource,
	}
}

func (p *modelartsProvider) Functions(_ context.Context) []func() function.Function {
	return []func() function.Function{
		NewStatusNameFunction,
	}
}

// providerModel maps the provider block.
type providerModel struct {
	Region        types.String `tfsdk:"region"`
	ProjectID     types.String `tfsdk:"project_id"`
	AccessKey     types.String `tfsdk:"access_key"`
	SecretKey     types.String `tfsdk:"secret_key"`
	SecurityToken types.String `tfsdk:"security_token"`
	Token         types.String `tfsdk:"token"`
	UserName      types.String `tfsdk:"user_name"`
	Password      types.String `tfsdk:"password"`
	DomainName    types.String `tfsdk:"domain_name"`
	Cloud         types.String `tfsdk:"cloud"`
	AuthURL       types.String `tfsdk:"auth_url"`
	Endpoints     types.Map    `tfsdk:"endpoints"`
	Insecure      types.Bool   `tfsdk:"insecure"`
	CAFile        types.String `tfsdk:"ca_file"`
	MaxRetries    types.Int64  `tfsdk:"max_retries"`
}
