#include <algorithm>

#include "transform/transform.h"

namespace sluice::transform {

Result<RowSchema> RowSchema::Make(const TableSpec& table) {
  RowSchema schema;
  schema.table_ = table;
  std::vector<ColumnSpec>& columns = schema.table_.columns;
  if (columns.empty()) return Error::InvalidArgument("table {}: declares no column", table.name);
  schema.next_same_field_.assign(columns.size(), -1);
  for (int i = static_cast<int>(columns.size()) - 1; i >= 0; --i) {
    ColumnSpec& column = columns[i];
    if (column.source_field.empty()) column.source_field = column.name;
    FieldUse& use = schema.fields_[column.source_field];
    schema.next_same_field_[i] = use.column;
    use.column = i;
  }
  for (const ColumnSpec& column : columns) {
    const std::string& field = column.source_field;
    for (size_t cut = field.find('_', 1); cut != std::string::npos; cut = field.find('_', cut + 1)) {
      schema.fields_[field.substr(0, cut)].is_parent = true;
    }
  }
  for (const std::string& key : table.primary_key) {
    const auto it = std::find_if(columns.begin(), columns.end(),
                                 [&](const ColumnSpec& c) { return c.name == key; });
    if (it == columns.end()) {
      return Error::InvalidArgument("table {}: primary key column {} is not declared", table.name,
                                    key);
    }
    it->required = true;  // PostgreSQL's primary keys are NOT NULL
    schema.primary_key_columns_.push_back(static_cast<int>(it - columns.begin()));
  }
  return schema;
}

}  // namespace sluice::transform
