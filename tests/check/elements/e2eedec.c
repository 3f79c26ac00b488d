/* Unit tests of e2eedec: fail closed, replay, unknown KIDs, reports.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "e2eedec-common.h"

GST_START_TEST (test_decrypt_all_suites)
{
  for (gint suite = 1; suite <= 5; suite++) {
    GstHarness *h = dec_harness (suite, TEST_KEY_HEX);
    for (guint16 i = 0; i < 10; i++) {
      GstBuffer *out = gst_harness_push_and_pull (
          h, sframe_rtp (suite, TEST_KEY_HEX, 3, i, i));
      check_plain (out, i);
      gst_buffer_unref (out);
    }
    fail_unless_equals_uint64 (stat_u64 (h->element, "packets"), 10);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* Tampering with any byte of the SFrame header, ciphertext or tag, or with
 * an authenticated RTP header field, drops the packet; nothing leaks. */
GST_START_TEST (test_tamper_every_region)
{
  for (gint suite = 1; suite <= 5; suite++) {
    GstHarness *h = dec_harness (suite, TEST_KEY_HEX);
    GstBuffer *good = sframe_rtp (suite, TEST_KEY_HEX, 3, 1000, 1);
    gsize size = gst_buffer_get_size (good);
    guint64 drops;

    g_object_set (h->element, "replay-window", 0, NULL);
    /* SFrame header, ciphertext and tag: bytes 12 .. size-1 */
    for (gsize off = 12; off < size; off++)
      fail_unless_equals_int (
          gst_harness_push (h, flip_bit (good, off)), GST_FLOW_OK);
    /* marker bit (byte 1, bit 7) and payload type (byte 1, low bits) */
    {
      GstBuffer *b = gst_buffer_copy_deep (good);
      GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
      gst_rtp_buffer_map (b, GST_MAP_WRITE, &rtp);
      gst_rtp_buffer_set_marker (&rtp, !gst_rtp_buffer_get_marker (&rtp));
      gst_rtp_buffer_unmap (&rtp);
      gst_harness_push (h, b);
      b = gst_buffer_copy_deep (good);
      gst_rtp_buffer_map (b, GST_MAP_WRITE, &rtp);
      gst_rtp_buffer_set_payload_type (&rtp, 97);
      gst_rtp_buffer_unmap (&rtp);
      gst_harness_push (h, b);
    }
    fail_unless_equals_int (gst_harness_buffers_received (h), 0);
    drops = stat_u64 (h->element, "auth-failures") +
        stat_u64 (h->element, "malformed") +
        stat_u64 (h->element, "unknown-kid");
    fail_unless_equals_uint64 (drops, size - 12 + 2);
    fail_unless (stat_u64 (h->element, "auth-failures") >= size - 12 - 4);

    /* fields that a relay may rewrite (not authenticated by default) */
    {
      GstBuffer *b = gst_buffer_copy_deep (good), *out;
      GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
      gst_rtp_buffer_map (b, GST_MAP_WRITE, &rtp);
      gst_rtp_buffer_set_seq (&rtp, 4242);
      gst_rtp_buffer_set_ssrc (&rtp, 99);
      gst_rtp_buffer_unmap (&rtp);
      out = gst_harness_push_and_pull (h, b);
      fail_unless (out != NULL);
      gst_buffer_unref (out);
    }
    gst_buffer_unref (good);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* With every field authenticated, a rewritten sequence number fails. */
GST_START_TEST (test_auth_fields_all)
{
  gchar *d = make_tmpdir ();
  gchar *desc = g_strdup_printf (
      "e2eeenc key=%s counter-dir=%s "
      "rtp-auth-fields=marker+payload-type+timestamp+ssrc+sequence+csrc",
      TEST_KEY_HEX, d);
  GstHarness *enc = gst_harness_new_parse (desc);
  GstHarness *dec = dec_harness (5, TEST_KEY_HEX);
  GstBuffer *ct, *out;
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

  gst_util_set_object_arg (G_OBJECT (dec->element), "rtp-auth-fields",
      "marker+payload-type+timestamp+ssrc+sequence+csrc");
  gst_harness_set_src_caps_str (enc, RTP_CAPS);
  ct = gst_harness_push_and_pull (enc, make_rtp (50, 5, TRUE, 3, TRUE));
  out = gst_harness_push_and_pull (dec, ct);
  fail_unless (out != NULL);
  gst_buffer_unref (out);
  /* the next packet, with its sequence number rewritten */
  ct = gst_harness_push_and_pull (enc, make_rtp (50, 6, TRUE, 3, TRUE));
  ct = gst_buffer_make_writable (ct);
  gst_rtp_buffer_map (ct, GST_MAP_WRITE, &rtp);
  gst_rtp_buffer_set_seq (&rtp, 7);
  gst_rtp_buffer_unmap (&rtp);
  fail_unless_equals_int (gst_harness_push (dec, ct), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (dec), 1);
  fail_unless_equals_uint64 (stat_u64 (dec->element, "auth-failures"), 1);
  gst_harness_teardown (enc);
  gst_harness_teardown (dec);
  g_free (desc);
  rm_tree (d);
  g_free (d);
}

GST_END_TEST;

GST_START_TEST (test_wrong_key)
{
  GstHarness *h = dec_harness (5, TEST_KEY2_HEX);
  GstBus *bus = attach_bus (h);

  for (guint16 i = 0; i < 5; i++)
    gst_harness_push (h, sframe_rtp (5, TEST_KEY_HEX, 3, i, i));
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  fail_unless_equals_uint64 (stat_u64 (h->element, "auth-failures"), 5);
  /* one report for the burst (rate limited), naming the KID */
  fail_unless_equals_int (count_drops (bus, "auth-failed", NULL, 3), 1);
  gst_harness_teardown (h);
  release_bus (bus);
}

GST_END_TEST;

/* Replays are dropped; reordering inside the window is accepted; too old
 * is dropped. */
GST_START_TEST (test_replay_window)
{
  GstHarness *h = dec_harness (1, TEST_KEY_HEX);
  static const guint64 order[] = { 10, 12, 11, 12, 10, 13, 5, 200, 137, 136,
    200, 300 };
  static const gboolean accepted[] = { TRUE, TRUE, TRUE, FALSE, FALSE, TRUE,
    TRUE, TRUE, TRUE, FALSE, FALSE, TRUE };
  guint n_ok = 0;

  g_object_set (h->element, "replay-window", 64, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (order); i++) {
    gst_harness_push (
        h, sframe_rtp (1, TEST_KEY_HEX, 3, order[i], (guint16)order[i]));
    if (accepted[i]) {
      GstBuffer *out = gst_harness_pull (h);
      check_plain (out, (guint16)order[i]);
      gst_buffer_unref (out);
      n_ok++;
    }
    fail_unless_equals_int (gst_harness_buffers_received (h), n_ok);
  }
  fail_unless_equals_uint64 (stat_u64 (h->element, "replays"), 4);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Rate limiting: with an interval, one message for a burst; with 0, one per
 * drop, and the counts add up. */
GST_START_TEST (test_drop_reports)
{
  GstHarness *h = dec_harness (5, TEST_KEY_HEX);
  GstBus *bus = attach_bus (h);
  GstBuffer *good = sframe_rtp (5, TEST_KEY_HEX, 9, 0, 0), *out;
  guint64 sum = 0;

  out = gst_harness_push_and_pull (h, gst_buffer_ref (good));
  gst_buffer_unref (out);
  for (guint i = 0; i < 10; i++)
    gst_harness_push (h, gst_buffer_ref (good));
  fail_unless_equals_int (count_drops (bus, "replay", &sum, 9), 1);
  fail_unless_equals_uint64 (sum, 1);

  /* tuning while playing keeps the replay window */
  g_object_set (h->element, "drop-report-interval", 0, NULL);
  sum = 0;
  for (guint i = 0; i < 10; i++)
    gst_harness_push (h, gst_buffer_ref (good));
  fail_unless_equals_int (count_drops (bus, "replay", &sum, 9), 10);
  /* the first message also carries the 9 drops not reported before */
  fail_unless_equals_uint64 (sum, 19);
  fail_unless_equals_uint64 (stat_u64 (h->element, "replays"), 20);
  gst_buffer_unref (good);
  gst_harness_teardown (h);
  release_bus (bus);
}

GST_END_TEST;

/* Garbage that is no SFrame is dropped as malformed, and the element goes
 * on with good packets. */
GST_START_TEST (test_malformed)
{
  GstHarness *h = dec_harness (5, TEST_KEY_HEX);
  GstBuffer *out, *b;
  static const guint8 junk[] = { 0x80, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xff,
    0x01 };

  /* empty payload, truncated SFrame header, non-RTP junk, header only */
  gst_harness_push (h, gst_rtp_buffer_new_allocate (0, 0, 0));
  gst_harness_push (h, gst_buffer_new_memdup (junk, sizeof (junk)));
  gst_harness_push (h, gst_buffer_new_memdup (junk, 5));
  b = sframe_rtp (5, TEST_KEY_HEX, 3, 0, 0);
  gst_buffer_set_size (b, 12 + 2);
  gst_harness_push (h, b);
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  fail_unless_equals_uint64 (stat_u64 (h->element, "malformed"), 3);
  fail_unless_equals_uint64 (stat_u64 (h->element, "auth-failures"), 1);
  out = gst_harness_push_and_pull (h, sframe_rtp (5, TEST_KEY_HEX, 3, 1, 1));
  check_plain (out, 1);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A KID outside the configured one is refused with a pre-shared key. */
GST_START_TEST (test_static_kid_filter)
{
  GstHarness *h = dec_harness (5, TEST_KEY_HEX);
  GstBuffer *out;

  g_object_set (h->element, "kid", (guint64)3, NULL);
  gst_harness_push (h, sframe_rtp (5, TEST_KEY_HEX, 4, 0, 0));
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  fail_unless_equals_uint64 (stat_u64 (h->element, "unknown-kid"), 1);
  out = gst_harness_push_and_pull (h, sframe_rtp (5, TEST_KEY_HEX, 3, 0, 0));
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

static GstHarness *
keyring_dec (GstE2eeKeyring *kr)
{
  GstElement *dec = gst_element_factory_make ("e2eedec", NULL);
  GstContext *ctx = gst_e2ee_context_new_keyring (kr, TRUE);
  GstHarness *h;

  gst_element_set_context (dec, ctx);
  gst_context_unref (ctx);
  h = gst_harness_new_with_element (dec, "sink", "src");
  gst_object_unref (dec);
  gst_harness_set_src_caps_str (h, RTP_CAPS);
  return h;
}

/* A buffer for a KID not in the keyring is held; when its key arrives the
 * held buffers come out first, in order. */
GST_START_TEST (test_unknown_kid_then_key)
{
  GstE2eeKeyring *kr = gst_e2ee_keyring_new ("m");
  GstHarness *h = keyring_dec (kr);
  guint8 key[16];

  hex_to_bytes (TEST_KEY_HEX, key, 16);
  g_object_set (h->element, "unknown-kid-timeout", 10000, NULL);
  for (guint16 i = 0; i < 3; i++)
    gst_harness_push (h, sframe_rtp (5, TEST_KEY_HEX, 42, i, i));
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  {
    GstStructure *s;
    guint held = 0;
    g_object_get (h->element, "stats", &s, NULL);
    gst_structure_get_uint (s, "held", &held);
    fail_unless_equals_int (held, 3);
    gst_structure_free (s);
  }
  /* a send key of the same KID does not decrypt (direction matters) */
  fail_unless (gst_e2ee_keyring_add_key (
      kr, 42, key, 16, GST_E2EE_KEY_SEND, NULL, NULL));
  gst_harness_push (h, sframe_rtp (5, TEST_KEY_HEX, 42, 3, 3));
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  fail_unless (gst_e2ee_keyring_remove_key (kr, 42));

  fail_unless (gst_e2ee_keyring_add_key (
      kr, 42, key, 16, GST_E2EE_KEY_RECEIVE, "alice", NULL));
  gst_harness_push (h, sframe_rtp (5, TEST_KEY_HEX, 42, 4, 4));
  fail_unless_equals_int (gst_harness_buffers_received (h), 5);
  for (guint16 i = 0; i < 5; i++) {
    GstBuffer *out = gst_harness_pull (h);
    check_plain (out, i);
    gst_buffer_unref (out);
  }
  fail_unless_equals_uint64 (stat_u64 (h->element, "unknown-kid"), 0);
  gst_harness_teardown (h);
  gst_object_unref (kr);
}

GST_END_TEST;

/* Held buffers are dropped after the timeout, and beyond the byte bound. */
GST_START_TEST (test_unknown_kid_bounds)
{
  GstE2eeKeyring *kr = gst_e2ee_keyring_new ("m");
  GstHarness *h = keyring_dec (kr);
  GstBus *bus = attach_bus (h);
  guint8 key[16];
  GstBuffer *out;
  GstBuffer *probe = sframe_rtp (5, TEST_KEY_HEX, 1, 0, 0);
  gsize one = gst_buffer_get_size (probe);

  gst_buffer_unref (probe);

  hex_to_bytes (TEST_KEY_HEX, key, 16);
  g_object_set (h->element, "unknown-kid-timeout", 1000,
      "unknown-kid-max-bytes", (guint)(3 * one), NULL);
  /* five buffers, room for three: the two oldest go */
  for (guint16 i = 0; i < 5; i++)
    gst_harness_push (h, sframe_rtp (5, TEST_KEY_HEX, 7, i, i));
  fail_unless_equals_uint64 (stat_u64 (h->element, "unknown-kid"), 2);
  /* the hold time runs on the element's clock: the harness's test clock */
  advance_clock (h, 999 * GST_MSECOND);
  gst_harness_push (h, sframe_rtp (5, TEST_KEY_HEX, 7, 5, 5));
  fail_unless_equals_uint64 (stat_u64 (h->element, "unknown-kid"), 3);
  advance_clock (h, 201 * GST_MSECOND);
  /* a known KID arrives: the expired ones are dropped first */
  fail_unless (gst_e2ee_keyring_add_key (
      kr, 8, key, 16, GST_E2EE_KEY_RECEIVE, "bob", NULL));
  out = gst_harness_push_and_pull (h, sframe_rtp (5, TEST_KEY_HEX, 8, 0, 0));
  gst_buffer_unref (out);
  /* the two held since 0 ms expired, the one held since 999 ms did not */
  fail_unless_equals_uint64 (stat_u64 (h->element, "unknown-kid"), 5);
  fail_unless_equals_int (gst_harness_buffers_received (h), 1);
  advance_clock (h, 799 * GST_MSECOND);
  out = gst_harness_push_and_pull (h, sframe_rtp (5, TEST_KEY_HEX, 8, 1, 1));
  gst_buffer_unref (out);
  fail_unless_equals_uint64 (stat_u64 (h->element, "unknown-kid"), 6);
  fail_unless (count_drops (bus, "unknown-kid", NULL, 7) >= 1);
  gst_harness_teardown (h);
  release_bus (bus);
  gst_object_unref (kr);
}

GST_END_TEST;

/* A retired key decrypts during its grace period, not after. */
GST_START_TEST (test_retired_key_grace)
{
  GstE2eeKeyring *kr = gst_e2ee_keyring_new ("m");
  GstHarness *h = keyring_dec (kr);
  guint8 key[16];
  GstBuffer *out;

  hex_to_bytes (TEST_KEY_HEX, key, 16);
  g_object_set (h->element, "unknown-kid-timeout", 0, NULL);
  fail_unless (gst_e2ee_keyring_add_key (
      kr, 5, key, 16, GST_E2EE_KEY_RECEIVE, "carol", NULL));
  out = gst_harness_push_and_pull (h, sframe_rtp (5, TEST_KEY_HEX, 5, 0, 0));
  gst_buffer_unref (out);
  fail_unless (gst_e2ee_keyring_retire_key (kr, 5, GST_SECOND));
  out = gst_harness_push_and_pull (h, sframe_rtp (5, TEST_KEY_HEX, 5, 1, 1));
  gst_buffer_unref (out);
  g_usleep (1200 * 1000);
  gst_harness_push (h, sframe_rtp (5, TEST_KEY_HEX, 5, 2, 2));
  fail_unless_equals_int (gst_harness_buffers_received (h), 2);
  fail_unless_equals_uint64 (stat_u64 (h->element, "unknown-kid"), 1);
  fail_unless_equals_int (gst_e2ee_keyring_get_n_keys (kr), 0);
  gst_harness_teardown (h);
  gst_object_unref (kr);
}

GST_END_TEST;

/* A key removed (or retired) and added again under the same KID does not
 * reopen its replay window: its old frames still authenticate, so they
 * must stay refused (found by fuzz-e2eedec: retire KID 0, add it again,
 * replay).  Another key under that KID starts a window of its own. */
GST_START_TEST (test_replay_after_key_readded)
{
  GstE2eeKeyring *kr = gst_e2ee_keyring_new ("m");
  GstHarness *h = keyring_dec (kr);
  guint8 key[16], key2[16];
  GstBuffer *old[2], *out;

  hex_to_bytes (TEST_KEY_HEX, key, 16);
  hex_to_bytes (TEST_KEY2_HEX, key2, 16);
  g_object_set (h->element, "unknown-kid-timeout", 0, NULL);
  fail_unless (gst_e2ee_keyring_add_key (
      kr, 5, key, 16, GST_E2EE_KEY_RECEIVE, "carol", NULL));
  for (guint16 i = 0; i < 2; i++) {
    old[i] = sframe_rtp (5, TEST_KEY_HEX, 5, i, i);
    out = gst_harness_push_and_pull (h, gst_buffer_copy_deep (old[i]));
    check_plain (out, i);
    gst_buffer_unref (out);
  }

  /* removed, then retired with no grace: each time the same key comes
   * back and the old frames are replays */
  for (guint round = 0; round < 2; round++) {
    if (round == 0)
      fail_unless (gst_e2ee_keyring_remove_key (kr, 5));
    else
      fail_unless (gst_e2ee_keyring_retire_key (kr, 5, 0));
    /* the element sees the key gone before it comes back */
    gst_harness_push (h, sframe_rtp (5, TEST_KEY_HEX, 5, 9, 9));
    fail_unless_equals_int (gst_harness_buffers_received (h), 2 + round);
    fail_unless (gst_e2ee_keyring_add_key (
        kr, 5, key, 16, GST_E2EE_KEY_RECEIVE, "carol", NULL));
    for (guint16 i = 0; i < 2; i++)
      gst_harness_push (h, gst_buffer_copy_deep (old[i]));
    fail_unless_equals_int (gst_harness_buffers_received (h), 2 + round);
    fail_unless_equals_uint64 (
        stat_u64 (h->element, "replays"), 2 * (round + 1));
    /* newer frames of that key still pass */
    out = gst_harness_push_and_pull (
        h, sframe_rtp (5, TEST_KEY_HEX, 5, 10 + round, 10 + round));
    check_plain (out, 10 + round);
    gst_buffer_unref (out);
  }

  /* another key under KID 5 has counters of its own, from 0 */
  fail_unless (gst_e2ee_keyring_remove_key (kr, 5));
  gst_harness_push (h, sframe_rtp (5, TEST_KEY_HEX, 5, 20, 20));
  fail_unless (gst_e2ee_keyring_add_key (
      kr, 5, key2, 16, GST_E2EE_KEY_RECEIVE, "carol", NULL));
  out = gst_harness_push_and_pull (h, sframe_rtp (5, TEST_KEY2_HEX, 5, 0, 0));
  check_plain (out, 0);
  gst_buffer_unref (out);
  fail_unless_equals_uint64 (stat_u64 (h->element, "replays"), 4);
  fail_unless_equals_uint64 (stat_u64 (h->element, "auth-failures"), 0);
  gst_buffer_unref (old[0]);
  gst_buffer_unref (old[1]);
  gst_harness_teardown (h);
  gst_object_unref (kr);
}

GST_END_TEST;

/* Frame mode restores the exact caps; caps without original-caps are an
 * error; renegotiation between modes works. */
GST_START_TEST (test_frame_caps_and_renegotiation)
{
  gchar *d = make_tmpdir ();
  gchar *desc = g_strdup_printf ("e2eeenc key=%s counter-dir=%s ! "
                                 "e2eedec key=%s",
      TEST_KEY_HEX, d, TEST_KEY_HEX);
  GstHarness *h = gst_harness_new_parse (desc);
  const gchar *c1 = "video/x-vp8,width=(int)320,height=(int)240,"
                    "framerate=(fraction)30/1,codec_data=(buffer)0102030405";
  const gchar *c2 = "audio/x-raw,format=S16LE,rate=(int)8000,channels=(int)1,"
                    "layout=interleaved";
  const gchar *caps_list[] = { c1, RTP_CAPS, c2 };

  for (guint i = 0; i < G_N_ELEMENTS (caps_list); i++) {
    GstBuffer *in, *out;
    GstCaps *got, *want = gst_caps_from_string (caps_list[i]);
    gst_harness_set_src_caps_str (h, caps_list[i]);
    in = i == 1 ? make_rtp (80, 3, TRUE, 1, TRUE)
                : gst_buffer_new_allocate (NULL, 333, NULL);
    if (i != 1)
      gst_buffer_memset (in, 0, 0x11 * i, 333);
    out = gst_harness_push_and_pull (h, gst_buffer_ref (in));
    fail_unless (buffers_equal (in, out));
    got = gst_pad_get_current_caps (h->sinkpad);
    fail_unless (gst_caps_is_equal (got, want), "got %" GST_PTR_FORMAT, got);
    gst_caps_unref (got);
    gst_caps_unref (want);
    gst_buffer_unref (in);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
  g_free (desc);

  /* application/x-sframe without original-caps cannot be restored */
  h = gst_harness_new_parse ("e2eedec key=" TEST_KEY_HEX);
  gst_harness_set_src_caps_str (h, "application/x-sframe");
  fail_unless_equals_int (
      gst_harness_push (h, gst_buffer_new_allocate (NULL, 40, NULL)),
      GST_FLOW_NOT_NEGOTIATED);
  gst_harness_teardown (h);
  rm_tree (d);
  g_free (d);
}

GST_END_TEST;

/* Held buffers do not survive a flush, and are dropped at EOS when their
 * key never came; the EOS still goes through. */
GST_START_TEST (test_flush_and_eos)
{
  GstE2eeKeyring *kr = gst_e2ee_keyring_new ("m");
  GstHarness *h = keyring_dec (kr);
  GstEvent *ev;

  g_object_set (h->element, "unknown-kid-timeout", 10000, NULL);
  gst_harness_push (h, sframe_rtp (5, TEST_KEY_HEX, 11, 0, 0));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  {
    GstSegment seg;
    gst_segment_init (&seg, GST_FORMAT_TIME);
    gst_harness_push_event (h, gst_event_new_segment (&seg));
  }
  gst_harness_push (h, sframe_rtp (5, TEST_KEY_HEX, 11, 1, 1));
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  fail_unless_equals_uint64 (stat_u64 (h->element, "unknown-kid"), 1);
  while ((ev = gst_harness_try_pull_event (h))) {
    gboolean eos = GST_EVENT_TYPE (ev) == GST_EVENT_EOS;
    gst_event_unref (ev);
    if (eos)
      break;
    fail_if (ev == NULL);
  }
  gst_harness_teardown (h);
  gst_object_unref (kr);
}

GST_END_TEST;

/* A pipeline restarted with the same pre-shared key: the new encoder's
 * counters are above the old ones, so the receiver's replay window
 * accepts them and nothing is reused. */
GST_START_TEST (test_sender_restart_accepted)
{
  gchar *d = make_tmpdir ();
  GstHarness *dec = dec_harness (5, TEST_KEY_HEX);

  for (guint run = 0; run < 2; run++) {
    gchar *desc =
        g_strdup_printf ("e2eeenc key=%s counter-dir=%s", TEST_KEY_HEX, d);
    GstHarness *enc = gst_harness_new_parse (desc);
    g_free (desc);
    gst_harness_set_src_caps_str (enc, RTP_CAPS);
    for (guint16 i = 0; i < 3; i++) {
      GstBuffer *ct =
          gst_harness_push_and_pull (enc, make_rtp (30, i, FALSE, 0, FALSE));
      GstBuffer *out = gst_harness_push_and_pull (dec, ct);
      fail_unless (out != NULL);
      gst_buffer_unref (out);
    }
    gst_harness_teardown (enc);
  }
  fail_unless_equals_uint64 (stat_u64 (dec->element, "replays"), 0);
  gst_harness_teardown (dec);
  rm_tree (d);
  g_free (d);
}

GST_END_TEST;

/* An SFrame-looking RTP packet under a KID nobody has a key for. */
static GstBuffer *
forged_rtp (guint64 kid, guint16 seq)
{
  GstBuffer *b = make_rtp (PAYLOAD_LEN, seq, FALSE, 0, FALSE);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  guint8 hdr[GST_E2EE_SFRAME_HEADER_MAX];
  gsize n = gst_e2ee_sframe_header_encode (kid, 5, hdr);

  fail_unless (gst_rtp_buffer_map (b, GST_MAP_WRITE, &rtp));
  memcpy (gst_rtp_buffer_get_payload (&rtp), hdr, n);
  gst_rtp_buffer_unmap (&rtp);
  return b;
}

/* A flood of forged KIDs must not make e2eedec forget the replay window
 * of a real KID (found by fuzz-e2eedec: the windows of 1024 KIDs were
 * kept, LRU-evicted, and a new KID could evict a real one). */
static void
check_replay_after_flood (GstHarness *h, guint64 kid)
{
  GstBuffer *good = sframe_rtp (5, TEST_KEY_HEX, kid, 5, 5), *out;
  guint64 replays;

  out = gst_harness_push_and_pull (h, gst_buffer_copy_deep (good));
  gst_buffer_unref (out);
  for (guint i = 0; i < 5000; i++)
    gst_harness_push (h, forged_rtp (1000 + i, (guint16)i));
  replays = stat_u64 (h->element, "replays");
  gst_harness_push (h, good);
  fail_unless_equals_int (gst_harness_buffers_received (h), 1);
  fail_unless_equals_uint64 (stat_u64 (h->element, "replays"), replays + 1);
}

GST_START_TEST (test_replay_after_kid_flood_static)
{
  GstHarness *h = dec_harness (5, TEST_KEY_HEX);
  GstBus *bus = attach_bus (h);
  guint n;

  check_replay_after_flood (h, 3);
  /* forged KIDs are counted, and reported together, not once per KID */
  fail_unless_equals_uint64 (stat_u64 (h->element, "auth-failures") +
          stat_u64 (h->element, "unknown-kid"),
      5000);
  n = count_drops (bus, "auth-failed", NULL, G_MAXUINT64) +
      count_drops (bus, "unknown-kid", NULL, G_MAXUINT64);
  fail_unless (n <= 4, "%u drop messages for one burst", n);
  gst_harness_teardown (h);
  release_bus (bus);
}

GST_END_TEST;

GST_START_TEST (test_replay_after_kid_flood_keyring)
{
  GstE2eeKeyring *kr = gst_e2ee_keyring_new ("m");
  GstHarness *h = keyring_dec (kr);
  guint8 key[16];

  hex_to_bytes (TEST_KEY_HEX, key, 16);
  g_object_set (h->element, "unknown-kid-timeout", 0, NULL);
  fail_unless (gst_e2ee_keyring_add_key (
      kr, 3, key, 16, GST_E2EE_KEY_RECEIVE, "dave", NULL));
  check_replay_after_flood (h, 3);
  fail_unless_equals_uint64 (stat_u64 (h->element, "unknown-kid"), 5000);
  gst_harness_teardown (h);
  gst_object_unref (kr);
}

GST_END_TEST;

/* Buffers held under RTP caps are not decrypted as frames after a caps
 * change: they get their last chance (and are dropped) first. */
GST_START_TEST (test_held_across_caps_change)
{
  GstE2eeKeyring *kr = gst_e2ee_keyring_new ("m");
  GstHarness *h = keyring_dec (kr);

  g_object_set (h->element, "unknown-kid-timeout", 10000, NULL);
  gst_harness_push (h, sframe_rtp (5, TEST_KEY_HEX, 12, 0, 0));
  gst_harness_set_src_caps_str (h,
      "application/x-sframe,original-caps="
      "(GstCaps)\"video/x-vp8\"");
  fail_unless_equals_uint64 (stat_u64 (h->element, "unknown-kid"), 1);
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  gst_harness_teardown (h);
  gst_object_unref (kr);
}

GST_END_TEST;

static Suite *
e2eedec_suite (void)
{
  Suite *s = suite_create ("e2eedec");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_decrypt_all_suites);
  tcase_add_test (tc, test_tamper_every_region);
  tcase_add_test (tc, test_auth_fields_all);
  tcase_add_test (tc, test_wrong_key);
  tcase_add_test (tc, test_replay_window);
  tcase_add_test (tc, test_drop_reports);
  tcase_add_test (tc, test_malformed);
  tcase_add_test (tc, test_static_kid_filter);
  tcase_add_test (tc, test_unknown_kid_then_key);
  tcase_add_test (tc, test_unknown_kid_bounds);
  tcase_add_test (tc, test_retired_key_grace);
  tcase_add_test (tc, test_replay_after_key_readded);
  tcase_add_test (tc, test_frame_caps_and_renegotiation);
  tcase_add_test (tc, test_flush_and_eos);
  tcase_add_test (tc, test_sender_restart_accepted);
  tcase_add_test (tc, test_replay_after_kid_flood_static);
  tcase_add_test (tc, test_replay_after_kid_flood_keyring);
  tcase_add_test (tc, test_held_across_caps_change);
  return s;
}

GST_CHECK_MAIN (e2eedec);
