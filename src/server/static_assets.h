// Private to server: the browser UI's files (web/dist), compiled into the
// binary by embed_assets.cmake, or a page saying how to build them.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "server/http.h"

namespace sluice::server {

struct EmbeddedAsset {
  std::string_view path;  // "/index.html", "/assets/index-3f2a.js"
  std::string_view bytes;
};

// Generated at build time (embedded_assets.cc); empty when web/dist was missing.
std::span<const EmbeddedAsset> EmbeddedAssets();

// GET of a path outside the API: the file, or index.html for any other path
// (the UI routes in the browser), or the "UI not built" page. From ui_folder
// instead of the embedded files when it is set.
Reply ServeStatic(const std::string& path, const std::string& ui_folder);

}  // namespace sluice::server
