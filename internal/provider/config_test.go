package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// nullModel is a provider block with nothing set.
func nullModel() providerModel {
	return providerModel{
		Region: types.StringNull(), ProjectID: types.StringNull(), AccessKey: types.StringNull(),
		SecretKey: types.StringNull(), SecurityToken: types.StringNull(), Token: types.StringNull(),
		UserName: types.StringNull(), Password: types.StringNull(), DomainName: types.StringNull(),
		Cloud: types.StringNull(), AuthURL: types.StringNull(), Endpoints: types.MapNull(types.StringType),
		Insecure: types.BoolNull(), CAFile: types.StringNull(), MaxRetries: types.Int64Null(),
	}
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func endpointsOf(m map[string]string) types.Map {
	el := map[string]attr.Value{}
	for k, v := range m {
		el[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, el)
}

func TestResolveConfig_precedence(t *testing.T) {
	m := nullModel()
	m.Region = types.StringValue("eu-nl")
	m.AccessKey = types.StringValue("AK-CONFIG")
	m.SecretKey = types.StringValue("") // empty counts as unset: falls through to the environment
	env := envOf(map[string]string{
		"HW_REGION_NAME": "eu-de", "OS_PROJECT_ID": "p-os", "HW_PROJECT_ID": "p-hw",
		"OS_SECRET_KEY": "SK-OS", "HW_MAX_RETRIES": "7",
	})
	cfg, diags := resolveConfig(m, env)
	if diags.HasError() {
		t.Fatalf("unexpected diagnostics: %v", diags)
	}
	want := resolvedConfig{
		Region: "eu-nl", ProjectID: "p-hw", AccessKey: "AK-CONFIG", SecretKey: "SK-OS", Cloud: defaultCloud,
		Endpoint: "https://modelarts.eu-nl.otc.t-systems.com", MaxRetries: 7, AuthMethod: authAKSK,
	}
	if cfg != want {
		t.Errorf("resolved\n%+v\nwant\n%+v", cfg, want)
	}
}

func TestResolveConfig_defaults(t *testing.T) {
	m := nullModel()
	m.Cloud = types.StringValue("myhuaweicloud.com")
	env := envOf(map[string]string{
		"OS_REGION_NAME": "ap-southeast-1", "HW_PROJECT_ID": "p", "OS_USERNAME": "u", "OS_PASSWORD": "pw",
		"HW_DOMAIN_NAME": "d",
	})
	cfg, diags := resolveConfig(m, env)
	if diags.HasError() {
		t.Fatalf("unexpected diagnostics: %v", diags)
	}
	if cfg.AuthMethod != authPassword || cfg.MaxRetries != 5 || cfg.Insecure {
		t.Errorf("method %v, max_retries %d, insecure %v", cfg.AuthMethod, cfg.MaxRetries, cfg.Insecure)
	}
	if cfg.Endpoint != "https://modelarts.ap-southeast-1.myhuaweicloud.com" {
		t.Errorf("endpoint %q", cfg.Endpoint)
	}
	if cfg.AuthURL != "https://iam.ap-southeast-1.myhuaweicloud.com/v3" {
		t.Errorf("auth_url %q", cfg.AuthURL)
	}
}

func TestResolveConfig_methods(t *testing.T) {
	base := map[string]string{"HW_REGION_NAME": "eu-de", "HW_PROJECT_ID": "p"}
	for name, tc := range map[string]struct {
		env  map[string]string
		want authMethod
	}{
		"aksk":      {map[string]string{"HW_ACCESS_KEY": "a", "HW_SECRET_KEY": "s"}, authAKSK},
		"temporary": {map[string]string{"OS_ACCESS_KEY": "a", "OS_SECRET_KEY": "s", "OS_SECURITY_TOKEN": "t"}, authTemporaryAKSK},
		"password":  {map[string]string{"HW_USER_NAME": "u", "HW_USER_PASSWORD": "p", "OS_DOMAIN_NAME": "d"}, authPassword},
		"token":     {map[string]string{"OS_AUTH_TOKEN": "t"}, authToken},
	} {
		t.Run(name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tc.env {
				env[k] = v
			}
			cfg, diags := resolveConfig(nullModel(), envOf(env))
			if diags.HasError() {
				t.Fatalf("unexpected diagnostics: %v", diags)
			}
			if cfg.AuthMethod != tc.want {
				t.Errorf("method %v, want %v", cfg.AuthMethod, tc.want)
			}
		})
	}
}

// Each configuration error, with the exact diagnostic a user sees.
func TestResolveConfig_errors(t *testing.T) {
	for name, tc := range map[string]struct {
		model      func(*providerModel)
		env        map[string]string
		path       path.Path
		summary    string
		detail     string
		notContain string
	}{
		"no credentials": {
			env:     map[string]string{"HW_REGION_NAME": "eu-de", "HW_PROJECT_ID": "p"},
			path:    path.Root("access_key"),
			summary: "Missing ModelArts Credentials",
			detail: "No authentication method is configured. Set exactly one of:\n" +
				"  - access_key and secret_key (HW_ACCESS_KEY, HW_SECRET_KEY), plus security_token (HW_SECURITY_TOKEN or OS_SECURITY_TOKEN) for temporary keys;\n" +
				"  - user_name, password and domain_name (HW_USER_NAME, HW_USER_PASSWORD, HW_DOMAIN_NAME);\n" +
				"  - token (HW_AUTH_TOKEN or OS_AUTH_TOKEN).",
		},
		"token and aksk": {
			model: func(m *providerModel) {
				m.AccessKey = types.StringValue("AK")
				m.SecretKey = types.StringValue("SK-SECRET")
			},
			env:     map[string]string{"HW_REGION_NAME": "eu-de", "HW_PROJECT_ID": "p", "HW_AUTH_TOKEN": "TOKEN-SECRET"},
			path:    path.Root("token"),
			summary: "Conflicting ModelArts Credentials",
			detail: "More than one authentication method is configured: access_key (from configuration), " +
				"secret_key (from configuration), token (from HW_AUTH_TOKEN). Keep exactly one of AK/SK (access_key, " +
				"secret_key, security_token), password (user_name, password, domain_name) or token, and unset the " +
				"others in the provider block and the environment.",
			notContain: "SECRET",
		},
		"secret key without access key": {
			env:     map[string]string{"HW_REGION_NAME": "eu-de", "HW_PROJECT_ID": "p", "HW_SECRET_KEY": "s"},
			path:    path.Root("access_key"),
			summary: "Missing Access Key",
			detail: "AK/SK authentication needs the access key ID as well as the secret key. Set access_key in the " +
				"provider block or the HW_ACCESS_KEY or OS_ACCESS_KEY environment variable.",
		},
		"password without domain": {
			env:     map[string]string{"HW_REGION_NAME": "eu-de", "HW_PROJECT_ID": "p", "HW_USER_NAME": "u", "HW_USER_PASSWORD": "pw"},
			path:    path.Root("domain_name"),
			summary: "Missing Domain Name",
			detail: "Password authentication needs the account (domain) name the user belongs to. Set domain_name " +
				"in the provider block or the HW_DOMAIN_NAME or OS_DOMAIN_NAME environment variable.",
		},
		"missing project": {
			env:     map[string]string{"HW_REGION_NAME": "eu-de", "HW_AUTH_TOKEN": "t"},
			path:    path.Root("project_id"),
			summary: "Missing Project ID",
			detail: "ModelArts API paths contain the project ID, so every authentication method needs it. Set " +
				"project_id in the provider block or the HW_PROJECT_ID or OS_PROJECT_ID environment variable to the " +
				"ID of the project that owns the visualization jobs (IAM console, My Credentials, Projects).",
		},
		"missing region": {
			env:     map[string]string{"HW_PROJECT_ID": "p", "HW_AUTH_TOKEN": "t"},
			path:    path.Root("region"),
			summary: "Missing Region",
			detail: "The ModelArts endpoint is built from the region. Set region in the provider block or the " +
				"HW_REGION_NAME or OS_REGION_NAME environment variable (for example eu-de), or set endpoints = " +
				"{ modelarts = \"https://...\" } to name the endpoint directly.",
		},
		"bad endpoints key": {
			model: func(m *providerModel) {
				m.Endpoints = endpointsOf(map[string]string{"modelarts": "https://x.example", "iam": "https://i.example"})
			},
			env:     map[string]string{"HW_PROJECT_ID": "p", "HW_AUTH_TOKEN": "t"},
			path:    path.Root("endpoints").AtMapKey("iam"),
			summary: "Unsupported Endpoint Key",
			detail: "endpoints has the key \"iam\", but this provider only talks to ModelArts. The only supported " +
				"key is \"modelarts\"; IAM is set with auth_url.",
		},
		"bad endpoint url": {
			model: func(m *providerModel) {
				m.Endpoints = endpointsOf(map[string]string{"modelarts": "modelarts.eu-de.otc.t-systems.com"})
			},
			env:     map[string]string{"HW_PROJECT_ID": "p", "HW_AUTH_TOKEN": "t"},
			path:    path.Root("endpoints").AtMapKey("modelarts"),
			summary: "Invalid Endpoint",
			detail: "The ModelArts endpoint \"modelarts.eu-de.otc.t-systems.com\" is not usable: the scheme must be " +
				"https (or http), not \"\". Give an absolute URL such as https://modelarts.eu-de.otc.t-systems.com.",
		},
		"bad insecure env": {
			env:     map[string]string{"HW_REGION_NAME": "eu-de", "HW_PROJECT_ID": "p", "HW_AUTH_TOKEN": "t", "OS_INSECURE": "yes please"},
			path:    path.Root("insecure"),
			summary: "Invalid Environment Variable",
			detail:  "OS_INSECURE=\"yes please\" is not a boolean. Use true or false.",
		},
		"bad max retries env": {
			env:     map[string]string{"HW_REGION_NAME": "eu-de", "HW_PROJECT_ID": "p", "HW_AUTH_TOKEN": "t", "HW_MAX_RETRIES": "-3"},
			path:    path.Root("max_retries"),
			summary: "Invalid Environment Variable",
			detail:  "HW_MAX_RETRIES=\"-3\" is not a whole number between 0 and 50.",
		},
		"unknown access key": {
			model: func(m *providerModel) {
				m.AccessKey = types.StringUnknown()
			},
			env:     map[string]string{"HW_REGION_NAME": "eu-de", "HW_PROJECT_ID": "p"},
			path:    path.Root("access_key"),
			summary: "Unknown Access Key Value",
			detail: "The provider cannot create the ModelArts API client because access_key depends on a value " +
				"that is only known after apply. Set it statically, apply the resource it comes from first " +
				"(terraform apply -target=...), or set the HW_ACCESS_KEY or OS_ACCESS_KEY environment variable.",
		},
	} {
		t.Run(name, func(t *testing.T) {
			m := nullModel()
			if tc.model != nil {
				tc.model(&m)
			}
			_, diags := resolveConfig(m, envOf(tc.env))
			d := findDiag(diags, tc.path)
			if d == nil {
				t.Fatalf("no error at %s; got %v", tc.path, diags)
			}
			if d.Summary() != tc.summary {
				t.Errorf("summary %q, want %q", d.Summary(), tc.summary)
			}
			if d.Detail() != tc.detail {
				t.Errorf("detail\n%s\nwant\n%s", d.Detail(), tc.detail)
			}
			if tc.notContain != "" {
				for _, d := range diags {
					if strings.Contains(d.Detail(), tc.notContain) || strings.Contains(d.Summary(), tc.notContain) {
						t.Errorf("diagnostic leaks a secret value: %s", d.Detail())
					}
				}
			}
		})
	}
}

func findDiag(diags diag.Diagnostics, p path.Path) diag.Diagnostic {
	for _, d := range diags {
		wp, ok := d.(diag.DiagnosticWithPath)
		if ok && wp.Path().Equal(p) && d.Severity() == diag.SeverityError {
			return d
		}
	}
	return nil
}

func TestUserAgent(t *testing.T) {
	t.Setenv("TF_APPEND_USER_AGENT", "pipeline/42")
	if got, want := userAgent("1.2.3", "1.11.4"), "terraform-provider-modelarts/1.2.3 Terraform/1.11.4 pipeline/42"; got != want {
		t.Errorf("user agent %q, want %q", got, want)
	}
}
