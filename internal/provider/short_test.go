package provider

import "testing"

// skipIfShort skips a test that runs a Terraform CLI when go test runs with
// -short (make test-short), so the edit loop stays under half a minute. Call
// it first in every test that calls resource.Test or resource.UnitTest, or
// that starts terraform itself; unit tests of mappers, validators and
// messages keep running.
func skipIfShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the Terraform CLI; skipped with -short (make test-short)")
	}
}
