/* Unit tests of the meeting server's bulletin board (tools/meeting-board.c):
 * supersede by (author, slot), no cross-author supersede, quotas and
 * their recovery, the departed budget, the overall cap, seq order, and the
 * `board` message of the signaling.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "meeting-board.h"

typedef struct
{
  GPtrArray *texts; /* "author/slot/text" per stored message */
  guint64 last_seq;
  gboolean any;
  gboolean increasing;
  guint64 bytes;
} Dump;

static void
dump_one (guint64 seq, const gchar *author, const gchar *slot,
    const gchar *text, gsize len, gpointer user_data)
{
  Dump *d = user_data;

  if (d->any && seq <= d->last_seq)
    d->increasing = FALSE;
  d->any = TRUE;
  d->last_seq = seq;
  d->bytes += len;
  g_assert_cmpuint (strlen (text), ==, len);
  g_ptr_array_add (
      d->texts, g_strdup_printf ("%s/%s/%s", author, slot ? slot : "", text));
}

/* The log as one string "a/s/t a/s/t ...", checked for seq order and for
 * the byte count the stats give. */
static gchar *
dump (MeetingBoard *b)
{
  Dump d = { g_ptr_array_new_with_free_func (g_free), 0, FALSE, TRUE, 0 };
  MeetingBoardStats st;
  gchar *s;

  meeting_board_foreach (b, dump_one, &d);
  g_assert_true (d.increasing);
  meeting_board_get_stats (b, &st);
  g_assert_cmpuint (st.messages, ==, d.texts->len);
  g_assert_cmpuint (st.bytes, ==, d.bytes);
  g_ptr_array_add (d.texts, NULL);
  s = g_strjoinv (" ", (gchar **)d.texts->pdata);
  g_ptr_array_unref (d.texts);
  return s;
}

#define assert_log(b, want)                                                    \
  G_STMT_START                                                                 \
  {                                                                            \
    gchar *got_ = dump (b);                                                    \
    g_assert_cmpstr (got_, ==, want);                                          \
    g_free (got_);                                                             \
  }                                                                            \
  G_STMT_END

static MeetingBoardResult
post (
    MeetingBoard *b, const gchar *author, const gchar *slot, const gchar *text)
{
  return meeting_board_post (b, author, slot, text, strlen (text));
}

static MeetingBoard *
board_new (guint64 quota_bytes, guint quota_messages, guint64 departed)
{
  MeetingBoardLimits l = { 1000000, 100000, quota_bytes, quota_messages,
    departed };

  return meeting_board_new (&l);
}

static void
test_slot_valid (void)
{
  gchar *long_slot = g_strnfill (32, 'a');

  g_assert_true (meeting_board_slot_valid ("heartbeat"));
  g_assert_true (meeting_board_slot_valid ("a-1"));
  g_assert_true (meeting_board_slot_valid (long_slot));
  long_slot[31] = 'A';
  g_assert_false (meeting_board_slot_valid (long_slot));
  g_free (long_slot);
  long_slot = g_strnfill (33, 'a');
  g_assert_false (meeting_board_slot_valid (long_slot));
  g_free (long_slot);
  g_assert_false (meeting_board_slot_valid (""));
  g_assert_false (meeting_board_slot_valid (NULL));
  g_assert_false (meeting_board_slot_valid ("Roster"));
  g_assert_false (meeting_board_slot_valid ("a b"));
  g_assert_false (meeting_board_slot_valid ("a_b"));
  g_assert_false (meeting_board_slot_valid ("\"x\""));
}

static void
test_supersede (void)
{
  MeetingBoard *b = board_new (10000, 100, 10000);
  MeetingBoardStats st;

  g_assert_cmpuint (meeting_board_next_seq (b), ==, 0);
  g_assert_cmpint (post (b, "p1", "roster", "r1"), ==, MEETING_BOARD_OK);
  g_assert_cmpint (post (b, "p1", "heartbeat", "h1"), ==, MEETING_BOARD_OK);
  g_assert_cmpint (post (b, "p1", NULL, "x1"), ==, MEETING_BOARD_OK);
  g_assert_cmpint (post (b, "p1", "heartbeat", "h2"), ==, MEETING_BOARD_OK);
  /* the newer one goes to the end, the older one is gone */
  assert_log (b, "p1/roster/r1 p1//x1 p1/heartbeat/h2");
  g_assert_cmpint (post (b, "p1", "roster", "r2"), ==, MEETING_BOARD_OK);
  g_assert_cmpint (post (b, "p1", NULL, "x2"), ==, MEETING_BOARD_OK);
  /* no slot: never superseded */
  assert_log (b, "p1//x1 p1/heartbeat/h2 p1/roster/r2 p1//x2");
  /* seqs go on: 6 posts so far, the next is 6 whatever was removed */
  g_assert_cmpuint (meeting_board_next_seq (b), ==, 6);
  meeting_board_get_stats (b, &st);
  g_assert_cmpuint (st.superseded, ==, 2);
  g_assert_cmpuint (meeting_board_author_messages (b, "p1"), ==, 4);
  g_assert_cmpuint (meeting_board_author_bytes (b, "p1"), ==, 8);
  meeting_board_free (b);
}

static void
test_no_cross_author (void)
{
  MeetingBoard *b = board_new (10000, 100, 10000);

  g_assert_cmpint (post (b, "p1", "keys", "k1"), ==, MEETING_BOARD_OK);
  g_assert_cmpint (post (b, "p2", "keys", "K1"), ==, MEETING_BOARD_OK);
  g_assert_cmpint (post (b, "p2", "keys", "K2"), ==, MEETING_BOARD_OK);
  /* p2's slot is its own: p1's message stays */
  assert_log (b, "p1/keys/k1 p2/keys/K2");
  g_assert_cmpint (post (b, "p1", "keys", "k2"), ==, MEETING_BOARD_OK);
  assert_log (b, "p2/keys/K2 p1/keys/k2");
  meeting_board_free (b);
}

static void
test_quota (void)
{
  /* 3 messages or 10 bytes per author */
  MeetingBoard *b = board_new (10, 3, 1000);
  MeetingBoardStats st;

  g_assert_cmpint (post (b, "p1", NULL, "aa"), ==, MEETING_BOARD_OK);
  g_assert_cmpint (post (b, "p1", "hb", "bb"), ==, MEETING_BOARD_OK);
  g_assert_cmpint (post (b, "p1", "roster", "cc"), ==, MEETING_BOARD_OK);
  /* a fourth message: over the message quota, not stored */
  g_assert_cmpint (post (b, "p1", NULL, "dd"), ==, MEETING_BOARD_QUOTA);
  g_assert_cmpint (post (b, "p1", "keys", "d"), ==, MEETING_BOARD_QUOTA);
  assert_log (b, "p1//aa p1/hb/bb p1/roster/cc");
  /* the others are not affected */
  g_assert_cmpint (post (b, "p2", NULL, "zz"), ==, MEETING_BOARD_OK);
  /* a supersede still fits: the old one does not count */
  g_assert_cmpint (post (b, "p1", "hb", "b2"), ==, MEETING_BOARD_OK);
  assert_log (b, "p1//aa p1/roster/cc p2//zz p1/hb/b2");
  /* bytes: 6 stored; a superseding 7 bytes would make 11 > 10 */
  g_assert_cmpint (post (b, "p1", "hb", "bbbbbbb"), ==, MEETING_BOARD_QUOTA);
  assert_log (b, "p1//aa p1/roster/cc p2//zz p1/hb/b2");
  /* 6 bytes fit exactly (2 + 2 + 6 = 10) */
  g_assert_cmpint (post (b, "p1", "hb", "bbbbbb"), ==, MEETING_BOARD_OK);
  /* one message larger than the whole quota */
  g_assert_cmpint (
      post (b, "p3", NULL, "0123456789a"), ==, MEETING_BOARD_QUOTA);
  meeting_board_get_stats (b, &st);
  g_assert_cmpuint (st.refused_quota, ==, 4);
  g_assert_cmpuint (st.refused_full, ==, 0);
  g_assert_cmpuint (meeting_board_author_messages (b, "p1"), ==, 3);
  g_assert_cmpuint (meeting_board_author_bytes (b, "p1"), ==, 10);
  g_assert_cmpuint (meeting_board_author_messages (b, "p3"), ==, 0);
  assert_log (b, "p1//aa p1/roster/cc p2//zz p1/hb/bbbbbb");
  meeting_board_free (b);
}

/* A flood of slotted and unslotted posts by one author leaves it within
 * its quota, and the others' posts all go through. */
static void
test_flood (void)
{
  MeetingBoard *b = board_new (200, 8, 1000);
  guint refused = 0;

  for (guint i = 0; i < 10000; i++) {
    gchar *t = g_strdup_printf ("junk%u", i);
    gchar *slot = g_strdup_printf ("s%u", i % 16);
    if (post (b, "mallory", i % 2 ? slot : NULL, t) != MEETING_BOARD_OK)
      refused++;
    if (i % 100 == 0) {
      g_assert_cmpint (post (b, "alice", "heartbeat", t), ==, MEETING_BOARD_OK);
    }
    g_free (slot);
    g_free (t);
  }
  /* at most 8 of the 5000 posts without a slot got in */
  g_assert_cmpuint (refused, >=, 5000 - 8);
  g_assert_cmpuint (meeting_board_author_messages (b, "mallory"), <=, 8);
  g_assert_cmpuint (meeting_board_author_bytes (b, "mallory"), <=, 200);
  g_assert_cmpuint (meeting_board_author_messages (b, "alice"), ==, 1);
  meeting_board_free (b);
}

static void
test_departed (void)
{
  /* departed budget: 10 bytes */
  MeetingBoard *b = board_new (1000, 100, 10);
  MeetingBoardStats st;

  g_assert_cmpint (post (b, "p1", NULL, "aaaa"), ==, MEETING_BOARD_OK);
  g_assert_cmpint (post (b, "p2", NULL, "bbbb"), ==, MEETING_BOARD_OK);
  g_assert_cmpint (post (b, "p1", NULL, "AAAA"), ==, MEETING_BOARD_OK);
  g_assert_cmpint (post (b, "p3", NULL, "cccc"), ==, MEETING_BOARD_OK);
  g_assert_cmpint (post (b, "p4", NULL, "dddd"), ==, MEETING_BOARD_OK);
  /* 8 bytes of p1: within the budget */
  meeting_board_author_left (b, "p1");
  assert_log (b, "p1//aaaa p2//bbbb p1//AAAA p3//cccc p4//dddd");
  meeting_board_get_stats (b, &st);
  g_assert_cmpuint (st.departed_bytes, ==, 8);
  g_assert_cmpuint (st.departed_messages, ==, 2);
  /* p2 leaves: 12 > 10, p1 left first and loses its oldest message */
  meeting_board_author_left (b, "p2");
  assert_log (b, "p2//bbbb p1//AAAA p3//cccc p4//dddd");
  /* p3 leaves: p1's last message goes, then p1 is forgotten */
  meeting_board_author_left (b, "p3");
  assert_log (b, "p2//bbbb p3//cccc p4//dddd");
  meeting_board_get_stats (b, &st);
  g_assert_cmpuint (st.departed_bytes, ==, 8);
  g_assert_cmpuint (st.evicted, ==, 2);
  g_assert_cmpuint (st.authors, ==, 3);
  /* the author present keeps everything */
  g_assert_cmpuint (meeting_board_author_messages (b, "p4"), ==, 1);
  /* leaving twice, or unknown authors, change nothing */
  meeting_board_author_left (b, "p3");
  meeting_board_author_left (b, "p9");
  assert_log (b, "p2//bbbb p3//cccc p4//dddd");
  /* an author with nothing stored is simply forgotten */
  g_assert_cmpint (
      post (b, "p5", NULL, "0123456789abcdef0"), ==, MEETING_BOARD_OK);
  meeting_board_author_left (b, "p5");
  meeting_board_get_stats (b, &st);
  g_assert_cmpuint (st.departed_bytes, ==, 0);
  g_assert_cmpuint (st.authors, ==, 1);
  assert_log (b, "p4//dddd");
  meeting_board_free (b);
}

static void
test_cap (void)
{
  /* 2 authors x 10 bytes + 6 departed = 26 bytes; 6 messages */
  MeetingBoardLimits l = { 26, 6, 10, 3, 6 };
  MeetingBoard *b;
  MeetingBoardStats st;
  gchar *why = NULL;

  g_assert_true (meeting_board_limits_check (&l, 2, &why));
  g_assert_false (meeting_board_limits_check (&l, 3, &why));
  g_assert_nonnull (why);
  g_clear_pointer (&why, g_free);
  l.max_messages = 5;
  g_assert_false (meeting_board_limits_check (&l, 2, &why));
  g_clear_pointer (&why, g_free);
  l.max_messages = 6;
  l.quota_messages = 0;
  g_assert_false (meeting_board_limits_check (&l, 2, &why));
  g_clear_pointer (&why, g_free);
  l.quota_messages = 3;

  b = meeting_board_new (&l);
  g_assert_cmpint (post (b, "p1", NULL, "11111"), ==, MEETING_BOARD_OK);
  g_assert_cmpint (post (b, "p1", NULL, "1"), ==, MEETING_BOARD_OK);
  meeting_board_author_left (b, "p1"); /* 6 departed bytes, 2 messages */
  g_assert_cmpint (post (b, "p2", NULL, "2222222222"), ==, MEETING_BOARD_OK);
  g_assert_cmpint (post (b, "p3", NULL, "3333333"), ==, MEETING_BOARD_OK);
  g_assert_cmpint (post (b, "p3", NULL, "333"), ==, MEETING_BOARD_OK);
  /* exactly the cap: 26 bytes, 5 messages */
  assert_log (b, "p1//11111 p1//1 p2//2222222222 p3//3333333 p3//333");
  /* a third author present (more than the limits were made for): the
   * departed make room, oldest first, by bytes ... */
  g_assert_cmpint (post (b, "p4", NULL, "4"), ==, MEETING_BOARD_OK);
  assert_log (b, "p1//1 p2//2222222222 p3//3333333 p3//333 p4//4");
  g_assert_cmpint (post (b, "p4", NULL, "44"), ==, MEETING_BOARD_OK);
  /* ... and by messages */
  g_assert_cmpint (post (b, "p4", NULL, "4"), ==, MEETING_BOARD_OK);
  assert_log (b, "p2//2222222222 p3//3333333 p3//333 p4//4 p4//44 p4//4");
  /* nothing of those present can make room: refused */
  g_assert_cmpint (post (b, "p5", NULL, "5"), ==, MEETING_BOARD_FULL);
  meeting_board_get_stats (b, &st);
  g_assert_cmpuint (st.refused_full, ==, 1);
  g_assert_cmpuint (st.refused_quota, ==, 0);
  g_assert_cmpuint (st.evicted, ==, 2);
  g_assert_cmpuint (st.bytes, ==, 24);
  g_assert_cmpuint (st.messages, ==, 6);
  /* p3 leaves: 10 departed bytes > 6, its oldest goes; then p5 fits */
  meeting_board_author_left (b, "p3");
  assert_log (b, "p2//2222222222 p3//333 p4//4 p4//44 p4//4");
  g_assert_cmpint (post (b, "p5", NULL, "5"), ==, MEETING_BOARD_OK);
  meeting_board_get_stats (b, &st);
  g_assert_cmpuint (st.evicted, ==, 3);
  g_assert_cmpuint (st.bytes, <=, 26);
  g_assert_cmpuint (st.messages, <=, 6);
  meeting_board_free (b);
}

/* A week of a meeting, at the default 1 s heartbeat: three participants;
 * the leader posts a HEARTBEAT every second, a rekey every 10 minutes
 * (ROSTER, KEYS, everybody's ACK); every hour one participant reconnects
 * (leaves, comes back under a new server id, ANNOUNCEs). With the session's
 * slots the board stays within a bound that does not grow with time:
 * about six messages per participant present, plus the departed budget. */
static void
test_week (void)
{
  const guint quota = 2048, departed = 8192;
  MeetingBoard *b = board_new (quota, 32, departed);
  MeetingBoardStats st;
  guint64 max_bytes = 0;
  guint max_messages = 0, next_id = 4;
  gchar *ids[3] = { g_strdup ("p1"), g_strdup ("p2"), g_strdup ("p3") };
  /* a 200-byte message (a key-exchange message in base64, in JSON) */
  gchar *text = g_strnfill (200, 'x');

  for (guint k = 0; k < 3; k++)
    g_assert_cmpint (post (b, ids[k], "announce", text), ==, MEETING_BOARD_OK);
  for (guint sec = 0; sec < 7 * 24 * 3600; sec++) {
    g_assert_cmpint (post (b, ids[0], "heartbeat", text), ==, MEETING_BOARD_OK);
    if (sec % 600 == 0) {
      g_assert_cmpint (post (b, ids[0], "roster", text), ==, MEETING_BOARD_OK);
      g_assert_cmpint (post (b, ids[0], "keys", text), ==, MEETING_BOARD_OK);
      for (guint k = 0; k < 3; k++)
        g_assert_cmpint (post (b, ids[k], "ack", text), ==, MEETING_BOARD_OK);
    }
    if (sec % 3600 == 1800) {
      guint k = 1 + (sec / 3600) % 2; /* not the leader */
      g_assert_cmpint (post (b, ids[k], "leave", text), ==, MEETING_BOARD_OK);
      meeting_board_author_left (b, ids[k]);
      g_free (ids[k]);
      ids[k] = g_strdup_printf ("p%u", next_id++);
      g_assert_cmpint (
          post (b, ids[k], "announce", text), ==, MEETING_BOARD_OK);
    }
    meeting_board_get_stats (b, &st);
    max_bytes = MAX (max_bytes, st.bytes);
    max_messages = MAX (max_messages, st.messages);
  }
  g_test_message ("a week: %" G_GUINT64_FORMAT " posts, at most %u messages "
                  "and %" G_GUINT64_FORMAT " bytes stored",
      meeting_board_next_seq (b), max_messages, max_bytes);
  /* 604800 heartbeats alone would be 120 MB */
  g_assert_cmpuint (meeting_board_next_seq (b), >, 7 * 24 * 3600);
  g_assert_cmpuint (max_bytes, <=, 3 * 6 * 200 + departed);
  g_assert_cmpuint (st.departed_bytes, <=, departed);
  g_assert_cmpuint (st.refused_quota + st.refused_full, ==, 0);
  for (guint k = 0; k < 3; k++) {
    g_assert_cmpuint (meeting_board_author_messages (b, ids[k]), <=, 6);
    g_free (ids[k]);
  }
  g_free (text);
  meeting_board_free (b);
}

static const gchar *
handle (
    MeetingBoard *b, const gchar *json, const gchar **text, const gchar **why)
{
  MeetingMsg m;
  const gchar *code;

  /* as the server does: the protocol module refuses malformed posts */
  if (!meeting_msg_parse (&m, MEETING_TO_SERVER, json, strlen (json), why)) {
    g_assert_cmpint (m.type, ==, MEETING_MSG_BOARD_POST);
    *text = NULL;
    return MEETING_ERR_BAD_REQUEST;
  }
  code = meeting_board_handle_post (
      b, "p7", m.u.board.data, m.u.board.slot, text, why);
  meeting_msg_clear (&m);
  return code;
}

/* The server's `board` message (docs/protocol.md 2.2, 2.3). */
static void
test_handle_post (void)
{
  MeetingBoard *b = board_new (10000, 2, 10000);
  const gchar *text, *why, *code;

#define HANDLE(json) handle (b, json, &text, &why)
  code = HANDLE ("{\"type\":\"board\",\"data\":\"aGVsbG8=\"}");
  g_assert_null (code);
  g_assert_cmpstr (text, ==,
      "{\"type\":\"board\",\"seq\":0,\"from\":\"p7\",\"data\":\"aGVsbG8=\"}");
  code =
      HANDLE ("{\"type\":\"board\",\"data\":\"aGk=\",\"slot\":\"heartbeat\"}");
  g_assert_null (code);
  g_assert_cmpstr (text, ==,
      "{\"type\":\"board\",\"seq\":1,\"from\":\"p7\",\"data\":\"aGk=\","
      "\"slot\":\"heartbeat\"}");
  code = HANDLE ("{\"type\":\"board\",\"data\":\"aGk=\",\"slot\":\"Heart\"}");
  g_assert_cmpstr (code, ==, "bad-request");
  code = HANDLE ("{\"type\":\"board\",\"data\":\"aGk=\",\"slot\":5}");
  g_assert_cmpstr (code, ==, "bad-request");
  code = HANDLE ("{\"type\":\"board\",\"data\":\"aGk=\",\"slot\":\"\"}");
  g_assert_cmpstr (code, ==, "bad-request");
  code = HANDLE ("{\"type\":\"board\",\"data\":\"aGk=\",\"slot\":null}");
  g_assert_cmpstr (code, ==, "bad-request");
  code = HANDLE ("{\"type\":\"board\"}");
  g_assert_cmpstr (code, ==, "bad-request");
  code = HANDLE ("{\"type\":\"board\",\"data\":\"\"}");
  g_assert_cmpstr (code, ==, "bad-request");
  g_assert_null (text);
  /* the message quota is 2: a third is refused, a supersede is not */
  code = HANDLE ("{\"type\":\"board\",\"data\":\"aGk=\"}");
  g_assert_cmpstr (code, ==, "board-quota");
  g_assert_nonnull (why);
  code =
      HANDLE ("{\"type\":\"board\",\"data\":\"aGk=\",\"slot\":\"heartbeat\"}");
  g_assert_null (code);
  g_assert_cmpstr (text, ==,
      "{\"type\":\"board\",\"seq\":2,\"from\":\"p7\",\"data\":\"aGk=\","
      "\"slot\":\"heartbeat\"}");
  assert_log (b,
      "p7//"
      "{\"type\":\"board\",\"seq\":0,\"from\":\"p7\",\"data\":\"aGVsbG8=\"} "
      "p7/heartbeat/{\"type\":\"board\",\"seq\":2,\"from\":\"p7\","
      "\"data\":\"aGk=\",\"slot\":\"heartbeat\"}");
#undef HANDLE
  meeting_board_free (b);
}

static void
parse (GOptionContext *ctx, const gchar *const *args)
{
  gchar **argv = g_strdupv ((gchar **)args);
  gint argc = (gint)g_strv_length (argv);
  /* parsing takes options out of argv: free the strings through a copy */
  gchar **keep = g_memdup2 (argv, sizeof (gchar *) * (argc + 1));
  GError *err = NULL;

  g_assert_true (g_option_context_parse (ctx, &argc, &argv, &err));
  g_assert_no_error (err);
  g_free (argv);
  g_strfreev (keep);
}

/* Run last: the options are the process's. */
static void
test_options (void)
{
  GOptionContext *ctx = g_option_context_new (NULL);
  MeetingBoardLimits l;
  GError *err = NULL;
  const gchar *dflt[] = { "x", NULL };
  const gchar *ok[] = { "x", "--board-quota-bytes", "1000",
    "--board-quota-messages", "4", "--board-departed-bytes", "500",
    "--max-board-bytes", "10500", "--max-board-messages", "40", NULL };
  const gchar *bad[] = { "x", "--board-quota-messages", "0", NULL };

  meeting_board_add_options (ctx);
  /* the defaults, and the overall caps grow with max-participants */
  parse (ctx, dflt);
  g_assert_true (meeting_board_options_limits (50, &l, &err));
  g_assert_cmpuint (l.quota_bytes, ==, 256 * 1024);
  g_assert_cmpuint (l.quota_messages, ==, 32);
  g_assert_cmpuint (l.departed_bytes, ==, 1024 * 1024);
  g_assert_cmpuint (l.max_bytes, ==, 16 * 1024 * 1024);
  g_assert_cmpuint (l.max_messages, ==, 100000);
  g_assert_true (meeting_board_options_limits (100, &l, &err));
  g_assert_cmpuint (l.max_bytes, ==, 100 * 256 * 1024 + 1024 * 1024);
  g_assert_true (meeting_board_options_limits (5000, &l, &err));
  g_assert_cmpuint (l.max_messages, ==, 5000 * 32);

  parse (ctx, ok);
  g_assert_true (meeting_board_options_limits (10, &l, &err));
  g_assert_cmpuint (l.quota_bytes, ==, 1000);
  g_assert_cmpuint (l.quota_messages, ==, 4);
  g_assert_cmpuint (l.departed_bytes, ==, 500);
  g_assert_cmpuint (l.max_bytes, ==, 10500);
  g_assert_cmpuint (l.max_messages, ==, 40);
  /* given caps are checked: 11 participants need more */
  g_assert_false (meeting_board_options_limits (11, &l, &err));
  g_assert_error (err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
  g_clear_error (&err);

  parse (ctx, bad);
  g_assert_false (meeting_board_options_limits (1, &l, &err));
  g_assert_error (err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
  g_clear_error (&err);
  g_option_context_free (ctx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/board/slot-valid", test_slot_valid);
  g_test_add_func ("/board/supersede", test_supersede);
  g_test_add_func ("/board/no-cross-author", test_no_cross_author);
  g_test_add_func ("/board/quota", test_quota);
  g_test_add_func ("/board/flood", test_flood);
  g_test_add_func ("/board/departed", test_departed);
  g_test_add_func ("/board/cap", test_cap);
  g_test_add_func ("/board/week", test_week);
  g_test_add_func ("/board/handle-post", test_handle_post);
  g_test_add_func ("/board/options", test_options);
  return g_test_run ();
}
