package provider

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// positiveIntegerString validates IDs that the API takes as a path segment but
// stores as a Long: a canonical positive decimal integer that fits in int64.
type positiveIntegerString struct{}

var _ validator.String = positiveIntegerString{}

func (positiveIntegerString) Description(context.Context) string {
	return "must be a positive integer written in decimal, such as \"8992\""
}

func (v positiveIntegerString) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (positiveIntegerString) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	value := req.ConfigValue.ValueString()
	if err := checkPositiveInteger(value); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Visualization Job ID",
			fmt.Sprintf("%s must be the numeric ID of a visualization job, a positive integer such as \"8992\", "+
				"but it is %q: %s. Find the ID in the ModelArts console or in the jobs attribute of the "+
				"modelarts_visualization_jobs data source.", req.Path, value, err))
	}
}

// checkPositiveInteger says why s is not a canonical positive int64.
func checkPositiveInteger(s string) error {
	if s == "" {
		return fmt.Errorf("the value is empty")
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return fmt.Errorf("%q is not a digit", r)
		}
	}
	if len(s) > 1 && s[0] == '0' {
		return fmt.Errorf("leading zeros are not allowed")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("the number is too large")
	}
	if n <= 0 {
		return fmt.Errorf("the ID must be greater than zero")
	}
	return nil
}

// obsPathPattern is an OBS directory as ModelArts takes it: a leading slash,
// a bucket name (3 to 63 of a-z 0-9 . -, starting and ending with a letter or
// digit), then the directory.
var obsPathPattern = regexp.MustCompile(`^/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^/\x00-\x1f]+)*/?$`)

// obsPath validates train_url before any request is sent.
type obsPath struct{}

var _ validator.String = obsPath{}

func (obsPath) Description(context.Context) string {
	return "must be an OBS path such as \"/my-bucket/train/\": a leading slash, the bucket, then the directory"
}

func (v obsPath) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (obsPath) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	value := req.ConfigValue.ValueString()
	if obsPathPattern.MatchString(value) {
		return
	}
	why := "it does not have that shape"
	switch {
	case strings.Contains(value, "://"):
		why = "ModelArts takes OBS paths, not URLs: write the bucket after a leading slash, without the scheme"
	case !strings.HasPrefix(value, "/"):
		why = "it does not start with a slash"
	case strings.Contains(value, "//"):
		why = "it has an empty path segment (//)"
	}
	example := "/my-bucket/train/"
	if rest, ok := strings.CutPrefix(value, "s3://"); ok && rest != "" {
		example = "/" + rest
	} else if rest, ok := strings.CutPrefix(value, "obs://"); ok && rest != "" {
		example = "/" + rest
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid OBS Path",
		fmt.Sprintf("%s must be the OBS directory holding the summary files: a leading slash, the bucket name "+
			"(3 to 63 of a-z, 0-9, '.' and '-'), then the directory, for example %q. The value %q is not: %s.",
			req.Path, example, value, why))
}
