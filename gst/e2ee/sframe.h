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

#include <glib.h>

G_BEGIN_DECLS

/* IANA "SFrame Cipher Suites" values (RFC 9605 section 8.1). */
typedef enum
{
  SFRAME_SUITE_AES_128_CTR_HMAC_SHA256_80 = 1,
  SFRAME_SUITE_AES_128_CTR_HMAC_SHA256_64 = 2,
  SFRAME_SUITE_AES_128_CTR_HMAC_SHA256_32 = 3,
  SFRAME_SUITE_AES_128_GCM_SHA256_128 = 4,
  SFRAME_SUITE_AES_256_GCM_SHA512_128 = 5,
} SFrameSuite;

#define SFRAME_HEADER_MAX 17 /* 1 config byte + 8 KID + 8 CTR bytes */
#define SFRAME_NONCE_LEN 12 /* Nn, the same for every suite */
#define SFRAME_TAG_MAX 16
#define SFRAME_KEY_MAX 48 /* Nk of the CTR+HMAC suites */
#define SFRAME_METADATA_MAX 512

typedef struct
{
  SFrameSuite id;
  const gchar *name; /* RFC name, e.g. "AES_256_GCM_SHA512_128" */
  gsize nh; /* hash output size of the KDF */
  gsize nka; /* AES key part of Nk for the CTR+HMAC suites, else 0 */
  gsize nk; /* key size */
  gsize nn; /* nonce size */
  gsize nt; /* tag size */
} SFrameSuiteInfo;

/* AEAD implementation used for a cipher context. AUTO picks what the
 * benchmark found fastest: for suite 5 on AES-NI machines both libraries,
 * libsodium for small packets and OpenSSL for large ones; else OpenSSL. */
typedef enum
{
  SFRAME_BACKEND_AUTO = 0,
  SFRAME_BACKEND_OPENSSL,
  SFRAME_BACKEND_SODIUM,
} SFrameBackend;

typedef enum
{
  SFRAME_OK = 0,
  SFRAME_ERR_TRUNCATED = -1, /* shorter than its own header or the tag */
  SFRAME_ERR_AUTH = -3, /* tag mismatch */
  SFRAME_ERR_TOO_BIG = -4, /* output buffer too small / input too big */
  SFRAME_ERR_CRYPTO = -5, /* the crypto library failed */
  SFRAME_ERR_UNSUPPORTED = -6, /* suite or backend not available */
} SFrameResult;

typedef struct _SFrameCipher SFrameCipher;

/* Call once before anything else (thread safe, idempotent). FALSE when
 * libsodium cannot be initialised. */
gboolean sframe_init (void);

const SFrameSuiteInfo *sframe_suite_info (SFrameSuite suite);
const gchar *sframe_result_to_string (SFrameResult r);

/* Header (section 4.3).  encode writes the shortest form and returns the
 * header length (1..17); decode also accepts longer (non-minimal) forms and
 * returns the header length or SFRAME_ERR_TRUNCATED. */
gsize sframe_header_encode (
    guint64 kid, guint64 ctr, guint8 out[SFRAME_HEADER_MAX]);
gint sframe_header_decode (
    const guint8 *buf, gsize len, guint64 *kid, guint64 *ctr);
gsize sframe_header_len (guint64 kid, guint64 ctr);

/* Key schedule (section 4.4.2): sframe_key (Nk bytes) and sframe_salt
 * (Nn bytes) for one KID. */
gboolean sframe_derive (SFrameSuite suite, guint64 kid, const guint8 *base_key,
    gsize base_key_len, guint8 *sframe_key, guint8 *sframe_salt);

/* Raw AEAD (section 4.5) with an explicit Nk-byte key and nonce, as in the
 * RFC's C.2 vectors.  ct must hold pt_len + Nt bytes. */
SFrameResult sframe_aead_seal (SFrameSuite suite, SFrameBackend backend,
    const guint8 *key, const guint8 *nonce, const guint8 *aad, gsize aad_len,
    const guint8 *pt, gsize pt_len, guint8 *ct);
SFrameResult sframe_aead_open (SFrameSuite suite, SFrameBackend backend,
    const guint8 *key, const guint8 *nonce, const guint8 *aad, gsize aad_len,
    const guint8 *ct, gsize ct_len, guint8 *pt);

/* A cipher context: the derived key, salt and the prepared AEAD state of
 * one (base key, KID, suite).  Not thread safe: one per streaming thread. */
SFrameCipher *sframe_cipher_new (SFrameSuite suite, SFrameBackend backend,
    guint64 kid, const guint8 *base_key, gsize base_key_len);
void sframe_cipher_free (SFrameCipher *c);
SFrameSuite sframe_cipher_get_suite (const SFrameCipher *c);
guint64 sframe_cipher_get_kid (const SFrameCipher *c);
SFrameBackend sframe_cipher_get_backend (const SFrameCipher *c);

/* Bytes an SFrame adds to a plaintext for this (KID, CTR). */
gsize sframe_cipher_overhead (const SFrameCipher *c, guint64 ctr);

/* Encrypt: writes header || ciphertext || tag to out (out_size must be at
 * least pt_len + sframe_cipher_overhead()).  pt may not overlap out.
 * Returns the number of bytes written or a negative SFrameResult. */
gssize sframe_cipher_encrypt (SFrameCipher *c, guint64 ctr,
    const guint8 *metadata, gsize metadata_len, const guint8 *pt, gsize pt_len,
    guint8 *out, gsize out_size);

/* Encrypt in place, in three pieces: the header goes to hdr (its length
 * to *hdr_len), buf[0..len) is encrypted where it is, the tag (Nt bytes)
 * goes to tag.  hdr || buf || tag is byte for byte what
 * sframe_cipher_encrypt() writes. */
SFrameResult sframe_cipher_encrypt_inplace (SFrameCipher *c, guint64 ctr,
    const guint8 *metadata, gsize metadata_len, guint8 hdr[SFRAME_HEADER_MAX],
    gsize *hdr_len, guint8 *buf, gsize len, guint8 tag[SFRAME_TAG_MAX]);

/* Decrypt a whole SFrame ciphertext whose header (hdr_len bytes, KID
 * matching this context, counter ctr) was parsed with
 * sframe_header_decode().  Writes the plaintext (len - hdr_len - Nt bytes)
 * to out and returns its length, or a negative SFrameResult.  The tag is
 * checked in constant time before anything is written. */
gssize sframe_cipher_decrypt (SFrameCipher *c, const guint8 *sframe, gsize len,
    gsize hdr_len, guint64 ctr, const guint8 *metadata, gsize metadata_len,
    guint8 *out, gsize out_size);

/* Convenience for tests: parse, check the KID and decrypt. */
gssize sframe_decrypt (SFrameCipher *c, const guint8 *sframe, gsize len,
    const guint8 *metadata, gsize metadata_len, guint8 *out, gsize out_size);

/* Which backend AUTO picks for a suite on this machine. */
SFrameBackend sframe_backend_for_suite (SFrameSuite suite);
gboolean sframe_backend_available (SFrameSuite suite, SFrameBackend b);
const gchar *sframe_backend_name (SFrameBackend b);

G_END_DECLS

#endif /* __SFRAME_H__ */
