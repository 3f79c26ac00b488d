/* SFrame (RFC 9605) codec.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sframe.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <sodium.h>

static const GstE2eeSFrameSuiteInfo suites[] = {
  { GST_E2EE_SFRAME_SUITE_AES_128_CTR_HMAC_SHA256_80,
      "AES_128_CTR_HMAC_SHA256_80", 32, 16, 48, 12, 10 },
  { GST_E2EE_SFRAME_SUITE_AES_128_CTR_HMAC_SHA256_64,
      "AES_128_CTR_HMAC_SHA256_64", 32, 16, 48, 12, 8 },
  { GST_E2EE_SFRAME_SUITE_AES_128_CTR_HMAC_SHA256_32,
      "AES_128_CTR_HMAC_SHA256_32", 32, 16, 48, 12, 4 },
  { GST_E2EE_SFRAME_SUITE_AES_128_GCM_SHA256_128, "AES_128_GCM_SHA256_128", 32,
      0, 16, 12, 16 },
  { GST_E2EE_SFRAME_SUITE_AES_256_GCM_SHA512_128, "AES_256_GCM_SHA512_128", 64,
      0, 32, 12, 16 },
};

/* Fetched once: implicit fetches by name cost a lookup on every init. */
static EVP_CIPHER *evp_aes128_ctr, *evp_aes128_gcm, *evp_aes256_gcm;
static EVP_KDF *evp_hkdf;
static EVP_MAC *evp_hmac;
static gboolean sodium_gcm_ok;

/* Below this plaintext size libsodium's AES-256-GCM is faster than
 * OpenSSL's (fixed per-call cost), above it OpenSSL's stitched AES-NI/AVX
 * code wins: measured with tests/bench/bench-sframe (crossover 200-400
 * bytes on the project's machines). */
#define SODIUM_GCM_MAX 256

struct _GstE2eeSFrameCipher
{
  const GstE2eeSFrameSuiteInfo *info;
  GstE2eeSFrameBackend backend;
  guint64 kid;
  /* sodium_malloc'd, guarded, wiped on free */
  guint8 *salt; /* Nn bytes */
  EVP_MAC_CTX *hmac; /* keyed HMAC-SHA256, CTR suites */
  crypto_aead_aes256gcm_state *gcm; /* sodium backend, suite 5 */
  EVP_CIPHER_CTX *enc; /* OpenSSL contexts keyed once */
  EVP_CIPHER_CTX *dec;
};

static gpointer
do_init (gpointer data)
{
  (void)data;
  if (sodium_init () < 0)
    return GINT_TO_POINTER (1);
  sodium_gcm_ok = crypto_aead_aes256gcm_is_available ();
  evp_aes128_ctr = EVP_CIPHER_fetch (NULL, "AES-128-CTR", NULL);
  evp_aes128_gcm = EVP_CIPHER_fetch (NULL, "AES-128-GCM", NULL);
  evp_aes256_gcm = EVP_CIPHER_fetch (NULL, "AES-256-GCM", NULL);
  evp_hkdf = EVP_KDF_fetch (NULL, "HKDF", NULL);
  evp_hmac = EVP_MAC_fetch (NULL, "HMAC", NULL);
  if (!evp_aes128_ctr || !evp_aes128_gcm || !evp_aes256_gcm || !evp_hkdf ||
      !evp_hmac)
    return GINT_TO_POINTER (1);
  return GINT_TO_POINTER (2);
}

gboolean
gst_e2ee_sframe_init (void)
{
  static GOnce once = G_ONCE_INIT;
  g_once (&once, do_init, NULL);
  return GPOINTER_TO_INT (once.retval) == 2;
}

const GstE2eeSFrameSuiteInfo *
gst_e2ee_sframe_suite_info (GstE2eeSFrameSuite suite)
{
  if (suite < 1 || suite > G_N_ELEMENTS (suites))
    return NULL;
  return &suites[suite - 1];
}

const gchar *
gst_e2ee_sframe_result_to_string (GstE2eeSFrameResult r)
{
  switch (r) {
    case GST_E2EE_SFRAME_OK:
      return "ok";
    case GST_E2EE_SFRAME_ERR_TRUNCATED:
      return "truncated";
    case GST_E2EE_SFRAME_ERR_AUTH:
      return "authentication failed";
    case GST_E2EE_SFRAME_ERR_TOO_BIG:
      return "too big";
    case GST_E2EE_SFRAME_ERR_CRYPTO:
      return "crypto library error";
    case GST_E2EE_SFRAME_ERR_UNSUPPORTED:
      return "unsupported";
  }
  return "unknown";
}

/* ---------------------------------------------------------------- header */

static guint
min_bytes (guint64 v)
{
  /* bytes up to the highest one set, at least one */
  return v == 0 ? 1 : (guint)(64 - __builtin_clzll (v) + 7) / 8;
}

gsize
gst_e2ee_sframe_header_len (guint64 kid, guint64 ctr)
{
  return 1 + (kid < 8 ? 0 : min_bytes (kid)) + (ctr < 8 ? 0 : min_bytes (ctr));
}

static guint8 *
put_be (guint8 *p, guint64 v, guint n)
{
  for (guint i = 0; i < n; i++)
    p[i] = (guint8)(v >> (8 * (n - 1 - i)));
  return p + n;
}

gsize
gst_e2ee_sframe_header_encode (
    guint64 kid, guint64 ctr, guint8 out[GST_E2EE_SFRAME_HEADER_MAX])
{
  guint8 cfg = 0, *p = out + 1;

  if (kid < 8) {
    cfg |= (guint8)(kid << 4);
  } else {
    guint n = min_bytes (kid);
    cfg |= 0x80 | (guint8)((n - 1) << 4);
    p = put_be (p, kid, n);
  }
  if (ctr < 8) {
    cfg |= (guint8)ctr;
  } else {
    guint n = min_bytes (ctr);
    cfg |= 0x08 | (guint8)(n - 1);
    p = put_be (p, ctr, n);
  }
  out[0] = cfg;
  return (gsize)(p - out);
}

/* One of the two variable fields; returns bytes consumed or < 0. */
static gint
get_field (
    const guint8 *p, gsize avail, gboolean extended, guint small, guint64 *v)
{
  guint n;
  guint64 x = 0;

  if (!extended) {
    *v = small;
    return 0;
  }
  n = small + 1;
  if (avail < n)
    return GST_E2EE_SFRAME_ERR_TRUNCATED;
  for (guint i = 0; i < n; i++)
    x = (x << 8) | p[i];
  /* RFC 9605 section 4.3 tells senders to use the shortest form; longer
   * forms are accepted (as the header is authenticated as AAD, they cannot
   * be used to forge or replay anything) for interoperability. */
  *v = x;
  return (gint)n;
}

gint
gst_e2ee_sframe_header_decode (
    const guint8 *buf, gsize len, guint64 *kid, guint64 *ctr)
{
  gint a, b;
  guint8 cfg;

  if (len < 1)
    return GST_E2EE_SFRAME_ERR_TRUNCATED;
  cfg = buf[0];
  a = get_field (buf + 1, len - 1, cfg & 0x80, (cfg >> 4) & 0x7, kid);
  if (a < 0)
    return a;
  b = get_field (buf + 1 + a, len - 1 - a, cfg & 0x08, cfg & 0x7, ctr);
  if (b < 0)
    return b;
  return 1 + a + b;
}

/* ------------------------------------------------------------ key schedule */

static gboolean
hkdf (const gchar *md, gboolean extract, const guint8 *key, gsize key_len,
    const guint8 *info, gsize info_len, guint8 *out, gsize out_len)
{
  EVP_KDF_CTX *kctx;
  OSSL_PARAM params[5], *p = params;
  int mode =
      extract ? EVP_KDF_HKDF_MODE_EXTRACT_ONLY : EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  static const guint8 empty = 0;
  gboolean ok;

  kctx = EVP_KDF_CTX_new (evp_hkdf);
  if (!kctx)
    return FALSE;
  *p++ =
      OSSL_PARAM_construct_utf8_string (OSSL_KDF_PARAM_DIGEST, (char *)md, 0);
  *p++ = OSSL_PARAM_construct_int (OSSL_KDF_PARAM_MODE, &mode);
  /* OpenSSL refuses an empty key; HMAC pads keys with zeros, so one zero
   * byte is the same key as none (RFC 2104). */
  if (key_len == 0)
    *p++ = OSSL_PARAM_construct_octet_string (
        OSSL_KDF_PARAM_KEY, (void *)&empty, 1);
  else
    *p++ = OSSL_PARAM_construct_octet_string (
        OSSL_KDF_PARAM_KEY, (void *)key, key_len);
  if (!extract)
    *p++ = OSSL_PARAM_construct_octet_string (
        OSSL_KDF_PARAM_INFO, (void *)info, info_len);
  *p = OSSL_PARAM_construct_end ();
  ok = EVP_KDF_derive (kctx, out, out_len, params) == 1;
  EVP_KDF_CTX_free (kctx);
  return ok;
}

gboolean
gst_e2ee_sframe_derive (GstE2eeSFrameSuite suite, guint64 kid,
    const guint8 *base_key, gsize base_key_len, guint8 *sframe_key,
    guint8 *sframe_salt)
{
  const GstE2eeSFrameSuiteInfo *info = gst_e2ee_sframe_suite_info (suite);
  static const char key_label[] = "SFrame 1.0 Secret key ";
  static const char salt_label[] = "SFrame 1.0 Secret salt ";
  guint8 label[64], secret[64];
  const gchar *md;
  gsize n;
  gboolean ok;

  if (!info || !gst_e2ee_sframe_init ())
    return FALSE;
  md = info->nh == 64 ? "SHA512" : "SHA256";
  if (!hkdf (md, TRUE, base_key, base_key_len, NULL, 0, secret, info->nh))
    return FALSE;

  n = sizeof (key_label) - 1;
  memcpy (label, key_label, n);
  put_be (put_be (label + n, kid, 8), suite, 2);
  ok = hkdf (md, FALSE, secret, info->nh, label, n + 10, sframe_key, info->nk);

  n = sizeof (salt_label) - 1;
  memcpy (label, salt_label, n);
  put_be (put_be (label + n, kid, 8), suite, 2);
  ok = ok &&
      hkdf (md, FALSE, secret, info->nh, label, n + 10, sframe_salt, info->nn);

  sodium_memzero (secret, sizeof (secret));
  return ok;
}

/* ------------------------------------------------------------------ AEAD */

static gboolean
is_ctr_suite (const GstE2eeSFrameSuiteInfo *info)
{
  return info->nka != 0;
}

GstE2eeSFrameBackend
gst_e2ee_sframe_backend_for_suite (GstE2eeSFrameSuite suite)
{
  gst_e2ee_sframe_init ();
  /* Measured with tests/bench/bench-sframe (tests/bench/README.md): for
   * suite 5 libsodium 1.0.18's AES-256-GCM is faster on small packets and
   * OpenSSL's on large ones, so AUTO keeps both and picks per packet
   * (SODIUM_GCM_MAX). Without AES-NI libsodium has no AES-GCM and OpenSSL
   * does everything. The other suites use OpenSSL (AES-CTR, AES-128-GCM,
   * HMAC-SHA256). */
  if (suite == GST_E2EE_SFRAME_SUITE_AES_256_GCM_SHA512_128 && sodium_gcm_ok)
    return GST_E2EE_SFRAME_BACKEND_AUTO;
  return GST_E2EE_SFRAME_BACKEND_OPENSSL;
}

gboolean
gst_e2ee_sframe_backend_available (
    GstE2eeSFrameSuite suite, GstE2eeSFrameBackend b)
{
  if (!gst_e2ee_sframe_init () || !gst_e2ee_sframe_suite_info (suite))
    return FALSE;
  switch (b) {
    case GST_E2EE_SFRAME_BACKEND_AUTO:
    case GST_E2EE_SFRAME_BACKEND_OPENSSL:
      return TRUE;
    case GST_E2EE_SFRAME_BACKEND_SODIUM:
      return suite == GST_E2EE_SFRAME_SUITE_AES_256_GCM_SHA512_128 &&
          sodium_gcm_ok;
  }
  return FALSE;
}

const gchar *
gst_e2ee_sframe_backend_name (GstE2eeSFrameBackend b)
{
  switch (b) {
    case GST_E2EE_SFRAME_BACKEND_AUTO:
      return "auto";
    case GST_E2EE_SFRAME_BACKEND_OPENSSL:
      return "openssl";
    case GST_E2EE_SFRAME_BACKEND_SODIUM:
      return "libsodium";
  }
  return "unknown";
}

static void
cipher_wipe (GstE2eeSFrameCipher *c)
{
  if (c->salt)
    sodium_free (c->salt);
  /* EVP_MAC_CTX_free cleanses the keyed state */
  EVP_MAC_CTX_free (c->hmac);
  if (c->gcm)
    sodium_free (c->gcm);
  /* EVP_CIPHER_CTX_free cleanses the key schedule */
  EVP_CIPHER_CTX_free (c->enc);
  EVP_CIPHER_CTX_free (c->dec);
  memset (c, 0, sizeof (*c));
}

void
gst_e2ee_sframe_cipher_free (GstE2eeSFrameCipher *c)
{
  if (!c)
    return;
  cipher_wipe (c);
  g_free (c);
}

/* Prepares c for key (Nk bytes) and salt (Nn bytes, may be NULL for raw AEAD
 * use). */
static gboolean
cipher_setup (GstE2eeSFrameCipher *c, const GstE2eeSFrameSuiteInfo *info,
    GstE2eeSFrameBackend backend, const guint8 *key, const guint8 *salt)
{
  const EVP_CIPHER *evp;

  c->info = info;
  if (backend == GST_E2EE_SFRAME_BACKEND_AUTO)
    backend = gst_e2ee_sframe_backend_for_suite (info->id);
  if (!gst_e2ee_sframe_backend_available (info->id, backend))
    return FALSE;
  /* AUTO here means both: libsodium for small packets, OpenSSL above */
  c->backend = backend;

  c->salt = sodium_malloc (GST_E2EE_SFRAME_NONCE_LEN);
  if (!c->salt)
    return FALSE;
  if (salt)
    memcpy (c->salt, salt, info->nn);
  else
    memset (c->salt, 0, info->nn);

  if (is_ctr_suite (info)) {
    OSSL_PARAM prm[2];
    prm[0] = OSSL_PARAM_construct_utf8_string (
        OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
    prm[1] = OSSL_PARAM_construct_end ();
    c->hmac = EVP_MAC_CTX_new (evp_hmac);
    if (!c->hmac || EVP_MAC_init (c->hmac, key + info->nka, info->nh, prm) != 1)
      return FALSE;
    evp = evp_aes128_ctr;
  } else if (backend != GST_E2EE_SFRAME_BACKEND_OPENSSL) {
    c->gcm = sodium_malloc (crypto_aead_aes256gcm_statebytes ());
    if (!c->gcm || crypto_aead_aes256gcm_beforenm (c->gcm, key) != 0)
      return FALSE;
    if (backend == GST_E2EE_SFRAME_BACKEND_SODIUM)
      return TRUE;
    evp = evp_aes256_gcm;
  } else {
    evp = info->nk == 32 ? evp_aes256_gcm : evp_aes128_gcm;
  }

  c->enc = EVP_CIPHER_CTX_new ();
  c->dec = EVP_CIPHER_CTX_new ();
  if (!c->enc || !c->dec)
    return FALSE;
  if (EVP_EncryptInit_ex2 (c->enc, evp, key, NULL, NULL) != 1)
    return FALSE;
  if (is_ctr_suite (info)) {
    /* CTR is its own inverse: both directions use an encrypt context */
    if (EVP_EncryptInit_ex2 (c->dec, evp, key, NULL, NULL) != 1)
      return FALSE;
  } else if (EVP_DecryptInit_ex2 (c->dec, evp, key, NULL, NULL) != 1) {
    return FALSE;
  }
  return TRUE;
}

static GstE2eeSFrameCipher *
cipher_new_raw (const GstE2eeSFrameSuiteInfo *info,
    GstE2eeSFrameBackend backend, const guint8 *key, const guint8 *salt)
{
  GstE2eeSFrameCipher *c = g_new0 (GstE2eeSFrameCipher, 1);
  if (!cipher_setup (c, info, backend, key, salt)) {
    gst_e2ee_sframe_cipher_free (c);
    return NULL;
  }
  return c;
}

GstE2eeSFrameCipher *
gst_e2ee_sframe_cipher_new (GstE2eeSFrameSuite suite,
    GstE2eeSFrameBackend backend, guint64 kid, const guint8 *base_key,
    gsize base_key_len)
{
  const GstE2eeSFrameSuiteInfo *info = gst_e2ee_sframe_suite_info (suite);
  guint8 *km;
  GstE2eeSFrameCipher *c = NULL;

  if (!info || !gst_e2ee_sframe_init ())
    return NULL;
  km = sodium_malloc (GST_E2EE_SFRAME_KEY_MAX + GST_E2EE_SFRAME_NONCE_LEN);
  if (!km)
    return NULL;
  if (gst_e2ee_sframe_derive (
          suite, kid, base_key, base_key_len, km, km + GST_E2EE_SFRAME_KEY_MAX))
    c = cipher_new_raw (info, backend, km, km + GST_E2EE_SFRAME_KEY_MAX);
  sodium_free (km);
  if (c)
    c->kid = kid;
  return c;
}

GstE2eeSFrameSuite
gst_e2ee_sframe_cipher_get_suite (const GstE2eeSFrameCipher *c)
{
  return c->info->id;
}

guint64
gst_e2ee_sframe_cipher_get_kid (const GstE2eeSFrameCipher *c)
{
  return c->kid;
}

GstE2eeSFrameBackend
gst_e2ee_sframe_cipher_get_backend (const GstE2eeSFrameCipher *c)
{
  return c->backend;
}

gsize
gst_e2ee_sframe_cipher_overhead (const GstE2eeSFrameCipher *c, guint64 ctr)
{
  return gst_e2ee_sframe_header_len (c->kid, ctr) + c->info->nt;
}

static void
make_nonce (const GstE2eeSFrameCipher *c, guint64 ctr, guint8 nonce[16])
{
  guint64 low;

  /* the counter, big-endian, XORed into the last 8 bytes of the salt */
  memcpy (nonce, c->salt, GST_E2EE_SFRAME_NONCE_LEN);
  memcpy (&low, nonce + GST_E2EE_SFRAME_NONCE_LEN - 8, 8);
  low ^= GUINT64_TO_BE (ctr);
  memcpy (nonce + GST_E2EE_SFRAME_NONCE_LEN - 8, &low, 8);
  /* AES-CTR initial counter block: nonce || 32-bit block counter 0 */
  memset (nonce + GST_E2EE_SFRAME_NONCE_LEN, 0, 4);
}

/* HMAC tag of the CTR suites (RFC 9605 section 4.5.1) over the AAD given in
 * two parts (header, metadata). */
static gboolean
ctr_hmac_tag (const GstE2eeSFrameCipher *c, const guint8 *nonce,
    const guint8 *aad1, gsize aad1_len, const guint8 *aad2, gsize aad2_len,
    const guint8 *ct, gsize ct_len, guint8 tag[32])
{
  guint8 lens[24];
  size_t outl;

  put_be (put_be (put_be (lens, aad1_len + aad2_len, 8), ct_len, 8),
      c->info->nt, 8);
  /* re-initialising with no key keeps the key set at setup */
  return EVP_MAC_init (c->hmac, NULL, 0, NULL) == 1 &&
      EVP_MAC_update (c->hmac, lens, sizeof (lens)) == 1 &&
      EVP_MAC_update (c->hmac, nonce, GST_E2EE_SFRAME_NONCE_LEN) == 1 &&
      EVP_MAC_update (c->hmac, aad1, aad1_len) == 1 &&
      (aad2_len == 0 || EVP_MAC_update (c->hmac, aad2, aad2_len) == 1) &&
      EVP_MAC_update (c->hmac, ct, ct_len) == 1 &&
      EVP_MAC_final (c->hmac, tag, &outl, 32) == 1 && outl == 32;
}

static gboolean
evp_crypt (EVP_CIPHER_CTX *ctx, const guint8 *in, gsize len, guint8 *out)
{
  int outl;

  while (len > 0) {
    int chunk = len > (1 << 30) ? (1 << 30) : (int)len;
    if (EVP_CipherUpdate (ctx, out, &outl, in, chunk) != 1)
      return FALSE;
    in += chunk;
    out += chunk;
    len -= chunk;
  }
  return TRUE;
}

static gboolean
evp_aad (EVP_CIPHER_CTX *ctx, const guint8 *aad, gsize len)
{
  int outl;
  if (len == 0)
    return TRUE;
  return EVP_CipherUpdate (ctx, NULL, &outl, aad, (int)len) == 1;
}

/* The AAD of a GCM suite in one EVP call where it is short (the SFrame
 * header and the usual RTP metadata): each call into the OpenSSL 3
 * provider costs about as much as encrypting 100 bytes. */
static gboolean
gcm_aad (EVP_CIPHER_CTX *ctx, const guint8 *aad1, gsize aad1_len,
    const guint8 *aad2, gsize aad2_len)
{
  guint8 aad[64];

  if (aad2_len == 0 || aad1_len + aad2_len > sizeof (aad))
    return evp_aad (ctx, aad1, aad1_len) && evp_aad (ctx, aad2, aad2_len);
  memcpy (aad, aad1, aad1_len);
  memcpy (aad + aad1_len, aad2, aad2_len);
  return evp_aad (ctx, aad, aad1_len + aad2_len);
}

/* AEAD.Encrypt with the AAD in two parts; ct gets pt_len bytes (ct may be
 * pt: in place) and tag the Nt bytes of the tag. */
static GstE2eeSFrameResult
seal (GstE2eeSFrameCipher *c, guint64 ctr, const guint8 *aad1, gsize aad1_len,
    const guint8 *aad2, gsize aad2_len, const guint8 *pt, gsize pt_len,
    guint8 *ct, guint8 *tag_out)
{
  guint8 nonce[16];
  const GstE2eeSFrameSuiteInfo *info = c->info;
  int outl;

  make_nonce (c, ctr, nonce);

  if (is_ctr_suite (info)) {
    guint8 tag[32];
    if (EVP_EncryptInit_ex2 (c->enc, NULL, NULL, nonce, NULL) != 1 ||
        !evp_crypt (c->enc, pt, pt_len, ct))
      return GST_E2EE_SFRAME_ERR_CRYPTO;
    if (!ctr_hmac_tag (
            c, nonce, aad1, aad1_len, aad2, aad2_len, ct, pt_len, tag))
      return GST_E2EE_SFRAME_ERR_CRYPTO;
    memcpy (tag_out, tag, info->nt);
    return GST_E2EE_SFRAME_OK;
  }

  if (c->gcm &&
      (c->backend == GST_E2EE_SFRAME_BACKEND_SODIUM ||
          pt_len < SODIUM_GCM_MAX)) {
    guint8 aad[GST_E2EE_SFRAME_HEADER_MAX + GST_E2EE_SFRAME_METADATA_MAX];
    unsigned long long maclen;
    if (aad1_len + aad2_len > sizeof (aad))
      return GST_E2EE_SFRAME_ERR_TOO_BIG;
    memcpy (aad, aad1, aad1_len);
    if (aad2_len)
      memcpy (aad + aad1_len, aad2, aad2_len);
    if (crypto_aead_aes256gcm_encrypt_detached_afternm (ct, tag_out, &maclen,
            pt, pt_len, aad, aad1_len + aad2_len, NULL, nonce, c->gcm) != 0)
      return GST_E2EE_SFRAME_ERR_CRYPTO;
    return GST_E2EE_SFRAME_OK;
  }

  if (EVP_EncryptInit_ex2 (c->enc, NULL, NULL, nonce, NULL) != 1 ||
      !gcm_aad (c->enc, aad1, aad1_len, aad2, aad2_len) ||
      !evp_crypt (c->enc, pt, pt_len, ct) ||
      EVP_EncryptFinal_ex (c->enc, tag_out, &outl) != 1 ||
      EVP_CIPHER_CTX_ctrl (c->enc, EVP_CTRL_GCM_GET_TAG, 16, tag_out) != 1)
    return GST_E2EE_SFRAME_ERR_CRYPTO;
  return GST_E2EE_SFRAME_OK;
}

/* AEAD.Decrypt; ct_len includes the tag. On failure out is wiped. */
static GstE2eeSFrameResult
open_ (GstE2eeSFrameCipher *c, guint64 ctr, const guint8 *aad1, gsize aad1_len,
    const guint8 *aad2, gsize aad2_len, const guint8 *ct, gsize ct_len,
    guint8 *pt)
{
  guint8 nonce[16];
  const GstE2eeSFrameSuiteInfo *info = c->info;
  gsize len;
  int outl;

  if (ct_len < info->nt)
    return GST_E2EE_SFRAME_ERR_TRUNCATED;
  len = ct_len - info->nt;
  make_nonce (c, ctr, nonce);

  if (is_ctr_suite (info)) {
    guint8 tag[32];
    gboolean ok;
    if (!ctr_hmac_tag (c, nonce, aad1, aad1_len, aad2, aad2_len, ct, len, tag))
      return GST_E2EE_SFRAME_ERR_CRYPTO;
    ok = sodium_memcmp (tag, ct + len, info->nt) == 0;
    sodium_memzero (tag, sizeof (tag));
    if (!ok)
      return GST_E2EE_SFRAME_ERR_AUTH;
    if (EVP_EncryptInit_ex2 (c->dec, NULL, NULL, nonce, NULL) != 1 ||
        !evp_crypt (c->dec, ct, len, pt))
      return GST_E2EE_SFRAME_ERR_CRYPTO;
    return GST_E2EE_SFRAME_OK;
  }

  if (c->gcm &&
      (c->backend == GST_E2EE_SFRAME_BACKEND_SODIUM || len < SODIUM_GCM_MAX)) {
    guint8 aad[GST_E2EE_SFRAME_HEADER_MAX + GST_E2EE_SFRAME_METADATA_MAX];
    if (aad1_len + aad2_len > sizeof (aad))
      return GST_E2EE_SFRAME_ERR_TOO_BIG;
    memcpy (aad, aad1, aad1_len);
    if (aad2_len)
      memcpy (aad + aad1_len, aad2, aad2_len);
    if (crypto_aead_aes256gcm_decrypt_detached_afternm (pt, NULL, ct, len,
            ct + len, aad, aad1_len + aad2_len, nonce, c->gcm) != 0) {
      sodium_memzero (pt, len);
      return GST_E2EE_SFRAME_ERR_AUTH;
    }
    return GST_E2EE_SFRAME_OK;
  }

  if (EVP_DecryptInit_ex2 (c->dec, NULL, NULL, nonce, NULL) != 1 ||
      !gcm_aad (c->dec, aad1, aad1_len, aad2, aad2_len) ||
      !evp_crypt (c->dec, ct, len, pt) ||
      EVP_CIPHER_CTX_ctrl (
          c->dec, EVP_CTRL_GCM_SET_TAG, 16, (void *)(ct + len)) != 1)
    return GST_E2EE_SFRAME_ERR_CRYPTO;
  if (EVP_DecryptFinal_ex (c->dec, pt + len, &outl) != 1) {
    /* OpenSSL decrypts before it checks: never let that plaintext out */
    sodium_memzero (pt, len);
    return GST_E2EE_SFRAME_ERR_AUTH;
  }
  return GST_E2EE_SFRAME_OK;
}

/* A cipher for one AEAD call with this key and nonce (CTR 0 makes the
 * nonce equal to the salt), or NULL when the suite cannot run. */
static GstE2eeSFrameCipher *
one_shot_cipher (GstE2eeSFrameSuite suite, GstE2eeSFrameBackend backend,
    const guint8 *key, const guint8 *nonce)
{
  const GstE2eeSFrameSuiteInfo *info = gst_e2ee_sframe_suite_info (suite);

  if (!info || !gst_e2ee_sframe_init ())
    return NULL;
  return cipher_new_raw (info, backend, key, nonce);
}

GstE2eeSFrameResult
gst_e2ee_sframe_aead_seal (GstE2eeSFrameSuite suite,
    GstE2eeSFrameBackend backend, const guint8 *key, const guint8 *nonce,
    const guint8 *aad, gsize aad_len, const guint8 *pt, gsize pt_len,
    guint8 *ct)
{
  GstE2eeSFrameCipher *c = one_shot_cipher (suite, backend, key, nonce);
  GstE2eeSFrameResult r;

  if (!c)
    return GST_E2EE_SFRAME_ERR_UNSUPPORTED;
  r = seal (c, 0, aad, aad_len, NULL, 0, pt, pt_len, ct, ct + pt_len);
  gst_e2ee_sframe_cipher_free (c);
  return r;
}

GstE2eeSFrameResult
gst_e2ee_sframe_aead_open (GstE2eeSFrameSuite suite,
    GstE2eeSFrameBackend backend, const guint8 *key, const guint8 *nonce,
    const guint8 *aad, gsize aad_len, const guint8 *ct, gsize ct_len,
    guint8 *pt)
{
  GstE2eeSFrameCipher *c = one_shot_cipher (suite, backend, key, nonce);
  GstE2eeSFrameResult r;

  if (!c)
    return GST_E2EE_SFRAME_ERR_UNSUPPORTED;
  r = open_ (c, 0, aad, aad_len, NULL, 0, ct, ct_len, pt);
  gst_e2ee_sframe_cipher_free (c);
  return r;
}

gssize
gst_e2ee_sframe_cipher_encrypt (GstE2eeSFrameCipher *c, guint64 ctr,
    const guint8 *metadata, gsize metadata_len, const guint8 *pt, gsize pt_len,
    guint8 *out, gsize out_size)
{
  gsize hlen;
  GstE2eeSFrameResult r;

  if (metadata_len > GST_E2EE_SFRAME_METADATA_MAX)
    return GST_E2EE_SFRAME_ERR_TOO_BIG;
  if (pt_len > out_size ||
      out_size - pt_len < gst_e2ee_sframe_cipher_overhead (c, ctr))
    return GST_E2EE_SFRAME_ERR_TOO_BIG;
  hlen = gst_e2ee_sframe_header_encode (c->kid, ctr, out);
  r = seal (c, ctr, out, hlen, metadata, metadata_len, pt, pt_len, out + hlen,
      out + hlen + pt_len);
  if (r != GST_E2EE_SFRAME_OK)
    return r;
  return (gssize)(hlen + pt_len + c->info->nt);
}

GstE2eeSFrameResult
gst_e2ee_sframe_cipher_encrypt_inplace (GstE2eeSFrameCipher *c, guint64 ctr,
    const guint8 *metadata, gsize metadata_len,
    guint8 hdr[GST_E2EE_SFRAME_HEADER_MAX], gsize *hdr_len, guint8 *buf,
    gsize len, guint8 tag[GST_E2EE_SFRAME_TAG_MAX])
{
  if (metadata_len > GST_E2EE_SFRAME_METADATA_MAX)
    return GST_E2EE_SFRAME_ERR_TOO_BIG;
  if (len > G_MAXSIZE - GST_E2EE_SFRAME_HEADER_MAX - GST_E2EE_SFRAME_TAG_MAX)
    return GST_E2EE_SFRAME_ERR_TOO_BIG;
  *hdr_len = gst_e2ee_sframe_header_encode (c->kid, ctr, hdr);
  return seal (
      c, ctr, hdr, *hdr_len, metadata, metadata_len, buf, len, buf, tag);
}

gssize
gst_e2ee_sframe_cipher_decrypt (GstE2eeSFrameCipher *c, const guint8 *sframe,
    gsize len, gsize hdr_len, guint64 ctr, const guint8 *metadata,
    gsize metadata_len, guint8 *out, gsize out_size)
{
  gsize pt_len;
  GstE2eeSFrameResult r;

  if (metadata_len > GST_E2EE_SFRAME_METADATA_MAX)
    return GST_E2EE_SFRAME_ERR_TOO_BIG;
  if (hdr_len > len || len - hdr_len < c->info->nt)
    return GST_E2EE_SFRAME_ERR_TRUNCATED;
  pt_len = len - hdr_len - c->info->nt;
  if (out_size < pt_len)
    return GST_E2EE_SFRAME_ERR_TOO_BIG;
  r = open_ (c, ctr, sframe, hdr_len, metadata, metadata_len, sframe + hdr_len,
      len - hdr_len, out);
  if (r != GST_E2EE_SFRAME_OK)
    return r;
  return (gssize)pt_len;
}

gssize
gst_e2ee_sframe_decrypt (GstE2eeSFrameCipher *c, const guint8 *sframe,
    gsize len, const guint8 *metadata, gsize metadata_len, guint8 *out,
    gsize out_size)
{
  guint64 kid, ctr;
  gint hlen = gst_e2ee_sframe_header_decode (sframe, len, &kid, &ctr);

  if (hlen < 0)
    return hlen;
  if (kid != c->kid)
    return GST_E2EE_SFRAME_ERR_AUTH;
  return gst_e2ee_sframe_cipher_decrypt (
      c, sframe, len, (gsize)hlen, ctr, metadata, metadata_len, out, out_size);
}
