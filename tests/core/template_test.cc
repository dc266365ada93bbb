#include "core/template.h"

#include <gtest/gtest.h>

#include "core/schedule.h"

namespace sluice {
namespace {

TemplateContext SampleContext() {
  TimePoint start = *ParseIsoTime("2025-03-15T00:00:00Z");
  TimePoint end = *ParseIsoTime("2025-03-16T00:00:00Z");
  return MakeTemplateContext("jp_data", "scheduled__2025-03-15T00:00:00+00:00", start, end,
                             {{"limit", "100"}, {"schema", "analytics"}});
}

TEST(Template, MakeTemplateContextFillsEveryVariable) {
  TemplateContext context = SampleContext();
  EXPECT_EQ(context.ds, "2025-03-15");
  EXPECT_EQ(context.ds_nodash, "20250315");
  EXPECT_EQ(context.logical_date, "2025-03-15T00:00:00+00:00");
  EXPECT_EQ(context.data_interval_start, "2025-03-15T00:00:00+00:00");
  EXPECT_EQ(context.data_interval_end, "2025-03-16T00:00:00+00:00");
  EXPECT_EQ(context.run_id, "scheduled__2025-03-15T00:00:00+00:00");
  EXPECT_EQ(context.dag_id, "jp_data");
  EXPECT_EQ(context.params.at("limit"), "100");
}

TEST(Template, Renders) {
  struct Case {
    const char* text;
    const char* want;
  } cases[] = {
      {"no templates at all", "no templates at all"},
      {"", ""},
      {"{{ ds }}", "2025-03-15"},
      {"{{ds}}", "2025-03-15"},
      {"{{   ds_nodash\t}}", "20250315"},
      {"day={{ ds }}/run={{ run_id }}", "day=2025-03-15/run=scheduled__2025-03-15T00:00:00+00:00"},
      {"{{ logical_date }}", "2025-03-15T00:00:00+00:00"},
      {"[{{ data_interval_start }}, {{ data_interval_end }})",
       "[2025-03-15T00:00:00+00:00, 2025-03-16T00:00:00+00:00)"},
      {"{{ dag_id }}", "jp_data"},
      {"SELECT * FROM {{ params.schema }}.t LIMIT {{params.limit}}",
       "SELECT * FROM analytics.t LIMIT 100"},
      {"{{ '{{' }} ds }}", "{{ ds }}"},
      {"{{ 'a b' }}", "a b"},
      {"a } b }} c { d", "a } b }} c { d"},
      {"{{ds}}{{ds}}", "2025-03-152025-03-15"},
  };
  TemplateContext context = SampleContext();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    Result<std::string> rendered = RenderTemplate(c.text, context);
    ASSERT_TRUE(rendered) << rendered.error().message();
    EXPECT_EQ(*rendered, c.want);
  }
}

TEST(Template, ErrorsSayWhereAndWhatIsKnown) {
  struct Case {
    const char* text;
    const char* want;
  } cases[] = {
      {"SELECT {{ ds", "unterminated '{{' at character 8: add the closing '}}'"},
      {"{{ ds }} and {{", "unterminated '{{' at character 14: add the closing '}}'"},
      {"x {{ dss }}",
       "unknown template variable '{{ dss }}' at character 3; known: ds, ds_nodash, "
       "logical_date, data_interval_start, data_interval_end, run_id, dag_id, params.NAME"},
      {"{{ ds | upper }}",
       "unsupported template expression '{{ ds | upper }}' at character 1; known: ds, ds_nodash, "
       "logical_date, data_interval_start, data_interval_end, run_id, dag_id, params.NAME"},
      {"{{}}",
       "unsupported template expression '{{}}' at character 1; known: ds, ds_nodash, "
       "logical_date, data_interval_start, data_interval_end, run_id, dag_id, params.NAME"},
      {"{{ params.nope }}",
       "unknown param 'nope' in '{{ params.nope }}' at character 1 (declared: limit, schema)"},
      {"{{ params. }}",
       "unsupported template expression '{{ params. }}' at character 1; known: ds, ds_nodash, "
       "logical_date, data_interval_start, data_interval_end, run_id, dag_id, params.NAME"},
      {"{{ \"}}\" }}",  // the first "}}" ends the expression
       "unsupported template expression '{{ \"}}' at character 1; known: ds, ds_nodash, "
       "logical_date, data_interval_start, data_interval_end, run_id, dag_id, params.NAME"},
      {"{{ PARAMS.limit }}",
       "unsupported template expression '{{ PARAMS.limit }}' at character 1; known: ds, "
       "ds_nodash, logical_date, data_interval_start, data_interval_end, run_id, dag_id, "
       "params.NAME"},
  };
  TemplateContext context = SampleContext();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    Result<std::string> rendered = RenderTemplate(c.text, context);
    ASSERT_FALSE(rendered);
    EXPECT_EQ(rendered.error().code(), Code::kInvalidArgument);
    EXPECT_EQ(rendered.error().message(), c.want);
    std::map<std::string, std::string> declared = {{"limit", "1"}, {"schema", "x"}};
    Status checked = CheckTemplate(c.text, declared);
    ASSERT_FALSE(checked);
    EXPECT_EQ(checked.error().message(), c.want);
  }
}

TEST(Template, CheckTemplateUsesDeclaredParams) {
  EXPECT_TRUE(CheckTemplate("{{ params.a }} {{ ds }}", {{"a", ""}}));
  Status missing = CheckTemplate("{{ params.a }}", {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(),
            "unknown param 'a' in '{{ params.a }}' at character 1 (none are declared)");
}

TEST(Template, LongExpressionsAreCutInMessages) {
  std::string text = "{{ " + std::string(500, 'x') + " }}";
  Result<std::string> rendered = RenderTemplate(text, SampleContext());
  ASSERT_FALSE(rendered);
  EXPECT_LT(rendered.error().message().size(), 250u);
}

}  // namespace
}  // namespace sluice
