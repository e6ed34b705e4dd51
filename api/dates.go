package api

import "github.com/tldcouncil/surveyd/internal/results"

// datesResponse is the summary of a date question's answers (see results.Dates).
type datesResponse struct {
	Earliest  dateRange     `json:"earliest"`
	Latest    dateRange     `json:"latest"`
	Median    string        `json:"median"`
	Histogram []dateBinBody `json:"histogram"`
}

type dateRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type dateBinBody struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Count int    `json:"count"`
}

func datesOf(d *results.Dates) *datesResponse {
	if d == nil {
		return nil
	}
	out := &datesResponse{Earliest: dateRange{d.Earliest.From, d.Earliest.To}, Latest: dateRange{d.Latest.From, d.Latest.To},
		Median: d.Median, Histogram: make([]dateBinBody, len(d.Histogram))}
	for i, b := range d.Histogram {
		out.Histogram[i] = dateBinBody{From: b.From, To: b.To, Count: b.Count}
	}
	return out
}
