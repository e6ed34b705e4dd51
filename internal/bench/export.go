package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// exportResult is one raw-answers export, in a server process of its own.
type exportResult struct {
	Responses int
	Format    string
	Bytes     int64
	Duration  time.Duration
	BaseRSS   int64 // the fresh server's peak resident memory before the export
	PeakRSS   int64 // and after it
}

// measureExport starts a fresh server on the database, so that its peak
// resident memory (VmHWM) holds nothing but starting up and this one export,
// downloads GET /v1/surveys/{id}/answers/export in the format, and checks that
// a CSV file has a row for each of the n responses.
func measureExport(ctx context.Context, bin, dbURL, token, surveyID, format string, n int) (exportResult, error) {
	res := exportResult{Responses: n, Format: format}
	srv, err := startServer(ctx, bin, dbURL)
	if err != nil {
		return res, err
	}
	defer srv.stop()
	if res.BaseRSS, err = srv.peakRSS(); err != nil {
		return res, err
	}
	req, err := http.NewRequestWithContext(ctx, "GET", srv.base+"/v1/surveys/"+surveyID+"/answers/export?format="+format, nil)
	if err != nil {
		return res, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	start := time.Now()
	resp, err := (&http.Client{Timeout: 30 * time.Minute}).Do(req)
	if err != nil {
		return res, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		return res, fmt.Errorf("export %s: %d %s", format, resp.StatusCode, b)
	}
	var lines lineCounter
	if res.Bytes, err = io.Copy(&lines, resp.Body); err != nil {
		return res, fmt.Errorf("export %s: %w", format, err)
	}
	res.Duration = time.Since(start)
	if format == "csv" && lines.n != n+2 { // two header rows
		return res, fmt.Errorf("the CSV export has %d lines for %d responses", lines.n, n)
	}
	res.PeakRSS, err = srv.peakRSS()
	return res, err
}

// lineCounter counts newlines and keeps nothing.
type lineCounter struct{ n int }

func (l *lineCounter) Write(p []byte) (int, error) {
	l.n += bytes.Count(p, []byte{'\n'})
	return len(p), nil
}
