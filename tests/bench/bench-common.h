/* Helpers shared by the benchmarks: clock, statistics and the raw AEAD
 * baselines (the crypto alone, pre-keyed, no SFrame, no GStreamer).
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __E2EE_BENCH_COMMON_H__
#define __E2EE_BENCH_COMMON_H__

#include <glib.h>

G_BEGIN_DECLS

/* CLOCK_MONOTONIC in nanoseconds */
gint64 bench_now_ns (void);

/* Median of n values (sorts v in place). */
gdouble bench_median (gdouble *v, guint n);
gdouble bench_min (const gdouble *v, guint n);
gdouble bench_max (const gdouble *v, guint n);

/* Unsigned integer from the environment, or def. */
guint bench_env_uint (const gchar *name, guint def);

/* The raw baselines.  AAD is BENCH_RAW_AAD_LEN bytes, as much as an SFrame
 * header plus the default RTP metadata (marker, payload type). */
typedef enum
{
  BENCH_RAW_OPENSSL_AES256GCM, /* EVP, AES-256-GCM, 16-byte tag */
  BENCH_RAW_SODIUM_AES256GCM, /* crypto_aead_aes256gcm_*_afternm */
  BENCH_RAW_CTR_HMAC_SODIUM, /* EVP AES-128-CTR + libsodium
                              * HMAC-SHA256 (keyed state copied), 10-byte
                              * tag: what sframe.c does for suite 1 */
  BENCH_RAW_CTR_HMAC_OPENSSL, /* EVP AES-128-CTR + OpenSSL HMAC-SHA256
                               * (EVP_MAC keyed once, re-initialised per
                               * packet): the same suite, OpenSSL only */
  BENCH_RAW_N
} BenchRawKind;

#define BENCH_RAW_AAD_LEN 3
#define BENCH_RAW_TAG_MAX 16

typedef struct _BenchRaw BenchRaw;

const gchar *bench_raw_name (BenchRawKind kind);
/* NULL if the kind is not available here (libsodium's AES-GCM needs
 * AES-NI). */
BenchRaw *bench_raw_new (BenchRawKind kind);
void bench_raw_free (BenchRaw *r);
gsize bench_raw_tag_len (const BenchRaw *r);
/* ct gets len bytes + the tag; nonce_ctr varies the nonce. */
gboolean bench_raw_seal (BenchRaw *r, guint64 nonce_ctr, const guint8 *aad,
    const guint8 *pt, gsize len, guint8 *ct);
/* ct_len includes the tag; FALSE if it does not authenticate. */
gboolean bench_raw_open (BenchRaw *r, guint64 nonce_ctr, const guint8 *aad,
    const guint8 *ct, gsize ct_len, guint8 *pt);

G_END_DECLS

#endif /* __E2EE_BENCH_COMMON_H__ */
