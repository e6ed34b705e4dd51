package api

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tldcouncil/surveyd/internal/export"
	"github.com/tldcouncil/surveyd/internal/results"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// exportResults serves GET /v1/surveys/{id}/results/export: the results of the
// JSON route, the same value under the same rules, as CSV or XLSX.
func (s *Server) exportResults(c echo.Context) error {
	f, err := exportFormat(c)
	if err != nil {
		return err
	}
	var r results.Results
	if err := s.readResults(c, &r); err != nil {
		return err
	}
	return s.stream(c, f, fileName(r.Survey.ID+"-results", f), "results", func(w export.Writer) error {
		return export.Results(w, r)
	})
}

// exportResponses serves GET /v1/surveys/{id}/answers/export: the raw
// responses, one row per member. The secretariat gets every response, drafts
// included. A member gets them only of a survey whose results name the
// members, once it may read those results, and then only what the results'
// named answers hold: the submitted responses, without their times.
func (s *Server) exportResponses(c echo.Context) error {
	ctx := c.Request().Context()
	f, err := exportFormat(c)
	if err != nil {
		return err
	}
	sv, err := s.readableSurvey(c, c.Param("id"))
	if err != nil {
		return err
	}
	me := caller(c)
	if !me.IsSecretariat() {
		if sv.Policy.Visibility != survey.VisibilityNamed {
			return survey.Errorf(survey.Forbidden, "raw responses are for the secretariat; members get them only of surveys whose results name the members, and this one is %s", sv.Policy.Visibility)
		}
		if _, err := s.resultsAccess(ctx, sv, me); err != nil {
			return err
		}
	}
	each := func(fn func(survey.Response) error) error {
		return s.store.EachResponse(ctx, sv, !me.IsSecretariat(), func(r survey.Response) error {
			if !me.IsSecretariat() {
				r.SubmittedAt = nil
			}
			return fn(r)
		})
	}
	digest, err := s.store.ResponsesDigest(ctx, []string{sv.ID}, !me.IsSecretariat())
	if err != nil {
		return err
	}
	if done, err := notModified(c, fileTag(c, string(f), sv.ID, sv.Status, sv.UpdatedAt.UnixNano(), digest)); done || err != nil {
		return err
	}
	return s.stream(c, f, fileName(sv.ID+"-answers", f), "answers", func(w export.Writer) error {
		return export.Responses(w, sv, each)
	})
}

// exportSeries serves GET /v1/series/{key}/export: the monthly (or yearly)
// statistics of a series over a range of periods. view=members gives one row
// per member and period with a column per metric, for the secretariat and, of
// editions whose results name the members, for members that may read them.
// view=aggregates gives one row per period and metric, each exactly the point
// of the trends route for that metric (and for a member, its own values).
func (s *Server) exportSeries(c echo.Context) error {
	ctx := c.Request().Context()
	f, err := exportFormat(c)
	if err != nil {
		return err
	}
	sr, err := s.readableSeries(c)
	if err != nil {
		return err
	}
	me := caller(c)
	named := sr.Template.Policy.Visibility == survey.VisibilityNamed
	view := c.QueryParam("view")
	switch {
	case view == "" && (me.IsSecretariat() || named):
		view = "members"
	case view == "":
		view = "aggregates"
	case view != "members" && view != "aggregates":
		return queryError("view", "must be members or aggregates")
	case view == "members" && !me.IsSecretariat() && !named:
		return survey.Errorf(survey.Forbidden, "series %s does not name its members; members may export its aggregates only", sr.Key)
	}
	var metrics []survey.Question
	for _, sec := range sr.Template.Sections {
		for _, q := range sec.Questions {
			if q.Type == survey.Integer || q.Type == survey.Number || q.Type == survey.Percentage {
				metrics = append(metrics, q)
			}
		}
	}
	from, to, err := trendRange(c, sr, s.now())
	if err != nil {
		return err
	}
	name := fileName(fmt.Sprintf("%s-%s-%s-%s", sr.Key, view, from, to), f)
	if view == "aggregates" {
		// Every point comes from the trends route's own reading, metric by metric.
		trends := make([]trendResponse, len(metrics))
		for i, q := range metrics {
			if err := s.readTrend(c, q.Key, &trends[i]); err != nil {
				return err
			}
		}
		// The trends are read already, and small: their values are the tag.
		points, err := json.Marshal(trends)
		if err != nil {
			return err
		}
		if done, err := notModified(c, fileTag(c, string(f), sr.Key, sr.UpdatedAt.UnixNano(), from, to, points)); done || err != nil {
			return err
		}
		return s.stream(c, f, name, view, func(w export.Writer) error { return writeAggregates(w, metrics, trends) })
	}
	if c.QueryParam("peer_group") != "" || c.QueryParam("member") != "" {
		return queryError("view", "members lists every member it may; peer_group and member narrow the aggregates view only")
	}
	statuses := []survey.Status{survey.StatusPublished}
	if me.IsSecretariat() {
		statuses = append(statuses, survey.StatusOpen, survey.StatusClosed)
	}
	editions, err := s.store.Editions(ctx, sr.Key, statuses)
	if err != nil {
		return err
	}
	var readable []survey.Survey
	for _, e := range editions {
		if len(e.Period) != len(to.String()) || e.Period < from.String() || e.Period > to.String() {
			continue
		}
		sv, err := s.store.Survey(ctx, e.SurveyID)
		if err != nil {
			return err
		}
		if !me.IsSecretariat() {
			// A member reads a period like the results of its edition: addressed
			// to its member, published, and answered under respondents_only.
			addressed, err := s.store.Addressed(ctx, sv, me.Member)
			if err != nil {
				return err
			}
			own, err := s.store.Response(ctx, sv, me.Member)
			if err != nil {
				return err
			}
			if !sv.ReadableBy(me, addressed) || sv.Policy.Visibility != survey.VisibilityNamed ||
				results.CheckAccess(sv, me, own.Status == survey.ResponseSubmitted) != nil {
				continue
			}
		}
		readable = append(readable, sv)
	}
	parts := []any{sr.Key, sr.UpdatedAt.UnixNano(), from, to}
	ids := make([]string, len(readable))
	for i, sv := range readable {
		ids[i] = sv.ID
		parts = append(parts, sv.ID, sv.Status, sv.UpdatedAt.UnixNano())
	}
	digest, err := s.store.ResponsesDigest(ctx, ids, true)
	if err != nil {
		return err
	}
	if done, err := notModified(c, fileTag(c, string(f), append(parts, digest)...)); done || err != nil {
		return err
	}
	return s.stream(c, f, name, view, func(w export.Writer) error {
		keys, labels := []any{"period", "member"}, []any{"Period", "Member"}
		for _, q := range metrics {
			keys, labels = append(keys, q.Key), append(labels, q.Prompt)
		}
		if err := w.Header(keys...); err != nil {
			return err
		}
		if err := w.Header(labels...); err != nil {
			return err
		}
		row := make([]any, len(keys))
		for _, sv := range readable {
			err := s.store.EachResponse(ctx, sv, true, func(r survey.Response) error {
				clear(row)
				row[0], row[1] = sv.Period, r.Member
				for i, q := range metrics {
					if v, ok := r.Answers[q.Key]; ok && v.Number != nil {
						row[2+i] = *v.Number
					}
				}
				return w.Row(row...)
			})
			if err != nil {
				return err
			}
		}
		return w.Close()
	})
}

// writeAggregates writes the trends of the metrics, period by period.
func writeAggregates(w export.Writer, metrics []survey.Question, trends []trendResponse) error {
	err := w.Header("period", "survey_id", "metric", "n", "total", "median", "total_mom", "total_yoy", "suppressed",
		"member", "member_value", "member_share", "member_mom", "member_yoy")
	if err != nil {
		return err
	}
	var periods []string
	for _, t := range trends {
		for _, p := range t.Points {
			periods = append(periods, p.Period)
		}
	}
	slices.Sort(periods)
	periods = slices.Compact(periods)
	for _, period := range periods {
		for i, t := range trends {
			for _, p := range t.Points {
				if p.Period != period {
					continue
				}
				var member any
				if t.Member != nil {
					member = *t.Member
				}
				var suppressed any
				if p.Suppressed != nil {
					suppressed = *p.Suppressed
				}
				err := w.Row(p.Period, p.SurveyID, metrics[i].Key, intCell(p.N), floatCell(p.Total), floatCell(p.Median),
					floatCell(p.TotalMoM), floatCell(p.TotalYoY), suppressed, member, floatCell(p.MemberValue),
					floatCell(p.MemberShare), floatCell(p.MemberMoM), floatCell(p.MemberYoY))
				if err != nil {
					return err
				}
			}
		}
	}
	return w.Close()
}

func intCell(v *int) any {
	if v == nil {
		return nil
	}
	return *v
}

func floatCell(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

// stream sends a file: headers first, then the rows as write makes them (sheet
// names the sheet of an XLSX file). An
// error before the first byte leaves is an ordinary problem response; one after
// cannot be, so it is logged and the connection is cut, leaving the client a
// truncated transfer rather than a file that looks complete.
func (s *Server) stream(c echo.Context, f export.Format, name, sheet string, write func(export.Writer) error) error {
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, f.MediaType())
	res.Header().Set(echo.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	res.Header().Add(echo.HeaderVary, echo.HeaderAccept)
	w, err := export.New(f, &deadlineWriter{w: res, rc: http.NewResponseController(res)}, sheet)
	if err == nil {
		err = write(w)
	}
	if err == nil {
		return nil
	}
	if !res.Committed {
		res.Header().Del(echo.HeaderContentDisposition)
		res.Header().Del("ETag")
		res.Header().Del(echo.HeaderCacheControl)
		return err
	}
	s.log.Error("export failed after it started", "error", err, "uri", c.Request().RequestURI,
		"request_id", res.Header().Get(echo.HeaderXRequestID))
	panic(http.ErrAbortHandler)
}

// exportIdle is how long a file download may go without a byte reaching the
// client. The server's write timeout bounds a whole response; a large export
// may rightly take longer, so each write pushes the deadline on instead, and
// only a client that stops reading is cut off.
const exportIdle = 60 * time.Second

// deadlineWriter moves the connection's write deadline exportIdle ahead of
// each write, at most once a second.
type deadlineWriter struct {
	w     io.Writer
	rc    *http.ResponseController
	moved time.Time
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	if now := time.Now(); now.Sub(d.moved) > time.Second {
		// An error means the writer cannot take deadlines (a test recorder);
		// the server's own timeout then stands.
		_ = d.rc.SetWriteDeadline(now.Add(exportIdle))
		d.moved = now
	}
	return d.w.Write(p)
}

// fileName makes a file name of the parts: letters, digits, dots, dashes and
// underscores, and the format's extension.
func fileName(base string, f export.Format) string {
	clean := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '-'
	}, base)
	return clean + "." + string(f)
}

// exportFormat is the format of an export, by ?format= or else by Accept; CSV
// when the client takes anything.
func exportFormat(c echo.Context) (export.Format, error) {
	f, err := negotiate(c, [][2]string{{"csv", "text/csv"}, {"xlsx", export.XLSX.MediaType()}})
	return export.Format(f), err
}

// negotiate picks one of the formats (a name for ?format= and a media type for
// Accept; the first is the default): the one ?format= names, else the one the
// Accept header prefers (by q, then by order), else, when nothing the client
// accepts is on offer, a 406 listing what is.
func negotiate(c echo.Context, formats [][2]string) (string, error) {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = f[0]
	}
	if v := c.QueryParam("format"); v != "" {
		for _, f := range formats {
			if v == f[0] {
				return v, nil
			}
		}
		return "", queryError("format", "must be one of "+strings.Join(names, ", "))
	}
	accept := c.Request().Header.Get(echo.HeaderAccept)
	if strings.TrimSpace(accept) == "" {
		return formats[0][0], nil
	}
	best, bestQ := "", 0.0
	for _, part := range strings.Split(accept, ",") {
		media, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(v, 64); err != nil {
				continue
			}
		}
		if q <= bestQ {
			continue
		}
		for _, f := range formats {
			offered, _, _ := mime.ParseMediaType(f[1])
			kind, _, _ := strings.Cut(offered, "/")
			if media == "*/*" || media == offered || media == kind+"/*" {
				best, bestQ = f[0], q
				break
			}
		}
	}
	if best == "" {
		var types []string
		for _, f := range formats {
			t, _, _ := mime.ParseMediaType(f[1])
			types = append(types, t)
		}
		return "", echo.NewHTTPError(http.StatusNotAcceptable, "this route answers with "+strings.Join(types, " or ")+
			"; say so in Accept, or choose with ?format="+strings.Join(names, "|"))
	}
	return best, nil
}
