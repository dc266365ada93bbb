// Task logs shipped by workers: chunks of text per try, read back in order.
#include "metadb/sql_store.h"

namespace sluice::metadb {
namespace {

// The length of the valid UTF-8 sequence at text[i], or 0 when it is invalid
// (overlong forms, surrogates and code points past U+10FFFF included).
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  auto byte = [&](size_t at) { return static_cast<unsigned char>(text[at]); };
  unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

// Databases store text columns as UTF-8 without NUL; a task may print anything.
std::string AsStorableText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '\0') {
      ++i;
      continue;
    }
    size_t length = Utf8SequenceLength(text, i);
    if (length == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

}  // namespace

Status SqlMetaStore::AppendTaskLog(const TaskTryRef& ref, std::string_view text) {
  if (text.empty()) return OkStatus();
  std::string content = AsStorableText(text);
  const TaskInstanceKey& key = ref.key;
  return InTransaction(TxnKind::kWrite, [&](SqlConnection& connection) -> Status {
    SLUICE_TRY(Exec(connection,
                "INSERT INTO task_log_chunk (dag_id, run_id, task_id, map_index, try_number, seq,"
                " content) SELECT $1, $2, $3, $4, $5, coalesce(max(seq), 0) + 1, $6"
                " FROM task_log_chunk WHERE dag_id = $1 AND run_id = $2 AND task_id = $3"
                " AND map_index = $4 AND try_number = $5",
                {}, key.dag_id, key.run_id, key.task_id, key.map_index, ref.try_number, content));
    return OkStatus();
  });
}

Result<std::string> SqlMetaStore::ReadTaskLog(const TaskTryRef& ref) {
  const TaskInstanceKey& key = ref.key;
  return InTransaction(TxnKind::kRead, [&](SqlConnection& connection) -> Result<std::string> {
    std::string log;
    SLUICE_TRY(Exec(
        connection,
        "SELECT content FROM task_log_chunk WHERE dag_id = $1 AND run_id = $2 AND task_id = $3"
        " AND map_index = $4 AND try_number = $5 ORDER BY seq",
        [&log](const SqlRow& row) {
          log += row.Text(0);
          return OkStatus();
        },
        key.dag_id, key.run_id, key.task_id, key.map_index, ref.try_number));
    return log;
  });
}

}  // namespace sluice::metadb
