/* Unit tests of e2eeenc (and the round trip through e2eedec).
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "e2eeenc-common.h"

/* Per packet: the RTP header is kept byte for byte (CSRCs, extension), the
 * payload is an SFrame that the reference codec decrypts with the marker
 * and payload type as metadata. */
GST_START_TEST (test_rtp_wire_format)
{
  for (gint suite = 1; suite <= 5; suite++) {
    GstHarness *h = enc_harness (suite, 0x123, RTP_CAPS);
    GstBuffer *in = make_rtp (200, 7, TRUE, 2, TRUE);
    GstBuffer *out;
    GstRTPBuffer ri = GST_RTP_BUFFER_INIT, ro = GST_RTP_BUFFER_INIT;
    guint8 key[16], meta[2] = { 1, 96 }, pt[256];
    GstE2eeSFrameCipher *c;
    GBytes *sf;
    gsize sflen, hl;
    const guint8 *sfd;
    guint64 kid, ctr;

    out = gst_harness_push_and_pull (h, gst_buffer_ref (in));
    fail_unless (out != NULL);
    fail_unless (gst_rtp_buffer_map (in, GST_MAP_READ, &ri));
    fail_unless (gst_rtp_buffer_map (out, GST_MAP_READ, &ro));
    hl = gst_rtp_buffer_get_header_len (&ri);
    fail_unless_equals_int (gst_rtp_buffer_get_header_len (&ro), hl);
    fail_unless_equals_int (gst_rtp_buffer_get_csrc_count (&ro), 2);
    fail_unless (gst_rtp_buffer_get_extension (&ro));
    fail_unless_equals_int (gst_rtp_buffer_get_seq (&ro), 7);
    gst_rtp_buffer_unmap (&ri);
    gst_rtp_buffer_unmap (&ro);
    {
      GstMapInfo mi;
      gst_buffer_map (in, &mi, GST_MAP_READ);
      fail_unless (
          gst_buffer_memcmp (out, 0, mi.data, hl) == 0, "RTP header changed");
      gst_buffer_unmap (in, &mi);
    }

    sf = rtp_payload (out);
    sfd = g_bytes_get_data (sf, &sflen);
    fail_unless (gst_e2ee_sframe_header_decode (sfd, sflen, &kid, &ctr) > 0);
    fail_unless_equals_uint64 (kid, 0x123);
    fail_unless_equals_uint64 (ctr, 0);
    fail_unless_equals_int (sflen,
        200 + gst_e2ee_sframe_header_len (0x123, 0) +
            gst_e2ee_sframe_suite_info (suite)->nt);
    hex_to_bytes (TEST_KEY_HEX, key, 16);
    c = gst_e2ee_sframe_cipher_new (
        suite, GST_E2EE_SFRAME_BACKEND_AUTO, 0x123, key, 16);
    fail_unless_equals_int (
        gst_e2ee_sframe_decrypt (c, sfd, sflen, meta, 2, pt, sizeof (pt)), 200);
    for (guint i = 0; i < 200; i++)
      fail_unless_equals_int (pt[i], (guint8)(i + 7));
    /* with other metadata (marker clear) it does not verify */
    meta[0] = 0;
    fail_unless (
        gst_e2ee_sframe_decrypt (c, sfd, sflen, meta, 2, pt, sizeof (pt)) < 0);
    gst_e2ee_sframe_cipher_free (c);
    g_bytes_unref (sf);

    /* timestamps pass through */
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), GST_BUFFER_PTS (in));
    fail_unless_equals_uint64 (GST_BUFFER_DTS (out), GST_BUFFER_DTS (in));
    fail_unless_equals_uint64 (
        GST_BUFFER_DURATION (out), GST_BUFFER_DURATION (in));
    gst_buffer_unref (in);
    gst_buffer_unref (out);
    gst_harness_teardown (h);
    rm_tree (counter_dir);
    g_mkdir (counter_dir, 0700);
  }
}

GST_END_TEST;

/* Counters increase by one per packet and never repeat. */
GST_START_TEST (test_counters_increase)
{
  GstHarness *h = enc_harness (5, 1, RTP_CAPS);

  for (guint i = 0; i < 300; i++) {
    GstBuffer *out =
        gst_harness_push_and_pull (h, make_rtp (10, i, FALSE, 0, FALSE));
    guint64 kid, ctr;
    sframe_kid_ctr (out, TRUE, &kid, &ctr);
    fail_unless_equals_uint64 (ctr, i);
    gst_buffer_unref (out);
  }
  fail_unless_equals_uint64 (stat_u64 (h->element, "packets"), 300);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Frame mode: any caps, output is one SFrame per buffer and the caps carry
 * the original caps. */
GST_START_TEST (test_frame_mode_caps)
{
  const gchar *in_caps =
      "video/x-h264,stream-format=byte-stream,"
      "alignment=au,width=(int)640,height=(int)480,framerate=(fraction)30/1,"
      "profile=(string)high";
  GstHarness *h = enc_harness (4, 9, in_caps);
  GstBuffer *in = gst_buffer_new_allocate (NULL, 1000, NULL);
  GstBuffer *out;
  GstCaps *caps, *orig = NULL, *want;
  guint64 kid, ctr;

  gst_buffer_memset (in, 0, 0x42, 1000);
  GST_BUFFER_FLAG_SET (in, GST_BUFFER_FLAG_DELTA_UNIT);
  GST_BUFFER_PTS (in) = 5 * GST_SECOND;
  out = gst_harness_push_and_pull (h, in);
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_structure_has_name (
      gst_caps_get_structure (caps, 0), "application/x-sframe"));
  fail_unless (gst_structure_get (gst_caps_get_structure (caps, 0),
      "original-caps", GST_TYPE_CAPS, &orig, NULL));
  want = gst_caps_from_string (in_caps);
  fail_unless (gst_caps_is_equal (orig, want));
  fail_unless_equals_int (
      gst_buffer_get_size (out), 1000 + gst_e2ee_sframe_header_len (9, 0) + 16);
  sframe_kid_ctr (out, FALSE, &kid, &ctr);
  fail_unless_equals_uint64 (kid, 9);
  fail_unless (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DELTA_UNIT));
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), 5 * GST_SECOND);
  /* nothing of the plaintext shows */
  {
    GstMapInfo m;
    guint same = 0;
    gst_buffer_map (out, &m, GST_MAP_READ);
    for (gsize i = 0; i < m.size; i++)
      same += m.data[i] == 0x42;
    gst_buffer_unmap (out, &m);
    fail_unless (same < 30, "%u plaintext bytes visible", same);
  }
  gst_caps_unref (want);
  gst_caps_unref (orig);
  gst_caps_unref (caps);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Round trips through e2eedec in both modes and every suite, and through
 * a buffer list. */
GST_START_TEST (test_roundtrip_all_suites)
{
  for (gint suite = 1; suite <= 5; suite++) {
    for (gint mode = 0; mode < 2; mode++) {
      gchar *desc =
          g_strdup_printf ("e2eeenc cipher-suite=%s key=%s kid=%d "
                           "counter-dir=%s ! e2eedec cipher-suite=%s key=%s",
              suite_nicks[suite], TEST_KEY_HEX, 40 + suite, counter_dir,
              suite_nicks[suite], TEST_KEY_HEX);
      GstHarness *h = gst_harness_new_parse (desc);
      GstBufferList *list = gst_buffer_list_new ();
      GstBuffer *ref[20];
      const gchar *caps = mode ? RTP_CAPS
                               : "audio/x-opus,channels=2,"
                                 "rate=48000,channel-mapping-family=0";

      gst_harness_set_src_caps_str (h, caps);
      for (guint i = 0; i < 20; i++) {
        if (mode) {
          ref[i] = make_rtp (i * 60, i, i % 3 == 0, i % 4, i % 2);
        } else {
          ref[i] = gst_buffer_new_allocate (NULL, i * 61, NULL);
          gst_buffer_memset (ref[i], 0, i, i * 61);
          GST_BUFFER_PTS (ref[i]) = i * GST_MSECOND;
        }
        if (i < 10) {
          fail_unless_equals_int (
              gst_harness_push (h, gst_buffer_ref (ref[i])), GST_FLOW_OK);
        } else {
          gst_buffer_list_add (list, gst_buffer_ref (ref[i]));
        }
      }
      fail_unless_equals_int (gst_pad_push_list (h->srcpad, list), GST_FLOW_OK);
      for (guint i = 0; i < 20; i++) {
        GstBuffer *out = gst_harness_pull (h);
        fail_unless (buffers_equal (out, ref[i]),
            "suite %d mode %d buffer %u differs", suite, mode, i);
        fail_unless_equals_uint64 (
            GST_BUFFER_PTS (out), GST_BUFFER_PTS (ref[i]));
        gst_buffer_unref (out);
        gst_buffer_unref (ref[i]);
      }
      {
        GstCaps *c = gst_pad_get_current_caps (h->sinkpad);
        GstCaps *w = gst_caps_from_string (caps);
        fail_unless (gst_caps_is_equal (c, w), "caps not restored");
        gst_caps_unref (c);
        gst_caps_unref (w);
      }
      gst_harness_teardown (h);
      g_free (desc);
    }
  }
}

GST_END_TEST;

/* Restarting with the same pre-shared key and KID continues after the last
 * reserved counter: no (key, nonce) is used twice. */
GST_START_TEST (test_restart_no_nonce_reuse)
{
  GHashTable *seen =
      g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  guint64 max_ctr = 0;

  for (guint run = 0; run < 3; run++) {
    GstHarness *h = enc_harness (5, 77, RTP_CAPS);
    for (guint i = 0; i < 5; i++) {
      GstBuffer *out =
          gst_harness_push_and_pull (h, make_rtp (20, i, FALSE, 0, FALSE));
      guint64 kid, ctr;
      sframe_kid_ctr (out, TRUE, &kid, &ctr);
      fail_if (g_hash_table_contains (seen, &ctr),
          "counter %" G_GUINT64_FORMAT " reused in run %u", ctr, run);
      g_hash_table_add (seen, g_memdup2 (&ctr, sizeof (ctr)));
      /* after a restart, counters continue above everything used */
      fail_unless (run == 0 || ctr > max_ctr);
      max_ctr = MAX (max_ctr, ctr);
      gst_buffer_unref (out);
    }
    /* a full PAUSED->READY->PLAYING cycle inside a run also continues */
    gst_element_set_state (h->element, GST_STATE_READY);
    gst_element_set_state (h->element, GST_STATE_PLAYING);
    gst_harness_set_src_caps_str (h, RTP_CAPS);
    {
      GstBuffer *out =
          gst_harness_push_and_pull (h, make_rtp (20, 9, FALSE, 0, FALSE));
      guint64 kid, ctr;
      sframe_kid_ctr (out, TRUE, &kid, &ctr);
      fail_unless (ctr > max_ctr);
      max_ctr = ctr;
      fail_if (g_hash_table_contains (seen, &ctr));
      g_hash_table_add (seen, g_memdup2 (&ctr, sizeof (ctr)));
      gst_buffer_unref (out);
    }
    gst_harness_teardown (h);
  }
  fail_unless_equals_int (g_hash_table_size (seen), 18);
  g_hash_table_unref (seen);
}

GST_END_TEST;

/* A second sender on the same key and KID is refused. */
GST_START_TEST (test_second_sender_refused)
{
  GstHarness *a = enc_harness (5, 3, RTP_CAPS);
  GstHarness *b = enc_harness (5, 3, RTP_CAPS);
  GstHarness *c = enc_harness (5, 4, RTP_CAPS);
  GstBuffer *out;

  out = gst_harness_push_and_pull (a, make_rtp (20, 1, FALSE, 0, FALSE));
  gst_buffer_unref (out);
  fail_unless_equals_int (
      gst_harness_push (b, make_rtp (20, 1, FALSE, 0, FALSE)), GST_FLOW_ERROR);
  fail_unless_equals_int (gst_harness_buffers_received (b), 0);
  /* another KID is fine */
  out = gst_harness_push_and_pull (c, make_rtp (20, 1, FALSE, 0, FALSE));
  gst_buffer_unref (out);
  gst_harness_teardown (a);
  gst_harness_teardown (b);
  gst_harness_teardown (c);
}

GST_END_TEST;

/* With the keyring: nothing goes out in clear before a send key exists;
 * then the keyring's send KID is used, and a switch takes effect at the
 * next buffer. */
GST_START_TEST (test_keyring_send_key)
{
  GstE2eeKeyring *kr = gst_e2ee_keyring_new ("m1");
  GstContext *ctx = gst_e2ee_context_new_keyring (kr, TRUE);
  GstElement *enc = gst_element_factory_make ("e2eeenc", NULL);
  GstHarness *h;
  guint8 k1[32], k2[32];
  GstBuffer *out;
  guint64 kid, ctr;

  gst_element_set_context (enc, ctx);
  h = gst_harness_new_with_element (enc, "sink", "src");
  gst_object_unref (enc);
  gst_harness_set_src_caps_str (h, RTP_CAPS);

  for (guint i = 0; i < 5; i++)
    fail_unless_equals_int (
        gst_harness_push (h, make_rtp (20, i, FALSE, 0, FALSE)), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  fail_unless_equals_uint64 (stat_u64 (h->element, "dropped-no-key"), 5);

  memset (k1, 1, sizeof (k1));
  memset (k2, 2, sizeof (k2));
  fail_unless (gst_e2ee_keyring_add_key (
      kr, 100, k1, 32, GST_E2EE_KEY_SEND, "me", NULL));
  /* a send key that is not selected is not used */
  fail_unless_equals_int (
      gst_harness_push (h, make_rtp (20, 5, FALSE, 0, FALSE)), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  fail_unless (gst_e2ee_keyring_set_send_kid (kr, 100, NULL));
  out = gst_harness_push_and_pull (h, make_rtp (20, 6, FALSE, 0, FALSE));
  sframe_kid_ctr (out, TRUE, &kid, &ctr);
  fail_unless_equals_uint64 (kid, 100);
  fail_unless_equals_uint64 (ctr, 0);
  gst_buffer_unref (out);

  fail_unless (gst_e2ee_keyring_add_key (
      kr, 101, k2, 32, GST_E2EE_KEY_SEND, "me", NULL));
  fail_unless (gst_e2ee_keyring_set_send_kid (kr, 101, NULL));
  out = gst_harness_push_and_pull (h, make_rtp (20, 7, FALSE, 0, FALSE));
  sframe_kid_ctr (out, TRUE, &kid, &ctr);
  fail_unless_equals_uint64 (kid, 101);
  gst_buffer_unref (out);

  /* retiring the send key stops sending (no fallback to clear) */
  fail_unless (gst_e2ee_keyring_retire_key (kr, 101, GST_SECOND));
  fail_unless_equals_int (
      gst_harness_push (h, make_rtp (20, 8, FALSE, 0, FALSE)), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (h), 2);
  fail_unless_equals_uint64 (stat_u64 (h->element, "dropped-no-key"), 7);

  gst_harness_teardown (h);
  gst_context_unref (ctx);
  gst_object_unref (kr);
}

GST_END_TEST;

/* Two encoders sending with one keyring key share its counter. */
GST_START_TEST (test_keyring_shared_counter)
{
  GstE2eeKeyring *kr = gst_e2ee_keyring_new ("m2");
  GstContext *ctx = gst_e2ee_context_new_keyring (kr, TRUE);
  GstHarness *h[2];
  GHashTable *seen =
      g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  guint8 k[16] = { 7 };

  fail_unless (
      gst_e2ee_keyring_add_key (kr, 5, k, 16, GST_E2EE_KEY_SEND, NULL, NULL));
  fail_unless (gst_e2ee_keyring_set_send_kid (kr, 5, NULL));
  for (guint i = 0; i < 2; i++) {
    GstElement *enc = gst_element_factory_make ("e2eeenc", NULL);
    gst_element_set_context (enc, ctx);
    h[i] = gst_harness_new_with_element (enc, "sink", "src");
    gst_object_unref (enc);
    gst_harness_set_src_caps_str (h[i], i ? RTP_CAPS : "audio/x-raw");
  }
  for (guint i = 0; i < 40; i++) {
    GstBuffer *in = i % 2 ? make_rtp (30, i, FALSE, 0, FALSE)
                          : gst_buffer_new_allocate (NULL, 30, NULL);
    GstBuffer *out = gst_harness_push_and_pull (h[i % 2], in);
    guint64 kid, ctr;
    sframe_kid_ctr (out, i % 2, &kid, &ctr);
    fail_if (g_hash_table_contains (seen, &ctr));
    g_hash_table_add (seen, g_memdup2 (&ctr, sizeof (ctr)));
    gst_buffer_unref (out);
  }
  fail_unless_equals_int (g_hash_table_size (seen), 40);
  g_hash_table_unref (seen);
  gst_harness_teardown (h[0]);
  gst_harness_teardown (h[1]);
  gst_context_unref (ctx);
  gst_object_unref (kr);
}

GST_END_TEST;

GST_START_TEST (test_properties)
{
  GstElement *enc = gst_element_factory_make ("e2eeenc", NULL);
  GParamSpec *key =
      g_object_class_find_property (G_OBJECT_GET_CLASS (enc), "key");
  gint suite;
  guint fields;

  fail_unless (key != NULL);
  fail_if (key->flags & G_PARAM_READABLE, "the key must not be readable");
  g_object_get (enc, "cipher-suite", &suite, "rtp-auth-fields", &fields, NULL);
  fail_unless_equals_int (suite, 5);
  fail_unless_equals_int (fields, 3);
  gst_object_unref (enc);
}

GST_END_TEST;

static void
expect_no_start (const gchar *desc)
{
  GstElement *p = gst_parse_launch (desc, NULL);
  GstBus *bus = gst_element_get_bus (p);
  GstMessage *m;

  fail_unless (p != NULL);
  fail_unless_equals_int (
      gst_element_set_state (p, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  m = gst_bus_timed_pop_filtered (bus, 5 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (m != NULL, "no error message for %s", desc);
  gst_message_unref (m);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (p);
}

/* Bad settings are refused with an error before data flows. */
GST_START_TEST (test_bad_settings)
{
  expect_no_start ("fakesrc ! e2eeenc key=0011 ! fakesink");
  expect_no_start ("fakesrc ! e2eeenc key=zz0102030405060708090a0b0c0d0e0f "
                   "! fakesink");
  expect_no_start ("fakesrc ! e2eeenc ! fakesink");
  expect_no_start ("fakesrc ! e2eedec key=0011 ! fakesink");
  expect_no_start ("fakesrc ! e2eedec ! fakesink");
}

GST_END_TEST;

/* Changing the key while playing switches at the next buffer. */
GST_START_TEST (test_key_change_playing)
{
  GstHarness *h = enc_harness (5, 1, RTP_CAPS);
  GstBuffer *a, *b;
  guint64 kid, ctr;

  a = gst_harness_push_and_pull (h, make_rtp (20, 1, FALSE, 0, FALSE));
  g_object_set (h->element, "key", TEST_KEY2_HEX, "kid", (guint64)2, NULL);
  b = gst_harness_push_and_pull (h, make_rtp (20, 1, FALSE, 0, FALSE));
  sframe_kid_ctr (b, TRUE, &kid, &ctr);
  fail_unless_equals_uint64 (kid, 2);
  fail_unless_equals_uint64 (ctr, 0);
  fail_if (buffers_equal (a, b));
  gst_buffer_unref (a);
  gst_buffer_unref (b);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The output caps carry the mark and the suite, for every suite: RTP
 * keeps its fields and gains encryption=sframe and sframe-suite; frames
 * become application/x-sframe with the suite. */
GST_START_TEST (test_caps_mark_all_suites)
{
  for (gint suite = 1; suite <= 5; suite++) {
    GstHarness *h = enc_harness (suite, 3, RTP_CAPS);
    GstBuffer *out;
    GstCaps *caps, *want;
    gchar *want_str;

    out = gst_harness_push_and_pull (h, make_rtp (40, 1, FALSE, 0, FALSE));
    gst_buffer_unref (out);
    caps = gst_pad_get_current_caps (h->sinkpad);
    want_str =
        g_strdup_printf ("%s,encryption=(string)sframe,sframe-suite=(string)%s",
            RTP_CAPS, suite_nicks[suite]);
    want = gst_caps_from_string (want_str);
    fail_unless (gst_caps_is_equal (caps, want), "suite %d: %" GST_PTR_FORMAT,
        suite, caps);
    gst_caps_unref (caps);
    gst_caps_unref (want);
    g_free (want_str);
    gst_harness_teardown (h);

    h = enc_harness (suite, 3, "audio/x-opus,channels=(int)1");
    out =
        gst_harness_push_and_pull (h, gst_buffer_new_allocate (NULL, 50, NULL));
    gst_buffer_unref (out);
    caps = gst_pad_get_current_caps (h->sinkpad);
    fail_unless (gst_structure_has_name (
        gst_caps_get_structure (caps, 0), "application/x-sframe"));
    fail_unless_equals_string (
        gst_structure_get_string (
            gst_caps_get_structure (caps, 0), "sframe-suite"),
        suite_nicks[suite]);
    gst_caps_unref (caps);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* The suite named by the caps in force when a buffer arrives. */
static GstPadProbeReturn
record_suite (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GPtrArray *suites = user_data;
  GstCaps *caps = gst_pad_get_current_caps (pad);

  g_ptr_array_add (suites,
      g_strdup (caps ? gst_structure_get_string (
                           gst_caps_get_structure (caps, 0), "sframe-suite")
                     : NULL));
  gst_clear_caps (&caps);
  return GST_PAD_PROBE_OK;
}

/* cipher-suite changed while playing: new caps name the new suite before
 * the first buffer encrypted with it, which e2eedec then decrypts with no
 * suite set. */
GST_START_TEST (test_caps_follow_suite_change)
{
  GstHarness *h = enc_harness (5, 3, RTP_CAPS);
  GstElement *dec = gst_element_factory_make ("e2eedec", NULL);
  GPtrArray *suites = g_ptr_array_new_with_free_func (g_free);
  GstHarness *hd;
  GstBuffer *out, *plain, *want;

  gst_pad_add_probe (
      h->sinkpad, GST_PAD_PROBE_TYPE_BUFFER, record_suite, suites, NULL);
  out = gst_harness_push_and_pull (h, make_rtp (40, 1, FALSE, 0, FALSE));
  gst_buffer_unref (out);
  gst_util_set_object_arg (
      G_OBJECT (h->element), "cipher-suite", suite_nicks[2]);
  out = gst_harness_push_and_pull (h, make_rtp (40, 2, FALSE, 0, FALSE));
  fail_unless_equals_int (suites->len, 2);
  fail_unless_equals_string (suites->pdata[0], suite_nicks[5]);
  fail_unless_equals_string (suites->pdata[1], suite_nicks[2]);

  g_object_set (dec, "key", TEST_KEY_HEX, NULL);
  hd = gst_harness_new_with_element (dec, "sink", "src");
  gst_object_unref (dec);
  gst_harness_set_src_caps (hd, gst_pad_get_current_caps (h->sinkpad));
  plain = gst_harness_push_and_pull (hd, out);
  want = make_rtp (40, 2, FALSE, 0, FALSE);
  fail_unless (buffers_equal (plain, want));
  gst_buffer_unref (want);
  gst_buffer_unref (plain);
  gst_harness_teardown (hd);
  gst_harness_teardown (h);
  g_ptr_array_unref (suites);
}

GST_END_TEST;

static Suite *
e2eeenc_suite (void)
{
  Suite *s = suite_create ("e2eeenc");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_rtp_wire_format);
  tcase_add_test (tc, test_counters_increase);
  tcase_add_test (tc, test_frame_mode_caps);
  tcase_add_test (tc, test_roundtrip_all_suites);
  tcase_add_test (tc, test_restart_no_nonce_reuse);
  tcase_add_test (tc, test_second_sender_refused);
  tcase_add_test (tc, test_keyring_send_key);
  tcase_add_test (tc, test_keyring_shared_counter);
  tcase_add_test (tc, test_properties);
  tcase_add_test (tc, test_bad_settings);
  tcase_add_test (tc, test_key_change_playing);
  tcase_add_test (tc, test_caps_mark_all_suites);
  tcase_add_test (tc, test_caps_follow_suite_change);
  return s;
}

GST_CHECK_MAIN (e2eeenc);
