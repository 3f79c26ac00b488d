/* libFuzzer target: the SFrame codec without GStreamer.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Input: byte 0 selects the suite and options, byte 1 the length of the
 * metadata (AAD) that follows, the rest R is used twice:
 *
 *  1. as an untrusted SFrame: gst_e2ee_sframe_header_decode(), then
 *     gst_e2ee_sframe_cipher_decrypt() and gst_e2ee_sframe_decrypt() with a
 * fixed key; checks the header against an independent parser (longer than
 *     minimal forms are accepted, the encoder writes the shortest), that
 *     decryption fails cleanly (exactly sized output buffers, so ASan sees
 *     any overrun) and that whatever authenticates with a shortest-form
 *     header re-encrypts to the same bytes;
 *  2. as a plaintext: encrypt, then checks that the header decodes to the
 *     KID and CTR used, that decrypt gives R back, that a flipped bit of the
 *     ciphertext, tag or metadata fails authentication, and that the bytes
 *     equal an independent implementation of RFC 9605 section 4.5 written
 *     here with OpenSSL alone (and, for suite 5, libsodium's AES-256-GCM).
 *
 * Byte 0: bits 0-2 suite ((v % 5) + 1); bit 3 KID of the roundtrip
 * (FUZZ_SFRAME_KID_SHORT or _LONG); bit 4 also run the raw
 * gst_e2ee_sframe_aead_seal/open API; bits 5-7: the roundtrip CTR is the first
 * 8 bytes of R (little endian) shifted right by 8 * that value.
 *
 * Any violated property aborts (a libFuzzer crash).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sframe.h"
#include "fuzz-common.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Any violated property is a crash, with a reproducer from libFuzzer. */
#define CHECK(cond)                                                            \
  ((cond) ? (void)0 : check_failed (__FILE__, __LINE__, #cond))

static G_GNUC_NORETURN void
check_failed (const char *file, int line, const char *what)
{
  fprintf (stderr, "%s:%d: property violated: %s\n", file, line, what);
  abort ();
}

#define N_SUITES 5
#define N_KIDS 2

static const guint64 kids[N_KIDS] = { FUZZ_SFRAME_KID_SHORT,
  FUZZ_SFRAME_KID_LONG };

/* [suite - 1][kid index] */
static GstE2eeSFrameCipher *ciphers[N_SUITES][N_KIDS];
/* suite 5 with the libsodium backend, when the CPU has AES-NI */
static GstE2eeSFrameCipher *sodium_ciphers[N_KIDS];
/* derived key and salt of each context, for the reference implementation */
static guint8 ref_keys[N_SUITES][N_KIDS][GST_E2EE_SFRAME_KEY_MAX];
static guint8 ref_salts[N_SUITES][N_KIDS][GST_E2EE_SFRAME_NONCE_LEN];

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  CHECK (gst_e2ee_sframe_init ());
  for (guint s = 0; s < N_SUITES; s++) {
    for (guint k = 0; k < N_KIDS; k++) {
      ciphers[s][k] =
          gst_e2ee_sframe_cipher_new (s + 1, GST_E2EE_SFRAME_BACKEND_OPENSSL,
              kids[k], fuzz_base_key, sizeof (fuzz_base_key));
      CHECK (ciphers[s][k] != NULL);
      CHECK (gst_e2ee_sframe_derive (s + 1, kids[k], fuzz_base_key,
          sizeof (fuzz_base_key), ref_keys[s][k], ref_salts[s][k]));
    }
  }
  if (gst_e2ee_sframe_backend_available (
          GST_E2EE_SFRAME_SUITE_AES_256_GCM_SHA512_128,
          GST_E2EE_SFRAME_BACKEND_SODIUM)) {
    for (guint k = 0; k < N_KIDS; k++) {
      sodium_ciphers[k] =
          gst_e2ee_sframe_cipher_new (5, GST_E2EE_SFRAME_BACKEND_SODIUM,
              kids[k], fuzz_base_key, sizeof (fuzz_base_key));
      CHECK (sodium_ciphers[k] != NULL);
    }
  }
  return 0;
}

/* ------------------------------------------------- reference implementation
 * RFC 9605 section 4.5, from the RFC's pseudocode, with OpenSSL only. */

static void
ref_put_be (guint8 *p, guint64 v, guint n)
{
  for (guint i = 0; i < n; i++)
    p[i] = (guint8)(v >> (8 * (n - 1 - i)));
}

/* header (section 4.3), written independently of sframe.c */
static gsize
ref_header (guint64 kid, guint64 ctr, guint8 *out)
{
  guint nk = 0, nc = 0;
  gsize len = 1;

  if (kid >= 8)
    for (nk = 1; nk < 8 && (kid >> (8 * nk)) != 0; nk++)
      ;
  if (ctr >= 8)
    for (nc = 1; nc < 8 && (ctr >> (8 * nc)) != 0; nc++)
      ;
  out[0] = (guint8)((kid >= 8 ? 0x80 | ((nk - 1) << 4) : kid << 4) |
      (ctr >= 8 ? 0x08 | (nc - 1) : ctr));
  if (nk) {
    ref_put_be (out + len, kid, nk);
    len += nk;
  }
  if (nc) {
    ref_put_be (out + len, ctr, nc);
    len += nc;
  }
  return len;
}

/* Length of the header starting at buf according to its config byte
 * (G_MAXSIZE for an empty buffer). */
static gsize
ref_header_len (const guint8 *buf, gsize len)
{
  if (len == 0)
    return G_MAXSIZE;
  return 1 + (buf[0] & 0x80 ? ((buf[0] >> 4) & 7) + 1 : 0) +
      (buf[0] & 0x08 ? (buf[0] & 7) + 1 : 0);
}

/* KID (kid_field) or CTR of a complete header, big endian, any length */
static guint64
ref_field (const guint8 *buf, gboolean kid_field)
{
  guint8 cfg = buf[0];
  guint small = kid_field ? (cfg >> 4) & 7 : cfg & 7;
  gboolean ext = kid_field ? (cfg & 0x80) != 0 : (cfg & 0x08) != 0;
  const guint8 *p = buf + 1;
  guint64 v = 0;

  if (!ext)
    return small;
  if (!kid_field && (cfg & 0x80))
    p += ((cfg >> 4) & 7) + 1;
  for (guint i = 0; i <= small; i++)
    v = v << 8 | p[i];
  return v;
}

/* Encrypts pt into out (header || ct || tag); returns the length. */
static gsize
ref_encrypt (GstE2eeSFrameSuite suite, guint k, guint64 ctr, const guint8 *meta,
    gsize meta_len, const guint8 *pt, gsize pt_len, guint8 *out)
{
  const GstE2eeSFrameSuiteInfo *info = gst_e2ee_sframe_suite_info (suite);
  const guint8 *key = ref_keys[suite - 1][k];
  guint8 nonce[16], ctr_be[GST_E2EE_SFRAME_NONCE_LEN];
  gsize hlen = ref_header (kids[k], ctr, out);
  guint8 *ct = out + hlen;
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  int outl;

  memset (ctr_be, 0, sizeof (ctr_be));
  ref_put_be (ctr_be + 4, ctr, 8);
  for (guint i = 0; i < GST_E2EE_SFRAME_NONCE_LEN; i++)
    nonce[i] = ref_salts[suite - 1][k][i] ^ ctr_be[i];
  CHECK (ctx != NULL);

  if (info->nka) {
    /* AES-CTR with the initial counter block nonce || 0^32, then
     * HMAC(auth_key, len(aad) || len(ct) || Nt || nonce || aad || ct) */
    gsize aad_len = hlen + meta_len;
    gsize auth_len = 24 + GST_E2EE_SFRAME_NONCE_LEN + aad_len + pt_len;
    guint8 *auth = g_malloc (auth_len), *p = auth;
    guint8 mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;

    memset (nonce + GST_E2EE_SFRAME_NONCE_LEN, 0, 4);
    CHECK (
        EVP_EncryptInit_ex2 (ctx, EVP_aes_128_ctr (), key, nonce, NULL) == 1);
    if (pt_len)
      CHECK (EVP_EncryptUpdate (ctx, ct, &outl, pt, (int)pt_len) == 1);
    ref_put_be (p, aad_len, 8);
    ref_put_be (p + 8, pt_len, 8);
    ref_put_be (p + 16, info->nt, 8);
    p += 24;
    memcpy (p, nonce, GST_E2EE_SFRAME_NONCE_LEN);
    p += GST_E2EE_SFRAME_NONCE_LEN;
    memcpy (p, out, hlen);
    p += hlen;
    if (meta_len)
      memcpy (p, meta, meta_len);
    p += meta_len;
    if (pt_len)
      memcpy (p, ct, pt_len);
    CHECK (HMAC (EVP_sha256 (), key + info->nka, (int)(info->nk - info->nka),
               auth, auth_len, mac, &mac_len) != NULL);
    memcpy (ct + pt_len, mac, info->nt);
    g_free (auth);
  } else {
    const EVP_CIPHER *evp =
        info->nk == 32 ? EVP_aes_256_gcm () : EVP_aes_128_gcm ();
    CHECK (EVP_EncryptInit_ex2 (ctx, evp, key, nonce, NULL) == 1);
    CHECK (EVP_EncryptUpdate (ctx, NULL, &outl, out, (int)hlen) == 1);
    if (meta_len)
      CHECK (EVP_EncryptUpdate (ctx, NULL, &outl, meta, (int)meta_len) == 1);
    if (pt_len)
      CHECK (EVP_EncryptUpdate (ctx, ct, &outl, pt, (int)pt_len) == 1);
    CHECK (EVP_EncryptFinal_ex (ctx, ct + pt_len, &outl) == 1);
    CHECK (
        EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_GET_TAG, 16, ct + pt_len) == 1);
  }
  EVP_CIPHER_CTX_free (ctx);
  return hlen + pt_len + info->nt;
}

/* ------------------------------------------------------------------ parts */

static guint
kid_index (guint64 kid)
{
  return kid == kids[1] ? 1 : 0;
}

/* 1: R as an untrusted SFrame. */
static void
untrusted (GstE2eeSFrameSuite suite, const guint8 *meta, gsize meta_len,
    const guint8 *sf, gsize len)
{
  const GstE2eeSFrameSuiteInfo *info = gst_e2ee_sframe_suite_info (suite);
  guint8 hdr[GST_E2EE_SFRAME_HEADER_MAX];
  guint64 kid = 0, ctr = 0;
  gint hlen = gst_e2ee_sframe_header_decode (sf, len, &kid, &ctr);
  gsize pt_size;
  guint8 *pt;
  gssize n, n2;
  GstE2eeSFrameCipher *c;
  gboolean canonical;

  if (hlen < 0) {
    CHECK (hlen == GST_E2EE_SFRAME_ERR_TRUNCATED);
    CHECK (ref_header_len (sf, len) > len);
    CHECK (gst_e2ee_sframe_decrypt (ciphers[suite - 1][0], sf, len, meta,
               meta_len, NULL, 0) == hlen);
    return;
  }
  /* the length and values an independent parser finds (non-minimal forms
   * are accepted, RFC 9605 only asks senders for the shortest) */
  CHECK ((gsize)hlen == ref_header_len (sf, len) && (gsize)hlen <= len);
  CHECK (kid == ref_field (sf, TRUE) && ctr == ref_field (sf, FALSE));
  /* the shortest form is no longer, and is what the encoder writes */
  CHECK (gst_e2ee_sframe_header_len (kid, ctr) <= (gsize)hlen);
  CHECK (gst_e2ee_sframe_header_encode (kid, ctr, hdr) ==
      gst_e2ee_sframe_header_len (kid, ctr));
  canonical = gst_e2ee_sframe_header_len (kid, ctr) == (gsize)hlen &&
      memcmp (hdr, sf, hlen) == 0;

  c = ciphers[suite - 1][kid_index (kid)];
  if (len - hlen < info->nt) {
    CHECK (gst_e2ee_sframe_cipher_decrypt (c, sf, len, hlen, ctr, meta,
               meta_len, NULL, 0) == GST_E2EE_SFRAME_ERR_TRUNCATED);
    return;
  }
  pt_size = len - hlen - info->nt;
  /* exactly sized (malloc(0) may be NULL: keep one byte) */
  pt = g_malloc (pt_size ? pt_size : 1);
  if (pt_size)
    CHECK (gst_e2ee_sframe_cipher_decrypt (c, sf, len, hlen, ctr, meta,
               meta_len, pt, pt_size - 1) == GST_E2EE_SFRAME_ERR_TOO_BIG);
  n = gst_e2ee_sframe_cipher_decrypt (
      c, sf, len, hlen, ctr, meta, meta_len, pt, pt_size);
  CHECK (n == GST_E2EE_SFRAME_ERR_AUTH || n == (gssize)pt_size);
  /* the KID-checking convenience agrees */
  n2 = gst_e2ee_sframe_decrypt (c, sf, len, meta, meta_len, pt, pt_size);
  CHECK (n2 ==
      (kid == gst_e2ee_sframe_cipher_get_kid (c) ? n
                                                 : GST_E2EE_SFRAME_ERR_AUTH));

  if (suite == GST_E2EE_SFRAME_SUITE_AES_256_GCM_SHA512_128 &&
      sodium_ciphers[kid_index (kid)]) {
    guint8 *pt2 = g_malloc (pt_size ? pt_size : 1);
    gssize m = gst_e2ee_sframe_cipher_decrypt (sodium_ciphers[kid_index (kid)],
        sf, len, hlen, ctr, meta, meta_len, pt2, pt_size);
    CHECK (m == n);
    if (n > 0)
      CHECK (memcmp (pt, pt2, n) == 0);
    g_free (pt2);
  }

  if (n >= 0 && kid == gst_e2ee_sframe_cipher_get_kid (c) && canonical) {
    /* authentic: encryption is deterministic, so it must give R back */
    gsize cap = pt_size + gst_e2ee_sframe_cipher_overhead (c, ctr);
    guint8 *again = g_malloc (cap);
    CHECK (cap == len);
    CHECK (gst_e2ee_sframe_cipher_encrypt (
               c, ctr, meta, meta_len, pt, pt_size, again, cap) == (gssize)len);
    CHECK (memcmp (again, sf, len) == 0);
    g_free (again);
  }
  g_free (pt);
}

static void
flip_fails (GstE2eeSFrameCipher *c, guint8 *sf, gsize len, gsize hlen,
    guint64 ctr, guint8 *meta, gsize meta_len, gsize bit, guint8 *pt,
    gsize pt_size)
{
  gssize n;

  /* a bit of the ciphertext or tag */
  bit %= (len - hlen) * 8;
  sf[hlen + bit / 8] ^= 1 << (bit % 8);
  n = gst_e2ee_sframe_cipher_decrypt (
      c, sf, len, hlen, ctr, meta, meta_len, pt, pt_size);
  CHECK (n == GST_E2EE_SFRAME_ERR_AUTH);
  sf[hlen + bit / 8] ^= 1 << (bit % 8);
  /* a bit of the metadata */
  if (meta_len) {
    gsize mb = bit % (meta_len * 8);
    meta[mb / 8] ^= 1 << (mb % 8);
    n = gst_e2ee_sframe_cipher_decrypt (
        c, sf, len, hlen, ctr, meta, meta_len, pt, pt_size);
    CHECK (n == GST_E2EE_SFRAME_ERR_AUTH);
    meta[mb / 8] ^= 1 << (mb % 8);
  }
  /* another counter */
  n = gst_e2ee_sframe_cipher_decrypt (
      c, sf, len, hlen, ctr ^ 1, meta, meta_len, pt, pt_size);
  CHECK (n == GST_E2EE_SFRAME_ERR_AUTH);
}

/* 2: R as a plaintext. */
static void
roundtrip (GstE2eeSFrameSuite suite, guint k, guint shift, guint8 *meta,
    gsize meta_len, const guint8 *pt, gsize pt_len)
{
  GstE2eeSFrameCipher *c = ciphers[suite - 1][k];
  guint64 ctr = 0, kid, ctr2;
  gsize cap, hlen;
  guint8 *sf, *ref, *back;
  gssize n;
  gint h;

  for (guint i = 0; i < 8 && i < pt_len; i++)
    ctr |= (guint64)pt[i] << (8 * i);
  ctr = shift >= 8 ? 0 : ctr >> (8 * shift);

  cap = pt_len + gst_e2ee_sframe_cipher_overhead (c, ctr);
  hlen = gst_e2ee_sframe_header_len (kids[k], ctr);
  CHECK (cap == pt_len + hlen + gst_e2ee_sframe_suite_info (suite)->nt);
  sf = g_malloc (cap);
  /* one byte short of the room needed is refused without writing */
  CHECK (gst_e2ee_sframe_cipher_encrypt (c, ctr, meta, meta_len, pt, pt_len, sf,
             cap - 1) == GST_E2EE_SFRAME_ERR_TOO_BIG);
  n = gst_e2ee_sframe_cipher_encrypt (
      c, ctr, meta, meta_len, pt, pt_len, sf, cap);
  CHECK (n == (gssize)cap);

  h = gst_e2ee_sframe_header_decode (sf, cap, &kid, &ctr2);
  CHECK (h == (gint)hlen && kid == kids[k] && ctr2 == ctr);

  ref = g_malloc (cap);
  CHECK (ref_encrypt (suite, k, ctr, meta, meta_len, pt, pt_len, ref) == cap);
  CHECK (memcmp (ref, sf, cap) == 0);
  g_free (ref);

  if (suite == GST_E2EE_SFRAME_SUITE_AES_256_GCM_SHA512_128 &&
      sodium_ciphers[k]) {
    guint8 *s2 = g_malloc (cap);
    CHECK (gst_e2ee_sframe_cipher_encrypt (sodium_ciphers[k], ctr, meta,
               meta_len, pt, pt_len, s2, cap) == (gssize)cap);
    CHECK (memcmp (s2, sf, cap) == 0);
    g_free (s2);
  }

  back = g_malloc (pt_len ? pt_len : 1);
  n = gst_e2ee_sframe_decrypt (c, sf, cap, meta, meta_len, back, pt_len);
  CHECK (n == (gssize)pt_len);
  CHECK (pt_len == 0 || memcmp (back, pt, pt_len) == 0);

  flip_fails (c, sf, cap, hlen, ctr, meta, meta_len,
      pt_len ? pt[pt_len - 1] * 131u + pt_len : 0, back, pt_len);
  if (suite == GST_E2EE_SFRAME_SUITE_AES_256_GCM_SHA512_128 &&
      sodium_ciphers[k])
    flip_fails (sodium_ciphers[k], sf, cap, hlen, ctr, meta, meta_len,
        pt_len ? pt[0] * 257u + 3 : 1, back, pt_len);
  g_free (back);
  g_free (sf);
}

/* The one-shot AEAD of the RFC's test vectors, keyed from the input. */
static void
raw_aead (GstE2eeSFrameSuite suite, const guint8 *meta, gsize meta_len,
    const guint8 *pt, gsize pt_len)
{
  const GstE2eeSFrameSuiteInfo *info = gst_e2ee_sframe_suite_info (suite);
  guint8 key[GST_E2EE_SFRAME_KEY_MAX], nonce[GST_E2EE_SFRAME_NONCE_LEN];
  guint8 *ct, *back;
  GstE2eeSFrameBackend backends[] = { GST_E2EE_SFRAME_BACKEND_OPENSSL,
    GST_E2EE_SFRAME_BACKEND_SODIUM };

  for (gsize i = 0; i < sizeof (key); i++)
    key[i] = (guint8)(i * 7 + (pt_len ? pt[i % pt_len] : 0));
  for (gsize i = 0; i < sizeof (nonce); i++)
    nonce[i] = (guint8)(i + (meta_len ? meta[i % meta_len] : 0));
  ct = g_malloc (pt_len + info->nt);
  back = g_malloc (pt_len ? pt_len : 1);
  for (guint b = 0; b < G_N_ELEMENTS (backends); b++) {
    if (!gst_e2ee_sframe_backend_available (suite, backends[b]))
      continue;
    CHECK (gst_e2ee_sframe_aead_seal (suite, backends[b], key, nonce, meta,
               meta_len, pt, pt_len, ct) == GST_E2EE_SFRAME_OK);
    CHECK (gst_e2ee_sframe_aead_open (suite, backends[b], key, nonce, meta,
               meta_len, ct, pt_len + info->nt, back) == GST_E2EE_SFRAME_OK);
    CHECK (pt_len == 0 || memcmp (back, pt, pt_len) == 0);
    CHECK (
        gst_e2ee_sframe_aead_open (suite, backends[b], key, nonce, meta,
            meta_len, ct, info->nt - 1, back) == GST_E2EE_SFRAME_ERR_TRUNCATED);
  }
  g_free (ct);
  g_free (back);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GstE2eeSFrameSuite suite;
  guint8 sel, *meta;
  gsize meta_len;
  const guint8 *rest;
  gsize rest_len;

  if (size < 2 || size > 65536)
    return 0;
  sel = data[0];
  suite = (sel & 7) % N_SUITES + 1;
  meta_len = MIN ((gsize)data[1], size - 2);
  rest = data + 2 + meta_len;
  rest_len = size - 2 - meta_len;
  /* a private, exactly sized copy: the roundtrip flips bits in it */
  meta = g_malloc (meta_len ? meta_len : 1);
  if (meta_len)
    memcpy (meta, data + 2, meta_len);

  /* the header parser alone, on every suffix offset of the input */
  for (gsize off = 0; off < MIN (rest_len, 4); off++) {
    guint64 kid, ctr;
    gint h =
        gst_e2ee_sframe_header_decode (rest + off, rest_len - off, &kid, &ctr);
    CHECK (h < 0 || (gsize)h <= rest_len - off);
  }
  /* too much metadata is refused, whatever the rest */
  CHECK (gst_e2ee_sframe_cipher_decrypt (ciphers[suite - 1][0], rest, rest_len,
             0, 0, data, GST_E2EE_SFRAME_METADATA_MAX + 1, NULL,
             0) == GST_E2EE_SFRAME_ERR_TOO_BIG);

  untrusted (suite, meta, meta_len, rest, rest_len);
  roundtrip (suite, (sel >> 3) & 1, sel >> 5, meta, meta_len, rest, rest_len);
  if (sel & 0x10)
    raw_aead (suite, meta, meta_len, rest, rest_len);
  g_free (meta);
  return 0;
}
