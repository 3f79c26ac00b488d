/* The key-exchange state machine over an ordered channel that drops,
 * swaps and replays: heartbeats, exclusion, missing keys, blame, the
 * superseding board, a week of meeting, rejoins.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "kx-common.h"

/* ------------------------------------------ what an ordered channel suffers */

static gchar *
msg_sender (GBytes *b)
{
  gsize n;
  const guint8 *d = g_bytes_get_data (b, &n);
  GstE2eeMsg *m = gst_e2ee_msg_decode (d, n, NULL);
  gchar *s = m ? g_strdup (m->sender_id) : NULL;

  gst_e2ee_msg_free (m);
  return s;
}

static gboolean
is_from (GBytes *b, GstE2eeMsgType type, const gchar *sender)
{
  gchar *s;
  gboolean yes;

  if (msg_type (b) != type)
    return FALSE;
  s = msg_sender (b);
  yes = g_strcmp0 (s, sender) == 0;
  g_free (s);
  return yes;
}

static void
reset_counts (Hub *h)
{
  for (guint i = 0; i < h->parts->len; i++) {
    Part *p = h->parts->pdata[i];
    p->errors = p->forks = p->missing = p->blamed = p->unverified = 0;
  }
}

typedef struct
{
  const gchar *to; /* whose deliveries are changed */
  guint every; /* drop one heartbeat in every (0: none) */
  guint seen;
  guint dropped;
  GBytes *held; /* a heartbeat held back (reordering) */
  guint swaps;
} HbFault;

/* Drops one of every `every` heartbeats for `to`. */
static GBytes *
drop_heartbeats (Hub *h, Part *to, GBytes *msg, gpointer data)
{
  HbFault *f = data;

  if (msg_type (msg) != GST_E2EE_MSG_HEARTBEAT ||
      g_strcmp0 (to->id, f->to) != 0)
    return g_bytes_ref (msg);
  if (f->every && ++f->seen % f->every == 0) {
    f->dropped++;
    return NULL;
  }
  return g_bytes_ref (msg);
}

/* Swaps pairs of heartbeats for `to`: the first of a pair is held back and
 * delivered after the second. */
static GBytes *
swap_heartbeats (Hub *h, Part *to, GBytes *msg, gpointer data)
{
  HbFault *f = data;

  if (msg_type (msg) != GST_E2EE_MSG_HEARTBEAT ||
      g_strcmp0 (to->id, f->to) != 0)
    return g_bytes_ref (msg);
  if (!f->held) {
    f->held = g_bytes_ref (msg);
    return NULL;
  }
  /* deliver the newer one now, the held one right after it (by putting it
   * back in the log just past the reader's cursor) */
  g_ptr_array_insert (h->log, to->cursor, f->held);
  for (guint i = 0; i < h->parts->len; i++) {
    Part *p = h->parts->pdata[i];
    if (p != to && p->cursor >= to->cursor)
      p->cursor++; /* the others do not see it twice */
  }
  f->held = NULL;
  f->swaps++;
  return g_bytes_ref (msg);
}

/* Heartbeats dropped for bob (one in three, for 30 s: three times the
 * heartbeat timeout) are no fork and change no leader: the chain goes on
 * from the next signed heartbeat. */
GST_START_TEST (test_heartbeat_dropped)
{
  Hub *h = meeting_of (3);
  Part *a = h->parts->pdata[0], *bob = h->parts->pdata[1];
  HbFault f = { "bob", 3 };
  gchar *code;
  guint64 e;

  hub_run (h, 5000);
  e = check_agreement (h);
  code = gst_e2ee_kx_get_security_code (bob->kx);
  h->filter = drop_heartbeats;
  h->filter_data = &f;
  hub_run (h, 35000);
  fail_unless (f.dropped >= 15, "%u heartbeats dropped", f.dropped);
  fail_unless_equals_int (bob->forks, 0);
  fail_unless_equals_int (bob->errors, 0);
  fail_unless_equals_int (a->removed, 0);
  fail_unless (gst_e2ee_kx_is_leader (a->kx));
  fail_unless_equals_string (gst_e2ee_kx_get_leader (bob->kx), "alice");
  fail_unless_equals_uint64 (check_agreement (h), e);
  {
    gchar *c = gst_e2ee_kx_get_security_code (bob->kx);
    fail_unless_equals_string (c, code);
    g_free (c);
  }
  /* and a rekey still reaches him */
  hub_join (h, "dave");
  hub_run (h, 40000);
  fail_unless (check_agreement (h) > e);
  check_media (a, bob);
  g_free (code);
  hub_free (h);
}

GST_END_TEST;

/* Heartbeats reordered for bob (every pair swapped for 30 s) are no fork
 * and change no leader. */
GST_START_TEST (test_heartbeat_reordered)
{
  Hub *h = meeting_of (3);
  Part *a = h->parts->pdata[0], *bob = h->parts->pdata[1];
  HbFault f = { "bob", 0 };
  guint64 e;

  hub_run (h, 5000);
  e = check_agreement (h);
  h->filter = swap_heartbeats;
  h->filter_data = &f;
  hub_run (h, 35000);
  h->filter = NULL;
  if (f.held)
    g_bytes_unref (f.held);
  fail_unless (f.swaps >= 20, "%u swaps", f.swaps);
  fail_unless_equals_int (bob->forks, 0);
  fail_unless_equals_int (bob->errors, 0);
  fail_unless_equals_int (a->removed, 0);
  fail_unless_equals_string (gst_e2ee_kx_get_leader (bob->kx), "alice");
  hub_run (h, 37000);
  fail_unless_equals_uint64 (check_agreement (h), e);
  hub_free (h);
}

GST_END_TEST;

/* The leader's key signs two different heartbeats with the same counter
 * (what a leader forking the meeting would do): a fork, for everybody. */
GST_START_TEST (test_heartbeat_conflict)
{
  Hub *h = meeting_of (3);
  Part *a = h->parts->pdata[0];
  GBytes *last = NULL, *b;
  GstE2eeMsg *m;
  gsize n;
  const guint8 *d;

  hub_run (h, 5000);
  check_agreement (h);
  for (guint i = 0; i < h->log->len; i++)
    if (msg_type (h->log->pdata[i]) == GST_E2EE_MSG_HEARTBEAT)
      last = h->log->pdata[i];
  fail_unless (last != NULL);
  d = g_bytes_get_data (last, &n);
  m = gst_e2ee_msg_decode (d, n, NULL);
  fail_unless (m != NULL);
  m->leader_time_ms += 1; /* same counter, other content */
  b = gst_e2ee_msg_encode (m, a->identity, NULL);
  fail_unless (b != NULL);
  g_ptr_array_add (h->log, b);
  gst_e2ee_msg_free (m);
  hub_pump (h);
  for (guint i = 1; i < 3; i++) {
    Part *p = h->parts->pdata[i];
    fail_unless_equals_int (p->forks, 1);
    fail_unless_equals_int (p->errors, 0);
  }
  hub_free (h);
}

GST_END_TEST;

/* A replayed ACK of bob, older than his two newest nonces, is ignored: the
 * leader's next key box is bound to bob's newest nonce and opens. A
 * replayed ANNOUNCE of a participant that left changes nothing either. */
GST_START_TEST (test_replayed_ack)
{
  Hub *h = meeting_of (2);
  Part *bob = h->parts->pdata[1];
  GBytes *oldest = NULL;
  guint acks = 0;
  guint64 e;

  hub_run (h, 3000);
  hub_join (h, "carol");
  hub_run (h, 6000);
  hub_join (h, "dave");
  hub_run (h, 9000);
  e = check_agreement (h);
  for (guint i = 0; i < h->log->len; i++)
    if (is_from (h->log->pdata[i], GST_E2EE_MSG_ACK, "bob")) {
      if (!oldest)
        oldest = h->log->pdata[i];
      acks++;
    }
  fail_unless (acks >= 3, "bob sent %u ACKs", acks);
  g_ptr_array_add (h->log, g_bytes_ref (oldest));
  hub_pump (h);
  hub_join (h, "erin");
  hub_run (h, 12000);
  fail_unless (check_agreement (h) > e); /* no errors, bob included */
  fail_unless_equals_int (bob->missing, 0);
  check_media (bob, h->parts->pdata[4]);
  check_media (h->parts->pdata[4], bob);

  /* dave leaves; his replayed ANNOUNCE does not bring him back */
  {
    Part *dave = h->parts->pdata[3];
    GBytes *ann = NULL;
    GStrv r;
    gst_e2ee_kx_leave (dave->kx, h->now);
    dave->running = FALSE;
    hub_run (h, 15000);
    e = check_agreement (h);
    for (guint i = 0; i < h->log->len; i++)
      if (is_from (h->log->pdata[i], GST_E2EE_MSG_ANNOUNCE, "dave"))
        ann = h->log->pdata[i];
    fail_unless (ann != NULL);
    g_ptr_array_add (h->log, g_bytes_ref (ann));
    hub_run (h, 18000);
    fail_unless_equals_uint64 (check_agreement (h), e);
    r = gst_e2ee_kx_get_roster (bob->kx);
    fail_if (g_strv_contains ((const gchar *const *)r, "dave"));
    g_strfreev (r);
  }
  hub_free (h);
}

GST_END_TEST;

static GBytes *
hide_bob_from_alice (Hub *h, Part *to, GBytes *msg, gpointer data)
{
  if (g_strcmp0 (to->id, "alice") == 0 &&
      is_from (msg, GST_E2EE_MSG_ANNOUNCE, "bob"))
    return NULL;
  return g_bytes_ref (msg);
}

/* The leader never sees bob's ANNOUNCE: bob is told he is left out, within
 * a heartbeat timeout or two (5 s here), and nobody else is. */
GST_START_TEST (test_excluded)
{
  Hub *h = meeting_of (3);
  Part *bob = h->parts->pdata[1];
  GStrv roster;

  h->filter = hide_bob_from_alice;
  hub_run (h, 4000);
  fail_unless_equals_int (bob->excluded, 0);
  hub_run (h, 10000);
  fail_unless_equals_int (bob->excluded, 1);
  fail_unless_equals_int (((Part *)h->parts->pdata[0])->excluded +
          ((Part *)h->parts->pdata[2])->excluded,
      0);
  roster = gst_e2ee_kx_get_roster (bob->kx);
  fail_if (g_strv_contains ((const gchar *const *)roster, "bob"));
  g_strfreev (roster);
  /* the others go on; bob holds no key and shows no code */
  fail_unless (
      gst_e2ee_kx_get_send_epoch (((Part *)h->parts->pdata[2])->kx) > 0);
  fail_unless_equals_uint64 (gst_e2ee_kx_get_epoch (bob->kx), 0);
  fail_unless (gst_e2ee_kx_get_security_code (bob->kx) == NULL);
  hub_run (h, 20000);
  fail_unless_equals_int (bob->excluded, 1); /* told once */
  hub_free (h);
}

GST_END_TEST;

/* A late joiner sees heartbeats of epochs made before it joined: no
 * missing-key for those. When its own box is withheld it is told. */
GST_START_TEST (test_missing_key_only_when_missing)
{
  Hub *h = meeting_of (3);
  Part *dave;

  hub_run (h, 5000);
  check_agreement (h);
  dave = hub_join (h, "dave");
  hub_run (h, 10000);
  check_agreement (h);
  fail_unless_equals_int (total (h, G_STRUCT_OFFSET (Part, missing)), 0);
  /* and once more with the leader's periodic rekey cycle on a busy board */
  hub_join (h, "erin");
  hub_run (h, 15000);
  check_agreement (h);
  fail_unless_equals_int (total (h, G_STRUCT_OFFSET (Part, missing)), 0);
  (void)dave;
  hub_free (h);

  /* withheld */
  h = meeting_of (3);
  hub_run (h, 5000);
  h->filter = drop_keys_for;
  h->filter_data = (gpointer) "dave";
  dave = hub_join (h, "dave");
  hub_run (h, 10000);
  fail_unless_equals_uint64 (gst_e2ee_kx_get_epoch (dave->kx), 0);
  fail_unless_equals_int (dave->missing, 1);
  fail_unless (gst_e2ee_kx_get_index (dave->kx) >= 0);
  hub_free (h);
}

GST_END_TEST;

/* A forged copy of bob's message (signed by someone else, or with its
 * signature broken) is reported, but not as bob's doing: the sender claim
 * is unverified. A bad message bob really signed names bob. */
GST_START_TEST (test_blame)
{
  Hub *h = meeting_of (3);
  GstE2eeIdentity *mallory = gst_e2ee_identity_new ();
  GBytes *ack = NULL, *forged;
  GstE2eeMsg *m;
  gsize n;
  const guint8 *d;
  guint8 *x;

  hub_run (h, 5000);
  check_agreement (h);
  for (guint i = 0; i < h->log->len; i++)
    if (is_from (h->log->pdata[i], GST_E2EE_MSG_ACK, "bob"))
      ack = h->log->pdata[i];
  fail_unless (ack != NULL);
  d = g_bytes_get_data (ack, &n);
  /* re-signed by mallory */
  m = gst_e2ee_msg_decode (d, n, NULL);
  m->counter += 100;
  forged = gst_e2ee_msg_encode (m, mallory, NULL);
  gst_e2ee_msg_free (m);
  g_ptr_array_add (h->log, forged);
  /* a flipped signature */
  x = g_memdup2 (d, n);
  x[n - 1] ^= 1;
  g_ptr_array_add (h->log, g_bytes_new_take (x, n));
  hub_pump (h);
  for (guint i = 0; i < 3; i++) {
    Part *p = h->parts->pdata[i];
    fail_unless_equals_int (p->unverified, 2);
    fail_unless_equals_int (p->blamed, 0);
    fail_unless_equals_string (p->last_claim, "bob");
  }
  reset_counts (h);

  /* bob (really) signs a KEYS while he does not lead */
  m = gst_e2ee_msg_new (GST_E2EE_MSG_KEYS, "room", h->instance, "bob");
  m->epoch = 50;
  g_ptr_array_add (h->log,
      gst_e2ee_msg_encode (m, ((Part *)h->parts->pdata[1])->identity, NULL));
  gst_e2ee_msg_free (m);
  hub_pump (h);
  for (guint i = 0; i < 3; i += 2) {
    Part *p = h->parts->pdata[i];
    fail_unless_equals_int (p->blamed, 1);
    fail_unless_equals_string (p->last_blamed, "bob");
  }
  gst_e2ee_identity_free (mallory);
  hub_free (h);
}

GST_END_TEST;

/* The board keeps only each author's newest message of each type (the
 * server's slots): a late joiner is keyed in from that, also after the
 * leader handed over, and the others carry on. */
GST_START_TEST (test_superseding_board)
{
  Hub *h = hub_new ();
  Part *a, *d, *e;
  guint64 e1;

  h->supersede = TRUE;
  a = hub_join (h, "alice");
  hub_join (h, "bob");
  hub_join (h, "carol");
  hub_run (h, 5000);
  /* some history: rekeys, liveness ACKs */
  for (gint64 t = 5000; t < 20000; t += 2500) {
    gst_e2ee_kx_peer_gone (a->kx, "nobody", h->now);
    hub_run (h, t);
  }
  e1 = check_agreement (h);
  d = hub_join (h, "dave");
  hub_run (h, 25000);
  fail_unless (check_agreement (h) > e1);
  fail_unless_equals_int (total (h, G_STRUCT_OFFSET (Part, missing)), 0);
  check_media (d, a);
  check_media (a, d);

  /* alice leaves: bob leads; then erin joins late */
  gst_e2ee_kx_leave (a->kx, h->now);
  a->running = FALSE;
  hub_run (h, 30000);
  e1 = check_agreement (h);
  fail_unless_equals_string (gst_e2ee_kx_get_leader (d->kx), "bob");
  e = hub_join (h, "erin");
  hub_run (h, 35000);
  fail_unless (check_agreement (h) > e1);
  fail_unless_equals_string (gst_e2ee_kx_get_leader (e->kx), "bob");
  fail_unless_equals_int (total (h, G_STRUCT_OFFSET (Part, missing)), 0);
  check_media (e, d);
  check_media (d, e);
  fail_unless (h->superseded > 0);
  /* at most one message per author and type */
  fail_unless (
      h->log->len <= 6 * h->parts->len, "%u on the board", h->log->len);
  hub_free (h);
}

GST_END_TEST;

/* A week of heartbeats and periodic rekeys (simulated: heartbeat every
 * 120 s, rekey every hour, a fresh nonce every 30 min, 10 s steps) through
 * the superseding board: the board stays under a fixed bound, and
 * everybody stays keyed in; a joiner at the end is keyed in too. */
GST_START_TEST (test_week)
{
  Hub *h = hub_new ();
  const gint64 hour = 3600 * 1000, week = 7 * 24 * hour;
  guint max_len = 0;
  gsize max_bytes = 0;
  guint64 e;

  h->supersede = TRUE;
  h->step_ms = 10000;
  h->cfg.heartbeat_ms = 120000;
  h->cfg.rekey_interval_ms = (guint)hour;
  h->cfg.liveness_ms = 30 * 60 * 1000;
  h->cfg.grace_ms = 5000;
  hub_join (h, "alice");
  hub_join (h, "bob");
  hub_join (h, "carol");
  for (gint64 t = hour; t <= week; t += hour) {
    hub_run (h, t);
    max_len = MAX (max_len, h->log->len);
    max_bytes = MAX (max_bytes, hub_bytes (h));
    /* 3 authors, at most one message of each of 6 types */
    fail_unless (h->log->len <= 18, "%u messages on the board", h->log->len);
    fail_unless (
        hub_bytes (h) <= 18 * 1024, "%zu bytes on the board", hub_bytes (h));
    if (t % (24 * hour) == 0)
      check_agreement (h);
  }
  e = check_agreement (h);
  fail_unless (e >= 7 * 24, "epoch %" G_GUINT64_FORMAT " after a week", e);
  hub_join (h, "dave");
  hub_run (h, week + 10 * 60 * 1000);
  fail_unless (check_agreement (h) > e);
  check_media (h->parts->pdata[3], h->parts->pdata[0]);
  GST_INFO ("a week: epoch %" G_GUINT64_FORMAT ", board at most %u messages, "
            "%zu bytes; %u superseded",
      e, max_len, max_bytes, h->superseded);
  fail_unless_equals_int (total (h, G_STRUCT_OFFSET (Part, missing)), 0);
  hub_free (h);
}

GST_END_TEST;

/* The meeting-restart picture (issue 9, item 10): the server stalls; bob's
 * connection p2 takes alice's p1 for gone and leads alone, and its roster
 * reaches the board when the server wakes up. Both come back under new ids
 * while the server still lists the dead ones; each is told only that its
 * own earlier id is gone. They end up in one meeting of just the two new
 * ids, keyed, and nobody's security code ever changes without its send
 * epoch. Both orders of rejoining. */
static void
rejoin_after_stall (gboolean alice_first)
{
  Hub *h = hub_new ();
  Part *p1, *p2, *nb, *na;
  gchar *code[2] = { NULL, NULL };
  guint64 ep[2] = { 0, 0 };

  p1 = hub_join (h, "p1");
  p2 = hub_join (h, "p2");
  hub_run (h, 5000);
  check_agreement (h);
  p1->running = FALSE;
  gst_e2ee_kx_peer_gone (p2->kx, "p1", h->now);
  hub_run (h, 6000);
  fail_unless (gst_e2ee_kx_is_leader (p2->kx));
  p2->running = FALSE;
  if (alice_first) {
    na = hub_join (h, "p3");
    gst_e2ee_kx_peer_gone (na->kx, "p1", h->now);
    nb = hub_join (h, "p4");
    gst_e2ee_kx_peer_gone (nb->kx, "p2", h->now);
  } else {
    nb = hub_join (h, "p3");
    gst_e2ee_kx_peer_gone (nb->kx, "p2", h->now);
    na = hub_join (h, "p4");
    gst_e2ee_kx_peer_gone (na->kx, "p1", h->now);
  }
  while (h->now < 30000) {
    hub_run (h, h->now + STEP_MS);
    for (guint i = 0; i < 2; i++) {
      Part *p = i ? na : nb;
      gchar *c = gst_e2ee_kx_get_security_code (p->kx);
      guint64 e = gst_e2ee_kx_get_send_epoch (p->kx);
      if (g_strcmp0 (c, code[i]) != 0)
        fail_unless (e != ep[i], "%s: code changed at epoch %" G_GUINT64_FORMAT,
            p->id, e);
      g_free (code[i]);
      code[i] = c;
      ep[i] = e;
    }
  }
  check_agreement (h);
  for (guint i = 0; i < 2; i++) {
    GStrv r = gst_e2ee_kx_get_roster ((i ? na : nb)->kx);
    fail_unless_equals_int (g_strv_length (r), 2);
    fail_unless (g_strv_contains ((const gchar *const *)r, "p3"));
    fail_unless (g_strv_contains ((const gchar *const *)r, "p4"));
    g_strfreev (r);
    g_free (code[i]);
  }
  fail_unless_equals_int (na->missing + nb->missing, 0);
  check_media (na, nb);
  check_media (nb, na);
  hub_free (h);
}

GST_START_TEST (test_rejoin_after_stall)
{
  rejoin_after_stall (FALSE);
  rejoin_after_stall (TRUE);
}

GST_END_TEST;

/* A participant that rejoins while the others stay: its earlier id leaves
 * the roster at once (it is told that id is gone), and after everybody
 * else left it leads over itself alone, not over its dead ids. */
GST_START_TEST (test_own_earlier_id_leaves)
{
  Hub *h = meeting_of (3);
  Part *bob = h->parts->pdata[1], *bob2;
  GStrv r;

  hub_run (h, 5000);
  check_agreement (h);
  bob->running = FALSE; /* his connection died; the server still lists it */
  bob2 = hub_join (h, "bob2");
  gst_e2ee_kx_peer_gone (bob2->kx, "bob", h->now);
  hub_run (h, 8000);
  /* the leader still has bob (nobody told it otherwise) */
  check_agreement (h);
  gst_e2ee_kx_leave (((Part *)h->parts->pdata[0])->kx, h->now);
  ((Part *)h->parts->pdata[0])->running = FALSE;
  gst_e2ee_kx_leave (((Part *)h->parts->pdata[2])->kx, h->now);
  ((Part *)h->parts->pdata[2])->running = FALSE;
  hub_run (h, 12000);
  fail_unless (gst_e2ee_kx_is_leader (bob2->kx));
  r = gst_e2ee_kx_get_roster (bob2->kx);
  fail_unless_equals_int (g_strv_length (r), 1);
  fail_unless_equals_string (r[0], "bob2");
  g_strfreev (r);
  fail_unless (gst_e2ee_kx_get_send_epoch (bob2->kx) > 0);
  hub_free (h);
}

GST_END_TEST;

static Suite *
kx_ordered_suite (void)
{
  Suite *s = suite_create ("kx-ordered");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_heartbeat_dropped);
  tcase_add_test (tc, test_heartbeat_reordered);
  tcase_add_test (tc, test_heartbeat_conflict);
  tcase_add_test (tc, test_replayed_ack);
  tcase_add_test (tc, test_excluded);
  tcase_add_test (tc, test_missing_key_only_when_missing);
  tcase_add_test (tc, test_blame);
  tcase_add_test (tc, test_superseding_board);
  tcase_add_test (tc, test_week);
  tcase_add_test (tc, test_rejoin_after_stall);
  tcase_add_test (tc, test_own_earlier_id_leaves);
  return s;
}

GST_CHECK_MAIN (kx_ordered);
