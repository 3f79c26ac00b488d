/* bench-sframe: cost per packet of the SFrame codec, without GStreamer.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Measures gst_e2ee_sframe_cipher_encrypt() and
 * gst_e2ee_sframe_cipher_decrypt() for every cipher suite (suite 5 with both
 * backends) at 100 and 1200 bytes of payload (BENCH_SIZES=100,200,... for
 * others), and the raw AEAD loops of bench-common.c as the floor.  Every case
 * runs BENCH_REPS times (default 11), the repetitions of all cases interleaved,
 * each for about BENCH_REP_MS (default 20) ms; the table gives the median ns
 * per packet, packets per second and the range.
 *
 *   bench-sframe [--tsv]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-common.h"
#include "sframe.h"

#define MAX_PAYLOAD 1200
#define META_LEN 2

static const guint8 base_key[16] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
  0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };

typedef struct
{
  gchar *name; /* e.g. "sframe-s5-openssl" */
  gboolean decrypt;
  gsize size;
  GstE2eeSFrameCipher *cipher; /* or raw */
  BenchRaw *raw;
  guint8 pt[MAX_PAYLOAD];
  guint8 meta[BENCH_RAW_AAD_LEN];
  guint8 ct[MAX_PAYLOAD + 64]; /* the packet decrypt cases open */
  gsize ct_len, hdr_len;
  guint8 out[MAX_PAYLOAD + 64];
  guint64 ctr;
  guint64 n; /* packets per repetition */
  gdouble *ns; /* ns per packet of each repetition */
} Case;

static gboolean
run_one (Case *c)
{
  if (c->raw) {
    if (c->decrypt)
      return bench_raw_open (c->raw, 1000, c->meta, c->ct, c->ct_len, c->out);
    return bench_raw_seal (c->raw, c->ctr++, c->meta, c->pt, c->size, c->out);
  }
  if (c->decrypt)
    return gst_e2ee_sframe_cipher_decrypt (c->cipher, c->ct, c->ct_len,
               c->hdr_len, 1000, c->meta, META_LEN, c->out,
               sizeof (c->out)) == (gssize)c->size;
  return gst_e2ee_sframe_cipher_encrypt (c->cipher, c->ctr++, c->meta, META_LEN,
             c->pt, c->size, c->out, sizeof (c->out)) > 0;
}

/* ns per packet over n packets */
static gdouble
run_rep (Case *c, guint64 n)
{
  gint64 t0 = bench_now_ns (), t1;
  gboolean ok = TRUE;

  for (guint64 i = 0; i < n; i++)
    ok &= run_one (c);
  t1 = bench_now_ns ();
  if (!ok) {
    fprintf (stderr, "bench-sframe: %s failed\n", c->name);
    exit (1);
  }
  return (gdouble)(t1 - t0) / n;
}

static Case *
case_new (const gchar *name, gboolean decrypt, gsize size)
{
  Case *c = g_new0 (Case, 1);
  c->name = g_strdup (name);
  c->decrypt = decrypt;
  c->size = size;
  for (gsize i = 0; i < sizeof (c->pt); i++)
    c->pt[i] = (guint8)(i * 13);
  c->meta[0] = 0x80;
  c->meta[1] = 96;
  c->meta[2] = 0x11;
  return c;
}

static Case *
sframe_case (
    GstE2eeSFrameSuite s, GstE2eeSFrameBackend b, gboolean decrypt, gsize size)
{
  gchar *name;
  Case *c;
  gssize n;

  if (!gst_e2ee_sframe_backend_available (s, b))
    return NULL;
  name = g_strdup_printf ("sframe-s%d-%s", s,
      b == GST_E2EE_SFRAME_BACKEND_AUTO
          ? gst_e2ee_sframe_backend_name (gst_e2ee_sframe_backend_for_suite (s))
          : gst_e2ee_sframe_backend_name (b));
  c = case_new (name, decrypt, size);
  g_free (name);
  c->cipher = gst_e2ee_sframe_cipher_new (s, b, 1, base_key, sizeof (base_key));
  if (!c->cipher) {
    fprintf (stderr, "bench-sframe: no cipher for suite %d\n", s);
    exit (1);
  }
  n = gst_e2ee_sframe_cipher_encrypt (
      c->cipher, 1000, c->meta, META_LEN, c->pt, size, c->ct, sizeof (c->ct));
  if (n <= 0)
    exit (1);
  c->ct_len = n;
  c->hdr_len = gst_e2ee_sframe_header_len (1, 1000);
  return c;
}

static Case *
raw_case (BenchRawKind k, gboolean decrypt, gsize size)
{
  BenchRaw *r = bench_raw_new (k);
  Case *c;

  if (!r)
    return NULL;
  c = case_new (bench_raw_name (k), decrypt, size);
  c->raw = r;
  if (!bench_raw_seal (r, 1000, c->meta, c->pt, size, c->ct))
    exit (1);
  c->ct_len = size + bench_raw_tag_len (r);
  return c;
}

static void
case_free (Case *c)
{
  gst_e2ee_sframe_cipher_free (c->cipher);
  bench_raw_free (c->raw);
  g_free (c->ns);
  g_free (c->name);
  g_free (c);
}

static const Case *
find (GPtrArray *cases, const gchar *name, gboolean decrypt, gsize size)
{
  for (guint i = 0; i < cases->len; i++) {
    const Case *c = g_ptr_array_index (cases, i);
    if (!strcmp (c->name, name) && c->decrypt == decrypt && c->size == size)
      return c;
  }
  return NULL;
}

/* BENCH_SIZES: comma-separated payload sizes (default 100,1200), at most
 * MAX_PAYLOAD bytes each */
static guint
parse_sizes (gsize *sizes, guint max)
{
  const gchar *env = g_getenv ("BENCH_SIZES");
  gchar **parts;
  guint n = 0;

  if (!env || !*env)
    env = "100,1200";
  parts = g_strsplit (env, ",", -1);
  for (guint i = 0; parts[i] && n < max; i++) {
    guint64 v;
    if (g_ascii_string_to_unsigned (
            g_strstrip (parts[i]), 10, 0, MAX_PAYLOAD, &v, NULL))
      sizes[n++] = (gsize)v;
  }
  g_strfreev (parts);
  return n;
}

int
main (int argc, char **argv)
{
  gsize sizes[16];
  guint n_sizes = parse_sizes (sizes, G_N_ELEMENTS (sizes));
  gboolean tsv = argc > 1 && !strcmp (argv[1], "--tsv");
  guint reps = bench_env_uint ("BENCH_REPS", 11);
  guint rep_ms = bench_env_uint ("BENCH_REP_MS", 20);
  GPtrArray *cases = g_ptr_array_new_with_free_func ((GDestroyNotify)case_free);

  if (!gst_e2ee_sframe_init ()) {
    fprintf (stderr, "bench-sframe: gst_e2ee_sframe_init failed\n");
    return 1;
  }
  for (guint d = 0; d < 2; d++) {
    for (guint z = 0; z < n_sizes; z++) {
      for (GstE2eeSFrameSuite s = 1; s <= 5; s++) {
        Case *c = sframe_case (s,
            s == 5 ? GST_E2EE_SFRAME_BACKEND_OPENSSL
                   : GST_E2EE_SFRAME_BACKEND_AUTO,
            d, sizes[z]);
        if (c)
          g_ptr_array_add (cases, c);
        if (s == 5 &&
            (c = sframe_case (s, GST_E2EE_SFRAME_BACKEND_SODIUM, d, sizes[z])))
          g_ptr_array_add (cases, c);
      }
      for (BenchRawKind k = 0; k < BENCH_RAW_N; k++) {
        Case *c = raw_case (k, d, sizes[z]);
        if (c)
          g_ptr_array_add (cases, c);
      }
    }
  }

  /* calibration: packets per repetition for about rep_ms */
  for (guint i = 0; i < cases->len; i++) {
    Case *c = g_ptr_array_index (cases, i);
    gdouble ns;
    run_rep (c, 1000); /* warm up */
    ns = run_rep (c, 5000);
    c->n = MAX (1000, (guint64)(rep_ms * 1e6 / ns));
    c->ns = g_new0 (gdouble, reps);
  }
  /* interleaved repetitions */
  for (guint r = 0; r < reps; r++)
    for (guint i = 0; i < cases->len; i++) {
      Case *c = g_ptr_array_index (cases, i);
      c->ns[r] = run_rep (c, c->n);
    }

  if (!tsv) {
    printf (
        "bench-sframe: median of %u repetitions (~%u ms each)\n", reps, rep_ms);
    printf ("%-26s %-7s %5s %10s %12s %17s\n", "case", "op", "bytes", "ns/pkt",
        "pkts/s", "min..max ns");
  }
  for (guint i = 0; i < cases->len; i++) {
    Case *c = g_ptr_array_index (cases, i);
    gdouble lo = bench_min (c->ns, reps), hi = bench_max (c->ns, reps);
    gdouble med = bench_median (c->ns, reps);
    if (tsv)
      printf ("sframe\t%s\t%s\t%" G_GSIZE_FORMAT "\t%.1f\t%.0f\t%.1f\t%.1f\n",
          c->name, c->decrypt ? "decrypt" : "encrypt", c->size, med, 1e9 / med,
          lo, hi);
    else
      printf ("%-26s %-7s %5" G_GSIZE_FORMAT " %10.1f %12.0f %8.1f..%-8.1f\n",
          c->name, c->decrypt ? "decrypt" : "encrypt", c->size, med, 1e9 / med,
          lo, hi);
    /* the medians replace the sorted arrays' use below */
    c->ns[0] = med;
  }

  if (!tsv) {
    printf ("\nsuite 5 backends (ns/pkt, lower is better):\n");
    for (guint d = 0; d < 2; d++)
      for (guint z = 0; z < n_sizes; z++) {
        const Case *o = find (cases, "sframe-s5-openssl", d, sizes[z]);
        const Case *s = find (cases, "sframe-s5-libsodium", d, sizes[z]);
        if (!o || !s)
          continue;
        printf ("  %-7s %5" G_GSIZE_FORMAT " B: openssl %7.1f  libsodium "
                "%7.1f  -> %s faster by %.0f%%\n",
            d ? "decrypt" : "encrypt", sizes[z], o->ns[0], s->ns[0],
            o->ns[0] <= s->ns[0] ? "openssl" : "libsodium",
            100.0 * (MAX (o->ns[0], s->ns[0]) / MIN (o->ns[0], s->ns[0]) - 1));
      }
    printf ("\nSFrame codec cost / raw AEAD loop:\n");
    for (guint d = 0; d < 2; d++)
      for (guint z = 0; z < n_sizes; z++) {
        const Case *s5 = find (cases, "sframe-s5-openssl", d, sizes[z]);
        const Case *r5 = find (cases, "raw-openssl-aes256gcm", d, sizes[z]);
        const Case *s1 = find (cases, "sframe-s1-openssl", d, sizes[z]);
        const Case *r1 = find (cases, "raw-ctr-hmac-sodium", d, sizes[z]);
        const Case *o1 = find (cases, "raw-ctr-hmac-openssl", d, sizes[z]);
        if (s5 && r5 && s1 && r1 && o1)
          printf ("  %-7s %5" G_GSIZE_FORMAT " B: suite 5 %.2fx "
                  "raw-openssl-aes256gcm; suite 1 %.2fx raw-ctr-hmac-sodium, "
                  "%.2fx raw-ctr-hmac-openssl\n",
              d ? "decrypt" : "encrypt", sizes[z], s5->ns[0] / r5->ns[0],
              s1->ns[0] / r1->ns[0], s1->ns[0] / o1->ns[0]);
      }
  }
  g_ptr_array_unref (cases);
  return 0;
}
