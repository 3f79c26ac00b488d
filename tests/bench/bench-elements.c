/* bench-elements: packets per second of e2eeenc/e2eedec against
 * srtpenc/srtpdec, and against the raw AEAD loop.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   bench-elements [--tsv]
 *
 * Method (the same for every element): the element's sink pad is linked
 * to a bare GstPad of ours and its source pad to a bare GstPad whose chain
 * function only counts and unrefs; no GstHarness (whose sink queues every
 * buffer in a GAsyncQueue, with a mutex and a condition per buffer), no
 * bin, no clock, no appsrc/queue threads.  A repetition creates a fresh
 * element (fresh replay windows for the decoders), sets it to PLAYING,
 * sends stream-start, caps and segment, pushes a first packet untimed (key
 * derivation, e2eeenc's durable counter reservation, libsrtp stream
 * creation) and then, BENCH_BATCH packets at a time, deep-copies a batch
 * untimed (so each packet is writable and owned by the element: srtpdec
 * decrypts in place, as behind udpsrc; and in the caches, as written by
 * an upstream element just before) and times gst_pad_push() of it.  The
 * time is thus the element's chain function, its output allocation and
 * the downstream push, which every real pipeline pays.  BENCH_COLD=1
 * copies all packets of a repetition first instead.
 *
 * Inputs: RTP packets with a 12-byte header and 100 or 1200 bytes of
 * payload, one SSRC, consecutive sequence numbers.  Encoders get these;
 * each decoder gets what its encoder made of them.  A second table pushes
 * the same packets in buffer lists of BENCH_LIST (default 32) packets.
 *
 * The raw loops are the same payloads through bench-common.c's pre-keyed
 * AEAD, without GStreamer, each batch copied into one block untimed as the
 * elements' packets are (see raw_out_for() for the output).
 *
 * Before measuring, each decoder's output is compared with the plain
 * packets.  Every repetition checks that all packets came out; the repetitions
 * of all cases are interleaved (BENCH_REPS, default 9) and the table shows the
 * median.  glibc's heap trimming is turned off (see main()).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <glib/gstdio.h>
#include <gst/gst.h>

#include "bench-common.h"

#define KEY_HEX "000102030405060708090a0b0c0d0e0f"
#define SSRC 0x11223344u
#define RTP_HDR 12
/* the raw loops' packets lie in one block, 1280 bytes apart */
#define ARENA_STRIDE 1280

typedef enum
{
  V_E2EE_ENC_S1,
  V_E2EE_DEC_S1,
  V_SRTP_ENC_ICM,
  V_SRTP_DEC_ICM,
  V_RAW_ENC_CTR,
  V_RAW_DEC_CTR,
  V_E2EE_ENC_S5,
  V_E2EE_DEC_S5,
  V_SRTP_ENC_GCM,
  V_SRTP_DEC_GCM,
  V_RAW_ENC_GCM,
  V_RAW_DEC_GCM,
  V_IDENTITY, /* the pass-through floor: what any element costs */
  V_IDENTITY_2, /* (keeps encoders even, decoders odd; never run) */
  N_VARIANTS
} Variant;

static const gchar *const variant_names[N_VARIANTS] = {
  "e2eeenc s1 (ctr-hmac-80)",
  "e2eedec s1 (ctr-hmac-80)",
  "srtpenc aes-128-icm+sha1-80",
  "srtpdec aes-128-icm+sha1-80",
  "raw ctr+hmac (openssl) seal",
  "raw ctr+hmac (openssl) open",
  "e2eeenc s5 (aes-256-gcm)",
  "e2eedec s5 (aes-256-gcm)",
  "srtpenc aes-256-gcm",
  "srtpdec aes-256-gcm",
  "raw openssl aes256gcm seal",
  "raw openssl aes256gcm open",
  "identity (pass-through)",
  "",
};

static gboolean
is_raw (Variant v)
{
  return v == V_RAW_ENC_CTR || v == V_RAW_DEC_CTR || v == V_RAW_ENC_GCM ||
      v == V_RAW_DEC_GCM;
}

static gboolean
is_identity (Variant v)
{
  return v == V_IDENTITY || v == V_IDENTITY_2;
}

/* an e2eeenc/e2eedec row */
static gboolean
is_e2ee (Variant v)
{
  return v == V_E2EE_ENC_S1 || v == V_E2EE_DEC_S1 || v == V_E2EE_ENC_S5 ||
      v == V_E2EE_DEC_S5;
}

static gboolean
is_srtp (Variant v)
{
  return v == V_SRTP_ENC_ICM || v == V_SRTP_DEC_ICM || v == V_SRTP_ENC_GCM ||
      v == V_SRTP_DEC_GCM;
}

static gboolean
is_dec (Variant v)
{
  return v % 2 == 1;
}

/* the encoder whose output a decoder reads */
static Variant
encoder_of (Variant v)
{
  return is_dec (v) ? v - 1 : v;
}

/* ------------------------------------------------------------- globals */

static guint n_packets;
static guint list_len;
static gchar *counter_dir;
static gboolean have_srtp;

typedef struct
{
  gsize payload;
  GstBuffer **base; /* N + 1 plain RTP packets */
  GstBuffer **stream[N_VARIANTS]; /* N + 1 packets of each encoder */
  GstCaps *stream_caps[N_VARIANTS]; /* their caps */
  guint8 **raw_ct[N_VARIANTS]; /* raw ciphertexts of the raw encoders */
  guint8 *raw_ct_arena[N_VARIANTS];
} SizeData;

static GstCaps *rtp_caps;

/* ---------------------------------------------------------- the element */

typedef struct
{
  GstElement *el;
  GstPad *src, *sink; /* ours */
  guint64 count;
  GPtrArray *collect; /* when set, outputs are kept */
  GstCaps *out_caps;
} Runner;

static GstFlowReturn
sink_chain (GstPad *pad, GstObject *parent, GstBuffer *buf)
{
  Runner *r = gst_pad_get_element_private (pad);

  r->count++;
  if (r->collect)
    g_ptr_array_add (r->collect, buf);
  else
    gst_buffer_unref (buf);
  return GST_FLOW_OK;
}

static GstFlowReturn
sink_chain_list (GstPad *pad, GstObject *parent, GstBufferList *list)
{
  Runner *r = gst_pad_get_element_private (pad);
  guint n = gst_buffer_list_length (list);

  if (r->collect) {
    for (guint i = 0; i < n; i++)
      sink_chain (pad, parent, gst_buffer_ref (gst_buffer_list_get (list, i)));
  } else {
    r->count += n;
  }
  gst_buffer_list_unref (list);
  return GST_FLOW_OK;
}

static gboolean
sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  Runner *r = gst_pad_get_element_private (pad);

  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    GstCaps *caps;
    gst_event_parse_caps (event, &caps);
    gst_caps_replace (&r->out_caps, caps);
  }
  gst_event_unref (event);
  return TRUE;
}

static GstElement *
make_element (Variant v, gsize payload)
{
  GstElement *el = NULL;

  switch (v) {
    case V_E2EE_ENC_S1:
    case V_E2EE_ENC_S5:
      el = gst_element_factory_make ("e2eeenc", NULL);
      gst_util_set_object_arg (G_OBJECT (el), "cipher-suite",
          v == V_E2EE_ENC_S1 ? "aes-128-ctr-hmac-sha256-80"
                             : "aes-256-gcm-sha512-128");
      g_object_set (el, "key", KEY_HEX, "kid", (guint64)1, "counter-dir",
          counter_dir, NULL);
      break;
    case V_E2EE_DEC_S1:
    case V_E2EE_DEC_S5:
      el = gst_element_factory_make ("e2eedec", NULL);
      gst_util_set_object_arg (G_OBJECT (el), "cipher-suite",
          v == V_E2EE_DEC_S1 ? "aes-128-ctr-hmac-sha256-80"
                             : "aes-256-gcm-sha512-128");
      g_object_set (el, "key", KEY_HEX, NULL);
      break;
    case V_SRTP_ENC_ICM:
    case V_SRTP_ENC_GCM: {
      gboolean gcm = v == V_SRTP_ENC_GCM;
      guint8 key[44];
      GstBuffer *kb;
      for (guint i = 0; i < sizeof (key); i++)
        key[i] = (guint8)(i * 3 + 1);
      kb = gst_buffer_new_memdup (key, gcm ? 44 : 30);
      el = gst_element_factory_make ("srtpenc", NULL);
      gst_util_set_object_arg (
          G_OBJECT (el), "rtp-cipher", gcm ? "aes-256-gcm" : "aes-128-icm");
      gst_util_set_object_arg (
          G_OBJECT (el), "rtcp-cipher", gcm ? "aes-256-gcm" : "aes-128-icm");
      gst_util_set_object_arg (
          G_OBJECT (el), "rtp-auth", gcm ? "null" : "hmac-sha1-80");
      gst_util_set_object_arg (
          G_OBJECT (el), "rtcp-auth", gcm ? "null" : "hmac-sha1-80");
      g_object_set (el, "key", kb, NULL);
      gst_buffer_unref (kb);
      break;
    }
    case V_SRTP_DEC_ICM:
    case V_SRTP_DEC_GCM:
      el = gst_element_factory_make ("srtpdec", NULL);
      break;
    case V_IDENTITY:
      el = gst_element_factory_make ("identity", NULL);
      g_object_set (el, "silent", TRUE, NULL);
      break;
    default:
      break;
  }
  (void)payload;
  if (!el) {
    fprintf (stderr, "bench-elements: cannot make %s\n", variant_names[v]);
    exit (1);
  }
  return el;
}

static Runner *
runner_new (Variant v, gsize payload, GstCaps *in_caps)
{
  static GstStaticPadTemplate any_src = GST_STATIC_PAD_TEMPLATE (
      "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
  static GstStaticPadTemplate any_sink = GST_STATIC_PAD_TEMPLATE (
      "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
  Runner *r = g_new0 (Runner, 1);
  GstPad *esink, *esrc;
  GstSegment seg;
  const gchar *sink_name = "sink", *src_name = "src";

  r->el = make_element (v, payload);
  if (is_srtp (v)) {
    sink_name = is_dec (v) ? "rtp_sink" : "rtp_sink_0";
    src_name = is_dec (v) ? "rtp_src" : "rtp_src_0";
  }
  esink = gst_element_get_static_pad (r->el, sink_name);
  if (!esink)
    esink = gst_element_request_pad_simple (r->el, sink_name);
  esrc = gst_element_get_static_pad (r->el, src_name);
  if (!esink || !esrc) {
    fprintf (stderr, "bench-elements: no pads on %s\n", variant_names[v]);
    exit (1);
  }
  r->src = gst_pad_new_from_static_template (&any_src, "src");
  r->sink = gst_pad_new_from_static_template (&any_sink, "sink");
  gst_pad_set_element_private (r->sink, r);
  gst_pad_set_chain_function (r->sink, sink_chain);
  gst_pad_set_chain_list_function (r->sink, sink_chain_list);
  gst_pad_set_event_function (r->sink, sink_event);
  gst_pad_set_active (r->src, TRUE);
  gst_pad_set_active (r->sink, TRUE);
  if (gst_pad_link (r->src, esink) != GST_PAD_LINK_OK ||
      gst_pad_link (esrc, r->sink) != GST_PAD_LINK_OK) {
    fprintf (stderr, "bench-elements: cannot link %s\n", variant_names[v]);
    exit (1);
  }
  gst_object_unref (esink);
  gst_object_unref (esrc);
  if (gst_element_set_state (r->el, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    fprintf (stderr, "bench-elements: %s does not start\n", variant_names[v]);
    exit (1);
  }
  gst_pad_push_event (r->src, gst_event_new_stream_start ("bench"));
  if (!gst_pad_push_event (r->src, gst_event_new_caps (in_caps))) {
    fprintf (stderr, "bench-elements: %s refuses %" GST_PTR_FORMAT "\n",
        variant_names[v], in_caps);
    exit (1);
  }
  gst_segment_init (&seg, GST_FORMAT_TIME);
  gst_pad_push_event (r->src, gst_event_new_segment (&seg));
  return r;
}

static void
runner_free (Runner *r)
{
  GstPad *peer;

  gst_element_set_state (r->el, GST_STATE_NULL);
  /* give srtpenc its request pad back */
  peer = gst_pad_get_peer (r->src);
  gst_pad_unlink (r->src, peer);
  if (GST_PAD_TEMPLATE (GST_PAD_PAD_TEMPLATE (peer)) &&
      GST_PAD_TEMPLATE_PRESENCE (GST_PAD_PAD_TEMPLATE (peer)) ==
          GST_PAD_REQUEST)
    gst_element_release_request_pad (r->el, peer);
  gst_object_unref (peer);
  gst_object_unref (r->el);
  gst_object_unref (r->src);
  gst_object_unref (r->sink);
  gst_clear_caps (&r->out_caps);
  g_free (r);
}

/* ----------------------------------------------------------- the inputs */

static GstBuffer *
rtp_packet (guint i, gsize payload)
{
  GstBuffer *b = gst_buffer_new_allocate (NULL, RTP_HDR + payload, NULL);
  GstMapInfo m;
  guint16 seq = (guint16)(1000 + i);
  guint32 ts = 3000 * i;

  gst_buffer_map (b, &m, GST_MAP_WRITE);
  m.data[0] = 0x80;
  m.data[1] = 96;
  m.data[2] = seq >> 8;
  m.data[3] = seq & 0xff;
  m.data[4] = ts >> 24;
  m.data[5] = ts >> 16;
  m.data[6] = ts >> 8;
  m.data[7] = ts;
  m.data[8] = SSRC >> 24;
  m.data[9] = (SSRC >> 16) & 0xff;
  m.data[10] = (SSRC >> 8) & 0xff;
  m.data[11] = SSRC & 0xff;
  for (gsize k = 0; k < payload; k++)
    m.data[RTP_HDR + k] = (guint8)(k * 7 + i);
  gst_buffer_unmap (b, &m);
  return b;
}

static GstBuffer **
copy_inputs (GstBuffer **src, guint n)
{
  GstBuffer **v = g_new (GstBuffer *, n);
  for (guint i = 0; i < n; i++)
    v[i] = gst_buffer_copy_deep (src[i]);
  return v;
}

/* Runs an encoder over the plain packets once and keeps what it made. */
static void
make_stream (SizeData *sd, Variant enc)
{
  Runner *r = runner_new (enc, sd->payload, rtp_caps);
  GstBuffer **in = copy_inputs (sd->base, n_packets + 1);

  r->collect = g_ptr_array_new ();
  for (guint i = 0; i <= n_packets; i++)
    gst_pad_push (r->src, in[i]);
  g_free (in);
  if (r->collect->len != n_packets + 1 || !r->out_caps) {
    fprintf (stderr, "bench-elements: %s made %u of %u packets\n",
        variant_names[enc], r->collect->len, n_packets + 1);
    exit (1);
  }
  /* as the network delivers them: one block of memory per packet (e2eeenc
   * makes four: RTP header, SFrame header, payload, tag) */
  for (guint i = 0; i < r->collect->len; i++) {
    GstBuffer *b = g_ptr_array_index (r->collect, i);
    GstMapInfo m;
    GstBuffer *flat;
    gst_buffer_map (b, &m, GST_MAP_READ);
    flat = gst_buffer_new_memdup (m.data, m.size);
    gst_buffer_unmap (b, &m);
    gst_buffer_copy_into (flat, b, GST_BUFFER_COPY_METADATA, 0, -1);
    gst_buffer_unref (b);
    g_ptr_array_index (r->collect, i) = flat;
  }
  sd->stream[enc] = (GstBuffer **)g_ptr_array_free (r->collect, FALSE);
  r->collect = NULL;
  sd->stream_caps[enc] = gst_caps_ref (r->out_caps);
  runner_free (r);
}

/* Runs a decoder once over its encoder's stream, in buffers or in lists,
 * and checks that it gives back exactly the plain packets. */
static void
verify_decoder (SizeData *sd, Variant v, gboolean lists)
{
  Runner *r = runner_new (v, sd->payload, sd->stream_caps[encoder_of (v)]);
  GstBuffer **in = copy_inputs (sd->stream[encoder_of (v)], n_packets + 1);

  r->collect =
      g_ptr_array_new_with_free_func ((GDestroyNotify)gst_buffer_unref);
  if (lists) {
    GstBufferList *l = gst_buffer_list_new_sized (n_packets + 1);
    for (guint i = 0; i <= n_packets; i++)
      gst_buffer_list_add (l, in[i]);
    gst_pad_push_list (r->src, l);
  } else {
    for (guint i = 0; i <= n_packets; i++)
      gst_pad_push (r->src, in[i]);
  }
  g_free (in);
  for (guint i = 0; i <= n_packets; i++) {
    GstMapInfo a, b;
    gboolean same;
    if (i >= r->collect->len) {
      fprintf (stderr, "bench-elements: %s lost packets\n", variant_names[v]);
      exit (1);
    }
    gst_buffer_map (g_ptr_array_index (r->collect, i), &a, GST_MAP_READ);
    gst_buffer_map (sd->base[i], &b, GST_MAP_READ);
    same = a.size == b.size && memcmp (a.data, b.data, a.size) == 0;
    gst_buffer_unmap (g_ptr_array_index (r->collect, i), &a);
    gst_buffer_unmap (sd->base[i], &b);
    if (!same) {
      fprintf (stderr,
          "bench-elements: %s output %u differs from the plain "
          "packet\n",
          variant_names[v], i);
      exit (1);
    }
  }
  g_ptr_array_unref (r->collect);
  r->collect = NULL;
  runner_free (r);
}

/* ------------------------------------------------------------ measuring */

/* The timed loops, apart so that a profiler can be limited to them
 * (valgrind --tool=callgrind --toggle-collect=timed_push*). */
static G_GNUC_NO_INLINE void
timed_push (GstPad *src, GstBuffer **in, guint n)
{
  for (guint i = 0; i < n; i++)
    gst_pad_push (src, in[i]);
}

static G_GNUC_NO_INLINE void
timed_push_lists (GstPad *src, GstBufferList **lv, guint n)
{
  for (guint l = 0; l < n; l++)
    gst_pad_push_list (src, lv[l]);
}

/* The packets of a repetition are prepared in batches of `batch`
 * (BENCH_BATCH, default BENCH_LIST) right before they are pushed, untimed:
 * each is then in the caches, as a packet is that an upstream element has
 * just written.  BENCH_COLD=1 prepares all of them first (10000 packets
 * of 1200 bytes do not fit the L2 cache): every row then also pays for
 * reading its packets from memory. */
static guint batch_len;
static gboolean cold;

/* One repetition of an element: ns per packet (buffer lists of
 * list_len when lists). */
static gdouble
run_element (SizeData *sd, Variant v, gboolean lists)
{
  GstBuffer **src = is_dec (v) ? sd->stream[encoder_of (v)] : sd->base;
  GstCaps *caps = is_dec (v) ? sd->stream_caps[encoder_of (v)] : rtp_caps;
  Runner *r = runner_new (v, sd->payload, caps);
  GstBufferList **lv = g_new (GstBufferList *, batch_len / list_len + 2);
  gint64 total = 0;

  gst_pad_push (r->src, gst_buffer_copy_deep (src[0]));
  for (guint first = 1; first <= n_packets; first += batch_len) {
    guint n = MIN (batch_len, n_packets + 1 - first);
    GstBuffer **in = copy_inputs (src + first, n);
    guint n_lists = 0;
    gint64 t0;

    if (lists) {
      for (guint i = 0; i < n; i += list_len) {
        lv[n_lists] = gst_buffer_list_new_sized (list_len);
        for (guint k = i; k < MIN (n, i + list_len); k++)
          gst_buffer_list_add (lv[n_lists], in[k]);
        n_lists++;
      }
    }
    t0 = bench_now_ns ();
    if (lists)
      timed_push_lists (r->src, lv, n_lists);
    else
      timed_push (r->src, in, n);
    total += bench_now_ns () - t0;
    g_free (in);
  }
  if (r->count != n_packets + 1) {
    fprintf (stderr,
        "bench-elements: %s output %" G_GUINT64_FORMAT " of %u packets\n",
        variant_names[v], r->count, n_packets + 1);
    exit (1);
  }
  g_free (lv);
  runner_free (r);
  return (gdouble)total / n_packets;
}

static BenchRaw *raws[N_VARIANTS];
/* 4 KiB aligned room for the raw loops' output */
static guint8 raw_out_area[3 * 4096];

/* The output of the raw loops for input in: 1024 bytes modulo 4096 after
 * it.  (Where the output lies does not change AES-GCM's cost here: the
 * minimum over 60 interleaved rounds is the same within 1 % for every
 * offset of the output from the input in steps of 128 bytes, in place
 * included.  An earlier version took the fastest of four placements per
 * repetition, which on a noisy machine picked the luckiest of four times
 * and so lowered the floor against the elements' one time each.) */
static guint8 *
raw_out_for (const guint8 *in)
{
  guint8 *base = (guint8 *)(((guintptr)raw_out_area + 4095) & ~(guintptr)4095);
  return base + ((((guintptr)in & 4095) + 1024) & 4095);
}

static void
raw_prepare (SizeData *sd, Variant enc)
{
  BenchRaw *raw = raws[enc];
  guint8 aad[BENCH_RAW_AAD_LEN] = { 0x10, 0, 96 };

  sd->raw_ct[enc] = g_new (guint8 *, n_packets + 1);
  sd->raw_ct_arena[enc] = g_malloc ((gsize)(n_packets + 1) * ARENA_STRIDE);
  for (guint i = 0; i <= n_packets; i++) {
    GstMapInfo m;
    sd->raw_ct[enc][i] = sd->raw_ct_arena[enc] + (gsize)i * ARENA_STRIDE;
    gst_buffer_map (sd->base[i], &m, GST_MAP_READ);
    bench_raw_seal (
        raw, i, aad, m.data + RTP_HDR, sd->payload, sd->raw_ct[enc][i]);
    gst_buffer_unmap (sd->base[i], &m);
  }
}

/* The raw loop over the same payloads, from plain arrays: ns per packet.
 * The input is prepared as the elements' (see batch_len): a batch is
 * copied into one block untimed, then sealed or opened from there. */
static gdouble
run_raw (SizeData *sd, Variant v, guint8 **plain)
{
  BenchRaw *raw = raws[encoder_of (v)];
  guint8 **ct = sd->raw_ct[encoder_of (v)];
  gsize tag = bench_raw_tag_len (raw);
  guint8 aad[BENCH_RAW_AAD_LEN] = { 0x10, 0, 96 };
  gboolean ok = TRUE;
  guint8 *slots = cold ? NULL : g_malloc ((gsize)batch_len * ARENA_STRIDE);
  guint8 **in = g_new (guint8 *, batch_len);
  gsize in_len = is_dec (v) ? sd->payload + tag : sd->payload;
  gint64 total = 0;

  for (guint first = 1; first <= n_packets; first += batch_len) {
    guint n = MIN (batch_len, n_packets + 1 - first);
    gint64 t0;
    for (guint k = 0; k < n; k++) {
      guint8 *from = is_dec (v) ? ct[first + k] : plain[first + k];
      if (cold) {
        in[k] = from;
      } else {
        in[k] = slots + (gsize)k * ARENA_STRIDE;
        memcpy (in[k], from, in_len);
      }
    }
    t0 = bench_now_ns ();
    if (is_dec (v)) {
      for (guint k = 0; k < n; k++)
        ok &= bench_raw_open (
            raw, first + k, aad, in[k], in_len, raw_out_for (in[k]));
    } else {
      for (guint k = 0; k < n; k++)
        ok &= bench_raw_seal (
            raw, first + k, aad, in[k], in_len, raw_out_for (in[k]));
    }
    total += bench_now_ns () - t0;
  }
  g_free (slots);
  g_free (in);
  if (!ok) {
    fprintf (stderr, "bench-elements: %s failed\n", variant_names[v]);
    exit (1);
  }
  return (gdouble)total / n_packets;
}

static void
remove_counter_dir (void)
{
  GDir *d = g_dir_open (counter_dir, 0, NULL);
  const gchar *f;

  while (d && (f = g_dir_read_name (d))) {
    gchar *p = g_build_filename (counter_dir, f, NULL);
    g_unlink (p);
    g_free (p);
  }
  if (d)
    g_dir_close (d);
  g_rmdir (counter_dir);
}

/* Whether a row is measured with buffer lists.  Not srtpdec: it decrypts
 * a gst_buffer_make_writable() copy but pushes (and unrefs) the buffer it
 * was given, so a non-writable input - every buffer of a list, which the
 * core refs while chaining it - comes out still encrypted and with one
 * unref too many (GStreamer-CRITICAL, then use after free). */
static gboolean is_measured (Variant v, gboolean lists);

static gboolean
variant_available (Variant v)
{
  if (v == V_IDENTITY_2)
    return FALSE;
  return !is_srtp (v) || have_srtp;
}

/* BENCH_ONLY=substring[,substring...] measures only the matching rows
 * (e.g. for a profiler); the others print as 0. */
static gboolean
variant_enabled (Variant v)
{
  const gchar *only = g_getenv ("BENCH_ONLY");
  gchar **parts;
  gboolean match = FALSE;

  if (!variant_available (v))
    return FALSE;
  if (!only || !*only)
    return TRUE;
  parts = g_strsplit (only, ",", -1);
  for (guint i = 0; parts[i]; i++)
    match |= strstr (variant_names[v], parts[i]) != NULL;
  g_strfreev (parts);
  return match;
}

static gboolean
is_measured (Variant v, gboolean lists)
{
  if (!variant_enabled (v))
    return FALSE;
  return !lists || !(is_raw (v) || (is_srtp (v) && is_dec (v)));
}

int
main (int argc, char **argv)
{
  static const gsize sizes[2] = { 100, 1200 };
  gboolean tsv = argc > 1 && !strcmp (argv[1], "--tsv");
  guint reps;
  SizeData sd[2];
  /* [size][lists][variant][rep] */
  gdouble *ns[2][2][N_VARIANTS];
  gdouble med[2][2][N_VARIANTS];
  guint8 **plain[2];
  guint8 *plain_arena[2];

#ifdef __GLIBC__
  /* Freeing a repetition's packets would otherwise shrink the heap with
   * brk() inside the timed loops (glibc trims above 128 KiB free at the
   * top) and fault the pages back in: not the elements' cost, and not
   * what a pipeline with buffer pools sees. */
  mallopt (M_TRIM_THRESHOLD, 512 * 1024 * 1024);
  mallopt (M_MMAP_THRESHOLD, 1024 * 1024);
#endif
  gst_init (&argc, &argv);
  n_packets = bench_env_uint ("BENCH_PACKETS", 10000);
  list_len = MAX (bench_env_uint ("BENCH_LIST", 32), 1);
  cold = bench_env_uint ("BENCH_COLD", 0) != 0;
  batch_len = MAX (bench_env_uint ("BENCH_BATCH", list_len), 1);
  /* whole lists in a batch */
  batch_len = cold ? n_packets : MAX (batch_len / list_len, 1) * list_len;
  reps = bench_env_uint ("BENCH_REPS", 9);

#ifdef E2EE_PLUGIN_FILE
  if (!gst_registry_check_feature_version (
          gst_registry_get (), "e2eeenc", 0, 0, 0)) {
    GError *err = NULL;
    GstPlugin *p = gst_plugin_load_file (E2EE_PLUGIN_FILE, &err);
    if (!p) {
      fprintf (stderr, "bench-elements: %s\n", err->message);
      return 1;
    }
    gst_object_unref (p);
  }
#endif
  have_srtp = gst_registry_check_feature_version (
      gst_registry_get (), "srtpenc", 1, 0, 0);
  if (!have_srtp)
    fprintf (stderr,
        "bench-elements: no srtpenc/srtpdec (install "
        "gstreamer1.0-plugins-bad): SRTP rows skipped\n");
  counter_dir = g_dir_make_tmp ("bench-e2ee-XXXXXX", NULL);
  rtp_caps = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING,
      "video", "clock-rate", G_TYPE_INT, 90000, "encoding-name", G_TYPE_STRING,
      "VP8", "payload", G_TYPE_INT, 96, "ssrc", G_TYPE_UINT, SSRC, NULL);
  raws[V_RAW_ENC_CTR] = bench_raw_new (BENCH_RAW_CTR_HMAC_OPENSSL);
  raws[V_RAW_ENC_GCM] = bench_raw_new (BENCH_RAW_OPENSSL_AES256GCM);

  memset (sd, 0, sizeof (sd));
  memset (med, 0, sizeof (med));
  memset (ns, 0, sizeof (ns));
  for (guint z = 0; z < 2; z++) {
    sd[z].payload = sizes[z];
    sd[z].base = g_new (GstBuffer *, n_packets + 1);
    plain[z] = g_new (guint8 *, n_packets + 1);
    plain_arena[z] = g_malloc ((gsize)(n_packets + 1) * ARENA_STRIDE);
    for (guint i = 0; i <= n_packets; i++) {
      GstMapInfo m;
      sd[z].base[i] = rtp_packet (i, sizes[z]);
      gst_buffer_map (sd[z].base[i], &m, GST_MAP_READ);
      plain[z][i] = plain_arena[z] + (gsize)i * ARENA_STRIDE;
      memcpy (plain[z][i], m.data + RTP_HDR, sizes[z]);
      gst_buffer_unmap (sd[z].base[i], &m);
    }
    for (Variant v = 0; v < N_VARIANTS; v++) {
      if (!variant_available (v) || is_dec (v))
        continue;
      if (is_raw (v))
        raw_prepare (&sd[z], v);
      else if (!is_identity (v))
        make_stream (&sd[z], v);
    }
    for (guint l = 0; l < 2; l++)
      for (Variant v = 0; v < N_VARIANTS; v++)
        ns[z][l][v] = g_new0 (gdouble, reps);
  }

  /* the decoders must give the plain packets back */
  for (guint z = 0; z < 2; z++)
    for (guint l = 0; l < 2; l++)
      for (Variant v = 0; v < N_VARIANTS; v++)
        if (is_dec (v) && !is_raw (v) && is_measured (v, l))
          verify_decoder (&sd[z], v, l);

  /* interleaved repetitions; one untimed round first */
  for (guint r = 0; r <= reps; r++)
    for (guint z = 0; z < 2; z++)
      for (guint l = 0; l < 2; l++)
        for (Variant v = 0; v < N_VARIANTS; v++) {
          gdouble x;
          if (!is_measured (v, l))
            continue;
          x = is_raw (v) ? run_raw (&sd[z], v, plain[z])
                         : run_element (&sd[z], v, l);
          if (r > 0)
            ns[z][l][v][r - 1] = x;
        }

  if (!tsv)
    printf ("bench-elements: %u packets per repetition, median of %u "
            "repetitions\n",
        n_packets, reps);
  for (guint z = 0; z < 2; z++)
    for (guint l = 0; l < 2; l++) {
      if (!tsv) {
        if (l)
          printf ("\n%" G_GSIZE_FORMAT "-byte payload, buffer lists of %u "
                  "(gst_pad_push_list)\n",
              sizes[z], list_len);
        else
          printf ("\n%" G_GSIZE_FORMAT "-byte payload, one buffer per "
                  "gst_pad_push()\n",
              sizes[z]);
        printf ("%-31s %9s %11s %15s %10s %9s %9s\n", "element", "ns/pkt",
            "pkts/s", "min..max ns", "vs srtp", "vs raw", "net/raw");
      }
      for (Variant v = 0; v < N_VARIANTS; v++)
        if (is_measured (v, l))
          med[z][l][v] = bench_median (ns[z][l][v], reps);
      for (Variant v = 0; v < N_VARIANTS; v++) {
        gdouble lo, hi, m = med[z][l][v];
        gchar vs_srtp[32] = "", vs_raw[32] = "", net_raw[32] = "";
        if (l && is_srtp (v) && is_dec (v) && variant_enabled (v) && !tsv)
          printf ("%-31s %9s  (srtpdec mishandles non-writable buffers, "
                  "see the source)\n",
              variant_names[v], "n/a");
        if (!is_measured (v, l))
          continue;
        lo = ns[z][l][v][0];
        hi = ns[z][l][v][reps - 1]; /* sorted by bench_median */
        if (is_e2ee (v)) {
          /* e2ee rows: srtp is 2 rows below, raw 4 */
          if (is_measured (v + 2, l))
            g_snprintf (
                vs_srtp, sizeof (vs_srtp), "%.2fx", med[z][l][v + 2] / m);
          if (variant_enabled (v + 4))
            g_snprintf (vs_raw, sizeof (vs_raw), "%.2fx", m / med[z][0][v + 4]);
          /* what the element adds above a pass-through element, over the
           * raw AEAD */
          if (variant_enabled (v + 4) && is_measured (V_IDENTITY, l))
            g_snprintf (net_raw, sizeof (net_raw), "%.2fx",
                (m - med[z][l][V_IDENTITY]) / med[z][0][v + 4]);
        } else if (is_srtp (v) && variant_enabled (v + 2)) {
          g_snprintf (vs_raw, sizeof (vs_raw), "%.2fx", m / med[z][0][v + 2]);
        }
        if (tsv)
          printf ("elements\t%s\t%s\t%" G_GSIZE_FORMAT "\t%.1f\t%.0f\t%.1f\t"
                  "%.1f\t%s\t%s\t%s\n",
              variant_names[v], l ? "list" : "buffer", sizes[z], m, 1e9 / m, lo,
              hi, vs_srtp, vs_raw, net_raw);
        else
          printf ("%-31s %9.1f %11.0f %7.1f..%-7.1f %10s %9s %9s\n",
              variant_names[v], m, 1e9 / m, lo, hi, vs_srtp, vs_raw, net_raw);
      }
    }

  if (!tsv) {
    printf ("\nvs srtp = packets/s of ours / packets/s of the srtp element "
            "(target >= 5)\nvs raw = ns/pkt / ns/pkt of the raw AEAD loop of "
            "the same suite (target <= 2 at 1200 B)\nnet/raw = (ns/pkt - "
            "ns/pkt of identity) / ns/pkt of the raw AEAD loop (e2eeenc "
            "target <= 1.3 at 1200 B)\n");
    printf ("\ntargets, one buffer per push:\n");
    for (Variant v = 0; v < N_VARIANTS; v++) {
      if (!is_e2ee (v) || !variant_enabled (v))
        continue;
      for (guint z = 0; z < 2; z++) {
        gdouble m = med[z][0][v];
        if (variant_enabled (v + 2))
          printf ("  %-26s %4" G_GSIZE_FORMAT " B: %5.2fx srtp  %s\n",
              variant_names[v], sizes[z], med[z][0][v + 2] / m,
              med[z][0][v + 2] / m >= 5 ? "PASS" : "MISS (>= 5x)");
        if (z == 1 && variant_enabled (v + 4))
          printf ("  %-26s %4" G_GSIZE_FORMAT " B: %5.2fx raw   %s\n",
              variant_names[v], sizes[z], m / med[z][0][v + 4],
              m / med[z][0][v + 4] <= 2 ? "PASS" : "MISS (<= 2x)");
        if (z == 1 && variant_enabled (v + 4) && variant_enabled (V_IDENTITY)) {
          gdouble net = (m - med[z][0][V_IDENTITY]) / med[z][0][v + 4];
          if (is_dec (v))
            printf ("  %-26s %4" G_GSIZE_FORMAT " B: %5.2fx raw above "
                    "identity\n",
                variant_names[v], sizes[z], net);
          else
            printf ("  %-26s %4" G_GSIZE_FORMAT " B: %5.2fx raw above "
                    "identity  %s\n",
                variant_names[v], sizes[z], net,
                net <= 1.3 ? "PASS" : "MISS (<= 1.3x)");
        }
      }
    }
  }

  for (guint z = 0; z < 2; z++) {
    for (guint i = 0; i <= n_packets; i++) {
      gst_buffer_unref (sd[z].base[i]);
    }
    g_free (sd[z].base);
    g_free (plain[z]);
    g_free (plain_arena[z]);
    for (Variant v = 0; v < N_VARIANTS; v++) {
      if (sd[z].stream[v]) {
        for (guint i = 0; i <= n_packets; i++)
          gst_buffer_unref (sd[z].stream[v][i]);
        g_free (sd[z].stream[v]);
      }
      if (sd[z].raw_ct[v]) {
        g_free (sd[z].raw_ct_arena[v]);
        g_free (sd[z].raw_ct[v]);
      }
      gst_clear_caps (&sd[z].stream_caps[v]);
    }
    for (guint l = 0; l < 2; l++)
      for (Variant v = 0; v < N_VARIANTS; v++)
        g_free (ns[z][l][v]);
  }
  for (Variant v = 0; v < N_VARIANTS; v++)
    bench_raw_free (raws[v]);
  gst_caps_unref (rtp_caps);
  remove_counter_dir ();
  g_free (counter_dir);
  return 0;
}
