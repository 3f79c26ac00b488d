/* Unit tests of e2eedec: the cipher suite (caps, property, renegotiation)
 * and the failure WARNINGs.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "e2eedec-common.h"

/* caps of RTP_CAPS marked as e2eeenc marks them */
static gchar *
marked_rtp_caps (const gchar *suite_field)
{
  return g_strdup_printf (
      "%s,encryption=(string)sframe,sframe-suite=%s", RTP_CAPS, suite_field);
}

/* e2eedec with a key and no cipher-suite set */
static GstHarness *
dec_harness_caps (const gchar *caps)
{
  GstElement *dec = gst_element_factory_make ("e2eedec", NULL);
  GstHarness *h;

  g_object_set (dec, "key", TEST_KEY_HEX, NULL);
  h = gst_harness_new_with_element (dec, "sink", "src");
  gst_object_unref (dec);
  gst_harness_set_src_caps_str (h, caps);
  return h;
}

/* The next WARNING on the bus (others skipped), or NULL. */
static GstMessage *
pop_warning (GstBus *bus)
{
  return gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
}

static gchar *
warning_text (GstMessage *m)
{
  GError *err = NULL;
  gchar *dbg = NULL, *text;

  gst_message_parse_warning (m, &err, &dbg);
  text = g_strdup (err->message);
  g_error_free (err);
  g_free (dbg);
  return text;
}

/* Without any cipher-suite set, the suite comes from the caps, in both
 * modes and for every suite; the output caps lose the mark. */
GST_START_TEST (test_suite_from_caps)
{
  for (gint suite = 1; suite <= 5; suite++) {
    gchar *caps = marked_rtp_caps (suite_nicks[suite]);
    GstHarness *h = dec_harness_caps (caps);
    GstBus *bus = attach_bus (h);
    GstCaps *got, *want;

    for (guint16 i = 0; i < 5; i++) {
      GstBuffer *out = gst_harness_push_and_pull (
          h, sframe_rtp (suite, TEST_KEY_HEX, 3, i, i));
      check_plain (out, i);
      gst_buffer_unref (out);
    }
    fail_unless_equals_uint64 (stat_u64 (h->element, "packets"), 5);
    fail_unless_equals_uint64 (stat_u64 (h->element, "auth-failures"), 0);
    got = gst_pad_get_current_caps (h->sinkpad);
    want = gst_caps_from_string (RTP_CAPS);
    fail_unless (gst_caps_is_equal (got, want), "suite %d: %" GST_PTR_FORMAT,
        suite, got);
    fail_unless (pop_warning (bus) == NULL);
    gst_caps_unref (got);
    gst_caps_unref (want);
    gst_harness_teardown (h);
    release_bus (bus);
    g_free (caps);
  }

  /* frame mode: the suite rides in application/x-sframe */
  for (gint suite = 1; suite <= 5; suite++) {
    const gchar *orig = "audio/x-opus,channels=(int)2,rate=(int)48000";
    gchar *caps =
        g_strdup_printf ("application/x-sframe,original-caps=(GstCaps)\"%s\","
                         "sframe-suite=(string)%s",
            orig, suite_nicks[suite]);
    GstHarness *h = dec_harness_caps (caps);
    guint8 key[16], pt[64], sf[64 + GST_E2EE_SFRAME_HEADER_MAX + 16];
    GstE2eeSFrameCipher *c;
    GstBuffer *out;
    GstMapInfo m;
    GstCaps *got, *want;
    gssize n;

    hex_to_bytes (TEST_KEY_HEX, key, 16);
    memset (pt, 0x33 + suite, sizeof (pt));
    c = gst_e2ee_sframe_cipher_new (
        suite, GST_E2EE_SFRAME_BACKEND_AUTO, 8, key, 16);
    n = gst_e2ee_sframe_cipher_encrypt (
        c, 0, NULL, 0, pt, sizeof (pt), sf, sizeof (sf));
    fail_unless (n > 0);
    gst_e2ee_sframe_cipher_free (c);
    out = gst_harness_push_and_pull (h, gst_buffer_new_memdup (sf, n));
    fail_unless (out != NULL);
    gst_buffer_map (out, &m, GST_MAP_READ);
    fail_unless_equals_int (m.size, sizeof (pt));
    fail_unless (memcmp (m.data, pt, sizeof (pt)) == 0);
    gst_buffer_unmap (out, &m);
    gst_buffer_unref (out);
    got = gst_pad_get_current_caps (h->sinkpad);
    want = gst_caps_from_string (orig);
    fail_unless (gst_caps_is_equal (got, want), "got %" GST_PTR_FORMAT, got);
    gst_caps_unref (got);
    gst_caps_unref (want);
    gst_harness_teardown (h);
    g_free (caps);
  }
}

GST_END_TEST;

/* New caps with another suite switch the suite; caps without one fall
 * back to the default (aes-256-gcm-sha512-128). */
GST_START_TEST (test_suite_renegotiated)
{
  gchar *caps1 = marked_rtp_caps (suite_nicks[1]);
  GstHarness *h = dec_harness_caps (caps1);
  GstBuffer *out;

  out = gst_harness_push_and_pull (h, sframe_rtp (1, TEST_KEY_HEX, 3, 0, 0));
  check_plain (out, 0);
  gst_buffer_unref (out);
  gst_harness_set_src_caps_str (h, RTP_CAPS);
  gst_harness_push (h, sframe_rtp (1, TEST_KEY_HEX, 3, 1, 1));
  fail_unless_equals_int (gst_harness_buffers_received (h), 1);
  out = gst_harness_push_and_pull (h, sframe_rtp (5, TEST_KEY_HEX, 3, 2, 2));
  check_plain (out, 2);
  gst_buffer_unref (out);
  fail_unless_equals_uint64 (stat_u64 (h->element, "auth-failures"), 1);
  gst_harness_teardown (h);
  g_free (caps1);
}

GST_END_TEST;

/* Caps that name another suite than the sender's (a relay rewrote the
 * announcement, say to the 32-bit-tag suite): the suite is part of the key
 * schedule, so every real packet fails authentication; nothing passes. */
GST_START_TEST (test_suite_rewritten)
{
  gchar *caps = marked_rtp_caps (suite_nicks[3]);
  GstHarness *h = dec_harness_caps (caps);

  for (guint16 i = 0; i < 20; i++)
    gst_harness_push (h, sframe_rtp (5, TEST_KEY_HEX, 3, i, i));
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  fail_unless_equals_uint64 (stat_u64 (h->element, "auth-failures"), 20);
  gst_harness_teardown (h);
  g_free (caps);
}

GST_END_TEST;

/* Caps come from the network in a meeting: caps that switch the suite
 * away and back (to another suite, to none, to one that cannot be
 * decrypted) must not reset the replay windows, or the old frames of the
 * first suite would be accepted again.  Each suite has windows of its
 * own (a sender's counters are per key, KID and suite). */
GST_START_TEST (test_suite_flip_keeps_replay_window)
{
  gchar *caps1 = marked_rtp_caps (suite_nicks[1]);
  gchar *caps3 = marked_rtp_caps (suite_nicks[3]);
  gchar *bogus = marked_rtp_caps ("(string)aes-512-imaginary");
  GstHarness *h = dec_harness_caps (caps1);
  GstBus *bus = attach_bus (h);
  GstBuffer *old1[2], *old3, *out;

  for (guint16 i = 0; i < 2; i++) {
    old1[i] = sframe_rtp (1, TEST_KEY_HEX, 3, i, i);
    out = gst_harness_push_and_pull (h, gst_buffer_copy_deep (old1[i]));
    check_plain (out, i);
    gst_buffer_unref (out);
  }
  /* suite 3, same KID, its counters from 0 */
  gst_harness_set_src_caps_str (h, caps3);
  old3 = sframe_rtp (3, TEST_KEY_HEX, 3, 0, 0);
  out = gst_harness_push_and_pull (h, gst_buffer_copy_deep (old3));
  check_plain (out, 0);
  gst_buffer_unref (out);
  /* no suite (the default), a suite nobody knows, then suite 1 again */
  gst_harness_set_src_caps_str (h, RTP_CAPS);
  gst_harness_set_src_caps_str (h, bogus);
  gst_harness_set_src_caps_str (h, caps1);
  for (guint16 i = 0; i < 2; i++)
    gst_harness_push (h, gst_buffer_copy_deep (old1[i]));
  fail_unless_equals_int (gst_harness_buffers_received (h), 3);
  fail_unless_equals_uint64 (stat_u64 (h->element, "replays"), 2);
  out = gst_harness_push_and_pull (h, sframe_rtp (1, TEST_KEY_HEX, 3, 2, 2));
  check_plain (out, 2);
  gst_buffer_unref (out);
  /* and suite 3's window is where it was */
  gst_harness_set_src_caps_str (h, caps3);
  gst_harness_push (h, old3);
  fail_unless_equals_int (gst_harness_buffers_received (h), 4);
  fail_unless_equals_uint64 (stat_u64 (h->element, "replays"), 3);
  out = gst_harness_push_and_pull (h, sframe_rtp (3, TEST_KEY_HEX, 3, 1, 1));
  check_plain (out, 1);
  gst_buffer_unref (out);
  fail_unless_equals_uint64 (stat_u64 (h->element, "auth-failures"), 0);
  gst_buffer_unref (old1[0]);
  gst_buffer_unref (old1[1]);
  gst_harness_teardown (h);
  release_bus (bus);
  g_free (caps1);
  g_free (caps3);
  g_free (bogus);
}

GST_END_TEST;

/* A cipher-suite that was set overrides the caps, and says so. */
GST_START_TEST (test_suite_property_overrides)
{
  gchar *caps = marked_rtp_caps (suite_nicks[1]);
  GstHarness *h;
  GstBus *bus;
  GstMessage *m;
  gchar *text;
  GstBuffer *out;

  h = dec_harness (5, TEST_KEY_HEX);
  bus = attach_bus (h);
  gst_harness_set_src_caps_str (h, caps);
  m = pop_warning (bus);
  fail_unless (m != NULL, "no warning about the override");
  text = warning_text (m);
  fail_unless (strstr (text, "aes-256-gcm-sha512-128") &&
          strstr (text, "aes-128-ctr-hmac-sha256-80"),
      "%s", text);
  g_free (text);
  gst_message_unref (m);
  out = gst_harness_push_and_pull (h, sframe_rtp (5, TEST_KEY_HEX, 3, 0, 0));
  check_plain (out, 0);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  release_bus (bus);
  g_free (caps);

  /* an unknown suite in the caps: the property is used, with a warning */
  caps = marked_rtp_caps ("aes-512-imaginary");
  h = dec_harness (2, TEST_KEY_HEX);
  bus = attach_bus (h);
  gst_harness_set_src_caps_str (h, caps);
  m = pop_warning (bus);
  fail_unless (m != NULL);
  text = warning_text (m);
  fail_unless (strstr (text, "aes-512-imaginary") != NULL, "%s", text);
  g_free (text);
  gst_message_unref (m);
  out = gst_harness_push_and_pull (h, sframe_rtp (2, TEST_KEY_HEX, 3, 0, 0));
  check_plain (out, 0);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  release_bus (bus);
  g_free (caps);
}

GST_END_TEST;

/* A stream whose suite this receiver cannot decrypt (unknown name, not a
 * string, not SFrame at all) gets a WARNING naming it, and every buffer
 * is dropped: nothing reaches downstream. */
GST_START_TEST (test_unsupported_suite)
{
  const struct
  {
    const gchar *caps;
    const gchar *named;
  } cases[] = {
    { RTP_CAPS ",encryption=(string)sframe,"
               "sframe-suite=(string)aes-512-imaginary",
        "aes-512-imaginary" },
    { RTP_CAPS ",sframe-suite=(int)5", "5" },
    { RTP_CAPS ",encryption=(string)srtp", "srtp" },
    { "application/x-sframe,original-caps=(GstCaps)\"audio/x-opus\","
      "sframe-suite=(string)chacha20-poly1305",
        "chacha20-poly1305" },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++) {
    GstHarness *h = dec_harness_caps (RTP_CAPS);
    GstBus *bus = attach_bus (h);
    GstBufferList *list = gst_buffer_list_new ();
    GstMessage *m;
    gchar *text;

    gst_harness_set_src_caps_str (h, cases[c].caps);
    m = pop_warning (bus);
    fail_unless (m != NULL, "case %u: no warning", c);
    text = warning_text (m);
    fail_unless (strstr (text, cases[c].named) != NULL &&
            strstr (text, "Cannot decrypt") != NULL,
        "case %u: %s", c, text);
    g_free (text);
    gst_message_unref (m);
    /* valid SFrames of the default suite are dropped too */
    for (guint16 i = 0; i < 4; i++)
      fail_unless_equals_int (
          gst_harness_push (h, sframe_rtp (5, TEST_KEY_HEX, 3, i, i)),
          GST_FLOW_OK);
    gst_buffer_list_add (list, sframe_rtp (5, TEST_KEY_HEX, 3, 9, 9));
    fail_unless_equals_int (gst_pad_push_list (h->srcpad, list), GST_FLOW_OK);
    fail_unless_equals_int (gst_harness_buffers_received (h), 0);
    fail_unless_equals_uint64 (stat_u64 (h->element, "packets"), 0);
    /* caps it can decrypt: it works again */
    if (c == 0) {
      GstBuffer *out;
      gst_harness_set_src_caps_str (h, RTP_CAPS);
      out = gst_harness_push_and_pull (
          h, sframe_rtp (5, TEST_KEY_HEX, 3, 10, 10));
      check_plain (out, 10);
      gst_buffer_unref (out);
    }
    gst_harness_teardown (h);
    release_bus (bus);
  }
}

GST_END_TEST;

/* e2ee-drop messages seen by pop_warnings() */
static guint drop_messages;

/* The WARNING (or INFO) messages on the bus, each checked for its error
 * and text; their count.  Counts the e2ee-drop messages on the way. */
static guint
pop_warnings (GstBus *bus, GstMessageType type, GQuark domain, gint code,
    const gchar *want, gchar **last)
{
  GstMessage *m;
  guint n = 0;

  while ((m = gst_bus_pop (bus))) {
    GError *err = NULL;
    gchar *dbg = NULL;
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT &&
        gst_structure_has_name (gst_message_get_structure (m), "e2ee-drop"))
      drop_messages++;
    if (GST_MESSAGE_TYPE (m) != type) {
      gst_message_unref (m);
      continue;
    }
    if (type == GST_MESSAGE_WARNING)
      gst_message_parse_warning (m, &err, &dbg);
    else
      gst_message_parse_info (m, &err, &dbg);
    fail_unless (g_error_matches (err, domain, code), "%s", err->message);
    if (want)
      fail_unless (
          strstr (err->message, want), "'%s' lacks '%s'", err->message, want);
    if (last) {
      g_free (*last);
      *last = g_strdup (err->message);
    }
    g_error_free (err);
    g_free (dbg);
    gst_message_unref (m);
    n++;
  }
  return n;
}

/* Only failed decryptions for failure-warning-timeout (on the element's
 * clock): one WARNING naming the reason; it is not repeated while the
 * failures go on; an INFO once a frame decrypts; a new run warns again. */
GST_START_TEST (test_failure_warning)
{
  GstHarness *h = dec_harness (5, TEST_KEY_HEX);
  GstBus *bus = attach_bus (h);
  GstBuffer *out;
  gchar *msg = NULL;
  guint16 seq = 0;

  drop_messages = 0;
  g_object_set (h->element, "failure-warning-timeout", 1000, NULL);
  /* wrong key, for 999 ms: nothing yet */
  for (guint i = 0; i < 4; i++) {
    gst_harness_push (h, sframe_rtp (5, TEST_KEY2_HEX, 3, seq, seq));
    seq++;
    advance_clock (h, 333 * GST_MSECOND);
  }
  fail_unless_equals_int (
      pop_warnings (bus, GST_MESSAGE_WARNING, GST_STREAM_ERROR,
          GST_STREAM_ERROR_DECRYPT, NULL, NULL),
      0);
  /* at 1332 ms the fifth failure warns, once */
  gst_harness_push (h, sframe_rtp (5, TEST_KEY2_HEX, 3, seq, seq));
  seq++;
  fail_unless_equals_int (
      pop_warnings (bus, GST_MESSAGE_WARNING, GST_STREAM_ERROR,
          GST_STREAM_ERROR_DECRYPT, "auth-failed", &msg),
      1);
  fail_unless (strstr (msg, "5 frames dropped in 1332 ms"), "%s", msg);
  fail_unless (strstr (msg, "KID 3"), "%s", msg);
  fail_unless (strstr (msg, "wrong key"), "%s", msg);
  for (guint i = 0; i < 5; i++) {
    advance_clock (h, 500 * GST_MSECOND);
    gst_harness_push (h, sframe_rtp (5, TEST_KEY2_HEX, 3, seq, seq));
    seq++;
  }
  fail_unless_equals_int (
      pop_warnings (bus, GST_MESSAGE_WARNING, GST_STREAM_ERROR,
          GST_STREAM_ERROR_DECRYPT, NULL, NULL),
      0);
  fail_unless_equals_int (pop_warnings (bus, GST_MESSAGE_INFO, GST_STREAM_ERROR,
                              GST_STREAM_ERROR_DECRYPT, NULL, NULL),
      0);
  /* the right key again: recovered */
  out =
      gst_harness_push_and_pull (h, sframe_rtp (5, TEST_KEY_HEX, 3, seq, seq));
  check_plain (out, seq);
  gst_buffer_unref (out);
  seq++;
  fail_unless_equals_int (
      pop_warnings (bus, GST_MESSAGE_INFO, GST_STREAM_ERROR,
          GST_STREAM_ERROR_DECRYPT, "Decrypting again after 10 dropped", NULL),
      1);
  /* the per-sender drop reports went on as before */
  fail_unless (drop_messages >= 1);
  /* a decrypting stream with an odd failure never warns */
  for (guint i = 0; i < 6; i++) {
    advance_clock (h, 400 * GST_MSECOND);
    if (i % 2)
      gst_harness_push (h, sframe_rtp (5, TEST_KEY2_HEX, 3, seq, seq));
    else
      gst_buffer_unref (gst_harness_push_and_pull (
          h, sframe_rtp (5, TEST_KEY_HEX, 3, seq, seq)));
    seq++;
  }
  fail_unless_equals_int (
      pop_warnings (bus, GST_MESSAGE_WARNING, GST_STREAM_ERROR,
          GST_STREAM_ERROR_DECRYPT, NULL, NULL),
      0);
  g_free (msg);
  gst_harness_teardown (h);
  release_bus (bus);
}

GST_END_TEST;

/* An unknown KID (pre-shared key restricted to another KID) warns with
 * DECRYPT_NOKEY; a stream that ends having decrypted nothing warns at EOS
 * however short it was; one that decrypted does not. */
GST_START_TEST (test_failure_warning_unknown_kid_and_eos)
{
  GstHarness *h = dec_harness (5, TEST_KEY_HEX);
  GstBus *bus = attach_bus (h);
  gchar *msg = NULL;

  g_object_set (
      h->element, "kid", (guint64)1, "failure-warning-timeout", 0, NULL);
  gst_harness_push (h, sframe_rtp (5, TEST_KEY_HEX, 2, 0, 0));
  fail_unless_equals_int (
      pop_warnings (bus, GST_MESSAGE_WARNING, GST_STREAM_ERROR,
          GST_STREAM_ERROR_DECRYPT_NOKEY, "unknown-kid", &msg),
      1);
  fail_unless (strstr (msg, "KID 2"), "%s", msg);
  g_free (msg);
  gst_harness_teardown (h);
  release_bus (bus);

  /* EOS after three failures in no time */
  h = dec_harness (5, TEST_KEY2_HEX);
  bus = attach_bus (h);
  for (guint16 i = 0; i < 3; i++)
    gst_harness_push (h, sframe_rtp (5, TEST_KEY_HEX, 3, i, i));
  fail_unless_equals_int (
      pop_warnings (bus, GST_MESSAGE_WARNING, GST_STREAM_ERROR,
          GST_STREAM_ERROR_DECRYPT, NULL, NULL),
      0);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_int (
      pop_warnings (bus, GST_MESSAGE_WARNING, GST_STREAM_ERROR,
          GST_STREAM_ERROR_DECRYPT, "3 frames dropped", NULL),
      1);
  gst_harness_teardown (h);
  release_bus (bus);

  /* EOS after some frames decrypted and a few failed: no WARNING */
  h = dec_harness (5, TEST_KEY_HEX);
  bus = attach_bus (h);
  gst_buffer_unref (
      gst_harness_push_and_pull (h, sframe_rtp (5, TEST_KEY_HEX, 3, 0, 0)));
  gst_harness_push (h, sframe_rtp (5, TEST_KEY2_HEX, 3, 1, 1));
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_int (
      pop_warnings (bus, GST_MESSAGE_WARNING, GST_STREAM_ERROR,
          GST_STREAM_ERROR_DECRYPT, NULL, NULL),
      0);
  gst_harness_teardown (h);
  release_bus (bus);
}

GST_END_TEST;

static Suite *
e2eedec_suites_suite (void)
{
  Suite *s = suite_create ("e2eedec-suites");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_suite_from_caps);
  tcase_add_test (tc, test_suite_renegotiated);
  tcase_add_test (tc, test_suite_rewritten);
  tcase_add_test (tc, test_suite_flip_keeps_replay_window);
  tcase_add_test (tc, test_suite_property_overrides);
  tcase_add_test (tc, test_unsupported_suite);
  tcase_add_test (tc, test_failure_warning);
  tcase_add_test (tc, test_failure_warning_unknown_kid_and_eos);
  return s;
}

GST_CHECK_MAIN (e2eedec_suites);
