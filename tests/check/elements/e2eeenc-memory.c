/* Unit tests of e2eeenc's memory: packets into recycled buffers, larger
 * buffers in place between recycled header and tag memories, the same
 * bytes as the copying path on every path.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "e2eeenc-common.h"

#include <gst/video/video.h>

static GstHarness *
enc_harness_in (const gchar *dir, gint suite, guint64 kid, const gchar *caps)
{
  GstHarness *h = enc_harness (suite, kid, caps);

  g_object_set (h->element, "counter-dir", dir, NULL);
  return h;
}

/* The same RTP packet with its header and payload in two memories, as
 * rtpbasepayload makes them. */
static GstBuffer *
split_rtp (GstBuffer *rtp)
{
  GstRTPBuffer r = GST_RTP_BUFFER_INIT;
  gsize hdr_len;
  GstBuffer *b;
  GstBuffer *p;

  fail_unless (gst_rtp_buffer_map (rtp, GST_MAP_READ, &r));
  hdr_len = gst_rtp_buffer_get_header_len (&r);
  gst_rtp_buffer_unmap (&r);
  b = gst_buffer_copy_region (
      rtp, GST_BUFFER_COPY_DEEP | GST_BUFFER_COPY_ALL, 0, hdr_len);
  p = gst_buffer_copy_region (
      rtp, GST_BUFFER_COPY_DEEP | GST_BUFFER_COPY_MEMORY, hdr_len, -1);

  return gst_buffer_append (b, p);
}

/* One block of memory holding the whole of rtp, as from the network. */
static GstBuffer *
one_block (GstBuffer *rtp)
{
  GstMapInfo m;
  GstBuffer *b;

  gst_buffer_map (rtp, &m, GST_MAP_READ);
  b = gst_buffer_new_memdup (m.data, m.size);
  gst_buffer_unmap (rtp, &m);
  return b;
}

/* Whether mem comes from the packet buffers of e2eeenc */
static gboolean
is_packet_memory (GstMemory *mem)
{
  return gst_memory_is_type (mem, "E2eeEncPacketMemory");
}

/* An output of up to 2048 bytes is one memory of a recycled packet buffer
 * of the element, written from the input where it is (out of place, no
 * copy of the payload before the cipher), writable input or not.  A
 * larger writable buffer is encrypted in place: RTP header memory, SFrame
 * header memory, the payload's own memory, tag memory (frames: no RTP
 * header).  Either way the bytes are those of the copying path (a larger
 * buffer that is not writable), which leaves its input untouched. */
GST_START_TEST (test_inplace_same_bytes)
{
  /* both AEAD backends of suite 5 (libsodium below 256 bytes), packet
   * buffers (up to 1400) and in place (3000) */
  static const guint sizes[] = { 1, 300, 1400, 3000 };

  for (guint k = 0; k < 15 * G_N_ELEMENTS (sizes); k++) {
    gint suite = 1 + k % 5;
    guint mode = k / 5 % 3;
    guint plen = sizes[k / 15];
    gboolean packet = plen < 2000;
    {
      gchar *dir2 = make_tmpdir ();
      gchar *d1 = g_strdup_printf ("%s/%u", counter_dir, k);
      gboolean frames = mode == 2;
      const gchar *caps = frames ? "video/x-vp8" : RTP_CAPS;
      GstHarness *a, *b;
      GstBuffer *in = make_rtp (plen, 9, TRUE, 1, mode == 1);
      GstBuffer *keep = gst_buffer_copy_deep (in);
      GstBuffer *w, *oa, *ob;
      GstMemory *pm;
      guint8 *pdata;
      guint want_mem;
      GstCaps *ref_caps = gst_caps_new_empty_simple ("timestamp/x-test");

      g_mkdir_with_parents (d1, 0700);
      a = enc_harness_in (d1, suite, 77, caps);
      b = enc_harness_in (dir2, suite, 77, caps);
      /* mode 1: header and payload in two memories */
      if (mode == 1) {
        w = split_rtp (in);
      } else {
        /* one block of memory, as from the network or an encoder */
        w = one_block (in);
        gst_buffer_copy_into (w, in, GST_BUFFER_COPY_METADATA, 0, -1);
      }
      GST_BUFFER_PTS (w) = 42 * GST_MSECOND;
      GST_BUFFER_PTS (in) = 42 * GST_MSECOND;
      /* a meta that describes no memory layout passes, one that does
       * (video meta: tagged "video", "size"...) does not, as when copying */
      gst_buffer_add_reference_timestamp_meta (
          w, ref_caps, GST_SECOND, GST_CLOCK_TIME_NONE);
      gst_buffer_add_reference_timestamp_meta (
          in, ref_caps, GST_SECOND, GST_CLOCK_TIME_NONE);
      gst_buffer_add_video_meta (w, 0, GST_VIDEO_FORMAT_GRAY8, 4, 4);
      gst_buffer_add_video_meta (in, 0, GST_VIDEO_FORMAT_GRAY8, 4, 4);
      /* in place: the memories of w before the payload's, then the SFrame
       * header (after the RTP header bytes that shared the payload's
       * memory), the payload's memory and the tag */
      {
        gsize hl = 0, skip;
        guint idx, len;
        if (!frames) {
          GstRTPBuffer r = GST_RTP_BUFFER_INIT;
          fail_unless (gst_rtp_buffer_map (w, GST_MAP_READ, &r));
          hl = gst_rtp_buffer_get_header_len (&r);
          gst_rtp_buffer_unmap (&r);
        }
        fail_unless (gst_buffer_find_memory (
            w, hl, gst_buffer_get_size (w) - hl, &idx, &len, &skip));
        want_mem = packet ? 1 : idx + 3;
        if (!packet)
          fail_unless_equals_int (want_mem, mode == 1 ? 5 : 3);
      }
      /* the payload memory of w: in place, the output carries it */
      pm = gst_buffer_peek_memory (w, gst_buffer_n_memory (w) - 1);
      {
        GstMapInfo m;
        gst_memory_map (pm, &m, GST_MAP_READ);
        pdata = m.data;
        gst_memory_unmap (pm, &m);
      }
      oa = gst_harness_push_and_pull (a, w);
      ob = gst_harness_push_and_pull (b, gst_buffer_ref (in));
      fail_unless (oa && ob);
      fail_unless_equals_int (gst_buffer_n_memory (ob), 1);
      fail_unless (gst_buffer_n_memory (oa) == want_mem,
          "suite %d mode %u size %u: %u memories", suite, mode, plen,
          gst_buffer_n_memory (oa));
      fail_unless_equals_uint64 (GST_BUFFER_PTS (oa), 42 * GST_MSECOND);
      fail_unless_equals_uint64 (GST_BUFFER_PTS (ob), 42 * GST_MSECOND);
      fail_unless (gst_buffer_get_reference_timestamp_meta (oa, ref_caps));
      fail_unless (gst_buffer_get_reference_timestamp_meta (ob, ref_caps));
      fail_if (gst_buffer_get_video_meta (oa));
      fail_if (gst_buffer_get_video_meta (ob));
      if (packet) {
        /* one packet memory, for the writable input and the shared one */
        fail_unless (is_packet_memory (gst_buffer_peek_memory (oa, 0)));
        fail_unless (is_packet_memory (gst_buffer_peek_memory (ob, 0)));
      } else {
        /* the payload was encrypted where it was */
        GstMemory *om = gst_buffer_peek_memory (oa, want_mem - 2);
        GstMapInfo m;
        gsize tag = gst_e2ee_sframe_suite_info (suite)->nt;
        gst_memory_map (om, &m, GST_MAP_READ);
        fail_unless (m.data >= pdata && m.data < pdata + plen + 100,
            "suite %d mode %u: payload moved", suite, mode);
        fail_unless_equals_int (
            m.size, frames ? gst_buffer_get_size (in) : plen);
        gst_memory_unmap (om, &m);
        fail_unless_equals_int (
            gst_memory_get_sizes (
                gst_buffer_peek_memory (oa, want_mem - 1), NULL, NULL),
            tag);
        fail_if (is_packet_memory (gst_buffer_peek_memory (ob, 0)));
      }
      /* (mapping merges the memories: only now) */
      fail_unless (buffers_equal (oa, ob),
          "suite %d mode %u size %u: bytes differ", suite, mode, plen);
      fail_unless (buffers_equal (in, keep), "input not writable but changed");
      gst_buffer_unref (oa);
      gst_buffer_unref (ob);
      gst_buffer_unref (in);
      gst_buffer_unref (keep);
      gst_harness_teardown (a);
      gst_harness_teardown (b);
      rm_tree (dir2);
      g_free (dir2);
      g_free (d1);
      gst_caps_unref (ref_caps);
    }
  }
}

GST_END_TEST;

/* Packets in one block, or with the header and the payload in two, take a
 * shorter path (the header read where it is), into a packet buffer up to
 * 2048 bytes out and in place above: every header shape (CSRCs,
 * extension, padding, every rtp-auth-field) gives the bytes of the copying
 * path, and packets that are not valid RTP are dropped as there.  The
 * packet buffers and the header and tag memories are recycled: many
 * outputs held at once stay intact, sub-buffers and copies of them read
 * the same bytes, and they outlive the element. */
GST_START_TEST (test_inplace_one_block)
{
  static const guint fields[] = { 0x03, 0x1f, 0x3f };
  GstHarness *a, *b, *c;
  GPtrArray *held =
      g_ptr_array_new_with_free_func ((GDestroyNotify)gst_mini_object_unref);
  GPtrArray *outs =
      g_ptr_array_new_with_free_func ((GDestroyNotify)gst_mini_object_unref);
  gchar *dir2 = make_tmpdir ();
  guint64 dropped = 0;
  guint n_packet = 0;
  GstStructure *st;

  for (guint f = 0; f < G_N_ELEMENTS (fields); f++) {
    gchar *d1 = g_strdup_printf ("%s/f%u", counter_dir, f);
    gchar *d2 = g_strdup_printf ("%s/f%u", dir2, f);
    gchar *d3 = g_strdup_printf ("%s/g%u", dir2, f);

    g_mkdir_with_parents (d1, 0700);
    g_mkdir_with_parents (d2, 0700);
    g_mkdir_with_parents (d3, 0700);
    a = enc_harness_in (d1, 5, 300 + f, RTP_CAPS);
    b = enc_harness_in (d2, 5, 300 + f, RTP_CAPS);
    c = enc_harness_in (d3, 5, 300 + f, RTP_CAPS);
    g_object_set (a->element, "rtp-auth-fields", fields[f], NULL);
    g_object_set (b->element, "rtp-auth-fields", fields[f], NULL);
    g_object_set (c->element, "rtp-auth-fields", fields[f], NULL);
    for (guint k = 0; k < 64; k++) {
      guint csrcs = k % 4 == 1 ? 15 : k % 4;
      gboolean ext = k % 3 == 1;
      gboolean pad = k % 8 == 5;
      GstBuffer *in = make_rtp (1 + 37 * k, k, k & 1, csrcs, ext);
      GstBuffer *w, *oa, *ob;
      gboolean packet;

      if (pad) {
        /* two bytes of RTP padding: carried over by neither path */
        GstRTPBuffer r = GST_RTP_BUFFER_INIT;
        GstBuffer *p = gst_rtp_buffer_new_allocate (1 + 37 * k, 2, csrcs);
        GstMapInfo mi, mp;
        gst_buffer_map (in, &mi, GST_MAP_READ);
        gst_buffer_map (p, &mp, GST_MAP_WRITE);
        memcpy (mp.data, mi.data, mi.size);
        mp.data[0] |= 0x20;
        mp.data[mp.size - 2] = 0;
        mp.data[mp.size - 1] = 2;
        gst_buffer_unmap (p, &mp);
        gst_buffer_unmap (in, &mi);
        fail_unless (gst_rtp_buffer_map (p, GST_MAP_READ, &r));
        gst_rtp_buffer_unmap (&r);
        gst_buffer_unref (in);
        in = p;
      }
      w = one_block (in);
      oa = gst_harness_push_and_pull (a, w);
      ob = gst_harness_push_and_pull (b, gst_buffer_ref (in));
      fail_unless (oa && ob);
      /* (ob: the copying path, the size of every output) */
      packet = gst_buffer_get_size (ob) <= 2048;
      n_packet += packet;
      fail_unless_equals_int (gst_buffer_n_memory (oa), packet || pad ? 1 : 3);
      fail_unless_equals_int (
          is_packet_memory (gst_buffer_peek_memory (oa, 0)), packet);
      fail_unless (buffers_equal (oa, ob), "fields %x packet %u: bytes differ",
          fields[f], k);
      {
        /* the header in one block, the payload in another, as
         * rtpbasepayload makes them: header, SFrame header, payload, tag */
        GstRTPBuffer r = GST_RTP_BUFFER_INIT;
        GstMapInfo m;
        gsize hl;
        GstBuffer *w2, *oc;
        fail_unless (gst_rtp_buffer_map (in, GST_MAP_READ, &r));
        hl = gst_rtp_buffer_get_header_len (&r);
        gst_rtp_buffer_unmap (&r);
        gst_buffer_map (in, &m, GST_MAP_READ);
        w2 = gst_buffer_new_memdup (m.data, hl);
        gst_buffer_append (
            w2, gst_buffer_new_memdup (m.data + hl, m.size - hl));
        gst_buffer_unmap (in, &m);
        fail_unless_equals_int (gst_buffer_n_memory (w2), 2);
        oc = gst_harness_push_and_pull (c, w2);
        fail_unless (oc);
        fail_unless_equals_int (
            gst_buffer_n_memory (oc), packet || pad ? 1 : 4);
        fail_unless (buffers_equal (oc, ob),
            "fields %x packet %u: two memories, bytes differ", fields[f], k);
        gst_buffer_unref (oc);
      }
      if (!pad) {
        /* a sub-buffer of the SFrame header and tag shares their memory */
        gsize sz = gst_buffer_get_size (oa);
        GstBuffer *sub = gst_buffer_copy_region (
            oa, GST_BUFFER_COPY_MEMORY, sz - 20 - 1 - 37 * k, 20 + 1 + 37 * k);
        GstBuffer *deep = gst_buffer_copy_deep (oa);
        GstMapInfo m, ms;
        fail_unless (buffers_equal (deep, ob));
        gst_buffer_map (ob, &m, GST_MAP_READ);
        gst_buffer_map (sub, &ms, GST_MAP_READ);
        fail_unless (memcmp (ms.data, m.data + sz - ms.size, ms.size) == 0);
        gst_buffer_unmap (sub, &ms);
        gst_buffer_unmap (ob, &m);
        g_ptr_array_add (held, sub);
        g_ptr_array_add (held, deep);
      }
      /* held at once: a recycled memory is never one still in use */
      g_ptr_array_add (outs, oa);
      g_ptr_array_add (outs, ob);
      gst_buffer_unref (in);
    }
    gst_harness_teardown (a);
    gst_harness_teardown (b);
    gst_harness_teardown (c);
    g_free (d1);
    g_free (d2);
    g_free (d3);
  }
  /* both ways taken */
  fail_unless (
      n_packet > 0 && n_packet < 3 * 64, "%u packet buffers", n_packet);
  /* outlived their element: still the same bytes */
  for (guint i = 0; i < outs->len; i += 2)
    fail_unless (buffers_equal (g_ptr_array_index (outs, i),
                     g_ptr_array_index (outs, i + 1)),
        "output %u changed", i / 2);
  g_ptr_array_unref (outs);
  g_ptr_array_unref (held);

  /* not valid RTP, in one block: dropped and counted, nothing out */
  a = enc_harness_in (counter_dir, 5, 399, RTP_CAPS);
  {
    static const guint8 bad[][16] = {
      /* version 1 */
      { 0x40, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 2, 3, 4 },
      /* 15 CSRCs announced, 16 bytes in all */
      { 0x8f, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 2, 3, 4 },
      /* extension header cut short */
      { 0x90, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xbe, 0xde, 0, 9 },
    };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      fail_unless_equals_int (
          gst_harness_push (a, gst_buffer_new_memdup (bad[i], 16)),
          GST_FLOW_OK);
    /* shorter than a header */
    fail_unless_equals_int (
        gst_harness_push (a, gst_buffer_new_memdup (bad[0], 11)), GST_FLOW_OK);
  }
  fail_unless_equals_int (gst_harness_buffers_received (a), 0);
  g_object_get (a->element, "stats", &st, NULL);
  fail_unless (gst_structure_get_uint64 (st, "dropped-invalid", &dropped));
  fail_unless_equals_uint64 (dropped, 4);
  gst_structure_free (st);
  gst_harness_teardown (a);
  rm_tree (dir2);
  g_free (dir2);
}

GST_END_TEST;

static gpointer
drop_outputs (gpointer data)
{
  GAsyncQueue *q = data;
  GstBuffer *b;
  guint n = 0;

  /* a NULL-sized marker ends: the buffers are unreffed here, while the
   * element keeps encrypting in the other thread */
  while ((b = g_async_queue_pop (q)) && gst_buffer_get_size (b) > 0) {
    GstMapInfo m;
    gst_buffer_map (b, &m, GST_MAP_READ);
    fail_unless_equals_int (m.data[0] & 0xc0, 0x80);
    gst_buffer_unmap (b, &m);
    gst_buffer_unref (b);
    n++;
  }
  gst_buffer_unref (b);
  return GUINT_TO_POINTER (n);
}

/* The packet buffers (up to 2048 bytes out) and the header and tag
 * memories (in place, above) go back to their element from whichever
 * thread drops them, while it takes more, also across its teardown; every
 * output has the bytes of a second element's, whose outputs are dropped
 * at once. */
GST_START_TEST (test_inplace_recycled_across_threads)
{
  gchar *dir2 = make_tmpdir ();
  GstHarness *a = enc_harness_in (counter_dir, 5, 501, RTP_CAPS);
  GstHarness *b = enc_harness_in (dir2, 5, 501, RTP_CAPS);
  GAsyncQueue *q = g_async_queue_new ();
  GThread *t = g_thread_new ("drop", drop_outputs, q);
  const guint n = 4000;

  for (guint k = 0; k < n; k++) {
    GstBuffer *in = make_rtp (1 + k % 2600, k, k & 1, k % 3, k % 5 == 0);
    GstBuffer *oa = gst_harness_push_and_pull (a, one_block (in));
    GstBuffer *ob = gst_harness_push_and_pull (b, in);

    fail_unless (oa && ob);
    fail_unless_equals_int (
        gst_buffer_n_memory (oa), gst_buffer_get_size (ob) <= 2048 ? 1 : 3);
    fail_unless (buffers_equal (oa, ob), "packet %u: bytes differ", k);
    gst_buffer_unref (ob);
    g_async_queue_push (q, oa);
  }
  /* the element goes while the other thread still drops its outputs */
  gst_harness_teardown (a);
  g_async_queue_push (q, gst_buffer_new ());
  fail_unless_equals_int (GPOINTER_TO_UINT (g_thread_join (t)), n);
  g_async_queue_unref (q);
  gst_harness_teardown (b);
  rm_tree (dir2);
  g_free (dir2);
}

GST_END_TEST;

/* The next packet (number *k, with flags) through a, whose output is
 * returned, and b, whose output is kept in ref: both the same bytes */
static GstBuffer *
next_packet (GstHarness *a, GstHarness *b, GPtrArray *ref, guint *k,
    GstBufferFlags flags)
{
  GstBuffer *in = make_rtp (300 + *k, *k, FALSE, 0, FALSE);
  GstBuffer *o;

  GST_BUFFER_FLAG_SET (in, flags);
  g_ptr_array_add (
      ref, gst_harness_push_and_pull (b, gst_buffer_copy_deep (in)));
  o = gst_harness_push_and_pull (a, in);
  fail_unless (o);
  fail_unless (buffers_equal (o, g_ptr_array_index (ref, *k)),
      "packet %u: bytes differ", *k);
  (*k)++;
  return o;
}

/* A packet buffer dropped downstream comes back for the next packet as it
 * was made: not while anything else holds its memory (a share, a buffer
 * of its own), not with metas added downstream, and with no flag or
 * timestamp of the packet before.  Every output has the bytes of a second
 * element whose outputs are all held. */
GST_START_TEST (test_packet_buffers_recycled)
{
  gchar *dir2 = make_tmpdir ();
  GstHarness *a = enc_harness_in (counter_dir, 5, 601, RTP_CAPS);
  GstHarness *b = enc_harness_in (dir2, 5, 601, RTP_CAPS);
  GPtrArray *ref =
      g_ptr_array_new_with_free_func ((GDestroyNotify)gst_mini_object_unref);
  GstCaps *ref_caps = gst_caps_new_empty_simple ("timestamp/x-test");
  GstBuffer *o, *prev, *sub;
  GstMemory *held;
  GstMapInfo m;
  guint k = 0;

  /* dropped: the same buffer again, without the flags and times of before */
  o = next_packet (
      a, b, ref, &k, GST_BUFFER_FLAG_DISCONT | GST_BUFFER_FLAG_MARKER);
  fail_unless (is_packet_memory (gst_buffer_peek_memory (o, 0)));
  fail_unless (GST_BUFFER_FLAG_IS_SET (o, GST_BUFFER_FLAG_DISCONT));
  fail_unless_equals_uint64 (GST_BUFFER_PTS (o), 0);
  prev = o;
  gst_buffer_unref (o);
  o = next_packet (a, b, ref, &k, 0);
  fail_unless (o == prev, "a dropped packet buffer is not reused");
  fail_if (GST_BUFFER_FLAG_IS_SET (o, GST_BUFFER_FLAG_DISCONT));
  fail_if (GST_BUFFER_FLAG_IS_SET (o, GST_BUFFER_FLAG_MARKER));
  fail_unless_equals_uint64 (GST_BUFFER_PTS (o), 1 * GST_MSECOND);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (o), GST_MSECOND);

  /* its memory held on its own, then in a share: those bytes stay */
  for (guint round = 0; round < 2; round++) {
    guint at = k - 1;
    if (round == 0) {
      held = gst_buffer_get_memory (o, 0);
      sub = NULL;
    } else {
      sub = gst_buffer_copy_region (o, GST_BUFFER_COPY_MEMORY, 4, 100);
      held = NULL;
    }
    gst_buffer_unref (o);
    for (guint i = 0; i < 8; i++) {
      o = next_packet (a, b, ref, &k, 0);
      gst_buffer_unref (o);
    }
    if (held) {
      GstBuffer *hb = gst_buffer_new ();
      gst_buffer_append_memory (hb, held);
      fail_unless (buffers_equal (hb, g_ptr_array_index (ref, at)),
          "a held memory was reused");
      gst_buffer_unref (hb);
    } else {
      GstMapInfo r;
      gst_buffer_map (sub, &m, GST_MAP_READ);
      gst_buffer_map (g_ptr_array_index (ref, at), &r, GST_MAP_READ);
      fail_unless (
          memcmp (m.data, r.data + 4, 100) == 0, "a shared memory was reused");
      gst_buffer_unmap (g_ptr_array_index (ref, at), &r);
      gst_buffer_unmap (sub, &m);
      gst_buffer_unref (sub);
    }
    o = next_packet (a, b, ref, &k, 0);
  }

  /* a meta added downstream does not come back with the buffer */
  gst_buffer_add_reference_timestamp_meta (
      o, ref_caps, GST_SECOND, GST_CLOCK_TIME_NONE);
  gst_buffer_unref (o);
  for (guint i = 0; i < 4; i++) {
    o = next_packet (a, b, ref, &k, 0);
    fail_if (gst_buffer_get_reference_timestamp_meta (o, ref_caps));
    gst_buffer_unref (o);
  }

  gst_harness_teardown (a);
  gst_harness_teardown (b);
  g_ptr_array_unref (ref);
  gst_caps_unref (ref_caps);
  rm_tree (dir2);
  g_free (dir2);
}

GST_END_TEST;

static Suite *
e2eeenc_memory_suite (void)
{
  Suite *s = suite_create ("e2eeenc-memory");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_inplace_same_bytes);
  tcase_add_test (tc, test_inplace_one_block);
  tcase_add_test (tc, test_inplace_recycled_across_threads);
  tcase_add_test (tc, test_packet_buffers_recycled);
  return s;
}

GST_CHECK_MAIN (e2eeenc_memory);
