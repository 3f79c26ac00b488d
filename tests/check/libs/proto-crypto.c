/* The gst-e2ee/1 key-exchange codec (docs/protocol.md part 1), its
 * cryptography: key boxes, media keys, security code, fingerprints and the
 * identity file.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Everything the spec defines byte for byte is also computed here
 * independently, with libsodium alone (a hand-written encoder, HKDF from
 * HMAC-SHA256, the key box, the security code and the fingerprint), and
 * compared with what e2eeproto.c produces.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "proto-common.h"

/* --------------------------------------------------------- key boxes */

/* HKDF-SHA256 (RFC 5869) from libsodium's HMAC, out_len <= 64 */
static void
hkdf (const guint8 *salt, gsize salt_len, const guint8 *ikm, gsize ikm_len,
    const guint8 *info, gsize info_len, guint8 *out, gsize out_len)
{
  crypto_auth_hmacsha256_state st;
  guint8 prk[32], t[32];
  guint8 ctr;
  gsize done = 0;

  crypto_auth_hmacsha256_init (&st, salt, salt_len);
  crypto_auth_hmacsha256_update (&st, ikm, ikm_len);
  crypto_auth_hmacsha256_final (&st, prk);
  for (ctr = 1; done < out_len; ctr++) {
    crypto_auth_hmacsha256_init (&st, prk, sizeof (prk));
    if (ctr > 1)
      crypto_auth_hmacsha256_update (&st, t, sizeof (t));
    crypto_auth_hmacsha256_update (&st, info, info_len);
    crypto_auth_hmacsha256_update (&st, &ctr, 1);
    crypto_auth_hmacsha256_final (&st, t);
    memcpy (out + done, t, MIN (sizeof (t), out_len - done));
    done += MIN (sizeof (t), out_len - done);
  }
}

/* box_key and ad of 1.10, computed here */
static void
ref_box_key_ad (const guint8 *own_sk, const guint8 *peer_pk, const guint8 *pk_l,
    const guint8 *pk_r, const gchar *meeting, GBytes *inst, const gchar *lid,
    const gchar *rid, guint64 epoch, const guint8 *rnonce, guint8 key[32],
    GByteArray *ad)
{
  guint8 shared[32];
  gsize il;
  const guint8 *ip = g_bytes_get_data (inst, &il);
  GByteArray *info = g_byte_array_new ();

  fail_unless (crypto_scalarmult (shared, own_sk, peer_pk) == 0);
  put_raw (info, "gst-e2ee/1 keybox", 17);
  put_raw (info, pk_l, 32);
  put_raw (info, pk_r, 32);
  hkdf (ip, il, shared, 32, info->data, info->len, key, 32);
  g_byte_array_unref (info);
  put_str16 (ad, meeting);
  put_vec16 (ad, ip, il);
  put_str16 (ad, lid);
  put_str16 (ad, rid);
  put_u64 (ad, epoch);
  put_raw (ad, rnonce, 24);
}

/* X25519 key pairs whose secret keys the test knows */
typedef struct
{
  guint8 sk[32];
  GstE2eeDhKey k;
} TestDh;

static void
test_dh_init (TestDh *d, guint8 seed)
{
  memset (d->sk, seed, 32);
  d->k.sk = d->sk;
  fail_unless (crypto_scalarmult_base (d->k.pk, d->sk) == 0);
}

static gboolean
open_box (const GstE2eeDhKey *r, const guint8 *lpk, const gchar *meeting,
    GBytes *inst, const gchar *lid, const gchar *rid, guint64 epoch,
    const GstE2eeKeyBox *box, const guint8 *want_mk, const gchar *what)
{
  guint8 mk[32], untouched[32];
  gboolean ok;

  memset (mk, 0xa5, 32);
  memset (untouched, 0xa5, 32);
  ok = gst_e2ee_keybox_open (r, lpk, meeting, inst, lid, rid, epoch, box, mk);
  if (ok)
    fail_unless (want_mk && memcmp (mk, want_mk, 32) == 0,
        "%s: opened to another key", what);
  else
    fail_unless (memcmp (mk, untouched, 32) == 0,
        "%s: mk written although the box did not open", what);
  return ok;
}

GST_START_TEST (test_keybox)
{
  GstE2eeDhKey *leader = gst_e2ee_dh_key_new ();
  GstE2eeDhKey *rcpt = gst_e2ee_dh_key_new ();
  GstE2eeDhKey *other = gst_e2ee_dh_key_new ();
  GBytes *inst = make_instance (11, 20);
  GBytes *inst2 = make_instance (12, 20);
  guint8 mk[32], rnonce[24];
  GstE2eeKeyBox box, box2, t;
  const gchar *meet = "meeting-1";
  guint64 e = 42;

  fail_unless (leader && rcpt && other && leader->sk && rcpt->sk);
  fail_if (memcmp (leader->pk, rcpt->pk, 32) == 0);
  fill (mk, 32, 60);
  fill (rnonce, 24, 61);
  memset (&box, 0, sizeof (box));
  memset (&box2, 0, sizeof (box2));
  fail_unless (gst_e2ee_keybox_seal (
      leader, rcpt->pk, meet, inst, "lead", "bob", e, rnonce, mk, &box));
  /* recipient_id is borrowed from the argument (e2eeproto.c; not said in
   * e2eeproto.h): not freed here */
  fail_unless_equals_string (box.recipient_id, "bob");
  fail_unless (memcmp (box.recipient_nonce, rnonce, 24) == 0);
  /* MK is not in the box in clear */
  for (guint i = 0; i + 32 <= GST_E2EE_BOX_LEN; i++)
    fail_if (memcmp (box.box + i, mk, 32) == 0);
  /* a fresh random nonce each time */
  fail_unless (gst_e2ee_keybox_seal (
      leader, rcpt->pk, meet, inst, "lead", "bob", e, rnonce, mk, &box2));
  fail_if (memcmp (box.box_nonce, box2.box_nonce, 24) == 0);
  fail_if (memcmp (box.box, box2.box, GST_E2EE_BOX_LEN) == 0);

  fail_unless (open_box (
      rcpt, leader->pk, meet, inst, "lead", "bob", e, &box, mk, "right keys"));

  fail_if (open_box (other, leader->pk, meet, inst, "lead", "bob", e, &box,
      NULL, "wrong recipient key"));
  fail_if (open_box (rcpt, other->pk, meet, inst, "lead", "bob", e, &box, NULL,
      "wrong leader pk"));
  fail_if (open_box (rcpt, rcpt->pk, meet, inst, "lead", "bob", e, &box, NULL,
      "own pk as leader pk"));
  fail_if (open_box (rcpt, leader->pk, "meeting-2", inst, "lead", "bob", e,
      &box, NULL, "other meeting id"));
  fail_if (open_box (rcpt, leader->pk, meet, inst2, "lead", "bob", e, &box,
      NULL, "other instance"));
  fail_if (open_box (rcpt, leader->pk, meet, inst, "mallory", "bob", e, &box,
      NULL, "other leader id"));
  fail_if (open_box (rcpt, leader->pk, meet, inst, "lead", "carol", e, &box,
      NULL, "other recipient id"));
  fail_if (open_box (rcpt, leader->pk, meet, inst, "lead", "bob", e + 1, &box,
      NULL, "other epoch"));
  fail_if (open_box (rcpt, leader->pk, meet, inst, "lead", "bob",
      e | G_GUINT64_CONSTANT (1) << 40, &box, NULL, "other epoch (high bits)"));
  /* ids concatenated differently: "lead"+"bob" vs "leadb"+"ob" */
  fail_if (open_box (rcpt, leader->pk, meet, inst, "leadb", "ob", e, &box, NULL,
      "shifted ids"));
  for (guint bit = 0; bit < 24 * 8; bit++) {
    t = box;
    t.recipient_nonce[bit / 8] ^= (guint8)(1 << (bit % 8));
    fail_if (open_box (rcpt, leader->pk, meet, inst, "lead", "bob", e, &t, NULL,
        "recipient nonce flipped"));
    t = box;
    t.box_nonce[bit / 8] ^= (guint8)(1 << (bit % 8));
    fail_if (open_box (rcpt, leader->pk, meet, inst, "lead", "bob", e, &t, NULL,
        "box nonce flipped"));
  }
  for (guint bit = 0; bit < GST_E2EE_BOX_LEN * 8; bit++) {
    t = box;
    t.box[bit / 8] ^= (guint8)(1 << (bit % 8));
    fail_if (open_box (rcpt, leader->pk, meet, inst, "lead", "bob", e, &t, NULL,
        "box flipped"));
  }
  /* still opens after all that */
  fail_unless (open_box (rcpt, leader->pk, meet, inst, "lead", "bob", e, &box,
      mk, "right keys again"));

  gst_e2ee_dh_key_free (leader);
  gst_e2ee_dh_key_free (rcpt);
  gst_e2ee_dh_key_free (other);
  g_bytes_unref (inst);
  g_bytes_unref (inst2);
}

GST_END_TEST;

/* The box is the one 1.10 defines: computed here, opened by the
 * implementation, and the other way round. */
GST_START_TEST (test_keybox_matches_spec)
{
  TestDh l, r;
  GBytes *inst = make_instance (13, 32);
  guint8 mk[32], rnonce[24], key[32], out[32];
  unsigned long long outlen;
  GByteArray *ad = g_byte_array_new ();
  GstE2eeKeyBox box;
  const gchar *meet = "m\xc3\xa9"
                      "eting";
  guint64 e = G_GUINT64_CONSTANT (0x0000aabbccddeeff);

  test_dh_init (&l, 0x21);
  test_dh_init (&r, 0x42);
  fill (mk, 32, 70);
  fill (rnonce, 24, 71);

  /* sealed here, opened by e2eeproto.c (from the recipient's side) */
  ref_box_key_ad (l.sk, r.k.pk, l.k.pk, r.k.pk, meet, inst, "leader-id",
      "rcpt-id", e, rnonce, key, ad);
  memset (&box, 0, sizeof (box));
  box.recipient_id = (gchar *)"rcpt-id";
  memcpy (box.recipient_nonce, rnonce, 24);
  fill (box.box_nonce, 24, 72);
  fail_unless (crypto_aead_xchacha20poly1305_ietf_encrypt (box.box, &outlen, mk,
                   32, ad->data, ad->len, NULL, box.box_nonce, key) == 0);
  fail_unless_equals_uint64 (outlen, GST_E2EE_BOX_LEN);
  fail_unless (open_box (&r.k, l.k.pk, meet, inst, "leader-id", "rcpt-id", e,
                   &box, mk, "box made from docs/protocol.md 1.10"),
      "a box made as docs/protocol.md 1.10 says does not open");
  g_byte_array_unref (ad);

  /* sealed by e2eeproto.c, opened here */
  memset (&box, 0, sizeof (box));
  fail_unless (gst_e2ee_keybox_seal (
      &l.k, r.k.pk, meet, inst, "leader-id", "rcpt-id", e, rnonce, mk, &box));
  ad = g_byte_array_new ();
  ref_box_key_ad (r.sk, l.k.pk, l.k.pk, r.k.pk, meet, inst, "leader-id",
      "rcpt-id", e, box.recipient_nonce, key, ad);
  fail_unless (
      crypto_aead_xchacha20poly1305_ietf_decrypt (out, &outlen, NULL, box.box,
          GST_E2EE_BOX_LEN, ad->data, ad->len, box.box_nonce, key) == 0,
      "a box sealed by gst_e2ee_keybox_seal does not open as docs/protocol.md "
      "1.10 says");
  fail_unless_equals_uint64 (outlen, 32);
  fail_unless (memcmp (out, mk, 32) == 0);
  g_byte_array_unref (ad);
  g_bytes_unref (inst);
}

GST_END_TEST;

/* A peer key of low order makes X25519 all zeros: refused. */
GST_START_TEST (test_keybox_low_order_key)
{
  GstE2eeDhKey *leader = gst_e2ee_dh_key_new ();
  GstE2eeDhKey *rcpt = gst_e2ee_dh_key_new ();
  GBytes *inst = make_instance (14, 16);
  guint8 zero[32], mk[32], rnonce[24];
  GstE2eeKeyBox box;

  memset (zero, 0, 32);
  fill (mk, 32, 80);
  fill (rnonce, 24, 81);
  memset (&box, 0, sizeof (box));
  fail_if (gst_e2ee_keybox_seal (
               leader, zero, "m", inst, "l", "r", 1, rnonce, mk, &box),
      "sealed to an all-zero X25519 key");
  memset (&box, 0, sizeof (box));
  fail_unless (gst_e2ee_keybox_seal (
      leader, rcpt->pk, "m", inst, "l", "r", 1, rnonce, mk, &box));
  fail_if (open_box (
      rcpt, zero, "m", inst, "l", "r", 1, &box, NULL, "all-zero leader key"));
  gst_e2ee_dh_key_free (leader);
  gst_e2ee_dh_key_free (rcpt);
  g_bytes_unref (inst);
}

GST_END_TEST;

/* -------------------------------------------------------- media keys */

static void
ref_media_key (
    const guint8 *mk, GBytes *inst, guint64 e, guint16 i, guint8 out[32])
{
  GByteArray *info = g_byte_array_new ();
  gsize il;
  const guint8 *ip = g_bytes_get_data (inst, &il);

  put_raw (info, "gst-e2ee/1 media", 16);
  put_u64 (info, e);
  put_u16 (info, i);
  hkdf (ip, il, mk, 32, info->data, info->len, out, 32);
  g_byte_array_unref (info);
}

GST_START_TEST (test_media_keys)
{
  GBytes *inst = make_instance (20, 16), *inst2 = make_instance (21, 16);
  guint8 mk[32], mk2[32], a[32], b[32], ref[32];
  static const guint64 epochs[] = { 1, 2, 0x123456789aULL,
    (G_GUINT64_CONSTANT (1) << 48) - 1 };
  static const guint16 idx[] = { 0, 1, 0x100, 65535 };

  fill (mk, 32, 90);
  memcpy (mk2, mk, 32);
  mk2[31] ^= 1;
  for (guint x = 0; x < G_N_ELEMENTS (epochs); x++) {
    for (guint y = 0; y < G_N_ELEMENTS (idx); y++) {
      guint64 e = epochs[x];
      guint16 i = idx[y];

      fail_unless (gst_e2ee_media_key (mk, inst, e, i, a));
      fail_unless (gst_e2ee_media_key (mk, inst, e, i, b));
      fail_unless (memcmp (a, b, 32) == 0, "not deterministic");
      ref_media_key (mk, inst, e, i, ref);
      fail_unless (memcmp (a, ref, 32) == 0,
          "base(%" G_GUINT64_FORMAT ", %u) differs from docs/protocol.md 1.6",
          e, i);
      fail_unless (gst_e2ee_media_key (mk, inst, e ^ 1, i, b));
      fail_if (memcmp (a, b, 32) == 0, "same key for another epoch");
      fail_unless (gst_e2ee_media_key (mk, inst, e, i ^ 1, b));
      fail_if (memcmp (a, b, 32) == 0, "same key for another index");
      fail_unless (gst_e2ee_media_key (mk, inst2, e, i, b));
      fail_if (memcmp (a, b, 32) == 0, "same key for another instance");
      fail_unless (gst_e2ee_media_key (mk2, inst, e, i, b));
      fail_if (memcmp (a, b, 32) == 0, "same key for another MK");

      fail_unless_equals_uint64 (gst_e2ee_media_kid (e, i), (e << 16) | i);
    }
  }
  fail_unless_equals_uint64 (gst_e2ee_media_kid (1, 0), 0x10000);
  fail_unless_equals_uint64 (gst_e2ee_media_kid (0x123456789aULL, 0xbeef),
      G_GUINT64_CONSTANT (0x123456789abeef));
  fail_unless_equals_uint64 (
      gst_e2ee_media_kid ((G_GUINT64_CONSTANT (1) << 48) - 1, 65535),
      G_MAXUINT64);
  /* the sender of one epoch and the epoch of another sender never collide */
  fail_if (gst_e2ee_media_kid (1, 0) == gst_e2ee_media_kid (0, 1));
  g_bytes_unref (inst);
  g_bytes_unref (inst2);
}

GST_END_TEST;

/* ------------------------------------------- security code, fingerprint */

static gchar *
ref_security_code (const gchar *meeting, GBytes *inst, const guint8 *pk)
{
  GByteArray *a = g_byte_array_new ();
  guint8 h[64];
  GString *s = g_string_new (NULL);
  gchar digits[41];

  put_raw (a, "gst-e2ee/1 security code", 24);
  put_str16 (a, meeting);
  put_bytes16 (a, inst);
  put_raw (a, pk, 32);
  crypto_hash_sha512 (h, a->data, a->len);
  g_byte_array_unref (a);
  for (guint k = 0; k < 4; k++) {
    guint64 v = 0;
    for (guint j = 0; j < 8; j++)
      v = v << 8 | h[8 * k + j];
    g_snprintf (digits + 10 * k, 11, "%010" G_GUINT64_FORMAT,
        v % G_GUINT64_CONSTANT (10000000000));
  }
  for (guint g = 0; g < 8; g++) {
    if (g)
      g_string_append_c (s, ' ');
    g_string_append_len (s, digits + 5 * g, 5);
  }
  return g_string_free (s, FALSE);
}

static void
assert_code_format (const gchar *c)
{
  fail_unless (c != NULL);
  fail_unless_equals_int (strlen (c), 47);
  for (guint i = 0; i < 47; i++) {
    if (i % 6 == 5)
      fail_unless (c[i] == ' ', "security code '%s': no space at %u", c, i);
    else
      fail_unless (g_ascii_isdigit (c[i]), "security code '%s': %u", c, i);
  }
}

GST_START_TEST (test_security_code)
{
  GBytes *inst = make_instance (30, 16), *inst2 = make_instance (31, 16);
  gchar *c, *c2, *ref;
  guint8 pk[32];

  /* a case computed independently, byte string of 1.13 */
  c = gst_e2ee_security_code ("meeting-\xce\xa9-42", inst, alice.pk);
  assert_code_format (c);
  ref = ref_security_code ("meeting-\xce\xa9-42", inst, alice.pk);
  fail_unless_equals_string (c, ref);
  g_free (ref);

  c2 = gst_e2ee_security_code ("meeting-\xce\xa9-42", inst, alice.pk);
  fail_unless_equals_string (c, c2);
  g_free (c2);
  c2 = gst_e2ee_security_code ("meeting-\xce\xa9-42", inst, bob.pk);
  assert_code_format (c2);
  fail_if (g_str_equal (c, c2), "same code for another leader");
  g_free (c2);
  c2 = gst_e2ee_security_code ("meeting-\xce\xa9-43", inst, alice.pk);
  fail_if (g_str_equal (c, c2), "same code for another meeting id");
  g_free (c2);
  c2 = gst_e2ee_security_code ("meeting-\xce\xa9-42", inst2, alice.pk);
  fail_if (g_str_equal (c, c2), "same code for another instance");
  g_free (c2);
  g_free (c);

  /* leading zeros are kept: many keys, all compared to the reference */
  for (guint i = 0; i < 200; i++) {
    fill (pk, 32, i);
    pk[0] = (guint8)i;
    c = gst_e2ee_security_code ("m", inst2, pk);
    ref = ref_security_code ("m", inst2, pk);
    assert_code_format (c);
    fail_unless_equals_string (c, ref);
    g_free (c);
    g_free (ref);
  }
  g_bytes_unref (inst);
  g_bytes_unref (inst2);
}

GST_END_TEST;

static gchar *
ref_fingerprint (const guint8 *pk)
{
  guint8 h[32];
  crypto_hash_sha256_state st;
  GString *s = g_string_new (NULL);

  crypto_hash_sha256_init (&st);
  crypto_hash_sha256_update (&st, (const guint8 *)"gst-e2ee/1 fingerprint", 22);
  crypto_hash_sha256_update (&st, pk, 32);
  crypto_hash_sha256_final (&st, h);
  for (guint i = 0; i < 16; i++) {
    if (i && i % 2 == 0)
      g_string_append_c (s, ' ');
    g_string_append_printf (s, "%02x", h[i]);
  }
  return g_string_free (s, FALSE);
}

GST_START_TEST (test_fingerprint)
{
  gchar *f = gst_e2ee_fingerprint (alice.pk), *f2, *ref;

  fail_unless (f != NULL);
  fail_unless_equals_int (strlen (f), 39);
  for (guint i = 0; i < 39; i++) {
    if (i % 5 == 4)
      fail_unless (f[i] == ' ', "fingerprint '%s'", f);
    else
      fail_unless (g_ascii_isxdigit (f[i]) && !g_ascii_isupper (f[i]),
          "fingerprint '%s'", f);
  }
  ref = ref_fingerprint (alice.pk);
  fail_unless_equals_string (f, ref);
  g_free (ref);
  f2 = gst_e2ee_fingerprint (alice.pk);
  fail_unless_equals_string (f, f2);
  g_free (f2);
  f2 = gst_e2ee_fingerprint (bob.pk);
  ref = ref_fingerprint (bob.pk);
  fail_unless_equals_string (f2, ref);
  fail_if (g_str_equal (f, f2));
  g_free (ref);
  g_free (f2);
  g_free (f);
}

GST_END_TEST;

/* ------------------------------------------------------ identity file */

static void
write_file (const gchar *path, const gchar *content, gsize len, int mode)
{
  GError *err = NULL;

  g_unlink (path);
  fail_unless (g_file_set_contents (path, content, len, &err));
  fail_unless (g_chmod (path, mode) == 0);
}

static void
expect_identity_refused (const gchar *path, const gchar *what)
{
  GError *err = NULL;
  GstE2eeIdentity *id = gst_e2ee_identity_load_or_create (path, &err);

  if (id)
    gst_e2ee_identity_free (id);
  fail_unless (id == NULL, "identity file %s: accepted", what);
  fail_unless (err != NULL, "identity file %s: refused without a GError", what);
  GST_DEBUG ("%s: %s", what, err->message);
  g_error_free (err);
}

/* Signs with id through the codec and checks the signature under id->pk. */
static void
assert_identity_signs (const GstE2eeIdentity *id)
{
  GstE2eeMsg *m = make_msg (GST_E2EE_MSG_LEAVE), *d;
  GBytes *enc = encode_ok (m, id);
  gsize len;
  const guint8 *data = g_bytes_get_data (enc, &len);

  d = expect_accept (data, len, "LEAVE");
  fail_unless (gst_e2ee_msg_verify (d, data, len, id->pk),
      "a message signed with the identity does not verify under its pk");
  gst_e2ee_msg_free (d);
  gst_e2ee_msg_free (m);
  g_bytes_unref (enc);
}

GST_START_TEST (test_identity_file)
{
  GError *err = NULL;
  gchar *dir = g_dir_make_tmp ("e2ee-proto-XXXXXX", &err);
  gchar *path, *content = NULL, *bad;
  GstE2eeIdentity *id, *id2;
  GStatBuf st;
  gsize len;
  guint8 sk[64], pk[32], seed_pk[32], seed_sk[64];
  const gchar *bads[] = { "bad hex", "short", "long", "empty", "no digits" };

  fail_unless (dir != NULL);
  path = g_build_filename (dir, "identity.key", NULL);

  /* created on first use, mode 0600, 128 hex digits and a newline */
  id = gst_e2ee_identity_load_or_create (path, &err);
  fail_unless (id != NULL, "create: %s", err ? err->message : "?");
  fail_unless (g_stat (path, &st) == 0);
  fail_unless_equals_int (st.st_mode & 0777, 0600);
  fail_unless (g_file_get_contents (path, &content, &len, NULL));
  fail_unless_equals_int (len, 129);
  fail_unless_equals_int (content[128], '\n');
  for (guint i = 0; i < 64; i++) {
    gint hi = g_ascii_xdigit_value (content[2 * i]);
    gint lo = g_ascii_xdigit_value (content[2 * i + 1]);
    fail_unless (hi >= 0 && lo >= 0, "not hex at %u", 2 * i);
    sk[i] = (guint8)(hi << 4 | lo);
  }
  /* the file holds libsodium's 64-byte secret key of that public key */
  fail_unless (crypto_sign_ed25519_sk_to_pk (pk, sk) == 0);
  fail_unless (memcmp (pk, id->pk, 32) == 0);
  fail_unless (crypto_sign_seed_keypair (seed_pk, seed_sk, sk) == 0);
  fail_unless (memcmp (seed_pk, id->pk, 32) == 0);
  assert_identity_signs (id);

  /* loaded again: the same key, file unchanged */
  id2 = gst_e2ee_identity_load_or_create (path, &err);
  fail_unless (id2 != NULL, "load: %s", err ? err->message : "?");
  fail_unless (memcmp (id->pk, id2->pk, 32) == 0);
  assert_identity_signs (id2);
  gst_e2ee_identity_free (id2);
  {
    gchar *again = NULL;
    fail_unless (g_file_get_contents (path, &again, NULL, NULL));
    fail_unless_equals_string (again, content);
    g_free (again);
  }

  /* readable by others: refused, and not rewritten */
  fail_unless (g_chmod (path, 0644) == 0);
  expect_identity_refused (path, "with mode 0644");
  fail_unless (g_chmod (path, 0604) == 0);
  expect_identity_refused (path, "with mode 0604");
  fail_unless (g_chmod (path, 0600) == 0);
  id2 = gst_e2ee_identity_load_or_create (path, &err);
  fail_unless (
      id2 != NULL, "load after chmod 0600: %s", err ? err->message : "?");
  fail_unless (memcmp (id->pk, id2->pk, 32) == 0);
  gst_e2ee_identity_free (id2);

  /* corrupt files: refused with an error, and left as they are */
  for (guint i = 0; i < G_N_ELEMENTS (bads); i++) {
    gchar *after = NULL;
    switch (i) {
      case 0:
        bad = g_strdup (content);
        bad[17] = 'g';
        break;
      case 1:
        bad = g_strdup (content);
        strcpy (bad + 126, "\n");
        break;
      case 2:
        bad = g_strndup (content, 128);
        set_str (&bad, g_strconcat (bad, "00\n", NULL));
        break;
      case 3:
        bad = g_strdup ("");
        break;
      default:
        bad = g_strnfill (129, '\n');
        break;
    }
    write_file (path, bad, strlen (bad), 0600);
    expect_identity_refused (path, bads[i]);
    fail_unless (g_file_get_contents (path, &after, NULL, NULL));
    fail_unless_equals_string (after, bad);
    g_free (after);
    g_free (bad);
  }

  /* a new path in the same directory: a new identity */
  {
    gchar *p2 = g_build_filename (dir, "other.key", NULL);
    id2 = gst_e2ee_identity_load_or_create (p2, &err);
    fail_unless (id2 != NULL);
    fail_if (memcmp (id->pk, id2->pk, 32) == 0);
    gst_e2ee_identity_free (id2);
    g_unlink (p2);
    g_free (p2);
  }

  gst_e2ee_identity_free (id);
  g_unlink (path);
  fail_unless (g_rmdir (dir) == 0, "temporary directory not empty");
  g_free (content);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

/* A file whose second half (libsodium's copy of the public key) is not the
 * public key of its first half (the seed): refused, or loaded so that its
 * signatures verify under the pk it reports.  (Signing with a mismatched
 * embedded public key also leaks the secret key to whoever gets
 * signatures of the same message under both public keys.) */
GST_START_TEST (test_identity_file_mismatched_halves)
{
  GError *err = NULL;
  gchar *dir = g_dir_make_tmp ("e2ee-proto-XXXXXX", &err);
  gchar *path, *content = NULL;
  GstE2eeIdentity *id, *id2;

  fail_unless (dir != NULL);
  path = g_build_filename (dir, "identity.key", NULL);
  id = gst_e2ee_identity_load_or_create (path, &err);
  fail_unless (id != NULL, "create: %s", err ? err->message : "?");
  fail_unless (g_file_get_contents (path, &content, NULL, NULL));
  fail_unless (strlen (content) == 129);
  /* a hex digit of the public-key half */
  content[100] = content[100] == '0' ? '1' : '0';
  write_file (path, content, strlen (content), 0600);
  id2 = gst_e2ee_identity_load_or_create (path, &err);
  if (id2) {
    assert_identity_signs (id2);
    gst_e2ee_identity_free (id2);
  } else {
    fail_unless (err != NULL);
    g_clear_error (&err);
  }
  gst_e2ee_identity_free (id);
  g_unlink (path);
  fail_unless (g_rmdir (dir) == 0, "temporary directory not empty");
  g_free (content);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_identity_new)
{
  GstE2eeIdentity *a = gst_e2ee_identity_new (), *b = gst_e2ee_identity_new ();
  guint8 pk[32];

  fail_unless (a && b && a->sk && b->sk);
  fail_if (memcmp (a->pk, b->pk, 32) == 0);
  fail_unless (crypto_sign_ed25519_sk_to_pk (pk, a->sk) == 0);
  fail_unless (memcmp (pk, a->pk, 32) == 0);
  assert_identity_signs (a);
  assert_identity_signs (b);
  gst_e2ee_identity_free (a);
  gst_e2ee_identity_free (b);
}

GST_END_TEST;

static Suite *
proto_crypto_suite (void)
{
  Suite *s = suite_create ("proto-crypto");
  TCase *tc = tcase_create ("keyexchange");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, NULL);
  tcase_add_test (tc, test_keybox);
  tcase_add_test (tc, test_keybox_matches_spec);
  tcase_add_test (tc, test_keybox_low_order_key);
  tcase_add_test (tc, test_media_keys);
  tcase_add_test (tc, test_security_code);
  tcase_add_test (tc, test_fingerprint);
  tcase_add_test (tc, test_identity_file);
  tcase_add_test (tc, test_identity_file_mismatched_halves);
  tcase_add_test (tc, test_identity_new);
  return s;
}

GST_CHECK_MAIN (proto_crypto);
