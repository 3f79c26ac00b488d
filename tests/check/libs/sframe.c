/* RFC 9605 test vectors and boundaries for the project's SFrame code.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/check/gstcheck.h>
#include <json-glib/json-glib.h>

#include "sframe.h"

static JsonObject *vectors_root;
static JsonParser *vectors_parser;

static void
load_vectors (void)
{
  GError *err = NULL;
  const gchar *path = g_getenv ("SFRAME_VECTORS");

  fail_unless (gst_e2ee_sframe_init ());
  if (!path)
    path = SFRAME_VECTORS;
  vectors_parser = json_parser_new ();
  fail_unless (json_parser_load_from_file (vectors_parser, path, &err),
      "cannot load %s: %s", path, err ? err->message : "?");
  vectors_root = json_node_get_object (json_parser_get_root (vectors_parser));
}

static void
free_vectors (void)
{
  g_clear_object (&vectors_parser);
  vectors_root = NULL;
}

static GBytes *
hex (JsonObject *o, const gchar *member)
{
  const gchar *s = json_object_get_string_member (o, member);
  gsize n = strlen (s) / 2;
  guint8 *b = g_malloc (n + 1);

  fail_unless (strlen (s) % 2 == 0);
  for (gsize i = 0; i < n; i++) {
    gint hi = g_ascii_xdigit_value (s[2 * i]);
    gint lo = g_ascii_xdigit_value (s[2 * i + 1]);
    fail_unless (hi >= 0 && lo >= 0);
    b[i] = (guint8)(hi << 4 | lo);
  }
  return g_bytes_new_take (b, n);
}

static guint64
u64 (JsonObject *o, const gchar *member)
{
  const gchar *s = json_object_get_string_member (o, member);
  fail_unless (g_str_has_prefix (s, "0x"));
  return g_ascii_strtoull (s + 2, NULL, 16);
}

static void
assert_bytes (const guint8 *got, gsize got_len, GBytes *want, const gchar *what)
{
  gsize n;
  const guint8 *w = g_bytes_get_data (want, &n);
  fail_unless_equals_uint64 (got_len, n);
  fail_unless (memcmp (got, w, n) == 0, "%s differs", what);
}

GST_START_TEST (test_header_vectors)
{
  JsonArray *arr = json_object_get_array_member (vectors_root, "header");
  guint n = json_array_get_length (arr);

  fail_unless_equals_int (n, 289);
  for (guint i = 0; i < n; i++) {
    JsonObject *v = json_array_get_object_element (arr, i);
    guint64 kid = u64 (v, "kid"), ctr = u64 (v, "ctr"), k2, c2;
    g_autoptr (GBytes) want = hex (v, "header");
    guint8 out[GST_E2EE_SFRAME_HEADER_MAX];
    gsize len = gst_e2ee_sframe_header_encode (kid, ctr, out);
    gsize wlen;
    const guint8 *w = g_bytes_get_data (want, &wlen);

    assert_bytes (out, len, want, "header");
    fail_unless_equals_int (gst_e2ee_sframe_header_len (kid, ctr), len);
    fail_unless_equals_int (
        gst_e2ee_sframe_header_decode (w, wlen, &k2, &c2), (gint)wlen);
    fail_unless_equals_uint64 (k2, kid);
    fail_unless_equals_uint64 (c2, ctr);
    /* every strict prefix of an extended header is truncated */
    for (gsize cut = 0; cut < wlen; cut++)
      fail_unless_equals_int (gst_e2ee_sframe_header_decode (w, cut, &k2, &c2),
          GST_E2EE_SFRAME_ERR_TRUNCATED);
  }
}

GST_END_TEST;

GST_START_TEST (test_aes_ctr_hmac_vectors)
{
  JsonArray *arr = json_object_get_array_member (vectors_root, "aes_ctr_hmac");
  guint n = json_array_get_length (arr);

  fail_unless_equals_int (n, 3);
  for (guint i = 0; i < n; i++) {
    JsonObject *v = json_array_get_object_element (arr, i);
    GstE2eeSFrameSuite suite = json_object_get_int_member (v, "cipher_suite");
    g_autoptr (GBytes) key = hex (v, "key");
    g_autoptr (GBytes) enc_key = hex (v, "enc_key");
    g_autoptr (GBytes) auth_key = hex (v, "auth_key");
    g_autoptr (GBytes) nonce = hex (v, "nonce");
    g_autoptr (GBytes) aad = hex (v, "aad");
    g_autoptr (GBytes) pt = hex (v, "pt");
    g_autoptr (GBytes) ct = hex (v, "ct");
    gsize klen, alen, plen, clen, elen;
    const guint8 *k = g_bytes_get_data (key, &klen);
    const guint8 *a = g_bytes_get_data (aad, &alen);
    const guint8 *p = g_bytes_get_data (pt, &plen);
    const guint8 *c = g_bytes_get_data (ct, &clen);
    guint8 out[256], back[256], bad[256];

    /* key == enc_key || auth_key */
    g_bytes_get_data (enc_key, &elen);
    fail_unless (memcmp (k, g_bytes_get_data (enc_key, NULL), elen) == 0);
    fail_unless (
        memcmp (k + elen, g_bytes_get_data (auth_key, NULL), klen - elen) == 0);

    fail_unless_equals_int (
        gst_e2ee_sframe_aead_seal (suite, GST_E2EE_SFRAME_BACKEND_AUTO, k,
            g_bytes_get_data (nonce, NULL), a, alen, p, plen, out),
        GST_E2EE_SFRAME_OK);
    assert_bytes (out, plen + gst_e2ee_sframe_suite_info (suite)->nt, ct, "ct");
    fail_unless_equals_int (
        gst_e2ee_sframe_aead_open (suite, GST_E2EE_SFRAME_BACKEND_AUTO, k,
            g_bytes_get_data (nonce, NULL), a, alen, c, clen, back),
        GST_E2EE_SFRAME_OK);
    assert_bytes (back, plen, pt, "pt");

    /* any flipped bit of ct or tag fails */
    for (gsize j = 0; j < clen; j++) {
      memcpy (bad, c, clen);
      bad[j] ^= 0x01;
      fail_unless_equals_int (
          gst_e2ee_sframe_aead_open (suite, GST_E2EE_SFRAME_BACKEND_AUTO, k,
              g_bytes_get_data (nonce, NULL), a, alen, bad, clen, back),
          GST_E2EE_SFRAME_ERR_AUTH);
    }
  }
}

GST_END_TEST;

static void
check_sframe_vector (JsonObject *v, GstE2eeSFrameBackend backend)
{
  GstE2eeSFrameSuite suite = json_object_get_int_member (v, "cipher_suite");
  const GstE2eeSFrameSuiteInfo *info = gst_e2ee_sframe_suite_info (suite);
  guint64 kid = u64 (v, "kid"), ctr = u64 (v, "ctr");
  g_autoptr (GBytes) base = hex (v, "base_key");
  g_autoptr (GBytes) skey = hex (v, "sframe_key");
  g_autoptr (GBytes) ssalt = hex (v, "sframe_salt");
  g_autoptr (GBytes) meta = hex (v, "metadata");
  g_autoptr (GBytes) pt = hex (v, "pt");
  g_autoptr (GBytes) ct = hex (v, "ct");
  gsize blen, mlen, plen, clen;
  const guint8 *b = g_bytes_get_data (base, &blen);
  const guint8 *m = g_bytes_get_data (meta, &mlen);
  const guint8 *p = g_bytes_get_data (pt, &plen);
  const guint8 *c = g_bytes_get_data (ct, &clen);
  guint8 key[GST_E2EE_SFRAME_KEY_MAX], salt[GST_E2EE_SFRAME_NONCE_LEN],
      out[256], back[256];
  GstE2eeSFrameCipher *cipher;
  gssize r;

  fail_unless (info != NULL);
  fail_unless (gst_e2ee_sframe_derive (suite, kid, b, blen, key, salt));
  assert_bytes (key, info->nk, skey, "sframe_key");
  assert_bytes (salt, info->nn, ssalt, "sframe_salt");

  cipher = gst_e2ee_sframe_cipher_new (suite, backend, kid, b, blen);
  fail_unless (cipher != NULL);
  r = gst_e2ee_sframe_cipher_encrypt (
      cipher, ctr, m, mlen, p, plen, out, sizeof (out));
  fail_unless (r > 0);
  assert_bytes (out, r, ct, "sframe ct");

  r = gst_e2ee_sframe_decrypt (cipher, c, clen, m, mlen, back, sizeof (back));
  fail_unless_equals_int (r, plen);
  assert_bytes (back, r, pt, "sframe pt");

  /* wrong metadata fails */
  if (mlen > 0)
    fail_unless_equals_int (gst_e2ee_sframe_decrypt (cipher, c, clen, m,
                                mlen - 1, back, sizeof (back)),
        GST_E2EE_SFRAME_ERR_AUTH);
  gst_e2ee_sframe_cipher_free (cipher);
}

GST_START_TEST (test_sframe_vectors)
{
  JsonArray *arr = json_object_get_array_member (vectors_root, "sframe");
  guint n = json_array_get_length (arr);

  fail_unless_equals_int (n, 5);
  for (guint i = 0; i < n; i++) {
    JsonObject *v = json_array_get_object_element (arr, i);
    GstE2eeSFrameSuite suite = json_object_get_int_member (v, "cipher_suite");

    check_sframe_vector (v, GST_E2EE_SFRAME_BACKEND_OPENSSL);
    if (gst_e2ee_sframe_backend_available (
            suite, GST_E2EE_SFRAME_BACKEND_SODIUM))
      check_sframe_vector (v, GST_E2EE_SFRAME_BACKEND_SODIUM);
  }
}

GST_END_TEST;

static const struct
{
  guint64 kid, ctr;
  const gchar *hex;
} boundaries[] = {
  { 7, 7, "77" },
  { 8, 0, "8008" },
  { 0, 8, "0808" },
  { 8, 8, "880808" },
  { 7, 8, "7808" },
  { 8, 7, "8708" },
  { 255, 256, "89ff0100" },
  { G_MAXUINT64, G_MAXUINT64, "ffffffffffffffffffffffffffffffffff" },
  { G_MAXUINT64, 0, "f0ffffffffffffffff" },
  { 0, G_MAXUINT64, "0fffffffffffffffff" },
  { G_MAXUINT64 - 1, 1, "f1fffffffffffffffe" },
};

GST_START_TEST (test_vector_count)
{
  JsonObject *counts = json_object_get_object_member (vectors_root, "counts");
  guint total = 0;

  total += json_array_get_length (
      json_object_get_array_member (vectors_root, "header"));
  total += json_array_get_length (
      json_object_get_array_member (vectors_root, "aes_ctr_hmac"));
  total += json_array_get_length (
      json_object_get_array_member (vectors_root, "sframe"));
  fail_unless_equals_int (total, 297);
  fail_unless_equals_int (json_object_get_int_member (counts, "total"), 297);
}

GST_END_TEST;

GST_START_TEST (test_header_boundaries)
{
  for (guint i = 0; i < G_N_ELEMENTS (boundaries); i++) {
    guint8 out[GST_E2EE_SFRAME_HEADER_MAX];
    gchar *got;
    guint64 k, c;
    gsize len = gst_e2ee_sframe_header_encode (
        boundaries[i].kid, boundaries[i].ctr, out);
    const gchar *want = boundaries[i].hex;

    got = g_malloc0 (2 * len + 1);
    for (gsize j = 0; j < len; j++)
      g_snprintf (got + 2 * j, 3, "%02x", out[j]);
    fail_unless_equals_string (got, want);
    g_free (got);
    fail_unless_equals_int (
        gst_e2ee_sframe_header_decode (out, len, &k, &c), (gint)len);
    fail_unless_equals_uint64 (k, boundaries[i].kid);
    fail_unless_equals_uint64 (c, boundaries[i].ctr);
  }
}

GST_END_TEST;

GST_START_TEST (test_header_rejects)
{
  guint64 k, c;
  /* longer than needed: accepted (the header is authenticated as AAD) */
  static const guint8 ext_small[] = { 0x80, 0x07 };
  static const guint8 lead_zero[] = { 0x09, 0x00, 0xff };
  static const guint8 lead_zero_kid[] = { 0x90, 0x00, 0x10 };
  /* KID says 8 bytes, only 3 follow */
  static const guint8 short_kid[] = { 0xf0, 0x01, 0x02, 0x03 };
  /* CTR truncated after a complete KID */
  static const guint8 short_ctr[] = { 0x89, 0x10, 0x01 };

  fail_unless_equals_int (
      gst_e2ee_sframe_header_decode (ext_small, 2, &k, &c), 2);
  fail_unless_equals_uint64 (k, 7);
  fail_unless_equals_uint64 (c, 0);
  fail_unless_equals_int (
      gst_e2ee_sframe_header_decode (lead_zero, 3, &k, &c), 3);
  fail_unless_equals_uint64 (k, 0);
  fail_unless_equals_uint64 (c, 0xff);
  fail_unless_equals_int (
      gst_e2ee_sframe_header_decode (lead_zero_kid, 3, &k, &c), 3);
  fail_unless_equals_uint64 (k, 0x10);
  fail_unless_equals_int (gst_e2ee_sframe_header_decode (short_kid, 4, &k, &c),
      GST_E2EE_SFRAME_ERR_TRUNCATED);
  fail_unless_equals_int (gst_e2ee_sframe_header_decode (short_ctr, 3, &k, &c),
      GST_E2EE_SFRAME_ERR_TRUNCATED);
  fail_unless_equals_int (gst_e2ee_sframe_header_decode (NULL, 0, &k, &c),
      GST_E2EE_SFRAME_ERR_TRUNCATED);
}

GST_END_TEST;

/* Every suite and backend: round trip at the counter boundaries, any
 * modification of any byte fails, and plaintexts of every small size. */
GST_START_TEST (test_roundtrip_all_suites)
{
  static const guint8 base[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
    14, 15, 16 };
  static const guint64 ctrs[] = { 0, 7, 8, 255, 256, G_MAXUINT64 - 1 };
  static const guint8 meta[] = { 0xde, 0xad };
  guint8 pt[300], ct[400], back[400];

  for (guint i = 0; i < sizeof (pt); i++)
    pt[i] = (guint8)(i * 7);

  for (GstE2eeSFrameSuite s = 1; s <= 5; s++) {
    for (GstE2eeSFrameBackend b = GST_E2EE_SFRAME_BACKEND_AUTO;
         b <= GST_E2EE_SFRAME_BACKEND_SODIUM; b++) {
      GstE2eeSFrameCipher *c;
      if (!gst_e2ee_sframe_backend_available (s, b))
        continue;
      c = gst_e2ee_sframe_cipher_new (s, b, 0x1234, base, sizeof (base));
      fail_unless (c != NULL);
      for (guint j = 0; j < G_N_ELEMENTS (ctrs); j++) {
        for (gsize len = 0; len < sizeof (pt); len += 37) {
          gssize n = gst_e2ee_sframe_cipher_encrypt (
              c, ctrs[j], meta, sizeof (meta), pt, len, ct, sizeof (ct));
          fail_unless_equals_int (
              n, len + gst_e2ee_sframe_cipher_overhead (c, ctrs[j]));
          fail_unless_equals_int (gst_e2ee_sframe_decrypt (c, ct, n, meta,
                                      sizeof (meta), back, sizeof (back)),
              len);
          fail_unless (memcmp (back, pt, len) == 0);
          /* flip each byte: header, ciphertext, tag */
          for (gssize k = 0; k < n; k++) {
            gssize r;
            ct[k] ^= 0x80;
            r = gst_e2ee_sframe_decrypt (
                c, ct, n, meta, sizeof (meta), back, sizeof (back));
            fail_unless (r < 0, "suite %d: tampered byte %d of %d accepted", s,
                (int)k, (int)n);
            ct[k] ^= 0x80;
          }
          /* truncation fails */
          fail_unless (gst_e2ee_sframe_decrypt (c, ct, n - 1, meta,
                           sizeof (meta), back, sizeof (back)) < 0);
        }
      }
      /* output buffer too small is refused, not overrun */
      fail_unless_equals_int (
          gst_e2ee_sframe_cipher_encrypt (c, 0, NULL, 0, pt, 100, ct, 100),
          GST_E2EE_SFRAME_ERR_TOO_BIG);
      gst_e2ee_sframe_cipher_free (c);
    }
  }
}

GST_END_TEST;

GST_START_TEST (test_backends_agree)
{
  static const guint8 base[32] = { 42 };
  guint8 pt[1200], a[1300], b[1300];
  GstE2eeSFrameCipher *o, *s;
  gssize na, nb;

  if (!gst_e2ee_sframe_backend_available (
          GST_E2EE_SFRAME_SUITE_AES_256_GCM_SHA512_128,
          GST_E2EE_SFRAME_BACKEND_SODIUM))
    return;
  memset (pt, 0x5a, sizeof (pt));
  o = gst_e2ee_sframe_cipher_new (
      5, GST_E2EE_SFRAME_BACKEND_OPENSSL, 9, base, sizeof (base));
  s = gst_e2ee_sframe_cipher_new (
      5, GST_E2EE_SFRAME_BACKEND_SODIUM, 9, base, sizeof (base));
  na = gst_e2ee_sframe_cipher_encrypt (
      o, 77, NULL, 0, pt, sizeof (pt), a, sizeof (a));
  nb = gst_e2ee_sframe_cipher_encrypt (
      s, 77, NULL, 0, pt, sizeof (pt), b, sizeof (b));
  fail_unless_equals_int (na, nb);
  fail_unless (memcmp (a, b, na) == 0);
  gst_e2ee_sframe_cipher_free (o);
  gst_e2ee_sframe_cipher_free (s);
}

GST_END_TEST;

static Suite *
sframe_suite (void)
{
  Suite *s = suite_create ("sframe");
  TCase *tc = tcase_create ("rfc9605");

  suite_add_tcase (s, tc);
  tcase_add_unchecked_fixture (tc, load_vectors, free_vectors);
  tcase_add_test (tc, test_header_vectors);
  tcase_add_test (tc, test_aes_ctr_hmac_vectors);
  tcase_add_test (tc, test_sframe_vectors);
  tcase_add_test (tc, test_vector_count);
  tcase_add_test (tc, test_header_boundaries);
  tcase_add_test (tc, test_header_rejects);
  tcase_add_test (tc, test_roundtrip_all_suites);
  tcase_add_test (tc, test_backends_agree);
  return s;
}

GST_CHECK_MAIN (sframe);
