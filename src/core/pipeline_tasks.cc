// The tasks section of a pipeline file: each task's fields, the checks that
// tie tasks to the rest of the file, and the dependency order.
#include <algorithm>
#include <cctype>
#include <functional>
#include <queue>
#include <set>

#include "core/pipeline_parse.h"
#include "core/template.h"

namespace sluice::loader {
namespace {

// Comma-separated; long lists are cut so one message stays readable.
template <typename Range>
std::string Join(const Range& names) {
  constexpr int kMaxNames = 20;
  std::string out;
  int count = 0;
  for (const auto& name : names) {
    if (count++ == kMaxNames) return out + ", ...";
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

std::string TriggerRuleNames() {
  std::vector<std::string_view> names;
  for (TriggerRule rule :
       {TriggerRule::kAllSuccess, TriggerRule::kAllDone, TriggerRule::kAllFailed,
        TriggerRule::kOneSuccess, TriggerRule::kOneFailed, TriggerRule::kNoneFailed}) {
    names.push_back(TriggerRuleName(rule));
  }
  return Join(names);
}

Status CheckTemplateAt(const YamlReader& reader, const SourceLocation& where, std::string_view path,
                       std::string_view text, const Pipeline& pipeline) {
  Status status = CheckTemplate(text, pipeline.params);
  if (!status) return reader.Fail(where, path, "{}", status.error().message());
  return OkStatus();
}

// Fields every task may set; default_args sets the same ones.
Status ReadRetryFields(const YamlReader& reader, const Fields& fields, TaskDefaults& settings) {
  if (const Entry* e = fields.Get("retries")) {
    SLUICE_ASSIGN_OR_RETURN(int64_t retries, reader.Integer(*e, 0, 100));
    settings.retries = static_cast<int>(retries);
  }
  if (const Entry* e = fields.Get("retry_delay")) {
    SLUICE_ASSIGN_OR_RETURN(settings.retry_delay, reader.WholeSeconds(*e));
  }
  if (const Entry* e = fields.Get("retry_exponential_backoff")) {
    SLUICE_ASSIGN_OR_RETURN(settings.retry_exponential_backoff, reader.Boolean(*e));
  }
  if (const Entry* e = fields.Get("execution_timeout")) {
    SLUICE_ASSIGN_OR_RETURN(std::chrono::seconds timeout, reader.WholeSeconds(*e));
    if (timeout.count() <= 0) return reader.Fail(*e, "must be at least 1s");
    settings.execution_timeout = timeout;
  }
  return OkStatus();
}

// argv as a list, or one string split on runs of spaces and tabs outside
// "{{ ... }}", so "echo {{ ds }}" is two words.
Result<std::vector<std::string>> ReadArgv(const YamlReader& reader, const Entry& entry) {
  if (!entry.value.IsScalar()) return reader.StringList(entry);
  const std::string& text = entry.value.Scalar();
  std::vector<std::string> argv;
  std::string word;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 2, "{{") == 0) {
      size_t close = text.find("}}", i + 2);
      size_t end = close == std::string::npos ? text.size() : close + 2;
      word.append(text, i, end - i);
      i = end - 1;
    } else if (text[i] == ' ' || text[i] == '\t') {
      if (!word.empty()) argv.push_back(std::move(word));
      word.clear();
    } else {
      word.push_back(text[i]);
    }
  }
  if (!word.empty()) argv.push_back(std::move(word));
  return argv;
}

Status ReadCommand(const YamlReader& reader, const Entry& entry, const Pipeline& pipeline,
                   CommandSpec& command) {
  const Entry* argv = &entry;
  std::optional<Fields> fields;
  if (entry.value.IsMap()) {
    SLUICE_ASSIGN_OR_RETURN(fields, reader.Map(entry, {"argv", "env", "working_dir"}));
    argv = fields->Get("argv");
    if (argv == nullptr) return reader.Fail(entry, "missing required key 'argv'");
  }
  SLUICE_ASSIGN_OR_RETURN(command.argv, ReadArgv(reader, *argv));
  if (command.argv.empty()) return reader.Fail(*argv, "argv is empty: name the program to run");
  for (size_t i = 0; i < command.argv.size(); ++i) {
    SLUICE_TRY(CheckTemplateAt(reader, reader.Location(*argv), fmt::format("{}[{}]", argv->path, i),
                               command.argv[i], pipeline));
  }
  if (!fields) return OkStatus();
  if (const Entry* env = fields->Get("env")) {
    SLUICE_ASSIGN_OR_RETURN(command.env,
                            reader.StringMap(*env, NameRule::kEnvName, "environment variable"));
    for (const auto& [name, value] : command.env) {
      SLUICE_TRY(
          CheckTemplateAt(reader, reader.Location(*env), env->path + "." + name, value, pipeline));
    }
  }
  if (const Entry* dir = fields->Get("working_dir")) {
    SLUICE_ASSIGN_OR_RETURN(command.working_dir, reader.String(*dir));
    SLUICE_TRY(
        CheckTemplateAt(reader, reader.Location(*dir), dir->path, command.working_dir, pipeline));
  }
  return OkStatus();
}

// A field that only some kinds take is an error on the others.
Status CheckKindFields(const YamlReader& reader, const Fields& fields, const TaskSpec& task) {
  struct Owned {
    std::string_view key;
    std::string_view kind;
  };
  for (Owned owned :
       {Owned{"sql", "sql"}, Owned{"connection", "sql"}, Owned{"command", "command"}}) {
    const Entry* e = fields.Get(owned.key);
    if (e != nullptr && task.kind != owned.kind) {
      return reader.Fail(reader.Location(e->key_node), e->path,
                         "'{}' applies only to tasks of kind {}, and this task is {}", owned.key,
                         owned.kind, task.kind);
    }
  }
  return OkStatus();
}

// What each kind needs from the rest of the file.
Status CheckKindNeeds(const YamlReader& reader, const Entry& entry, const TaskSpec& task,
                      const Pipeline& pipeline) {
  auto fail = [&](std::string_view what) {
    return reader.Fail(task.location, entry.path, "{} tasks need {}", task.kind, what);
  };
  const bool has_source = !pipeline.source.resources.empty();
  const bool has_tables = !pipeline.tables.empty();
  if (task.kind == "http_extract" && !has_source) {
    return fail("a source: declare source with its resources");
  }
  if (task.kind == "transform" && (!has_source || !has_tables)) {
    return fail("a source and tables: declare source and tables");
  }
  if ((task.kind == "postgres_load" || task.kind == "create_tables") && !has_tables) {
    return fail("tables: declare tables");
  }
  if (task.kind == "sql" && task.sql.empty()) return fail("'sql': the statements to run");
  if (task.kind == "command" && task.command.argv.empty()) {
    return fail("'command' with argv: the program to run");
  }
  return OkStatus();
}

Status ReadKind(const YamlReader& reader, const Entry& entry, const Fields& fields,
                TaskSpec& task) {
  const Entry* kind = fields.Get("kind");
  if (kind == nullptr) {
    return reader.Fail(task.location, entry.path, "missing required key 'kind' (one of {})",
                       Join(kTaskKinds));
  }
  SLUICE_ASSIGN_OR_RETURN(task.kind, reader.String(*kind));
  if (std::find(std::begin(kTaskKinds), std::end(kTaskKinds), task.kind) == std::end(kTaskKinds)) {
    return reader.Fail(*kind, "unknown task kind {}; known kinds: {}", Quote(task.kind),
                       Join(kTaskKinds));
  }
  return OkStatus();
}

Status ReadExpand(const YamlReader& reader, const Entry& entry, const Pipeline& pipeline,
                  TaskSpec& task) {
  SLUICE_ASSIGN_OR_RETURN(std::string expand, reader.String(entry));
  if (expand != "resources" && expand != "tables") {
    return reader.Fail(entry, "expected resources or tables, got {}", Quote(expand));
  }
  if (expand == "resources" && pipeline.source.resources.empty()) {
    return reader.Fail(entry, "expand: resources needs source.resources");
  }
  if (expand == "tables" && pipeline.tables.empty()) {
    return reader.Fail(entry, "expand: tables needs tables");
  }
  task.expand = expand;
  return OkStatus();
}

Status ReadSchedulingFields(const YamlReader& reader, const Fields& fields, TaskSpec& task) {
  if (const Entry* e = fields.Get("trigger_rule")) {
    SLUICE_ASSIGN_OR_RETURN(std::string rule, reader.String(*e));
    std::optional<TriggerRule> parsed = ParseTriggerRule(rule);
    if (!parsed) {
      return reader.Fail(*e, "unknown trigger rule {}; known rules: {}", Quote(rule),
                         TriggerRuleNames());
    }
    task.trigger_rule = *parsed;
  }
  if (const Entry* e = fields.Get("queue")) {
    SLUICE_ASSIGN_OR_RETURN(task.queue, reader.String(*e));
    SLUICE_TRY(reader.CheckValueName(*e, task.queue, NameRule::kName, "queue name"));
  }
  if (const Entry* e = fields.Get("upstream")) {
    SLUICE_ASSIGN_OR_RETURN(task.upstream, reader.StringList(*e));
    for (size_t i = 0; i < task.upstream.size(); ++i) {
      if (std::find(task.upstream.begin(), task.upstream.begin() + i, task.upstream[i]) !=
          task.upstream.begin() + i) {
        return reader.Fail(*e, "lists task {} twice", Quote(task.upstream[i]));
      }
    }
  }
  return OkStatus();
}

Status ReadKindFields(const YamlReader& reader, const Fields& fields, const Pipeline& pipeline,
                      TaskSpec& task) {
  if (const Entry* e = fields.Get("sql")) {
    SLUICE_ASSIGN_OR_RETURN(task.sql, reader.String(*e));
    SLUICE_TRY(CheckTemplateAt(reader, reader.Location(*e), e->path, task.sql, pipeline));
  }
  if (task.kind == "sql") task.connection = pipeline.warehouse.connection;
  if (const Entry* e = fields.Get("connection")) {
    SLUICE_ASSIGN_OR_RETURN(task.connection, reader.String(*e));
    SLUICE_TRY(
        reader.CheckValueName(*e, task.connection, NameRule::kConnectionId, "connection id"));
  }
  if (const Entry* e = fields.Get("command")) {
    SLUICE_TRY(ReadCommand(reader, *e, pipeline, task.command));
  }
  return OkStatus();
}

Result<TaskSpec> ReadTask(const YamlReader& reader, const Entry& entry,
                          const TaskDefaults& defaults, const Pipeline& pipeline) {
  SLUICE_TRY(reader.CheckKeyName(entry, NameRule::kName, "task id"));
  TaskSpec task;
  task.id = entry.key;
  task.location = reader.Location(entry.key_node);
  if (entry.value.IsNull()) {
    return reader.Fail(task.location, entry.path, "missing required key 'kind' (one of {})",
                       Join(kTaskKinds));
  }
  SLUICE_ASSIGN_OR_RETURN(
      Fields fields,
      reader.Map(entry, {"kind", "upstream", "retries", "retry_delay", "retry_exponential_backoff",
                         "execution_timeout", "trigger_rule", "queue", "expand", "sql",
                         "connection", "command"}));
  SLUICE_TRY(ReadKind(reader, entry, fields, task));
  SLUICE_TRY(CheckKindFields(reader, fields, task));
  TaskDefaults settings = defaults;
  SLUICE_TRY(ReadRetryFields(reader, fields, settings));
  task.retries = settings.retries;
  task.retry_delay = settings.retry_delay;
  task.retry_exponential_backoff = settings.retry_exponential_backoff;
  task.execution_timeout = settings.execution_timeout;
  SLUICE_TRY(ReadSchedulingFields(reader, fields, task));
  if (const Entry* e = fields.Get("expand")) SLUICE_TRY(ReadExpand(reader, *e, pipeline, task));
  SLUICE_TRY(ReadKindFields(reader, fields, pipeline, task));
  SLUICE_TRY(CheckKindNeeds(reader, entry, task, pipeline));
  return task;
}

// Names the tasks of one cycle among `waiting` (each still has an upstream
// in it), in dependency order: "a -> b -> a".
std::string DescribeCycle(const std::vector<TaskSpec>& tasks,
                          const std::map<std::string, size_t>& index_of,
                          const std::vector<bool>& waiting, size_t start) {
  std::vector<size_t> path;
  std::vector<int> position(tasks.size(), -1);
  size_t current = start;
  while (position[current] < 0) {
    position[current] = static_cast<int>(path.size());
    path.push_back(current);
    for (const std::string& upstream : tasks[current].upstream) {
      size_t next = index_of.at(upstream);
      if (waiting[next]) {
        current = next;
        break;
      }
    }
  }
  // path walks upstream; the cycle is its tail from `current`. Read backwards
  // it runs in dependency order; it is told from the task written first.
  std::vector<size_t> cycle(path.rbegin(), path.rend() - position[current]);
  std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
  std::string out;
  for (size_t index : cycle) out += tasks[index].id + " -> ";
  return out + tasks[cycle.front()].id;
}

// Kahn's algorithm; among tasks that are ready, the one written first goes
// first, so the order is stable.
Status SortTasks(const YamlReader& reader, std::vector<TaskSpec>& tasks) {
  std::map<std::string, size_t> index_of;
  for (size_t i = 0; i < tasks.size(); ++i) index_of[tasks[i].id] = i;
  std::vector<size_t> waiting_on(tasks.size(), 0);
  std::vector<std::vector<size_t>> downstream(tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i) {
    for (const std::string& upstream : tasks[i].upstream) {
      downstream[index_of.at(upstream)].push_back(i);
      ++waiting_on[i];
    }
  }
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (waiting_on[i] == 0) ready.push(i);
  }
  std::vector<size_t> order;
  while (!ready.empty()) {
    size_t next = ready.top();
    ready.pop();
    order.push_back(next);
    for (size_t down : downstream[next]) {
      if (--waiting_on[down] == 0) ready.push(down);
    }
  }
  if (order.size() < tasks.size()) {
    std::vector<bool> waiting(tasks.size());
    for (size_t i = 0; i < tasks.size(); ++i) waiting[i] = waiting_on[i] > 0;
    size_t first = std::find(waiting.begin(), waiting.end(), true) - waiting.begin();
    std::string cycle = DescribeCycle(tasks, index_of, waiting, first);
    return reader.Fail(tasks[first].location, "tasks",
                       "dependency cycle: {} (each task is upstream of the next)", cycle);
  }
  std::vector<TaskSpec> sorted;
  sorted.reserve(tasks.size());
  for (size_t i : order) sorted.push_back(std::move(tasks[i]));
  tasks = std::move(sorted);
  return OkStatus();
}

Status CheckUpstreamsExist(const YamlReader& reader, const Fields& fields,
                           const std::vector<TaskSpec>& tasks) {
  std::set<std::string_view> ids;
  for (const TaskSpec& task : tasks) ids.insert(task.id);
  for (size_t i = 0; i < tasks.size(); ++i) {
    for (const std::string& upstream : tasks[i].upstream) {
      if (ids.count(upstream) > 0) continue;
      const Entry& entry = fields.entries()[i];
      SourceLocation where = tasks[i].location;
      if (auto task_fields = reader.Map(entry, {}); task_fields) {
        if (const Entry* e = task_fields->Get("upstream")) where = reader.Location(*e);
      }
      return reader.Fail(where, entry.path + ".upstream",
                         "upstream task {} does not exist; tasks: {}", Quote(upstream), Join(ids));
    }
  }
  return OkStatus();
}

}  // namespace

Status ReadTaskDefaults(const YamlReader& reader, const Entry& entry, TaskDefaults& defaults) {
  SLUICE_ASSIGN_OR_RETURN(Fields fields,
                          reader.Map(entry, {"retries", "retry_delay", "retry_exponential_backoff",
                                             "execution_timeout"}));
  return ReadRetryFields(reader, fields, defaults);
}

Status ReadTasks(const YamlReader& reader, const Entry& entry, const TaskDefaults& defaults,
                 Pipeline& pipeline) {
  SLUICE_ASSIGN_OR_RETURN(Fields fields, reader.Map(entry, {}));
  if (fields.entries().empty()) return reader.Fail(entry, "declare at least one task");
  std::vector<TaskSpec> tasks;
  for (const Entry& task_entry : fields.entries()) {
    SLUICE_ASSIGN_OR_RETURN(TaskSpec task, ReadTask(reader, task_entry, defaults, pipeline));
    tasks.push_back(std::move(task));
  }
  SLUICE_TRY(CheckUpstreamsExist(reader, fields, tasks));
  SLUICE_TRY(SortTasks(reader, tasks));
  pipeline.tasks = std::move(tasks);
  return OkStatus();
}

}  // namespace sluice::loader
