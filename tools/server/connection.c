/* gst-meeting-server: connections. The server accepts itself, limits
 * connections per address and in all, closes those that do not join in
 * time, does the TLS handshake and the WebSocket upgrade, and reads every
 * connection through the guard of meetingws.c.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdarg.h>
#include <string.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "server.h"

/* An open descriptor of a client connection (see "connections") */
struct _Conn
{
  GSocket *sock; /* weak: the descriptor is open while it lives */
  gchar *key; /* remote IP:port */
  gchar *address; /* remote IP */
  gint64 since;
  gboolean joined;
  gboolean shut;
  Client *client; /* once upgraded */
};

static void
on_message (
    SoupWebsocketConnection *ws, gint type, GBytes *msg, gpointer user_data)
{
  gsize n;
  const gchar *d = g_bytes_get_data (msg, &n);

  handle_text (user_data, g_object_get_data (G_OBJECT (ws), "room"), d, n,
      type == SOUP_WEBSOCKET_DATA_TEXT);
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

  if (c->conn)
    c->conn->client = NULL;
  client_free (c);
}

static void
on_ws_error (SoupWebsocketConnection *ws, GError *error, gpointer user_data)
{
  Client *c = user_data;

  /* the guard (meetingws.c) refused the stream: a message over
   * --max-message while it arrived, or a malformed frame */
  g_printerr ("client %s (%s): connection closed: %s\n", c->peer,
      c->id ? c->id : "-", error->message);
}

/* The peer's side of the connection went down (read or write error, end of
 * stream, a close begun by the peer): the client leaves its room now, not
 * when libsoup has finished closing (some main loop iterations later), so
 * that its own next connection never meets it there. A close the server
 * began (client_close) leaves where it was begun. */
static void
on_ws_state (SoupWebsocketConnection *ws, GParamSpec *pspec, gpointer user_data)
{
  Client *c = user_data;

  /* not from here: this may run inside a send to c, in the middle of a
   * broadcast to c's room; the reap runs before any other I/O */
  if (!c->closing && c->room && !c->gone &&
      soup_websocket_connection_get_state (ws) != SOUP_WEBSOCKET_STATE_OPEN) {
    c->gone = TRUE;
    rooms_reap_soon ();
  }
}

static Client *
on_websocket (
    SoupWebsocketConnection *ws, GSocketAddress *addr, const char *path)
{
  gchar *peer = addr
      ? g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (addr))
      : g_strdup ("?");
  Client *c = client_new (peer);
  const gchar *room = path[0] == '/' ? path + 1 : path;

  g_free (peer);
  c->ws = g_object_ref (ws);
  g_object_set_data_full (G_OBJECT (ws), "room", g_strdup (room), g_free);
  soup_websocket_connection_set_max_incoming_payload_size (
      ws, (guint64)opt_max_message);
  soup_websocket_connection_set_keepalive_interval (
      ws, (guint)opt_ping_interval);
  g_signal_connect (ws, "message", G_CALLBACK (on_message), c);
  g_signal_connect (ws, "pong", G_CALLBACK (on_pong), c);
  g_signal_connect (ws, "error", G_CALLBACK (on_ws_error), c);
  g_signal_connect (ws, "notify::state", G_CALLBACK (on_ws_state), c);
  g_signal_connect (ws, "closed", G_CALLBACK (on_closed), c);
  return c;
}

/* ------------------------------------------------------- connections
 *
 * The server accepts itself (SoupServer's listener gives up for good after
 * one failed accept, e.g. EMFILE) and hands each connection to SoupServer
 * for its HTTP request; the WebSocket upgrade is done here too, so that
 * the SoupWebsocketConnection reads through the guard of meetingws.c,
 * which bounds whole messages while they arrive. Every open descriptor
 * has a Conn: limits per address and in all, and the join timeout. */

static SoupServer *soup_server;
static GTlsCertificate *tls_cert;
static GSocket *listen_socket;
static GSource *accept_source;
static guint accept_backoff_ms;
static GHashTable *conns; /* key -> Conn* */
static GHashTable *per_address; /* IP -> count */

static void refusal (const gchar *format, ...) G_GNUC_PRINTF (1, 2);

/* Refusals come in floods: one line a second at most. */
static void
refusal (const gchar *format, ...)
{
  static gint64 last;
  static guint skipped;
  gint64 now = g_get_monotonic_time ();
  va_list ap;
  gchar *s;

  if (last && now - last < G_USEC_PER_SEC) {
    skipped++;
    return;
  }
  va_start (ap, format);
  s = g_strdup_vprintf (format, ap);
  va_end (ap);
  if (skipped)
    g_printerr ("%s (and %u more refusals in the last second)\n", s, skipped);
  else
    g_printerr ("%s\n", s);
  g_free (s);
  last = now;
  skipped = 0;
}

static void
conn_free (Conn *conn)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (per_address, conn->address));

  if (n > 1)
    g_hash_table_insert (
        per_address, g_strdup (conn->address), GUINT_TO_POINTER (n - 1));
  else
    g_hash_table_remove (per_address, conn->address);
  if (conn->client)
    conn->client->conn = NULL;
  g_free (conn->key);
  g_free (conn->address);
  g_free (conn);
}

/* The GSocket is gone: its descriptor is closed. */
static void
conn_gone (gpointer data, GObject *where_the_object_was)
{
  Conn *conn = data;

  conn->sock = NULL;
  g_hash_table_remove (conns, conn->key);
}

/* A connection that has not joined within --join-timeout is shut down
 * (also one stuck in its TLS or HTTP handshake); libsoup then reads the end
 * and lets the descriptor go. */
gboolean
check_unjoined (gpointer data)
{
  gint64 now = g_get_monotonic_time ();
  GHashTableIter it;
  gpointer v;

  g_hash_table_iter_init (&it, conns);
  while (g_hash_table_iter_next (&it, NULL, &v)) {
    Conn *conn = v;
    if (conn->joined || conn->shut)
      continue;
    if (conn->client && conn->client->room) {
      conn->joined = TRUE;
      continue;
    }
    if (now - conn->since <= (gint64)opt_join_timeout * G_USEC_PER_SEC)
      continue;
    refusal ("client %s: closed, not joined within %d s", conn->key,
        opt_join_timeout);
    conn->shut = TRUE;
    if (conn->client)
      conn->client->closing = TRUE;
    g_socket_shutdown (conn->sock, TRUE, TRUE, NULL);
  }
  return G_SOURCE_CONTINUE;
}

static void
hand_over (GIOStream *stream, GSocket *sock)
{
  GSocketAddress *local = g_socket_get_local_address (sock, NULL);
  GSocketAddress *remote = g_socket_get_remote_address (sock, NULL);
  GError *err = NULL;

  if (!local || !remote ||
      !soup_server_accept_iostream (soup_server, stream, local, remote, &err)) {
    g_printerr (
        "cannot serve a connection: %s\n", err ? err->message : "no address");
    g_clear_error (&err);
    g_io_stream_close (stream, NULL, NULL);
  }
  g_clear_object (&local);
  g_clear_object (&remote);
  g_object_unref (stream);
}

static void
tls_handshaken (GObject *src, GAsyncResult *res, gpointer data)
{
  GIOStream *tls = G_IO_STREAM (src);
  GIOStream *base = NULL;
  GError *err = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (tls), res, &err)) {
    refusal ("TLS handshake failed: %s", err->message);
    g_error_free (err);
    g_io_stream_close (tls, NULL, NULL);
    g_object_unref (tls);
    return;
  }
  g_object_get (tls, "base-io-stream", &base, NULL);
  hand_over (tls, g_socket_connection_get_socket (G_SOCKET_CONNECTION (base)));
  g_object_unref (base);
}

static void
admit (GSocket *sock)
{
  GSocketAddress *ra = g_socket_get_remote_address (sock, NULL);
  GSocketConnection *gc;
  Conn *conn;
  gchar *ip, *key;
  guint n;

  if (!ra || !G_IS_INET_SOCKET_ADDRESS (ra)) {
    g_clear_object (&ra);
    g_socket_close (sock, NULL);
    return;
  }
  ip = g_inet_address_to_string (
      g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (ra)));
  key = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (ra));
  if ((conn = g_hash_table_lookup (conns, key))) {
    /* the port came back while the old socket lingers: forget the old */
    g_object_weak_unref (G_OBJECT (conn->sock), conn_gone, conn);
    g_hash_table_remove (conns, key);
  }
  n = GPOINTER_TO_UINT (g_hash_table_lookup (per_address, ip));
  if ((gint)g_hash_table_size (conns) >= opt_max_connections) {
    refusal ("refused a connection from %s: %d connections open "
             "(--max-connections)",
        ip, opt_max_connections);
    g_socket_close (sock, NULL);
  } else if ((gint)n >= opt_max_per_address) {
    refusal ("refused a connection from %s: %u open from there "
             "(--max-connections-per-address)",
        ip, n);
    g_socket_close (sock, NULL);
  } else {
    conn = g_new0 (Conn, 1);
    conn->sock = sock;
    conn->key = g_steal_pointer (&key);
    conn->address = g_strdup (ip);
    conn->since = g_get_monotonic_time ();
    g_object_weak_ref (G_OBJECT (sock), conn_gone, conn);
    g_hash_table_replace (conns, conn->key, conn);
    g_hash_table_insert (per_address, g_strdup (ip), GUINT_TO_POINTER (n + 1));
    g_socket_set_option (sock, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
    gc = g_socket_connection_factory_create_connection (sock);
    if (tls_cert) {
      GError *err = NULL;
      GIOStream *tls =
          g_tls_server_connection_new (G_IO_STREAM (gc), tls_cert, &err);
      g_object_unref (gc);
      if (!tls) {
        g_printerr ("cannot start TLS: %s\n", err->message);
        g_error_free (err);
      } else {
        g_object_set (tls, "require-close-notify", FALSE, NULL);
        g_tls_connection_handshake_async (G_TLS_CONNECTION (tls),
            G_PRIORITY_DEFAULT, NULL, tls_handshaken, NULL);
      }
    } else {
      hand_over (G_IO_STREAM (gc), sock);
    }
  }
  g_free (ip);
  g_free (key);
  g_object_unref (ra);
  g_object_unref (sock);
}

static gboolean on_acceptable (GSocket *sock, GIOCondition cond, gpointer data);

static void
accept_resume (void)
{
  accept_source = g_socket_create_source (listen_socket, G_IO_IN, NULL);
  g_source_set_callback (
      accept_source, (GSourceFunc)(void (*) (void))on_acceptable, NULL, NULL);
  g_source_attach (accept_source, NULL);
}

static gboolean
accept_retry (gpointer data)
{
  accept_resume ();
  return G_SOURCE_REMOVE;
}

/* Out of descriptors (EMFILE, ENFILE) or another failure: the pending
 * connections wait in the backlog; accepting resumes after a back-off
 * (50 ms doubling to 1 s), once descriptors are free again. */
static gboolean
on_acceptable (GSocket *sock, GIOCondition cond, gpointer data)
{
  for (guint i = 0; i < 64; i++) {
    GError *err = NULL;
    GSocket *s = g_socket_accept (listen_socket, NULL, &err);

    if (s) {
      accept_backoff_ms = 0;
      admit (s);
      continue;
    }
    if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
      g_error_free (err);
      break;
    }
    accept_backoff_ms =
        accept_backoff_ms ? MIN (accept_backoff_ms * 2, 1000) : 50;
    refusal ("cannot accept connections: %s (trying again in %u ms)",
        err->message, accept_backoff_ms);
    g_error_free (err);
    g_source_unref (accept_source);
    accept_source = NULL;
    g_timeout_add (accept_backoff_ms, accept_retry, NULL);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

/* The 101 answer is out: the connection leaves SoupServer for a
 * SoupWebsocketConnection over the guard. */
static void
on_upgraded (SoupServerMessage *msg, gpointer user_data)
{
  GUri *uri = soup_server_message_get_uri (msg);
  GSocketAddress *ra = soup_server_message_get_remote_address (msg);
  gchar *key =
      ra ? g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (ra)) : NULL;
  Conn *conn = key ? g_hash_table_lookup (conns, key) : NULL;
  GIOStream *stream, *guard;
  SoupWebsocketConnection *ws;
  Client *c;

  g_object_ref (msg);
  if (ra)
    g_object_ref (ra);
  stream = soup_server_message_steal_connection (msg);
  if (!stream)
    goto out;
  guard = meeting_ws_guard_new (stream, TRUE, (guint64)opt_max_message);
  ws = soup_websocket_connection_new (guard, uri,
      SOUP_WEBSOCKET_CONNECTION_SERVER,
      soup_message_headers_get_one (
          soup_server_message_get_request_headers (msg), "Origin"),
      NULL, NULL);
  g_object_unref (guard);
  g_object_unref (stream);
  c = on_websocket (ws, ra, g_uri_get_path (uri));
  g_object_unref (ws);
  if (conn) {
    conn->client = c;
    c->conn = conn;
  }
out:
  g_clear_object (&ra);
  g_free (key);
  g_object_unref (msg);
}

/* The server takes no request bodies: they are read and dropped, never
 * collected. */
static void
on_early (SoupServer *server, SoupServerMessage *msg, const char *path,
    GHashTable *query, gpointer user_data)
{
  soup_message_body_set_accumulate (
      soup_server_message_get_request_body (msg), FALSE);
}

/* Upgrades requests for a room name to WebSocket (RFC 6455; no extension,
 * no subprotocol); refuses everything else. */
static void
on_request (SoupServer *server, SoupServerMessage *msg, const char *path,
    GHashTable *query, gpointer user_data)
{
  const gchar *room = path[0] == '/' ? path + 1 : path;
  gsize n = strlen (room);

  if (n == 0 || n > MEETING_PROTO_MAX_ROOM || strchr (room, '/')) {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    return;
  }
  /* sets the error status when the request is no valid upgrade */
  if (!soup_websocket_server_process_handshake (msg, NULL, NULL, NULL, NULL))
    return;
  g_signal_connect (msg, "wrote-informational", G_CALLBACK (on_upgraded), NULL);
}

/* Listens on HOST:PORT; the port chosen (port 0) or 0. */
static guint
listen_on (const gchar *host, guint port, GError **error)
{
  gsize n = strlen (host);
  /* [::1] as in a URI */
  gchar *bare = n > 2 && host[0] == '[' && host[n - 1] == ']'
      ? g_strndup (host + 1, n - 2)
      : g_strdup (host);
  GInetAddress *ia = g_inet_address_new_from_string (bare);
  GSocketAddress *sa, *bound;
  guint got = 0;

  g_free (bare);

  if (!ia) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "%s is not an IP address", host);
    return 0;
  }
  sa = g_inet_socket_address_new (ia, (guint16)port);
  listen_socket = g_socket_new (g_inet_address_get_family (ia),
      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  g_object_unref (ia);
  if (listen_socket) {
    g_socket_set_blocking (listen_socket, FALSE);
    g_socket_set_listen_backlog (listen_socket, 128);
    if (g_socket_bind (listen_socket, sa, TRUE, error) &&
        g_socket_listen (listen_socket, error) &&
        (bound = g_socket_get_local_address (listen_socket, error))) {
      got = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
      g_object_unref (bound);
    }
  }
  g_object_unref (sa);
  return got;
}

/* Listens on HOST:PORT and starts accepting; the port chosen (port 0) or
 * 0 with error set. */
guint
connections_listen (
    const gchar *host, guint port, GTlsCertificate *cert, GError **error)
{
  tls_cert = cert;
  conns = g_hash_table_new_full (
      g_str_hash, g_str_equal, NULL, (GDestroyNotify)conn_free);
  per_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  soup_server = soup_server_new ("server-header", "gst-meeting-server", NULL);
  soup_server_add_early_handler (soup_server, NULL, on_early, NULL, NULL);
  soup_server_add_handler (soup_server, NULL, on_request, NULL, NULL);
  port = listen_on (host, port, error);
  if (port)
    accept_resume ();
  return port;
}

void
connections_stop (void)
{
  GHashTableIter it;
  gpointer v;

  soup_server_disconnect (soup_server);
  g_object_unref (soup_server);
  if (accept_source) {
    g_source_destroy (accept_source);
    g_source_unref (accept_source);
  }
  if (listen_socket) {
    g_socket_close (listen_socket, NULL);
    g_object_unref (listen_socket);
  }
  g_hash_table_iter_init (&it, conns);
  while (g_hash_table_iter_next (&it, NULL, &v))
    g_object_weak_unref (G_OBJECT (((Conn *)v)->sock), conn_gone, v);
  g_hash_table_unref (conns);
  g_hash_table_unref (per_address);
}
