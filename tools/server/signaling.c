/* gst-meeting-server: the signaling of one client. Its text messages are
 * parsed into typed messages (ext/meeting/meetingproto.h) and dispatched;
 * streams are published, withdrawn and subscribed to here.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "server.h"

Client *
client_new (const gchar *peer)
{
  Client *c = g_new0 (Client, 1);

  c->peer = g_strdup (peer);
  c->streams = g_ptr_array_new_with_free_func ((GDestroyNotify)stream_free);
  c->tokens = 2.0 * opt_rate;
  c->last_refill = c->last_seen = g_get_monotonic_time ();
  return c;
}

/* (leaves its room first) */
void
client_free (Client *c)
{
  leave_room (c);
  g_ptr_array_unref (c->streams);
  g_strfreev (c->sub_names);
  g_free (c->id);
  g_free (c->name);
  g_free (c->peer);
  g_clear_object (&c->ws);
  g_free (c);
}

void
send_text (Client *c, const gchar *text)
{
  if (c->closing)
    return;
  capture ('>', 's', text, strlen (text));
  if (c->ws &&
      soup_websocket_connection_get_state (c->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (c->ws, text);
}

void
client_close (Client *c, gushort code, const gchar *reason)
{
  if (c->closing)
    return;
  c->closing = TRUE;
  if (c->ws)
    soup_websocket_connection_close (c->ws, code, reason);
}

void
send_error (Client *c, const gchar *code, const gchar *message, gboolean fatal)
{
  gchar *s = meeting_msg_error_text (code, message);

  g_printerr ("client %s: %s: %s\n", c->peer, code, message);
  send_text (c, s);
  g_free (s);
  if (fatal)
    client_close (c, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, code);
}

void
broadcast (Room *r, const gchar *text)
{
  for (guint i = 0; i < r->clients->len; i++)
    send_text (r->clients->pdata[i], text);
}

void
broadcast_others (Room *r, Client *except, const gchar *text)
{
  for (guint i = 0; i < r->clients->len; i++)
    if (r->clients->pdata[i] != except)
      send_text (r->clients->pdata[i], text);
}

/* ------------------------------------------------------------- streams */

void
stream_free (Stream *st)
{
  meeting_stream_info_clear (&st->info);
  g_free (st);
}

static void
handle_publish (Client *c, const MeetingMsg *m)
{
  Room *r = c->room;
  const MeetingStreamInfo *in = &m->u.stream;
  Stream *st;
  gchar *s;

  if (!in->e2ee && !opt_allow_clear) {
    send_error (c, MEETING_ERR_E2EE_REQUIRED,
        "this server relays only end-to-end encrypted streams", FALSE);
    return;
  }
  for (guint i = 0; i < c->streams->len; i++)
    if (g_str_equal (
            ((Stream *)c->streams->pdata[i])->info.stream, in->stream)) {
      send_error (
          c, MEETING_ERR_BAD_REQUEST, "stream already published", FALSE);
      return;
    }
  if ((gint)c->streams->len >= opt_max_streams) {
    send_error (
        c, MEETING_ERR_TOO_MANY_STREAMS, "--max-streams reached", FALSE);
    return;
  }
  if (g_hash_table_contains (r->ssrcs, GUINT_TO_POINTER (in->ssrc))) {
    send_error (c, MEETING_ERR_SSRC_TAKEN,
        "another stream of this meeting has this SSRC; pick another", FALSE);
    return;
  }
  st = g_new0 (Stream, 1);
  meeting_stream_info_copy (&st->info, in);
  g_free (st->info.from);
  g_free (st->info.name);
  st->info.from = g_strdup (c->id);
  st->info.name = g_strdup (c->name);
  st->owner = c;
  g_ptr_array_add (c->streams, st);
  g_hash_table_insert (r->ssrcs, GUINT_TO_POINTER (st->info.ssrc), st);
  s = meeting_msg_stream_text (MEETING_MSG_STREAM, &st->info);
  broadcast_others (r, c, s);
  g_free (s);
  /* the publisher may send now: its packets are forwarded from here on */
  s = meeting_msg_stream_text (MEETING_MSG_PUBLISHED, &st->info);
  send_text (c, s);
  g_free (s);
  LOG ("room %s: %s publishes %s (%s, ssrc %u)\n", r->name, c->id,
      st->info.stream, meeting_kind_to_string (st->info.kind), st->info.ssrc);
}

void
unpublish (Client *c, guint idx)
{
  Stream *st = c->streams->pdata[idx];
  gchar *s = meeting_msg_stream_text (MEETING_MSG_STREAM_REMOVED, &st->info);

  g_hash_table_remove (c->room->ssrcs, GUINT_TO_POINTER (st->info.ssrc));
  broadcast_others (c->room, c, s);
  g_free (s);
  g_ptr_array_remove_index (c->streams, idx);
}

static void
handle_unpublish (Client *c, const MeetingMsg *m)
{
  for (guint i = 0; i < c->streams->len; i++)
    if (g_str_equal (((Stream *)c->streams->pdata[i])->info.stream,
            m->u.unpublish.stream)) {
      unpublish (c, i);
      return;
    }
  send_error (c, MEETING_ERR_BAD_REQUEST, "no such stream", FALSE);
}

/* which streams of the others this client receives; a missing member of
 * the message means all */
static void
handle_subscribe (Client *c, MeetingMsg *m)
{
  c->sub_kinds = m->u.subscribe.kinds;
  g_strfreev (c->sub_names);
  c->sub_names = g_steal_pointer (&m->u.subscribe.names);
}

/* ------------------------------------------------------------ dispatch */

/* A token bucket of rate tokens a second, bursts of twice that (a refill
 * time of 0 fills it): takes one token if there is one. */
gboolean
take_token (gdouble *tokens, gint64 *refill, gint rate)
{
  gint64 now = g_get_monotonic_time ();

  *tokens += (now - *refill) * (gdouble)rate / G_USEC_PER_SEC;
  *refill = now;
  if (*tokens > 2.0 * rate)
    *tokens = 2.0 * rate;
  if (*tokens < 1.0)
    return FALSE;
  *tokens -= 1.0;
  return TRUE;
}

/* One signaling message of a client (also the fuzz target's entry). */
void
handle_text (
    Client *c, const gchar *room, const gchar *d, gsize n, gboolean is_text)
{
  MeetingMsg m;
  const gchar *why = NULL;
  gboolean ok;

  c->last_seen = g_get_monotonic_time ();
  capture ('<', 's', d, n);
  if (c->closing)
    return;
  /* the guard bounds messages while they arrive; this is the second line */
  if (n > (gsize)opt_max_message) {
    send_error (c, MEETING_ERR_TOO_BIG, "message over the size limit", TRUE);
    return;
  }
  if (!take_token (&c->tokens, &c->last_refill, opt_rate)) {
    send_error (c, MEETING_ERR_RATE_LIMITED, "too many messages", TRUE);
    return;
  }
  if (!is_text) {
    send_error (c, MEETING_ERR_BAD_REQUEST, "messages are JSON text", FALSE);
    return;
  }
  ok = meeting_msg_parse (&m, MEETING_TO_SERVER, d, n, &why);
  /* order of errors: what the message is, then whether it may come now,
   * then whether it is well formed */
  if (m.type == MEETING_MSG_NONE) {
    send_error (c, MEETING_ERR_BAD_REQUEST, why, FALSE);
    return;
  }
  if (m.type == MEETING_MSG_JOIN && c->room) {
    send_error (c, MEETING_ERR_ALREADY_JOINED, "join was sent twice", FALSE);
  } else if (m.type != MEETING_MSG_JOIN && !c->room) {
    send_error (c, MEETING_ERR_NOT_JOINED, "join first", FALSE);
  } else if ((m.type == MEETING_MSG_ICE || m.type == MEETING_MSG_CANDIDATE ||
                 m.type == MEETING_MSG_END_OF_CANDIDATES) &&
      !c->ice) {
    send_error (c, MEETING_ERR_BAD_REQUEST, "unknown message type", FALSE);
  } else if (!ok) {
    send_error (c, MEETING_ERR_BAD_REQUEST, why, FALSE);
  } else {
    switch (m.type) {
      case MEETING_MSG_JOIN:
        handle_join (c, &m, room);
        break;
      case MEETING_MSG_BOARD_POST:
        handle_board (c, &m);
        break;
      case MEETING_MSG_PUBLISH:
        handle_publish (c, &m);
        break;
      case MEETING_MSG_UNPUBLISH:
        handle_unpublish (c, &m);
        break;
      case MEETING_MSG_SUBSCRIBE:
        handle_subscribe (c, &m);
        break;
      case MEETING_MSG_ICE:
        handle_ice (c, &m);
        break;
      case MEETING_MSG_CANDIDATE:
        handle_candidate (c, &m);
        break;
      case MEETING_MSG_END_OF_CANDIDATES:
        handle_end_of_candidates (c);
        break;
      case MEETING_MSG_LEAVE:
        c->left_reason = MEETING_LEFT_LEFT;
        leave_room (c);
        client_close (c, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
        break;
      case MEETING_MSG_PING: {
        gchar *s = meeting_msg_simple_text (MEETING_MSG_PONG);
        send_text (c, s);
        g_free (s);
        break;
      }
      default:
        send_error (c, MEETING_ERR_BAD_REQUEST, "unknown message type", FALSE);
        break;
    }
  }
  meeting_msg_clear (&m);
}
