#include "net/curl_share.h"

#include <algorithm>

namespace sluice::net {

CurlShare::CurlShare() : share_(curl_share_init()) {
  curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &CurlShare::Lock);
  curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &CurlShare::Unlock);
  curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
}

CurlShare::~CurlShare() { curl_share_cleanup(share_); }

void CurlShare::Attach(CURL* easy) const { curl_easy_setopt(easy, CURLOPT_SHARE, share_); }

void CurlShare::Lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
  static_cast<CurlShare*>(user)->mutexes_[Index(data)].lock();
}

void CurlShare::Unlock(CURL*, curl_lock_data data, void* user) {
  static_cast<CurlShare*>(user)->mutexes_[Index(data)].unlock();
}

size_t CurlShare::Index(curl_lock_data data) {
  return std::min(static_cast<size_t>(data), kLocks - 1);
}

}  // namespace sluice::net
