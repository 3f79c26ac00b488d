/* SFrame (RFC 9605) codec: header encoding, key schedule and the AEADs of
 * all five RFC cipher suites.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * This file knows nothing of GStreamer: it is shared by the elements, the
 * unit tests, the fuzz targets and the benchmarks.  Primitives come from
 * libsodium where it has them (HMAC, AES-256-GCM on AES-NI machines) and
 * from OpenSSL's libcrypto for the rest (AES-CTR, AES-128-GCM, HKDF).
 */
#ifndef __SFRAME_H__
#define __SFRAME_H__

#include "e2ee-prelude.h"
#include <glib.h>

G_BEGIN_DECLS

/* IANA "SFrame Cipher Suites" values (RFC 9605 section 8.1). */
typedef enum
{
  GST_E2EE_SFRAME_SUITE_AES_128_CTR_HMAC_SHA256_80 = 1,
  GST_E2EE_SFRAME_SUITE_AES_128_CTR_HMAC_SHA256_64 = 2,
  GST_E2EE_SFRAME_SUITE_AES_128_CTR_HMAC_SHA256_32 = 3,
  GST_E2EE_SFRAME_SUITE_AES_128_GCM_SHA256_128 = 4,
  GST_E2EE_SFRAME_SUITE_AES_256_GCM_SHA512_128 = 5,
} GstE2eeSFrameSuite;

/* 1 config byte + 8 KID + 8 CTR bytes */
#define GST_E2EE_SFRAME_HEADER_MAX 17
#define GST_E2EE_SFRAME_NONCE_LEN 12 /* Nn, the same for every suite */
#define GST_E2EE_SFRAME_TAG_MAX 16
#define GST_E2EE_SFRAME_KEY_MAX 48 /* Nk of the CTR+HMAC suites */
#define GST_E2EE_SFRAME_METADATA_MAX 512

typedef struct
{
  GstE2eeSFrameSuite id;
  const gchar *name; /* RFC name, e.g. "AES_256_GCM_SHA512_128" */
  gsize nh; /* hash output size of the KDF */
  gsize nka; /* AES key part of Nk for the CTR+HMAC suites, else 0 */
  gsize nk; /* key size */
  gsize nn; /* nonce size */
  gsize nt; /* tag size */
} GstE2eeSFrameSuiteInfo;

/* AEAD implementation used for a cipher context. AUTO picks what the
 * benchmark found fastest: for suite 5 on AES-NI machines both libraries,
 * libsodium for small packets and OpenSSL for large ones; else OpenSSL. */
typedef enum
{
  GST_E2EE_SFRAME_BACKEND_AUTO = 0,
  GST_E2EE_SFRAME_BACKEND_OPENSSL,
  GST_E2EE_SFRAME_BACKEND_SODIUM,
} GstE2eeSFrameBackend;

typedef enum
{
  GST_E2EE_SFRAME_OK = 0,
  GST_E2EE_SFRAME_ERR_TRUNCATED =
      -1, /* shorter than its own header or the tag */
  GST_E2EE_SFRAME_ERR_AUTH = -3, /* tag mismatch */
  GST_E2EE_SFRAME_ERR_TOO_BIG =
      -4, /* output buffer too small / input too big */
  GST_E2EE_SFRAME_ERR_CRYPTO = -5, /* the crypto library failed */
  GST_E2EE_SFRAME_ERR_UNSUPPORTED = -6, /* suite or backend not available */
} GstE2eeSFrameResult;

typedef struct _GstE2eeSFrameCipher GstE2eeSFrameCipher;

/* Call once before anything else (thread safe, idempotent). FALSE when
 * libsodium cannot be initialised. */
GST_E2EE_API
gboolean gst_e2ee_sframe_init (void);

GST_E2EE_API
const GstE2eeSFrameSuiteInfo *gst_e2ee_sframe_suite_info (
    GstE2eeSFrameSuite suite);
GST_E2EE_API
const gchar *gst_e2ee_sframe_result_to_string (GstE2eeSFrameResult r);

/* Header (section 4.3).  encode writes the shortest form and returns the
 * header length (1..17); decode also accepts longer (non-minimal) forms and
 * returns the header length or GST_E2EE_SFRAME_ERR_TRUNCATED. */
GST_E2EE_API
gsize gst_e2ee_sframe_header_encode (
    guint64 kid, guint64 ctr, guint8 out[GST_E2EE_SFRAME_HEADER_MAX]);
GST_E2EE_API
gint gst_e2ee_sframe_header_decode (
    const guint8 *buf, gsize len, guint64 *kid, guint64 *ctr);
GST_E2EE_API
gsize gst_e2ee_sframe_header_len (guint64 kid, guint64 ctr);

/* Key schedule (section 4.4.2): sframe_key (Nk bytes) and sframe_salt
 * (Nn bytes) for one KID. */
GST_E2EE_API
gboolean gst_e2ee_sframe_derive (GstE2eeSFrameSuite suite, guint64 kid,
    const guint8 *base_key, gsize base_key_len, guint8 *sframe_key,
    guint8 *sframe_salt);

/* Raw AEAD (section 4.5) with an explicit Nk-byte key and nonce, as in the
 * RFC's C.2 vectors.  ct must hold pt_len + Nt bytes. */
GST_E2EE_API
GstE2eeSFrameResult gst_e2ee_sframe_aead_seal (GstE2eeSFrameSuite suite,
    GstE2eeSFrameBackend backend, const guint8 *key, const guint8 *nonce,
    const guint8 *aad, gsize aad_len, const guint8 *pt, gsize pt_len,
    guint8 *ct);
GST_E2EE_API
GstE2eeSFrameResult gst_e2ee_sframe_aead_open (GstE2eeSFrameSuite suite,
    GstE2eeSFrameBackend backend, const guint8 *key, const guint8 *nonce,
    const guint8 *aad, gsize aad_len, const guint8 *ct, gsize ct_len,
    guint8 *pt);

/* A cipher context: the derived key, salt and the prepared AEAD state of
 * one (base key, KID, suite).  Not thread safe: one per streaming thread. */
GST_E2EE_API
GstE2eeSFrameCipher *gst_e2ee_sframe_cipher_new (GstE2eeSFrameSuite suite,
    GstE2eeSFrameBackend backend, guint64 kid, const guint8 *base_key,
    gsize base_key_len);
GST_E2EE_API
void gst_e2ee_sframe_cipher_free (GstE2eeSFrameCipher *c);
GST_E2EE_API
GstE2eeSFrameSuite gst_e2ee_sframe_cipher_get_suite (
    const GstE2eeSFrameCipher *c);
GST_E2EE_API
guint64 gst_e2ee_sframe_cipher_get_kid (const GstE2eeSFrameCipher *c);
GST_E2EE_API
GstE2eeSFrameBackend gst_e2ee_sframe_cipher_get_backend (
    const GstE2eeSFrameCipher *c);

/* Bytes an SFrame adds to a plaintext for this (KID, CTR). */
GST_E2EE_API
gsize gst_e2ee_sframe_cipher_overhead (
    const GstE2eeSFrameCipher *c, guint64 ctr);

/* Encrypt: writes header || ciphertext || tag to out (out_size must be at
 * least pt_len + gst_e2ee_sframe_cipher_overhead()).  pt may not overlap out.
 * Returns the number of bytes written or a negative GstE2eeSFrameResult. */
GST_E2EE_API
gssize gst_e2ee_sframe_cipher_encrypt (GstE2eeSFrameCipher *c, guint64 ctr,
    const guint8 *metadata, gsize metadata_len, const guint8 *pt, gsize pt_len,
    guint8 *out, gsize out_size);

/* Encrypt in place, in three pieces: the header goes to hdr (its length
 * to *hdr_len), buf[0..len) is encrypted where it is, the tag (Nt bytes)
 * goes to tag.  hdr || buf || tag is byte for byte what
 * gst_e2ee_sframe_cipher_encrypt() writes. */
GST_E2EE_API
GstE2eeSFrameResult gst_e2ee_sframe_cipher_encrypt_inplace (
    GstE2eeSFrameCipher *c, guint64 ctr, const guint8 *metadata,
    gsize metadata_len, guint8 hdr[GST_E2EE_SFRAME_HEADER_MAX], gsize *hdr_len,
    guint8 *buf, gsize len, guint8 tag[GST_E2EE_SFRAME_TAG_MAX]);

/* Decrypt a whole SFrame ciphertext whose header (hdr_len bytes, KID
 * matching this context, counter ctr) was parsed with
 * gst_e2ee_sframe_header_decode().  Writes the plaintext (len - hdr_len - Nt
 * bytes) to out and returns its length, or a negative GstE2eeSFrameResult.  The
 * tag is checked in constant time before anything is written. */
GST_E2EE_API
gssize gst_e2ee_sframe_cipher_decrypt (GstE2eeSFrameCipher *c,
    const guint8 *sframe, gsize len, gsize hdr_len, guint64 ctr,
    const guint8 *metadata, gsize metadata_len, guint8 *out, gsize out_size);

/* Convenience for tests: parse, check the KID and decrypt. */
GST_E2EE_API
gssize gst_e2ee_sframe_decrypt (GstE2eeSFrameCipher *c, const guint8 *sframe,
    gsize len, const guint8 *metadata, gsize metadata_len, guint8 *out,
    gsize out_size);

/* Which backend AUTO picks for a suite on this machine. */
GST_E2EE_API
GstE2eeSFrameBackend gst_e2ee_sframe_backend_for_suite (
    GstE2eeSFrameSuite suite);
GST_E2EE_API
gboolean gst_e2ee_sframe_backend_available (
    GstE2eeSFrameSuite suite, GstE2eeSFrameBackend b);
GST_E2EE_API
const gchar *gst_e2ee_sframe_backend_name (GstE2eeSFrameBackend b);

G_END_DECLS

#endif /* __SFRAME_H__ */
