/* libFuzzer target: gst-meeting-server's handling of what clients send —
 * signaling messages (JSON) and media datagrams (RTP/RTCP).
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The server's parts (tools/server/, all but main.c) and the protocol
 * module are compiled in. Input: records of [kind][length: 2 bytes, big
 * endian][bytes]; kind % 4: 0 a message from client A, 1 from client B,
 * 2 a datagram from A, 3 from B. Both clients are fresh per input (not
 * joined; they join only if the input says so, both to room "fuzz"), their
 * ICE counts as connected once they have an agent, so forwarding and the
 * faulty relay (on) run. Properties: no crash, no leak, no sanitizer
 * report, no GLib critical; after each message the client's state is
 * consistent (a joined client is in its room, its streams' SSRCs map to
 * it) and the board is within its limits (the author's quota, the departed
 * budget, the overall cap). Every message text also goes through the
 * protocol module's parser in both directions: what it accepts serializes
 * to a text it accepts again, with the same serialization (round trip).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "server.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
  G_STMT_START                                                                 \
  {                                                                            \
    if (!(cond)) {                                                             \
      fprintf (stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__,   \
          #cond);                                                              \
      abort ();                                                                \
    }                                                                          \
  }                                                                            \
  G_STMT_END

static void
discard (const gchar *text)
{
}

static void
add_record (GByteArray *a, guint8 kind, const void *d, gsize n)
{
  guint8 h[3] = { kind, (guint8)(n >> 8), (guint8)n };

  g_byte_array_append (a, h, 3);
  g_byte_array_append (a, d, (guint)n);
}

static void
add_text (GByteArray *a, guint8 kind, const gchar *text)
{
  add_record (a, kind, text, strlen (text));
}

/* GLib, json-glib and libnice allocate caches and types once, on the first
 * use of a path; do that here, or LeakSanitizer takes them for leaks of
 * the first input that gets there. */
static void
warm_up (void)
{
  GByteArray *a = g_byte_array_new ();
  guint8 rtp[52] = { 0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 11 };
  guint8 pli[12] = { 0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 11 };

  add_text (a, 0, "not json");
  add_text (a, 0, "{\"type\":\"join\",\"name\":\"a\"}");
  add_text (a, 1, "{\"type\":\"join\",\"name\":\"b\"}");
  add_text (a, 0,
      "{\"type\":\"publish\",\"stream\":\"audio_0\",\"kind\":\"audio\","
      "\"ssrc\":11,\"caps\":\"application/x-rtp,media=audio\",\"e2ee\":true}");
  add_text (a, 0, "{\"type\":\"board\",\"data\":\"aGVsbG8=\"}");
  add_text (a, 0,
      "{\"type\":\"board\",\"data\":\"aGVsbG8=\",\"slot\":\"heartbeat\"}");
  add_text (a, 0,
      "{\"type\":\"board\",\"data\":\"aGVsbG8=\",\"slot\":\"heartbeat\"}");
  add_text (a, 0, "{\"type\":\"board\",\"data\":\"aGVsbG8=\",\"slot\":\"X\"}");
  add_text (a, 0,
      "{\"type\":\"ice\",\"ufrag\":\"abcd\",\"pwd\":"
      "\"aaaaaaaaaaaaaaaaaaaaaaaa\"}");
  add_text (a, 0,
      "{\"type\":\"candidate\",\"candidate\":\"a=candidate:1 1 "
      "UDP 2013266431 127.0.0.1 40000 typ host\"}");
  add_text (a, 0, "{\"type\":\"frobnicate\"}");
  for (guint i = 0; i < 8; i++)
    add_record (a, 2, rtp, sizeof (rtp));
  add_record (a, 3, pli, sizeof (pli));
  add_text (a, 0, "{\"type\":\"unpublish\",\"stream\":\"audio_0\"}");
  for (guint i = 0; i < 4; i++)
    LLVMFuzzerTestOneInput (a->data, a->len);
  g_byte_array_unref (a);
}

int
LLVMFuzzerInitialize (int *argc, char **argv[])
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL);
  rooms = g_hash_table_new_full (
      g_str_hash, g_str_equal, NULL, (GDestroyNotify)room_free);
  passcodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (passcodes, g_strdup ("locked"), g_strdup ("sesame"));
  opt_media_address = g_strdup ("127.0.0.1");
  opt_max_message = 4096;
  /* small board limits, so that quotas, supersedes and the departed
   * budget are reached (two clients: 2 x 4096 + 4096 <= 16384) */
  board_limits.max_bytes = 16384;
  board_limits.max_messages = 64;
  board_limits.quota_bytes = 4096;
  board_limits.quota_messages = 8;
  board_limits.departed_bytes = 4096;
  opt_fault_loss = opt_fault_reorder = opt_fault_duplicate = 0.1;
  fault_rand = g_rand_new_with_seed (1);
  /* the server's lines about bad input are expected here */
  g_set_printerr_handler (discard);
  warm_up ();
  return 0;
}

/* the parser's round trip (meetingproto.c) */
static void
check_parse (const gchar *text, gsize len)
{
  for (guint d = 0; d < 2; d++) {
    MeetingMsg m, m2;
    gchar *s1, *s2;

    if (!meeting_msg_parse (
            &m, d ? MEETING_TO_CLIENT : MEETING_TO_SERVER, text, len, NULL)) {
      meeting_msg_clear (&m);
      continue;
    }
    s1 = meeting_msg_serialize (&m);
    CHECK (s1 != NULL);
    CHECK (meeting_msg_parse (
        &m2, d ? MEETING_TO_CLIENT : MEETING_TO_SERVER, s1, strlen (s1), NULL));
    CHECK (m2.type == m.type);
    s2 = meeting_msg_serialize (&m2);
    CHECK (g_str_equal (s1, s2));
    g_free (s1);
    g_free (s2);
    meeting_msg_clear (&m);
    meeting_msg_clear (&m2);
  }
}

static void
check_client (Client *c)
{
  MeetingBoardStats bst;

  if (!c->room) {
    CHECK (c->streams->len == 0);
    return;
  }
  CHECK (g_ptr_array_find (c->room->clients, c, NULL));
  /* the board holds what its limits allow, whatever was posted */
  meeting_board_get_stats (c->room->board, &bst);
  CHECK (bst.bytes <= board_limits.max_bytes &&
      bst.messages <= board_limits.max_messages &&
      bst.departed_bytes <= board_limits.departed_bytes);
  CHECK (meeting_board_author_messages (c->room->board, c->id) <=
          board_limits.quota_messages &&
      meeting_board_author_bytes (c->room->board, c->id) <=
          board_limits.quota_bytes);
  for (guint i = 0; i < c->streams->len; i++) {
    Stream *st = c->streams->pdata[i];
    CHECK (g_hash_table_lookup (
               c->room->ssrcs, GUINT_TO_POINTER (st->info.ssrc)) == st &&
        st->owner == c);
  }
  if (c->ice)
    c->ice_ready = TRUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  Client *c[2] = { client_new ("A"), client_new ("B") };
  size_t pos = 0;

  while (pos + 3 <= size) {
    guint kind = data[pos] % 4;
    gsize len =
        MIN ((gsize)(data[pos + 1] << 8 | data[pos + 2]), size - pos - 3);
    const guint8 *d = data + pos + 3;
    Client *who = c[kind & 1];

    pos += 3 + len;
    if (kind < 2) {
      gchar *text = g_strndup ((const gchar *)d, len);
      check_parse (text, strlen (text));
      handle_text (who, "fuzz", text, strlen (text), TRUE);
      g_free (text);
    } else if (who->room) {
      on_media (who->ice ? meeting_ice_get_agent (who->ice) : NULL,
          who->ice ? meeting_ice_get_stream_id (who->ice) : 0, 1, (guint)len,
          (gchar *)d, who);
    }
    check_client (c[0]);
    check_client (c[1]);
  }
  client_free (c[0]);
  client_free (c[1]);
  CHECK (g_hash_table_size (rooms) == 0);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return 0;
}
