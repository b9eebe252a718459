// Command terraform-provider-modelarts serves the ModelArts Terraform provider
// over the Terraform plugin protocol version 6.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/provider"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "start the provider in debug mode for use with delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/tf-modelarts/modelarts",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err)
	}
}
