package forms

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// The SurveyJS properties that carry what SurveyJS has no property for: the exact
// numeric type (SurveyJS has one number input) and the unit. SurveyJS keeps
// custom properties of its JSON; an application registers them with
// Serializer.addProperty, as surveyjs/check.mjs does.
const (
	sjValueType = "valueType" // "integer" or "percentage" on a number input; absent for number
	sjUnit      = "unit"
)

// sjSurvey is a SurveyJS survey as written by the export.
type sjSurvey struct {
	Title                any      `json:"title,omitempty"`
	Description          any      `json:"description,omitempty"`
	ClearInvisibleValues string   `json:"clearInvisibleValues"`
	Pages                []sjPage `json:"pages"`
}

type sjPage struct {
	Name        string      `json:"name"`
	Title       any         `json:"title,omitempty"`
	Description any         `json:"description,omitempty"`
	Elements    []sjElement `json:"elements"`
}

type sjElement struct {
	Type               string     `json:"type"`
	Name               string     `json:"name"`
	Title              any        `json:"title,omitempty"`
	Description        any        `json:"description,omitempty"`
	IsRequired         bool       `json:"isRequired,omitempty"`
	VisibleIf          string     `json:"visibleIf,omitempty"`
	InputType          string     `json:"inputType,omitempty"`
	ValueType          string     `json:"valueType,omitempty"`
	Unit               string     `json:"unit,omitempty"`
	Min                any        `json:"min,omitempty"`
	Max                any        `json:"max,omitempty"`
	MaxLength          *int       `json:"maxLength,omitempty"`
	Choices            []sjChoice `json:"choices,omitempty"`
	MinSelectedChoices *int       `json:"minSelectedChoices,omitempty"`
	MaxSelectedChoices *int       `json:"maxSelectedChoices,omitempty"`
	RateMin            *int       `json:"rateMin,omitempty"`
	RateMax            *int       `json:"rateMax,omitempty"`
}

type sjChoice struct {
	Value string `json:"value"`
	Text  any    `json:"text"`
}

// sjText is a SurveyJS localizable string: plain when English is all there is,
// otherwise {"default": English, "fr": ...}.
func sjText(english string, tr survey.Translations) any {
	if english == "" && len(tr) == 0 {
		return nil
	}
	if len(tr) == 0 {
		return english
	}
	m := map[string]string{"default": english}
	maps.Copy(m, tr)
	return m
}

// ToSurveyJS writes the questionnaire of s (title, description, sections as
// pages, questions, translations) as SurveyJS JSON. The survey's lifecycle,
// audience, deadline and results policy are not part of a SurveyJS form and are
// not written.
func ToSurveyJS(s survey.Survey) ([]byte, error) {
	out := sjSurvey{Title: s.Title, Description: sjText(s.Description, nil), ClearInvisibleValues: "onHidden", Pages: []sjPage{}}
	var r refusals
	byKey := map[string]survey.Question{}
	visibleIf := map[string]string{}
	for i, sec := range s.Sections {
		page := sjPage{Name: sec.Key, Title: sjText(sec.Title, sec.TitleTranslations),
			Description: sjText(sec.Description, sec.DescriptionTranslations), Elements: []sjElement{}}
		for j, q := range sec.Questions {
			path := fmt.Sprintf("sections[%d].questions[%d]", i, j)
			el, err := sjQuestion(q)
			if err != nil {
				r.add(path, "%v", err)
			}
			if c := q.Condition; c != nil {
				expr, err := sjCondition(*c, byKey[c.Question])
				if err != nil {
					r.add(path+".condition", "%v", err)
				}
				if up := visibleIf[c.Question]; up != "" {
					// SurveyJS keeps the answer of a hidden question in its data; here a
					// hidden question counts as unanswered, so its condition is repeated.
					expr += " and (" + up + ")"
				}
				el.VisibleIf = expr
				visibleIf[q.Key] = expr
			}
			byKey[q.Key] = q
			page.Elements = append(page.Elements, el)
		}
		out.Pages = append(out.Pages, page)
	}
	if err := r.err("the survey cannot be written as SurveyJS"); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("encode SurveyJS: %w", err)
	}
	return buf.Bytes(), nil
}

func sjQuestion(q survey.Question) (sjElement, error) {
	el := sjElement{Name: q.Key, Title: sjText(q.Prompt, q.PromptTranslations), Description: sjText(q.Help, q.HelpTranslations),
		IsRequired: q.Required, Unit: q.Unit}
	c := q.Constraints
	num := func(p *float64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	str := func(p *string) any {
		if p == nil {
			return nil
		}
		return *p
	}
	switch q.Type {
	case survey.SingleChoice, survey.MultipleChoice:
		el.Type = "radiogroup"
		if q.Type == survey.MultipleChoice {
			el.Type = "checkbox"
			el.MinSelectedChoices, el.MaxSelectedChoices = c.MinSelections, c.MaxSelections
		}
		for _, o := range q.Options {
			el.Choices = append(el.Choices, sjChoice{Value: o.Key, Text: sjText(o.Label, o.LabelTranslations)})
		}
	case survey.Boolean:
		el.Type = "boolean"
	case survey.Integer, survey.Number, survey.Percentage:
		el.Type, el.InputType, el.Min, el.Max = "text", "number", num(c.Min), num(c.Max)
		if q.Type != survey.Number {
			el.ValueType = string(q.Type)
		}
	case survey.Scale:
		one := 1
		el.Type, el.RateMin, el.RateMax = "rating", &one, c.ScaleSize
	case survey.Text:
		el.Type, el.MaxLength = "text", c.MaxLength
	case survey.Date:
		el.Type, el.InputType, el.Min, el.Max = "text", "date", str(c.MinDate), str(c.MaxDate)
	default:
		return el, fmt.Errorf("the type %s has no SurveyJS form", q.Type)
	}
	return el, nil
}

// Properties that only change how SurveyJS lays a form out, and that an import
// takes and leaves: nothing a member answers, or the server checks, depends on them.
var (
	sjLayoutSurvey  = []string{"showQuestionNumbers", "showProgressBar", "progressBarType", "widthMode", "width", "logoPosition", "showTitle", "showPageTitles", "questionsOnPageMode", "checkErrorsMode", "textUpdateMode", "questionErrorLocation", "questionTitleLocation", "showPreviewBeforeComplete", "goNextPageAutomatic"}
	sjLayoutElement = []string{"titleLocation", "descriptionLocation", "startWithNewLine", "width", "minWidth", "maxWidth", "colCount", "hideNumber", "indent", "rateType", "displayMode", "renderAs", "separateSpecialChoices", "choicesOrder"}
)

// sjReader walks a decoded SurveyJS file, collecting every refusal by its path.
type sjReader struct {
	r refusals
}

// FromSurveyJS reads a SurveyJS survey into a questionnaire. What it cannot
// keep is refused by name, never dropped; a file that is not JSON is Malformed.
func FromSurveyJS(data []byte) (survey.Survey, error) {
	if len(data) > MaxFileBytes {
		return survey.Survey{}, survey.Errorf(survey.Malformed, "the file has %d bytes; at most %d are taken", len(data), MaxFileBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return survey.Survey{}, survey.Errorf(survey.Malformed, "the file is not valid JSON: %v (at byte %d)", syntax, syntax.Offset)
		}
		return survey.Survey{}, survey.Errorf(survey.Malformed, "the file is not valid JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return survey.Survey{}, survey.Errorf(survey.Malformed, "the file holds more than one JSON value")
	}
	root, ok := doc.(map[string]any)
	if !ok {
		return survey.Survey{}, survey.Errorf(survey.Malformed, "a SurveyJS file is a JSON object")
	}
	var rd sjReader
	s := survey.Survey{Topics: []string{}, Policy: survey.DefaultResultsPolicy()}
	var tr survey.Translations
	if s.Title, tr = rd.text(root, "title", "title", false); len(tr) > 0 {
		rd.r.add("title", "the survey title is kept in English only; translate the titles of pages and questions instead")
	}
	if s.Description, tr = rd.text(root, "description", "description", false); len(tr) > 0 {
		rd.r.add("description", "the survey description is kept in English only")
	}
	rd.only(root, "", append([]string{"title", "description", "pages", "clearInvisibleValues", "locale"}, sjLayoutSurvey...))
	if v, ok := root["clearInvisibleValues"]; ok && v != "onHidden" && v != "onHiddenContainer" && v != "onComplete" {
		rd.r.add("clearInvisibleValues", "answers to hidden questions are never kept here; use onHidden")
	}
	if v, ok := root["locale"]; ok && v != "" && v != "en" {
		rd.r.add("locale", "the default language is English here; put other languages beside it as translations")
	}
	pages, ok := root["pages"].([]any)
	if !ok {
		rd.r.add("pages", "a survey needs a list of pages, each a section of questions")
	}
	earlier := map[string]survey.Question{}
	visibleIf := map[string][]string{}
	for i, raw := range pages {
		path := fmt.Sprintf("pages[%d]", i)
		page, ok := raw.(map[string]any)
		if !ok {
			rd.r.add(path, "a page is an object")
			continue
		}
		rd.only(page, path, []string{"name", "title", "description", "elements"})
		sec := survey.Section{}
		sec.Key, _ = rd.text(page, "name", path+".name", true)
		sec.Title, sec.TitleTranslations = rd.text(page, "title", path+".title", false)
		sec.Description, sec.DescriptionTranslations = rd.text(page, "description", path+".description", false)
		elements, ok := page["elements"].([]any)
		if !ok && page["elements"] != nil {
			rd.r.add(path+".elements", "must be a list of questions")
		}
		for j, raw := range elements {
			epath := fmt.Sprintf("%s.elements[%d]", path, j)
			el, ok := raw.(map[string]any)
			if !ok {
				rd.r.add(epath, "a question is an object")
				continue
			}
			q := rd.question(el, epath)
			if expr, _ := rd.text(el, "visibleIf", epath+".visibleIf", false); expr != "" {
				c, err := parseSJCondition(expr, earlier, visibleIf)
				if err != nil {
					rd.r.add(epath+".visibleIf", "%v", err)
				} else {
					q.Condition = c
				}
				visibleIf[q.Key] = append(visibleIf[q.Key], expr)
				if c != nil {
					if up, ok := earlier[c.Question]; ok {
						visibleIf[q.Key] = append(visibleIf[q.Key], sjVisibleIf(up, earlier)...)
					}
				}
			}
			if _, dup := earlier[q.Key]; !dup && q.Key != "" {
				earlier[q.Key] = q
			}
			sec.Questions = append(sec.Questions, q)
		}
		s.Sections = append(s.Sections, sec)
	}
	if err := rd.r.err("the SurveyJS file has elements that cannot be kept"); err != nil {
		return survey.Survey{}, err
	}
	return s, validate(s, sjPath, "the SurveyJS file does not make a valid survey")
}

// sjVisibleIf returns the expressions this package writes for the visibility of
// q, so that an import recognises its own export.
func sjVisibleIf(q survey.Question, byKey map[string]survey.Question) []string {
	if q.Condition == nil {
		return nil
	}
	expr, err := sjCondition(*q.Condition, byKey[q.Condition.Question])
	if err != nil {
		return nil
	}
	if up, ok := byKey[q.Condition.Question]; ok && up.Condition != nil {
		if ups := sjVisibleIf(up, byKey); len(ups) > 0 {
			return []string{expr + " and (" + ups[0] + ")"}
		}
	}
	return []string{expr}
}

// only refuses every property of obj outside allowed, by name.
func (rd *sjReader) only(obj map[string]any, path string, allowed []string) {
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if !slices.Contains(allowed, k) {
			rd.r.add(join(path, k), "the SurveyJS property %s has no counterpart here and would be lost", k)
		}
	}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// text reads a localizable string property: a plain string (English) or an
// object of texts by locale, "default" or "en" being English.
func (rd *sjReader) text(obj map[string]any, name, path string, required bool) (string, survey.Translations) {
	raw, ok := obj[name]
	if !ok || raw == nil {
		if required {
			rd.r.add(path, "is required")
		}
		return "", nil
	}
	switch v := raw.(type) {
	case string:
		if !storable(v) {
			rd.r.add(path, "contains a NUL character or invalid UTF-8")
		}
		return v, nil
	case map[string]any:
		english := ""
		for _, k := range []string{"default", "en"} {
			if s, ok := v[k].(string); ok && s != "" {
				english = s
			}
		}
		return english, rd.translationsOf(v, path)
	}
	rd.r.add(path, "must be a string, or an object of strings by language")
	return "", nil
}

// translationsOf returns the texts of raw, a localizable string, other than
// English.
func (rd *sjReader) translationsOf(raw any, path string) survey.Translations {
	m, ok := raw.(map[string]any)
	if !ok {
		return nil
	}
	tr := survey.Translations{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		s, ok := m[k].(string)
		switch {
		case !ok:
			rd.r.add(path+"."+k, "must be a string")
		case !storable(s):
			rd.r.add(path+"."+k, "contains a NUL character or invalid UTF-8")
		case k == "default" || k == "en":
		default:
			lang := survey.NormalizeLanguage(k)
			if !survey.ValidLanguage(lang) {
				rd.r.add(path+"."+k, "not a language tag; use one such as fr, de-ch or pt-br")
				continue
			}
			tr[lang] = s
		}
	}
	if len(tr) == 0 {
		return nil
	}
	return tr
}

func storable(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// question reads one SurveyJS element.
func (rd *sjReader) question(el map[string]any, path string) survey.Question {
	q := survey.Question{}
	q.Key, _ = rd.text(el, "name", path+".name", true)
	q.Prompt, q.PromptTranslations = rd.text(el, "title", path+".title", false)
	q.Help, q.HelpTranslations = rd.text(el, "description", path+".description", false)
	if v, ok := el["isRequired"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			rd.r.add(path+".isRequired", "must be true or false")
		}
		q.Required = b
	}
	common := append([]string{"type", "name", "title", "description", "isRequired", "visibleIf"}, sjLayoutElement...)
	typ, _ := el["type"].(string)
	inputType, _ := el["inputType"].(string)
	c := &q.Constraints
	switch {
	case typ == "radiogroup" || typ == "dropdown":
		q.Type = survey.SingleChoice
		q.Options = rd.choices(el, path)
		rd.only(el, path, append(common, "choices"))
	case typ == "checkbox" || typ == "tagbox":
		q.Type = survey.MultipleChoice
		q.Options = rd.choices(el, path)
		c.MinSelections = rd.integer(el, "minSelectedChoices", path)
		c.MaxSelections = rd.integer(el, "maxSelectedChoices", path)
		rd.only(el, path, append(common, "choices", "minSelectedChoices", "maxSelectedChoices"))
	case typ == "boolean":
		q.Type = survey.Boolean
		rd.only(el, path, common)
	case typ == "rating":
		q.Type = survey.Scale
		if lo := rd.integer(el, "rateMin", path); lo != nil && *lo != 1 {
			rd.r.add(path+".rateMin", "a scale here runs from 1; this one starts at %d", *lo)
		}
		if st := rd.integer(el, "rateStep", path); st != nil && *st != 1 {
			rd.r.add(path+".rateStep", "a scale here goes in steps of 1")
		}
		top, count := rd.integer(el, "rateMax", path), rd.integer(el, "rateCount", path)
		switch {
		case top == nil && count == nil:
			five := 5 // SurveyJS's default
			top = &five
		case top == nil:
			top = count
		case count != nil && *count != *top:
			rd.r.add(path+".rateCount", "rateCount (%d) and rateMax (%d) disagree on a scale from 1", *count, *top)
		}
		c.ScaleSize = top
		rd.only(el, path, append(common, "rateMin", "rateMax", "rateStep", "rateCount"))
	case typ == "comment" || (typ == "text" && (inputType == "" || inputType == "text")):
		q.Type = survey.Text
		c.MaxLength = rd.integer(el, "maxLength", path)
		rd.only(el, path, append(common, "inputType", "maxLength"))
	case typ == "text" && inputType == "number":
		q.Type = survey.Number
		switch vt, _ := el[sjValueType].(string); vt {
		case "":
		case "integer", "percentage":
			q.Type = survey.QuestionType(vt)
		default:
			rd.r.add(path+"."+sjValueType, "must be integer or percentage (or absent for any number)")
		}
		c.Min, c.Max = rd.float(el, "min", path), rd.float(el, "max", path)
		q.Unit, _ = rd.text(el, sjUnit, path+"."+sjUnit, false)
		rd.only(el, path, append(common, "inputType", "min", "max", sjValueType, sjUnit))
	case typ == "text" && inputType == "date":
		q.Type = survey.Date
		c.MinDate, c.MaxDate = rd.date(el, "min", path), rd.date(el, "max", path)
		rd.only(el, path, append(common, "inputType", "min", "max"))
	case typ == "text":
		rd.r.add(path+".inputType", "the input type %q has no counterpart here; text, number and date have", inputType)
	case typ == "":
		rd.r.add(path+".type", "is required")
	default:
		rd.r.add(path+".type", "the SurveyJS question type %q has no counterpart here; radiogroup, dropdown, checkbox, tagbox, boolean, rating, text (text, number, date) and comment have", typ)
	}
	return q
}

func (rd *sjReader) choices(el map[string]any, path string) []survey.Option {
	list, ok := el["choices"].([]any)
	if !ok {
		rd.r.add(path+".choices", "a choice question needs a list of choices")
		return nil
	}
	var out []survey.Option
	for i, raw := range list {
		cpath := fmt.Sprintf("%s.choices[%d]", path, i)
		switch v := raw.(type) {
		case string:
			out = append(out, survey.Option{Key: v, Label: v})
		case map[string]any:
			rd.only(v, cpath, []string{"value", "text"})
			key, ok := v["value"].(string)
			if !ok {
				rd.r.add(cpath+".value", "a choice's value is its key here: a snake_case string")
			}
			o := survey.Option{Key: key}
			o.Label, o.LabelTranslations = rd.text(v, "text", cpath+".text", false)
			if o.Label == "" && o.LabelTranslations == nil {
				o.Label = key // SurveyJS shows the value when there is no text
			}
			out = append(out, o)
		default:
			rd.r.add(cpath, "a choice's value is its key here: a snake_case string")
		}
	}
	return out
}

func (rd *sjReader) integer(el map[string]any, name, path string) *int {
	raw, ok := el[name]
	if !ok {
		return nil
	}
	n, isNum := raw.(json.Number)
	i, err := strconv.Atoi(string(n))
	if !isNum || err != nil {
		rd.r.add(path+"."+name, "must be a whole number")
		return nil
	}
	return &i
}

func (rd *sjReader) float(el map[string]any, name, path string) *float64 {
	raw, ok := el[name]
	if !ok {
		return nil
	}
	var f float64
	var err error
	switch v := raw.(type) {
	case json.Number:
		f, err = v.Float64()
	case string: // the SurveyJS Creator writes bounds as strings
		f, err = strconv.ParseFloat(v, 64)
	default:
		err = errors.New("not a number")
	}
	if err != nil {
		rd.r.add(path+"."+name, "must be a number")
		return nil
	}
	return &f
}

func (rd *sjReader) date(el map[string]any, name, path string) *string {
	raw, ok := el[name]
	if !ok {
		return nil
	}
	s, isString := raw.(string)
	if !isString {
		rd.r.add(path+"."+name, "must be a date as YYYY-MM-DD")
		return nil
	}
	return &s
}

// sjPath names a domain path by its place in a SurveyJS file.
func sjPath(p string) string {
	sec, q, opt, rest := domainPath(p)
	if sec < 0 {
		return p
	}
	out := fmt.Sprintf("pages[%d]", sec)
	if q >= 0 {
		out += fmt.Sprintf(".elements[%d]", q)
	}
	if opt >= 0 {
		out += fmt.Sprintf(".choices[%d]", opt)
	}
	names := map[string]string{
		"key": "name", "prompt": "title", "help": "description", "label": "text",
		"prompt_translations": "title", "help_translations": "description", "label_translations": "text",
		"title_translations": "title", "description_translations": "description",
		"constraints.min": "min", "constraints.max": "max", "constraints.min_date": "min", "constraints.max_date": "max",
		"constraints.max_length": "maxLength", "constraints.min_selections": "minSelectedChoices",
		"constraints.max_selections": "maxSelectedChoices", "constraints.scale_size": "rateMax", "unit": sjUnit,
		"required": "isRequired", "options": "choices",
	}
	if opt >= 0 && rest == "key" {
		return out + ".value"
	}
	if strings.HasPrefix(rest, "condition") {
		return out + ".visibleIf"
	}
	for from, to := range names {
		if rest == from || strings.HasPrefix(rest, from+".") {
			return join(out, to+strings.TrimPrefix(rest, from))
		}
	}
	return join(out, rest)
}
