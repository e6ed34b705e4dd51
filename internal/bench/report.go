package main

import (
	"fmt"
	"strings"
	"time"
)

// Targets of the benchmark (issue 5).
const (
	targetResultsRatio = 1.5   // results latency over its SQL ceiling, at 10,000 responses
	targetSavesRatio   = 0.3   // save throughput over its raw pgx ceiling
	targetRSSMiB       = 200.0 // peak resident memory of the server
	targetTrendsRatio  = 1.5   // trends latency over its SQL ceiling (issue 6)
	// Issue 13: a published edition's repeated read from the results cache, its
	// first computation and live results over their SQL ceilings.
	targetCachedP50    = 5 * time.Millisecond
	targetScaleRatio   = 1.3
	targetLoadP99      = 50 * time.Millisecond // cached results under load
	targetCachedAtSize = 100000
	// An export's peak memory at the largest size over that at the smallest
	// (issue 10): a constant, not a multiple, since memory must not grow with
	// rows. 64 MiB allows for excelize's sheet buffer, which holds up to 16 MiB
	// of XML (in a buffer that may have doubled to 32) before it spills to a
	// temporary file, which a small file never reaches, and for the garbage
	// collector's headroom of as much again.
	targetExportGrowthMiB = 64.0
)

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// render writes the report as Markdown: the table, the targets, and how to rerun.
func render(r report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmarks\n\n")
	fmt.Fprintf(&b, "Written by `make bench` (`go run ./internal/bench`) on %s, in %s.\n\n", r.Finished.UTC().Format("2006-01-02 15:04 MST"), r.Finished.Sub(r.Started).Round(time.Second))
	fmt.Fprintf(&b, "- Machine: %s\n- Database: PostgreSQL %s, a throwaway server on 127.0.0.1 with default settings (fsync on)\n", r.Machine, r.Postgres)
	fmt.Fprintf(&b, "- Survey: 60 questions (20 single choice, 10 multiple choice, 20 numeric, 5 boolean, 5 text), synthetic members and answers\n")
	fmt.Fprintf(&b, "- The server is the real `surveyd` binary, called over HTTP on 127.0.0.1; each ceiling is measured in the same run on the same database\n\n")

	fmt.Fprintf(&b, "## Results latency (a) against hand-written SQL (b)\n\n")
	fmt.Fprintf(&b, "`GET /v1/surveys/{id}/results` as the secretariat, all 60 questions, requests one after another.\n\n")
	fmt.Fprintf(&b, "| responses | a: results p50 | a: p95 | b: SQL p50 | b: p95 | a/b (p50) | growth of a from the first size |\n|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range r.Sizes {
		growth := "1.0×"
		if first := r.Sizes[0]; s.Responses != first.Responses {
			growth = fmt.Sprintf("%.1f× for %.0f× responses", float64(s.Results.P50)/float64(first.Results.P50), float64(s.Responses)/float64(first.Responses))
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %.2f | %s |\n", s.Responses, ms(s.Results.P50), ms(s.Results.P95),
			ms(s.Ceiling.P50), ms(s.Ceiling.P95), ratio(s.Results.P50, s.Ceiling.P50), growth)
	}
	fmt.Fprintf(&b, "\n## A member's results over a peer group (f) against hand-written SQL (g), and the disclosure audit\n\n")
	fmt.Fprintf(&b, "`GET /v1/surveys/{id}/results?peer_group=…` as a member in the group, after publication: the aggregates over the group as published, coarsened for members, with the decisions the disclosure audit (decision 0010) took at publication. Since decision 0024 the aggregates are computed at the first read and then served from the results cache, so f is a cached read (its first computation is in the next table). The ceiling reads the member's answers, the decisions and the same aggregates in SQL. The audit itself runs once, when the survey is published: its cost is the publication's time less a plain close.\n\n")
	fmt.Fprintf(&b, "| responses | group | f: member p50 | f: p95 | g: SQL p50 | g: p95 | f/g (p50) | publish (with the audit) | close |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range r.Sizes {
		fmt.Fprintf(&b, "| %d | %d | %s | %s | %s | %s | %.2f | %s | %s |\n", s.Responses, s.GroupSize, ms(s.Member.P50), ms(s.Member.P95),
			ms(s.MemberCeiling.P50), ms(s.MemberCeiling.P95), ratio(s.Member.P50, s.MemberCeiling.P50), ms(s.Publish), ms(s.Close))
	}
	fmt.Fprintf(&b, "\n## A published edition: first computation and repeated reads (decision 0024)\n\n")
	fmt.Fprintf(&b, "After publication each view is computed once and kept in the database's results cache. *First* empties the cache before each request (p50 of up to 5), so it is the computation itself, against the SQL ceilings on the same answers (b′: b measured again after publication, since the write test adds its responses to the survey before; g for the member over the group); *repeated* is the secretariat's read of the whole served from the cache, against that first, uncached computation.\n\n")
	fmt.Fprintf(&b, "| responses | first, secretariat p50 | b′: SQL p50 | first/b′ | first, member over the group p50 | first/g | repeated, secretariat p50 | p95 | member over the group, repeated p50 |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range r.Sizes {
		fmt.Fprintf(&b, "| %d | %s | %s | %.2f | %s | %.2f | %s | %s | %s |\n", s.Responses, ms(s.FirstAdmin.P50), ms(s.PublishedCeiling.P50), ratio(s.FirstAdmin.P50, s.PublishedCeiling.P50),
			ms(s.FirstMember.P50), ratio(s.FirstMember.P50, s.MemberCeiling.P50), ms(s.CachedAdmin.P50), ms(s.CachedAdmin.P95), ms(s.Member.P50))
	}
	fmt.Fprintf(&b, "\n## Saves (c) against raw pgx batches (d)\n\n")
	fmt.Fprintf(&b, "%d complete responses (a PATCH of 60 answers, then submit) from %d concurrent clients, into the database of %d responses; the ceiling writes the same rows (response, answers, options, one history event per answer and the submit) in one transaction of pgx batches per response, from as many goroutines.\n\n", r.Saves, r.Clients, r.WriteResponses)
	fmt.Fprintf(&b, "| c: saves/s through the API | d: saves/s raw | c/d |\n|---:|---:|---:|\n| %.0f | %.0f | %.2f |\n\n", r.SavesPerSecond, r.CeilingSavesPerSec, r.SavesPerSecond/r.CeilingSavesPerSec)
	fmt.Fprintf(&b, "## Trends against hand-written SQL\n\n`GET /v1/series/{key}/trends` of one metric and one member over %d months (and the year before, for year-on-year growth), in a monthly series of %d members × %d months × %d metrics; the ceiling is the same per-period count, total, median and member values in SQL.\n\n", trendMonths, trendMembers, trendMonths, trendMetrics)
	fmt.Fprintf(&b, "| trends p50 | p95 | SQL p50 | p95 | ratio (p50) |\n|---:|---:|---:|---:|---:|\n| %s | %s | %s | %s | %.2f |\n\n",
		ms(r.Trends.Trends.P50), ms(r.Trends.Trends.P95), ms(r.Trends.Ceiling.P50), ms(r.Trends.Ceiling.P95), ratio(r.Trends.Trends.P50, r.Trends.Ceiling.P50))
	if r.Trends.Load != nil {
		b.WriteString(renderLoad(*r.Trends.Load, *r.Trends.Saturated))
	}
	rss := float64(r.PeakRSSBytes) / (1 << 20)
	fmt.Fprintf(&b, "## Memory (e)\n\nPeak resident memory of the server process over the whole run (VmHWM): **%.1f MiB**.\n\n", rss)

	if len(r.Exports) > 0 {
		fmt.Fprintf(&b, "## Export memory (f)\n\n`GET /v1/surveys/{id}/answers/export` as the secretariat: every response, one row each, %d columns (the multiple choice questions spread over their options). Each export runs in a server process started for it alone, so its peak resident memory (VmHWM) holds only starting up and that one export; the file is read by the client and thrown away.\n\n", exportColumns())
		fmt.Fprintf(&b, "| responses | format | file | time | peak RSS before | peak RSS after |\n|---:|---|---:|---:|---:|---:|\n")
		for _, e := range r.Exports {
			fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s |\n", e.Responses, e.Format, mib(e.Bytes), e.Duration.Round(time.Millisecond), mib(e.BaseRSS), mib(e.PeakRSS))
		}
		fmt.Fprintf(&b, "\n")
	}
	fmt.Fprintf(&b, "## Targets\n\n| target | measured | |\n|---|---|---|\n")
	if s, ok := at(r.Sizes, 10000); ok {
		v := ratio(s.Results.P50, s.Ceiling.P50)
		fmt.Fprintf(&b, "| a/b ≤ %.1f at 10,000 responses | %.2f | %s |\n", targetResultsRatio, v, verdict(v <= targetResultsRatio))
		m := ratio(s.Member.P50, s.MemberCeiling.P50)
		fmt.Fprintf(&b, "| f/g ≤ %.1f at 10,000 responses | %.2f | %s |\n", targetResultsRatio, m, verdict(m <= targetResultsRatio))
	}
	if len(r.Sizes) > 0 {
		s := r.Sizes[len(r.Sizes)-1]
		at := fmt.Sprintf("at %d responses", s.Responses)
		if s.Responses != targetCachedAtSize {
			at += fmt.Sprintf(" (the target is set at %d)", targetCachedAtSize)
		}
		fmt.Fprintf(&b, "| a published edition's repeated read p50 ≤ %s, %s | %s (uncached: %s) | %s |\n", ms(targetCachedP50), at,
			ms(s.CachedAdmin.P50), ms(s.FirstAdmin.P50), verdict(s.CachedAdmin.P50 <= targetCachedP50))
		fa, fm := ratio(s.FirstAdmin.P50, s.PublishedCeiling.P50), ratio(s.FirstMember.P50, s.MemberCeiling.P50)
		fmt.Fprintf(&b, "| first computation ≤ %.1f× its ceiling, %s | secretariat %.2f, member %.2f | %s |\n", targetScaleRatio, at, fa, fm,
			verdict(fa <= targetScaleRatio && fm <= targetScaleRatio))
		lv := ratio(s.Results.P50, s.Ceiling.P50)
		fmt.Fprintf(&b, "| live results (open survey, secretariat) ≤ %.1f× the ceiling, %s | %.2f | %s |\n", targetScaleRatio, at, lv, verdict(lv <= targetScaleRatio))
	}
	v := r.SavesPerSecond / r.CeilingSavesPerSec
	fmt.Fprintf(&b, "| c/d ≥ %.1f | %.2f | %s |\n", targetSavesRatio, v, verdict(v >= targetSavesRatio))
	if len(r.Sizes) > 1 {
		first, last := r.Sizes[0], r.Sizes[len(r.Sizes)-1]
		g, n := float64(last.Results.P50)/float64(first.Results.P50), float64(last.Responses)/float64(first.Responses)
		fmt.Fprintf(&b, "| latency grows no faster than responses | %.1f× for %.0f× | %s |\n", g, n, verdict(g <= n))
	}
	fmt.Fprintf(&b, "| peak memory ≤ %.0f MiB | %.1f MiB | %s |\n", targetRSSMiB, rss, verdict(rss <= targetRSSMiB))
	for _, format := range []string{"csv", "xlsx"} {
		first, last, ok := exportSpan(r.Exports, format)
		if !ok {
			continue
		}
		g := float64(last.PeakRSS-first.PeakRSS) / (1 << 20)
		fmt.Fprintf(&b, "| %s export: peak memory at %d responses ≤ at %d + %.0f MiB | %+.1f MiB (%s → %s) | %s |\n", format, last.Responses,
			first.Responses, targetExportGrowthMiB, g, mib(first.PeakRSS), mib(last.PeakRSS), verdict(g <= targetExportGrowthMiB))
	}
	tr := ratio(r.Trends.Trends.P50, r.Trends.Ceiling.P50)
	fmt.Fprintf(&b, "| trends / SQL ≤ %.1f | %.2f | %s |\n", targetTrendsRatio, tr, verdict(tr <= targetTrendsRatio))
	if l := r.Trends.Load; l != nil {
		errs := l.Results.Errors + l.Trends.Errors + l.Writes.Errors
		fmt.Fprintf(&b, "| under load: no errors | %d | %s |\n", errs, verdict(errs == 0))
		errs += r.Trends.Saturated.Results.Errors + r.Trends.Saturated.Trends.Errors + r.Trends.Saturated.Writes.Errors
		fmt.Fprintf(&b, "| under load, paced: cached results p99 ≤ %s | %s | %s |\n", ms(targetLoadP99), ms(l.Results.P99), verdict(l.Results.P99 <= targetLoadP99 && l.Results.Done > 0))
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "Rerun with `make bench`; `BENCH_SIZES=1000,10000,100000 make bench` adds the large size. Timings vary from run to run and machine to machine; the ratios, measured against ceilings in the same run, are what to compare.\n")
	return b.String()
}

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }

func at(sizes []sizeResult, n int) (sizeResult, bool) {
	for _, s := range sizes {
		if s.Responses == n {
			return s, true
		}
	}
	return sizeResult{}, false
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// exportSpan is the export of the format at the smallest and the largest size.
func exportSpan(exports []exportResult, format string) (first, last exportResult, ok bool) {
	for _, e := range exports {
		if e.Format != format {
			continue
		}
		if !ok || e.Responses < first.Responses {
			first = e
		}
		if !ok || e.Responses > last.Responses {
			last = e
		}
		ok = true
	}
	return first, last, ok && first.Responses != last.Responses
}

// exportColumns is the width of the benchmark survey's raw-answers export.
func exportColumns() int {
	n := 3 // member, status, submitted_at
	for _, q := range questions() {
		if q.typ == "multiple_choice" {
			n += q.options
		} else {
			n++
		}
	}
	return n
}
