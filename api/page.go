package api

import (
	"encoding/base64"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

const (
	defaultPageSize = 50
	maxPageSize     = 200
)

// listResponse is the shape of every list: one page of items and, when more
// follow, the cursor that fetches the next page.
type listResponse[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// pageOf reads the limit and cursor query parameters.
func pageOf(c echo.Context) (store.Page, error) {
	p := store.Page{Limit: defaultPageSize}
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPageSize {
			return p, queryError("limit", "must be a whole number from 1 to 200")
		}
		p.Limit = n
	}
	if s := c.QueryParam("cursor"); s != "" {
		after, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || len(after) == 0 || !storable(string(after)) {
			return p, queryError("cursor", "is not a cursor this API returned")
		}
		p.After = string(after)
	}
	return p, nil
}

// list converts one page of domain values for the wire.
func list[D, W any](items []D, next string, convert func(D) W) listResponse[W] {
	out := listResponse[W]{Items: make([]W, len(items))}
	for i, it := range items {
		out.Items[i] = convert(it)
	}
	out.NextCursor = cursorOf(next)
	return out
}

// cursorOf encodes the key a page ends at as the cursor of the next page; "" on
// the last page.
func cursorOf(next string) string {
	if next == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(next))
}

func queryError(param, reason string) error {
	return &survey.Error{Code: survey.Malformed, Reason: survey.BadQuery, Message: "a query parameter is not valid",
		Fields: []survey.FieldError{{Field: param, Reason: reason}}}
}

// created answers a 201 with the body of what was made and its path as the
// Location, so that a client can read it again without building the path.
func created(c echo.Context, location string, body any) error {
	c.Response().Header().Set(echo.HeaderLocation, location)
	return c.JSON(http.StatusCreated, body)
}
