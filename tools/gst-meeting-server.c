/* gst-meeting-server: rooms, rosters and the bulletin board of E2EE
 * meetings, over WebSocket signaling (docs/protocol.md, part 2). It relays
 * key-exchange messages it cannot read and never holds a key.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * This first version carries signaling and the bulletin board; the media
 * relay (libnice) is still to come (issue 4).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>

#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#define PROTOCOL_VERSION 1

static gchar *opt_listen = NULL;
static gint opt_max_rooms = 100;
static gint opt_max_participants = 50;
static gint opt_max_message = 64 * 1024;
static gint opt_max_board_bytes = 16 * 1024 * 1024;
static gint opt_max_board_messages = 100000;
static gint opt_rate = 100;
static gint opt_ping_interval = 5;
static gint opt_ping_timeout = 15;
static gchar **opt_rooms = NULL;
static gboolean opt_verbose = FALSE;

static GOptionEntry entries[] = {
  { "listen", 'l', 0, G_OPTION_ARG_STRING, &opt_listen,
      "Address to listen on (port 0 picks a free one); prints "
      "'listening on ws://HOST:PORT' when ready",
      "HOST:PORT" },
  { "room", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_rooms,
      "A room that needs a passcode (repeatable); other rooms are open",
      "NAME:PASSCODE" },
  { "max-rooms", 0, 0, G_OPTION_ARG_INT, &opt_max_rooms,
      "Rooms open at once (default 100)", "N" },
  { "max-participants", 0, 0, G_OPTION_ARG_INT, &opt_max_participants,
      "Participants per room (default 50)", "N" },
  { "max-message", 0, 0, G_OPTION_ARG_INT, &opt_max_message,
      "Largest signaling message in bytes (default 65536)", "BYTES" },
  { "max-board-bytes", 0, 0, G_OPTION_ARG_INT, &opt_max_board_bytes,
      "Bulletin board size per meeting in bytes (default 16 MiB)", "BYTES" },
  { "max-board-messages", 0, 0, G_OPTION_ARG_INT, &opt_max_board_messages,
      "Bulletin board messages per meeting (default 100000)", "N" },
  { "rate", 0, 0, G_OPTION_ARG_INT, &opt_rate,
      "Messages per second a client may send, bursts of twice that "
      "(default 100)",
      "N" },
  { "ping-interval", 0, 0, G_OPTION_ARG_INT, &opt_ping_interval,
      "Seconds between WebSocket pings (default 5)", "S" },
  { "ping-timeout", 0, 0, G_OPTION_ARG_INT, &opt_ping_timeout,
      "A client silent this long is dropped (default 15)", "S" },
  { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose, "Log every event",
      NULL },
  { NULL }
};

typedef struct _Room Room;

typedef struct
{
  SoupWebsocketConnection *ws;
  Room *room;
  gchar *id;
  gchar *name;
  gchar *peer;
  gdouble tokens;
  gint64 last_refill;
  gint64 last_seen;
  gboolean closing;
} Client;

struct _Room
{
  gchar *name;
  gchar *instance; /* hex, fresh per meeting instance */
  GPtrArray *clients; /* Client* */
  GPtrArray *board; /* gchar* JSON texts, in order */
  gsize board_bytes;
  guint next_id;
};

static GHashTable *rooms; /* name -> Room */
static GHashTable *passcodes; /* room name -> passcode */
static GMainLoop *loop;

#define LOG(...)                                                               \
  G_STMT_START                                                                 \
  {                                                                            \
    if (opt_verbose)                                                           \
      g_printerr (__VA_ARGS__);                                                \
  }                                                                            \
  G_STMT_END

static void
room_free (Room *r)
{
  g_ptr_array_unref (r->clients);
  g_ptr_array_unref (r->board);
  g_free (r->instance);
  g_free (r->name);
  g_free (r);
}

static gchar *
to_json (JsonBuilder *b)
{
  JsonGenerator *g = json_generator_new ();
  JsonNode *n = json_builder_get_root (b);
  gchar *s;

  json_generator_set_root (g, n);
  s = json_generator_to_data (g, NULL);
  json_node_unref (n);
  g_object_unref (g);
  g_object_unref (b);
  return s;
}

static void
send_text (Client *c, const gchar *text)
{
  if (!c->closing &&
      soup_websocket_connection_get_state (c->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (c->ws, text);
}

static void
send_error (Client *c, const gchar *code, const gchar *message, gboolean fatal)
{
  JsonBuilder *b = json_builder_new ();
  gchar *s;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "error");
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, code);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  s = to_json (b);
  g_printerr ("client %s: %s: %s\n", c->peer, code, message);
  send_text (c, s);
  g_free (s);
  if (fatal && !c->closing) {
    c->closing = TRUE;
    soup_websocket_connection_close (
        c->ws, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, code);
  }
}

static void
broadcast (Room *r, const gchar *text)
{
  for (guint i = 0; i < r->clients->len; i++)
    send_text (r->clients->pdata[i], text);
}

static gchar *
event (const gchar *type, Client *c)
{
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, c->id);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, c->name);
  json_builder_end_object (b);
  return to_json (b);
}

/* ------------------------------------------------------------ handlers */

static void
handle_join (Client *c, JsonObject *o, const gchar *room_name)
{
  const gchar *name = json_object_has_member (o, "name")
      ? json_object_get_string_member (o, "name")
      : NULL;
  const gchar *pass = json_object_has_member (o, "passcode")
      ? json_object_get_string_member (o, "passcode")
      : NULL;
  const gchar *need = g_hash_table_lookup (passcodes, room_name);
  Room *r = g_hash_table_lookup (rooms, room_name);
  JsonBuilder *b;
  gchar *s;

  if (c->room) {
    send_error (c, "already-joined", "join was sent twice", FALSE);
    return;
  }
  if (!name || !*name || strlen (name) > 128) {
    send_error (c, "bad-request", "join needs a name of 1 to 128 bytes", FALSE);
    return;
  }
  if (need && g_strcmp0 (need, pass) != 0) {
    send_error (c, "forbidden", "wrong passcode", TRUE);
    return;
  }
  if (!r) {
    guint8 inst[16];
    GString *hex = g_string_new (NULL);
    if ((gint)g_hash_table_size (rooms) >= opt_max_rooms) {
      send_error (c, "full", "too many rooms", TRUE);
      return;
    }
    r = g_new0 (Room, 1);
    r->name = g_strdup (room_name);
    r->clients = g_ptr_array_new ();
    r->board = g_ptr_array_new_with_free_func (g_free);
    for (guint i = 0; i < sizeof (inst); i++)
      g_string_append_printf (hex, "%02x", g_random_int_range (0, 256));
    r->instance = g_string_free (hex, FALSE);
    g_hash_table_insert (rooms, r->name, r);
    LOG ("room %s: new instance %s\n", r->name, r->instance);
  }
  if ((gint)r->clients->len >= opt_max_participants) {
    send_error (c, "full", "the room is full", TRUE);
    return;
  }
  c->room = r;
  c->name = g_strdup (name);
  c->id = g_strdup_printf ("p%u", ++r->next_id);

  /* welcome: who we are, the instance, who is here */
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "welcome");
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, PROTOCOL_VERSION);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, c->id);
  json_builder_set_member_name (b, "room");
  json_builder_add_string_value (b, r->name);
  json_builder_set_member_name (b, "instance");
  json_builder_add_string_value (b, r->instance);
  json_builder_set_member_name (b, "roster");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->clients->len; i++) {
    Client *o2 = r->clients->pdata[i];
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "id");
    json_builder_add_string_value (b, o2->id);
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, o2->name);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  s = to_json (b);
  send_text (c, s);
  g_free (s);

  /* the board's history, in order */
  for (guint i = 0; i < r->board->len; i++)
    send_text (c, r->board->pdata[i]);

  s = event ("joined", c);
  broadcast (r, s);
  g_free (s);
  g_ptr_array_add (r->clients, c);
  LOG ("room %s: %s (%s) joined from %s\n", r->name, c->id, c->name, c->peer);
}

static void
handle_board (Client *c, JsonObject *o)
{
  Room *r = c->room;
  const gchar *data = json_object_has_member (o, "data")
      ? json_object_get_string_member (o, "data")
      : NULL;
  gsize n = 0;
  guchar *raw;
  JsonBuilder *b;
  gchar *s;

  if (!data) {
    send_error (c, "bad-request", "board needs base64 data", FALSE);
    return;
  }
  raw = g_base64_decode (data, &n);
  g_free (raw);
  if (n == 0) {
    send_error (c, "bad-request", "board data is not base64", FALSE);
    return;
  }
  if ((gint)r->board->len >= opt_max_board_messages ||
      r->board_bytes + strlen (data) > (gsize)opt_max_board_bytes) {
    send_error (c, "board-full", "the meeting's bulletin board is full", FALSE);
    return;
  }
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "board");
  json_builder_set_member_name (b, "seq");
  json_builder_add_int_value (b, r->board->len);
  json_builder_set_member_name (b, "from");
  json_builder_add_string_value (b, c->id);
  json_builder_set_member_name (b, "data");
  json_builder_add_string_value (b, data);
  json_builder_end_object (b);
  s = to_json (b);
  r->board_bytes += strlen (s);
  g_ptr_array_add (r->board, s);
  broadcast (r, s);
}

static void
leave_room (Client *c)
{
  Room *r = c->room;
  gchar *s;

  if (!r)
    return;
  g_ptr_array_remove (r->clients, c);
  c->room = NULL;
  LOG ("room %s: %s left\n", r->name, c->id);
  if (r->clients->len == 0) {
    /* the meeting instance ends with its last participant: the board and
     * the instance are forgotten */
    g_hash_table_remove (rooms, r->name);
    return;
  }
  s = event ("left", c);
  broadcast (r, s);
  g_free (s);
}

static gboolean
rate_ok (Client *c)
{
  gint64 now = g_get_monotonic_time ();

  c->tokens += (now - c->last_refill) * (gdouble)opt_rate / G_USEC_PER_SEC;
  c->last_refill = now;
  if (c->tokens > 2.0 * opt_rate)
    c->tokens = 2.0 * opt_rate;
  if (c->tokens < 1.0)
    return FALSE;
  c->tokens -= 1.0;
  return TRUE;
}

static void
on_message (
    SoupWebsocketConnection *ws, gint type, GBytes *msg, gpointer user_data)
{
  Client *c = user_data;
  JsonParser *p;
  JsonNode *root;
  JsonObject *o;
  const gchar *t;
  gsize n;
  const gchar *d = g_bytes_get_data (msg, &n);
  GError *err = NULL;

  c->last_seen = g_get_monotonic_time ();
  if (c->closing)
    return;
  /* libsoup 3.2 bounds frames only: bound whole messages here */
  if (n > (gsize)opt_max_message) {
    send_error (c, "too-big", "message over the size limit", TRUE);
    return;
  }
  if (!rate_ok (c)) {
    send_error (c, "rate-limited", "too many messages", TRUE);
    return;
  }
  if (type != SOUP_WEBSOCKET_DATA_TEXT) {
    send_error (c, "bad-request", "messages are JSON text", FALSE);
    return;
  }
  p = json_parser_new ();
  if (!json_parser_load_from_data (p, d, n, &err)) {
    send_error (c, "bad-request", err->message, FALSE);
    g_error_free (err);
    g_object_unref (p);
    return;
  }
  root = json_parser_get_root (p);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root) ||
      !json_object_has_member (json_node_get_object (root), "type") ||
      json_node_get_value_type (json_object_get_member (
          json_node_get_object (root), "type")) != G_TYPE_STRING) {
    send_error (c, "bad-request", "a message is an object with a type", FALSE);
    g_object_unref (p);
    return;
  }
  o = json_node_get_object (root);
  t = json_object_get_string_member (o, "type");
  if (g_str_equal (t, "join")) {
    const gchar *path = g_object_get_data (G_OBJECT (ws), "room");
    handle_join (c, o, path);
  } else if (!c->room) {
    send_error (c, "not-joined", "join first", FALSE);
  } else if (g_str_equal (t, "board")) {
    handle_board (c, o);
  } else if (g_str_equal (t, "leave")) {
    leave_room (c);
    c->closing = TRUE;
    soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  } else if (g_str_equal (t, "ping")) {
    send_text (c, "{\"type\":\"pong\"}");
  } else {
    send_error (c, "bad-request", "unknown message type", FALSE);
  }
  g_object_unref (p);
}

static void
on_pong (SoupWebsocketConnection *ws, GBytes *msg, gpointer user_data)
{
  ((Client *)user_data)->last_seen = g_get_monotonic_time ();
}

static void
on_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  Client *c = user_data;

  leave_room (c);
  g_free (c->id);
  g_free (c->name);
  g_free (c->peer);
  g_object_unref (c->ws);
  g_free (c);
}

static gboolean
check_dead (gpointer data)
{
  gint64 now = g_get_monotonic_time ();
  GHashTableIter it;
  gpointer v;
  GPtrArray *dead = g_ptr_array_new ();

  g_hash_table_iter_init (&it, rooms);
  while (g_hash_table_iter_next (&it, NULL, &v)) {
    Room *r = v;
    for (guint i = 0; i < r->clients->len; i++) {
      Client *c = r->clients->pdata[i];
      if (now - c->last_seen > (gint64)opt_ping_timeout * G_USEC_PER_SEC)
        g_ptr_array_add (dead, c);
    }
  }
  for (guint i = 0; i < dead->len; i++) {
    Client *c = dead->pdata[i];
    g_printerr (
        "client %s: no pong for %d s, dropped\n", c->peer, opt_ping_timeout);
    leave_room (c);
    c->closing = TRUE;
    soup_websocket_connection_close (
        c->ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "timeout");
  }
  g_ptr_array_unref (dead);
  return G_SOURCE_CONTINUE;
}

static void
on_websocket (SoupServer *server, SoupServerMessage *msg, const char *path,
    SoupWebsocketConnection *ws, gpointer user_data)
{
  Client *c = g_new0 (Client, 1);
  GSocketAddress *addr = soup_server_message_get_remote_address (msg);
  const gchar *room = path[0] == '/' ? path + 1 : path;

  c->ws = g_object_ref (ws);
  c->peer = addr ? g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (addr))
                 : g_strdup ("?");
  c->tokens = 2.0 * opt_rate;
  c->last_refill = c->last_seen = g_get_monotonic_time ();
  g_object_set_data_full (G_OBJECT (ws), "room", g_strdup (room), g_free);
  soup_websocket_connection_set_max_incoming_payload_size (
      ws, (guint64)opt_max_message);
  soup_websocket_connection_set_keepalive_interval (
      ws, (guint)opt_ping_interval);
  g_signal_connect (ws, "message", G_CALLBACK (on_message), c);
  g_signal_connect (ws, "pong", G_CALLBACK (on_pong), c);
  g_signal_connect (ws, "closed", G_CALLBACK (on_closed), c);
}

/* Refuses upgrades to paths that are no room name. */
static void
on_request (SoupServer *server, SoupServerMessage *msg, const char *path,
    GHashTable *query, gpointer user_data)
{
  const gchar *room = path[0] == '/' ? path + 1 : path;
  gsize n = strlen (room);

  if (n == 0 || n > 128 || strchr (room, '/')) {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    return;
  }
  if (!soup_message_headers_header_contains (
          soup_server_message_get_request_headers (msg), "Upgrade",
          "websocket"))
    soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
}

static gboolean
on_signal (gpointer data)
{
  g_printerr ("shutting down\n");
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  GOptionContext *ctx = g_option_context_new (
      "- relay of end-to-end encrypted meetings (signaling and bulletin "
      "board)");
  GError *err = NULL;
  SoupServer *server;
  GInetSocketAddress *addr;
  GSList *uris;
  gchar *host = NULL;
  guint port = 0;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx,
      "Clients connect to ws://HOST:PORT/ROOM and speak the JSON signaling of "
      "docs/protocol.md part 2. The server relays key-exchange messages it "
      "cannot read; it never holds a key.");
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("%s\n", err->message);
    return 2;
  }
  g_option_context_free (ctx);
  if (!opt_listen)
    opt_listen = g_strdup ("127.0.0.1:8443");
  {
    const gchar *colon = strrchr (opt_listen, ':');
    gchar *end = NULL;
    if (!colon || colon == opt_listen) {
      g_printerr ("--listen needs HOST:PORT\n");
      return 2;
    }
    host = g_strndup (opt_listen, colon - opt_listen);
    port = (guint)g_ascii_strtoull (colon + 1, &end, 10);
    if (*end || port > 65535) {
      g_printerr ("bad port in --listen %s\n", opt_listen);
      return 2;
    }
  }
  if (opt_max_message < 1024 || opt_max_participants < 1 || opt_max_rooms < 1 ||
      opt_rate < 1 || opt_ping_interval < 1 ||
      opt_ping_timeout <= opt_ping_interval) {
    g_printerr ("limits out of range (see --help)\n");
    return 2;
  }

  rooms = g_hash_table_new_full (
      g_str_hash, g_str_equal, NULL, (GDestroyNotify)room_free);
  passcodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (gchar **r = opt_rooms; r && *r; r++) {
    const gchar *colon = strchr (*r, ':');
    if (!colon) {
      g_printerr ("--room needs NAME:PASSCODE\n");
      return 2;
    }
    g_hash_table_insert (
        passcodes, g_strndup (*r, colon - *r), g_strdup (colon + 1));
  }

  loop = g_main_loop_new (NULL, FALSE);
  server = soup_server_new ("server-header", "gst-meeting-server", NULL);
  soup_server_add_handler (server, NULL, on_request, NULL, NULL);
  soup_server_add_websocket_handler (
      server, NULL, NULL, NULL, on_websocket, NULL, NULL);
  addr = G_INET_SOCKET_ADDRESS (
      g_inet_socket_address_new_from_string (host, port));
  if (!addr) {
    g_printerr ("cannot parse address %s\n", host);
    return 2;
  }
  if (!soup_server_listen (server, G_SOCKET_ADDRESS (addr), 0, &err)) {
    g_printerr ("cannot listen on %s: %s\n", opt_listen, err->message);
    return 1;
  }
  g_object_unref (addr);
  uris = soup_server_get_uris (server);
  if (uris) {
    GUri *u = uris->data;
    g_print ("listening on ws://%s:%d\n", host, g_uri_get_port (u));
  }
  g_slist_free_full (uris, (GDestroyNotify)g_uri_unref);
  fflush (stdout);

  g_unix_signal_add (SIGINT, on_signal, NULL);
  g_unix_signal_add (SIGTERM, on_signal, NULL);
  g_timeout_add_seconds (1, check_dead, NULL);
  g_main_loop_run (loop);

  soup_server_disconnect (server);
  g_object_unref (server);
  g_hash_table_unref (rooms);
  g_hash_table_unref (passcodes);
  g_main_loop_unref (loop);
  g_free (host);
  return 0;
}
