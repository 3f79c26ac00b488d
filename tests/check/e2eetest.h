/* Helpers shared by the e2ee element tests.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __E2EE_TEST_H__
#define __E2EE_TEST_H__

#include <string.h>

#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtpbuffer.h>

#include "gste2eekeyring.h"
#include "sframe.h"

#define TEST_KEY_HEX "000102030405060708090a0b0c0d0e0f"
#define TEST_KEY2_HEX "f0e0d0c0b0a090807060504030201000"
#define RTP_CAPS                                                               \
  "application/x-rtp,media=video,clock-rate=90000,"                            \
  "encoding-name=VP8,payload=96"

static const gchar *const suite_nicks[] = {
  NULL,
  "aes-128-ctr-hmac-sha256-80",
  "aes-128-ctr-hmac-sha256-64",
  "aes-128-ctr-hmac-sha256-32",
  "aes-128-gcm-sha256-128",
  "aes-256-gcm-sha512-128",
};

static inline void
hex_to_bytes (const gchar *hex, guint8 *out, gsize len)
{
  for (gsize i = 0; i < len; i++)
    out[i] = (guint8)(g_ascii_xdigit_value (hex[2 * i]) << 4 |
        g_ascii_xdigit_value (hex[2 * i + 1]));
}

/* An RTP packet with a recognisable payload, optional CSRCs and a one-byte
 * header extension. */
static inline GstBuffer *
make_rtp (
    guint payload_len, guint16 seq, gboolean marker, guint8 csrcs, gboolean ext)
{
  GstBuffer *buf = gst_rtp_buffer_new_allocate (payload_len, 0, csrcs);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  guint8 *p;

  fail_unless (gst_rtp_buffer_map (buf, GST_MAP_WRITE, &rtp));
  gst_rtp_buffer_set_payload_type (&rtp, 96);
  gst_rtp_buffer_set_seq (&rtp, seq);
  gst_rtp_buffer_set_timestamp (&rtp, 90000u + seq * 3000u);
  gst_rtp_buffer_set_ssrc (&rtp, 0x11223344);
  gst_rtp_buffer_set_marker (&rtp, marker);
  for (guint8 i = 0; i < csrcs; i++)
    gst_rtp_buffer_set_csrc (&rtp, i, 0xc0000000u + i);
  p = gst_rtp_buffer_get_payload (&rtp);
  for (guint i = 0; i < payload_len; i++)
    p[i] = (guint8)(i + seq);
  gst_rtp_buffer_unmap (&rtp);
  if (ext) {
    static const guint8 data[] = { 0xab, 0xcd };
    fail_unless (gst_rtp_buffer_map (buf, GST_MAP_WRITE, &rtp));
    fail_unless (gst_rtp_buffer_add_extension_onebyte_header (
        &rtp, 3, data, sizeof (data)));
    gst_rtp_buffer_unmap (&rtp);
  }
  GST_BUFFER_PTS (buf) = seq * GST_MSECOND;
  GST_BUFFER_DTS (buf) = seq * GST_MSECOND;
  GST_BUFFER_DURATION (buf) = GST_MSECOND;
  return buf;
}

/* The SFrame part (payload) of an RTP buffer, copied. */
static inline GBytes *
rtp_payload (GstBuffer *buf)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  GBytes *b;

  fail_unless (gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp));
  b = g_bytes_new (
      gst_rtp_buffer_get_payload (&rtp), gst_rtp_buffer_get_payload_len (&rtp));
  gst_rtp_buffer_unmap (&rtp);
  return b;
}

static inline gboolean
buffers_equal (GstBuffer *a, GstBuffer *b)
{
  GstMapInfo ma, mb;
  gboolean eq;

  gst_buffer_map (a, &ma, GST_MAP_READ);
  gst_buffer_map (b, &mb, GST_MAP_READ);
  eq = ma.size == mb.size &&
      (ma.size == 0 || memcmp (ma.data, mb.data, ma.size) == 0);
  gst_buffer_unmap (a, &ma);
  gst_buffer_unmap (b, &mb);
  return eq;
}

/* Flips one bit at offset off of a writable copy. */
static inline GstBuffer *
flip_bit (GstBuffer *buf, gsize off)
{
  GstBuffer *c = gst_buffer_copy_deep (buf);
  GstMapInfo m;

  gst_buffer_map (c, &m, GST_MAP_WRITE);
  fail_unless (off < m.size);
  m.data[off] ^= 0x01;
  gst_buffer_unmap (c, &m);
  return c;
}

static inline guint64
stat_u64 (GstElement *el, const gchar *field)
{
  GstStructure *s;
  guint64 v = G_MAXUINT64;

  g_object_get (el, "stats", &s, NULL);
  fail_unless (
      gst_structure_get_uint64 (s, field, &v), "no stats field %s", field);
  gst_structure_free (s);
  return v;
}

/* SFrame KID and CTR of an RTP packet's payload or of a frame. */
static inline void
sframe_kid_ctr (GstBuffer *buf, gboolean rtp_mode, guint64 *kid, guint64 *ctr)
{
  GBytes *b;
  gsize n;
  const guint8 *d;

  if (rtp_mode) {
    b = rtp_payload (buf);
  } else {
    GstMapInfo m;
    gst_buffer_map (buf, &m, GST_MAP_READ);
    b = g_bytes_new (m.data, m.size);
    gst_buffer_unmap (buf, &m);
  }
  d = g_bytes_get_data (b, &n);
  fail_unless (gst_e2ee_sframe_header_decode (d, n, kid, ctr) > 0);
  g_bytes_unref (b);
}

static inline gchar *
make_tmpdir (void)
{
  gchar *d = g_dir_make_tmp ("e2ee-test-XXXXXX", NULL);
  fail_unless (d != NULL);
  return d;
}

static inline void
rm_tree (const gchar *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  if (!d)
    return;
  while ((name = g_dir_read_name (d))) {
    gchar *p = g_build_filename (dir, name, NULL);
    if (g_file_test (p, G_FILE_TEST_IS_DIR))
      rm_tree (p);
    else
      g_unlink (p);
    g_free (p);
  }
  g_dir_close (d);
  g_rmdir (dir);
}

#endif /* __E2EE_TEST_H__ */
