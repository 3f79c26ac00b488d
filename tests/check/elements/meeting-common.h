/* Helpers shared by the meetingsink/meetingsrc tests (meeting.c,
 * meeting-src.c): the server as a child process, plain WebSocket clients,
 * RTP packets, bus errors.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __MEETING_COMMON_H__
#define __MEETING_COMMON_H__

#include <string.h>

#include <gio/gio.h>
#include <gst/app/app.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "../server-process.h"

#define TIMEOUT_US (10 * G_USEC_PER_SEC)
#define AUDIO_CAPS                                                             \
  "application/x-rtp,media=audio,clock-rate=8000,encoding-name=L16,"           \
  "payload=96,channels=1"

#define VIDEO_CAPS                                                             \
  "application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8,"          \
  "payload=97,encryption=(string)sframe,"                                      \
  "sframe-suite=(string)aes-128-gcm-sha256-128"

G_GNUC_UNUSED static GSubprocess *server;
G_GNUC_UNUSED static gchar *server_url;

/* extra: one more server option, or NULL */
static inline void
server_start_with (const gchar *extra)
{
  const gchar *path = g_getenv ("GST_MEETING_SERVER");
  GError *err = NULL;

  fail_unless (path != NULL, "GST_MEETING_SERVER is not set");
  {
    const gchar *argv[] = { path, "--listen", "127.0.0.1:0", extra, NULL };
    server = spawn_server (
        G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
        argv, &err);
  }
  fail_unless (server != NULL);
  server_url = server_read_url (server, &err);
  fail_unless (server_url && g_str_has_prefix (server_url, "ws://"));
}

static inline void
server_start (void)
{
  server_start_with (NULL);
}

static inline void
server_stop (void)
{
  g_subprocess_send_signal (server, SIGTERM);
  fail_unless (g_subprocess_wait (server, NULL, NULL));
  fail_unless_equals_int (g_subprocess_get_exit_status (server), 0);
  g_clear_object (&server);
  g_clear_pointer (&server_url, g_free);
}

static inline gchar *
room_uri (const gchar *room)
{
  return g_strdup_printf ("%s/%s", server_url, room);
}

/* ------------------------------------------------- a plain WS client */

typedef struct
{
  SoupSession *session;
  SoupWebsocketConnection *ws;
  GQueue inbox; /* JsonObject* */
  GError *error;
  gboolean done;
} Client;

static inline void
on_client_message (
    SoupWebsocketConnection *ws, gint type, GBytes *msg, Client *c)
{
  JsonParser *p = json_parser_new ();
  gsize n;
  const gchar *d = g_bytes_get_data (msg, &n);

  fail_unless (json_parser_load_from_data (p, d, n, NULL));
  g_queue_push_tail (&c->inbox,
      json_object_ref (json_node_get_object (json_parser_get_root (p))));
  g_object_unref (p);
}

static inline void
on_client_connected (GObject *src, GAsyncResult *res, gpointer data)
{
  Client *c = data;

  c->ws = soup_session_websocket_connect_finish (
      SOUP_SESSION (src), res, &c->error);
  c->done = TRUE;
}

static inline void
iterate_until (gboolean *flag)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_US;

  while (!*flag && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  fail_unless (*flag);
}

static inline void
client_free (Client *c)
{
  if (c->ws &&
      soup_websocket_connection_get_state (c->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (c->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  /* let the close go out */
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_clear_object (&c->ws);
  g_object_unref (c->session);
  g_queue_clear_full (&c->inbox, (GDestroyNotify)json_object_unref);
  g_free (c);
}

/* The next message of this type (others are skipped), or NULL. */
static inline JsonObject *
client_expect (Client *c, const gchar *type)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_US;

  while (g_get_monotonic_time () < deadline) {
    while (c->inbox.length) {
      JsonObject *o = g_queue_pop_head (&c->inbox);
      if (g_str_equal (json_object_get_string_member (o, "type"), type))
        return o;
      json_object_unref (o);
    }
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  }
  return NULL;
}

/* The next message of this type arrives (others are skipped), or fails. */
static inline void
client_wait_for (Client *c, const gchar *type)
{
  JsonObject *o = client_expect (c, type);

  fail_unless (o != NULL, "no '%s' message", type);
  json_object_unref (o);
}

/* A client in the room, welcomed. */
static inline Client *
client_join (const gchar *room, const gchar *name)
{
  Client *c = g_new0 (Client, 1);
  gchar *uri = room_uri (room);
  SoupMessage *msg = soup_message_new (SOUP_METHOD_GET, uri);
  gchar *join = g_strdup_printf (
      "{\"type\":\"join\",\"name\":\"%s\",\"receive\":false}", name);

  c->session = soup_session_new ();
  soup_session_websocket_connect_async (c->session, msg, NULL, NULL,
      G_PRIORITY_DEFAULT, NULL, on_client_connected, c);
  iterate_until (&c->done);
  fail_unless (c->ws != NULL);
  g_signal_connect (c->ws, "message", G_CALLBACK (on_client_message), c);
  soup_websocket_connection_send_text (c->ws, join);
  g_object_unref (msg);
  g_free (uri);
  g_free (join);
  client_wait_for (c, "welcome");
  return c;
}

static inline void
client_send (Client *c, const gchar *text)
{
  soup_websocket_connection_send_text (c->ws, text);
}

/* --------------------------------------------------------------- helpers */

static inline GstBuffer *
make_rtp (guint32 ssrc, guint16 seq)
{
  GstBuffer *buf = gst_rtp_buffer_new_allocate (160, 0, 0);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

  gst_rtp_buffer_map (buf, GST_MAP_WRITE, &rtp);
  gst_rtp_buffer_set_ssrc (&rtp, ssrc);
  gst_rtp_buffer_set_seq (&rtp, seq);
  gst_rtp_buffer_set_payload_type (&rtp, 96);
  memset (gst_rtp_buffer_get_payload (&rtp), 0x5a, 160);
  gst_rtp_buffer_unmap (&rtp);
  return buf;
}

static inline GstMessage *
pop_error (GstElement *pipeline, guint timeout_s)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *m = gst_bus_timed_pop_filtered (
      bus, timeout_s * GST_SECOND, GST_MESSAGE_ERROR);

  gst_object_unref (bus);
  return m;
}

#endif /* __MEETING_COMMON_H__ */
