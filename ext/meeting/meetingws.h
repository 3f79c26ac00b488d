/* WebSocket messages bounded while they arrive (docs/protocol.md 2.5).
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * libsoup 3.2 bounds single frames, but collects the continuation frames of
 * one message without limit (CVE-2025-32049, unfixed in Debian 12's 3.2.3).
 * MeetingWsGuard is a GIOStream over a connection whose pollable input
 * stream follows the RFC 6455 frame headers as the bytes pass to libsoup,
 * and fails the read (G_IO_ERROR) as soon as one data message, the sum of
 * its frames' payloads, goes over a bound, or a frame is malformed. A
 * SoupWebsocketConnection built on it (soup_websocket_connection_new) never
 * holds more than the bound of one message.
 *
 * GStreamer-free: the server, the client session and the fuzzers use it.
 */
#ifndef __MEETING_WS_H__
#define __MEETING_WS_H__

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* The frame follower, byte by byte (no frame is buffered). */
typedef struct
{
  gboolean masked; /* frames must be masked (we are the server) */
  guint64 max_message; /* bound of one data message's payload */
  /* the header being read */
  guint8 hdr[14];
  guint hdr_len;
  guint hdr_need;
  /* the payload being skipped */
  guint64 payload_left;
  /* the data message being followed */
  gboolean in_message; /* a fragmented message has begun */
  guint64 message_bytes;
  /* counters (tests) */
  guint64 frames;
  guint64 messages;
  gboolean failed;
} MeetingWsParser;

void meeting_ws_parser_init (
    MeetingWsParser *p, gboolean masked, guint64 max_message);

/* Follows @len more bytes of the stream. FALSE (and @error set, domain
 * G_IO_ERROR: MESSAGE_TOO_LARGE or INVALID_DATA) when they break the bound
 * or the protocol; every later call fails too. */
gboolean meeting_ws_parser_feed (
    MeetingWsParser *p, const guint8 *data, gsize len, GError **error);

/* A GIOStream over @base (a GSocketConnection, a GTlsConnection or the
 * stream soup_server_message_steal_connection returns: its input and
 * output streams must be pollable). @server_side: the peer is a client, so
 * its frames are masked. Closing it closes @base. */
GIOStream *meeting_ws_guard_new (
    GIOStream *base, gboolean server_side, guint64 max_message);

/* The client's opening handshake over GSocketClient (RFC 6455 4.1), TLS for
 * wss:// checked against @database (NULL: the system's), the answer's
 * Sec-WebSocket-Accept verified, then a client SoupWebsocketConnection on
 * a guard of @max_message bytes. @timeout_s bounds connecting and each
 * wait of the handshake (0: none). */
void meeting_ws_connect_async (const gchar *uri, GTlsDatabase *database,
    guint64 max_message, guint timeout_s, GCancellable *cancellable,
    GAsyncReadyCallback callback, gpointer user_data);

SoupWebsocketConnection *meeting_ws_connect_finish (
    GAsyncResult *result, GError **error);

/* Sec-WebSocket-Accept of @key (newly allocated). */
gchar *meeting_ws_accept_key (const gchar *key);

G_END_DECLS

#endif /* __MEETING_WS_H__ */
