/* The meeting session, signaling: the WebSocket to the server, its JSON
 * messages (welcome, presence, stream announcements, board, errors), the
 * keyexchange elements bound to the board, and (re)connecting.  Runs on the
 * session thread.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmeetingsession-priv.h"
#include "meetingproto.h"
#include "meetingws.h"

#include <string.h>

/* ------------------------------------------------------------ signaling */

/* Sends a message text of the protocol module (meetingproto.h) and frees
 * it. */
void
session_send_text (GstMeetingSession *s, gchar *text)
{
  if (text && s->ws &&
      soup_websocket_connection_get_state (s->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (s->ws, text);
  g_free (text);
}

void
send_publish (GstMeetingSession *s, LocalStream *ls)
{
  MeetingStreamInfo st = { 0 };

  st.stream = ls->stream;
  st.kind = meeting_kind_from_string (ls->kind);
  st.ssrc = ls->ssrc;
  st.caps = ls->caps;
  st.e2ee = ls->e2ee;
  session_send_text (s, meeting_msg_stream_text (MEETING_MSG_PUBLISH, &st));
}

/* ----------------------------------------------------------- keyexchange */

typedef struct
{
  GstMeetingSession *s;
  GBytes *data;
} BoardPost;

static void
board_post_free (BoardPost *bp)
{
  g_bytes_unref (bp->data);
  session_unref (bp->s);
  g_free (bp);
}

/* The board slot of a keyexchange message, from its clear header (version
 * 1, type; docs/protocol.md 1.3): the server keeps only an author's latest
 * message per slot (2.6). */
static const gchar *
board_slot (GBytes *msg)
{
  static const gchar *const slots[] = { NULL, "announce", "ack", "keys",
    "roster", "heartbeat", "leave" };
  gsize n;
  const guint8 *d = g_bytes_get_data (msg, &n);

  if (n < 2 || d[0] != 1 || d[1] >= G_N_ELEMENTS (slots))
    return NULL;
  return slots[d[1]];
}

static gboolean
board_post (gpointer data)
{
  BoardPost *bp = data;
  GstMeetingSession *s = bp->s;
  const gchar *slot = board_slot (bp->data);
  gchar *b64;

  if (!s->joined)
    return G_SOURCE_REMOVE; /* of an earlier instance, or too early */
  b64 = g_base64_encode (
      g_bytes_get_data (bp->data, NULL), g_bytes_get_size (bp->data));
  session_send_text (s, meeting_msg_board_text (0, NULL, b64, slot));
  g_free (b64);
  return G_SOURCE_REMOVE;
}

/* keyexchange's thread */
void
on_kx_send (GstElement *kx, GBytes *msg, gpointer user_data)
{
  GstMeetingSession *s = user_data;
  BoardPost *bp = g_new0 (BoardPost, 1);

  bp->s = session_ref (s);
  bp->data = g_bytes_ref (msg);
  session_invoke (s, board_post, bp, (GDestroyNotify)board_post_free);
}

static void
kx_handler_unref (gpointer data, GClosure *closure)
{
  session_unref (data);
}

/* keyexchange elements of the pipeline that belong to this meeting (no
 * meeting-id, or this room's) run over the session's bulletin board. They
 * are known by their type (registered by the e2ee plugin: found by name, so
 * that no C type crosses between the two plugins) and driven through their
 * action signals bind-channel, channel-ready, receive-message,
 * participant-gone and their send-message signal. */
void
bind_keyexchanges (GstMeetingSession *s, GstElement *pipeline)
{
  GType kx_type = g_type_from_name ("GstKeyExchange");
  GstIterator *it;
  GValue v = G_VALUE_INIT;

  if (!kx_type || !GST_IS_BIN (pipeline))
    return;
  it = gst_bin_iterate_recurse (GST_BIN (pipeline));
  while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    GstElement *el = g_value_get_object (&v);
    gchar *mid = NULL;

    if (G_TYPE_CHECK_INSTANCE_TYPE (el, kx_type)) {
      g_object_get (el, "meeting-id", &mid, NULL);
      if ((!mid || g_str_equal (mid, s->room)) &&
          !g_ptr_array_find (s->kxs, el, NULL)) {
        GST_INFO ("keyexchange %s runs over %s", GST_OBJECT_NAME (el), s->uri);
        g_ptr_array_add (s->kxs, gst_object_ref (el));
        g_signal_connect_data (el, "send-message", G_CALLBACK (on_kx_send),
            session_ref (s), kx_handler_unref, 0);
        g_signal_emit_by_name (el, "bind-channel");
      }
      g_free (mid);
    }
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
}

GPtrArray *
kx_list (GstMeetingSession *s)
{
  GPtrArray *a = g_ptr_array_new_with_free_func (gst_object_unref);

  g_mutex_lock (&s->lock);
  for (guint i = 0; i < s->kxs->len; i++)
    g_ptr_array_add (a, gst_object_ref (s->kxs->pdata[i]));
  g_mutex_unlock (&s->lock);
  return a;
}

/* ----------------------------------------------------- server messages */

static void handle_presence (GstMeetingSession *s, const gchar *id,
    const gchar *name, const gchar *reason, gboolean joined);

static guint
kinds_of (GStrv v)
{
  guint k = 0;

  for (; v && *v; v++)
    k |= meeting_kind_from_string (*v);
  return k;
}

/* meetingsrc's media/participants filters: the server then does not send
 * what would only be dropped here */
void
send_subscribe (GstMeetingSession *s)
{
  MeetingMsg m = { .type = MEETING_MSG_SUBSCRIBE };

  if (!s->joined)
    return; /* the join carries receive, the welcome brings us back here */
  g_mutex_lock (&s->cb_lock);
  if (!s->receiver.media) {
    /* no meetingsrc (any more): nothing */
    m.u.subscribe.kinds = 0;
  } else {
    m.u.subscribe.kinds =
        s->sub_kinds ? kinds_of (s->sub_kinds) : MEETING_KIND_ALL;
    m.u.subscribe.names = s->sub_names;
  }
  session_send_text (s, meeting_msg_serialize (&m));
  g_mutex_unlock (&s->cb_lock);
}

static void
handle_welcome (GstMeetingSession *s, const MeetingMsg *m)
{
  const gchar *id = m->u.welcome.id, *instance = m->u.welcome.instance;
  GPtrArray *kxs;
  GstStructure *st;

  /* our earlier connections to this instance are dead: keyexchange is told
   * below, so that they leave its roster (ids are never reused within an
   * instance; a new instance may reuse them) */
  if (s->self_id && g_strcmp0 (s->instance, instance) == 0 &&
      g_strcmp0 (s->self_id, id) != 0) {
    if (s->earlier_ids->len >= 64)
      g_ptr_array_remove_index (s->earlier_ids, 0);
    g_ptr_array_add (s->earlier_ids, s->self_id);
  } else {
    g_ptr_array_set_size (s->earlier_ids, 0);
    g_free (s->self_id);
  }
  s->self_id = g_strdup (id);
  g_free (s->instance);
  s->instance = g_strdup (instance);
  s->joined = TRUE;
  s->ssrc_taken_since = 0;
  s->down_since = 0;
  s->backoff_ms = 0;
  s->connects++;
  g_hash_table_remove_all (s->names);
  g_hash_table_remove_all (s->absent);
  /* names: filled from the roster below, as joins */
  GST_INFO ("joined %s as %s (instance %s)", s->uri, id, instance);

  /* keyexchange: this instance, this id; a resumed meeting gets new keys */
  kxs = kx_list (s);
  for (guint i = 0; i < kxs->len; i++) {
    g_object_set (kxs->pdata[i], "meeting-id", s->room, "participant-id", id,
        "instance", instance, "display-name", s->participant, NULL);
    g_signal_emit_by_name (kxs->pdata[i], "channel-ready");
    for (guint j = 0; j < s->earlier_ids->len; j++)
      g_signal_emit_by_name (
          kxs->pdata[i], "participant-gone", s->earlier_ids->pdata[j]);
  }
  g_ptr_array_unref (kxs);

  st = gst_structure_new ("meeting-connected", "uri", G_TYPE_STRING, s->uri,
      "participant-id", G_TYPE_STRING, id, "instance", G_TYPE_STRING, instance,
      "participants", G_TYPE_UINT, m->u.welcome.n_roster + 1, "reconnected",
      G_TYPE_BOOLEAN, s->connects > 1, NULL);
  post (s, st);

  /* who is already here, as if they had just joined */
  for (guint i = 0; i < m->u.welcome.n_roster; i++)
    handle_presence (
        s, m->u.welcome.roster[i].id, m->u.welcome.roster[i].name, NULL, TRUE);
  send_subscribe (s);
  if (!media_start (s))
    post_error (s, "Cannot start ICE", "no ICE stream");
  g_mutex_lock (&s->lock);
  for (guint i = 0; i < s->local->len; i++)
    send_publish (s, s->local->pdata[i]);
  g_mutex_unlock (&s->lock);
  for (guint i = 0; i < m->u.welcome.n_streams; i++)
    remote_stream_add (s, &m->u.welcome.streams[i]);
}

static void
handle_board (GstMeetingSession *s, const MeetingMsg *m)
{
  const gchar *data = m->u.board.data;
  const gchar *from = m->u.board.from;
  GPtrArray *kxs;
  guchar *raw;
  gsize n = 0;
  GBytes *b;

  if (!data)
    return;
  raw = g_base64_decode (data, &n);
  b = g_bytes_new_take (raw, n);
  kxs = kx_list (s);
  for (guint i = 0; i < kxs->len; i++)
    g_signal_emit_by_name (kxs->pdata[i], "receive-message", b);
  /* history of someone no longer here (the board is replayed at join):
   * keyexchange must not wait for them */
  if (from && g_strcmp0 (from, s->self_id) != 0 &&
      !g_hash_table_contains (s->names, from) &&
      !g_hash_table_contains (s->absent, from)) {
    g_hash_table_add (s->absent, g_strdup (from));
    for (guint i = 0; i < kxs->len; i++)
      g_signal_emit_by_name (kxs->pdata[i], "participant-gone", from);
  }
  g_ptr_array_unref (kxs);
  g_bytes_unref (b);
}

static void
handle_presence (GstMeetingSession *s, const gchar *id, const gchar *name,
    const gchar *reason, gboolean joined)
{
  GstStructure *st;

  if (!id || !name)
    return;
  if (joined) {
    g_hash_table_insert (s->names, g_strdup (id), g_strdup (name));
  } else {
    GPtrArray *kxs = kx_list (s);
    remote_streams_remove (s, id, NULL, TRUE);
    g_hash_table_remove (s->names, id);
    for (guint i = 0; i < kxs->len; i++)
      g_signal_emit_by_name (kxs->pdata[i], "participant-gone", id);
    g_ptr_array_unref (kxs);
  }
  st = gst_structure_new (
      joined ? "meeting-participant-joined" : "meeting-participant-left",
      "participant-id", G_TYPE_STRING, id, "name", G_TYPE_STRING, name, NULL);
  /* left: "left", "closed", "timeout" or "media-failed" (server's word) */
  if (reason)
    gst_structure_set (st, "reason", G_TYPE_STRING, reason, NULL);
  post (s, st);
}

static void
handle_candidate (GstMeetingSession *s, const MeetingMsg *m)
{
  const gchar *line = m->u.candidate.line;

  if (!s->ice)
    return;
  if (meeting_ice_add_remote_candidate (s->ice, line, TRUE) != MEETING_ICE_OK)
    GST_WARNING ("unusable candidate from the server: %s", line);
}

/* The server forwards a stream's packets once it has its announcement:
 * sending earlier would only get them dropped as unknown. */
static void
handle_published (GstMeetingSession *s, const MeetingMsg *m)
{
  guint32 ssrc = m->u.stream.ssrc;

  g_mutex_lock (&s->agent_lock);
  g_array_append_val (s->published, ssrc);
  g_mutex_unlock (&s->agent_lock);
}

/* Publishes again the streams the server has not accepted yet. */
static gboolean
republish (gpointer data)
{
  GstMeetingSession *s = data;
  gboolean pending = FALSE;

  g_clear_pointer (&s->republish, g_source_unref);
  if (!s->joined)
    return G_SOURCE_REMOVE;
  g_mutex_lock (&s->lock);
  for (guint i = 0; i < s->local->len; i++) {
    LocalStream *ls = s->local->pdata[i];
    gboolean accepted = FALSE;
    g_mutex_lock (&s->agent_lock);
    for (guint j = 0; j < s->published->len; j++)
      accepted |= g_array_index (s->published, guint32, j) == ls->ssrc;
    g_mutex_unlock (&s->agent_lock);
    if (!accepted) {
      send_publish (s, ls);
      pending = TRUE;
    }
  }
  g_mutex_unlock (&s->lock);
  if (pending)
    GST_INFO ("publishing again the streams whose SSRC was taken");
  return G_SOURCE_REMOVE;
}

static void
handle_error (GstMeetingSession *s, const MeetingMsg *m)
{
  const gchar *code = m->u.error.code, *message = m->u.error.message;
  gint64 now = g_get_monotonic_time ();

  GST_WARNING ("server error %s: %s", code, message);
  post (s,
      gst_structure_new ("meeting-server-error", "code", G_TYPE_STRING, code,
          "message", G_TYPE_STRING, message, NULL));
  if (!code)
    return;
  if (g_str_equal (code, "media-failed")) {
    media_failed (s, message ? message : "the server said media-failed");
    return;
  }
  /* Our own old connection may still hold the SSRC (we came back after a
   * network loss before the server noticed the old one had gone): the
   * server drops it within its ping timeout, so publish again for a while
   * before giving up. */
  if (g_str_equal (code, "ssrc-taken")) {
    if (!s->ssrc_taken_since)
      s->ssrc_taken_since = now;
    if (now - s->ssrc_taken_since < SSRC_RETRY_US) {
      if (!s->republish) {
        s->republish = g_timeout_source_new (SSRC_RETRY_INTERVAL_MS);
        g_source_set_callback (s->republish, republish, s, NULL);
        g_source_attach (s->republish, s->ctx);
      }
      return;
    }
  }
  /* refusals that retrying cannot fix */
  if (g_str_equal (code, "forbidden") || g_str_equal (code, "full") ||
      g_str_equal (code, "e2ee-required") || g_str_equal (code, "ssrc-taken")) {
    gchar *text = g_strdup_printf ("The meeting server refused: %s", message);
    if (g_str_equal (code, "forbidden") || g_str_equal (code, "full"))
      s->fatal = TRUE;
    post_error (s, text, code);
    g_free (text);
  }
}

static void
on_ws_message (
    SoupWebsocketConnection *ws, gint type, GBytes *msg, gpointer user_data)
{
  GstMeetingSession *s = user_data;
  MeetingMsg m;
  const gchar *why = NULL;
  gsize n;
  const gchar *d = g_bytes_get_data (msg, &n);

  s->last_seen = g_get_monotonic_time ();
  if (type != SOUP_WEBSOCKET_DATA_TEXT || n == 0 || !d)
    return;
  if (!meeting_msg_parse (&m, MEETING_TO_CLIENT, d, n, &why)) {
    if (m.type == MEETING_MSG_WELCOME)
      session_disconnected (s, "malformed welcome");
    else
      GST_WARNING ("unusable message from the server (%s): %s",
          meeting_msg_type_name (m.type) ? meeting_msg_type_name (m.type) : "?",
          why);
    return;
  }
  if (m.type == MEETING_MSG_WELCOME)
    handle_welcome (s, &m);
  else if (m.type == MEETING_MSG_ERROR)
    handle_error (s, &m);
  else if (!s->joined)
    GST_DEBUG ("%s before welcome ignored", meeting_msg_type_name (m.type));
  else if (m.type == MEETING_MSG_BOARD)
    handle_board (s, &m);
  else if (m.type == MEETING_MSG_JOINED || m.type == MEETING_MSG_LEFT)
    handle_presence (s, m.u.presence.id, m.u.presence.name, m.u.presence.reason,
        m.type == MEETING_MSG_JOINED);
  else if (m.type == MEETING_MSG_STREAM)
    remote_stream_add (s, &m.u.stream);
  else if (m.type == MEETING_MSG_PUBLISHED)
    handle_published (s, &m);
  else if (m.type == MEETING_MSG_STREAM_REMOVED)
    remote_streams_remove (s, m.u.stream.from, m.u.stream.stream, TRUE);
  else if (m.type == MEETING_MSG_ICE && s->ice)
    meeting_ice_set_remote_credentials (s->ice, m.u.ice.ufrag, m.u.ice.pwd);
  else if (m.type == MEETING_MSG_CANDIDATE)
    handle_candidate (s, &m);
  else if (m.type == MEETING_MSG_END_OF_CANDIDATES && s->ice)
    meeting_ice_remote_gathering_done (s->ice);
  meeting_msg_clear (&m);
}

static void
on_ws_pong (SoupWebsocketConnection *ws, GBytes *msg, gpointer user_data)
{
  ((GstMeetingSession *)user_data)->last_seen = g_get_monotonic_time ();
}

static void
on_ws_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  GstMeetingSession *s = user_data;
  gushort code = soup_websocket_connection_get_close_code (ws);
  const gchar *why = soup_websocket_connection_get_close_data (ws);
  const gchar *refused = g_object_get_data (G_OBJECT (ws), "meeting-refused");
  gchar *reason = refused ? g_strdup_printf ("connection dropped: %s", refused)
                          : g_strdup_printf ("connection closed (%u%s%s)", code,
                                why && *why ? ": " : "", why ? why : "");

  session_disconnected (s, reason);
  g_free (reason);
}

/* ------------------------------------------------------- (re)connecting */

void
drop_ws (GstMeetingSession *s, gboolean graceful)
{
  if (!s->ws)
    return;
  g_signal_handlers_disconnect_by_data (s->ws, s);
  if (graceful &&
      soup_websocket_connection_get_state (s->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (s->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  else
    /* the server is gone or stuck: no close handshake that would keep the
     * old connection (and its answers to pings) alive; the server sees the
     * socket close as soon as it reads again and drops the old us */
    g_io_stream_close (
        soup_websocket_connection_get_io_stream (s->ws), NULL, NULL);
  g_clear_object (&s->ws);
}

static gboolean
retry_connect (gpointer data)
{
  GstMeetingSession *s = data;

  g_clear_pointer (&s->retry, g_source_unref);
  connect_ws (s);
  return G_SOURCE_REMOVE;
}

/* The meeting is gone (server, network, ICE): forget its streams, tell the
 * application and try again until reconnect-timeout. */
void
session_disconnected (GstMeetingSession *s, const gchar *reason)
{
  gint64 now = g_get_monotonic_time ();
  gboolean was_joined = s->joined;
  guint delay;

  if (s->stopping)
    return;
  s->joined = FALSE;
  drop_ws (s, FALSE);
  media_stop (s);
  remote_streams_remove (s, NULL, NULL, FALSE);
  g_hash_table_remove_all (s->names);
  if (s->republish) {
    g_source_destroy (s->republish);
    g_clear_pointer (&s->republish, g_source_unref);
  }
  if (!s->down_since)
    s->down_since = now;
  if (was_joined || s->backoff_ms == 0)
    GST_WARNING ("%s: %s", s->uri, reason);
  if (s->fatal)
    return;
  if (s->connects == 0) {
    /* never in: nothing to get back into, the patience of reconnect-timeout
     * is for meetings that were joined */
    gchar *text = g_strdup_printf (
        "Could not join the meeting at %s: %s", s->uri, reason);
    give_up (s, text, reason);
    g_free (text);
    return;
  }
  if (s->reconnect_timeout == 0 ||
      now - s->down_since > (gint64)s->reconnect_timeout * G_USEC_PER_SEC) {
    gchar *text = g_strdup_printf ("Lost the meeting at %s", s->uri);
    give_up (s, text, reason);
    g_free (text);
    return;
  }
  s->backoff_ms = s->backoff_ms ? MIN (s->backoff_ms * 2, MAX_BACKOFF_MS) : 250;
  delay = s->media_failing_since ? MAX (s->backoff_ms, s->media_backoff_ms)
                                 : s->backoff_ms;
  post (s,
      gst_structure_new ("meeting-disconnected", "uri", G_TYPE_STRING, s->uri,
          "reason", G_TYPE_STRING, reason, "retry-in-ms", G_TYPE_UINT, delay,
          NULL));
  s->retry = g_timeout_source_new (delay);
  g_source_set_callback (s->retry, retry_connect, s, NULL);
  g_source_attach (s->retry, s->ctx);
}

/* The stream was refused (meetingws.c: a message over the bound as it
 * arrived, a malformed frame) or failed; "closed" follows and reports it. */
static void
on_ws_error (SoupWebsocketConnection *ws, GError *error, gpointer user_data)
{
  if (!g_object_get_data (G_OBJECT (ws), "meeting-refused"))
    g_object_set_data_full (
        G_OBJECT (ws), "meeting-refused", g_strdup (error->message), g_free);
}

static void
on_ws_connected (GObject *src, GAsyncResult *res, gpointer user_data)
{
  GstMeetingSession *s = user_data;
  GError *err = NULL;
  SoupWebsocketConnection *ws = meeting_ws_connect_finish (res, &err);
  MeetingMsg join = { .type = MEETING_MSG_JOIN };
  gboolean receive;

  if (!ws) {
    if (!g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      session_disconnected (s, err->message);
    g_error_free (err);
    return;
  }
  s->ws = ws;
  s->last_seen = g_get_monotonic_time ();
  /* frames (libsoup); whole messages are bounded as they arrive by the
   * guard under ws (meetingws.c), against a hostile server */
  soup_websocket_connection_set_max_incoming_payload_size (
      ws, MAX_SIGNALING_MESSAGE);
  soup_websocket_connection_set_keepalive_interval (ws, KEEPALIVE_S);
  g_signal_connect (ws, "message", G_CALLBACK (on_ws_message), s);
  g_signal_connect (ws, "pong", G_CALLBACK (on_ws_pong), s);
  g_signal_connect (ws, "error", G_CALLBACK (on_ws_error), s);
  g_signal_connect (ws, "closed", G_CALLBACK (on_ws_closed), s);
  g_mutex_lock (&s->cb_lock);
  receive = s->receiver.media != NULL;
  g_mutex_unlock (&s->cb_lock);
  join.u.join.name = s->participant;
  join.u.join.passcode = s->passcode;
  join.u.join.receive = receive;
  session_send_text (s, meeting_msg_serialize (&join));
}

/* The handshake is ours (meetingws.c): libsoup 3.2's
 * soup_session_websocket_connect_async gives no way to bound whole
 * messages before they are put together. The session's TLS database
 * checks the server's certificate, as libsoup's connect did. */
void
connect_ws (GstMeetingSession *s)
{
  GUri *u = g_uri_parse (s->uri, G_URI_FLAGS_ENCODED, NULL);
  gboolean ok = u && g_uri_get_host (u) && *g_uri_get_host (u) &&
      (g_ascii_strcasecmp (g_uri_get_scheme (u), "ws") == 0 ||
          g_ascii_strcasecmp (g_uri_get_scheme (u), "wss") == 0);

  g_clear_pointer (&u, g_uri_unref);
  if (!ok) {
    post_error (s, "Bad meeting URI", s->uri);
    s->fatal = TRUE;
    return;
  }
  meeting_ws_connect_async (s->uri, soup_session_get_tls_database (s->soup),
      MAX_SIGNALING_MESSAGE, CONNECT_TIMEOUT_S, s->cancel, on_ws_connected, s);
}

/* A server that stopped answering (network gone) is noticed here: libsoup
 * 3.2 pings but has no pong timeout. */
gboolean
watchdog (gpointer data)
{
  GstMeetingSession *s = data;
  gint64 now = g_get_monotonic_time ();

  if (s->fatal)
    return G_SOURCE_CONTINUE;
  if (s->connects == 0 && now - s->started_at > FIRST_JOIN_US) {
    gchar *text = g_strdup_printf ("Could not join the meeting at %s: no "
                                   "answer from the server within %d s",
        s->uri, (gint)(FIRST_JOIN_US / G_USEC_PER_SEC));
    give_up (s, text, "no welcome");
    g_free (text);
    return G_SOURCE_CONTINUE;
  }
  /* the media path has not come back since it first failed (also while
   * a rejoin is pending or ICE is still trying) */
  if (s->media_failing_since && !s->media_up_since &&
      now - s->media_failing_since >
          (gint64)s->reconnect_timeout * G_USEC_PER_SEC) {
    gchar *text =
        g_strdup_printf ("The media path (ICE) of the meeting at %s failed: %s",
            s->uri, s->media_failure ? s->media_failure : "ICE failed");
    give_up (s, text, s->media_failure);
    g_free (text);
    return G_SOURCE_CONTINUE;
  }
  if (s->media_up_since && now - s->media_up_since > MEDIA_STABLE_US)
    s->media_backoff_ms = 0;
  if (s->ws && now - s->last_seen > DEAD_AFTER_US)
    session_disconnected (s, "the server stopped answering");
  return G_SOURCE_CONTINUE;
}

typedef struct
{
  GstMeetingSession *s;
  LocalStream *ls; /* NULL: unpublish stream */
  gchar *stream;
} Announce;

static void
announce_free (Announce *a)
{
  if (a->ls)
    local_stream_free (a->ls);
  g_free (a->stream);
  session_unref (a->s);
  g_free (a);
}

static gboolean
announce (gpointer data)
{
  Announce *a = data;

  if (!a->s->joined)
    return G_SOURCE_REMOVE; /* announced at the next welcome */
  if (a->ls) {
    send_publish (a->s, a->ls);
  } else {
    MeetingMsg m = { .type = MEETING_MSG_UNPUBLISH };
    m.u.unpublish.stream = a->stream;
    session_send_text (a->s, meeting_msg_serialize (&m));
  }
  return G_SOURCE_REMOVE;
}

void
schedule_announce (GstMeetingSession *s, LocalStream *copy, const gchar *stream)
{
  Announce *a = g_new0 (Announce, 1);

  a->s = session_ref (s);
  a->ls = copy;
  a->stream = g_strdup (stream);
  session_invoke (s, announce, a, (GDestroyNotify)announce_free);
}
