/* The GStreamer-free receiver state of e2eedec: replay window, KID table
 * (LRU eviction with floors), token bucket, hold queue, failure run.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>

#include "sframe-receiver.h"

typedef struct
{
  SFrameKidEntry entry;
  guint *freed;
} Entry;

static void
entry_free (Entry *e)
{
  if (e->freed)
    (*e->freed)++;
  sframe_replay_clear (&e->entry.replay);
  g_free (e);
}

static Entry *
entry_new (SFrameKidTable *t, guint64 kid, guint *freed)
{
  Entry *e = g_new0 (Entry, 1);

  sframe_kid_table_prepare (t, &e->entry, kid, 0);
  e->freed = freed;
  return e;
}

GST_START_TEST (test_window_basic)
{
  SFrameReplayWindow w;

  sframe_replay_init (&w, 100);
  fail_unless_equals_int (w.bits, 128); /* rounded up to 64 */
  fail_unless (sframe_replay_check (&w, 5));
  sframe_replay_commit (&w, 5);
  fail_if (sframe_replay_check (&w, 5)); /* seen */
  fail_unless (sframe_replay_check (&w, 4)); /* older, not seen */
  fail_unless (sframe_replay_check (&w, 6));
  sframe_replay_commit (&w, 4);
  fail_if (sframe_replay_check (&w, 4));
  /* a jump: everything between is unseen, the old ones remembered */
  sframe_replay_commit (&w, 100);
  fail_if (sframe_replay_check (&w, 5));
  fail_if (sframe_replay_check (&w, 100));
  for (guint64 c = 6; c < 100; c++)
    fail_unless (sframe_replay_check (&w, c), "ctr %" G_GUINT64_FORMAT, c);
  /* too old for a window of 128 */
  sframe_replay_commit (&w, 200);
  fail_if (sframe_replay_check (&w, 72));
  fail_unless (sframe_replay_check (&w, 73));
  fail_if (sframe_replay_check (&w, 100));
  /* a jump past the window forgets the old bits, the floor stays */
  sframe_replay_commit (&w, 1000);
  fail_unless (sframe_replay_check (&w, 999));
  fail_unless (sframe_replay_check (&w, 873));
  fail_if (sframe_replay_check (&w, 872));
  fail_if (sframe_replay_check (&w, 200));
  /* slots reused modulo the window hold the new counters only */
  sframe_replay_commit (&w, 1000 + 128 + 1);
  fail_unless (sframe_replay_check (&w, 1002));
  fail_if (sframe_replay_check (&w, 1000));
  sframe_replay_clear (&w);
  fail_unless (sframe_replay_check (&w, 0));
  fail_unless (w.map == NULL);
}

GST_END_TEST;

GST_START_TEST (test_window_off_and_floor)
{
  SFrameReplayWindow w;

  sframe_replay_init (&w, 0);
  sframe_replay_commit (&w, 7);
  fail_unless (sframe_replay_check (&w, 7)); /* off: nothing refused */
  fail_unless (w.map == NULL);
  sframe_replay_clear (&w);

  sframe_replay_init (&w, 1 << 20);
  fail_unless_equals_int (w.bits, SFRAME_REPLAY_WINDOW_MAX);
  sframe_replay_clear (&w);

  /* a floor refuses everything at or below it, before and after the
   * first commit */
  sframe_replay_init_floor (&w, 64, 50);
  fail_if (sframe_replay_check (&w, 50));
  fail_if (sframe_replay_check (&w, 49));
  fail_if (sframe_replay_check (&w, 0));
  fail_unless (sframe_replay_check (&w, 51));
  sframe_replay_commit (&w, 53);
  fail_if (sframe_replay_check (&w, 50));
  fail_if (sframe_replay_check (&w, 53));
  fail_unless (sframe_replay_check (&w, 51));
  fail_unless (sframe_replay_check (&w, 52));
  sframe_replay_clear (&w);

  /* counters near 2^64 */
  sframe_replay_init (&w, 64);
  sframe_replay_commit (&w, G_MAXUINT64);
  fail_if (sframe_replay_check (&w, G_MAXUINT64));
  fail_unless (sframe_replay_check (&w, G_MAXUINT64 - 1));
  fail_if (sframe_replay_check (&w, G_MAXUINT64 - 64));
  sframe_replay_clear (&w);
}

GST_END_TEST;

GST_START_TEST (test_table_lru_and_floors)
{
  guint freed = 0;
  SFrameKidTable *t =
      sframe_kid_table_new (3, 2, 64, (GDestroyNotify)entry_free);
  Entry *e;

  fail_unless_equals_int (sframe_kid_table_get_window_bits (t), 64);
  for (guint64 kid = 1; kid <= 3; kid++) {
    e = entry_new (t, kid, &freed);
    fail_unless (sframe_kid_table_insert (t, &e->entry));
    sframe_replay_commit (&e->entry.replay, kid * 10);
  }
  fail_unless_equals_int (sframe_kid_table_size (t), 3);
  fail_unless (sframe_kid_table_lookup (t, 2) != NULL);
  fail_unless (sframe_kid_table_lookup (t, 9) == NULL);
  /* KID 1 used last: 2 is the least recently used */
  sframe_kid_table_touch (t, &((Entry *)sframe_kid_table_lookup (t, 1))->entry);
  sframe_kid_table_touch (t, &((Entry *)sframe_kid_table_lookup (t, 3))->entry);
  e = entry_new (t, 4, &freed);
  fail_unless (sframe_kid_table_insert (t, &e->entry));
  fail_unless_equals_int (freed, 1);
  fail_unless (sframe_kid_table_lookup (t, 2) == NULL);
  fail_unless_equals_int (sframe_kid_table_n_floors (t), 1);

  /* KID 2 comes back: its old counters stay refused */
  e = entry_new (t, 2, &freed);
  fail_if (sframe_replay_check (&e->entry.replay, 20));
  fail_if (sframe_replay_check (&e->entry.replay, 3));
  fail_unless (sframe_replay_check (&e->entry.replay, 21));
  fail_unless (sframe_kid_table_insert (t, &e->entry));
  /* its floor was taken back, another entry's floor was added */
  fail_unless_equals_int (sframe_kid_table_n_floors (t), 1);
  fail_unless_equals_int (freed, 2);

  /* one more floor fits, then the table refuses new KIDs */
  e = entry_new (t, 5, &freed);
  fail_unless (sframe_kid_table_insert (t, &e->entry));
  fail_unless_equals_int (sframe_kid_table_n_floors (t), 2);
  e = entry_new (t, 6, &freed);
  fail_if (sframe_kid_table_insert (t, &e->entry));
  fail_unless (sframe_kid_table_lookup (t, 6) == NULL);
  fail_unless_equals_int (sframe_kid_table_size (t), 3);
  entry_free (e);
  fail_unless_equals_int (freed, 4);

  sframe_kid_table_clear (t);
  fail_unless_equals_int (sframe_kid_table_size (t), 0);
  fail_unless_equals_int (sframe_kid_table_n_floors (t), 0);
  fail_unless_equals_int (freed, 7);
  sframe_kid_table_free (t);
}

GST_END_TEST;

static gboolean
is_even (gpointer key, gpointer value, gpointer data)
{
  return ((SFrameKidEntry *)value)->kid % 2 == 0;
}

static gboolean
is_one (gpointer key, gpointer value, gpointer data)
{
  return ((SFrameKidEntry *)value)->kid == 1;
}

static void
sum_kids (gpointer unused, gpointer value, gpointer data)
{
  *(guint64 *)data += ((SFrameKidEntry *)value)->kid;
}

GST_START_TEST (test_table_remove_if)
{
  guint freed = 0;
  guint64 sum = 0;
  SFrameKidTable *t =
      sframe_kid_table_new (16, 16, 1024, (GDestroyNotify)entry_free);

  for (guint64 kid = 1; kid <= 6; kid++) {
    Entry *e = entry_new (t, kid, &freed);
    fail_unless (sframe_kid_table_insert (t, &e->entry));
  }
  /* the lookup cache must not keep a removed entry */
  fail_unless (sframe_kid_table_lookup (t, 4) != NULL);
  fail_unless_equals_int (sframe_kid_table_remove_if (t, is_even, NULL), 3);
  fail_unless (sframe_kid_table_lookup (t, 4) == NULL);
  fail_unless_equals_int (freed, 3);
  fail_unless_equals_int (sframe_kid_table_n_floors (t), 0);
  sframe_kid_table_foreach (t, sum_kids, &sum);
  fail_unless_equals_uint64 (sum, 1 + 3 + 5);
  sframe_kid_table_free (t);
  fail_unless_equals_int (freed, 6);
}

GST_END_TEST;

/* Retired entries (their key is gone) keep their floors: the same KID with
 * the same key_tag comes back with its old counters refused, with another
 * key_tag it starts afresh; floors are kept only while there is room. */
GST_START_TEST (test_table_retire_if)
{
  guint freed = 0;
  SFrameKidTable *t =
      sframe_kid_table_new (16, 2, 1024, (GDestroyNotify)entry_free);
  Entry *e;

  for (guint64 kid = 1; kid <= 6; kid++) {
    e = g_new0 (Entry, 1);
    sframe_kid_table_prepare (t, &e->entry, kid, 100 + kid);
    e->freed = &freed;
    fail_unless (sframe_kid_table_insert (t, &e->entry));
    if (kid != 6)
      sframe_replay_commit (&e->entry.replay, 10 * kid);
  }
  fail_unless (sframe_kid_table_lookup (t, 4) != NULL);
  /* KIDs 2 and 4 get floors, 6 saw nothing (no floor needed) */
  fail_unless_equals_int (sframe_kid_table_retire_if (t, is_even, NULL), 3);
  fail_unless (sframe_kid_table_lookup (t, 4) == NULL);
  fail_unless_equals_int (freed, 3);
  fail_unless_equals_int (sframe_kid_table_n_floors (t), 2);

  /* same KID, same key: everything up to 40 stays refused */
  e = g_new0 (Entry, 1);
  sframe_kid_table_prepare (t, &e->entry, 4, 104);
  fail_if (sframe_replay_check (&e->entry.replay, 0));
  fail_if (sframe_replay_check (&e->entry.replay, 40));
  fail_unless (sframe_replay_check (&e->entry.replay, 41));
  /* same KID, another key: a fresh window */
  sframe_kid_table_prepare (t, &e->entry, 4, 999);
  fail_unless (sframe_replay_check (&e->entry.replay, 0));
  sframe_replay_clear (&e->entry.replay);
  g_free (e);

  /* no room for a third floor: KID 1 is retired without one */
  fail_unless_equals_int (sframe_kid_table_retire_if (t, is_one, NULL), 1);
  fail_unless_equals_int (sframe_kid_table_n_floors (t), 2);
  sframe_kid_table_free (t);
  fail_unless_equals_int (freed, 6);
}

GST_END_TEST;

GST_START_TEST (test_token_bucket)
{
  SFrameTokenBucket b;
  guint n = 0;

  sframe_token_bucket_init (&b, 64, 64);
  /* starts full: a burst of 64, then nothing at the same instant */
  while (sframe_token_bucket_take (&b, 1000) && n < 1000)
    n++;
  fail_unless_equals_int (n, 64);
  /* 64 per second: half a second gives 32 */
  n = 0;
  while (sframe_token_bucket_take (&b, 1000 + G_USEC_PER_SEC / 2) && n < 1000)
    n++;
  fail_unless_equals_int (n, 32);
  /* never more than the burst, and time going back gives nothing */
  n = 0;
  while (sframe_token_bucket_take (&b, 1000 + 100 * G_USEC_PER_SEC) && n < 1000)
    n++;
  fail_unless_equals_int (n, 64);
  fail_if (sframe_token_bucket_take (&b, 0));
}

GST_END_TEST;

typedef struct
{
  GString *log;
  guint take_below; /* retry takes items whose value is below this */
} HoldLog;

static void
log_evict (gpointer item, gpointer data)
{
  g_string_append_printf (
      ((HoldLog *)data)->log, "e%u ", GPOINTER_TO_UINT (item));
}

static gboolean
log_retry (gpointer item, gpointer size, gpointer data)
{
  HoldLog *l = data;

  if (GPOINTER_TO_UINT (item) >= l->take_below)
    return FALSE;
  g_string_append_printf (l->log, "t%u ", GPOINTER_TO_UINT (item));
  return TRUE;
}

static void
log_free (gpointer item)
{
  (void)item;
}

/* Items are bounded in bytes (oldest first out) and in time; a retry
 * takes items in order; final expires everything left. */
GST_START_TEST (test_hold_queue)
{
  SFrameHoldQueue q;
  HoldLog l = { g_string_new (NULL), 0 };

  sframe_hold_queue_init (&q);
  /* no limits yet: nothing is held */
  fail_if (
      sframe_hold_queue_push (&q, GUINT_TO_POINTER (1), 10, 0, log_evict, &l));
  sframe_hold_queue_set_limits (&q, 30, 1000);
  fail_if (
      sframe_hold_queue_push (&q, GUINT_TO_POINTER (1), 31, 0, log_evict, &l));
  for (guint i = 1; i <= 3; i++)
    fail_unless (sframe_hold_queue_push (
        &q, GUINT_TO_POINTER (i), 10, i * 100, log_evict, &l));
  fail_unless_equals_string (l.log->str, "");
  /* a fourth pushes out the first */
  fail_unless (sframe_hold_queue_push (
      &q, GUINT_TO_POINTER (4), 10, 400, log_evict, &l));
  fail_unless_equals_string (l.log->str, "e1 ");
  fail_unless_equals_int (sframe_hold_queue_length (&q), 3);
  /* a big one pushes out two */
  fail_unless (sframe_hold_queue_push (
      &q, GUINT_TO_POINTER (5), 20, 500, log_evict, &l));
  fail_unless_equals_string (l.log->str, "e1 e2 e3 ");
  fail_unless_equals_int (sframe_hold_queue_length (&q), 2);
  /* 4 (at 400) expires at 1400, 5 (at 500) at 1500 */
  fail_if (sframe_hold_queue_head_expired (&q, 1399));
  fail_unless (sframe_hold_queue_head_expired (&q, 1400));
  g_string_truncate (l.log, 0);
  sframe_hold_queue_process (&q, 1400, FALSE, log_retry, log_evict, &l);
  fail_unless_equals_string (l.log->str, "e4 ");
  fail_unless_equals_int (sframe_hold_queue_length (&q), 1);
  /* a clock that goes back expires rather than holding on */
  fail_unless (sframe_hold_queue_head_expired (&q, 10));
  /* retry takes what it can, in order */
  fail_unless (sframe_hold_queue_push (
      &q, GUINT_TO_POINTER (6), 5, 1450, log_evict, &l));
  fail_unless (sframe_hold_queue_push (
      &q, GUINT_TO_POINTER (7), 5, 1460, log_evict, &l));
  g_string_truncate (l.log, 0);
  l.take_below = 7;
  sframe_hold_queue_process (&q, 1460, FALSE, log_retry, log_evict, &l);
  fail_unless_equals_string (l.log->str, "t5 t6 ");
  fail_unless_equals_int (sframe_hold_queue_length (&q), 1);
  /* final: what is left expires */
  g_string_truncate (l.log, 0);
  l.take_below = 0;
  sframe_hold_queue_process (&q, 1461, TRUE, log_retry, log_evict, &l);
  fail_unless_equals_string (l.log->str, "e7 ");
  fail_unless_equals_int (sframe_hold_queue_length (&q), 0);
  fail_unless_equals_int (q.bytes, 0);
  fail_unless (sframe_hold_queue_push (
      &q, GUINT_TO_POINTER (8), 30, 2000, log_evict, &l));
  sframe_hold_queue_clear (&q, log_free);
  fail_unless_equals_int (sframe_hold_queue_length (&q), 0);
  fail_unless_equals_int (q.bytes, 0);
  g_string_free (l.log, TRUE);
}

GST_END_TEST;

/* One warning per run, once it lasted the timeout; the top reason and the
 * last KID; a success ends the run and says whether it was warned. */
GST_START_TEST (test_fail_run)
{
  SFrameFailRun r;

  sframe_fail_run_init (&r);
  fail_if (sframe_fail_run_end (&r));
  fail_if (sframe_fail_run_add (&r, 2, TRUE, 9, 1000, 500));
  fail_unless (r.active);
  fail_if (sframe_fail_run_add (&r, 0, FALSE, 0, 1499, 500));
  fail_if (sframe_fail_run_add (&r, 2, TRUE, 11, 1200, 500));
  fail_unless (sframe_fail_run_add (&r, 3, FALSE, 0, 1500, 500));
  fail_if (sframe_fail_run_add (&r, 2, FALSE, 0, 9000, 500));
  fail_unless_equals_int (r.count, 5);
  fail_unless_equals_int (sframe_fail_run_top_reason (&r), 2);
  fail_unless (r.have_kid);
  fail_unless_equals_uint64 (r.kid, 11);
  fail_unless (sframe_fail_run_end (&r));
  fail_if (r.active);
  fail_unless_equals_int (r.count, 0);
  /* a new run, ended before its timeout: no warning */
  fail_if (sframe_fail_run_add (&r, 1, FALSE, 0, 10000, 500));
  fail_if (sframe_fail_run_end (&r));
  /* timeout 0: the first failure warns */
  fail_unless (sframe_fail_run_add (&r, 1, FALSE, 0, 20000, 0));
  fail_unless_equals_int (sframe_fail_run_top_reason (&r), 1);
}

GST_END_TEST;

static Suite *
receiver_suite (void)
{
  Suite *s = suite_create ("sframe-receiver");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_window_basic);
  tcase_add_test (tc, test_window_off_and_floor);
  tcase_add_test (tc, test_table_lru_and_floors);
  tcase_add_test (tc, test_table_remove_if);
  tcase_add_test (tc, test_table_retire_if);
  tcase_add_test (tc, test_token_bucket);
  tcase_add_test (tc, test_hold_queue);
  tcase_add_test (tc, test_fail_run);
  return s;
}

GST_CHECK_MAIN (receiver);
