// libFuzzer target: any bytes given to the pipeline loader must yield a
// Pipeline or an Error, never a crash, a leak, a hang or an exception. Valid
// pipelines go on through their schedule and templates.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/pipeline.h"
#include "core/schedule.h"
#include "core/template.h"

namespace {

void Exercise(const sluice::Pipeline& pipeline) {
  sluice::Result<sluice::Schedule> schedule =
      sluice::Schedule::Parse(pipeline.schedule.expression, pipeline.schedule.timezone);
  if (!schedule) __builtin_trap();  // the loader validated it
  sluice::TimePoint now = *sluice::ParseIsoTime("2025-03-15T00:00:00Z");
  if (auto next = schedule->NextAfter(now)) (void)schedule->PreviousAtOrBefore(*next);
  sluice::TemplateContext context =
      sluice::MakeTemplateContext(pipeline.dag_id, "manual__fuzz", now, now, pipeline.params);
  for (const sluice::TaskSpec& task : pipeline.tasks) {
    if (!sluice::RenderTemplate(task.sql, context)) __builtin_trap();  // checked at load
    for (const std::string& arg : task.command.argv) {
      if (!sluice::RenderTemplate(arg, context)) __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sluice::Result<sluice::Pipeline> pipeline = sluice::ParsePipeline(text, "fuzz.yaml");
  if (pipeline) Exercise(*pipeline);
  return 0;
}
