/* libFuzzer target: the client side of a meeting (the session that
 * meetingsrc and meetingsink share) facing a hostile server — signaling
 * messages (JSON) and media datagrams (RTP/RTCP).
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The session's sources are included so that its handlers are reachable;
 * the session is set up by hand, as joined, with a receiver and a sender
 * that check what reaches them. Input: records of [kind][length: 2 bytes,
 * big endian][bytes]; kind % 2: 0 a message from the server, 1 a datagram.
 * Properties: no crash, leak, sanitizer report or GLib critical; every
 * remote stream handed to the receiver has a unique pad name made of
 * [A-Za-z0-9_-], fixed application/x-rtp caps and an SSRC the session maps
 * to it; media reaches the receiver only for announced streams; a stream
 * is removed at most once and only if it was added.
 */
#include "../../ext/meeting/gstmeetingsession.c"
#include "../../ext/meeting/gstmeetingsession-media.c"
#include "../../ext/meeting/gstmeetingsession-signaling.c"
#include "../../ext/meeting/gstmeetingsession-streams.c"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static GstMeetingSession *session;
static GHashTable *live; /* pad name -> ssrc, streams the receiver holds */

static void
fz_added (gpointer user, const GstMeetingRemoteStream *rs)
{
  CHECK (rs->pad_name && *rs->pad_name);
  for (const gchar *p = rs->pad_name; *p; p++)
    CHECK (g_ascii_isalnum (*p) || *p == '_' || *p == '-');
  CHECK (rs->caps && gst_caps_is_fixed (rs->caps));
  CHECK (gst_structure_has_name (
      gst_caps_get_structure (rs->caps, 0), "application/x-rtp"));
  CHECK (!g_hash_table_contains (live, rs->pad_name));
  CHECK (
      g_hash_table_lookup (session->remote, GUINT_TO_POINTER (rs->ssrc)) == rs);
  g_hash_table_insert (live, g_strdup (rs->pad_name), GUINT_TO_POINTER (1));
}

static void
fz_removed (gpointer user, const GstMeetingRemoteStream *rs)
{
  CHECK (g_hash_table_remove (live, rs->pad_name));
}

static void
fz_media (gpointer user, const GstMeetingRemoteStream *rs, GstBuffer *buf)
{
  guint8 h[12];

  CHECK (g_hash_table_contains (live, rs->pad_name));
  CHECK (gst_buffer_extract (buf, 0, h, 12) == 12);
  CHECK (GST_READ_UINT32_BE (h + 8) == rs->ssrc);
  gst_buffer_unref (buf);
}

static void
fz_keyframe (gpointer user, guint32 ssrc, gboolean fir)
{
}

static const GstMeetingReceiver fz_receiver = { fz_added, fz_removed,
  fz_media };
static const GstMeetingSender fz_sender = { fz_keyframe };

static void
add_text (GByteArray *a, guint8 kind, const gchar *text)
{
  gsize n = strlen (text);
  guint8 h[3] = { kind, (guint8)(n >> 8), (guint8)n };

  g_byte_array_append (a, h, 3);
  g_byte_array_append (a, (const guint8 *)text, (guint)n);
}

/* One-time allocations (types, caches) before LeakSanitizer looks. */
static void
warm_up (void)
{
  GByteArray *a = g_byte_array_new ();
  guint8 rtp[3 + 40] = { 1, 0, 40, 0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 11 };

  add_text (a, 0,
      "{\"type\":\"welcome\",\"id\":\"p2\",\"instance\":\"00\","
      "\"roster\":[{\"id\":\"p1\",\"name\":\"a\"}],\"streams\":[{\"from\":"
      "\"p1\",\"name\":\"a\",\"stream\":\"audio_0\",\"kind\":\"audio\","
      "\"ssrc\":11,\"caps\":\"application/"
      "x-rtp,media=audio\",\"e2ee\":true}]}");
  add_text (a, 0, "{\"type\":\"board\",\"from\":\"p9\",\"data\":\"aGVsbG8=\"}");
  add_text (a, 0,
      "{\"type\":\"candidate\",\"candidate\":\"a=candidate:1 1 "
      "UDP 2013266431 127.0.0.1 40000 typ host\"}");
  add_text (a, 0, "{\"type\":\"error\",\"code\":\"x\",\"message\":\"y\"}");
  add_text (a, 0, "not json");
  g_byte_array_append (a, rtp, sizeof (rtp));
  for (guint i = 0; i < 4; i++)
    LLVMFuzzerTestOneInput (a->data, a->len);
  g_byte_array_unref (a);
}

int
LLVMFuzzerInitialize (int *argc, char **argv[])
{
  GstMeetingSession *s;

  gst_init (argc, argv);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL);
  ensure_debug ();
  s = g_object_new (GST_TYPE_MEETING_SESSION, NULL);
  gst_object_ref_sink (s);
  s->uri = g_strdup ("ws://127.0.0.1:1/fuzz");
  s->room = g_strdup ("fuzz");
  s->participant = g_strdup ("fuzzer");
  s->loopback = TRUE;
  s->receiver = fz_receiver;
  s->sender = fz_sender;
  session = s;
  live = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  warm_up ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GstMeetingSession *s = session;
  size_t pos = 0;

  while (pos + 3 <= size) {
    guint kind = data[pos] % 2;
    gsize len =
        MIN ((gsize)(data[pos + 1] << 8 | data[pos + 2]), size - pos - 3);
    const guint8 *d = data + pos + 3;

    pos += 3 + len;
    if (kind == 0) {
      GBytes *b = g_bytes_new (d, len);
      on_ws_message (NULL, SOUP_WEBSOCKET_DATA_TEXT, b, s);
      g_bytes_unref (b);
    } else {
      on_media (NULL, 1, 1, (guint)len, (gchar *)d, s);
    }
  }
  /* the meeting ends: everything the receiver holds goes */
  s->joined = FALSE;
  s->fatal = FALSE;
  media_stop (s);
  remote_streams_remove (s, NULL, NULL, FALSE);
  CHECK (g_hash_table_size (live) == 0);
  g_hash_table_remove_all (s->names);
  g_hash_table_remove_all (s->absent);
  g_clear_pointer (&s->self_id, g_free);
  g_clear_pointer (&s->instance, g_free);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return 0;
}
