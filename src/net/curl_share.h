// One libcurl share handle: the connection cache, DNS cache and TLS sessions
// of every easy handle attached to it, locked through callbacks so handles on
// any thread (and inside any multi handle) reuse the same idle keep-alive
// connections. Destroy it only after every easy handle using it is cleaned up.
#pragma once

#include <curl/curl.h>

#include <mutex>

namespace sluice::net {

class CurlShare {
 public:
  CurlShare();
  ~CurlShare();
  CurlShare(const CurlShare&) = delete;
  CurlShare& operator=(const CurlShare&) = delete;

  // Attaches easy to this share; call again after curl_easy_reset().
  void Attach(CURL* easy) const;

 private:
  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* user);
  static void Unlock(CURL*, curl_lock_data data, void* user);
  static size_t Index(curl_lock_data data);

  static constexpr size_t kLocks = CURL_LOCK_DATA_LAST + 1;
  CURLSH* share_;
  std::mutex mutexes_[kLocks];
};

}  // namespace sluice::net
