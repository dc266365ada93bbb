#include "core/pipeline.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace sluice {
namespace {

const std::string kFlagship =
    std::string(SLUICE_SOURCE_DIR) + "/pipelines/trust_wallet_jsonplaceholder_api_data.yaml";

Pipeline MustParse(const std::string& yaml) {
  Result<Pipeline> pipeline = ParsePipeline(yaml, "test.yaml");
  if (!pipeline) ADD_FAILURE() << pipeline.error().message();
  return pipeline ? *pipeline : Pipeline{};
}

std::vector<std::string> TaskIds(const Pipeline& pipeline) {
  std::vector<std::string> ids;
  for (const TaskSpec& task : pipeline.tasks) ids.push_back(task.id);
  return ids;
}

TEST(Pipeline, LoadsTheFlagshipFile) {
  Result<Pipeline> loaded = LoadPipelineFile(kFlagship);
  ASSERT_TRUE(loaded) << loaded.error().message();
  const Pipeline& p = *loaded;
  EXPECT_EQ(p.dag_id, "trust_wallet_jsonplaceholder_api_data");
  EXPECT_EQ(p.description, "Dag to collect data from JSONPlaceholder API");
  EXPECT_EQ(p.tags, (std::vector<std::string>{"company", "trust-wallet"}));
  EXPECT_EQ(p.schedule.expression, "*/30 * * * *");
  EXPECT_EQ(p.schedule.timezone, "UTC");
  EXPECT_EQ(p.schedule.start_date, "2025-03-15");
  EXPECT_EQ(p.schedule.end_date, std::nullopt);
  EXPECT_FALSE(p.schedule.catchup);
  EXPECT_EQ(p.schedule.max_active_runs, 1);
  EXPECT_EQ(p.connections.at("jsonplaceholder"), "https://jsonplaceholder.typicode.com");
  EXPECT_EQ(p.source.name, "jsonplaceholder");
  EXPECT_EQ(p.source.connection, "jsonplaceholder");
  EXPECT_EQ(p.source.concurrency, 4);
  EXPECT_EQ(p.source.connect_timeout, std::chrono::seconds(5));
  EXPECT_EQ(p.source.total_timeout, std::chrono::seconds(60));
  EXPECT_EQ(p.source.max_attempts, 4);
  ASSERT_EQ(p.source.resources.size(), 6u);
  EXPECT_EQ(p.source.resources[0].name, "users");
  EXPECT_EQ(p.source.resources[0].path, "/users");
  EXPECT_FALSE(p.source.resources[0].pagination.enabled);
  const ResourceSpec* photos = p.source.FindResource("photos");
  ASSERT_NE(photos, nullptr);
  EXPECT_TRUE(photos->pagination.enabled);
  EXPECT_EQ(photos->pagination.page_size, 1000);
  EXPECT_EQ(p.source.FindResource("comments")->pagination.page_size, 500);
  EXPECT_EQ(p.lake.raw_bucket, "raw");
  EXPECT_EQ(p.warehouse.schema, "jsonplaceholder");
  ASSERT_EQ(p.tables.size(), 6u);
  const TableSpec* users = p.FindTable("users");
  ASSERT_NE(users, nullptr);
  EXPECT_EQ(users->columns.size(), 15u);
  EXPECT_EQ(users->primary_key, std::vector<std::string>{"id"});
  EXPECT_EQ(users->FindColumn("address_geo_lat")->type, ColumnType::kDouble);
  EXPECT_EQ(users->FindColumn("company_catch_phrase")->source_field, "company_catch_phrase");
  EXPECT_TRUE(users->FindColumn("username")->required);
  EXPECT_FALSE(users->FindColumn("email")->required);
  EXPECT_EQ(p.FindTable("todos")->FindColumn("completed")->type, ColumnType::kBoolean);
  EXPECT_EQ(users->location.ToString(), kFlagship + ":47:3");
  EXPECT_EQ(TaskIds(p),
            (std::vector<std::string>{"raw_data_collection_task", "raw_data_processing_task",
                                      "create_tables_task", "load_process_data_to_postgres"}));
  for (const TaskSpec& task : p.tasks) {
    EXPECT_EQ(task.retries, 1) << task.id;
    EXPECT_EQ(task.retry_delay, std::chrono::minutes(5)) << task.id;
  }
  EXPECT_EQ(p.file_path, kFlagship);
  EXPECT_EQ(p.content_hash.size(), 64u);
}

TEST(Pipeline, ContentHashIsSha256OfTheBytes) {
  Pipeline p = MustParse("dag_id: t\ntasks: {a: {kind: noop}}\n");
  EXPECT_EQ(p.content_hash, "71930ebc3cdf6a9f41b60d7ed1abb7df7fdd3a9922e87e4b3312c7f3ee82185d");
  EXPECT_EQ(p.file_path, "test.yaml");
}

TEST(Pipeline, MinimalFileGetsDefaults) {
  Pipeline p = MustParse("dag_id: t\ntasks:\n  a: {kind: noop}\n");
  EXPECT_EQ(p.schedule.expression, "");
  EXPECT_EQ(p.schedule.timezone, "UTC");
  EXPECT_EQ(p.schedule.max_active_runs, 16);
  EXPECT_EQ(p.lake.connection, "lake");
  EXPECT_EQ(p.warehouse.connection, "warehouse");
  EXPECT_EQ(p.warehouse.schema, "public");
  ASSERT_EQ(p.tasks.size(), 1u);
  const TaskSpec& a = p.tasks[0];
  EXPECT_EQ(a.retries, 0);
  EXPECT_EQ(a.retry_delay, std::chrono::seconds(300));
  EXPECT_EQ(a.trigger_rule, TriggerRule::kAllSuccess);
  EXPECT_EQ(a.queue, "default");
  EXPECT_EQ(a.execution_timeout, std::nullopt);
  EXPECT_EQ(a.location.ToString(), "test.yaml:3:3");
}

TEST(Pipeline, SchedulesInEveryForm) {
  struct Case {
    const char* schedule;
    const char* want;
  } cases[] = {
      {"schedule: '@daily'", "@daily"},
      {"schedule: \"0 6 * * 1-5\"", "0 6 * * 1-5"},
      {"schedule: none", ""},
      {"schedule:", ""},
      {"schedule: null", ""},
      {"schedule: {cron: '@hourly', timezone: Europe/Berlin}", "@hourly"},
      {"schedule: {timezone: Europe/Berlin}", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.schedule);
    Pipeline p =
        MustParse(std::string("dag_id: t\n") + c.schedule + "\ntasks: {a: {kind: noop}}\n");
    EXPECT_EQ(p.schedule.expression, c.want);
  }
}

TEST(Pipeline, TasksComeInDependencyOrderStableByFileOrder) {
  Pipeline p = MustParse(R"(dag_id: t
tasks:
  d: {kind: noop, upstream: [c]}
  c: {kind: noop}
  b: {kind: noop, upstream: a}
  a: {kind: noop}
  e: {kind: noop, upstream: [b, d]}
)");
  EXPECT_EQ(TaskIds(p), (std::vector<std::string>{"c", "d", "a", "b", "e"}));
  EXPECT_EQ(p.FindTask("e")->upstream, (std::vector<std::string>{"b", "d"}));
  EXPECT_EQ(p.FindTask("nope"), nullptr);
}

TEST(Pipeline, TaskFieldsOverrideDefaultArgs) {
  Pipeline p = MustParse(R"(dag_id: t
params: {schema: analytics, limit: 10, empty:}
default_args: {retries: 2, retry_delay: 30s, retry_exponential_backoff: true, execution_timeout: 1h}
tasks:
  a: {kind: noop}
  b:
    kind: sql
    upstream: [a]
    retries: 0
    retry_delay: 90
    execution_timeout: 1h30m
    trigger_rule: all_done
    queue: heavy.queue
    sql: |
      DELETE FROM {{ params.schema }}.t WHERE ds = '{{ ds }}';
  c:
    kind: command
    command: "echo  {{ ds }}\tdone"
  d:
    kind: command
    command:
      argv: [sh, -c, 'echo "$X"']
      env: {X: '{{ ds_nodash }}'}
      working_dir: /tmp/{{ dag_id }}
  e: {kind: sql, connection: other_db, sql: SELECT 1}
)");
  EXPECT_EQ(p.params, (std::map<std::string, std::string>{
                          {"empty", ""}, {"limit", "10"}, {"schema", "analytics"}}));
  const TaskSpec* a = p.FindTask("a");
  EXPECT_EQ(a->retries, 2);
  EXPECT_EQ(a->retry_delay, std::chrono::seconds(30));
  EXPECT_TRUE(a->retry_exponential_backoff);
  EXPECT_EQ(a->execution_timeout, std::chrono::hours(1));
  const TaskSpec* b = p.FindTask("b");
  EXPECT_EQ(b->retries, 0);
  EXPECT_EQ(b->retry_delay, std::chrono::seconds(90));
  EXPECT_EQ(b->execution_timeout, std::chrono::minutes(90));
  EXPECT_EQ(b->trigger_rule, TriggerRule::kAllDone);
  EXPECT_EQ(b->queue, "heavy.queue");
  EXPECT_EQ(b->sql, "DELETE FROM {{ params.schema }}.t WHERE ds = '{{ ds }}';\n");
  EXPECT_EQ(b->connection, "warehouse");
  EXPECT_EQ(p.FindTask("c")->command.argv, (std::vector<std::string>{"echo", "{{ ds }}", "done"}));
  const TaskSpec* d = p.FindTask("d");
  EXPECT_EQ(d->command.argv, (std::vector<std::string>{"sh", "-c", "echo \"$X\""}));
  EXPECT_EQ(d->command.env.at("X"), "{{ ds_nodash }}");
  EXPECT_EQ(d->command.working_dir, "/tmp/{{ dag_id }}");
  EXPECT_EQ(p.FindTask("e")->connection, "other_db");
}

TEST(Pipeline, SourceTablesAndExpansion) {
  Pipeline p = MustParse(R"(dag_id: api.v2-daily
schedule: {cron: "0 6 * * *", timezone: Europe/Berlin, start_date: 2025-03-15, end_date: "2025-12-31T00:00:00+01:00", catchup: yes}
connections: {api: "https://user:secret@api.example.com/v2"}
source:
  connection: api
  headers: {Accept: application/json, X-Api-Key: "{{ not a template here }}"}
  backoff_initial: 250ms
  backoff_max: 10s
  resources:
    users:
    orders: /orders/recent
    items: {paginate: true}
tables:
  users:
    primary_key: [id, tenant]
    columns:
      id: BIGINT
      tenant: text
      catch_phrase: {type: text, from: company.catchPhrase}
      lat: {type: double, from: address.geo.lat}
      raw: jsonb
  user_names:
    resource: users
    columns: {name: text}
  orders:
    columns: {total: numeric, placed: timestamp, day: date}
tasks:
  extract: {kind: http_extract, expand: resources}
  clean: {kind: transform, expand: tables, upstream: [extract]}
)");
  EXPECT_EQ(p.dag_id, "api.v2-daily");
  EXPECT_TRUE(p.schedule.catchup);
  EXPECT_EQ(p.schedule.timezone, "Europe/Berlin");
  EXPECT_EQ(p.schedule.end_date, "2025-12-31T00:00:00+01:00");
  EXPECT_EQ(p.source.name, "source");
  EXPECT_EQ(p.source.headers.at("X-Api-Key"), "{{ not a template here }}");
  EXPECT_EQ(p.source.backoff_initial, std::chrono::milliseconds(250));
  EXPECT_EQ(p.source.FindResource("users")->path, "/users");
  EXPECT_EQ(p.source.FindResource("orders")->path, "/orders/recent");
  EXPECT_TRUE(p.source.FindResource("items")->pagination.enabled);
  EXPECT_EQ(p.source.FindResource("items")->pagination.page_size, 100);
  const TableSpec* users = p.FindTable("users");
  EXPECT_EQ(users->resource, "users");
  EXPECT_TRUE(users->FindColumn("tenant")->required);  // key columns are required
  EXPECT_EQ(users->FindColumn("id")->type, ColumnType::kBigint);
  EXPECT_EQ(users->FindColumn("catch_phrase")->source_field, "company_catch_phrase");
  EXPECT_EQ(users->FindColumn("lat")->source_field, "address_geo_lat");
  EXPECT_EQ(users->FindColumn("raw")->type, ColumnType::kJsonb);
  EXPECT_EQ(users->FindColumn("nope"), nullptr);
  std::vector<const TableSpec*> of_users = p.TablesOfResource("users");
  ASSERT_EQ(of_users.size(), 2u);
  EXPECT_EQ(of_users[1]->name, "user_names");
  EXPECT_EQ(p.FindTable("orders")->FindColumn("placed")->type, ColumnType::kTimestamp);
  EXPECT_EQ(p.FindTask("extract")->expand, "resources");
  EXPECT_EQ(p.FindTask("clean")->expand, "tables");
}

TEST(Pipeline, ColumnTypeAndTriggerRuleNamesRoundTrip) {
  for (ColumnType type :
       {ColumnType::kBigint, ColumnType::kDouble, ColumnType::kText, ColumnType::kBoolean,
        ColumnType::kTimestamp, ColumnType::kDate, ColumnType::kNumeric, ColumnType::kJsonb}) {
    EXPECT_EQ(ParseColumnType(ColumnTypeName(type)), type) << ColumnTypeName(type);
  }
  EXPECT_EQ(ColumnTypeName(ColumnType::kDouble), "double precision");
  EXPECT_EQ(ColumnTypeName(ColumnType::kTimestamp), "timestamptz");
  EXPECT_EQ(ParseColumnType("Double"), ColumnType::kDouble);
  EXPECT_EQ(ParseColumnType("integer"), std::nullopt);
  for (TriggerRule rule :
       {TriggerRule::kAllSuccess, TriggerRule::kAllDone, TriggerRule::kAllFailed,
        TriggerRule::kOneSuccess, TriggerRule::kOneFailed, TriggerRule::kNoneFailed}) {
    EXPECT_EQ(ParseTriggerRule(TriggerRuleName(rule)), rule) << TriggerRuleName(rule);
  }
  EXPECT_EQ(ParseTriggerRule("always"), std::nullopt);
}

TEST(Pipeline, SourceLocationToString) {
  EXPECT_EQ((SourceLocation{"a.yaml", 3, 7}).ToString(), "a.yaml:3:7");
  EXPECT_EQ((SourceLocation{"a.yaml", 3, 0}).ToString(), "a.yaml:3");
  EXPECT_EQ((SourceLocation{"a.yaml", 0, 0}).ToString(), "a.yaml");
}

TEST(Pipeline, MissingFileIsNotFound) {
  Result<Pipeline> p = LoadPipelineFile("/nonexistent/dir/p.yaml");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), Code::kNotFound);
  EXPECT_TRUE(
      p.error().message().starts_with("cannot read pipeline file /nonexistent/dir/p.yaml: "))
      << p.error().message();
}

// Every complete pipeline shown in docs/PIPELINES.md loads.
TEST(Pipeline, DocumentedExamplesLoad) {
  std::ifstream in(std::string(SLUICE_SOURCE_DIR) + "/docs/PIPELINES.md");
  std::stringstream doc;
  doc << in.rdbuf();
  std::string text = doc.str();
  int examples = 0;
  for (size_t pos = 0; (pos = text.find("```yaml\n", pos)) != std::string::npos;) {
    size_t start = pos + 8;
    size_t end = text.find("```", start);
    ASSERT_NE(end, std::string::npos);
    std::string block = text.substr(start, end - start);
    pos = end + 3;
    if (!block.starts_with("dag_id:")) continue;
    ++examples;
    Result<Pipeline> pipeline = ParsePipeline(block, "PIPELINES.md");
    EXPECT_TRUE(pipeline) << pipeline.error().message() << "\n" << block;
  }
  EXPECT_GE(examples, 2);
}

}  // namespace
}  // namespace sluice
