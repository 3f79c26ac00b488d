/* libFuzzer target: e2eedec in a GstHarness.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The plugin is compiled into this binary (GST_PLUGIN_BUILD_STATIC) so
 * that it is instrumented, and registered once with
 * gst_plugin_e2ee_register(); no other plugin is loaded and the registry
 * is disabled, so start-up is fast and nothing is dlopen()ed.
 *
 * Each input configures one e2eedec (mode, suite, key source, replay
 * window, ...: see fuzz-common.h), then runs a list of records: raw
 * buffers, buffers the harness seals with a valid tag (so that the fuzzer
 * reaches the replay window, KID state and held-buffer logic behind
 * authentication), keyring changes, flushes, property and caps changes
 * (with the suite from the caps, caps that switch the suite away and back,
 * as a relay could).
 *
 * Besides ASan/UBSan, it checks a fail-closed oracle: every buffer e2eedec
 * outputs must be the decryption (under the base or the alternate key) of
 * a buffer that was pushed, and with a replay window no (KID, CTR) may
 * come out twice.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <gst/rtp/gstrtpbuffer.h>

#include "fuzz-common.h"
#include "gste2eecommon.h"
#include "gste2eekeyring.h"
#include "sframe.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
GST_PLUGIN_STATIC_DECLARE (e2ee);

/* Any violated property is a crash, with a reproducer from libFuzzer. */
#define CHECK(cond)                                                            \
  ((cond) ? (void)0 : check_failed (__FILE__, __LINE__, #cond))

static G_GNUC_NORETURN void
check_failed (const char *file, int line, const char *what)
{
  fprintf (stderr, "%s:%d: property violated: %s\n", file, line, what);
  abort ();
}

#define ANY_KID G_MAXUINT64
#define MAX_RECORDS 256

/* -------------------------------------------------------------- globals */

enum
{
  CAPS_RTP,
  CAPS_VP8,
  CAPS_OPUS,
  CAPS_NO_ORIGINAL,
  CAPS_NOT_FIXED,
  CAPS_ANY,
  CAPS_STRING,
  CAPS_ORIGINAL_RTP,
  CAPS_RTP2,
  N_CAPS
};

static GstCaps *caps_variants[N_CAPS];
static gchar *state_dir;
static gboolean verbose; /* FUZZ_VERBOSE=1: buffers in/out */

static gboolean
caps_is_rtp (guint v)
{
  return v == CAPS_RTP || v == CAPS_RTP2;
}

/* Cipher contexts of the oracle and of SEAL, per (suite, key, KID). */
typedef struct
{
  GstE2eeSFrameSuite suite;
  gboolean alt;
  guint64 kid;
  GstE2eeSFrameCipher *cipher;
} CachedCipher;

#define CACHE_SIZE 64
static CachedCipher cache[CACHE_SIZE];
static guint cache_next;

static GstE2eeSFrameCipher *
get_cipher (GstE2eeSFrameSuite suite, gboolean alt, guint64 kid)
{
  CachedCipher *c;

  for (guint i = 0; i < CACHE_SIZE; i++) {
    c = &cache[i];
    if (c->cipher && c->suite == suite && c->alt == alt && c->kid == kid)
      return c->cipher;
  }
  c = &cache[cache_next++ % CACHE_SIZE];
  g_clear_pointer (&c->cipher, gst_e2ee_sframe_cipher_free);
  c->suite = suite;
  c->alt = alt;
  c->kid = kid;
  c->cipher = alt
      ? gst_e2ee_sframe_cipher_new (suite, GST_E2EE_SFRAME_BACKEND_AUTO, kid,
            fuzz_alt_key, sizeof (fuzz_alt_key))
      : gst_e2ee_sframe_cipher_new (suite, GST_E2EE_SFRAME_BACKEND_AUTO, kid,
            fuzz_base_key, sizeof (fuzz_base_key));
  CHECK (c->cipher != NULL);
  return c->cipher;
}

static void
cleanup (void)
{
  for (guint i = 0; i < CACHE_SIZE; i++)
    g_clear_pointer (&cache[i].cipher, gst_e2ee_sframe_cipher_free);
  for (guint i = 0; i < N_CAPS; i++)
    gst_clear_caps (&caps_variants[i]);
  if (state_dir) {
    /* the decoder writes nothing there; remove what may have appeared */
    gchar *sub = g_build_filename (state_dir, "gst-e2ee", "counters", NULL);
    g_rmdir (sub);
    g_free (sub);
    sub = g_build_filename (state_dir, "gst-e2ee", NULL);
    g_rmdir (sub);
    g_free (sub);
    g_rmdir (state_dir);
    g_clear_pointer (&state_dir, g_free);
  }
}

static void
log_handler (const gchar *domain, GLogLevelFlags level, const gchar *msg,
    gpointer user_data)
{
  g_log_default_handler (domain, level, msg, user_data);
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    abort ();
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  GstCaps *orig;
  GstStructure *s;

  (void)argc;
  (void)argv;
  /* only the statically registered plugin: no registry file, no scan,
   * no plugin scanner, no dlopen() of system plugins */
  g_setenv ("GST_REGISTRY_DISABLE", "yes", TRUE);
  g_setenv ("GST_REGISTRY_FORK", "no", TRUE);
  g_setenv ("GST_PLUGIN_SYSTEM_PATH_1_0", "", TRUE);
  g_setenv ("GST_PLUGIN_PATH_1_0", "", TRUE);
  g_setenv ("G_SLICE", "always-malloc", FALSE);
  state_dir = g_dir_make_tmp ("fuzz-e2eedec-XXXXXX", NULL);
  CHECK (state_dir != NULL);
  g_setenv ("XDG_STATE_HOME", state_dir, TRUE);

  gst_init (NULL, NULL);
  /* a critical or warning of GLib/GStreamer (a failed precondition) is a
   * bug: abort, which libFuzzer reports with a reproducer (GLib's own
   * fatal-criticals raise SIGTRAP, which libFuzzer does not catch) */
  g_log_set_default_handler (log_handler, NULL);
  GST_PLUGIN_STATIC_REGISTER (e2ee);
  CHECK (gst_e2ee_sframe_init ());

  caps_variants[CAPS_RTP] =
      gst_caps_from_string ("application/x-rtp, "
                            "media=(string)video, clock-rate=(int)90000, "
                            "encoding-name=(string)VP8, payload=(int)96");
  caps_variants[CAPS_RTP2] =
      gst_caps_from_string ("application/x-rtp, "
                            "media=(string)audio, clock-rate=(int)48000, "
                            "encoding-name=(string)OPUS, payload=(int)111");
  orig = gst_caps_from_string ("video/x-vp8, width=(int)320, "
                               "height=(int)240, framerate=(fraction)30/1");
  caps_variants[CAPS_VP8] = gst_caps_new_simple (
      "application/x-sframe", "original-caps", GST_TYPE_CAPS, orig, NULL);
  gst_caps_unref (orig);
  orig = gst_caps_from_string ("audio/x-opus, rate=(int)48000, "
                               "channels=(int)2");
  caps_variants[CAPS_OPUS] = gst_caps_new_simple (
      "application/x-sframe", "original-caps", GST_TYPE_CAPS, orig, NULL);
  gst_caps_unref (orig);
  caps_variants[CAPS_NO_ORIGINAL] =
      gst_caps_new_empty_simple ("application/x-sframe");
  orig = gst_caps_from_string ("video/x-raw, width=(int)[ 1, 100 ]");
  caps_variants[CAPS_NOT_FIXED] = gst_caps_new_simple (
      "application/x-sframe", "original-caps", GST_TYPE_CAPS, orig, NULL);
  gst_caps_unref (orig);
  orig = gst_caps_new_any ();
  caps_variants[CAPS_ANY] = gst_caps_new_simple (
      "application/x-sframe", "original-caps", GST_TYPE_CAPS, orig, NULL);
  gst_caps_unref (orig);
  caps_variants[CAPS_STRING] = gst_caps_new_simple ("application/x-sframe",
      "original-caps", G_TYPE_STRING, "video/x-vp8", NULL);
  caps_variants[CAPS_ORIGINAL_RTP] =
      gst_caps_new_empty_simple ("application/x-sframe");
  s = gst_caps_get_structure (caps_variants[CAPS_ORIGINAL_RTP], 0);
  gst_structure_set (
      s, "original-caps", GST_TYPE_CAPS, caps_variants[CAPS_RTP], NULL);
  for (guint i = 0; i < N_CAPS; i++)
    CHECK (caps_variants[i] != NULL);
  verbose = g_getenv ("FUZZ_VERBOSE") != NULL;
  atexit (cleanup);
  return 0;
}

/* --------------------------------------------------------------- input */

typedef struct
{
  const guint8 *p;
  gsize n;
} Reader;

static guint8
rd_u8 (Reader *r)
{
  guint8 v;
  if (r->n == 0)
    return 0;
  v = *r->p++;
  r->n--;
  return v;
}

static guint64
rd_varint (Reader *r)
{
  guint n = rd_u8 (r) % 9;
  guint64 v = 0;
  for (guint i = 0; i < n && r->n; i++)
    v = (v << 8) | rd_u8 (r);
  return v;
}

/* ---------------------------------------------------------------- oracle */

typedef struct
{
  guint pushed; /* buffers that decrypt to this output */
  guint out; /* times it came out */
  gboolean ambiguous; /* from several (KID, CTR) */
  guint64 kid, ctr;
} Expect;

typedef struct
{
  GstE2eeSFrameSuite suite;
  guint auth_fields; /* what SEAL authenticates */
  guint64 fields_seen; /* every rtp-auth-fields value set (bit i = i) */
  guint pending_fields; /* set while playing, applied at the next reset */
  guint window;
  gboolean keyring;
  guint64 kid_filter; /* static key restricted to one KID */
  gboolean loose; /* a property changed: no KID filter */
  gboolean replay_check; /* no state reset happened */
  gboolean rtp_mode;
  gboolean suite_from_caps; /* cipher-suite unset, caps name the suite */
  GHashTable *expect; /* GBytes -> Expect */
  GHashTable *seen; /* "kid:ctr" of outputs */
  guint64 in, out;
} Oracle;

static void
expect_add (Oracle *o, GBytes *out, guint64 kid, guint64 ctr)
{
  Expect *e = g_hash_table_lookup (o->expect, out);

  if (!e) {
    e = g_new0 (Expect, 1);
    e->kid = kid;
    e->ctr = ctr;
    g_hash_table_insert (o->expect, g_bytes_ref (out), e);
  } else if (e->kid != kid || e->ctr != ctr) {
    e->ambiguous = TRUE;
  }
  e->pushed++;
}

/* What e2eedec may output for buf if it is authentic, in both modes and
 * under both keys (a held buffer may be decrypted after a caps or key
 * change). */
/* Adds the output of sf if it authenticates under either key. */
static void
expect_sframe (Oracle *o, const guint8 *rtp_hdr, gsize rtp_hdr_len,
    const guint8 *sf, gsize sf_len, const guint8 *meta, gsize mlen)
{
  guint64 kid, ctr;
  gint hlen = gst_e2ee_sframe_header_decode (sf, sf_len, &kid, &ctr);

  if (hlen < 0 ||
      !(o->loose || o->kid_filter == ANY_KID || o->kid_filter == kid))
    return;
  for (guint alt = 0; alt < 2; alt++) {
    GstE2eeSFrameCipher *c = get_cipher (o->suite, alt, kid);
    guint8 *pt = g_malloc (rtp_hdr_len + sf_len + 1);
    gssize n = gst_e2ee_sframe_cipher_decrypt (
        c, sf, sf_len, hlen, ctr, meta, mlen, pt + rtp_hdr_len, sf_len);
    if (n >= 0) {
      GBytes *b;
      if (rtp_hdr_len) {
        memcpy (pt, rtp_hdr, rtp_hdr_len);
        pt[0] &= ~0x20;
      }
      b = g_bytes_new_take (pt, rtp_hdr_len + n);
      expect_add (o, b, kid, ctr);
      g_bytes_unref (b);
    } else {
      g_free (pt);
    }
  }
}

/* What e2eedec may output for buf if it is authentic: in both modes (a
 * held buffer may be decrypted after a caps change), under both keys and
 * every rtp-auth-fields value this input has set. */
static void
expect_buffer (Oracle *o, GstBuffer *buf)
{
  GstMapInfo map;
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return;
  expect_sframe (o, NULL, 0, map.data, map.size, NULL, 0);
  if (gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp)) {
    for (guint f = 0; f < 64; f++) {
      guint8 meta[E2EE_RTP_METADATA_MAX];
      gsize mlen;
      if (!(o->fields_seen & G_GUINT64_CONSTANT (1) << f))
        continue;
      mlen = e2ee_rtp_metadata (&rtp, f, meta);
      expect_sframe (o, map.data, gst_rtp_buffer_get_header_len (&rtp),
          gst_rtp_buffer_get_payload (&rtp),
          gst_rtp_buffer_get_payload_len (&rtp), meta, mlen);
    }
    gst_rtp_buffer_unmap (&rtp);
  }
  gst_buffer_unmap (buf, &map);
}

static void
check_output (Oracle *o, GstBuffer *buf)
{
  GstMapInfo map;
  GBytes *b;
  Expect *e;

  CHECK (gst_buffer_map (buf, &map, GST_MAP_READ));
  b = g_bytes_new (map.data, map.size);
  gst_buffer_unmap (buf, &map);
  e = g_hash_table_lookup (o->expect, b);
  g_bytes_unref (b);
  /* fail closed: nothing comes out that did not authenticate */
  if (!e || e->out >= e->pushed) {
    fprintf (stderr,
        "e2eedec output %" G_GSIZE_FORMAT " bytes that no "
        "pushed buffer authenticates to (%s)\n",
        gst_buffer_get_size (buf), e ? "more often than pushed" : "unknown");
    abort ();
  }
  e->out++;
  o->out++;
  /* (MAX_RECORDS < 1024 KIDs: no KID state is evicted) */
  if (o->window && o->replay_check && !e->ambiguous) {
    gchar *id = g_strdup_printf (
        "%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT, e->kid, e->ctr);
    if (g_hash_table_contains (o->seen, id)) {
      fprintf (stderr, "replay accepted: KID %s\n", id);
      abort ();
    }
    g_hash_table_add (o->seen, id);
  }
}

static void
drain (GstHarness *h, Oracle *o)
{
  GstBuffer *b;
  GstEvent *e;

  while ((b = gst_harness_try_pull (h))) {
    check_output (o, b);
    gst_buffer_unref (b);
  }
  while ((e = gst_harness_try_pull_event (h)))
    gst_event_unref (e);
  while ((e = gst_harness_try_pull_upstream_event (h)))
    gst_event_unref (e);
}

/* ------------------------------------------------------------- records */

static GstBuffer *
new_buffer (const guint8 *p, gsize n)
{
  /* gst_buffer_new_memdup() refuses an empty buffer */
  return n ? gst_buffer_new_memdup (p, n) : gst_buffer_new ();
}

static GstBuffer *
seal (Oracle *o, Reader *body)
{
  guint64 kid = rd_varint (body), ctr = rd_varint (body);
  guint8 flags = rd_u8 (body);
  GstE2eeSFrameCipher *c = get_cipher (o->suite, flags & 1, kid);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  const guint8 *pt = body->p;
  gsize pt_len = body->n, hdr = 0, cap;
  guint8 meta[E2EE_RTP_METADATA_MAX];
  gsize mlen = 0;
  guint8 *out;
  gssize n;
  GstBuffer *in = NULL;

  if (o->rtp_mode) {
    in = new_buffer (body->p, body->n);
    if (!gst_rtp_buffer_map (in, GST_MAP_READ, &rtp)) {
      /* not RTP: pushed as it is */
      return in;
    }
    pt = gst_rtp_buffer_get_payload (&rtp);
    pt_len = gst_rtp_buffer_get_payload_len (&rtp);
    hdr = gst_rtp_buffer_get_header_len (&rtp);
    mlen = e2ee_rtp_metadata (&rtp, o->auth_fields, meta);
  }
  /* exactly the room the API documents */
  cap = hdr + pt_len + gst_e2ee_sframe_cipher_overhead (c, ctr);
  out = g_malloc (cap);
  n = gst_e2ee_sframe_cipher_encrypt (
      c, ctr, meta, mlen, pt, pt_len, out + hdr, cap - hdr);
  CHECK (n == (gssize)(cap - hdr));
  if (hdr) {
    memcpy (out, body->p, hdr);
    out[0] &= ~0x20;
  }
  if (flags >> 1) {
    gsize bit = ((gsize)(flags >> 1) - 1) * 13 % ((gsize)n * 8);
    out[hdr + bit / 8] ^= 1 << (bit % 8);
  }
  if (in) {
    gst_rtp_buffer_unmap (&rtp);
    gst_buffer_unref (in);
  }
  return gst_buffer_new_wrapped (out, hdr + n);
}

/* Forged packets with count distinct KIDs and a garbage tag: they must
 * all be dropped, and (whatever they do to the decoder's KID table) must
 * not reopen the replay window of an authentic KID. */
static void
flood (GstHarness *h, Oracle *o, guint record, guint count)
{
  GstBufferList *list = gst_buffer_list_new_sized (MIN (count, 64));

  count = MIN (count, FUZZ_FLOOD_MAX);
  for (guint i = 0; i < count; i++) {
    guint8 pkt[12 + GST_E2EE_SFRAME_HEADER_MAX + 24];
    gsize off = 0, n;
    if (o->rtp_mode) {
      memset (pkt, 0, 12);
      pkt[0] = 0x80;
      pkt[1] = 96;
      pkt[3] = (guint8)i;
      off = 12;
    }
    n = gst_e2ee_sframe_header_encode (
        FUZZ_FLOOD_KID_BASE + (guint64)record * 4096 + i, i, pkt + off);
    memset (pkt + off + n, 0xa5, 24);
    gst_buffer_list_add (list, new_buffer (pkt, off + n + 24));
  }
  o->in += count;
  gst_pad_push_list (h->srcpad, list);
}

/* Changes a tunable while playing. */
static void
tune (GstElement *dec, Oracle *o, guint which, guint32 v)
{
  switch (which) {
    case 0:
      g_object_set (dec, "replay-window", v % 65537, NULL);
      /* with no window replays are fine; a smaller one still refuses
       * exact repeats */
      if (v % 65537 == 0)
        o->replay_check = FALSE;
      break;
    case 1:
      g_object_set (dec, "unknown-kid-timeout", v % 60001, NULL);
      break;
    case 2:
      g_object_set (dec, "unknown-kid-max-bytes", v % (1 << 20), NULL);
      break;
    case 3:
      g_object_set (dec, "drop-report-interval", v % 3600001, NULL);
      break;
    default:
      o->pending_fields = v & 0x3f;
      o->fields_seen |= G_GUINT64_CONSTANT (1) << o->pending_fields;
      g_object_set (dec, "rtp-auth-fields", o->pending_fields, NULL);
      break;
  }
}

static void
decorate (GstBuffer *buf, guint i)
{
  GstCaps *ref = caps_variants[CAPS_VP8];

  GST_BUFFER_PTS (buf) = i * GST_MSECOND;
  GST_BUFFER_DTS (buf) = i * GST_MSECOND;
  GST_BUFFER_DURATION (buf) = GST_MSECOND;
  GST_BUFFER_FLAG_SET (
      buf, GST_BUFFER_FLAG_DELTA_UNIT | GST_BUFFER_FLAG_DISCONT);
  gst_buffer_add_reference_timestamp_meta (
      buf, ref, i * GST_SECOND, GST_CLOCK_TIME_NONE);
}

static GstFlowReturn
push_pending (GstHarness *h, GstBufferList **pending)
{
  GstFlowReturn ret = GST_FLOW_OK;

  if (*pending) {
    ret = gst_pad_push_list (h->srcpad, *pending);
    *pending = NULL;
  }
  return ret;
}

/* With the suite from the caps, which suite they name: 0 the one SEAL
 * uses, 1 none (the default), 2 another one, 3 one nobody knows.  The
 * oracle's replay check stays on: no suite change from the caps may
 * reopen a replay window. */
static void
push_caps (GstHarness *h, Oracle *o, guint variant, guint suite_choice)
{
  GstSegment segment;
  GstCaps *caps = gst_caps_copy (caps_variants[variant]);

  o->rtp_mode = caps_is_rtp (variant);
  if (o->suite_from_caps && suite_choice != 1) {
    const gchar *nick = suite_choice == 0 ? e2ee_suite_nick (o->suite)
        : suite_choice == 2               ? e2ee_suite_nick (o->suite % 5 + 1)
                                          : "aes-512-imaginary";
    gst_caps_set_simple (caps, "encryption", G_TYPE_STRING, "sframe",
        "sframe-suite", G_TYPE_STRING, nick, NULL);
  }
  gst_harness_push_event (h, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_harness_push_event (h, gst_event_new_segment (&segment));
}

static guint
replay_window_of (guint v)
{
  static const guint w[4] = { 0, 64, 1024, 65536 };
  return w[v & 3];
}

static guint
hold_bytes_of (guint v)
{
  static const guint b[4] = { 2 * 1024 * 1024, 0, 300, 4096 };
  return b[v & 3];
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  Reader r = { data, size };
  guint8 c0, c1, c2;
  GstElement *dec;
  GstHarness *h;
  GstE2eeKeyring *kr = NULL;
  GstBufferList *pending = NULL;
  Oracle o;
  guint key_source, caps0;
  gboolean flooded = FALSE;

  if (size < 3 || size > 256 * 1024)
    return 0;
  c0 = rd_u8 (&r);
  c1 = rd_u8 (&r);
  c2 = rd_u8 (&r);

  memset (&o, 0, sizeof (o));
  o.suite = (c0 >> 1 & 7) % 5 + 1;
  key_source = (c0 >> 4) & 3;
  o.window = replay_window_of (c0 >> 6);
  o.auth_fields = o.pending_fields = c1 & 0x3f;
  o.fields_seen = G_GUINT64_CONSTANT (1) << o.auth_fields;
  o.keyring = key_source >= 2;
  o.kid_filter = key_source == 1 ? FUZZ_DEC_STATIC_KID : ANY_KID;
  o.replay_check = TRUE;
  o.suite_from_caps = (c2 & 0x80) != 0;
  o.expect = g_hash_table_new_full (
      g_bytes_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref, g_free);
  o.seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  caps0 = (c0 & 1) ? CAPS_RTP : 1 + (c2 & 7) % 7;

  dec = gst_element_factory_make ("e2eedec", NULL);
  CHECK (dec != NULL);
  if (!o.suite_from_caps)
    g_object_set (dec, "cipher-suite", o.suite, NULL);
  g_object_set (dec, "replay-window", o.window, "rtp-auth-fields",
      o.auth_fields, "drop-report-interval", (c1 & 0x40) ? 0 : 1000,
      "unknown-kid-timeout", (c1 & 0x80) ? 0 : 2000, "unknown-kid-max-bytes",
      hold_bytes_of (c2 >> 3), NULL);
  if (o.keyring) {
    GstContext *ctx;
    kr = gst_e2ee_keyring_new ("fuzz");
    for (guint64 k = 0; k < FUZZ_DEC_KEYRING_PRELOADED; k++)
      CHECK (gst_e2ee_keyring_add_key (kr, k, fuzz_base_key,
          sizeof (fuzz_base_key), GST_E2EE_KEY_RECEIVE, k & 1 ? "alice" : NULL,
          NULL));
    ctx = gst_e2ee_context_new_keyring (kr, TRUE);
    gst_element_set_context (dec, ctx);
    gst_context_unref (ctx);
  } else {
    g_object_set (dec, "key", FUZZ_BASE_KEY_HEX, NULL);
    if (key_source == 1)
      g_object_set (dec, "kid", FUZZ_DEC_STATIC_KID, NULL);
  }

  h = gst_harness_new_with_element (dec, "sink", "src");
  push_caps (h, &o, caps0, 0);

  for (guint i = 0; i < MAX_RECORDS && r.n > 0; i++) {
    guint8 opb = rd_u8 (&r);
    guint len = rd_u8 (&r);
    Reader body;
    GstBuffer *buf = NULL;

    len |= (guint)rd_u8 (&r) << 8;
    body.p = r.p;
    body.n = MIN (len, r.n);
    r.p += body.n;
    r.n -= body.n;

    if (!(opb & FUZZ_OP_LIST_BIT))
      push_pending (h, &pending);

    switch ((opb & 0x0f) % FUZZ_OP_N) {
      case FUZZ_OP_RAW:
        buf = new_buffer (body.p, body.n);
        break;
      case FUZZ_OP_SEAL:
        buf = seal (&o, &body);
        break;
      case FUZZ_OP_KEY_ADD:
        if (kr) {
          guint64 kid = rd_varint (&body);
          guint8 f = rd_u8 (&body);
          gst_e2ee_keyring_add_key (kr, kid,
              f & 1 ? fuzz_alt_key : fuzz_base_key,
              f & 1 ? sizeof (fuzz_alt_key) : sizeof (fuzz_base_key),
              f & 2 ? GST_E2EE_KEY_SEND : GST_E2EE_KEY_RECEIVE, "bob", NULL);
        }
        break;
      case FUZZ_OP_KEY_REMOVE:
        if (kr)
          gst_e2ee_keyring_remove_key (kr, rd_varint (&body));
        break;
      case FUZZ_OP_KEY_RETIRE:
        if (kr) {
          guint64 kid = rd_varint (&body);
          gst_e2ee_keyring_retire_key (
              kr, kid, rd_u8 (&body) * 10 * GST_USECOND);
        }
        break;
      case FUZZ_OP_FLUSH: {
        GstSegment segment;
        gst_harness_push_event (h, gst_event_new_flush_start ());
        gst_harness_push_event (h, gst_event_new_flush_stop (TRUE));
        gst_segment_init (&segment, GST_FORMAT_TIME);
        gst_harness_push_event (h, gst_event_new_segment (&segment));
        break;
      }
      case FUZZ_OP_SET_KID:
        g_object_set (dec, "kid", body.n ? rd_varint (&body) : ANY_KID, NULL);
        o.loose = TRUE;
        o.replay_check = FALSE;
        break;
      case FUZZ_OP_SET_KEY: {
        static const gchar *const keys[4] = { NULL, FUZZ_BASE_KEY_HEX,
          FUZZ_ALT_KEY_HEX, "000102030405060708090a0b0c0d0e0g" };
        g_object_set (dec, "key", keys[rd_u8 (&body) & 3], NULL);
        o.loose = TRUE;
        o.replay_check = FALSE;
        o.auth_fields = o.pending_fields;
        break;
      }
      case FUZZ_OP_CAPS: {
        guint variant = rd_u8 (&body) % N_CAPS;
        push_caps (h, &o, variant, rd_u8 (&body) & 3);
        break;
      }
      case FUZZ_OP_TUNE: {
        guint which = rd_u8 (&body) % 5;
        guint32 v = rd_u8 (&body);
        v |= (guint32)rd_u8 (&body) << 8;
        v |= (guint32)rd_u8 (&body) << 16;
        tune (dec, &o, which, v);
        break;
      }
      case FUZZ_OP_FLOOD: {
        guint lo = rd_u8 (&body);
        guint count = lo | (guint)rd_u8 (&body) << 8;
        /* expensive (over 1024 forged KIDs cost e2eedec ~0.1 s under
         * ASan): only when the configuration asks, once per input */
        if (!(c2 & 0x40) || flooded)
          break;
        flooded = TRUE;
        push_pending (h, &pending);
        flood (h, &o, i, count);
        break;
      }
      case FUZZ_OP_STATS: {
        GstStructure *s = NULL;
        g_object_get (dec, "stats", &s, NULL);
        CHECK (s != NULL);
        gst_structure_free (s);
        break;
      }
    }

    if (buf) {
      if (opb & FUZZ_OP_META_BIT)
        decorate (buf, i);
      expect_buffer (&o, buf);
      o.in++;
      if (opb & FUZZ_OP_LIST_BIT) {
        if (!pending)
          pending = gst_buffer_list_new ();
        gst_buffer_list_add (pending, buf);
      } else {
        gst_harness_push (h, buf);
      }
    }
    drain (h, &o);
  }
  push_pending (h, &pending);
  if (!(c2 & 0x20))
    gst_harness_push_event (h, gst_event_new_eos ());
  drain (h, &o);
  CHECK (o.out <= o.in);
  if (verbose)
    fprintf (stderr,
        "e2eedec: %" G_GUINT64_FORMAT " buffers in, %" G_GUINT64_FORMAT
        " out\n",
        o.in, o.out);

  gst_harness_teardown (h);
  gst_object_unref (dec);
  if (kr)
    gst_object_unref (kr);
  g_hash_table_unref (o.expect);
  g_hash_table_unref (o.seen);
  return 0;
}
