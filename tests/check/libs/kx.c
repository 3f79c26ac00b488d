/* The key-exchange state machine with many participants in one process,
 * over an in-memory bulletin board, on simulated time: meetings of 2 to 50,
 * handover, and an adversarial channel.  What an ordered channel suffers
 * (heartbeats, blame, rejoins): kx-ordered.c.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "kx-common.h"

GST_START_TEST (test_two)
{
  run_meeting (2);
}

GST_END_TEST;

GST_START_TEST (test_three)
{
  run_meeting (3);
}

GST_END_TEST;

GST_START_TEST (test_ten)
{
  run_meeting (10);
}

GST_END_TEST;

GST_START_TEST (test_fifty)
{
  run_meeting (50);
}

GST_END_TEST;

/* A leaver, and a participant the server silently drops, get no key of
 * the epoch after they went; a late joiner gets no earlier epoch. */
GST_START_TEST (test_join_leave_forward_secrecy)
{
  Hub *h = hub_new ();
  Part *a, *b, *c, *d, *e;
  guint64 e1, e2, e3;

  a = hub_join (h, "alice");
  b = hub_join (h, "bob");
  c = hub_join (h, "carol");
  d = hub_join (h, "dave");
  hub_run (h, 5000);
  e1 = check_agreement (h);

  /* carol leaves properly, dave is dropped by the server (he keeps going
   * but the others are told he is gone) */
  gst_e2ee_kx_leave (c->kx, h->now);
  c->running = FALSE;
  gst_e2ee_kx_peer_gone (a->kx, "dave", h->now);
  gst_e2ee_kx_peer_gone (b->kx, "dave", h->now);
  d->running = FALSE;
  hub_run (h, 10000);
  e2 = check_agreement (h);
  fail_unless (e2 > e1);
  fail_unless_equals_int (gst_e2ee_keyring_get_n_keys (c->keyring), 0);
  for (guint16 i = 0; i < 8; i++) {
    fail_unless (gst_e2ee_keyring_lookup (d->keyring,
                     gst_e2ee_media_kid (e2, i), GST_E2EE_KEY_RECEIVE) == NULL);
    fail_unless (gst_e2ee_keyring_lookup (d->keyring,
                     gst_e2ee_media_kid (e2, i), GST_E2EE_KEY_SEND) == NULL);
  }

  /* a late joiner, given the whole board, gets only the new epoch */
  e = hub_join (h, "erin");
  hub_run (h, 15000);
  e3 = check_agreement (h);
  fail_unless (e3 > e2);
  for (guint64 ep = 1; ep < e3; ep++)
    for (guint16 i = 0; i < 8; i++)
      fail_unless (
          gst_e2ee_keyring_lookup (e->keyring, gst_e2ee_media_kid (ep, i),
              GST_E2EE_KEY_RECEIVE) == NULL,
          "late joiner holds epoch %" G_GUINT64_FORMAT, ep);
  GST_INFO ("join/leave epochs %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
            " %" G_GUINT64_FORMAT ", board %u messages",
      e1, e2, e3, h->log->len);
  (void)b;
  hub_free (h);
}

GST_END_TEST;

/* The leader leaves, or crashes: the successor takes over, everybody
 * agrees, keys move on, and the security code changes. */
GST_START_TEST (test_leader_handover)
{
  Hub *h = hub_new ();
  Part *a;
  gchar *code1, *code2;
  guint64 e1, e2, e3;

  a = hub_join (h, "alice");
  hub_join (h, "bob");
  hub_join (h, "carol");
  hub_join (h, "dave");
  hub_run (h, 5000);
  e1 = check_agreement (h);
  fail_unless (gst_e2ee_kx_is_leader (a->kx));
  code1 = gst_e2ee_kx_get_security_code (a->kx);

  gst_e2ee_kx_leave (a->kx, h->now);
  a->running = FALSE;
  hub_run (h, 10000);
  e2 = check_agreement (h);
  fail_unless (e2 > e1);
  fail_unless_equals_string (
      gst_e2ee_kx_get_leader (((Part *)h->parts->pdata[1])->kx), "bob");
  code2 = gst_e2ee_kx_get_security_code (((Part *)h->parts->pdata[2])->kx);
  fail_if (g_strcmp0 (code1, code2) == 0);
  /* media keeps flowing under the new leader */
  check_media (h->parts->pdata[1], h->parts->pdata[3]);
  check_media (h->parts->pdata[3], h->parts->pdata[2]);

  /* bob crashes: no LEAVE, no heartbeat; carol takes over after the
   * heartbeat timeout */
  ((Part *)h->parts->pdata[1])->running = FALSE;
  hub_run (h, 20000);
  e3 = check_agreement (h);
  fail_unless (e3 > e2);
  fail_unless_equals_string (
      gst_e2ee_kx_get_leader (((Part *)h->parts->pdata[3])->kx), "carol");
  GST_INFO ("handover epochs %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
            " %" G_GUINT64_FORMAT ", codes %s / %s",
      e1, e2, e3, code1, code2);
  g_free (code1);
  g_free (code2);
  hub_free (h);
}

GST_END_TEST;

/* Everybody of the roster vanishes at once (a network loss: they come back
 * under new ids while the server still holds the instance). The newcomers
 * get the whole history, are told the old ones are gone, and the first of
 * them to announce leads, as at meeting start. */
GST_START_TEST (test_orphaned_instance)
{
  Hub *h = hub_new ();
  Part *a, *b, *c, *d;
  gchar *code1, *code2;
  guint64 e1, e2;

  a = hub_join (h, "alice");
  b = hub_join (h, "bob");
  hub_run (h, 5000);
  e1 = check_agreement (h);
  code1 = gst_e2ee_kx_get_security_code (a->kx);
  a->running = FALSE;
  b->running = FALSE;
  c = hub_join (h, "carol");
  d = hub_join (h, "dave");
  hub_run (h, 6000);
  /* nobody leads yet: the roster's members might still be there */
  fail_if (gst_e2ee_kx_is_leader (c->kx) || gst_e2ee_kx_is_leader (d->kx));
  for (guint i = 0; i < 2; i++) {
    gst_e2ee_kx_peer_gone (c->kx, i ? "bob" : "alice", h->now);
    gst_e2ee_kx_peer_gone (d->kx, i ? "bob" : "alice", h->now);
  }
  hub_run (h, 12000);
  e2 = check_agreement (h);
  fail_unless (e2 > e1);
  fail_unless (gst_e2ee_kx_is_leader (c->kx));
  fail_unless_equals_string (gst_e2ee_kx_get_leader (d->kx), "carol");
  code2 = gst_e2ee_kx_get_security_code (d->kx);
  fail_if (g_strcmp0 (code1, code2) == 0);
  check_media (c, d);
  check_media (d, c);
  g_free (code1);
  g_free (code2);
  hub_free (h);
}

GST_END_TEST;

/* ---------------------------------------------------- adversarial channel */

static GBytes *
flip_keys (Hub *h, Part *to, GBytes *msg, gpointer data)
{
  gsize n;
  guint8 *d;

  if (msg_type (msg) != GST_E2EE_MSG_KEYS || g_strcmp0 (to->id, "bob") != 0)
    return g_bytes_ref (msg);
  d = (guint8 *)g_bytes_get_data (msg, &n);
  d = g_memdup2 (d, n);
  d[n / 2] ^= 0x04;
  return g_bytes_new_take (d, n);
}

/* Tampering: every altered message is rejected and reported; the victim
 * gets no key (denial of service only), the others carry on. */
GST_START_TEST (test_attack_tamper)
{
  Hub *h = meeting_of (3);
  Part *bob = h->parts->pdata[1];

  h->filter = flip_keys;
  hub_run (h, 6000);
  fail_unless (bob->errors > 0, "tampering not reported");
  fail_unless_equals_uint64 (gst_e2ee_kx_get_epoch (bob->kx), 0);
  fail_unless (bob->missing > 0, "bob was not told he misses a key");
  fail_unless (
      gst_e2ee_kx_get_send_epoch (((Part *)h->parts->pdata[2])->kx) > 0);
  hub_free (h);
}

GST_END_TEST;

/* Replays from an earlier instance of the same meeting id are rejected and
 * reported; replays inside the instance are ignored (counters, versions and
 * epochs only move forward). */
GST_START_TEST (test_attack_replay)
{
  Hub *old = meeting_of (3), *h;
  guint64 e;

  hub_run (old, 5000);
  h = meeting_of (3);
  hub_run (h, 5000);
  e = check_agreement (h);
  /* the server injects the whole earlier board, then this one again */
  for (guint i = 0; i < old->log->len; i++)
    g_ptr_array_add (h->log, g_bytes_ref (old->log->pdata[i]));
  fail_unless_equals_int (total (h, G_STRUCT_OFFSET (Part, errors)), 0);
  hub_pump (h);
  fail_unless (total (h, G_STRUCT_OFFSET (Part, errors)) >= 3 * old->log->len);
  for (guint i = 0; i < h->parts->len; i++)
    ((Part *)h->parts->pdata[i])->errors = 0;
  for (guint i = 0, n = h->log->len - old->log->len; i < n; i++)
    g_ptr_array_add (h->log, g_bytes_ref (h->log->pdata[i]));
  hub_run (h, 7000);
  fail_unless_equals_uint64 (check_agreement (h), e);
  hub_free (old);
  hub_free (h);
}

GST_END_TEST;

/* Dropping: the server withholds keys from carol. The others switch after
 * the ACK timeout; carol is told she misses the key in use. */
GST_START_TEST (test_attack_drop)
{
  Hub *h = meeting_of (3);
  Part *carol = h->parts->pdata[2];

  h->filter = drop_keys_for;
  h->filter_data = (gpointer) "carol";
  hub_run (h, 8000);
  fail_unless (
      gst_e2ee_kx_get_send_epoch (((Part *)h->parts->pdata[0])->kx) > 0);
  fail_unless (
      gst_e2ee_kx_get_send_epoch (((Part *)h->parts->pdata[1])->kx) > 0);
  fail_unless_equals_uint64 (gst_e2ee_kx_get_epoch (carol->kx), 0);
  fail_unless (carol->missing > 0);
  hub_free (h);
}

GST_END_TEST;

/* Reordering: KEYS before the ROSTER they were made for is refused and
 * reported; the next rekey heals it. */
static GBytes *
swap_first_roster_keys (Hub *h, Part *to, GBytes *msg, gpointer data)
{
  gboolean *done = data;
  if (!*done && g_strcmp0 (to->id, "bob") == 0 &&
      msg_type (msg) == GST_E2EE_MSG_ROSTER) {
    /* deliver this roster after the following KEYS */
    guint i;
    for (i = to->cursor; i < h->log->len; i++)
      if (msg_type (h->log->pdata[i]) == GST_E2EE_MSG_KEYS)
        break;
    if (i < h->log->len) {
      GBytes *keys = h->log->pdata[i];
      h->log->pdata[i] = g_bytes_ref (msg);
      *done = TRUE;
      return keys; /* the log's reference moves to bob */
    }
  }
  return g_bytes_ref (msg);
}

GST_START_TEST (test_attack_reorder)
{
  Hub *h = meeting_of (2);
  gboolean done = FALSE;
  Part *bob = h->parts->pdata[1];

  h->filter = swap_first_roster_keys;
  h->filter_data = &done;
  hub_run (h, 1200);
  h->filter = NULL;
  hub_run (h, 4000);
  fail_unless (done);
  fail_unless (bob->errors > 0);
  /* a new member makes the leader rekey: bob gets that epoch */
  hub_join (h, "carol");
  hub_run (h, 8000);
  fail_unless (gst_e2ee_kx_get_send_epoch (bob->kx) >= 2);
  hub_free (h);
}

GST_END_TEST;

/* Forging: a participant with its own identity claims leadership, and a
 * message claiming to be the leader is signed with another key: both are
 * rejected and reported; nothing changes. */
GST_START_TEST (test_attack_forge_leader)
{
  Hub *h = meeting_of (3);
  GstE2eeIdentity *mallory = gst_e2ee_identity_new ();
  GstE2eeMsg *m;
  GBytes *b;
  guint64 e;
  guint8 zero[32] = { 0 };

  hub_run (h, 5000);
  e = check_agreement (h);
  /* a heartbeat "from alice" signed by mallory, announcing epoch 99 */
  m = gst_e2ee_msg_new (GST_E2EE_MSG_HEARTBEAT, "room", h->instance, "alice");
  m->counter = 1000000;
  m->epoch = m->send_epoch = 99;
  m->leader_time_ms = G_MAXINT64;
  b = gst_e2ee_msg_encode (m, mallory, NULL);
  g_ptr_array_add (h->log, b);
  gst_e2ee_msg_free (m);
  /* bob's roster, as if bob led, signed by mallory */
  m = gst_e2ee_msg_new (GST_E2EE_MSG_ROSTER, "room", h->instance, "bob");
  m->version = 99;
  gst_e2ee_msg_add_entry (m, 0, "bob", mallory->pk, zero, "bob");
  g_ptr_array_add (h->log, gst_e2ee_msg_encode (m, mallory, NULL));
  gst_e2ee_msg_free (m);
  hub_pump (h);
  fail_unless (total (h, G_STRUCT_OFFSET (Part, errors)) >= 4);
  for (guint i = 0; i < h->parts->len; i++)
    ((Part *)h->parts->pdata[i])->errors = 0;
  hub_run (h, 7000);
  fail_unless_equals_uint64 (check_agreement (h), e);
  fail_unless_equals_string (
      gst_e2ee_kx_get_leader (((Part *)h->parts->pdata[2])->kx), "alice");
  gst_e2ee_identity_free (mallory);
  hub_free (h);
}

GST_END_TEST;

/* Injection: the server adds a participant of its own. It cannot hide:
 * it is in everybody's leader-signed roster (and, with TOFU, flagged as
 * new). An impersonation of an existing id is a reported conflict. */
GST_START_TEST (test_attack_inject)
{
  Hub *h = meeting_of (3);
  GstE2eeIdentity *mallory = gst_e2ee_identity_new ();
  GstE2eeDhKey *dh = gst_e2ee_dh_key_new ();
  GstE2eeMsg *m;
  GStrv roster;

  hub_run (h, 5000);
  /* "bob" again with mallory's identity */
  m = gst_e2ee_msg_new (GST_E2EE_MSG_ANNOUNCE, "room", h->instance, "bob");
  memcpy (m->identity_key, mallory->pk, 32);
  memcpy (m->dh_key, dh->pk, 32);
  m->display_name = g_strdup ("bob");
  g_ptr_array_add (h->log, gst_e2ee_msg_encode (m, mallory, NULL));
  gst_e2ee_msg_free (m);
  hub_run (h, 6000);
  fail_unless (total (h, G_STRUCT_OFFSET (Part, conflicts)) >= 3);
  roster = gst_e2ee_kx_get_roster (((Part *)h->parts->pdata[0])->kx);
  fail_unless_equals_int (g_strv_length (roster), 3);
  g_strfreev (roster);

  /* a new participant "mallory" */
  m = gst_e2ee_msg_new (GST_E2EE_MSG_ANNOUNCE, "room", h->instance, "mallory");
  memcpy (m->identity_key, mallory->pk, 32);
  memcpy (m->dh_key, dh->pk, 32);
  m->display_name = g_strdup ("totally bob");
  g_ptr_array_add (h->log, gst_e2ee_msg_encode (m, mallory, NULL));
  gst_e2ee_msg_free (m);
  hub_run (h, 9000);
  for (guint i = 0; i < h->parts->len; i++) {
    roster = gst_e2ee_kx_get_roster (((Part *)h->parts->pdata[i])->kx);
    fail_unless (g_strv_contains ((const gchar *const *)roster, "mallory"));
    g_strfreev (roster);
  }
  gst_e2ee_dh_key_free (dh);
  gst_e2ee_identity_free (mallory);
  hub_free (h);
}

GST_END_TEST;

/* Different histories: the server splits the meeting in two, {alice,
 * erin} and {bob, carol, dave}, each side told nothing of the other. Bob
 * takes over on his side, alice admits erin on hers: two rosters of the
 * same version. When the views meet again, both sides report the fork. */
static gboolean
on_left_side (const gchar *id)
{
  return g_strcmp0 (id, "alice") == 0 || g_strcmp0 (id, "erin") == 0;
}

static GBytes *
partition (Hub *h, Part *to, GBytes *msg, gpointer data)
{
  gsize n;
  const guint8 *d = g_bytes_get_data (msg, &n);
  GstE2eeMsg *m;
  gboolean cross;

  if (!*(gboolean *)data)
    return g_bytes_ref (msg);
  m = gst_e2ee_msg_decode (d, n, NULL);
  cross = m && on_left_side (m->sender_id) != on_left_side (to->id);
  gst_e2ee_msg_free (m);
  return cross ? NULL : g_bytes_ref (msg);
}

GST_START_TEST (test_attack_partition)
{
  Hub *h = meeting_of (4);
  gboolean split = FALSE;

  h->filter = partition;
  h->filter_data = &split;
  hub_run (h, 5000);
  check_agreement (h);
  split = TRUE;
  hub_join (h, "erin");
  hub_run (h, 15000);
  /* two leaders now */
  fail_unless_equals_string (
      gst_e2ee_kx_get_leader (((Part *)h->parts->pdata[2])->kx), "bob");
  fail_unless_equals_string (
      gst_e2ee_kx_get_leader (((Part *)h->parts->pdata[4])->kx), "alice");
  fail_unless_equals_int (total (h, G_STRUCT_OFFSET (Part, forks)), 0);
  /* the server stops filtering: both histories reach everybody */
  split = FALSE;
  for (guint i = 0; i < h->parts->len; i++)
    ((Part *)h->parts->pdata[i])->cursor = 0;
  hub_pump (h);
  fail_unless (((Part *)h->parts->pdata[0])->forks > 0, "alice saw no fork");
  fail_unless (((Part *)h->parts->pdata[2])->forks > 0, "carol saw no fork");
  hub_free (h);
}

GST_END_TEST;

/* Malformed messages of every type (truncated, trailing bytes, bad
 * version, a length field past the end, a flipped signature) are each
 * rejected with an error, and the meeting carries on unchanged. */
GST_START_TEST (test_malformed_every_type)
{
  Hub *h = meeting_of (3);
  GBytes *sample[GST_E2EE_MSG_LEAVE + 1] = { NULL };
  guint injected = 0, errors;
  guint64 e;

  hub_run (h, 5000);
  e = check_agreement (h);
  gst_e2ee_kx_leave (((Part *)h->parts->pdata[2])->kx, h->now);
  ((Part *)h->parts->pdata[2])->running = FALSE;
  hub_run (h, 8000);
  e = check_agreement (h);
  for (guint i = 0; i < h->log->len; i++) {
    GstE2eeMsgType t = msg_type (h->log->pdata[i]);
    if (t >= 1 && t <= GST_E2EE_MSG_LEAVE && !sample[t])
      sample[t] = h->log->pdata[i];
  }
  for (guint t = 1; t <= GST_E2EE_MSG_LEAVE; t++) {
    gsize n;
    const guint8 *d;
    fail_unless (
        sample[t] != NULL, "no %s on the board", gst_e2ee_msg_type_name (t));
    d = g_bytes_get_data (sample[t], &n);
    for (guint v = 0; v < 5; v++) {
      guint8 *x = g_malloc (n + 1);
      gsize len = n;
      memcpy (x, d, n);
      switch (v) {
        case 0:
          len = n / 2; /* truncated */
          break;
        case 1:
          x[n] = 0; /* trailing byte */
          len = n + 1;
          break;
        case 2:
          x[0] = 2; /* unknown version */
          break;
        case 3:
          x[2] = 0xff; /* meeting id length past the end */
          x[3] = 0xff;
          break;
        case 4:
          x[n - 1] ^= 1; /* signature */
          break;
      }
      g_ptr_array_add (h->log, g_bytes_new_take (x, len));
      injected++;
    }
  }
  hub_pump (h);
  errors = total (h, G_STRUCT_OFFSET (Part, errors));
  /* two running participants, each reports every injected message */
  fail_unless_equals_int (errors, 2 * injected);
  for (guint i = 0; i < h->parts->len; i++)
    ((Part *)h->parts->pdata[i])->errors = 0;
  hub_run (h, 10000);
  fail_unless_equals_uint64 (check_agreement (h), e);
  hub_free (h);
}

GST_END_TEST;

/* Members refresh their liveness nonce periodically, and a rekey long
 * after the last one still reaches everybody (boxes bound to fresh
 * nonces). */
GST_START_TEST (test_liveness)
{
  Hub *h = meeting_of (3);
  guint before;
  guint64 e;

  hub_run (h, 5000);
  e = check_agreement (h);
  before = h->log->len;
  hub_run (h, 130000);
  {
    guint acks = 0;
    for (guint i = before; i < h->log->len; i++)
      acks += msg_type (h->log->pdata[i]) == GST_E2EE_MSG_ACK;
    /* two members, a fresh nonce every 60 s over 125 s */
    fail_unless (acks >= 4, "%u liveness ACKs", acks);
  }
  hub_join (h, "dave");
  hub_run (h, 135000);
  fail_unless (check_agreement (h) > e);
  hub_free (h);
}

GST_END_TEST;

/* Delaying: the server holds everything for bob for 4 s (longer than the
 * ACK timeout, shorter than the heartbeat timeout). The others switch to
 * the new epoch without him; when the messages arrive, bob catches up. */
GST_START_TEST (test_attack_delay)
{
  Hub *h = meeting_of (3);
  Part *bob = h->parts->pdata[1];
  guint64 e;

  hub_run (h, 5000);
  e = check_agreement (h);
  bob->running = FALSE;
  hub_join (h, "dave");
  hub_run (h, 9000);
  fail_unless (
      gst_e2ee_kx_get_send_epoch (((Part *)h->parts->pdata[0])->kx) > e);
  fail_unless_equals_uint64 (gst_e2ee_kx_get_send_epoch (bob->kx), e);
  bob->running = TRUE;
  hub_run (h, 11000);
  fail_unless (check_agreement (h) > e);
  hub_free (h);
}

GST_END_TEST;

static Suite *
kx_suite (void)
{
  Suite *s = suite_create ("kx");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_two);
  tcase_add_test (tc, test_three);
  tcase_add_test (tc, test_ten);
  tcase_add_test (tc, test_fifty);
  tcase_add_test (tc, test_join_leave_forward_secrecy);
  tcase_add_test (tc, test_leader_handover);
  tcase_add_test (tc, test_orphaned_instance);
  tcase_add_test (tc, test_attack_tamper);
  tcase_add_test (tc, test_attack_replay);
  tcase_add_test (tc, test_attack_drop);
  tcase_add_test (tc, test_attack_reorder);
  tcase_add_test (tc, test_attack_forge_leader);
  tcase_add_test (tc, test_attack_inject);
  tcase_add_test (tc, test_attack_partition);
  tcase_add_test (tc, test_attack_delay);
  tcase_add_test (tc, test_malformed_every_type);
  tcase_add_test (tc, test_liveness);
  return s;
}

GST_CHECK_MAIN (kx);
