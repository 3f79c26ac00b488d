/* A plain WebSocket client of gst-meeting-server for tests: the JSON
 * objects it receives queue up in its inbox. GLib, libsoup and json-glib
 * only, for the GstCheck tests (elements/meeting-common.h) and the
 * integration programs (tests/integration/) alike: the callers assert in
 * their own style and read the messages in their own message handler.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __WS_CLIENT_H__
#define __WS_CLIENT_H__

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#define TIMEOUT_US (10 * G_USEC_PER_SEC)

typedef struct
{
  SoupSession *session;
  SoupWebsocketConnection *ws;
  GQueue inbox; /* JsonObject* */
  gboolean closed;
  GError *error;
  gboolean done;
} Client;

/* Iterates the default main context until *flag, or TIMEOUT_US: *flag. */
static inline gboolean
client_iterate_until (gboolean *flag)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_US;

  while (!*flag && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  return *flag;
}

/* For the message handler: a message (JSON text) onto the inbox; FALSE if
 * it is not JSON. */
static inline gboolean
client_queue_json (Client *c, const gchar *d, gsize n)
{
  JsonParser *p = json_parser_new ();
  gboolean ok = json_parser_load_from_data (p, d, n, NULL);

  if (ok)
    g_queue_push_tail (&c->inbox,
        json_object_ref (json_node_get_object (json_parser_get_root (p))));
  g_object_unref (p);
  return ok;
}

static inline void
client_on_connected (GObject *src, GAsyncResult *res, gpointer data)
{
  Client *c = data;

  c->ws = soup_session_websocket_connect_finish (
      SOUP_SESSION (src), res, &c->error);
  c->done = TRUE;
}

static inline void
client_on_closed (SoupWebsocketConnection *ws, Client *c)
{
  c->closed = TRUE;
}

/* Connects to url; on_message (ws, type, GBytes *msg, Client *c) gets what
 * arrives. ws NULL (error set if the connection failed) when not connected
 * within TIMEOUT_US. */
static inline Client *
client_connect_url (const gchar *url, GCallback on_message)
{
  Client *c = g_new0 (Client, 1);
  SoupMessage *msg = soup_message_new (SOUP_METHOD_GET, url);

  c->session = soup_session_new ();
  soup_session_websocket_connect_async (c->session, msg, NULL, NULL,
      G_PRIORITY_DEFAULT, NULL, client_on_connected, c);
  client_iterate_until (&c->done);
  if (c->ws) {
    g_signal_connect (c->ws, "message", on_message, c);
    g_signal_connect (c->ws, "closed", G_CALLBACK (client_on_closed), c);
  }
  g_object_unref (msg);
  return c;
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
  /* the connection may outlive the client while it closes */
  if (c->ws)
    g_signal_handlers_disconnect_by_data (c->ws, c);
  g_clear_object (&c->ws);
  g_object_unref (c->session);
  g_queue_clear_full (&c->inbox, (GDestroyNotify)json_object_unref);
  g_free (c);
}

static inline void
client_send (Client *c, const gchar *text)
{
  soup_websocket_connection_send_text (c->ws, text);
}

/* The next message of this type (others are skipped), or NULL after
 * TIMEOUT_US. */
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

#endif /* __WS_CLIENT_H__ */
