// Private to server: replies, routes and the router. Handlers receive a Call
// (the request, its path parameters and who made it) and return a Reply; the
// router, authentication and the request log live in web_server.cc.
#pragma once

#include <httplib.h>

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/core.h"
#include "server/server.h"

namespace sluice::server {

// Who made a request, once authenticated.
struct Principal {
  std::string username;
  Role role = Role::kViewer;
  bool via_session = false;  // browser cookie (CSRF applies) rather than a bearer token
  std::string session_id_hash;
  std::string csrf_token;
};

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  // A large body streamed instead of `body`: stream(offset, length, sink)
  // writes that range (httplib's sized content provider).
  std::optional<size_t> stream_size;
  httplib::ContentProvider stream;
};

Reply JsonReply(int status, const nlohmann::json& body);
// Airflow's error shape: {"detail": "..."}.
Reply DetailReply(int status, std::string_view detail);
// The HTTP status for an error code: kNotFound 404, kAlreadyExists 409, ...
int HttpStatusOf(Code code);
Reply ErrorReply(const Error& error);

// One item of a FastAPI-style validation error (422):
// {"type": "missing", "loc": ["body", "logical_date"], "msg": "Field required"}.
struct ValidationIssue {
  nlohmann::json loc;
  std::string msg;
  std::string type;
};
Reply ValidationReply(const std::vector<ValidationIssue>& issues);
Reply ValidationReply(nlohmann::json loc, std::string msg, std::string type);

// Who may call a route: anyone, or a role and every role above it.
enum class Access { kPublic, kViewer, kUser, kOp, kAdmin };
bool Allows(Access access, Role role);

struct Call {
  const httplib::Request& request;
  std::map<std::string, std::string> path;  // {dag_id} -> value
  std::optional<Principal> principal;

  const std::string& Path(const std::string& name) const;
  std::optional<std::string> Query(const std::string& name) const;
  std::vector<std::string> QueryAll(const std::string& name) const;
};

using Handler = std::function<Reply(Call& call)>;

// What the OpenAPI document says about a route.
struct QueryParamDoc {
  std::string name;
  std::string type = "string";  // "string", "integer", "boolean"
  std::string description;
};
struct RouteDoc {
  std::string summary;
  std::string tag;
  std::string response_schema;  // a component name, "" for none
  int success_status = 200;
  std::string request_schema;  // a component name, "" when there is no body
  std::vector<QueryParamDoc> query;
  std::string content_type = "application/json";  // of the success response
};

struct Route {
  std::string method;   // "GET", "POST", "PATCH", "DELETE"
  std::string pattern;  // "/api/v2/dags/{dag_id}"
  Access access = Access::kViewer;
  Handler handler;
  RouteDoc doc;
};

class Router {
 public:
  void Add(Route route);
  enum class Match { kFound, kWrongMethod, kNoRoute };
  // The route for method and path, with its path parameters (percent-decoded).
  Match Find(std::string_view method, std::string_view path, const Route** route,
             std::map<std::string, std::string>* params) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// The request body as a JSON object, or the 422 reply to send instead:
// malformed JSON, nesting deeper than 64, not an object, or a key outside
// `allowed` (unknown fields are refused, as Airflow's strict models do).
std::optional<Reply> ParseJsonBody(const httplib::Request& request,
                                   const std::vector<std::string>& allowed, nlohmann::json* body);

// Query parameters shared by list endpoints: limit (default 50, at most
// 1000) and offset. nullopt with *reply set when one is not a number.
struct Paging {
  int limit = 50;
  int offset = 0;
};
std::optional<Paging> ParsePaging(const Call& call, Reply* reply);
// A "true"/"false" query value into *value (nullopt when absent); false with
// *reply set to a 422 when it is something else.
bool ParseBoolQuery(const Call& call, const std::string& name, std::optional<bool>* value,
                    Reply* reply);

}  // namespace sluice::server
