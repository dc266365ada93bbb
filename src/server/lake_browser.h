// Private to server: what the lake browser's handlers share (api_lake.cc,
// lake_preview.cc).
#pragma once

#include <string>
#include <string_view>

#include "server/context.h"

namespace sluice::server {

// The lake of ?dag_id= (or the default lake connection), or the reply to send.
std::optional<Reply> OpenLakeForCall(ServerContext& context, const Call& call,
                                     lake::ObjectStore** store);
// ?key=, checked with lake::ValidateKey (400 when hostile), or the reply to send.
std::optional<Reply> RequireLakeKey(const Call& call, std::string* key);
// The first `bytes` bytes of an object (fewer when it is shorter).
Result<std::string> ReadObjectHead(lake::ObjectStore& store, const std::string& key,
                                   uint64_t bytes);
// "manifest", "schema", "csv", "jsonl", "json" or "other", from the key.
std::string_view LakeKind(std::string_view key);
std::string LakeContentType(std::string_view key);

Reply Preview(ServerContext& context, Call& call);
Reply Download(ServerContext& context, Call& call);

}  // namespace sluice::server
