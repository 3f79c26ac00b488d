/* Helpers shared by the benchmarks.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "bench-common.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sodium.h>

gint64
bench_now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static gint
cmp_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *)a, y = *(const gdouble *)b;
  return x < y ? -1 : x > y;
}

gdouble
bench_median (gdouble *v, guint n)
{
  if (n == 0)
    return 0;
  qsort (v, n, sizeof (gdouble), cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

gdouble
bench_min (const gdouble *v, guint n)
{
  gdouble m = n ? v[0] : 0;
  for (guint i = 1; i < n; i++)
    m = MIN (m, v[i]);
  return m;
}

gdouble
bench_max (const gdouble *v, guint n)
{
  gdouble m = n ? v[0] : 0;
  for (guint i = 1; i < n; i++)
    m = MAX (m, v[i]);
  return m;
}

guint
bench_env_uint (const gchar *name, guint def)
{
  const gchar *s = g_getenv (name);
  guint64 v;

  if (!s || !*s || !g_ascii_string_to_unsigned (s, 10, 1, G_MAXUINT, &v, NULL))
    return def;
  return (guint)v;
}

/* ------------------------------------------------------------------ raw */

struct _BenchRaw
{
  BenchRawKind kind;
  EVP_CIPHER_CTX *enc, *dec;
  crypto_aead_aes256gcm_state *gcm;
  crypto_auth_hmacsha256_state hmac;
  EVP_MAC *mac;
  EVP_MAC_CTX *mctx;
  guint8 salt[12];
};

const gchar *
bench_raw_name (BenchRawKind kind)
{
  switch (kind) {
    case BENCH_RAW_OPENSSL_AES256GCM:
      return "raw-openssl-aes256gcm";
    case BENCH_RAW_SODIUM_AES256GCM:
      return "raw-sodium-aes256gcm";
    case BENCH_RAW_CTR_HMAC_SODIUM:
      return "raw-ctr-hmac-sodium";
    case BENCH_RAW_CTR_HMAC_OPENSSL:
      return "raw-ctr-hmac-openssl";
    case BENCH_RAW_N:
      break;
  }
  return "?";
}

BenchRaw *
bench_raw_new (BenchRawKind kind)
{
  static const guint8 key[48] = { 0x42, 0x17, 0x99, 0x01, 0x23 };
  BenchRaw *r;

  if (sodium_init () < 0)
    return NULL;
  if (kind == BENCH_RAW_SODIUM_AES256GCM &&
      !crypto_aead_aes256gcm_is_available ())
    return NULL;
  r = g_new0 (BenchRaw, 1);
  r->kind = kind;
  memset (r->salt, 0x5a, sizeof (r->salt));
  switch (kind) {
    case BENCH_RAW_OPENSSL_AES256GCM:
      r->enc = EVP_CIPHER_CTX_new ();
      r->dec = EVP_CIPHER_CTX_new ();
      EVP_EncryptInit_ex2 (r->enc, EVP_aes_256_gcm (), key, NULL, NULL);
      EVP_DecryptInit_ex2 (r->dec, EVP_aes_256_gcm (), key, NULL, NULL);
      break;
    case BENCH_RAW_SODIUM_AES256GCM:
      r->gcm = sodium_malloc (sizeof (*r->gcm));
      crypto_aead_aes256gcm_beforenm (r->gcm, key);
      break;
    case BENCH_RAW_CTR_HMAC_SODIUM:
    case BENCH_RAW_CTR_HMAC_OPENSSL:
      r->enc = EVP_CIPHER_CTX_new ();
      EVP_EncryptInit_ex2 (r->enc, EVP_aes_128_ctr (), key, NULL, NULL);
      if (kind == BENCH_RAW_CTR_HMAC_SODIUM) {
        crypto_auth_hmacsha256_init (&r->hmac, key + 16, 32);
      } else {
        OSSL_PARAM params[2];
        params[0] = OSSL_PARAM_construct_utf8_string (
            OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
        params[1] = OSSL_PARAM_construct_end ();
        r->mac = EVP_MAC_fetch (NULL, "HMAC", NULL);
        r->mctx = r->mac ? EVP_MAC_CTX_new (r->mac) : NULL;
        if (!r->mctx || EVP_MAC_init (r->mctx, key + 16, 32, params) != 1) {
          bench_raw_free (r);
          return NULL;
        }
      }
      break;
    case BENCH_RAW_N:
      break;
  }
  return r;
}

void
bench_raw_free (BenchRaw *r)
{
  if (!r)
    return;
  EVP_CIPHER_CTX_free (r->enc);
  EVP_CIPHER_CTX_free (r->dec);
  if (r->gcm)
    sodium_free (r->gcm);
  EVP_MAC_CTX_free (r->mctx);
  EVP_MAC_free (r->mac);
  g_free (r);
}

gsize
bench_raw_tag_len (const BenchRaw *r)
{
  return r->kind == BENCH_RAW_CTR_HMAC_SODIUM ||
          r->kind == BENCH_RAW_CTR_HMAC_OPENSSL
      ? 10
      : 16;
}

static void
nonce_of (const BenchRaw *r, guint64 ctr, guint8 nonce[16])
{
  memcpy (nonce, r->salt, 12);
  for (guint i = 0; i < 8; i++)
    nonce[11 - i] ^= (guint8)(ctr >> (8 * i));
  memset (nonce + 12, 0, 4);
}

static void
ctr_hmac (BenchRaw *r, const guint8 *nonce, const guint8 *aad, const guint8 *ct,
    gsize len, guint8 tag[32])
{
  crypto_auth_hmacsha256_state st;
  guint8 lens[24] = { 0 };

  lens[7] = BENCH_RAW_AAD_LEN;
  for (guint i = 0; i < 8; i++)
    lens[15 - i] = (guint8)(len >> (8 * i));
  lens[23] = 10;
  if (r->mctx) {
    size_t outl;
    EVP_MAC_init (r->mctx, NULL, 0, NULL);
    EVP_MAC_update (r->mctx, lens, sizeof (lens));
    EVP_MAC_update (r->mctx, nonce, 12);
    EVP_MAC_update (r->mctx, aad, BENCH_RAW_AAD_LEN);
    EVP_MAC_update (r->mctx, ct, len);
    EVP_MAC_final (r->mctx, tag, &outl, 32);
    return;
  }
  st = r->hmac;
  crypto_auth_hmacsha256_update (&st, lens, sizeof (lens));
  crypto_auth_hmacsha256_update (&st, nonce, 12);
  crypto_auth_hmacsha256_update (&st, aad, BENCH_RAW_AAD_LEN);
  crypto_auth_hmacsha256_update (&st, ct, len);
  crypto_auth_hmacsha256_final (&st, tag);
}

gboolean
bench_raw_seal (BenchRaw *r, guint64 nonce_ctr, const guint8 *aad,
    const guint8 *pt, gsize len, guint8 *ct)
{
  guint8 nonce[16], tag[32];
  int outl;

  nonce_of (r, nonce_ctr, nonce);
  switch (r->kind) {
    case BENCH_RAW_OPENSSL_AES256GCM:
      return EVP_EncryptInit_ex2 (r->enc, NULL, NULL, nonce, NULL) == 1 &&
          EVP_EncryptUpdate (r->enc, NULL, &outl, aad, BENCH_RAW_AAD_LEN) ==
          1 &&
          EVP_EncryptUpdate (r->enc, ct, &outl, pt, (int)len) == 1 &&
          EVP_EncryptFinal_ex (r->enc, ct + len, &outl) == 1 &&
          EVP_CIPHER_CTX_ctrl (r->enc, EVP_CTRL_GCM_GET_TAG, 16, ct + len) == 1;
    case BENCH_RAW_SODIUM_AES256GCM: {
      unsigned long long maclen;
      return crypto_aead_aes256gcm_encrypt_detached_afternm (ct, ct + len,
                 &maclen, pt, len, aad, BENCH_RAW_AAD_LEN, NULL, nonce,
                 r->gcm) == 0;
    }
    case BENCH_RAW_CTR_HMAC_SODIUM:
    case BENCH_RAW_CTR_HMAC_OPENSSL:
      if (EVP_EncryptInit_ex2 (r->enc, NULL, NULL, nonce, NULL) != 1 ||
          EVP_EncryptUpdate (r->enc, ct, &outl, pt, (int)len) != 1)
        return FALSE;
      ctr_hmac (r, nonce, aad, ct, len, tag);
      memcpy (ct + len, tag, 10);
      return TRUE;
    case BENCH_RAW_N:
      break;
  }
  return FALSE;
}

gboolean
bench_raw_open (BenchRaw *r, guint64 nonce_ctr, const guint8 *aad,
    const guint8 *ct, gsize ct_len, guint8 *pt)
{
  guint8 nonce[16], tag[32];
  gsize len = ct_len - bench_raw_tag_len (r);
  int outl;

  nonce_of (r, nonce_ctr, nonce);
  switch (r->kind) {
    case BENCH_RAW_OPENSSL_AES256GCM:
      return EVP_DecryptInit_ex2 (r->dec, NULL, NULL, nonce, NULL) == 1 &&
          EVP_DecryptUpdate (r->dec, NULL, &outl, aad, BENCH_RAW_AAD_LEN) ==
          1 &&
          EVP_DecryptUpdate (r->dec, pt, &outl, ct, (int)len) == 1 &&
          EVP_CIPHER_CTX_ctrl (
              r->dec, EVP_CTRL_GCM_SET_TAG, 16, (void *)(ct + len)) == 1 &&
          EVP_DecryptFinal_ex (r->dec, pt + len, &outl) == 1;
    case BENCH_RAW_SODIUM_AES256GCM:
      return crypto_aead_aes256gcm_decrypt_detached_afternm (pt, NULL, ct, len,
                 ct + len, aad, BENCH_RAW_AAD_LEN, nonce, r->gcm) == 0;
    case BENCH_RAW_CTR_HMAC_SODIUM:
    case BENCH_RAW_CTR_HMAC_OPENSSL:
      ctr_hmac (r, nonce, aad, ct, len, tag);
      if (sodium_memcmp (tag, ct + len, 10) != 0)
        return FALSE;
      return EVP_EncryptInit_ex2 (r->enc, NULL, NULL, nonce, NULL) == 1 &&
          EVP_EncryptUpdate (r->enc, pt, &outl, ct, (int)len) == 1;
    case BENCH_RAW_N:
      break;
  }
  return FALSE;
}
