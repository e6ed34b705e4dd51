// check.js loads a SurveyJS survey into survey-core and reports, for each set of
// answers, which questions SurveyJS shows, which it requires, which required ones
// it finds missing, and the texts it shows in each language.
//
// Input on stdin: {"survey": <SurveyJS JSON>, "cases": [{"answers": {...}}], "locales": ["en", "fr"]}
// Output on stdout: {"jsonErrors": [...], "cases": [{"visible": [...], "required": [...], "missing": [...]}],
//                    "texts": {"fr": {"<question>": {"title": "...", "description": "...", "choices": {"<value>": "..."}}}}}
"use strict";
const { Model, Serializer } = require("survey-core");

// The two custom properties surveyd writes where SurveyJS has none (docs/decisions/0016).
Serializer.addProperty("text", { name: "valueType", choices: ["integer", "percentage"] });
Serializer.addProperty("text", { name: "unit" });

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const req = JSON.parse(input);
  const out = { jsonErrors: [], cases: [], texts: {} };
  const probe = new Model(req.survey);
  out.jsonErrors = (probe.jsonErrors || []).map((e) => e.message);
  for (const c of req.cases) {
    const m = new Model(req.survey);
    m.data = c.answers;
    const visible = m.getAllQuestions().filter((q) => q.isVisible);
    out.cases.push({
      visible: visible.map((q) => q.name),
      required: visible.filter((q) => q.isRequired).map((q) => q.name),
      missing: visible.filter((q) => q.isRequired && q.isEmpty()).map((q) => q.name),
      invalid: visible.filter((q) => !q.isEmpty() && !q.validate(false)).map((q) => q.name),
    });
  }
  for (const locale of req.locales || []) {
    const m = new Model(req.survey);
    m.locale = locale;
    const texts = {};
    for (const q of m.getAllQuestions()) {
      const t = { title: q.title, description: q.description };
      if (q.choices) {
        t.choices = {};
        for (const ch of q.choices) t.choices[ch.value] = ch.text;
      }
      texts[q.name] = t;
    }
    for (const p of m.pages) texts["page:" + p.name] = { title: p.title, description: p.description };
    out.texts[locale] = texts;
  }
  process.stdout.write(JSON.stringify(out));
});
