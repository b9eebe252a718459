package provider

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// FuzzCheckPositiveInteger checks the visualization_id validation both ways: a string
// is accepted exactly when it is strconv.FormatInt(n, 10) of some n > 0, and the
// FormatInt of any int64 is accepted exactly when it is positive. The schema
// validator built on it agrees, and names the attribute when it refuses.
// Seeds: testdata/fuzz/FuzzCheckPositiveInteger.
func FuzzCheckPositiveInteger(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string, n int64) {
		err := checkPositiveInteger(s)
		v, perr := strconv.ParseInt(s, 10, 64)
		canonical := perr == nil && v > 0 && strconv.FormatInt(v, 10) == s
		if (err == nil) != canonical {
			t.Fatalf("checkPositiveInteger(%q) = %v, but FormatInt(n>0) produces it: %v", s, err, canonical)
		}
		if err != nil && err.Error() == "" {
			t.Fatalf("checkPositiveInteger(%q) refuses without saying why", s)
		}
		if err := checkPositiveInteger(strconv.FormatInt(n, 10)); (err == nil) != (n > 0) {
			t.Fatalf("checkPositiveInteger(FormatInt(%d)) = %v", n, err)
		}

		req := validator.StringRequest{Path: path.Root("visualization_id"), ConfigValue: types.StringValue(s)}
		var resp validator.StringResponse
		positiveIntegerString{}.ValidateString(context.Background(), req, &resp)
		if resp.Diagnostics.HasError() != (err != nil) {
			t.Fatalf("validator and checkPositiveInteger disagree on %q: %v / %v", s, resp.Diagnostics, err)
		}
		if resp.Diagnostics.HasError() {
			d := resp.Diagnostics.Errors()[0]
			if !strings.Contains(d.Detail(), "visualization_id") {
				t.Fatalf("the diagnostic does not name the attribute: %q", d.Detail())
			}
		}
	})
}
