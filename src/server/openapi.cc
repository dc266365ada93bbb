// GET /api/v2/openapi.json: an OpenAPI 3.1 document built from the route
// table itself, so it lists exactly the routes the server answers.
#include <regex>

#include "server/context.h"

namespace sluice::server {

extern const std::string_view kOpenApiSchemas;

namespace {

nlohmann::json Ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }

nlohmann::json JsonContent(const std::string& schema) {
  return {{"application/json", {{"schema", Ref(schema)}}}};
}

nlohmann::json Responses(const Route& route) {
  nlohmann::json responses;
  nlohmann::json success = {{"description", "Successful Response"}};
  if (!route.doc.response_schema.empty()) {
    success["content"] = JsonContent(route.doc.response_schema);
  } else {
    success["content"] = {{route.doc.content_type, {{"schema", {{"type", "string"}}}}}};
  }
  responses[std::to_string(route.doc.success_status)] = success;
  auto error = [&](int status, const char* description) {
    responses[std::to_string(status)] = {{"description", description},
                                         {"content", JsonContent("HTTPExceptionResponse")}};
  };
  bool has_path_params = route.pattern.find('{') != std::string::npos;
  if (route.access != Access::kPublic) {
    error(401, "Not authenticated");
    error(403, "Forbidden: the role lacks the right, a bad token, or a missing CSRF token");
  }
  if (has_path_params || route.pattern.find("/lake/") != std::string::npos) error(404, "Not Found");
  if (route.pattern.find("/lake/") != std::string::npos) error(400, "Bad Request: a hostile key");
  if (route.method == "POST" && route.pattern.ends_with("/dagRuns")) error(409, "Conflict");
  if (!route.doc.request_schema.empty()) error(413, "Request body too large");
  if (route.access == Access::kPublic && route.method == "POST")
    error(429, "Too many failed logins");
  if (!route.doc.request_schema.empty() || !route.doc.query.empty() || has_path_params) {
    responses["422"] = {{"description", "Validation Error"},
                        {"content", JsonContent("HTTPValidationError")}};
  }
  return responses;
}

nlohmann::json Operation(const Route& route) {
  nlohmann::json parameters = nlohmann::json::array();
  static const std::regex kParam(R"(\{([a-z_]+)\})");
  for (auto it = std::sregex_iterator(route.pattern.begin(), route.pattern.end(), kParam);
       it != std::sregex_iterator(); ++it) {
    parameters.push_back({{"name", (*it)[1].str()},
                          {"in", "path"},
                          {"required", true},
                          {"schema", {{"type", "string"}}}});
  }
  for (const QueryParamDoc& query : route.doc.query) {
    parameters.push_back({{"name", query.name},
                          {"in", "query"},
                          {"required", false},
                          {"description", query.description},
                          {"schema", {{"type", query.type}}}});
  }
  nlohmann::json operation = {{"summary", route.doc.summary},
                              {"tags", {route.doc.tag}},
                              {"parameters", parameters},
                              {"responses", Responses(route)},
                              {"x-sluice-role", route.access == Access::kPublic   ? "none"
                                                : route.access == Access::kViewer ? "Viewer"
                                                : route.access == Access::kUser   ? "User"
                                                : route.access == Access::kOp     ? "Op"
                                                                                  : "Admin"}};
  if (route.access != Access::kPublic) {
    operation["security"] = {{{"OAuth2PasswordBearer", nlohmann::json::array()}},
                             {{"SessionCookie", nlohmann::json::array()}}};
  }
  if (!route.doc.request_schema.empty()) {
    operation["requestBody"] = {{"required", true},
                                {"content", JsonContent(route.doc.request_schema)}};
  }
  return operation;
}

}  // namespace

void AddOpenApiRoute(Router& router) {
  nlohmann::json paths = nlohmann::json::object();
  for (const Route& route : router.routes()) {
    std::string method = route.method;
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    paths[route.pattern][method] = Operation(route);
  }
  nlohmann::json document = {
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "sluice REST API"},
        {"version", SLUICE_VERSION},
        {"description",
         "Modelled on Airflow 3's public API (/api/v2); sluice's own endpoints "
         "are under /api/v2/sluice. See docs/API.md."}}},
      {"paths", paths},
      {"components",
       {{"schemas", nlohmann::json::parse(kOpenApiSchemas)},
        {"securitySchemes",
         {{"OAuth2PasswordBearer",
           {{"type", "http"},
            {"scheme", "bearer"},
            {"bearerFormat", "JWT"},
            {"description", "a token from POST /auth/token"}}},
          {"SessionCookie",
           {{"type", "apiKey"},
            {"in", "cookie"},
            {"name", "sluice_session"},
            {"description", "POST /api/v2/sluice/login; changes also need X-CSRF-Token"}}}}}}}};
  document["paths"]["/api/v2/openapi.json"]["get"] = {
      {"summary", "This document"},
      {"tags", {"Monitor"}},
      {"parameters", nlohmann::json::array()},
      {"responses",
       {{"200",
         {{"description", "Successful Response"},
          {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}}}}},
      {"x-sluice-role", "none"}};
  std::string body = document.dump(1);
  router.Add({"GET",
              "/api/v2/openapi.json",
              Access::kPublic,
              [body](Call&) {
                Reply reply;
                reply.body = body;
                return reply;
              },
              {}});
}

}  // namespace sluice::server
