/* gst-meeting-server: rooms and their rosters, the glue to the bulletin
 * board (meeting-board.c), and the liveness checks that drop participants
 * (no pong, media that never came up).
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "server.h"

void
room_free (Room *r)
{
  g_hash_table_unref (r->ssrcs);
  g_ptr_array_unref (r->clients);
  meeting_board_free (r->board);
  g_free (r->instance);
  g_free (r->name);
  g_free (r);
}

static Room *
room_new (const gchar *name)
{
  Room *r = g_new0 (Room, 1);
  guint8 inst[16];
  GString *hex = g_string_new (NULL);

  r->name = g_strdup (name);
  r->clients = g_ptr_array_new ();
  r->board = meeting_board_new (&board_limits);
  r->ssrcs = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < sizeof (inst); i++)
    g_string_append_printf (hex, "%02x", g_random_int_range (0, 256));
  r->instance = g_string_free (hex, FALSE);
  g_hash_table_insert (rooms, r->name, r);
  LOG ("room %s: new instance %s\n", r->name, r->instance);
  return r;
}

/* ------------------------------------------------------------- board */

/* One line per room (meeting-board.h), after the "stats" line. */
static void
print_board_stats (void)
{
  GHashTableIter it;
  gpointer v;

  g_hash_table_iter_init (&it, rooms);
  while (g_hash_table_iter_next (&it, NULL, &v))
    meeting_board_print_stats (((Room *)v)->board, ((Room *)v)->name);
}

static void
send_board_entry (guint64 seq, const gchar *author, const gchar *slot,
    const gchar *text, gsize len, gpointer user_data)
{
  send_text (user_data, text);
}

gboolean
print_stats (gpointer data)
{
  g_print ("stats rx=%" G_GUINT64_FORMAT " tx=%" G_GUINT64_FORMAT
           " rx_bytes=%" G_GUINT64_FORMAT " tx_bytes=%" G_GUINT64_FORMAT
           " dropped=%" G_GUINT64_FORMAT "\n",
      stat_rx, stat_tx, stat_rx_bytes, stat_tx_bytes, stat_dropped);
  print_board_stats ();
  fflush (stdout);
  return G_SOURCE_CONTINUE;
}

void
handle_board (Client *c, const MeetingMsg *m)
{
  const gchar *text = NULL, *why = NULL;
  const gchar *code = meeting_board_handle_post (
      c->room->board, c->id, m->u.board.data, m->u.board.slot, &text, &why);

  if (code)
    send_error (c, code, why, FALSE);
  else
    broadcast (c->room, text);
}

/* ------------------------------------------------------------- rooms */

void
handle_join (Client *c, const MeetingMsg *m, const gchar *room_name)
{
  const gchar *name = m->u.join.name;
  const gchar *need = g_hash_table_lookup (passcodes, room_name);
  Room *r = g_hash_table_lookup (rooms, room_name);
  MeetingMsg w = { .type = MEETING_MSG_WELCOME };
  guint n_streams = 0;
  gchar *s;

  if (need && g_strcmp0 (need, m->u.join.passcode) != 0) {
    send_error (c, MEETING_ERR_FORBIDDEN, "wrong passcode", TRUE);
    return;
  }
  if (!r) {
    if ((gint)g_hash_table_size (rooms) >= opt_max_rooms) {
      send_error (c, MEETING_ERR_FULL, "too many rooms", TRUE);
      return;
    }
    r = room_new (room_name);
  }
  if ((gint)r->clients->len >= opt_max_participants) {
    send_error (c, MEETING_ERR_FULL, "the room is full", TRUE);
    return;
  }
  c->room = r;
  c->name = g_strdup (name);
  c->id = g_strdup_printf ("p%u", ++r->next_id);
  c->sub_kinds = m->u.join.receive ? MEETING_KIND_ALL : 0;
  c->joined_at = g_get_monotonic_time ();
  c->media_blocked = opt_fault_block_media &&
      g_strv_contains ((const gchar *const *)opt_fault_block_media, name);

  /* welcome: who we are, the instance, who is here (the texts are
   * borrowed, not copied) */
  w.u.welcome.version = MEETING_PROTO_VERSION;
  w.u.welcome.id = c->id;
  w.u.welcome.room = r->name;
  w.u.welcome.instance = r->instance;
  w.u.welcome.roster = g_new0 (MeetingPeerInfo, r->clients->len + 1);
  w.u.welcome.n_roster = r->clients->len;
  for (guint i = 0; i < r->clients->len; i++) {
    Client *o = r->clients->pdata[i];
    w.u.welcome.roster[i].id = o->id;
    w.u.welcome.roster[i].name = o->name;
    n_streams += o->streams->len;
  }
  w.u.welcome.streams = g_new0 (MeetingStreamInfo, n_streams + 1);
  for (guint i = 0; i < r->clients->len; i++) {
    Client *o = r->clients->pdata[i];
    for (guint j = 0; j < o->streams->len; j++)
      w.u.welcome.streams[w.u.welcome.n_streams++] =
          ((Stream *)o->streams->pdata[j])->info;
  }
  s = meeting_msg_serialize (&w);
  g_free (w.u.welcome.roster);
  g_free (w.u.welcome.streams);
  send_text (c, s);
  g_free (s);

  /* the board's history, in order */
  meeting_board_foreach (r->board, send_board_entry, c);

  s = meeting_msg_presence_text (MEETING_MSG_JOINED, c->id, c->name, NULL);
  broadcast (r, s);
  g_free (s);
  g_ptr_array_add (r->clients, c);
  LOG ("room %s: %s (%s) joined from %s\n", r->name, c->id, c->name, c->peer);
  if (!media_start (c))
    send_error (c, MEETING_ERR_MEDIA_UNAVAILABLE,
        "the server could not open a media port; signaling only", FALSE);
}

void
leave_room (Client *c)
{
  Room *r = c->room;
  gchar *s;

  if (!r)
    return;
  media_stop (c);
  while (c->streams->len)
    unpublish (c, c->streams->len - 1);
  g_ptr_array_remove (r->clients, c);
  meeting_board_author_left (r->board, c->id);
  c->room = NULL;
  LOG ("room %s: %s left\n", r->name, c->id);
  if (r->clients->len == 0) {
    /* the meeting instance ends with its last participant: the board and
     * the instance are forgotten */
    g_hash_table_remove (rooms, r->name);
    return;
  }
  s = meeting_msg_presence_text (MEETING_MSG_LEFT, c->id, c->name,
      c->left_reason ? c->left_reason : MEETING_LEFT_CLOSED);
  broadcast (r, s);
  g_free (s);
}

static guint reap_source;

/* Participants whose connection went down leave, one at a time (each
 * leave may take another's connection down, and so on). */
static gboolean
reap (gpointer data)
{
  for (;;) {
    GHashTableIter it;
    gpointer v;
    Client *gone = NULL;

    g_hash_table_iter_init (&it, rooms);
    while (!gone && g_hash_table_iter_next (&it, NULL, &v)) {
      Room *r = v;
      for (guint i = 0; !gone && i < r->clients->len; i++)
        if (((Client *)r->clients->pdata[i])->gone)
          gone = r->clients->pdata[i];
    }
    if (!gone)
      break;
    leave_room (gone);
  }
  reap_source = 0;
  return G_SOURCE_REMOVE;
}

/* (before any other I/O of the main loop) */
void
rooms_reap_soon (void)
{
  if (!reap_source)
    reap_source = g_idle_add_full (G_PRIORITY_HIGH, reap, NULL, NULL);
}

/* The participants of every room that pick selects (all for NULL), as a
 * list of their own: acting on one (leave_room) changes the rooms. */
static GPtrArray *
participants (gboolean (*pick) (Client *c, gint64 now), gint64 now)
{
  GHashTableIter it;
  gpointer v;
  GPtrArray *out = g_ptr_array_new ();

  g_hash_table_iter_init (&it, rooms);
  while (g_hash_table_iter_next (&it, NULL, &v)) {
    Room *r = v;
    for (guint i = 0; i < r->clients->len; i++)
      if (!pick || pick (r->clients->pdata[i], now))
        g_ptr_array_add (out, r->clients->pdata[i]);
  }
  return out;
}

/* At exit: every participant leaves (its ICE agent goes, its room with the
 * last one), silently, so that no client keeps a pointer to a freed room
 * whatever libsoup reports about its connection later. */
void
rooms_shutdown (void)
{
  GPtrArray *all = participants (NULL, 0);

  for (guint i = 0; i < all->len; i++) {
    Client *c = all->pdata[i];
    c->closing = TRUE;
  }
  for (guint i = 0; i < all->len; i++)
    leave_room (all->pdata[i]);
  g_ptr_array_unref (all);
  g_hash_table_remove_all (rooms);
}

/* ---------------------------------------------------------- liveness */

/* A participant whose media path did not come up (its ICE not connected
 * --media-timeout after its join, or our agent gave up) is told so with a
 * fatal media-failed and leaves: it would otherwise sit in everybody's
 * roster, keyed in, while nobody hears it. Signaling-only clients (no
 * `ice` sent) are left alone. */
static gboolean
media_failed (Client *c, gint64 now)
{
  if (!c->ice || !c->ice_credentials || c->closing || c->ice_ready)
    return FALSE;
  return c->ice_failed ||
      (!c->ice_connected_once &&
          now - c->joined_at > (gint64)opt_media_timeout * G_USEC_PER_SEC);
}

static void
check_media (gint64 now)
{
  GPtrArray *who = participants (media_failed, now);

  for (guint i = 0; i < who->len; i++) {
    Client *c = who->pdata[i];
    gchar *why = c->ice_failed
        ? g_strdup ("the server's ICE agent found no working candidate pair")
        : g_strdup_printf (
              "ICE did not connect within %d s of the join", opt_media_timeout);
    send_error (c, MEETING_ERR_MEDIA_FAILED, why, TRUE);
    g_free (why);
    c->left_reason = MEETING_LEFT_MEDIA_FAILED;
    leave_room (c);
  }
  g_ptr_array_unref (who);
}

static gboolean
no_pong (Client *c, gint64 now)
{
  return now - c->last_seen > (gint64)opt_ping_timeout * G_USEC_PER_SEC;
}

gboolean
check_dead (gpointer data)
{
  gint64 now = g_get_monotonic_time ();
  GPtrArray *dead = participants (no_pong, now);

  for (guint i = 0; i < dead->len; i++) {
    Client *c = dead->pdata[i];
    g_printerr (
        "client %s: no pong for %d s, dropped\n", c->peer, opt_ping_timeout);
    c->left_reason = MEETING_LEFT_TIMEOUT;
    leave_room (c);
    client_close (c, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "timeout");
  }
  g_ptr_array_unref (dead);
  check_media (now);
  return G_SOURCE_CONTINUE;
}
