#include "server/static_assets.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace sluice::server {
namespace {

constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'";

constexpr std::string_view kNotBuiltPage = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sluice</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto">
<h1>sluice</h1>
<p>The web UI was not built into this binary, so only the REST API is served here
(<a href="/api/v2/openapi.json">/api/v2/openapi.json</a>, <a href="/health">/health</a>).</p>
<p>To build it, install Node.js and npm, then run <code>make build</code>
(or <code>scripts/build-web</code> followed by the C++ build).</p>
</body></html>
)";

std::string_view ContentType(std::string_view path) {
  struct Type {
    std::string_view extension, content_type;
  };
  static constexpr Type kTypes[] = {{".html", "text/html; charset=utf-8"},
                                    {".js", "text/javascript; charset=utf-8"},
                                    {".mjs", "text/javascript; charset=utf-8"},
                                    {".css", "text/css; charset=utf-8"},
                                    {".svg", "image/svg+xml"},
                                    {".png", "image/png"},
                                    {".ico", "image/x-icon"},
                                    {".json", "application/json"},
                                    {".map", "application/json"},
                                    {".woff2", "font/woff2"},
                                    {".woff", "font/woff"},
                                    {".txt", "text/plain; charset=utf-8"},
                                    {".webp", "image/webp"},
                                    {".jpg", "image/jpeg"}};
  for (const Type& type : kTypes) {
    if (path.ends_with(type.extension)) return type.content_type;
  }
  return "application/octet-stream";
}

Reply FileReply(std::string_view path, std::string body) {
  Reply reply;
  reply.body = std::move(body);
  reply.content_type = std::string(ContentType(path));
  if (path.starts_with("/assets/")) {
    reply.headers.emplace_back("Cache-Control", "public, max-age=31536000, immutable");
  } else {
    reply.headers.emplace_back("Cache-Control", "no-cache");
  }
  if (path.ends_with(".html")) {
    reply.headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
  }
  return reply;
}

std::optional<std::string> ReadFromFolder(const std::string& folder, const std::string& path) {
  if (path.find("..") != std::string::npos || path.find('\0') != std::string::npos) {
    return std::nullopt;
  }
  std::filesystem::path file = std::filesystem::path(folder) / path.substr(1);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::optional<std::string> Find(const std::string& path, const std::string& ui_folder) {
  if (!ui_folder.empty()) return ReadFromFolder(ui_folder, path);
  for (const EmbeddedAsset& asset : EmbeddedAssets()) {
    if (asset.path == path) return std::string(asset.bytes);
  }
  return std::nullopt;
}

}  // namespace

Reply ServeStatic(const std::string& path, const std::string& ui_folder) {
  std::string wanted = path.empty() || path == "/" ? "/index.html" : path;
  if (auto body = Find(wanted, ui_folder)) return FileReply(wanted, std::move(*body));
  if (wanted.starts_with("/assets/")) return DetailReply(404, "Not Found");
  if (auto index = Find("/index.html", ui_folder))
    return FileReply("/index.html", std::move(*index));
  Reply reply = FileReply("/index.html", std::string(kNotBuiltPage));
  return reply;
}

}  // namespace sluice::server
