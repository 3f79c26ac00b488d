/* Helpers shared by the e2eedec test programs.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __E2EEDEC_COMMON_H__
#define __E2EEDEC_COMMON_H__

#include "../e2eetest.h"

#define PAYLOAD_LEN 100

/* An RTP packet whose payload is the SFrame of make_rtp()'s payload, made
 * with the reference codec (metadata: marker, payload type). */
static inline GstBuffer *
sframe_rtp (
    gint suite, const gchar *key_hex, guint64 kid, guint64 ctr, guint16 seq)
{
  GstBuffer *plain = make_rtp (PAYLOAD_LEN, seq, seq % 2, 0, FALSE);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  guint8 key[16], meta[2], sf[PAYLOAD_LEN + GST_E2EE_SFRAME_HEADER_MAX + 16];
  GstE2eeSFrameCipher *c;
  gssize n;
  GstBuffer *out;
  gsize hl;

  hex_to_bytes (key_hex, key, 16);
  c = gst_e2ee_sframe_cipher_new (
      suite, GST_E2EE_SFRAME_BACKEND_AUTO, kid, key, 16);
  fail_unless (gst_rtp_buffer_map (plain, GST_MAP_READ, &rtp));
  meta[0] = gst_rtp_buffer_get_marker (&rtp);
  meta[1] = gst_rtp_buffer_get_payload_type (&rtp);
  n = gst_e2ee_sframe_cipher_encrypt (c, ctr, meta, 2,
      gst_rtp_buffer_get_payload (&rtp), PAYLOAD_LEN, sf, sizeof (sf));
  hl = gst_rtp_buffer_get_header_len (&rtp);
  gst_rtp_buffer_unmap (&rtp);
  fail_unless (n > 0);
  out = gst_buffer_new_allocate (NULL, hl + n, NULL);
  gst_buffer_copy_into (out, plain, GST_BUFFER_COPY_TIMESTAMPS, 0, -1);
  {
    GstMapInfo m;
    gst_buffer_map (out, &m, GST_MAP_WRITE);
    gst_buffer_extract (plain, 0, m.data, hl);
    memcpy (m.data + hl, sf, n);
    gst_buffer_unmap (out, &m);
  }
  gst_buffer_unref (plain);
  gst_e2ee_sframe_cipher_free (c);
  return out;
}

static inline GstHarness *
dec_harness (gint suite, const gchar *key_hex)
{
  GstElement *dec = gst_element_factory_make ("e2eedec", NULL);
  GstHarness *h;

  gst_util_set_object_arg (G_OBJECT (dec), "cipher-suite", suite_nicks[suite]);
  if (key_hex)
    g_object_set (dec, "key", key_hex, NULL);
  h = gst_harness_new_with_element (dec, "sink", "src");
  gst_object_unref (dec);
  gst_harness_set_src_caps_str (h, RTP_CAPS);
  return h;
}

static inline void
check_plain (GstBuffer *out, guint16 seq)
{
  GstBuffer *want = make_rtp (PAYLOAD_LEN, seq, seq % 2, 0, FALSE);
  fail_unless (buffers_equal (out, want), "decrypted packet %u differs", seq);
  gst_buffer_unref (want);
}

/* A bus on the element lets the test read its messages. */
static inline GstBus *
attach_bus (GstHarness *h)
{
  GstBus *bus = gst_bus_new ();
  gst_element_set_bus (h->element, bus);
  return bus;
}

/* Moves the harness's test clock (the element's clock) forward. */
static inline void
advance_clock (GstHarness *h, GstClockTime d)
{
  GstTestClock *clock = gst_harness_get_testclock (h);

  gst_test_clock_advance_time (clock, d);
  gst_object_unref (clock);
}

/* Drops the messages still queued (they hold the element). */
static inline void
release_bus (GstBus *bus)
{
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}

static inline guint
count_drops (GstBus *bus, const gchar *reason, guint64 *count_sum, guint64 kid)
{
  GstMessage *m;
  guint n = 0;

  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (m);
    guint64 c, k;
    if (gst_structure_has_name (s, "e2ee-drop") &&
        g_strcmp0 (gst_structure_get_string (s, "reason"), reason) == 0) {
      if (kid != G_MAXUINT64) {
        fail_unless (gst_structure_get_uint64 (s, "kid", &k));
        fail_unless_equals_uint64 (k, kid);
      }
      fail_unless (gst_structure_get_uint64 (s, "count", &c));
      if (count_sum)
        *count_sum += c;
      n++;
    }
    gst_message_unref (m);
  }
  return n;
}

#endif /* __E2EEDEC_COMMON_H__ */
