#include "protocols/cmaf/prefix_input_stream.h"

#include <cstring>

struct HazePrefixInputStreamPrivate {
  GInputStream* base = nullptr;
  GBytes* prefix = nullptr;
  gsize offset = 0;
};

struct _HazePrefixInputStream {
  GInputStream parent;
  HazePrefixInputStreamPrivate* priv;
};

static void haze_prefix_input_stream_pollable_init(GPollableInputStreamInterface* iface);

G_DEFINE_TYPE_WITH_CODE(HazePrefixInputStream, haze_prefix_input_stream, G_TYPE_INPUT_STREAM,
                        G_IMPLEMENT_INTERFACE(G_TYPE_POLLABLE_INPUT_STREAM,
                                              haze_prefix_input_stream_pollable_init))

namespace {

gsize PrefixLeft(HazePrefixInputStreamPrivate* p) {
  return p->prefix ? g_bytes_get_size(p->prefix) - p->offset : 0;
}

gssize TakePrefix(HazePrefixInputStreamPrivate* p, void* buffer, gsize count) {
  gsize n = MIN(count, PrefixLeft(p));
  const auto* data = static_cast<const char*>(g_bytes_get_data(p->prefix, nullptr));
  std::memcpy(buffer, data + p->offset, n);
  p->offset += n;
  return static_cast<gssize>(n);
}

gssize Read(GInputStream* stream, void* buffer, gsize count, GCancellable* cancellable,
            GError** error) {
  auto* p = HAZE_PREFIX_INPUT_STREAM(stream)->priv;
  if (PrefixLeft(p) > 0) return TakePrefix(p, buffer, count);
  return g_input_stream_read(p->base, buffer, count, cancellable, error);
}

gboolean Close(GInputStream* stream, GCancellable* cancellable, GError** error) {
  auto* p = HAZE_PREFIX_INPUT_STREAM(stream)->priv;
  return g_input_stream_close(p->base, cancellable, error);
}

gboolean CanPoll(GPollableInputStream*) { return TRUE; }

gboolean IsReadable(GPollableInputStream* stream) {
  auto* p = HAZE_PREFIX_INPUT_STREAM(stream)->priv;
  return PrefixLeft(p) > 0 || g_pollable_input_stream_is_readable(G_POLLABLE_INPUT_STREAM(p->base));
}

GSource* CreateSource(GPollableInputStream* stream, GCancellable* cancellable) {
  auto* p = HAZE_PREFIX_INPUT_STREAM(stream)->priv;
  GSource* child = PrefixLeft(p) > 0 ? g_timeout_source_new(0)
                                     : g_pollable_input_stream_create_source(
                                           G_POLLABLE_INPUT_STREAM(p->base), cancellable);
  GSource* source = g_pollable_source_new_full(stream, child, cancellable);
  g_source_unref(child);
  return source;
}

gssize ReadNonblocking(GPollableInputStream* stream, void* buffer, gsize count, GError** error) {
  auto* p = HAZE_PREFIX_INPUT_STREAM(stream)->priv;
  if (PrefixLeft(p) > 0) return TakePrefix(p, buffer, count);
  return g_pollable_input_stream_read_nonblocking(G_POLLABLE_INPUT_STREAM(p->base), buffer, count,
                                                  nullptr, error);
}

}  // namespace

static void haze_prefix_input_stream_finalize(GObject* object) {
  auto* self = HAZE_PREFIX_INPUT_STREAM(object);
  g_clear_object(&self->priv->base);
  g_clear_pointer(&self->priv->prefix, g_bytes_unref);
  delete self->priv;
  G_OBJECT_CLASS(haze_prefix_input_stream_parent_class)->finalize(object);
}

static void haze_prefix_input_stream_class_init(HazePrefixInputStreamClass* klass) {
  G_OBJECT_CLASS(klass)->finalize = haze_prefix_input_stream_finalize;
  G_INPUT_STREAM_CLASS(klass)->read_fn = Read;
  G_INPUT_STREAM_CLASS(klass)->close_fn = Close;
}

static void haze_prefix_input_stream_pollable_init(GPollableInputStreamInterface* iface) {
  iface->can_poll = CanPoll;
  iface->is_readable = IsReadable;
  iface->create_source = CreateSource;
  iface->read_nonblocking = ReadNonblocking;
}

static void haze_prefix_input_stream_init(HazePrefixInputStream* self) {
  self->priv = new HazePrefixInputStreamPrivate();
}

GInputStream* haze_prefix_input_stream_new(GInputStream* base, GBytes* prefix) {
  auto* self = HAZE_PREFIX_INPUT_STREAM(g_object_new(HAZE_TYPE_PREFIX_INPUT_STREAM, nullptr));
  self->priv->base = G_INPUT_STREAM(g_object_ref(base));
  self->priv->prefix = prefix && g_bytes_get_size(prefix) > 0 ? g_bytes_ref(prefix) : nullptr;
  return G_INPUT_STREAM(self);
}
