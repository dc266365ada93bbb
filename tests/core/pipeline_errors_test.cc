// Every way a pipeline file can be wrong, each rejected before anything runs
// with "file:line:column: what is wrong" on one line.
#include <gtest/gtest.h>

#include "core/pipeline.h"

namespace sluice {
namespace {

struct ErrorCase {
  std::string name;
  std::string yaml;
  std::string want;  // the whole message
};

void CheckErrors(const std::vector<ErrorCase>& cases) {
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    Result<Pipeline> pipeline = ParsePipeline(c.yaml, "p.yaml");
    ASSERT_FALSE(pipeline);
    EXPECT_EQ(pipeline.error().code(), Code::kInvalidArgument);
    EXPECT_EQ(pipeline.error().message(), c.want);
    EXPECT_EQ(pipeline.error().message().find('\n'), std::string::npos);
  }
}

// A valid source with one resource, for cases about tables and tasks.
const std::string kSource = R"(source:
  connection: api
  resources: {users: /users}
)";
const std::string kHead = "dag_id: t\n" + kSource;

TEST(PipelineErrors, FileShape) {
  CheckErrors({
      {"empty file", "",
       "p.yaml:1:1: the file is empty: a pipeline needs at least dag_id and tasks"},
      {"only comments", "# nothing\n\n",
       "p.yaml:1:1: the file is empty: a pipeline needs at least dag_id and tasks"},
      {"bad YAML syntax", "dag_id: t\ntasks: [a, b\n",
       "p.yaml:3:1: invalid YAML: end of sequence flow not found"},
      {"bad indentation", "dag_id: t\n  tasks: x\n", "p.yaml:2:8: invalid YAML: illegal map value"},
      {"a list, not a mapping", "- a\n- b\n",
       "p.yaml:1:1: expected a mapping of keys to values, got a list"},
      {"a scalar, not a mapping", "hello\n",
       "p.yaml:1:1: expected a mapping of keys to values, got the text 'hello'"},
      {"two documents", "dag_id: t\n---\ndag_id: u\n",
       "p.yaml:3:1: the file holds more than one YAML document; write one pipeline per file"},
      {"a stray comma", ",c#", "p.yaml:1:1: invalid YAML: unexpected ','"},
      {"a stray bracket after content", "dag_id: t\n]\n",
       "p.yaml:2:1: invalid YAML: illegal flow end"},
      {"a stray brace in a flow", "dag_id: t\ntasks: {a: }}\n",
       "p.yaml:2:13: invalid YAML: illegal flow end"},
      {"missing dag_id", "tasks: {a: {kind: noop}}\n", "p.yaml:1:1: missing required key 'dag_id'"},
      {"missing tasks", "dag_id: t\n",
       "p.yaml:1:1: missing required key 'tasks': a pipeline needs at least one task"},
      {"null tasks", "dag_id: t\ntasks:\n",
       "p.yaml:1:1: missing required key 'tasks': a pipeline needs at least one task"},
      {"empty tasks", "dag_id: t\ntasks: {}\n", "p.yaml:2:8: tasks: declare at least one task"},
      {"key that is not text", "dag_id: t\n? [a, b]\n: c\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:3: keys must be plain text, got a list"},
  });
}

TEST(PipelineErrors, UnknownKeysAtEveryLevel) {
  CheckErrors({
      {"top level", "dag_id: t\nschedul: '@daily'\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:1: unknown key 'schedul'; allowed keys: dag_id, description, tags, schedule, "
       "default_args, params, connections, source, lake, warehouse, tables, tasks"},
      {"schedule keys",
       "dag_id: t\nschedule: {cron: '@daily', tz: UTC}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:28: schedule: unknown key 'tz'; allowed keys: cron, timezone, start_date, "
       "end_date, catchup, max_active_runs"},
      {"default_args", "dag_id: t\ndefault_args: {retry: 1}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:16: default_args: unknown key 'retry'; allowed keys: retries, retry_delay, "
       "retry_exponential_backoff, execution_timeout"},
      {"source", "dag_id: t\nsource: {connection: api, url: x}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:27: source: unknown key 'url'; allowed keys: name, connection, concurrency, "
       "connect_timeout, timeout, max_attempts, backoff_initial, backoff_max, headers, resources"},
      {"resource keys",
       "dag_id: t\nsource:\n  connection: api\n  resources:\n    users: {path: /u, pagination: "
       "true}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:5:23: source.resources.users: unknown key 'pagination'; allowed keys: path, "
       "paginate"},
      {"pagination keys",
       "dag_id: t\nsource:\n  connection: api\n  resources:\n    users: {paginate: "
       "{size: 5}}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:5:24: source.resources.users.paginate: unknown key 'size'; allowed keys: page_size"},
      {"lake", "dag_id: t\nlake: {bucket: raw}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:8: lake: unknown key 'bucket'; allowed keys: connection, raw_bucket, "
       "clean_bucket"},
      {"warehouse", "dag_id: t\nwarehouse: {database: x}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:13: warehouse: unknown key 'database'; allowed keys: connection, schema"},
      {"table keys",
       kHead + "tables:\n  users: {columns: {id: bigint}, pk: [id]}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:6:34: tables.users: unknown key 'pk'; allowed keys: resource, primary_key, columns"},
      {"column keys",
       kHead + "tables:\n  users:\n    columns:\n      id: {type: bigint, nullable: false}\n"
               "tasks: {a: {kind: noop}}\n",
       "p.yaml:8:26: tables.users.columns.id: unknown key 'nullable'; allowed keys: type, "
       "required, from"},
      {"task", "dag_id: t\ntasks:\n  a: {kind: noop, depends_on: [b]}\n",
       "p.yaml:3:19: tasks.a: unknown key 'depends_on'; allowed keys: kind, upstream, retries, "
       "retry_delay, retry_exponential_backoff, execution_timeout, trigger_rule, queue, expand, "
       "sql, connection, command"},
      {"command keys", "dag_id: t\ntasks:\n  a: {kind: command, command: {args: [ls]}}\n",
       "p.yaml:3:32: tasks.a.command: unknown key 'args'; allowed keys: argv, env, working_dir"},
  });
}

TEST(PipelineErrors, WrongValueTypes) {
  CheckErrors({
      {"integer", "dag_id: t\nschedule: {max_active_runs: many}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:29: schedule.max_active_runs: expected a whole number from 1 to 1000, got 'many'"},
      {"integer out of range", "dag_id: t\ndefault_args: {retries: -1}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:25: default_args.retries: expected a whole number from 0 to 100, got '-1'"},
      {"boolean", "dag_id: t\nschedule: {catchup: maybe}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:21: schedule.catchup: expected true or false, got 'maybe'"},
      {"list", "dag_id: t\ntags: {a: 1}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:7: tags: expected a list of text values, got a mapping"},
      {"list item", "dag_id: t\ntags: [a, [b]]\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:11: tags[1]: expected a text value, got a list"},
      {"mapping", "dag_id: t\ntasks: [a, b]\n",
       "p.yaml:2:8: tasks: expected a mapping of keys to values, got a list"},
      {"text", "dag_id: [t]\ntasks: {a: {kind: noop}}\n",
       "p.yaml:1:9: dag_id: expected a text value, got a list"},
      {"duration", "dag_id: t\ndefault_args: {retry_delay: 5 minutes}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:29: default_args.retry_delay: expected a duration like 500ms, 30s, 5m, 1h, 1d, "
       "1h30m or a number of seconds (at most 366d), got '5 minutes'"},
      {"duration in whole seconds", "dag_id: t\ntasks: {a: {kind: noop, retry_delay: 1500ms}}\n",
       "p.yaml:2:38: tasks.a.retry_delay: expected a whole number of seconds, got '1500ms'"},
      {"zero timeout", "dag_id: t\ntasks: {a: {kind: noop, execution_timeout: 0}}\n",
       "p.yaml:2:44: tasks.a.execution_timeout: must be at least 1s"},
      {"params value", "dag_id: t\nparams: {a: [1]}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:13: params.a: expected a text value, got a list"},
      {"schedule type", "dag_id: t\nschedule: [daily]\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:11: schedule: expected a cron expression, a preset like @daily, none, or a "
       "mapping with cron and timezone"},
      {"column type",
       kHead + "tables:\n  users:\n    columns:\n      id: [bigint]\ntasks: {a: {kind: noop}}\n",
       "p.yaml:8:11: tables.users.columns.id: expected a column type (bigint, double, text, "
       "boolean, timestamp, date, numeric, jsonb) or a mapping with type"},
      {"page size",
       "dag_id: t\nsource:\n  connection: api\n  resources:\n    users: {paginate: "
       "{page_size: 0}}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:5:35: source.resources.users.paginate.page_size: expected a whole number from 1 to "
       "100000, got '0'"},
      {"resource path",
       "dag_id: t\nsource:\n  connection: api\n  resources:\n    users: users\n"
       "tasks: {a: {kind: noop}}\n",
       "p.yaml:5:12: source.resources.users: the path must start with '/', got 'users'"},
      {"backoff",
       "dag_id: t\nsource:\n  connection: api\n  backoff_max: 1s\n  backoff_initial: 2s\n"
       "  resources: {u: /u}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:4:16: source.backoff_max: must not be shorter than backoff_initial"},
  });
}

TEST(PipelineErrors, Names) {
  CheckErrors({
      {"dag_id", "dag_id: my dag\ntasks: {a: {kind: noop}}\n",
       "p.yaml:1:9: dag_id: dag_id 'my dag' must match [A-Za-z0-9_.-]+ and have at most 250 "
       "characters"},
      {"task id", "dag_id: t\ntasks:\n  a b: {kind: noop}\n",
       "p.yaml:3:3: tasks.a b: task id 'a b' must match [A-Za-z0-9_.-]+ and have at most 250 "
       "characters"},
      {"table name",
       kHead +
           "tables:\n  Users: {resource: users, columns: {id: bigint}}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:6:3: tables.Users: table name 'Users' must be a lower-case SQL identifier: "
       "[a-z_][a-z0-9_]*, at most 63 characters"},
      {"column name",
       kHead + "tables:\n  users: {columns: {first-name: text}}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:6:21: tables.users.columns.first-name: column name 'first-name' must be a "
       "lower-case SQL identifier: [a-z_][a-z0-9_]*, at most 63 characters"},
      {"long column name",
       kHead + "tables:\n  users: {columns: {" + std::string(64, 'c') +
           ": text}}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:6:21: "
       "tables.users.columns.cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc: "
       "column name 'cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc...' must be a "
       "lower-case SQL identifier: [a-z_][a-z0-9_]*, at most 63 characters"},
      {"resource name",
       "dag_id: t\nsource: {connection: api, resources: {'a/b': /x}}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:39: source.resources.a/b: resource name 'a/b' must match [A-Za-z0-9_.-]+ and have "
       "at most 250 characters"},
      {"connection id", "dag_id: t\nconnections: {Api: 'https://x'}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:15: connections.Api: connection id 'Api' must match [a-z_][a-z0-9_]* (it also "
       "names the variable SLUICE_CONN_<ID>)"},
      {"bucket", "dag_id: t\nlake: {raw_bucket: Raw_Data}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:20: lake.raw_bucket: bucket 'Raw_Data' must be an S3 bucket name: 3 to 63 of "
       "[a-z0-9.-], first and last a letter or digit"},
      {"schema", "dag_id: t\nwarehouse: {schema: 'my schema'}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:21: warehouse.schema: schema 'my schema' must be a lower-case SQL identifier: "
       "[a-z_][a-z0-9_]*, at most 63 characters"},
      {"param name", "dag_id: t\nparams: {1st: x}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:10: params.1st: param '1st' must match [A-Za-z_][A-Za-z0-9_]*"},
      {"env name",
       "dag_id: t\ntasks: {a: {kind: command, command: {argv: [env], env: {A-B: x}}}}\n",
       "p.yaml:2:57: tasks.a.command.env.A-B: environment variable 'A-B' must match "
       "[A-Za-z_][A-Za-z0-9_]*"},
      {"header",
       "dag_id: t\nsource: {connection: api, headers: {'X Key': v}, resources: {u: /u}}\ntasks: "
       "{a: {kind: noop}}\n",
       "p.yaml:2:37: source.headers.X Key: header 'X Key' must be an HTTP header name: letters, "
       "digits and !#$%&'*+-.^_`|~"},
  });
}

TEST(PipelineErrors, DuplicateNames) {
  CheckErrors({
      {"top-level key", "dag_id: t\ndag_id: u\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:1: duplicate key 'dag_id' (first defined on line 1)"},
      {"task",
       "dag_id: t\ntasks:\n  a: {kind: noop}\n  b: {kind: noop}\n  a: {kind: sql, sql: x}\n",
       "p.yaml:5:3: tasks: duplicate key 'a' (first defined on line 3)"},
      {"duplicate table",
       kHead + "tables:\n  users: {columns: {id: bigint}}\n  users: {columns: {id: text}}\ntasks: "
               "{a: {kind: noop}}\n",
       "p.yaml:7:3: tables: duplicate key 'users' (first defined on line 6)"},
      {"duplicate column",
       kHead + "tables:\n  users:\n    columns:\n      id: bigint\n      name: text\n      id: "
               "text\ntasks: {a: {kind: noop}}\n",
       "p.yaml:10:7: tables.users.columns: duplicate key 'id' (first defined on line 8)"},
      {"duplicate resource",
       "dag_id: t\nsource:\n  connection: api\n  resources:\n    users: /u\n    users: /v\ntasks: "
       "{a: {kind: noop}}\n",
       "p.yaml:6:5: source.resources: duplicate key 'users' (first defined on line 5)"},
      {"duplicate connection",
       "dag_id: t\nconnections:\n  api: https://a\n  api: https://b\ntasks: {a: {kind: noop}}\n",
       "p.yaml:4:3: connections: duplicate key 'api' (first defined on line 3)"},
      {"key inside a task", "dag_id: t\ntasks:\n  a: {kind: noop, kind: sql}\n",
       "p.yaml:3:19: tasks.a: duplicate key 'kind' (first defined on line 3)"},
      {"upstream twice",
       "dag_id: t\ntasks:\n  a: {kind: noop}\n  b: {kind: noop, upstream: [a, a]}\n",
       "p.yaml:4:29: tasks.b.upstream: lists task 'a' twice"},
      {"primary key column twice",
       kHead + "tables:\n  users: {primary_key: [id, id], columns: {id: bigint}}\ntasks: {a: "
               "{kind: noop}}\n",
       "p.yaml:6:24: tables.users.primary_key: primary key lists column 'id' twice"},
  });
}

TEST(PipelineErrors, References) {
  CheckErrors({
      {"unknown task kind", "dag_id: t\ntasks:\n  a: {kind: bash}\n",
       "p.yaml:3:13: tasks.a.kind: unknown task kind 'bash'; known kinds: http_extract, transform, "
       "create_tables, postgres_load, sql, command, noop"},
      {"task without kind", "dag_id: t\ntasks:\n  a:\n",
       "p.yaml:3:3: tasks.a: missing required key 'kind' (one of http_extract, transform, "
       "create_tables, postgres_load, sql, command, noop)"},
      {"task without kind, with fields", "dag_id: t\ntasks:\n  a: {retries: 1}\n",
       "p.yaml:3:3: tasks.a: missing required key 'kind' (one of http_extract, transform, "
       "create_tables, postgres_load, sql, command, noop)"},
      {"upstream names a missing task",
       "dag_id: t\ntasks:\n  a: {kind: noop}\n  b: {kind: noop, upstream: [a, c]}\n",
       "p.yaml:4:29: tasks.b.upstream: upstream task 'c' does not exist; tasks: a, b"},
      {"cycle",
       "dag_id: t\ntasks:\n  a: {kind: noop, upstream: [b]}\n  b: {kind: noop, upstream: [c]}\n  "
       "c: {kind: noop, upstream: [a]}\n  d: {kind: noop}\n",
       "p.yaml:3:3: tasks: dependency cycle: a -> c -> b -> a (each task is upstream of the next)"},
      {"cycle behind a ready task",
       "dag_id: t\ntasks:\n  x: {kind: noop}\n  y: {kind: noop, upstream: [x, z]}\n  z: {kind: "
       "noop, upstream: [y]}\n",
       "p.yaml:4:3: tasks: dependency cycle: y -> z -> y (each task is upstream of the next)"},
      {"self cycle", "dag_id: t\ntasks:\n  a: {kind: noop, upstream: a}\n",
       "p.yaml:3:3: tasks: dependency cycle: a -> a (each task is upstream of the next)"},
      {"unknown column type",
       kHead + "tables:\n  users: {columns: {id: integer}}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:6:25: tables.users.columns.id: unknown column type 'integer'; known types: bigint, "
       "double, text, boolean, timestamp, date, numeric, jsonb"},
      {"column without type",
       kHead + "tables:\n  users: {columns: {id: {required: true}}}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:6:21: tables.users.columns.id: missing required key 'type'"},
      {"column from with an empty part",
       kHead + "tables:\n  users: {columns: {lat: {type: double, from: address..lat}}}\ntasks: {a: "
               "{kind: noop}}\n",
       "p.yaml:6:47: tables.users.columns.lat.from: expected a field name or dotted path like "
       "address.geo.lat, got 'address..lat'"},
      {"table without columns",
       kHead + "tables:\n  users: {resource: users}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:6:3: tables.users: missing required key 'columns'"},
      {"primary key names a missing column",
       kHead + "tables:\n  users: {primary_key: [uid], columns: {id: bigint, name: text}}\ntasks: "
               "{a: {kind: noop}}\n",
       "p.yaml:6:24: tables.users.primary_key: primary key column 'uid' is not a column of table "
       "'users' (columns: id, name)"},
      {"table names a missing resource",
       kHead + "tables:\n  users: {resource: people, columns: {id: bigint}}\ntasks: {a: {kind: "
               "noop}}\n",
       "p.yaml:6:21: tables.users.resource: table 'users' reads resource 'people', which "
       "source.resources does not declare (declared: users)"},
      {"table by its name, no such resource",
       kHead + "tables:\n  posts: {columns: {id: bigint}}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:6:3: tables.posts: table 'posts' reads resource 'posts', which source.resources "
       "does not declare (declared: users)"},
      {"tables without a source",
       "dag_id: t\ntables:\n  users: {columns: {id: bigint}}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:3:3: tables.users: table 'users' reads resource 'users', but the pipeline declares "
       "no source: add source.resources"},
      {"source without resources",
       "dag_id: t\nsource: {connection: api}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:1: source: missing required key 'resources'"},
      {"source without connection",
       "dag_id: t\nsource: {resources: {u: /u}}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:1: source: missing required key 'connection'"},
      {"bad connection URL", "dag_id: t\nconnections: {api: not a url}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:20: connections.api: 'not a url' is not a URL: expected scheme://..."},
      {"connection URL password stays secret",
       "dag_id: t\nconnections: {db: 'postgresql://u:hunter22@h:99999/db'}\ntasks: {a: {kind: "
       "noop}}\n",
       "p.yaml:2:19: connections.db: postgresql://u:***@h/db: port '99999' is not a number from 1 "
       "to 65535"},
  });
}

TEST(PipelineErrors, TaskKindsNeedTheirParts) {
  CheckErrors({
      {"http_extract without source", "dag_id: t\ntasks:\n  a: {kind: http_extract}\n",
       "p.yaml:3:3: tasks.a: http_extract tasks need a source: declare source with its resources"},
      {"transform without tables", "dag_id: t\n" + kSource + "tasks:\n  a: {kind: transform}\n",
       "p.yaml:6:3: tasks.a: transform tasks need a source and tables: declare source and tables"},
      {"create_tables without tables", "dag_id: t\ntasks:\n  a: {kind: create_tables}\n",
       "p.yaml:3:3: tasks.a: create_tables tasks need tables: declare tables"},
      {"postgres_load without tables", "dag_id: t\ntasks:\n  a: {kind: postgres_load}\n",
       "p.yaml:3:3: tasks.a: postgres_load tasks need tables: declare tables"},
      {"sql task without sql", "dag_id: t\ntasks:\n  a: {kind: sql}\n",
       "p.yaml:3:3: tasks.a: sql tasks need 'sql': the statements to run"},
      {"command task without command", "dag_id: t\ntasks:\n  a: {kind: command}\n",
       "p.yaml:3:3: tasks.a: command tasks need 'command' with argv: the program to run"},
      {"command without argv", "dag_id: t\ntasks:\n  a: {kind: command, command: {env: {A: b}}}\n",
       "p.yaml:3:31: tasks.a.command: missing required key 'argv'"},
      {"empty argv", "dag_id: t\ntasks:\n  a: {kind: command, command: []}\n",
       "p.yaml:3:31: tasks.a.command: argv is empty: name the program to run"},
      {"sql on a command task", "dag_id: t\ntasks:\n  a: {kind: command, command: ls, sql: x}\n",
       "p.yaml:3:35: tasks.a.sql: 'sql' applies only to tasks of kind sql, and this task is "
       "command"},
      {"command on a noop task", "dag_id: t\ntasks:\n  a: {kind: noop, command: ls}\n",
       "p.yaml:3:19: tasks.a.command: 'command' applies only to tasks of kind command, and this "
       "task is noop"},
      {"expand with no resources", "dag_id: t\ntasks:\n  a: {kind: noop, expand: resources}\n",
       "p.yaml:3:27: tasks.a.expand: expand: resources needs source.resources"},
      {"expand something else", "dag_id: t\ntasks:\n  a: {kind: noop, expand: columns}\n",
       "p.yaml:3:27: tasks.a.expand: expected resources or tables, got 'columns'"},
      {"trigger rule", "dag_id: t\ntasks:\n  a: {kind: noop, trigger_rule: sometimes}\n",
       "p.yaml:3:33: tasks.a.trigger_rule: unknown trigger rule 'sometimes'; known rules: "
       "all_success, all_done, all_failed, one_success, one_failed, none_failed"},
  });
}

TEST(PipelineErrors, Templates) {
  CheckErrors({
      {"unknown variable in sql",
       "dag_id: t\ntasks:\n  a: {kind: sql, sql: \"SELECT '{{ dss }}'\"}\n",
       "p.yaml:3:23: tasks.a.sql: unknown template variable '{{ dss }}' at character 9; known: ds, "
       "ds_nodash, logical_date, data_interval_start, data_interval_end, run_id, dag_id, "
       "params.NAME"},
      {"unknown param in a block scalar",
       "dag_id: t\nparams: {schema: x}\ntasks:\n  a:\n    kind: sql\n    sql: |\n      SELECT 1;\n "
       "     SELECT {{ params.limit }};\n",
       "p.yaml:6:10: tasks.a.sql: unknown param 'limit' in '{{ params.limit }}' at character 18 "
       "(declared: schema)"},
      {"unterminated in argv",
       "dag_id: t\ntasks:\n  a: {kind: command, command: {argv: [echo, '{{ ds']}}\n",
       "p.yaml:3:38: tasks.a.command.argv[1]: unterminated '{{' at character 1: add the closing "
       "'}}'"},
      {"unknown variable in env",
       "dag_id: t\ntasks:\n  a: {kind: command, command: {argv: [env], env: {D: '{{ date }}'}}}\n",
       "p.yaml:3:50: tasks.a.command.env.D: unknown template variable '{{ date }}' at character 1; "
       "known: ds, ds_nodash, logical_date, data_interval_start, data_interval_end, run_id, "
       "dag_id, params.NAME"},
      {"unknown variable in working_dir",
       "dag_id: t\ntasks:\n  a: {kind: command, command: {argv: [ls], working_dir: '/x/{{ nope "
       "}}'}}\n",
       "p.yaml:3:57: tasks.a.command.working_dir: unknown template variable '{{ nope }}' at "
       "character 4; known: ds, ds_nodash, logical_date, data_interval_start, data_interval_end, "
       "run_id, dag_id, params.NAME"},
  });
}

TEST(PipelineErrors, Schedules) {
  CheckErrors({
      {"bad cron", "dag_id: t\nschedule: '61 * * * *'\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:11: schedule: cron '61 * * * *': minute field '61': 61 is out of range 0-59"},
      {"bad cron in a mapping",
       "dag_id: t\nschedule:\n  cron: '0 0 * *'\ntasks: {a: {kind: noop}}\n",
       "p.yaml:3:9: schedule.cron: cron '0 0 * *': expected 5 fields (minute hour day-of-month "
       "month day-of-week), got 4"},
      {"unknown preset", "dag_id: t\nschedule: '@sometimes'\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:11: schedule: unknown schedule preset '@sometimes'; known presets: @once, "
       "@hourly, @daily, @weekly, @monthly, @yearly, @annually"},
      {"unknown time zone",
       "dag_id: t\nschedule: {cron: '@daily', timezone: Mars/Base}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:38: schedule.timezone: unknown time zone 'Mars/Base': use an IANA name like UTC, "
       "Europe/Berlin or America/New_York (see /usr/share/zoneinfo)"},
      {"bad start_date",
       "dag_id: t\nschedule: {cron: '@daily', start_date: 2025-13-01}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:40: schedule.start_date: '2025-13-01' is not a valid date: month 13 is out of "
       "range 1-12"},
      {"end before start",
       "dag_id: t\nschedule: {cron: '@daily', start_date: 2025-03-15, end_date: "
       "2025-03-01}\ntasks: {a: {kind: noop}}\n",
       "p.yaml:2:62: schedule.end_date: end_date 2025-03-01 is not after start_date 2025-03-15"},
  });
}

}  // namespace
}  // namespace sluice
