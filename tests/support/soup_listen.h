// ListenLoopback: a test SoupServer on 127.0.0.1 (port 0: picked by the OS), returning the bound
// port. It binds through a socket address and reads the port from the listening socket:
// soup_server_listen_local() with port 0 and soup_server_get_uris() make libsoup (before 3.4.3)
// cache a local address that it never frees.
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

namespace haze::testing {

// The bound port, or 0 with |error| set.
inline int ListenLoopback(SoupServer* server, guint port = 0, GError** error = nullptr) {
  GInetAddress* loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress* address = g_inet_socket_address_new(loopback, static_cast<guint16>(port));
  g_object_unref(loopback);
  const gboolean ok =
      soup_server_listen(server, address, static_cast<SoupServerListenOptions>(0), error);
  g_object_unref(address);
  if (!ok) return 0;
  int bound = 0;
  GSList* sockets = soup_server_get_listeners(server);
  if (sockets) {
    GSocketAddress* local = g_socket_get_local_address(G_SOCKET(sockets->data), error);
    if (local) {
      bound = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
      g_object_unref(local);
    }
  }
  g_slist_free(sockets);
  return bound;
}

}  // namespace haze::testing
