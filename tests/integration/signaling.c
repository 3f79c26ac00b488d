/* The meeting server as a real process on 127.0.0.1, driven by WebSocket
 * clients: joins, rosters, the bulletin board and its replay, bad input,
 * passcodes, leaving, shutdown.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "../check/server-process.h"
#include "../check/ws-client.h"
#include "meetingproto.h"

static const gchar *server_path;

typedef struct
{
  GSubprocess *proc;
  gchar *url;
} Server;

static Server *
server_start (const gchar *const *extra)
{
  Server *s = g_new0 (Server, 1);
  GPtrArray *argv = g_ptr_array_new ();
  GError *err = NULL;

  g_ptr_array_add (argv, (gpointer)server_path);
  g_ptr_array_add (argv, (gpointer) "--listen");
  g_ptr_array_add (argv, (gpointer) "127.0.0.1:0");
  for (; extra && *extra; extra++)
    g_ptr_array_add (argv, (gpointer)*extra);
  g_ptr_array_add (argv, NULL);
  s->proc = spawn_server (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE, (const gchar *const *)argv->pdata, &err);
  g_assert_no_error (err);
  g_ptr_array_unref (argv);
  s->url = server_read_url (s->proc, &err);
  g_assert_no_error (err);
  g_assert_nonnull (s->url);
  g_assert_true (g_str_has_prefix (s->url, "ws://127.0.0.1:"));
  return s;
}

static void
on_exit_done (GObject *src, GAsyncResult *res, gpointer data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (src), res, NULL);
  *(gboolean *)data = TRUE;
}

/* SIGTERM: the server must exit 0, promptly. */
static void
server_stop (Server *s)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  gboolean done = FALSE;

  g_subprocess_send_signal (s->proc, SIGTERM);
  g_subprocess_wait_async (s->proc, NULL, on_exit_done, &done);
  while (!done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (done);
  g_assert_true (g_subprocess_get_if_exited (s->proc));
  g_assert_cmpint (g_subprocess_get_exit_status (s->proc), ==, 0);
  g_object_unref (s->proc);
  g_free (s->url);
  g_free (s);
}

static void
on_message (SoupWebsocketConnection *ws, gint type, GBytes *msg, Client *c)
{
  MeetingMsg m;
  const gchar *why = NULL;
  gsize n;
  const gchar *d = g_bytes_get_data (msg, &n);

  /* what the server sends is well formed by the protocol module; the
   * members are read below as raw JSON, an independent check of the wire
   * format */
  if (!meeting_msg_parse (&m, MEETING_TO_CLIENT, d, n, &why))
    g_error ("malformed message from the server (%s): %.*s", why, (int)n, d);
  meeting_msg_clear (&m);
  g_assert_true (client_queue_json (c, d, n));
}

static Client *
client_connect (Server *s, const gchar *room)
{
  gchar *url = g_strdup_printf ("%s/%s", s->url, room);
  Client *c = client_connect_url (url, G_CALLBACK (on_message));

  g_assert_no_error (c->error);
  g_assert_nonnull (c->ws);
  g_free (url);
  return c;
}

/* Next message of a type (others before it are skipped), or fails. */
static JsonObject *
expect (Client *c, const gchar *type)
{
  JsonObject *o = client_expect (c, type);

  if (!o)
    g_error ("no '%s' message within 10 s", type);
  return o;
}

static void
wait_closed (Client *c)
{
  g_assert_true (client_iterate_until (&c->closed));
}

static void
join (Client *c, const gchar *name, const gchar *passcode)
{
  gchar *s = passcode
      ? g_strdup_printf ("{\"type\":\"join\",\"name\":\"%s\","
                         "\"passcode\":\"%s\"}",
            name, passcode)
      : g_strdup_printf ("{\"type\":\"join\",\"name\":\"%s\"}", name);
  client_send (c, s);
  g_free (s);
}

static void
test_meeting (void)
{
  Server *s = server_start (NULL);
  Client *a = client_connect (s, "demo"), *b, *c;
  JsonObject *o;
  gchar *instance;

  join (a, "alice", NULL);
  o = expect (a, "welcome");
  g_assert_cmpstr (json_object_get_string_member (o, "id"), ==, "p1");
  instance = g_strdup (json_object_get_string_member (o, "instance"));
  g_assert_cmpint (strlen (instance), ==, 32);
  g_assert_cmpint (
      json_array_get_length (json_object_get_array_member (o, "roster")), ==,
      0);
  json_object_unref (o);

  b = client_connect (s, "demo");
  join (b, "bob", NULL);
  o = expect (b, "welcome");
  g_assert_cmpstr (json_object_get_string_member (o, "instance"), ==, instance);
  g_assert_cmpint (
      json_array_get_length (json_object_get_array_member (o, "roster")), ==,
      1);
  json_object_unref (o);
  o = expect (a, "joined");
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "bob");
  json_object_unref (o);

  /* the board: ordered, to everybody, the author included (bob posts once
   * alice's message is on the board: two connections have no order) */
  client_send (a, "{\"type\":\"board\",\"data\":\"aGVsbG8=\"}");
  for (guint i = 0; i < 2; i++) {
    Client *x = i ? b : a;
    o = expect (x, "board");
    g_assert_cmpint (json_object_get_int_member (o, "seq"), ==, 0);
    g_assert_cmpstr (json_object_get_string_member (o, "from"), ==, "p1");
    g_assert_cmpstr (json_object_get_string_member (o, "data"), ==, "aGVsbG8=");
    json_object_unref (o);
    if (!i)
      client_send (b, "{\"type\":\"board\",\"data\":\"d29ybGQ=\"}");
  }
  for (guint i = 0; i < 2; i++) {
    Client *x = i ? b : a;
    o = expect (x, "board");
    g_assert_cmpint (json_object_get_int_member (o, "seq"), ==, 1);
    json_object_unref (o);
  }

  /* a late joiner gets the history, in order */
  c = client_connect (s, "demo");
  join (c, "carol", NULL);
  json_object_unref (expect (c, "welcome"));
  o = expect (c, "board");
  g_assert_cmpint (json_object_get_int_member (o, "seq"), ==, 0);
  json_object_unref (o);
  o = expect (c, "board");
  g_assert_cmpstr (json_object_get_string_member (o, "data"), ==, "d29ybGQ=");
  json_object_unref (o);

  /* bad input: an error to that client, the others carry on */
  client_send (c, "{not json");
  o = expect (c, "error");
  g_assert_cmpstr (
      json_object_get_string_member (o, "code"), ==, "bad-request");
  json_object_unref (o);
  client_send (c, "{\"type\":\"dance\"}");
  json_object_unref (expect (c, "error"));
  client_send (c, "[1,2,3]");
  json_object_unref (expect (c, "error"));
  {
    gchar *big = g_strnfill (70000, 'x');
    gchar *msg = g_strdup_printf ("{\"type\":\"board\",\"data\":\"%s\"}", big);
    client_send (c, msg);
    g_free (msg);
    g_free (big);
  }
  wait_closed (c);
  o = expect (a, "left");
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "carol");
  json_object_unref (o);
  client_send (b, "{\"type\":\"board\",\"data\":\"YWdhaW4=\"}");
  o = expect (a, "board");
  g_assert_cmpint (json_object_get_int_member (o, "seq"), ==, 2);
  json_object_unref (o);

  /* leaving */
  client_send (b, "{\"type\":\"leave\"}");
  o = expect (a, "left");
  g_assert_cmpstr (json_object_get_string_member (o, "id"), ==, "p2");
  json_object_unref (o);

  client_free (a);
  client_free (b);
  client_free (c);
  g_free (instance);
  server_stop (s);
}

static void
test_passcode_and_limits (void)
{
  const gchar *args[] = { "--room", "secret:hunter2", "--max-participants", "2",
    "--rate", "20", NULL };
  Server *s = server_start (args);
  Client *a = client_connect (s, "secret"), *b, *c, *d;
  JsonObject *o;

  join (a, "alice", "wrong");
  o = expect (a, "error");
  g_assert_cmpstr (json_object_get_string_member (o, "code"), ==, "forbidden");
  json_object_unref (o);
  wait_closed (a);

  b = client_connect (s, "secret");
  join (b, "bob", "hunter2");
  json_object_unref (expect (b, "welcome"));
  c = client_connect (s, "secret");
  join (c, "carol", "hunter2");
  json_object_unref (expect (c, "welcome"));
  d = client_connect (s, "secret");
  join (d, "dave", "hunter2");
  o = expect (d, "error");
  g_assert_cmpstr (json_object_get_string_member (o, "code"), ==, "full");
  json_object_unref (o);

  /* a flood is cut off; the others are not affected */
  for (guint i = 0; i < 200; i++)
    client_send (c, "{\"type\":\"ping\"}");
  o = expect (c, "error");
  g_assert_cmpstr (
      json_object_get_string_member (o, "code"), ==, "rate-limited");
  json_object_unref (o);
  wait_closed (c);
  client_send (b, "{\"type\":\"ping\"}");
  json_object_unref (expect (b, "pong"));

  client_free (a);
  client_free (b);
  client_free (c);
  client_free (d);
  server_stop (s);
}

static void
post (Client *c, const gchar *data, const gchar *slot)
{
  gchar *s = slot
      ? g_strdup_printf ("{\"type\":\"board\",\"data\":\"%s\","
                         "\"slot\":\"%s\"}",
            data, slot)
      : g_strdup_printf ("{\"type\":\"board\",\"data\":\"%s\"}", data);
  client_send (c, s);
  g_free (s);
}

/* The next board message: its data, seq, from and slot as one string
 * "SEQ FROM DATA SLOT" ("-" for no slot). */
static gchar *
next_board (Client *c)
{
  JsonObject *o = expect (c, "board");
  gchar *s = g_strdup_printf ("%" G_GINT64_FORMAT " %s %s %s",
      json_object_get_int_member (o, "seq"),
      json_object_get_string_member (o, "from"),
      json_object_get_string_member (o, "data"),
      json_object_has_member (o, "slot")
          ? json_object_get_string_member (o, "slot")
          : "-");

  json_object_unref (o);
  return s;
}

#define assert_next_board(c, want)                                             \
  G_STMT_START                                                                 \
  {                                                                            \
    gchar *got_ = next_board (c);                                              \
    g_assert_cmpstr (got_, ==, want);                                          \
    g_free (got_);                                                             \
  }                                                                            \
  G_STMT_END

/* Joins and returns the board replay as "SEQ FROM DATA SLOT, ..." (up to
 * the answer of a ping sent right after the join). */
static gchar *
join_replay (Client *c, const gchar *name)
{
  GString *out = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_US;

  join (c, name, NULL);
  client_send (c, "{\"type\":\"ping\"}");
  json_object_unref (expect (c, "welcome"));
  while (g_get_monotonic_time () < deadline) {
    JsonObject *o = c->inbox.length ? g_queue_pop_head (&c->inbox) : NULL;
    const gchar *t;
    if (!o) {
      g_main_context_iteration (NULL, TRUE);
      continue;
    }
    t = json_object_get_string_member (o, "type");
    if (g_str_equal (t, "pong")) {
      json_object_unref (o);
      return g_string_free (out, FALSE);
    }
    if (g_str_equal (t, "board"))
      g_string_append_printf (out, "%s%" G_GINT64_FORMAT " %s %s %s",
          out->len ? ", " : "", json_object_get_int_member (o, "seq"),
          json_object_get_string_member (o, "from"),
          json_object_get_string_member (o, "data"),
          json_object_has_member (o, "slot")
              ? json_object_get_string_member (o, "slot")
              : "-");
    json_object_unref (o);
  }
  g_error ("no pong after the join");
  return NULL;
}

static void
expect_error (Client *c, const gchar *code)
{
  JsonObject *o = expect (c, "error");

  g_assert_cmpstr (json_object_get_string_member (o, "code"), ==, code);
  json_object_unref (o);
}

/* Slots: an author's newer message in a slot supersedes its older one for
 * late joiners (never another author's, never one without a slot); the
 * per-author quota refuses a post non-fatally, and a supersede still goes
 * through; messages of a participant who left stay. */
static void
test_board_slots (void)
{
  const gchar *args[] = { "--board-quota-messages", "3", NULL };
  Server *s = server_start (args);
  Client *a = client_connect (s, "board"), *b, *c, *d;
  gchar *replay;

  join (a, "alice", NULL);
  json_object_unref (expect (a, "welcome"));
  post (a, "aDE=", "heartbeat");
  assert_next_board (a, "0 p1 aDE= heartbeat");
  post (a, "eA==", NULL);
  assert_next_board (a, "1 p1 eA== -");
  post (a, "aDI=", "heartbeat");
  assert_next_board (a, "2 p1 aDI= heartbeat");

  b = client_connect (s, "board");
  replay = join_replay (b, "bob");
  g_assert_cmpstr (replay, ==, "1 p1 eA== -, 2 p1 aDI= heartbeat");
  g_free (replay);
  /* bob's heartbeat slot is his own */
  post (b, "Ymg=", "heartbeat");
  assert_next_board (a, "3 p2 Ymg= heartbeat");
  assert_next_board (b, "3 p2 Ymg= heartbeat");

  /* bad slots */
  client_send (a, "{\"type\":\"board\",\"data\":\"eA==\",\"slot\":\"Bad\"}");
  expect_error (a, "bad-request");
  client_send (a, "{\"type\":\"board\",\"data\":\"eA==\",\"slot\":7}");
  expect_error (a, "bad-request");
  {
    gchar *long_slot = g_strnfill (33, 'a');
    post (a, "eA==", long_slot);
    expect_error (a, "bad-request");
    g_free (long_slot);
  }

  /* quota: alice has 2 messages, 3 allowed */
  post (a, "eTE=", NULL);
  assert_next_board (a, "4 p1 eTE= -");
  post (a, "eTI=", NULL);
  expect_error (a, "board-quota");
  post (a, "a2V5cw==", "keys");
  expect_error (a, "board-quota");
  /* not fatal, and a supersede fits */
  post (a, "aDM=", "heartbeat");
  assert_next_board (a, "5 p1 aDM= heartbeat");
  assert_next_board (b, "4 p1 eTE= -");
  assert_next_board (b, "5 p1 aDM= heartbeat");

  c = client_connect (s, "board");
  replay = join_replay (c, "carol");
  g_assert_cmpstr (replay, ==,
      "1 p1 eA== -, 3 p2 Ymg= heartbeat, 4 p1 eTE= -, 5 p1 aDM= heartbeat");
  g_free (replay);

  /* alice leaves: her messages stay for late joiners */
  client_send (a, "{\"type\":\"leave\"}");
  wait_closed (a);
  json_object_unref (expect (b, "left"));
  d = client_connect (s, "board");
  replay = join_replay (d, "dave");
  g_assert_cmpstr (replay, ==,
      "1 p1 eA== -, 3 p2 Ymg= heartbeat, 4 p1 eTE= -, 5 p1 aDM= heartbeat");
  g_free (replay);

  client_free (a);
  client_free (b);
  client_free (c);
  client_free (d);
  server_stop (s);
}

/* Limits that cannot hold: the server does not start. */
static void
test_board_limits (void)
{
  const gchar *argv[] = { server_path, "--listen", "127.0.0.1:0",
    "--max-participants", "10", "--board-quota-bytes", "100000",
    "--board-departed-bytes", "1000", "--max-board-bytes", "1000999", NULL };
  GError *err = NULL;
  GSubprocess *p = spawn_server (
      G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
      argv, &err);

  g_assert_no_error (err);
  g_assert_true (g_subprocess_wait (p, NULL, &err));
  g_assert_no_error (err);
  g_assert_cmpint (g_subprocess_get_exit_status (p), ==, 2);
  g_object_unref (p);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  server_path = g_getenv ("GST_MEETING_SERVER");
  if (!server_path && argc > 1)
    server_path = argv[1];
  g_assert_nonnull (server_path);
  g_test_add_func ("/server/meeting", test_meeting);
  g_test_add_func ("/server/passcode-and-limits", test_passcode_and_limits);
  g_test_add_func ("/server/board-slots", test_board_slots);
  g_test_add_func ("/server/board-limits", test_board_limits);
  return g_test_run ();
}
