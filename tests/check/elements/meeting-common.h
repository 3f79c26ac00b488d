/* Helpers shared by the meetingsink/meetingsrc tests (meeting.c,
 * meeting-src.c): the server as a child process (../server-process.h),
 * plain WebSocket clients (../ws-client.h), RTP packets, bus errors.
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
#include "../ws-client.h"

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

static inline void
on_client_message (
    SoupWebsocketConnection *ws, gint type, GBytes *msg, Client *c)
{
  gsize n;
  const gchar *d = g_bytes_get_data (msg, &n);

  fail_unless (client_queue_json (c, d, n));
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
  gchar *uri = room_uri (room);
  Client *c = client_connect_url (uri, G_CALLBACK (on_client_message));
  gchar *join = g_strdup_printf (
      "{\"type\":\"join\",\"name\":\"%s\",\"receive\":false}", name);

  fail_unless (c->ws != NULL);
  client_send (c, join);
  g_free (uri);
  g_free (join);
  client_wait_for (c, "welcome");
  return c;
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
