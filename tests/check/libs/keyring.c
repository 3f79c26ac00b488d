/* The meeting keyring and its GstContext plumbing.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gio/gio.h>

#include "gste2eekeyring.h"

static const guint8 k16[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
  15, 16 };

static void
count_signal (GstE2eeKeyring *kr, guint64 kid, gpointer data)
{
  (*(guint *)data)++;
}

GST_START_TEST (test_add_lookup)
{
  GstE2eeKeyring *kr = gst_e2ee_keyring_new ("meeting-1");
  GError *err = NULL;
  GstE2eeKey *k;
  guint added = 0, removed = 0;
  guint gen;
  gsize len;

  g_signal_connect (kr, "key-added", G_CALLBACK (count_signal), &added);
  g_signal_connect (kr, "key-removed", G_CALLBACK (count_signal), &removed);
  fail_unless_equals_string (gst_e2ee_keyring_get_meeting_id (kr), "meeting-1");
  gen = gst_e2ee_keyring_get_generation (kr);
  fail_unless (gst_e2ee_keyring_add_key (
      kr, 10, k16, 16, GST_E2EE_KEY_RECEIVE, "alice", &err));
  fail_unless (gst_e2ee_keyring_get_generation (kr) != gen);
  fail_unless_equals_int (added, 1);

  /* same KID again: refused */
  fail_if (gst_e2ee_keyring_add_key (
      kr, 10, k16, 16, GST_E2EE_KEY_RECEIVE, "mallory", &err));
  fail_unless (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_EXISTS));
  g_clear_error (&err);
  /* bad lengths and usages: refused */
  fail_if (gst_e2ee_keyring_add_key (
      kr, 11, k16, 8, GST_E2EE_KEY_RECEIVE, NULL, &err));
  g_clear_error (&err);
  fail_if (gst_e2ee_keyring_add_key (
      kr, 11, k16, 16, GST_E2EE_KEY_RECEIVE | GST_E2EE_KEY_SEND, NULL, &err));
  g_clear_error (&err);

  k = gst_e2ee_keyring_lookup (kr, 10, GST_E2EE_KEY_RECEIVE);
  fail_unless (k != NULL);
  fail_unless_equals_uint64 (gst_e2ee_key_get_kid (k), 10);
  fail_unless_equals_string (gst_e2ee_key_get_sender (k), "alice");
  fail_unless (memcmp (gst_e2ee_key_get_base_key (k, &len), k16, 16) == 0);
  fail_unless_equals_int (len, 16);
  fail_unless (gst_e2ee_key_is_valid (k));
  /* a receive key is not a send key */
  fail_unless (gst_e2ee_keyring_lookup (kr, 10, GST_E2EE_KEY_SEND) == NULL);
  fail_if (gst_e2ee_keyring_set_send_kid (kr, 10, &err));
  g_clear_error (&err);

  fail_unless (gst_e2ee_keyring_remove_key (kr, 10));
  fail_unless_equals_int (removed, 1);
  /* a handle held by someone stays readable but is marked invalid */
  fail_if (gst_e2ee_key_is_valid (k));
  gst_e2ee_key_unref (k);
  fail_unless (gst_e2ee_keyring_lookup (kr, 10, GST_E2EE_KEY_RECEIVE) == NULL);
  gst_object_unref (kr);
}

GST_END_TEST;

GST_START_TEST (test_send_key_and_counter)
{
  GstE2eeKeyring *kr = gst_e2ee_keyring_new (NULL);
  GstE2eeKey *k;
  guint64 kid = 0, ctr;
  guint changed = 0;

  g_signal_connect (
      kr, "send-key-changed", G_CALLBACK (count_signal), &changed);
  fail_unless (gst_e2ee_keyring_get_send_key (kr) == NULL);
  fail_unless (
      gst_e2ee_keyring_add_key (kr, 1, k16, 16, GST_E2EE_KEY_SEND, "me", NULL));
  fail_unless (gst_e2ee_keyring_get_send_key (kr) == NULL);
  fail_unless (gst_e2ee_keyring_set_send_kid (kr, 1, NULL));
  fail_unless_equals_int (changed, 1);
  fail_unless (gst_e2ee_keyring_get_send_kid (kr, &kid));
  fail_unless_equals_uint64 (kid, 1);
  k = gst_e2ee_keyring_get_send_key (kr);
  for (guint64 i = 0; i < 1000; i++) {
    fail_unless (gst_e2ee_key_next_counter (k, &ctr));
    fail_unless_equals_uint64 (ctr, i);
  }
  gst_e2ee_key_unref (k);
  /* the counter belongs to the key, not to the handle */
  k = gst_e2ee_keyring_get_send_key (kr);
  fail_unless (gst_e2ee_key_next_counter (k, &ctr));
  fail_unless_equals_uint64 (ctr, 1000);
  gst_e2ee_key_unref (k);

  /* retiring the send key leaves no send key */
  fail_unless (gst_e2ee_keyring_retire_key (kr, 1, GST_SECOND));
  fail_unless (gst_e2ee_keyring_get_send_key (kr) == NULL);
  fail_if (gst_e2ee_keyring_set_send_kid (kr, 1, NULL));
  gst_object_unref (kr);
}

GST_END_TEST;

GST_START_TEST (test_grace_period)
{
  GstE2eeKeyring *kr = gst_e2ee_keyring_new (NULL);
  GstE2eeKey *k;
  guint removed = 0;

  g_signal_connect (kr, "key-removed", G_CALLBACK (count_signal), &removed);
  fail_unless (gst_e2ee_keyring_add_key (
      kr, 2, k16, 16, GST_E2EE_KEY_RECEIVE, NULL, NULL));
  fail_unless (gst_e2ee_keyring_retire_key (kr, 2, GST_SECOND));
  k = gst_e2ee_keyring_lookup (kr, 2, GST_E2EE_KEY_RECEIVE);
  fail_unless (k != NULL, "a retired key decrypts during its grace period");
  g_usleep (1200 * 1000);
  gst_e2ee_keyring_get_generation (kr);
  fail_unless_equals_int (removed, 1);
  fail_if (gst_e2ee_key_is_valid (k));
  fail_unless (gst_e2ee_keyring_lookup (kr, 2, GST_E2EE_KEY_RECEIVE) == NULL);
  fail_unless_equals_int (gst_e2ee_keyring_get_n_keys (kr), 0);
  gst_e2ee_key_unref (k);
  gst_object_unref (kr);
}

GST_END_TEST;

GST_START_TEST (test_context_roundtrip)
{
  GstE2eeKeyring *kr = gst_e2ee_keyring_new ("m"), *got = NULL;
  GstContext *ctx = gst_e2ee_context_new_keyring (kr, TRUE);

  fail_unless_equals_string (
      gst_context_get_context_type (ctx), GST_E2EE_KEYRING_CONTEXT_TYPE);
  fail_unless (gst_context_is_persistent (ctx));
  fail_unless (gst_e2ee_context_get_keyring (ctx, &got));
  fail_unless (got == kr);
  gst_object_unref (got);
  gst_context_unref (ctx);
  ctx = gst_context_new ("other.type", FALSE);
  fail_if (gst_e2ee_context_get_keyring (ctx, &got));
  gst_context_unref (ctx);
  gst_object_unref (kr);
}

GST_END_TEST;

/* Sender and receiver keyrings of a two-party meeting: the same base key,
 * a send key on one side and a receive key on the other. */
static void
make_pair (GstE2eeKeyring **a, GstE2eeKeyring **b)
{
  *a = gst_e2ee_keyring_new ("m");
  *b = gst_e2ee_keyring_new ("m");
  fail_unless (gst_e2ee_keyring_add_key (
      *a, 7, k16, 16, GST_E2EE_KEY_SEND, "alice", NULL));
  fail_unless (gst_e2ee_keyring_set_send_kid (*a, 7, NULL));
  fail_unless (gst_e2ee_keyring_add_key (
      *b, 7, k16, 16, GST_E2EE_KEY_RECEIVE, "alice", NULL));
}

static GstBusSyncReply
answer_need_context (GstBus *bus, GstMessage *msg, gpointer data)
{
  const gchar *type;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_NEED_CONTEXT &&
      gst_message_parse_context_type (msg, &type) &&
      g_strcmp0 (type, GST_E2EE_KEYRING_CONTEXT_TYPE) == 0) {
    GstContext *ctx = gst_e2ee_context_new_keyring (data, TRUE);
    gst_element_set_context (GST_ELEMENT (GST_MESSAGE_SRC (msg)), ctx);
    gst_context_unref (ctx);
  }
  return GST_BUS_PASS;
}

static guint64
stat_of (GstElement *p, const gchar *name, const gchar *field)
{
  GstElement *el = gst_bin_get_by_name (GST_BIN (p), name);
  GstStructure *s;
  guint64 v = G_MAXUINT64;

  g_object_get (el, "stats", &s, NULL);
  fail_unless (gst_structure_get_uint64 (s, field, &v));
  gst_structure_free (s);
  gst_object_unref (el);
  return v;
}

static guint64
run_to_eos (GstElement *p)
{
  GstBus *bus = gst_element_get_bus (p);
  GstElement *d = gst_bin_get_by_name (GST_BIN (p), "d");
  GstMessage *m;
  GstStructure *s;
  guint64 packets = 0;

  fail_unless (
      gst_element_set_state (p, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  m = gst_bus_timed_pop_filtered (
      bus, 10 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (m != NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (m), GST_MESSAGE_EOS);
  gst_message_unref (m);
  g_object_get (d, "stats", &s, NULL);
  fail_unless (gst_structure_get_uint64 (s, "packets", &packets));
  gst_structure_free (s);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (d);
  gst_object_unref (bus);
  return packets;
}

/* The application answers NEED_CONTEXT from a sync handler, as GL
 * applications do: both elements get the one keyring of the meeting (the
 * receiver then has no receive key for our own send KID and fails
 * closed). */
GST_START_TEST (test_need_context_pipeline)
{
  GstE2eeKeyring *kr = gst_e2ee_keyring_new ("m");
  GstElement *p = gst_parse_launch (
      "audiotestsrc num-buffers=20 ! "
      "e2eeenc name=e ! e2eedec name=d unknown-kid-timeout=0 ! fakesink",
      NULL);
  GstBus *bus = gst_element_get_bus (p);

  fail_unless (
      gst_e2ee_keyring_add_key (kr, 7, k16, 16, GST_E2EE_KEY_SEND, "me", NULL));
  fail_unless (gst_e2ee_keyring_set_send_kid (kr, 7, NULL));
  gst_bus_set_sync_handler (bus, answer_need_context, kr, NULL);
  fail_unless_equals_uint64 (run_to_eos (p), 0);
  fail_unless_equals_uint64 (stat_of (p, "e", "packets"), 20);
  fail_unless_equals_uint64 (stat_of (p, "d", "unknown-kid"), 20);
  gst_object_unref (bus);
  gst_object_unref (p);
  gst_object_unref (kr);
}

GST_END_TEST;

/* Contexts set on the elements before the pipeline starts. */
GST_START_TEST (test_element_context)
{
  GstE2eeKeyring *a, *b;
  GstElement *p =
      gst_parse_launch ("audiotestsrc num-buffers=20 ! "
                        "e2eeenc name=e ! e2eedec name=d ! fakesink",
          NULL);
  GstElement *e = gst_bin_get_by_name (GST_BIN (p), "e");
  GstElement *d = gst_bin_get_by_name (GST_BIN (p), "d");
  GstContext *ca, *cb;

  make_pair (&a, &b);
  ca = gst_e2ee_context_new_keyring (a, TRUE);
  cb = gst_e2ee_context_new_keyring (b, TRUE);
  gst_element_set_context (e, ca);
  gst_element_set_context (d, cb);
  fail_unless_equals_uint64 (run_to_eos (p), 20);
  /* and again after a full stop: persistent contexts stay */
  fail_unless_equals_uint64 (run_to_eos (p), 40);
  gst_context_unref (ca);
  gst_context_unref (cb);
  gst_object_unref (e);
  gst_object_unref (d);
  gst_object_unref (p);
  gst_object_unref (a);
  gst_object_unref (b);
}

GST_END_TEST;

/* One keyring set on the whole pipeline reaches every element: with no
 * receive key for our own KID, the receiver fails closed. */
GST_START_TEST (test_pipeline_context)
{
  GstE2eeKeyring *kr = gst_e2ee_keyring_new ("m");
  GstContext *ctx = gst_e2ee_context_new_keyring (kr, TRUE);
  GstElement *p = gst_parse_launch (
      "audiotestsrc num-buffers=20 ! "
      "e2eeenc ! e2eedec name=d unknown-kid-timeout=0 ! fakesink",
      NULL);
  GstElement *d = gst_bin_get_by_name (GST_BIN (p), "d");

  fail_unless (
      gst_e2ee_keyring_add_key (kr, 7, k16, 16, GST_E2EE_KEY_SEND, "me", NULL));
  fail_unless (gst_e2ee_keyring_set_send_kid (kr, 7, NULL));
  gst_element_set_context (p, ctx);
  fail_unless_equals_uint64 (run_to_eos (p), 0);
  {
    GstStructure *s;
    guint64 unknown = 0;
    g_object_get (d, "stats", &s, NULL);
    gst_structure_get_uint64 (s, "unknown-kid", &unknown);
    gst_structure_free (s);
    fail_unless_equals_uint64 (unknown, 20);
  }
  gst_object_unref (d);
  gst_object_unref (p);
  gst_context_unref (ctx);
  gst_object_unref (kr);
}

GST_END_TEST;

static Suite *
keyring_suite (void)
{
  Suite *s = suite_create ("keyring");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_add_lookup);
  tcase_add_test (tc, test_send_key_and_counter);
  tcase_add_test (tc, test_grace_period);
  tcase_add_test (tc, test_context_roundtrip);
  tcase_add_test (tc, test_need_context_pipeline);
  tcase_add_test (tc, test_element_context);
  tcase_add_test (tc, test_pipeline_context);
  return s;
}

GST_CHECK_MAIN (keyring);
