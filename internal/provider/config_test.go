package provider

import (
	"errors"
	"strings"
	"testing"
	"time"

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
		ProjectName: types.StringNull(), SharedConfigFile: types.StringNull(), Profile: types.StringNull(),
		RequestTimeout: types.StringNull(),
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

const (
	pidHW = "0123456789abcdef0123456789abcdef"
	pidOS = "fedcba9876543210fedcba9876543210"
)

func TestResolveConfig_precedence(t *testing.T) {
	m := nullModel()
	m.Region = types.StringValue("eu-nl")
	m.AccessKey = types.StringValue("AK-CONFIG")
	m.SecretKey = types.StringValue("SK-CONFIG")
	m.Password = types.StringValue("") // empty counts as unset
	// The environment's token, password and security token do not join the
	// block's complete AK/SK.
	env := envOf(map[string]string{
		"HW_REGION_NAME": "eu-de", "OS_PROJECT_ID": pidOS, "HW_PROJECT_ID": pidHW,
		"OS_SECRET_KEY": "SK-OS", "HW_MAX_RETRIES": "7", "HW_SECURITY_TOKEN": "stale", "OS_USERNAME": "openrc-user",
		"OS_PASSWORD": "openrc-password", "HW_AUTH_TOKEN": "t", "HW_REQUEST_TIMEOUT": "90s",
	})
	cfg, diags := resolveConfig(m, env)
	if diags.HasError() {
		t.Fatalf("unexpected diagnostics: %v", diags)
	}
	want := resolvedConfig{
		Region: "eu-nl", ProjectID: pidHW, AccessKey: "AK-CONFIG", SecretKey: "SK-CONFIG", Cloud: cloudOTC,
		Endpoint: "https://modelarts.eu-nl.otc.t-systems.com", MaxRetries: 7, RequestTimeout: 90 * time.Second,
		AuthMethod: authAKSK, Source: "provider block", AuthURL: "https://iam.eu-nl.otc.t-systems.com/v3", AuthURLDerived: true, EndpointDerived: true,
	}
	if cfg != want {
		t.Errorf("resolved\n%+v\nwant\n%+v", cfg, want)
	}
}

func TestResolveConfig_defaults(t *testing.T) {
	m := nullModel()
	m.Cloud = types.StringValue("myhuaweicloud.com")
	env := envOf(map[string]string{
		"OS_REGION_NAME": "ap-southeast-1", "HW_PROJECT_ID": pidHW, "OS_USERNAME": "u", "OS_PASSWORD": "pw",
		"OS_USER_DOMAIN_NAME": "d",
	})
	cfg, diags := resolveConfig(m, env)
	if diags.HasError() {
		t.Fatalf("unexpected diagnostics: %v", diags)
	}
	if cfg.AuthMethod != authPassword || cfg.MaxRetries != 5 || cfg.Insecure || cfg.DomainName != "d" ||
		cfg.RequestTimeout != time.Minute {
		t.Errorf("method %v, max_retries %d, insecure %v, request_timeout %s", cfg.AuthMethod, cfg.MaxRetries,
			cfg.Insecure, cfg.RequestTimeout)
	}
	if cfg.Endpoint != "https://modelarts.ap-southeast-1.myhuaweicloud.com" {
		t.Errorf("endpoint %q", cfg.Endpoint)
	}
	if cfg.AuthURL != "https://iam.ap-southeast-1.myhuaweicloud.com/v3" {
		t.Errorf("auth_url %q", cfg.AuthURL)
	}
}

func TestResolveConfig_methods(t *testing.T) {
	base := map[string]string{"HW_REGION_NAME": "eu-de", "HW_PROJECT_ID": pidHW}
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
		"token and aksk in the environment": {
			env: map[string]string{"HW_REGION_NAME": "eu-de", "HW_PROJECT_ID": pidHW, "HW_AUTH_TOKEN": "TOKEN-SECRET",
				"OS_ACCESS_KEY": "AK", "HW_SECRET_KEY": "SK-SECRET"},
			path:    path.Root("token"),
			summary: "Conflicting ModelArts Credentials",
			detail: "More than one authentication method is configured in the environment: access_key (from " +
				"OS_ACCESS_KEY), secret_key (from HW_SECRET_KEY), token (from HW_AUTH_TOKEN). Keep exactly one of " +
				"AK/SK (access_key, secret_key, security_token), password (user_name, password, domain_name) or token " +
				"there, and unset the others.",
			notContain: "-SECRET",
		},
		"token and aksk in the block": {
			model: func(m *providerModel) {
				m.AccessKey = types.StringValue("AK")
				m.SecretKey = types.StringValue("SK-SECRET")
				m.Token = types.StringValue("TOKEN-SECRET")
			},
			env:        map[string]string{"HW_REGION_NAME": "eu-de", "HW_PROJECT_ID": pidHW},
			path:       path.Root("token"),
			summary:    "Conflicting ModelArts Credentials",
			detail:     "More than one authentication method is configured in the provider block: access_key (from configuration), secret_key (from configuration), token (from configuration). Keep exactly one of AK/SK (access_key, secret_key, security_token), password (user_name, password, domain_name) or token there, and unset the others.",
			notContain: "SECRET",
		},
		"access key in the block, secret key in the environment": {
			model: func(m *providerModel) {
				m.AccessKey = types.StringValue("AK")
			},
			env:     map[string]string{"HW_REGION_NAME": "eu-de", "HW_PROJECT_ID": pidHW, "HW_SECRET_KEY": "s"},
			path:    path.Root("secret_key"),
			summary: "Missing Secret Key",
			detail: "AK/SK authentication needs the secret key as well as the access key ID. Set secret_key in the " +
				"provider block too: the provider block's credentials are never completed from the environment " +
				"(HW_SECRET_KEY or OS_SECRET_KEY).",
		},
		"secret key without access key": {
			env:     map[string]string{"HW_REGION_NAME": "eu-de", "HW_PROJECT_ID": pidHW, "HW_SECRET_KEY": "s"},
			path:    path.Root("access_key"),
			summary: "Missing Access Key",
			detail: "AK/SK authentication needs the access key ID as well as the secret key. Set the HW_ACCESS_KEY or " +
				"OS_ACCESS_KEY environment variable too (the other values of this method came from the environment, " +
				"and the provider block sets none).",
		},
		"password without domain": {
			env:     map[string]string{"HW_REGION_NAME": "eu-de", "HW_PROJECT_ID": pidHW, "HW_USER_NAME": "u", "HW_USER_PASSWORD": "pw"},
			path:    path.Root("domain_name"),
			summary: "Missing Domain Name",
			detail: "Password authentication needs the account (domain) name the user belongs to. Set the " +
				"HW_DOMAIN_NAME or OS_DOMAIN_NAME or OS_USER_DOMAIN_NAME or OS_PROJECT_DOMAIN_NAME environment " +
				"variable too (the other values of this method came from the environment, and the provider block sets none).",
		},
		"invalid project id": {
			env:     map[string]string{"HW_REGION_NAME": "eu-de", "HW_AUTH_TOKEN": "t", "HW_PROJECT_ID": ".."},
			path:    path.Root("project_id"),
			summary: "Invalid Project ID",
			detail: "project_id (from HW_PROJECT_ID) must be the 32 hexadecimal characters IAM shows for the project " +
				"(IAM console, My Credentials, Projects), such as 0123456789abcdef0123456789abcdef. Leave it unset to " +
				"look the project up by the region's name.",
		},
		"invalid region": {
			env:     map[string]string{"HW_REGION_NAME": "evil.example/", "HW_AUTH_TOKEN": "t", "HW_PROJECT_ID": pidHW},
			path:    path.Root("region"),
			summary: "Invalid Region",
			detail: "region (from HW_REGION_NAME) must be lower-case letters and digits in groups joined by single " +
				"hyphens, such as eu-de or ap-southeast-1. It becomes part of the endpoints' host names.",
		},
		"invalid cloud": {
			env:     map[string]string{"HW_REGION_NAME": "eu-de", "HW_AUTH_TOKEN": "t", "HW_PROJECT_ID": pidHW, "HW_CLOUD": "evil/"},
			path:    path.Root("cloud"),
			summary: "Invalid Cloud",
			detail: "cloud (from HW_CLOUD) must be a domain suffix such as otc.t-systems.com, myhuaweicloud.com, " +
				"myhuaweicloud.eu: \"evil/\" is not a domain name.",
		},
		"endpoint with user info": {
			model: func(m *providerModel) {
				m.Endpoints = endpointsOf(map[string]string{"modelarts": "https://user:SECRET@x.example"})
			},
			env:     map[string]string{"HW_PROJECT_ID": pidHW, "HW_AUTH_TOKEN": "t"},
			path:    path.Root("endpoints").AtMapKey("modelarts"),
			summary: "Invalid Endpoint",
			detail: "The ModelArts endpoint is not usable: it carries user information (user:password@); credentials " +
				"belong in their own arguments. Give an absolute URL such as https://modelarts.eu-de.otc.t-systems.com.",
			notContain: "SECRET",
		},
		"auth url with a query": {
			env:     map[string]string{"HW_PROJECT_ID": pidHW, "HW_AUTH_TOKEN": "t", "HW_REGION_NAME": "eu-de", "HW_AUTH_URL": "https://iam.example/v3?sig=SECRET"},
			path:    path.Root("auth_url"),
			summary: "Invalid IAM Endpoint",
			detail: "auth_url (from HW_AUTH_URL) is not usable: it has a query or fragment, which the provider would " +
				"send to the host with every request. Give an absolute URL such as https://iam.eu-de.otc.t-systems.com/v3.",
			notContain: "SECRET",
		},
		"agency without domain": {
			env:     map[string]string{"HW_PROJECT_ID": pidHW, "HW_AUTH_TOKEN": "t", "HW_REGION_NAME": "eu-de", "HW_ASSUME_ROLE_AGENCY_NAME": "a"},
			path:    path.Root("assume_role").AtName("domain_name"),
			summary: "Missing Agency Domain Name",
			detail: "assume_role needs the name of the account (domain) that owns the agency. Set domain_name in the " +
				"assume_role block or the HW_ASSUME_ROLE_DOMAIN_NAME environment variable.",
		},
		"agency duration env": {
			env: map[string]string{"HW_PROJECT_ID": pidHW, "HW_AUTH_TOKEN": "t", "HW_REGION_NAME": "eu-de",
				"HW_ASSUME_ROLE_AGENCY_NAME": "a", "HW_ASSUME_ROLE_DOMAIN_NAME": "d", "HW_ASSUME_ROLE_DURATION": "60"},
			path:    path.Root("assume_role").AtName("duration"),
			summary: "Invalid Environment Variable",
			detail:  "HW_ASSUME_ROLE_DURATION=\"60\" is not a whole number of seconds between 900 and 43200.",
		},
		"missing region": {
			env:     map[string]string{"HW_PROJECT_ID": pidHW, "HW_AUTH_TOKEN": "t"},
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
			env:     map[string]string{"HW_PROJECT_ID": pidHW, "HW_AUTH_TOKEN": "t"},
			path:    path.Root("endpoints").AtMapKey("iam"),
			summary: "Unsupported Endpoint Key",
			detail: "endpoints has the key \"iam\", but this provider only talks to ModelArts. The only supported " +
				"key is \"modelarts\"; IAM is set with auth_url.",
		},
		"bad endpoint url": {
			model: func(m *providerModel) {
				m.Endpoints = endpointsOf(map[string]string{"modelarts": "modelarts.eu-de.otc.t-systems.com"})
			},
			env:     map[string]string{"HW_PROJECT_ID": pidHW, "HW_AUTH_TOKEN": "t"},
			path:    path.Root("endpoints").AtMapKey("modelarts"),
			summary: "Invalid Endpoint",
			detail: "The ModelArts endpoint \"modelarts.eu-de.otc.t-systems.com\" is not usable: the scheme must be " +
				"https (or http), not \"\". Give an absolute URL such as https://modelarts.eu-de.otc.t-systems.com.",
		},
		"bad insecure env": {
			env:     map[string]string{"HW_REGION_NAME": "eu-de", "HW_PROJECT_ID": pidHW, "HW_AUTH_TOKEN": "t", "OS_INSECURE": "yes please"},
			path:    path.Root("insecure"),
			summary: "Invalid Environment Variable",
			detail:  "OS_INSECURE=\"yes please\" is not a boolean. Use true or false.",
		},
		"bad max retries env": {
			env:     map[string]string{"HW_REGION_NAME": "eu-de", "HW_PROJECT_ID": pidHW, "HW_AUTH_TOKEN": "t", "HW_MAX_RETRIES": "-3"},
			path:    path.Root("max_retries"),
			summary: "Invalid Environment Variable",
			detail:  "HW_MAX_RETRIES=\"-3\" is not a whole number between 0 and 50.",
		},
		"unknown access key": {
			model: func(m *providerModel) {
				m.AccessKey = types.StringUnknown()
			},
			env:     map[string]string{"HW_REGION_NAME": "eu-de", "HW_PROJECT_ID": pidHW},
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

func TestResolveConfig_cloudFollowsRegion(t *testing.T) {
	for region, want := range map[string]string{
		"eu-de": cloudOTC, "eu-nl": cloudOTC, "eu-ch2": cloudOTC, "eu-west-101": cloudHuaweiEU,
		"ap-southeast-1": cloudHuawei, "cn-north-4": cloudHuawei,
	} {
		cfg, diags := resolveConfig(nullModel(), envOf(map[string]string{"HW_REGION_NAME": region, "HW_AUTH_TOKEN": "t",
			"HW_PROJECT_ID": pidHW}))
		if diags.HasError() || cfg.Cloud != want || cfg.Endpoint != "https://modelarts."+region+"."+want {
			t.Errorf("%s: cloud %q endpoint %q (%v), want %s", region, cfg.Cloud, cfg.Endpoint, diags, want)
		}
	}
}

// An http:// endpoint or auth_url that is not loopback draws a warning;
// the emulator on 127.0.0.1 or localhost does not.
func TestResolveConfig_clearTextWarning(t *testing.T) {
	for endpoint, warn := range map[string]bool{
		"http://10.0.0.8:8449": true, "http://modelarts.internal.example": true,
		"http://127.0.0.1:8449": false, "http://localhost:8449": false, "http://[::1]:8449": false,
		"https://10.0.0.8": false,
	} {
		m := nullModel()
		m.Endpoints = endpointsOf(map[string]string{"modelarts": endpoint})
		_, diags := resolveConfig(m, envOf(map[string]string{"HW_AUTH_TOKEN": "t", "HW_PROJECT_ID": pidHW}))
		got := false
		for _, d := range diags {
			if d.Severity() == diag.SeverityWarning && d.Summary() == "Credentials Sent in Clear Text" {
				got = true
				if !strings.Contains(d.Detail(), "travel unencrypted") {
					t.Errorf("detail %q", d.Detail())
				}
			}
		}
		if diags.HasError() || got != warn {
			t.Errorf("%s: warning %v, want %v (%v)", endpoint, got, warn, diags)
		}
	}
}

// Without credentials anywhere, resolveConfig leaves the instance metadata
// to Configure, which reports every source with what it found.
func TestResolveConfig_metadataIsLast(t *testing.T) {
	home := t.TempDir()
	cfg, diags := resolveConfig(nullModel(), envOf(map[string]string{"HOME": home, "HW_METADATA_ENDPOINT": "http://169.254.169.254/"}))
	if diags.HasError() || cfg.AuthMethod != authMetadata || cfg.MetadataEndpoint != "http://169.254.169.254" {
		t.Fatalf("method %v endpoint %q: %v", cfg.AuthMethod, cfg.MetadataEndpoint, diags)
	}
	detail := noCredentialsDetail(cfg, errors.New("dial tcp 169.254.169.254:80: i/o timeout"))
	for _, want := range []string{
		"HW_ACCESS_KEY or OS_ACCESS_KEY and HW_SECRET_KEY or OS_SECRET_KEY, plus HW_SECURITY_TOKEN or OS_SECURITY_TOKEN",
		"HW_USER_NAME or OS_USERNAME, HW_USER_PASSWORD or OS_PASSWORD and HW_DOMAIN_NAME or OS_DOMAIN_NAME or " +
			"OS_USER_DOMAIN_NAME or OS_PROJECT_DOMAIN_NAME; or HW_AUTH_TOKEN or OS_AUTH_TOKEN",
		home + "/.hcloud/config.json does not exist",
		"at http://169.254.169.254 (HW_METADATA_ENDPOINT): dial tcp 169.254.169.254:80: i/o timeout.",
	} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail lacks %q:\n%s", want, detail)
		}
	}
}

// A profile gives keys, region and project, but never joins values of
// another source; the block's region still wins over the profile's.
func TestResolveConfig_profile(t *testing.T) {
	dir := t.TempDir()
	file := profileFile(t, dir, "ci", tempProfile("ci"))
	m := nullModel()
	m.Region = types.StringValue("eu-nl")
	cfg, diags := resolveConfig(m, envOf(map[string]string{"HW_SHARED_CONFIG_FILE": file}))
	if diags.HasError() {
		t.Fatal(diags)
	}
	if cfg.AuthMethod != authTemporaryAKSK || cfg.Region != "eu-nl" || cfg.ProjectID != "0123456789abcdef0123456789abcdef" ||
		cfg.Source != `profile "ci" of `+file {
		t.Errorf("%+v", cfg)
	}
}
