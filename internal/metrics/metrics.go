// Package metrics defines what the platform reports to Prometheus: HTTP requests
// by route and status with their durations, the database pool, the scheduler's
// runs, results served, and the counters that mail, webhook, job and results
// cache work reports as it is added. It holds no global state: the registry is
// passed in, and a nil *Metrics records nothing, so that code and tests without
// metrics need no checks.
package metrics

import (
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the platform's collectors, registered on one registry.
type Metrics struct {
	reg *prometheus.Registry

	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec

	schedulerRuns     *prometheus.CounterVec
	schedulerDuration prometheus.Histogram
	editionsOpened    prometheus.Counter
	responsesLocked   prometheus.Counter

	resultsServed *prometheus.CounterVec
	resultsCache  *prometheus.CounterVec
	mails         *prometheus.CounterVec
	webhooks      *prometheus.CounterVec
	jobs          *prometheus.CounterVec
	jobDuration   *prometheus.HistogramVec
}

// New registers the platform's collectors on reg, with the Go runtime's and the
// process's, and the statistics of the connection pool db, labelled with the
// dialect ("sqlite" or "postgres").
func New(reg *prometheus.Registry, db *sql.DB, dialect string) (*Metrics, error) {
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "surveyd_http_requests_total",
			Help: "HTTP requests answered, by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "surveyd_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by method and route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		schedulerRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "surveyd_scheduler_runs_total",
			Help: "Runs of the scheduler (opening due editions, recording passed deadlines), by outcome: ok or error.",
		}, []string{"outcome"}),
		schedulerDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "surveyd_scheduler_run_duration_seconds",
			Help:    "Time a run of the scheduler took.",
			Buckets: prometheus.ExponentialBuckets(.001, 4, 9),
		}),
		editionsOpened: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "surveyd_scheduler_editions_opened_total",
			Help: "Editions of series the scheduler opened at the start of their period.",
		}),
		responsesLocked: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "surveyd_scheduler_responses_locked_total",
			Help: "Responses whose passed deadline the scheduler recorded.",
		}),
		resultsServed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "surveyd_results_served_total",
			Help: "Results read successfully, by view (survey or trend) and source: computed, or cache (a published edition's view kept, decision 0024).",
		}, []string{"view", "source"}),
		resultsCache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "surveyd_results_cache_lookups_total",
			Help: "Lookups in the results cache, by outcome: hit or miss.",
		}, []string{"outcome"}),
		mails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "surveyd_mails_total",
			Help: "Mails handed to the mail server, by outcome: sent or failed.",
		}, []string{"outcome"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "surveyd_webhook_deliveries_total",
			Help: "Webhook deliveries attempted, by outcome: delivered or failed.",
		}, []string{"outcome"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "surveyd_jobs_total",
			Help: "Background jobs finished, by kind and outcome: ok or error.",
		}, []string{"kind", "outcome"}),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "surveyd_job_duration_seconds",
			Help:    "Time a background job took, by kind.",
			Buckets: prometheus.ExponentialBuckets(.01, 4, 9),
		}, []string{"kind"}),
	}
	cs := []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db, dialect),
		m.requests, m.duration,
		m.schedulerRuns, m.schedulerDuration, m.editionsOpened, m.responsesLocked,
		m.resultsServed, m.resultsCache, m.mails, m.webhooks, m.jobs, m.jobDuration,
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Handler serves the registry in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Request records an answered HTTP request. The route is the pattern the
// request matched ("/v1/surveys/:id"), never the raw path, so that the number of
// series stays bounded.
func (m *Metrics) Request(method, route string, status int, took time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(took.Seconds())
}

// SchedulerRun records one run of the scheduler and what it did.
func (m *Metrics) SchedulerRun(err error, opened, locked int, took time.Duration) {
	if m == nil {
		return
	}
	m.schedulerRuns.WithLabelValues(outcome(err, "ok", "error")).Inc()
	m.schedulerDuration.Observe(took.Seconds())
	m.editionsOpened.Add(float64(opened))
	m.responsesLocked.Add(float64(locked))
}

// ResultsServed records results read successfully: view is "survey" or
// "trend", source "computed" or "cache" (decision 0024).
func (m *Metrics) ResultsServed(view, source string) {
	if m == nil {
		return
	}
	m.resultsServed.WithLabelValues(view, source).Inc()
}

// ResultsCacheLookup is for the results cache to record a lookup.
func (m *Metrics) ResultsCacheLookup(hit bool) {
	if m == nil {
		return
	}
	m.resultsCache.WithLabelValues(map[bool]string{true: "hit", false: "miss"}[hit]).Inc()
}

// MailSent is for the mailer to record a mail handed to the mail server, or
// the error that stopped it.
func (m *Metrics) MailSent(err error) {
	if m == nil {
		return
	}
	m.mails.WithLabelValues(outcome(err, "sent", "failed")).Inc()
}

// WebhookDelivered is for webhook delivery to record an attempt.
func (m *Metrics) WebhookDelivered(err error) {
	if m == nil {
		return
	}
	m.webhooks.WithLabelValues(outcome(err, "delivered", "failed")).Inc()
}

// JobDone is for the job runner to record a finished job of a kind.
func (m *Metrics) JobDone(kind string, err error, took time.Duration) {
	if m == nil {
		return
	}
	m.jobs.WithLabelValues(kind, outcome(err, "ok", "error")).Inc()
	m.jobDuration.WithLabelValues(kind).Observe(took.Seconds())
}

func outcome(err error, ok, failed string) string {
	if err != nil {
		return failed
	}
	return ok
}
