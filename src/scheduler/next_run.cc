#include "scheduler/scheduler.h"

namespace sluice::scheduler {
namespace {

struct ParsedSchedule {
  Schedule schedule;
  std::optional<TimePoint> start_date;
  std::optional<TimePoint> end_date;
};

Result<ParsedSchedule> ParseScheduleOf(const Pipeline& pipeline) {
  const ScheduleSpec& spec = pipeline.schedule;
  SLUICE_ASSIGN_OR_RETURN(Schedule schedule, Schedule::Parse(spec.expression, spec.timezone));
  ParsedSchedule parsed{std::move(schedule), std::nullopt, std::nullopt};
  if (spec.start_date) {
    SLUICE_ASSIGN_OR_RETURN(parsed.start_date, ParseIsoTime(*spec.start_date, spec.timezone));
  }
  if (spec.end_date) {
    SLUICE_ASSIGN_OR_RETURN(parsed.end_date, ParseIsoTime(*spec.end_date, spec.timezone));
  }
  return parsed;
}

metadb::NextDagRun NextOf(const ParsedSchedule& parsed, const DataInterval& interval) {
  if (parsed.end_date && interval.start > *parsed.end_date) return {};
  return metadb::NextDagRun{.logical_date = interval.start,
                            .data_interval_start = interval.start,
                            .data_interval_end = interval.end,
                            .create_after = interval.end};
}

}  // namespace

Result<metadb::NextDagRun> NextDagRunAfter(const Pipeline& pipeline,
                                           std::optional<TimePoint> last_interval_end,
                                           TimePoint now) {
  SLUICE_ASSIGN_OR_RETURN(ParsedSchedule parsed, ParseScheduleOf(pipeline));
  if (parsed.schedule.is_none()) return metadb::NextDagRun{};
  // Without a start date there is nothing to catch up: the latest complete
  // interval is due, as for a start date long past with catchup off.
  TimePoint start = parsed.start_date.value_or(TimePoint{});
  bool catchup = pipeline.schedule.catchup && parsed.start_date;
  std::optional<DataInterval> interval =
      catchup ? NextInterval(parsed.schedule, last_interval_end, start)
              : NextIntervalWithoutCatchup(parsed.schedule, last_interval_end, start, now);
  if (!interval) return metadb::NextDagRun{};
  return NextOf(parsed, *interval);
}

Result<std::vector<metadb::NextDagRun>> UpcomingRuns(const Pipeline& pipeline, TimePoint now,
                                                     int count) {
  SLUICE_ASSIGN_OR_RETURN(ParsedSchedule parsed, ParseScheduleOf(pipeline));
  std::vector<metadb::NextDagRun> runs;
  if (parsed.schedule.is_none()) return runs;
  TimePoint start = std::max(parsed.start_date.value_or(now), now);
  std::optional<TimePoint> last_end;
  while (static_cast<int>(runs.size()) < count) {
    std::optional<DataInterval> interval = NextInterval(parsed.schedule, last_end, start);
    if (!interval) break;
    metadb::NextDagRun next = NextOf(parsed, *interval);
    if (!next.create_after) break;
    runs.push_back(next);
    if (parsed.schedule.is_once()) break;
    last_end = interval->end;
  }
  return runs;
}

Result<std::vector<DataInterval>> BackfillIntervals(const Pipeline& pipeline, TimePoint from,
                                                    TimePoint to) {
  if (to < from) {
    return Error::InvalidArgument("backfill: the end {} is before the start {}", FormatIsoTime(to),
                                  FormatIsoTime(from));
  }
  SLUICE_ASSIGN_OR_RETURN(ParsedSchedule parsed, ParseScheduleOf(pipeline));
  if (parsed.schedule.kind() != Schedule::Kind::kCron) {
    return Error::InvalidArgument("backfill: DAG {} has no periodic schedule ('{}')",
                                  pipeline.dag_id, pipeline.schedule.expression);
  }
  std::vector<DataInterval> intervals;
  // The first interval starts at the first fire time at or after `from`.
  std::optional<TimePoint> last_end;
  constexpr size_t kMaxRuns = 100000;
  while (true) {
    std::optional<DataInterval> interval = NextInterval(parsed.schedule, last_end, from);
    if (!interval || interval->start > to) break;
    intervals.push_back(*interval);
    if (intervals.size() > kMaxRuns) {
      return Error::InvalidArgument("backfill: more than {} runs from {} to {}", kMaxRuns,
                                    FormatIsoTime(from), FormatIsoTime(to));
    }
    last_end = interval->end;
  }
  return intervals;
}

}  // namespace sluice::scheduler
