/* bench-relay: the participants that join the real server, through the
 * signaling protocol module and its ICE endpoint (ext/meeting/meetingproto.h,
 * meetingice.h), as N clients of one meeting; the main-loop pump they and
 * bench-relay.c wait with.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>

#include "bench-common.h"
#include "bench-relay.h"
#include "meetingproto.h"

/* --------------------------------------------------------- main loop */

static gboolean
on_pump_timeout (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the default main context for ms milliseconds. */
void
pump (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, on_pump_timeout, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* ---------------------------------------------------- the participants */

/* sends and frees a message text of the protocol module */
static void
msg_send (Client *c, gchar *text)
{
  if (c->ws &&
      soup_websocket_connection_get_state (c->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (c->ws, text);
  g_free (text);
}

static void
on_nice_recv (NiceAgent *agent, guint stream_id, guint component, guint len,
    gchar *buf, gpointer user_data)
{
  Client *c = user_data;

  if (packet_ok (c->m->senders, c->m->n, c->idx, (const guint8 *)buf, len))
    c->rx_ok++;
  else
    c->rx_bad++;
}

static void
on_candidate (MeetingIce *ice, const gchar *line, gpointer user_data)
{
  msg_send (user_data, meeting_msg_candidate_text (line));
}

static void
on_gathering_done (MeetingIce *ice, gpointer user_data)
{
  msg_send (user_data, meeting_msg_simple_text (MEETING_MSG_END_OF_CANDIDATES));
}

static void
on_state (MeetingIce *ice, guint state, gpointer user_data)
{
  Client *c = user_data;

  if (meeting_ice_state_is_connected (state))
    c->ready = TRUE;
  else if (state == NICE_COMPONENT_STATE_FAILED) {
    g_printerr ("participant %u: ICE failed\n", c->idx);
    c->failed = TRUE;
  }
}

static void
on_ws_message (
    SoupWebsocketConnection *ws, gint type, GBytes *msg, gpointer user_data)
{
  Client *c = user_data;
  MeetingMsg m;
  gsize len;
  const gchar *data = g_bytes_get_data (msg, &len);

  if (type != SOUP_WEBSOCKET_DATA_TEXT ||
      !meeting_msg_parse (&m, MEETING_TO_CLIENT, data, len, NULL))
    return;
  switch (m.type) {
    case MEETING_MSG_ICE:
      meeting_ice_set_remote_credentials (c->ice, m.u.ice.ufrag, m.u.ice.pwd);
      break;
    case MEETING_MSG_CANDIDATE:
      meeting_ice_add_remote_candidate (c->ice, m.u.candidate.line, TRUE);
      break;
    case MEETING_MSG_END_OF_CANDIDATES:
      meeting_ice_remote_gathering_done (c->ice);
      break;
    case MEETING_MSG_ERROR:
      g_printerr ("participant %u: server error %s: %s\n", c->idx,
          m.u.error.code, m.u.error.message);
      c->m->errors++;
      break;
    default:
      break;
  }
  meeting_msg_clear (&m);
}

/* Joins, offers ICE credentials, publishes and gathers (the candidates
 * follow as they come). */
static void
client_start (Client *c)
{
  static const MeetingIceCallbacks cb = { on_candidate, on_gathering_done,
    on_state, on_nice_recv };
  /* libnice leaves loopback out of its own discovery */
  MeetingIceConfig cfg = { g_main_context_default (), TRUE, "127.0.0.1", 0, 0 };
  MeetingMsg m = { .type = MEETING_MSG_JOIN };
  gchar *ufrag = NULL, *pwd = NULL, *name;

  c->ice = meeting_ice_new (&cfg, &cb, c);
  if (!c->ice) {
    g_printerr ("participant %u: no ICE agent\n", c->idx);
    c->failed = TRUE;
    return;
  }
  name = g_strdup_printf ("b%u", c->idx);
  m.u.join.name = name;
  m.u.join.receive = TRUE;
  msg_send (c, meeting_msg_serialize (&m));
  g_free (name);

  meeting_ice_get_local_credentials (c->ice, &ufrag, &pwd);
  msg_send (c, meeting_msg_ice_text (ufrag, pwd));
  g_free (ufrag);
  g_free (pwd);

  memset (&m, 0, sizeof (m));
  m.type = MEETING_MSG_PUBLISH;
  m.u.stream.stream = "audio_0";
  m.u.stream.kind = MEETING_KIND_AUDIO;
  m.u.stream.ssrc = c->m->senders[c->idx].ssrc;
  m.u.stream.caps = "application/x-rtp,media=audio,encoding-name=OPUS,"
                    "clock-rate=48000,payload=96";
  m.u.stream.e2ee = TRUE;
  msg_send (c, meeting_msg_serialize (&m));

  if (!meeting_ice_gather (c->ice)) {
    g_printerr ("participant %u: gathering failed\n", c->idx);
    c->failed = TRUE;
  }
}

static void
on_ws_connected (GObject *src, GAsyncResult *res, gpointer user_data)
{
  Client *c = user_data;
  GError *err = NULL;

  c->ws = soup_session_websocket_connect_finish (SOUP_SESSION (src), res, &err);
  if (!c->ws) {
    g_printerr ("participant %u: %s\n", c->idx, err->message);
    g_error_free (err);
    c->failed = TRUE;
    return;
  }
  g_signal_connect (c->ws, "message", G_CALLBACK (on_ws_message), c);
  client_start (c);
}

static guint
meeting_count (Meeting *m, gboolean failed)
{
  guint k = 0;

  for (guint i = 0; i < m->n; i++)
    k += failed ? m->clients[i].failed : m->clients[i].ready;
  return k;
}

void
meeting_reset_rx (Meeting *m)
{
  for (guint i = 0; i < m->n; i++)
    m->clients[i].rx_ok = m->clients[i].rx_bad = 0;
}

guint64
meeting_rx (Meeting *m, guint64 *bad, guint *empty)
{
  guint64 ok = 0;

  *bad = 0;
  *empty = 0;
  for (guint i = 0; i < m->n; i++) {
    ok += m->clients[i].rx_ok;
    *bad += m->clients[i].rx_bad;
    *empty += m->clients[i].rx_ok == 0;
  }
  return ok;
}

/* Every participant must get every packet of the others, intact, when the
 * load is gentle; a few tries, as the server's side of ICE may complete a
 * little after ours. */
gboolean
meeting_check (Meeting *m)
{
  guint64 want = (guint64)(m->n - 1) * CHECK_ROUNDS * m->n;

  for (guint attempt = 0; attempt < 5; attempt++) {
    guint64 ok = 0, bad = 0;
    guint empty;
    gint64 deadline;

    pump (50);
    meeting_reset_rx (m);
    for (guint k = 0; k < CHECK_ROUNDS; k++) {
      for (guint i = 0; i < m->n; i++)
        sender_send (&m->senders[i], 1);
      pump (5);
    }
    deadline = bench_now_ns () + 1000000000;
    while (bench_now_ns () < deadline) {
      ok = meeting_rx (m, &bad, &empty);
      if (ok >= want)
        break;
      pump (10);
    }
    pump (20);
    ok = meeting_rx (m, &bad, &empty);
    if (ok == want && bad == 0)
      return TRUE;
    if (attempt == 4 || bad)
      g_printerr (
          "server delivery check: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
          " packets arrived, %" G_GUINT64_FORMAT " damaged or unexpected\n",
          ok, want, bad);
    if (bad)
      return FALSE;
    pump (500);
  }
  return FALSE;
}

gboolean
meeting_start (Meeting *m, guint n, guint payload, const gchar *server_path)
{
  gint64 t0 = bench_now_ns (), deadline = t0 + 30 * (gint64)1000000000;
  gchar *uri;

  memset (m, 0, sizeof (*m));
  m->n = n;
  for (guint i = 0; i < n; i++) {
    m->clients[i].m = m;
    m->clients[i].idx = i;
    sender_init (&m->senders[i], i, payload);
  }
  if (!server_start (&m->server, server_path))
    return FALSE;
  m->session = soup_session_new_with_options (
      "max-conns", 4 * MAX_N, "max-conns-per-host", 2 * MAX_N, NULL);
  uri = g_strdup_printf ("ws://127.0.0.1:%u/bench", m->server.port);
  for (guint i = 0; i < n; i++) {
    SoupMessage *msg = soup_message_new (SOUP_METHOD_GET, uri);

    soup_session_websocket_connect_async (m->session, msg, NULL, NULL,
        G_PRIORITY_DEFAULT, NULL, on_ws_connected, &m->clients[i]);
    g_object_unref (msg);
  }
  g_free (uri);
  while (meeting_count (m, FALSE) < n && meeting_count (m, TRUE) == 0 &&
      bench_now_ns () < deadline)
    pump (10);
  if (meeting_count (m, FALSE) < n) {
    g_printerr ("N=%u: %u of %u participants connected (ICE) in 30 s\n", n,
        meeting_count (m, FALSE), n);
    return FALSE;
  }
  for (guint i = 0; i < n; i++) {
    Client *c = &m->clients[i];
    NiceCandidate *local = NULL, *remote = NULL;

    c->socket = nice_agent_get_selected_socket (
        meeting_ice_get_agent (c->ice), meeting_ice_get_stream_id (c->ice), 1);
    if (!c->socket ||
        !nice_agent_get_selected_pair (meeting_ice_get_agent (c->ice),
            meeting_ice_get_stream_id (c->ice), 1, &local, &remote)) {
      g_printerr ("participant %u: no selected pair\n", i);
      return FALSE;
    }
    m->senders[i].fd = g_socket_get_fd (c->socket);
    nice_address_copy_to_sockaddr (
        &remote->addr, (struct sockaddr *)&m->senders[i].to);
  }
  printf ("# N=%u: %u participants joined the server and completed ICE in "
          "%.2f s\n",
      n, n, (bench_now_ns () - t0) / NS);
  return TRUE;
}

gboolean
meeting_stop (Meeting *m)
{
  gboolean ok;

  for (guint i = 0; i < m->n; i++) {
    Client *c = &m->clients[i];

    if (c->ws) {
      if (soup_websocket_connection_get_state (c->ws) ==
          SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (
            c->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    }
  }
  pump (100);
  for (guint i = 0; i < m->n; i++) {
    Client *c = &m->clients[i];

    g_clear_object (&c->socket);
    g_clear_pointer (&c->ice, meeting_ice_free);
    if (c->ws)
      g_signal_handlers_disconnect_by_data (c->ws, c);
    g_clear_object (&c->ws);
    sender_clear (&m->senders[i]);
  }
  g_clear_object (&m->session);
  if (!m->server.pid)
    return FALSE;
  ok = relay_stop (&m->server);
  if (!ok)
    g_printerr ("the server did not exit 0\n");
  return ok;
}
