// Templates in task fields (sql, command argv, env, working_dir), in the
// manner of Airflow's Jinja macros but with a fixed set of names:
//
//   {{ ds }}                   2025-03-15 (the logical date, UTC)
//   {{ ds_nodash }}            20250315
//   {{ logical_date }}         2025-03-15T00:00:00+00:00
//   {{ data_interval_start }}  2025-03-15T00:00:00+00:00
//   {{ data_interval_end }}    2025-03-16T00:00:00+00:00
//   {{ run_id }}               scheduled__2025-03-15T00:00:00+00:00
//   {{ dag_id }}               trust_wallet_jsonplaceholder_api_data
//   {{ params.NAME }}          a pipeline param (file default or run override)
//   {{ 'text' }}, {{ "text" }} the text as is: how to write a literal "{{"
//
// Spaces inside the braces are optional. Anything else between "{{" and "}}"
// is an error, and so is a "{{" without its "}}". Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"

namespace sluice {

// The variables every template may use, besides params.NAME.
inline constexpr std::string_view kTemplateVariables[] = {
    "ds",     "ds_nodash", "logical_date", "data_interval_start", "data_interval_end",
    "run_id", "dag_id"};

struct TemplateContext {
  std::string ds;
  std::string ds_nodash;
  std::string logical_date;
  std::string data_interval_start;
  std::string data_interval_end;
  std::string run_id;
  std::string dag_id;
  std::map<std::string, std::string> params;
};

// The context of one run: ds and logical_date come from interval_start.
TemplateContext MakeTemplateContext(std::string dag_id, std::string run_id,
                                    TimePoint interval_start, TimePoint interval_end,
                                    std::map<std::string, std::string> params);

// kInvalidArgument for an unterminated "{{", an unknown expression or a param
// absent from context.params, with the character offset and what is known.
Result<std::string> RenderTemplate(std::string_view text, const TemplateContext& context);

// Load-time check: the same errors RenderTemplate would give, with params
// checked against the pipeline's declared params.
Status CheckTemplate(std::string_view text,
                     const std::map<std::string, std::string>& declared_params);

}  // namespace sluice
