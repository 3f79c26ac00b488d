/* WebSocket messages bounded while they arrive: the frame guard and the
 * client's opening handshake (see meetingws.h).
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "meetingws.h"

/* ------------------------------------------------------------ frames */

void
meeting_ws_parser_init (MeetingWsParser *p, gboolean masked, guint64 max)
{
  memset (p, 0, sizeof (*p));
  p->masked = masked;
  p->max_message = max;
}

static gboolean
frame_begin (MeetingWsParser *p, GError **error)
{
  const guint8 *h = p->hdr;
  gboolean fin = (h[0] & 0x80) != 0;
  guint op = h[0] & 0x0f;
  gboolean masked = (h[1] & 0x80) != 0;
  guint64 len = h[1] & 0x7f;

  if (h[0] & 0x70) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "WebSocket frame with reserved bits set (no extension was agreed)");
    return FALSE;
  }
  if (masked != p->masked) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        p->masked ? "unmasked WebSocket frame from a client"
                  : "masked WebSocket frame from the server");
    return FALSE;
  }
  if (len == 126) {
    len = (guint64)h[2] << 8 | h[3];
  } else if (len == 127) {
    len = 0;
    for (guint i = 2; i < 10; i++)
      len = len << 8 | h[i];
    if (len >> 63) {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
          "WebSocket frame length with the top bit set");
      return FALSE;
    }
  }
  switch (op) {
    case 0:
      if (!p->in_message) {
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
            "WebSocket continuation frame outside a message");
        return FALSE;
      }
      break;
    case 1:
    case 2:
      if (p->in_message) {
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
            "WebSocket message begun inside a fragmented one");
        return FALSE;
      }
      p->message_bytes = 0;
      break;
    case 8:
    case 9:
    case 10:
      if (!fin || len > 125) {
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
            "fragmented or oversized WebSocket control frame");
        return FALSE;
      }
      break;
    default:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
          "WebSocket frame with reserved opcode %u", op);
      return FALSE;
  }
  if (op < 8) {
    /* the whole message so far, this frame included, before its payload
     * is read */
    if (len > p->max_message - p->message_bytes) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
          "WebSocket message over %" G_GUINT64_FORMAT " bytes", p->max_message);
      return FALSE;
    }
    p->message_bytes += len;
    p->in_message = !fin;
    if (fin) {
      p->messages++;
      p->message_bytes = 0;
    }
  }
  p->frames++;
  p->payload_left = len;
  return TRUE;
}

gboolean
meeting_ws_parser_feed (
    MeetingWsParser *p, const guint8 *d, gsize len, GError **error)
{
  if (p->failed) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "WebSocket stream already refused");
    return FALSE;
  }
  while (len > 0) {
    if (p->payload_left > 0) {
      gsize n = (gsize)MIN (p->payload_left, (guint64)len);
      p->payload_left -= n;
      d += n;
      len -= n;
      continue;
    }
    if (p->hdr_len == 0)
      p->hdr_need = 2;
    while (p->hdr_len < p->hdr_need && len > 0) {
      p->hdr[p->hdr_len++] = *d++;
      len--;
    }
    if (p->hdr_len < p->hdr_need)
      break;
    if (p->hdr_need == 2) {
      guint l7 = p->hdr[1] & 0x7f;
      p->hdr_need = 2 +
          (l7 == 126          ? 2
                  : l7 == 127 ? 8
                              : 0) +
          ((p->hdr[1] & 0x80) ? 4 : 0);
      if (p->hdr_need > 2)
        continue;
    }
    p->hdr_len = 0;
    if (!frame_begin (p, error)) {
      p->failed = TRUE;
      return FALSE;
    }
  }
  return TRUE;
}

/* -------------------------------------------------- the guarded input */

#define MEETING_TYPE_WS_INPUT (meeting_ws_input_get_type ())
G_DECLARE_FINAL_TYPE (
    MeetingWsInput, meeting_ws_input, MEETING, WS_INPUT, GInputStream)

struct _MeetingWsInput
{
  GInputStream parent;
  GInputStream *base; /* pollable */
  MeetingWsParser parser;
  GError *error; /* sticky, once the stream was refused */
};

static void meeting_ws_input_pollable_init (
    GPollableInputStreamInterface *iface);

G_DEFINE_TYPE_WITH_CODE (MeetingWsInput, meeting_ws_input, G_TYPE_INPUT_STREAM,
    G_IMPLEMENT_INTERFACE (
        G_TYPE_POLLABLE_INPUT_STREAM, meeting_ws_input_pollable_init))

/* Bytes read from the base stream pass only once followed; the read that
 * breaks the bound fails instead, and so does every later one. */
static gssize
guard_check (MeetingWsInput *self, const guint8 *buf, gssize n, GError **error)
{
  if (n <= 0)
    return n;
  if (!meeting_ws_parser_feed (&self->parser, buf, (gsize)n, &self->error)) {
    g_propagate_error (error, g_error_copy (self->error));
    return -1;
  }
  return n;
}

static gssize
meeting_ws_input_read (GInputStream *stream, void *buf, gsize count,
    GCancellable *cancellable, GError **error)
{
  MeetingWsInput *self = MEETING_WS_INPUT (stream);

  if (self->error) {
    g_propagate_error (error, g_error_copy (self->error));
    return -1;
  }
  return guard_check (self, buf,
      g_input_stream_read (self->base, buf, count, cancellable, error), error);
}

static gboolean
meeting_ws_input_close (
    GInputStream *stream, GCancellable *cancellable, GError **error)
{
  /* the GIOStream closes the base */
  return TRUE;
}

static gboolean
meeting_ws_input_can_poll (GPollableInputStream *stream)
{
  MeetingWsInput *self = MEETING_WS_INPUT (stream);

  return G_IS_POLLABLE_INPUT_STREAM (self->base) &&
      g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (self->base));
}

static gboolean
meeting_ws_input_is_readable (GPollableInputStream *stream)
{
  MeetingWsInput *self = MEETING_WS_INPUT (stream);

  return self->error != NULL ||
      g_pollable_input_stream_is_readable (
          G_POLLABLE_INPUT_STREAM (self->base));
}

static GSource *
meeting_ws_input_create_source (
    GPollableInputStream *stream, GCancellable *cancellable)
{
  MeetingWsInput *self = MEETING_WS_INPUT (stream);
  GSource *base, *src;

  base = self->error ? g_timeout_source_new (0)
                     : g_pollable_input_stream_create_source (
                           G_POLLABLE_INPUT_STREAM (self->base), NULL);
  src = g_pollable_source_new_full (stream, base, cancellable);
  g_source_unref (base);
  return src;
}

static gssize
meeting_ws_input_read_nonblocking (
    GPollableInputStream *stream, void *buf, gsize count, GError **error)
{
  MeetingWsInput *self = MEETING_WS_INPUT (stream);

  if (self->error) {
    g_propagate_error (error, g_error_copy (self->error));
    return -1;
  }
  return guard_check (self, buf,
      g_pollable_input_stream_read_nonblocking (
          G_POLLABLE_INPUT_STREAM (self->base), buf, count, NULL, error),
      error);
}

static void
meeting_ws_input_finalize (GObject *obj)
{
  MeetingWsInput *self = MEETING_WS_INPUT (obj);

  g_clear_object (&self->base);
  g_clear_error (&self->error);
  G_OBJECT_CLASS (meeting_ws_input_parent_class)->finalize (obj);
}

static void
meeting_ws_input_class_init (MeetingWsInputClass *klass)
{
  GInputStreamClass *in = G_INPUT_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = meeting_ws_input_finalize;
  in->read_fn = meeting_ws_input_read;
  in->close_fn = meeting_ws_input_close;
}

static void
meeting_ws_input_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = meeting_ws_input_can_poll;
  iface->is_readable = meeting_ws_input_is_readable;
  iface->create_source = meeting_ws_input_create_source;
  iface->read_nonblocking = meeting_ws_input_read_nonblocking;
}

static void
meeting_ws_input_init (MeetingWsInput *self)
{
}

/* ------------------------------------------------------ the GIOStream */

#define MEETING_TYPE_WS_GUARD (meeting_ws_guard_get_type ())
G_DECLARE_FINAL_TYPE (
    MeetingWsGuard, meeting_ws_guard, MEETING, WS_GUARD, GIOStream)

struct _MeetingWsGuard
{
  GIOStream parent;
  GIOStream *base;
  GInputStream *input; /* MeetingWsInput over base's */
};

G_DEFINE_TYPE (MeetingWsGuard, meeting_ws_guard, G_TYPE_IO_STREAM)

static GInputStream *
meeting_ws_guard_get_input_stream (GIOStream *stream)
{
  return MEETING_WS_GUARD (stream)->input;
}

static GOutputStream *
meeting_ws_guard_get_output_stream (GIOStream *stream)
{
  return g_io_stream_get_output_stream (MEETING_WS_GUARD (stream)->base);
}

static gboolean
meeting_ws_guard_close (
    GIOStream *stream, GCancellable *cancellable, GError **error)
{
  MeetingWsGuard *self = MEETING_WS_GUARD (stream);

  g_input_stream_close (self->input, NULL, NULL);
  return g_io_stream_close (self->base, cancellable, error);
}

static void
base_closed (GObject *src, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  GError *err = NULL;

  if (g_io_stream_close_finish (G_IO_STREAM (src), res, &err))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, err);
  g_object_unref (task);
}

/* libsoup closes asynchronously: the base closes on this thread too (the
 * default would close it from a worker thread) */
static void
meeting_ws_guard_close_async (GIOStream *stream, int io_priority,
    GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  MeetingWsGuard *self = MEETING_WS_GUARD (stream);
  GTask *task = g_task_new (stream, cancellable, callback, user_data);

  g_input_stream_close (self->input, NULL, NULL);
  g_io_stream_close_async (
      self->base, io_priority, cancellable, base_closed, task);
}

static gboolean
meeting_ws_guard_close_finish (
    GIOStream *stream, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
meeting_ws_guard_finalize (GObject *obj)
{
  MeetingWsGuard *self = MEETING_WS_GUARD (obj);

  g_clear_object (&self->input);
  g_clear_object (&self->base);
  G_OBJECT_CLASS (meeting_ws_guard_parent_class)->finalize (obj);
}

static void
meeting_ws_guard_class_init (MeetingWsGuardClass *klass)
{
  GIOStreamClass *io = G_IO_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = meeting_ws_guard_finalize;
  io->get_input_stream = meeting_ws_guard_get_input_stream;
  io->get_output_stream = meeting_ws_guard_get_output_stream;
  io->close_fn = meeting_ws_guard_close;
  io->close_async = meeting_ws_guard_close_async;
  io->close_finish = meeting_ws_guard_close_finish;
}

static void
meeting_ws_guard_init (MeetingWsGuard *self)
{
}

GIOStream *
meeting_ws_guard_new (GIOStream *base, gboolean server_side, guint64 max)
{
  MeetingWsGuard *self;
  MeetingWsInput *in;

  g_return_val_if_fail (G_IS_IO_STREAM (base), NULL);
  g_return_val_if_fail (
      G_IS_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (base)), NULL);
  self = g_object_new (MEETING_TYPE_WS_GUARD, NULL);
  self->base = g_object_ref (base);
  in = g_object_new (MEETING_TYPE_WS_INPUT, NULL);
  in->base = g_object_ref (g_io_stream_get_input_stream (base));
  meeting_ws_parser_init (&in->parser, server_side, max);
  self->input = G_INPUT_STREAM (in);
  return G_IO_STREAM (self);
}

/* ------------------------------------------------- client handshake */

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define MAX_ANSWER 8192

gchar *
meeting_ws_accept_key (const gchar *key)
{
  GChecksum *sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  guint8 digest[20];
  gsize n = sizeof (digest);

  g_checksum_update (sha1, (const guchar *)key, strlen (key));
  g_checksum_update (sha1, (const guchar *)WS_GUID, strlen (WS_GUID));
  g_checksum_get_digest (sha1, digest, &n);
  g_checksum_free (sha1);
  return g_base64_encode (digest, n);
}

typedef struct
{
  GUri *uri;
  GTlsDatabase *database;
  guint64 max_message;
  gchar *key;
  gchar *request;
  GSocketClient *client;
  GIOStream *conn; /* GSocketConnection or its GTlsConnection */
  GString *answer;
  GCancellable *cancel; /* ours: the caller's or the deadline cancel it */
  GCancellable *outer;
  gulong outer_id;
  GSource *deadline;
  gboolean timed_out;
  GSource *wait;
} Connect;

static void
connect_free (Connect *c)
{
  if (c->deadline) {
    g_source_destroy (c->deadline);
    g_source_unref (c->deadline);
  }
  if (c->wait) {
    g_source_destroy (c->wait);
    g_source_unref (c->wait);
  }
  if (c->outer)
    g_cancellable_disconnect (c->outer, c->outer_id);
  g_clear_object (&c->outer);
  g_clear_object (&c->cancel);
  g_clear_object (&c->client);
  if (c->conn)
    g_io_stream_close (c->conn, NULL, NULL);
  g_clear_object (&c->conn);
  if (c->answer)
    g_string_free (c->answer, TRUE);
  g_free (c->request);
  g_free (c->key);
  g_clear_object (&c->database);
  g_uri_unref (c->uri);
  g_free (c);
}

static void
connect_fail (GTask *task, GError *err)
{
  Connect *c = g_task_get_task_data (task);

  if (c->timed_out && g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_error_free (err);
    err = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
        "the server did not complete the WebSocket handshake in time");
  }
  g_task_return_error (task, err);
  g_object_unref (task);
}

static void
outer_cancelled (GCancellable *outer, gpointer data)
{
  g_cancellable_cancel (data);
}

static gboolean
deadline_passed (gpointer data)
{
  Connect *c = data;

  c->timed_out = TRUE;
  g_cancellable_cancel (c->cancel);
  return G_SOURCE_CONTINUE;
}

static gboolean
answer_complete (GTask *task)
{
  Connect *c = g_task_get_task_data (task);
  SoupMessageHeaders *h =
      soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  guint status = 0;
  gchar *reason = NULL, *want = NULL;
  const gchar *accept;
  GError *err = NULL;
  GIOStream *guard;
  SoupWebsocketConnection *ws;

  if (!soup_headers_parse_response (
          c->answer->str, (int)c->answer->len, h, NULL, &status, &reason)) {
    err = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "malformed answer to the WebSocket handshake");
    goto out;
  }
  if (status != SOUP_STATUS_SWITCHING_PROTOCOLS) {
    err = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
        "the server refused the WebSocket handshake: HTTP %u %s", status,
        reason ? reason : "");
    goto out;
  }
  want = meeting_ws_accept_key (c->key);
  accept = soup_message_headers_get_one (h, "Sec-WebSocket-Accept");
  if (!soup_message_headers_header_contains (h, "Upgrade", "websocket") ||
      !soup_message_headers_header_contains (h, "Connection", "upgrade") ||
      !accept || strcmp (accept, want) != 0) {
    err = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "the server's WebSocket handshake is not valid "
        "(Upgrade, Connection or Sec-WebSocket-Accept)");
    goto out;
  }
  if (soup_message_headers_get_one (h, "Sec-WebSocket-Extensions") ||
      soup_message_headers_get_one (h, "Sec-WebSocket-Protocol")) {
    err = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "the server chose a WebSocket extension or protocol nobody asked "
        "for");
    goto out;
  }
  guard = meeting_ws_guard_new (c->conn, FALSE, c->max_message);
  ws = soup_websocket_connection_new (
      guard, c->uri, SOUP_WEBSOCKET_CONNECTION_CLIENT, NULL, NULL, NULL);
  g_object_unref (guard);
  g_clear_object (&c->conn); /* the guard holds it: not closed */
  g_task_return_pointer (task, ws, g_object_unref);
  g_object_unref (task);
out:
  soup_message_headers_unref (h);
  g_free (reason);
  g_free (want);
  if (err) {
    connect_fail (task, err);
    return FALSE;
  }
  return TRUE;
}

static gboolean read_answer (GObject *stream, gpointer data);

/* The answer is read a byte at a time: nothing after its headers (the
 * first frames) is taken from the stream the guard is going to read. */
static void
read_more (GTask *task)
{
  Connect *c = g_task_get_task_data (task);
  GPollableInputStream *in =
      G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (c->conn));
  GError *err = NULL;

  while (TRUE) {
    guint8 b;
    gssize n;

    if (g_cancellable_set_error_if_cancelled (c->cancel, &err)) {
      connect_fail (task, err);
      return;
    }
    n = g_pollable_input_stream_read_nonblocking (in, &b, 1, NULL, &err);
    if (n < 0 && g_error_matches (err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
      g_clear_error (&err);
      c->wait = g_pollable_input_stream_create_source (in, c->cancel);
      g_source_set_callback (
          c->wait, (GSourceFunc)(void (*) (void))read_answer, task, NULL);
      g_source_attach (c->wait, g_main_context_get_thread_default ());
      return;
    }
    if (n < 0) {
      connect_fail (task, err);
      return;
    }
    if (n == 0) {
      connect_fail (task,
          g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
              "the server closed the connection during the WebSocket "
              "handshake"));
      return;
    }
    g_string_append_c (c->answer, (gchar)b);
    if (c->answer->len >= 4 &&
        memcmp (c->answer->str + c->answer->len - 4, "\r\n\r\n", 4) == 0) {
      answer_complete (task);
      return;
    }
    if (c->answer->len > MAX_ANSWER) {
      connect_fail (task,
          g_error_new_literal (G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
              "the answer to the WebSocket handshake is too long"));
      return;
    }
  }
}

static gboolean
read_answer (GObject *stream, gpointer data)
{
  GTask *task = data;
  Connect *c = g_task_get_task_data (task);

  g_clear_pointer (&c->wait, g_source_unref);
  read_more (task);
  return G_SOURCE_REMOVE;
}

static void
request_written (GObject *src, GAsyncResult *res, gpointer data)
{
  GTask *task = data;
  Connect *c = g_task_get_task_data (task);
  GError *err = NULL;

  if (!g_output_stream_write_all_finish (
          G_OUTPUT_STREAM (src), res, NULL, &err)) {
    connect_fail (task, err);
    return;
  }
  c->answer = g_string_sized_new (256);
  read_more (task);
}

static void
connected (GObject *src, GAsyncResult *res, gpointer data)
{
  GTask *task = data;
  Connect *c = g_task_get_task_data (task);
  GError *err = NULL;
  GSocketConnection *conn =
      g_socket_client_connect_finish (G_SOCKET_CLIENT (src), res, &err);
  const gchar *host = g_uri_get_host (c->uri);
  const gchar *path = g_uri_get_path (c->uri);
  const gchar *query = g_uri_get_query (c->uri);
  gboolean v6 = strchr (host, ':') != NULL;
  guint8 nonce[16];
  gchar *hostport;

  if (!conn) {
    connect_fail (task, err);
    return;
  }
  c->conn = G_IO_STREAM (conn);
  for (guint i = 0; i < sizeof (nonce); i++)
    nonce[i] = (guint8)g_random_int_range (0, 256);
  c->key = g_base64_encode (nonce, sizeof (nonce));
  if (g_uri_get_port (c->uri) > 0)
    hostport = g_strdup_printf ("%s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "",
        g_uri_get_port (c->uri));
  else
    hostport = g_strdup_printf ("%s%s%s", v6 ? "[" : "", host, v6 ? "]" : "");
  c->request = g_strdup_printf ("GET %s%s%s HTTP/1.1\r\n"
                                "Host: %s\r\n"
                                "Upgrade: websocket\r\n"
                                "Connection: Upgrade\r\n"
                                "Sec-WebSocket-Key: %s\r\n"
                                "Sec-WebSocket-Version: 13\r\n\r\n",
      *path ? path : "/", query ? "?" : "", query ? query : "", hostport,
      c->key);
  g_free (hostport);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (c->conn),
      c->request, strlen (c->request), G_PRIORITY_DEFAULT, c->cancel,
      request_written, task);
}

static void
client_event (GSocketClient *client, GSocketClientEvent event,
    GSocketConnectable *connectable, GIOStream *conn, gpointer data)
{
  Connect *c = data;

  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING && c->database &&
      G_IS_TLS_CONNECTION (conn))
    g_tls_connection_set_database (G_TLS_CONNECTION (conn), c->database);
}

void
meeting_ws_connect_async (const gchar *uri, GTlsDatabase *database,
    guint64 max_message, guint timeout_s, GCancellable *cancellable,
    GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  GError *err = NULL;
  GUri *u = g_uri_parse (uri, G_URI_FLAGS_ENCODED, &err);
  Connect *c;
  GSocketConnectable *addr;
  gboolean tls;
  gint port;

  g_task_set_source_tag (task, meeting_ws_connect_async);
  if (!u) {
    g_task_return_error (task, err);
    g_object_unref (task);
    return;
  }
  tls = g_ascii_strcasecmp (g_uri_get_scheme (u), "wss") == 0;
  if ((!tls && g_ascii_strcasecmp (g_uri_get_scheme (u), "ws") != 0) ||
      !g_uri_get_host (u) || !*g_uri_get_host (u)) {
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "%s is not a ws:// or wss:// URI", uri);
    g_object_unref (task);
    g_uri_unref (u);
    return;
  }
  c = g_new0 (Connect, 1);
  c->uri = u;
  c->database = database ? g_object_ref (database) : NULL;
  c->max_message = max_message;
  c->cancel = g_cancellable_new ();
  g_task_set_task_data (task, c, (GDestroyNotify)connect_free);
  if (cancellable) {
    c->outer = g_object_ref (cancellable);
    c->outer_id = g_cancellable_connect (
        cancellable, G_CALLBACK (outer_cancelled), c->cancel, NULL);
  }
  if (timeout_s) {
    c->deadline = g_timeout_source_new_seconds (timeout_s);
    g_source_set_callback (c->deadline, deadline_passed, c, NULL);
    g_source_attach (c->deadline, g_main_context_get_thread_default ());
  }
  c->client = g_socket_client_new ();
  g_socket_client_set_timeout (c->client, timeout_s);
  g_socket_client_set_tls (c->client, tls);
  g_signal_connect (c->client, "event", G_CALLBACK (client_event), c);
  port = g_uri_get_port (u);
  addr = g_network_address_new (g_uri_get_host (u),
      (guint16)(port > 0 ? port
              : tls      ? 443
                         : 80));
  g_socket_client_connect_async (c->client, addr, c->cancel, connected, task);
  g_object_unref (addr);
}

SoupWebsocketConnection *
meeting_ws_connect_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
