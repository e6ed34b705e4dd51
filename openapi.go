// Package surveyd holds what the binary embeds from the top of the repository:
// openapi.yaml, the contract of the HTTP API.
package surveyd

import _ "embed"

// OpenAPI is the text of openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte
