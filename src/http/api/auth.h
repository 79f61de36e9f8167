// MistServer-compatible API authorization, pure logic (no I/O): the daily challenge,
// challenge-response checking and first-account creation. Thread: any.
#pragma once

#include <json-glib/json-glib.h>

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

namespace haze::http {

std::string Md5Hex(const std::string& data);
// md5("<day>-<month0>-<year>" + ip), stable per day and client address.
std::string AuthChallenge(const std::string& client_ip, int64_t unix_now);

enum class AuthStatus { kOk, kChallenge, kNoAccount, kAccountMade };

struct AuthResult {
  AuthStatus status = AuthStatus::kChallenge;
  std::string challenge;
  // Set with kAccountMade: account to store (name -> md5(password)).
  std::string new_user, new_password_md5;
  bool authorized() const {
    return status == AuthStatus::kOk || status == AuthStatus::kAccountMade;
  }
};

// |credentials| is the request's `authorize` object (username, password[, new_username,
// new_password]) or null. |accounts| maps name -> md5(password).
AuthResult Authorize(const std::map<std::string, std::string>& accounts, JsonObject* credentials,
                     const std::string& client_ip, int64_t unix_now);
const char* AuthStatusText(AuthStatus status);  // "OK", "CHALL", "NOACC", "ACC_MADE"

// Peers (by address) that authenticated recently: their API requests may carry the large body
// limit; anyone else's is read only up to the small pre-authentication limit. Bounded: when
// full, expired entries go, and a new peer is not remembered until room frees up.
class RecentPeers {
 public:
  static constexpr int64_t kTtlUs = int64_t{600} * 1000000;
  static constexpr size_t kMaxPeers = 4096;

  void Remember(const std::string& ip, int64_t now_us);
  bool Contains(const std::string& ip, int64_t now_us) const;
  size_t size() const { return until_.size(); }

 private:
  std::unordered_map<std::string, int64_t> until_;  // ip -> expiry (monotonic us)
};

}  // namespace haze::http
