/* keyexchange over the real meeting server: each participant's messages go
 * to the server's bulletin board and come back, in the server's order, to
 * everybody (late joiners get the history). The test plays the part of the
 * meeting session that meetingsrc/meetingsink will take.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gio/gio.h>
#include <gst/gst.h>
#include <libsoup/soup.h>

#include "../check/server-process.h"
#include "meetingproto.h"

#define TIMEOUT_US (20 * G_USEC_PER_SEC)

typedef struct
{
  SoupSession *session;
  SoupWebsocketConnection *ws;
  GstElement *kx;
  gchar *id;
  gboolean welcomed;
  gboolean done;
  GError *error;
} Member;

typedef struct
{
  Member *m;
  GBytes *msg;
} Outgoing;

/* on the main thread: keyexchange's message onto the board */
static gboolean
post_to_board (gpointer data)
{
  Outgoing *o = data;
  gchar *b64 = g_base64_encode (
      g_bytes_get_data (o->msg, NULL), g_bytes_get_size (o->msg));
  /* the slot of the message type, as the meeting session posts it: the
   * board keeps each author's latest per type (docs/protocol.md 2.6) */
  static const gchar *const slots[] = { NULL, "announce", "ack", "keys",
    "roster", "heartbeat", "leave" };
  gsize n;
  const guint8 *d = g_bytes_get_data (o->msg, &n);
  const gchar *slot =
      n >= 2 && d[0] == 1 && d[1] < G_N_ELEMENTS (slots) ? slots[d[1]] : NULL;
  gchar *json = meeting_msg_board_text (0, NULL, b64, slot);

  if (o->m->ws &&
      soup_websocket_connection_get_state (o->m->ws) ==
          SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (o->m->ws, json);
  g_free (json);
  g_free (b64);
  g_bytes_unref (o->msg);
  g_free (o);
  return G_SOURCE_REMOVE;
}

/* keyexchange's thread: hand over to the thread that owns the socket */
static void
on_send_message (GstElement *kx, GBytes *msg, Member *m)
{
  Outgoing *o = g_new0 (Outgoing, 1);
  o->m = m;
  o->msg = g_bytes_ref (msg);
  g_main_context_invoke (NULL, post_to_board, o);
}

static void
on_ws_message (SoupWebsocketConnection *ws, gint type, GBytes *msg, Member *m)
{
  MeetingMsg in;
  const gchar *why = NULL;
  gsize n;
  const gchar *d = g_bytes_get_data (msg, &n);

  /* everything the server sends is well formed (the protocol module) */
  if (!meeting_msg_parse (&in, MEETING_TO_CLIENT, d, n, &why))
    g_error ("malformed message from the server (%s): %.*s", why, (int)n, d);
  if (in.type == MEETING_MSG_WELCOME) {
    m->id = g_strdup (in.u.welcome.id);
    g_object_set (m->kx, "participant-id", m->id, "display-name", m->id,
        "meeting-id", "room", "instance", in.u.welcome.instance,
        "heartbeat-interval", 500, NULL);
    m->welcomed = TRUE;
    g_assert_cmpint (gst_element_set_state (m->kx, GST_STATE_PLAYING), !=,
        GST_STATE_CHANGE_FAILURE);
  } else if (in.type == MEETING_MSG_BOARD) {
    gsize len;
    guchar *raw = g_base64_decode (in.u.board.data, &len);
    GBytes *b = g_bytes_new_take (raw, len);
    g_signal_emit_by_name (m->kx, "receive-message", b);
    g_bytes_unref (b);
  } else if (in.type == MEETING_MSG_LEFT) {
    g_signal_emit_by_name (m->kx, "participant-gone", in.u.presence.id);
  }
  meeting_msg_clear (&in);
}

static void
on_connected (GObject *src, GAsyncResult *res, gpointer data)
{
  Member *m = data;
  m->ws = soup_session_websocket_connect_finish (
      SOUP_SESSION (src), res, &m->error);
  m->done = TRUE;
}

static void
iterate_until (gboolean *flag)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_US;
  while (!*flag && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (*flag);
}

static Member *
member_join (const gchar *url, const gchar *name)
{
  Member *m = g_new0 (Member, 1);
  SoupMessage *msg = soup_message_new (SOUP_METHOD_GET, url);
  gchar *join = g_strdup_printf ("{\"type\":\"join\",\"name\":\"%s\"}", name);

  m->kx = gst_element_factory_make ("keyexchange", NULL);
  g_assert_nonnull (m->kx);
  g_signal_connect (m->kx, "send-message", G_CALLBACK (on_send_message), m);
  m->session = soup_session_new ();
  soup_session_websocket_connect_async (
      m->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL, on_connected, m);
  iterate_until (&m->done);
  g_assert_no_error (m->error);
  g_signal_connect (m->ws, "message", G_CALLBACK (on_ws_message), m);
  soup_websocket_connection_send_text (m->ws, join);
  iterate_until (&m->welcomed);
  g_object_unref (msg);
  g_free (join);
  return m;
}

static void
member_leave (Member *m)
{
  gst_element_set_state (m->kx, GST_STATE_NULL);
  /* let the LEAVE it just posted reach the board */
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  soup_websocket_connection_close (m->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
}

static void
member_free (Member *m)
{
  gst_element_set_state (m->kx, GST_STATE_NULL);
  gst_object_unref (m->kx);
  g_clear_object (&m->ws);
  g_object_unref (m->session);
  g_free (m->id);
  g_free (m);
}

/* every member sends with the same epoch (> above) under one leader */
static guint64
wait_agreement (Member **ms, guint n, guint64 above)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_US;

  while (g_get_monotonic_time () < deadline) {
    guint64 e0 = 0;
    gchar *l0 = NULL;
    gboolean same = TRUE;
    for (guint i = 0; i < n && same; i++) {
      guint64 e;
      gchar *l;
      g_object_get (ms[i]->kx, "epoch", &e, "leader", &l, NULL);
      if (i == 0) {
        e0 = e;
        l0 = g_strdup (l);
      }
      same = e > above && e == e0 && l && g_strcmp0 (l, l0) == 0;
      g_free (l);
    }
    g_free (l0);
    if (same)
      return e0;
    g_main_context_iteration (NULL, FALSE);
    g_usleep (2000);
  }
  g_error ("no agreement within 20 s");
  return 0;
}

static void
test_meeting_over_server (void)
{
  const gchar *server = g_getenv ("GST_MEETING_SERVER");
  GSubprocess *proc;
  gchar *base, *url;
  Member *m[4];
  gchar *code0, *code1;
  guint64 e1, e2, e3;
  GError *err = NULL;

  {
    const gchar *argv[] = { server, "--listen", "127.0.0.1:0", NULL };
    proc = spawn_server (G_SUBPROCESS_FLAGS_STDOUT_PIPE, argv, &err);
  }
  g_assert_no_error (err);
  base = server_read_url (proc, &err);
  g_assert_nonnull (base);
  url = g_strdup_printf ("%s/room", base);
  g_free (base);

  for (guint i = 0; i < 3; i++) {
    gchar *name = g_strdup_printf ("user%u", i);
    m[i] = member_join (url, name);
    g_free (name);
  }
  e1 = wait_agreement (m, 3, 0);
  g_object_get (m[0]->kx, "security-code", &code0, NULL);
  g_object_get (m[2]->kx, "security-code", &code1, NULL);
  g_assert_cmpstr (code0, ==, code1);
  g_free (code0);
  g_free (code1);

  /* a late joiner replays the board and is keyed in */
  m[3] = member_join (url, "late");
  e2 = wait_agreement (m, 4, e1);

  /* the leader leaves: the others agree on a successor and a new epoch */
  member_leave (m[0]);
  e3 = wait_agreement (m + 1, 3, e2);
  g_assert_cmpuint (e3, >, e2);

  for (guint i = 0; i < 4; i++)
    member_free (m[i]);
  g_subprocess_send_signal (proc, SIGTERM);
  g_subprocess_wait (proc, NULL, NULL);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_object_unref (proc);
  g_free (url);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/keyexchange/over-server", test_meeting_over_server);
  return g_test_run ();
}
