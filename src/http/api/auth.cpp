#include "http/api/auth.h"

#include <glib.h>

namespace haze::http {

std::string Md5Hex(const std::string& data) {
  gchar* hex = g_compute_checksum_for_string(G_CHECKSUM_MD5, data.data(),
                                             static_cast<gssize>(data.size()));
  std::string out(hex);
  g_free(hex);
  return out;
}

std::string AuthChallenge(const std::string& client_ip, int64_t unix_now) {
  GDateTime* dt = g_date_time_new_from_unix_local(unix_now);
  std::string date = std::to_string(g_date_time_get_day_of_month(dt)) + "-" +
                     std::to_string(g_date_time_get_month(dt) - 1) + "-" +
                     std::to_string(g_date_time_get_year(dt));
  g_date_time_unref(dt);
  return Md5Hex(date + client_ip);
}

namespace {

std::string Member(JsonObject* o, const char* key) {
  if (!o || !json_object_has_member(o, key)) return {};
  JsonNode* n = json_object_get_member(o, key);
  if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) return {};
  return json_node_get_string(n);
}

}  // namespace

AuthResult Authorize(const std::map<std::string, std::string>& accounts, JsonObject* credentials,
                     const std::string& client_ip, int64_t unix_now) {
  AuthResult r;
  r.challenge = AuthChallenge(client_ip, unix_now);
  if (accounts.empty()) {
    std::string user = Member(credentials, "new_username");
    std::string pass = Member(credentials, "new_password");
    if (!user.empty() && !pass.empty()) {
      r.status = AuthStatus::kAccountMade;
      r.new_user = user;
      r.new_password_md5 = Md5Hex(pass);
      return r;
    }
    r.status = AuthStatus::kNoAccount;
    return r;
  }
  std::string user = Member(credentials, "username");
  std::string pass = Member(credentials, "password");
  auto it = accounts.find(user);
  if (!user.empty() && it != accounts.end() && !pass.empty() &&
      pass == Md5Hex(it->second + r.challenge)) {
    r.status = AuthStatus::kOk;
    return r;
  }
  r.status = AuthStatus::kChallenge;
  return r;
}

const char* AuthStatusText(AuthStatus status) {
  switch (status) {
    case AuthStatus::kOk:
      return "OK";
    case AuthStatus::kChallenge:
      return "CHALL";
    case AuthStatus::kNoAccount:
      return "NOACC";
    case AuthStatus::kAccountMade:
      return "ACC_MADE";
  }
  return "CHALL";
}

void RecentPeers::Remember(const std::string& ip, int64_t now_us) {
  if (until_.size() >= kMaxPeers && !until_.contains(ip))
    std::erase_if(until_, [&](const auto& e) { return e.second <= now_us; });
  if (until_.size() >= kMaxPeers && !until_.contains(ip)) return;
  until_[ip] = now_us + kTtlUs;
}

bool RecentPeers::Contains(const std::string& ip, int64_t now_us) const {
  auto it = until_.find(ip);
  return it != until_.end() && it->second > now_us;
}

}  // namespace haze::http
