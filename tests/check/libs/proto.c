/* The gst-e2ee/1 key-exchange codec (docs/protocol.md part 1): messages,
 * signatures, key boxes, media keys, security code, fingerprints and the
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

#include <string.h>
#include <sys/stat.h>

#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <sodium.h>

#include "e2eeproto.h"

static const gchar *const contexts[] = {
  NULL,
  "gst-e2ee/1 announce",
  "gst-e2ee/1 ack",
  "gst-e2ee/1 keys",
  "gst-e2ee/1 roster",
  "gst-e2ee/1 heartbeat",
  "gst-e2ee/1 leave",
};

#define N_TYPES 6

/* Two fixed signers whose secret keys the test knows (for hand-made
 * signatures). */
static guint8 alice_sk[crypto_sign_SECRETKEYBYTES];
static guint8 bob_sk[crypto_sign_SECRETKEYBYTES];
static GstE2eeIdentity alice;
static GstE2eeIdentity bob;

static void
setup (void)
{
  guint8 seed[crypto_sign_SEEDBYTES];

  fail_unless (sodium_init () >= 0);
  memset (seed, 0xa1, sizeof (seed));
  fail_unless (crypto_sign_seed_keypair (alice.pk, alice_sk, seed) == 0);
  alice.sk = alice_sk;
  memset (seed, 0xb0, sizeof (seed));
  fail_unless (crypto_sign_seed_keypair (bob.pk, bob_sk, seed) == 0);
  bob.sk = bob_sk;
}

static void
fill (guint8 *p, gsize n, guint seed)
{
  for (gsize i = 0; i < n; i++)
    p[i] = (guint8)(seed * 37 + i * 11 + 1);
}

static GBytes *
make_instance (guint seed, gsize len)
{
  guint8 b[64];

  g_assert (len <= sizeof (b));
  fill (b, len, seed);
  return g_bytes_new (b, len);
}

/* --------------------------------------------------------------------------
 * An independent encoder, written from docs/protocol.md 1.3-1.12. */

static void
put_raw (GByteArray *a, const void *p, gsize n)
{
  if (n)
    g_byte_array_append (a, p, (guint)n);
}

static void
put_u8 (GByteArray *a, guint8 v)
{
  put_raw (a, &v, 1);
}

static void
put_u16 (GByteArray *a, guint v)
{
  guint8 b[2] = { (guint8)(v >> 8), (guint8)v };
  put_raw (a, b, 2);
}

static void
put_u64 (GByteArray *a, guint64 v)
{
  guint8 b[8];
  for (guint i = 0; i < 8; i++)
    b[i] = (guint8)(v >> (56 - 8 * i));
  put_raw (a, b, 8);
}

static void
put_vec16 (GByteArray *a, const void *p, gsize n)
{
  g_assert (n <= 0xffff);
  put_u16 (a, (guint)n);
  put_raw (a, p, n);
}

static void
put_str16 (GByteArray *a, const gchar *s)
{
  put_vec16 (a, s, strlen (s));
}

static void
put_bytes16 (GByteArray *a, GBytes *b)
{
  gsize n;
  const guint8 *p = g_bytes_get_data (b, &n);
  put_vec16 (a, p, n);
}

/* Everything before the signature, with a chosen version and type byte;
 * the body is the one of m->type. */
static GByteArray *
hand_body (const GstE2eeMsg *m, guint8 version, guint8 type_byte)
{
  GByteArray *a = g_byte_array_new ();

  put_u8 (a, version);
  put_u8 (a, type_byte);
  put_str16 (a, m->meeting_id);
  put_bytes16 (a, m->instance);
  put_str16 (a, m->sender_id);
  switch (m->type) {
    case GST_E2EE_MSG_ANNOUNCE:
      put_raw (a, m->identity_key, 32);
      put_raw (a, m->dh_key, 32);
      put_str16 (a, m->display_name);
      put_raw (a, m->nonce, 24);
      put_u64 (a, m->join_time_ms);
      break;
    case GST_E2EE_MSG_ACK:
      put_raw (a, m->nonce, 24);
      put_u64 (a, m->acked_epoch);
      put_u64 (a, m->counter);
      break;
    case GST_E2EE_MSG_KEYS:
      put_u64 (a, m->epoch);
      put_u64 (a, m->roster_version);
      put_u16 (a, m->boxes ? m->boxes->len : 0);
      for (guint i = 0; m->boxes && i < m->boxes->len; i++) {
        const GstE2eeKeyBox *b = g_ptr_array_index (m->boxes, i);
        put_str16 (a, b->recipient_id);
        put_raw (a, b->recipient_nonce, 24);
        put_raw (a, b->box_nonce, 24);
        put_vec16 (a, b->box, GST_E2EE_BOX_LEN);
      }
      break;
    case GST_E2EE_MSG_ROSTER:
      put_u64 (a, m->version);
      put_raw (a, m->prev_hash, 32);
      put_u8 (a, m->flags);
      put_u16 (a, m->entries ? m->entries->len : 0);
      for (guint i = 0; m->entries && i < m->entries->len; i++) {
        const GstE2eeRosterEntry *e = g_ptr_array_index (m->entries, i);
        put_u16 (a, e->index);
        put_str16 (a, e->participant_id);
        put_raw (a, e->identity_key, 32);
        put_raw (a, e->dh_key, 32);
        put_str16 (a, e->display_name);
      }
      break;
    case GST_E2EE_MSG_HEARTBEAT:
      put_u64 (a, m->counter);
      put_u64 (a, m->roster_version);
      put_raw (a, m->roster_hash, 32);
      put_u64 (a, m->epoch);
      put_u64 (a, m->send_epoch);
      put_raw (a, m->prev_hash, 32);
      put_u64 (a, m->leader_time_ms);
      break;
    case GST_E2EE_MSG_LEAVE:
      put_u8 (a, m->reason);
      break;
  }
  return a;
}

/* Appends the Ed25519 signature of prefix || a (prefix: raw bytes). */
static void
hand_sign_raw (
    GByteArray *a, const guint8 *prefix, gsize plen, const guint8 *sk)
{
  GByteArray *t = g_byte_array_new ();
  guint8 sig[64];

  put_raw (t, prefix, plen);
  put_raw (t, a->data, a->len);
  fail_unless (crypto_sign_detached (sig, NULL, t->data, t->len, sk) == 0);
  g_byte_array_unref (t);
  put_raw (a, sig, 64);
}

/* Appends the signature of str16(context) || a. */
static void
hand_sign (GByteArray *a, const gchar *context, const guint8 *sk)
{
  GByteArray *p = g_byte_array_new ();

  put_str16 (p, context);
  hand_sign_raw (a, p->data, p->len, sk);
  g_byte_array_unref (p);
}

static GByteArray *
hand_encode (const GstE2eeMsg *m, const guint8 *sk)
{
  GByteArray *a = hand_body (m, 1, (guint8)m->type);
  hand_sign (a, contexts[m->type], sk);
  return a;
}

/* ------------------------------------------------------------ messages */

static void
add_box (GstE2eeMsg *m, const gchar *rid, guint seed)
{
  GstE2eeKeyBox b;

  memset (&b, 0, sizeof (b));
  b.recipient_id = (gchar *)rid;
  fill (b.recipient_nonce, sizeof (b.recipient_nonce), seed);
  fill (b.box_nonce, sizeof (b.box_nonce), seed + 1);
  fill (b.box, sizeof (b.box), seed + 2);
  gst_e2ee_msg_add_box (m, &b);
}

/* A message of the given type with every field of its type populated
 * (non-zero, distinct, multi-byte UTF-8, several boxes / entries). */
static GstE2eeMsg *
make_msg (GstE2eeMsgType type)
{
  GBytes *inst = make_instance (0x40 + type, 24);
  GstE2eeMsg *m =
      gst_e2ee_msg_new (type, "meeting-\xce\xa9-42", inst, "alice@example");
  guint8 ik[32], dk[32];
  gchar *id64 = g_strnfill (64, 'r');
  gchar *name128 = g_strnfill (128, 'n');

  g_bytes_unref (inst);
  fail_unless (m != NULL);
  fail_unless_equals_int (m->type, type);
  switch (type) {
    case GST_E2EE_MSG_ANNOUNCE:
      memcpy (m->identity_key, alice.pk, 32);
      fill (m->dh_key, 32, 3);
      g_free (m->display_name);
      m->display_name = g_strdup ("Alice Zo\xc3\xab \xf0\x9f\x98\x80");
      fill (m->nonce, 24, 4);
      m->join_time_ms = G_GUINT64_CONSTANT (0x0102030405060708);
      break;
    case GST_E2EE_MSG_ACK:
      fill (m->nonce, 24, 5);
      m->acked_epoch = G_GUINT64_CONSTANT (0xfedcba9876543210);
      m->counter = G_GUINT64_CONSTANT (0x0123456789abcdef);
      break;
    case GST_E2EE_MSG_KEYS:
      m->epoch = G_GUINT64_CONSTANT (0x0000123456789abc);
      m->roster_version = G_GUINT64_CONSTANT (0x8000000000000077);
      add_box (m, "bob", 10);
      add_box (m, "carol \xc3\xa9", 20);
      add_box (m, id64, 30);
      add_box (m, "d", 40);
      break;
    case GST_E2EE_MSG_ROSTER:
      m->version = G_GUINT64_CONSTANT (0x8000000000000001);
      fill (m->prev_hash, 32, 6);
      m->flags = GST_E2EE_ROSTER_LOCKED;
      fill (ik, 32, 50);
      fill (dk, 32, 51);
      gst_e2ee_msg_add_entry (m, 0, "alice@example", alice.pk, dk, "Alice");
      gst_e2ee_msg_add_entry (m, 3, "bob", bob.pk, ik, "Bob \xc3\xa9");
      fill (ik, 32, 52);
      fill (dk, 32, 53);
      gst_e2ee_msg_add_entry (m, 0x1234, id64, ik, dk, name128);
      fill (dk, 32, 54);
      gst_e2ee_msg_add_entry (m, 65535, "last", ik, dk, "");
      break;
    case GST_E2EE_MSG_HEARTBEAT:
      m->counter = G_GUINT64_CONSTANT (0x1111111122222222);
      m->roster_version = 9;
      fill (m->roster_hash, 32, 7);
      m->epoch = G_GUINT64_CONSTANT (0x0000ffffffffffff);
      m->send_epoch = G_GUINT64_CONSTANT (0x0000fffffffffffe);
      fill (m->prev_hash, 32, 8);
      m->leader_time_ms = G_GUINT64_CONSTANT (0x7766554433221100);
      break;
    case GST_E2EE_MSG_LEAVE:
      m->reason = 2;
      break;
  }
  g_free (id64);
  g_free (name128);
  return m;
}

static guint
n_boxes (const GstE2eeMsg *m)
{
  return m->boxes ? m->boxes->len : 0;
}

static guint
n_entries (const GstE2eeMsg *m)
{
  return m->entries ? m->entries->len : 0;
}

#define FIELD_EQ(f) fail_unless (a->f == b->f, "%s: field " #f " differs", what)
#define MEM_EQ(f)                                                              \
  fail_unless (memcmp (a->f, b->f, sizeof (a->f)) == 0,                        \
      "%s: field " #f " differs", what)
#define STR_EQ(f)                                                              \
  fail_unless (g_strcmp0 (a->f, b->f) == 0,                                    \
      "%s: field " #f " differs: '%s' vs '%s'", what, a->f ? a->f : "(null)",  \
      b->f ? b->f : "(null)")

/* Every field of GstE2eeMsg but the signature and signed_len. */
static void
assert_msg_equal (const GstE2eeMsg *a, const GstE2eeMsg *b, const gchar *what)
{
  FIELD_EQ (type);
  STR_EQ (meeting_id);
  fail_unless (
      a->instance && b->instance && g_bytes_equal (a->instance, b->instance),
      "%s: instance differs", what);
  STR_EQ (sender_id);
  MEM_EQ (identity_key);
  MEM_EQ (dh_key);
  STR_EQ (display_name);
  FIELD_EQ (join_time_ms);
  MEM_EQ (nonce);
  FIELD_EQ (acked_epoch);
  FIELD_EQ (epoch);
  FIELD_EQ (roster_version);
  fail_unless_equals_int (n_boxes (a), n_boxes (b));
  for (guint i = 0; i < n_boxes (a); i++) {
    const GstE2eeKeyBox *x = g_ptr_array_index (a->boxes, i);
    const GstE2eeKeyBox *y = g_ptr_array_index (b->boxes, i);
    fail_unless (g_strcmp0 (x->recipient_id, y->recipient_id) == 0,
        "%s: box %u recipient_id", what, i);
    fail_unless (memcmp (x->recipient_nonce, y->recipient_nonce, 24) == 0,
        "%s: box %u recipient_nonce", what, i);
    fail_unless (memcmp (x->box_nonce, y->box_nonce, 24) == 0,
        "%s: box %u box_nonce", what, i);
    fail_unless (memcmp (x->box, y->box, GST_E2EE_BOX_LEN) == 0,
        "%s: box %u box", what, i);
  }
  FIELD_EQ (version);
  MEM_EQ (prev_hash);
  FIELD_EQ (flags);
  fail_unless_equals_int (n_entries (a), n_entries (b));
  for (guint i = 0; i < n_entries (a); i++) {
    const GstE2eeRosterEntry *x = g_ptr_array_index (a->entries, i);
    const GstE2eeRosterEntry *y = g_ptr_array_index (b->entries, i);
    fail_unless (x->index == y->index, "%s: entry %u index", what, i);
    fail_unless (g_strcmp0 (x->participant_id, y->participant_id) == 0,
        "%s: entry %u participant_id", what, i);
    fail_unless (memcmp (x->identity_key, y->identity_key, 32) == 0,
        "%s: entry %u identity_key", what, i);
    fail_unless (
        memcmp (x->dh_key, y->dh_key, 32) == 0, "%s: entry %u dh_key", what, i);
    fail_unless (g_strcmp0 (x->display_name, y->display_name) == 0,
        "%s: entry %u display_name", what, i);
  }
  FIELD_EQ (counter);
  MEM_EQ (roster_hash);
  FIELD_EQ (send_epoch);
  FIELD_EQ (leader_time_ms);
  FIELD_EQ (reason);
}

static gsize
first_diff (const guint8 *a, gsize an, const guint8 *b, gsize bn)
{
  gsize i;
  for (i = 0; i < MIN (an, bn); i++)
    if (a[i] != b[i])
      return i;
  return i;
}

static void
assert_same_bytes (
    GBytes *got, const guint8 *want, gsize want_len, const gchar *what)
{
  gsize n;
  const guint8 *p = g_bytes_get_data (got, &n);

  fail_unless (n == want_len && memcmp (p, want, n) == 0,
      "%s: %" G_GSIZE_FORMAT " bytes, expected %" G_GSIZE_FORMAT
      ", first difference at offset %" G_GSIZE_FORMAT,
      what, n, want_len, first_diff (p, n, want, want_len));
}

/* Decodes an exactly sized heap copy (so that ASan sees any over-read). */
static GstE2eeMsg *
decode_copy (const guint8 *data, gsize len, GError **err)
{
  guint8 *copy = g_memdup2 (data, len);
  GstE2eeMsg *m =
      gst_e2ee_msg_decode (copy ? copy : (const guint8 *)"", len, err);
  g_free (copy);
  return m;
}

static void
expect_reject (const guint8 *data, gsize len, const gchar *what)
{
  GError *err = NULL;
  GstE2eeMsg *m = decode_copy (data, len, &err);

  if (m)
    gst_e2ee_msg_free (m);
  fail_unless (m == NULL, "%s: accepted by gst_e2ee_msg_decode", what);
  fail_unless (err != NULL && err->message && err->message[0],
      "%s: rejected without a GError", what);
  GST_DEBUG ("%s: %s", what, err->message);
  g_error_free (err);
}

static GstE2eeMsg *
expect_accept (const guint8 *data, gsize len, const gchar *what)
{
  GError *err = NULL;
  GstE2eeMsg *m = decode_copy (data, len, &err);

  fail_unless (
      m != NULL, "%s: rejected: %s", what, err ? err->message : "(no error)");
  fail_unless (err == NULL);
  return m;
}

static GBytes *
encode_ok (const GstE2eeMsg *m, const GstE2eeIdentity *id)
{
  GError *err = NULL;
  GBytes *b = gst_e2ee_msg_encode (m, id, &err);

  fail_unless (b != NULL, "%s: encode failed: %s",
      gst_e2ee_msg_type_name (m->type), err ? err->message : "(no error)");
  fail_unless (err == NULL);
  return b;
}

GST_START_TEST (test_roundtrip_all_types)
{
  for (guint t = 1; t <= N_TYPES; t++) {
    GstE2eeMsg *m = make_msg (t), *d;
    const gchar *name = gst_e2ee_msg_type_name (t);
    GBytes *enc, *enc2;
    GByteArray *hand;
    const guint8 *data;
    gsize len;
    guint8 h[32], h2[32];

    fail_unless (name != NULL && name[0]);
    enc = encode_ok (m, &alice);
    data = g_bytes_get_data (enc, &len);
    fail_unless (len > 64 && len <= GST_E2EE_MSG_MAX);

    /* the exact layout of docs/protocol.md (Ed25519 is deterministic, so
     * the signature must match too) */
    hand = hand_encode (m, alice_sk);
    assert_same_bytes (enc, hand->data, hand->len, name);
    g_byte_array_unref (hand);

    d = expect_accept (data, len, name);
    assert_msg_equal (m, d, name);
    fail_unless_equals_uint64 (d->signed_len, len - 64);
    fail_unless (memcmp (d->signature, data + len - 64, 64) == 0,
        "%s: signature field", name);
    fail_unless (gst_e2ee_msg_verify (d, data, len, alice.pk),
        "%s: does not verify under the author's key", name);
    fail_if (gst_e2ee_msg_verify (d, data, len, bob.pk),
        "%s: verifies under another key", name);

    /* canonical: the decoded message encodes to the same bytes */
    enc2 = encode_ok (d, &alice);
    fail_unless (g_bytes_equal (enc, enc2), "%s: re-encoding differs", name);
    g_bytes_unref (enc2);
    /* another author: same bytes up to the signature, which then only
     * verifies under that author's key */
    enc2 = encode_ok (d, &bob);
    {
      gsize len2;
      const guint8 *d2 = g_bytes_get_data (enc2, &len2);
      fail_unless_equals_uint64 (len2, len);
      fail_unless (memcmp (d2, data, len - 64) == 0);
      fail_unless (gst_e2ee_msg_verify (d, d2, len2, bob.pk));
      fail_if (gst_e2ee_msg_verify (d, d2, len2, alice.pk));
    }
    g_bytes_unref (enc2);

    gst_e2ee_msg_hash (data, len, h);
    crypto_hash_sha256 (h2, data, len);
    fail_unless (memcmp (h, h2, 32) == 0, "%s: gst_e2ee_msg_hash", name);

    gst_e2ee_msg_free (d);
    gst_e2ee_msg_free (m);
    g_bytes_unref (enc);
  }
}

GST_END_TEST;

/* Hand-made, hand-signed messages decode to the fields and verify. */
GST_START_TEST (test_decode_hand_encoded)
{
  for (guint t = 1; t <= N_TYPES; t++) {
    GstE2eeMsg *m = make_msg (t), *d;
    GByteArray *hand = hand_encode (m, bob_sk);

    d = expect_accept (hand->data, hand->len, contexts[t]);
    assert_msg_equal (m, d, contexts[t]);
    fail_unless (gst_e2ee_msg_verify (d, hand->data, hand->len, bob.pk),
        "%s: a hand-signed message does not verify", contexts[t]);
    fail_if (gst_e2ee_msg_verify (d, hand->data, hand->len, alice.pk));
    gst_e2ee_msg_free (d);
    gst_e2ee_msg_free (m);
    g_byte_array_unref (hand);
  }
}

GST_END_TEST;

/* Empty KEYS and ROSTER, and a message made with gst_e2ee_identity_new(). */
GST_START_TEST (test_roundtrip_edge_values)
{
  GstE2eeIdentity *id = gst_e2ee_identity_new ();
  GBytes *inst = make_instance (1, GST_E2EE_INSTANCE_MIN);

  fail_unless (id != NULL && id->sk != NULL);
  for (guint t = GST_E2EE_MSG_KEYS; t <= GST_E2EE_MSG_ROSTER; t++) {
    GstE2eeMsg *m = gst_e2ee_msg_new (t, "m", inst, "L"), *d;
    GBytes *enc = encode_ok (m, id);
    gsize len;
    const guint8 *data = g_bytes_get_data (enc, &len);
    GByteArray *hand = hand_encode (m, id->sk);

    assert_same_bytes (enc, hand->data, hand->len, "empty list");
    d = expect_accept (data, len, "empty list");
    assert_msg_equal (m, d, "empty list");
    fail_unless (gst_e2ee_msg_verify (d, data, len, id->pk));
    gst_e2ee_msg_free (d);
    gst_e2ee_msg_free (m);
    g_bytes_unref (enc);
    g_byte_array_unref (hand);
  }
  {
    /* all-ones integers */
    GstE2eeMsg *m = make_msg (GST_E2EE_MSG_HEARTBEAT), *d;
    GBytes *enc;
    gsize len;
    const guint8 *data;

    m->counter = m->roster_version = m->epoch = m->send_epoch =
        m->leader_time_ms = G_MAXUINT64;
    enc = encode_ok (m, id);
    data = g_bytes_get_data (enc, &len);
    d = expect_accept (data, len, "max integers");
    assert_msg_equal (m, d, "max integers");
    gst_e2ee_msg_free (d);
    gst_e2ee_msg_free (m);
    g_bytes_unref (enc);
  }
  g_bytes_unref (inst);
  gst_e2ee_identity_free (id);
}

GST_END_TEST;

/* No single-bit change of a signed message both decodes and verifies. */
GST_START_TEST (test_bit_flips)
{
  for (guint t = 1; t <= N_TYPES; t++) {
    GstE2eeMsg *m = make_msg (t);
    GBytes *enc = encode_ok (m, &alice);
    gsize len;
    guint8 *copy = g_bytes_unref_to_data (enc, &len);
    guint decoded = 0;

    for (gsize bit = 0; bit < len * 8; bit++) {
      GError *err = NULL;
      GstE2eeMsg *d;

      copy[bit / 8] ^= (guint8)(1 << (bit % 8));
      d = gst_e2ee_msg_decode (copy, len, &err);
      if (d) {
        decoded++;
        fail_if (gst_e2ee_msg_verify (d, copy, len, alice.pk),
            "%s: bit %" G_GSIZE_FORMAT " flipped still verifies", contexts[t],
            bit);
        gst_e2ee_msg_free (d);
      } else {
        fail_unless (err != NULL,
            "%s: bit %" G_GSIZE_FORMAT ": rejected without a GError",
            contexts[t], bit);
        g_error_free (err);
      }
      copy[bit / 8] ^= (guint8)(1 << (bit % 8));
    }
    GST_INFO ("%s: %u of %" G_GSIZE_FORMAT " flips decoded (then failed to "
              "verify)",
        contexts[t], decoded, len * 8);
    g_free (copy);
    gst_e2ee_msg_free (m);
  }
}

GST_END_TEST;

GST_START_TEST (test_reject_truncated_and_trailing)
{
  for (guint t = 1; t <= N_TYPES; t++) {
    GstE2eeMsg *m = make_msg (t);
    GByteArray *a = hand_encode (m, alice_sk);
    GByteArray *b;
    gchar *what;

    gst_e2ee_msg_free (expect_accept (a->data, a->len, "intact"));
    for (gsize n = 0; n < a->len; n++) {
      what = g_strdup_printf (
          "%s truncated to %" G_GSIZE_FORMAT " of %u", contexts[t], n, a->len);
      expect_reject (a->data, n, what);
      g_free (what);
    }
    /* a trailing byte after the signature */
    put_u8 (a, 0);
    expect_reject (a->data, a->len, "trailing byte after the signature");
    g_byte_array_unref (a);

    /* a trailing byte after the body, inside the signed part */
    b = hand_body (m, 1, t);
    put_u8 (b, 0);
    hand_sign (b, contexts[t], alice_sk);
    expect_reject (b->data, b->len, "trailing byte before the signature");
    g_byte_array_unref (b);
    gst_e2ee_msg_free (m);
  }
}

GST_END_TEST;

GST_START_TEST (test_reject_version_and_type)
{
  static const guint8 bad_types[] = { 0, 7, 8, 127, 128, 255 };
  GstE2eeMsg *m = make_msg (GST_E2EE_MSG_LEAVE);
  GByteArray *a;

  for (guint v = 0; v < 256; v++) {
    gchar *what;
    if (v == 1)
      continue;
    a = hand_body (m, (guint8)v, GST_E2EE_MSG_LEAVE);
    hand_sign (a, contexts[GST_E2EE_MSG_LEAVE], alice_sk);
    what = g_strdup_printf ("version %u", v);
    expect_reject (a->data, a->len, what);
    g_free (what);
    g_byte_array_unref (a);
  }
  for (guint i = 0; i < G_N_ELEMENTS (bad_types); i++) {
    gchar *what = g_strdup_printf ("type %u", bad_types[i]);
    a = hand_body (m, 1, bad_types[i]);
    hand_sign (a, contexts[GST_E2EE_MSG_LEAVE], alice_sk);
    expect_reject (a->data, a->len, what);
    g_free (what);
    g_byte_array_unref (a);
  }
  gst_e2ee_msg_free (m);
}

GST_END_TEST;

static void
set_str (gchar **field, gchar *value)
{
  g_free (*field);
  *field = value;
}

static void
set_instance (GstE2eeMsg *m, gsize len)
{
  g_bytes_unref (m->instance);
  m->instance = make_instance (9, len);
}

/* len bytes of valid UTF-8: two-byte characters, then one 'a' if odd */
static gchar *
utf8_of_len (gsize len)
{
  GString *s = g_string_new (NULL);
  for (gsize i = 0; i + 1 < len; i += 2)
    g_string_append (s, "\xc3\xa9");
  if (len % 2)
    g_string_append_c (s, 'a');
  g_assert (s->len == len);
  return g_string_free (s, FALSE);
}

typedef enum
{
  F_MEETING,
  F_INSTANCE,
  F_SENDER,
  F_ANNOUNCE_NAME,
  F_RECIPIENT,
  F_ENTRY_ID,
  F_ENTRY_NAME,
  F_N
} Field;

static const gchar *const field_names[] = { "meeting_id", "instance",
  "sender_id", "display_name", "recipient_id", "roster participant_id",
  "roster display_name" };

/* A valid message with field f set to len bytes (UTF-8 with multi-byte
 * characters, so that limits count bytes, not characters). */
static GstE2eeMsg *
msg_with_len (Field f, gsize len)
{
  GstE2eeMsgType t = f == F_ANNOUNCE_NAME      ? GST_E2EE_MSG_ANNOUNCE
      : f == F_RECIPIENT                       ? GST_E2EE_MSG_KEYS
      : (f == F_ENTRY_ID || f == F_ENTRY_NAME) ? GST_E2EE_MSG_ROSTER
                                               : GST_E2EE_MSG_LEAVE;
  GstE2eeMsg *m = make_msg (t);

  switch (f) {
    case F_MEETING:
      set_str (&m->meeting_id, utf8_of_len (len));
      break;
    case F_INSTANCE:
      set_instance (m, len);
      break;
    case F_SENDER:
      set_str (&m->sender_id, utf8_of_len (len));
      break;
    case F_ANNOUNCE_NAME:
      set_str (&m->display_name, utf8_of_len (len));
      break;
    case F_RECIPIENT:
      set_str (
          &((GstE2eeKeyBox *)g_ptr_array_index (m->boxes, 1))->recipient_id,
          utf8_of_len (len));
      break;
    case F_ENTRY_ID:
      set_str (&((GstE2eeRosterEntry *)g_ptr_array_index (m->entries, 1))
                    ->participant_id,
          utf8_of_len (len));
      break;
    case F_ENTRY_NAME:
      set_str (&((GstE2eeRosterEntry *)g_ptr_array_index (m->entries, 2))
                    ->display_name,
          utf8_of_len (len));
      break;
    default:
      g_assert_not_reached ();
  }
  return m;
}

static const struct
{
  Field f;
  gsize max_ok; /* largest accepted */
  gsize min_ok; /* smallest accepted */
} limits[] = {
  { F_MEETING, GST_E2EE_MEETING_ID_MAX, 1 },
  { F_INSTANCE, GST_E2EE_INSTANCE_MAX, GST_E2EE_INSTANCE_MIN },
  { F_SENDER, GST_E2EE_ID_MAX, 1 },
  { F_ANNOUNCE_NAME, GST_E2EE_NAME_MAX, 0 },
  { F_RECIPIENT, GST_E2EE_ID_MAX, 1 },
  { F_ENTRY_ID, GST_E2EE_ID_MAX, 1 },
  { F_ENTRY_NAME, GST_E2EE_NAME_MAX, 0 },
};

GST_START_TEST (test_reject_over_limits)
{
  g_assert (GST_E2EE_ID_MAX == 64 && GST_E2EE_NAME_MAX == 128 &&
      GST_E2EE_MEETING_ID_MAX == 128 && GST_E2EE_INSTANCE_MIN == 16 &&
      GST_E2EE_INSTANCE_MAX == 32 && GST_E2EE_MSG_MAX == 256 * 1024);
  for (guint i = 0; i < G_N_ELEMENTS (limits); i++) {
    Field f = limits[i].f;
    gsize lens[4] = { limits[i].max_ok, limits[i].min_ok, limits[i].max_ok + 1,
      limits[i].min_ok - 1 };
    guint n_lens = f == F_INSTANCE ? 4 : 3;

    for (guint k = 0; k < n_lens; k++) {
      GstE2eeMsg *m = msg_with_len (f, lens[k]);
      GByteArray *a = hand_encode (m, alice_sk);
      gchar *what = g_strdup_printf (
          "%s of %" G_GSIZE_FORMAT " bytes", field_names[f], lens[k]);
      GError *err = NULL;
      GBytes *enc;

      if (k < 2) {
        GstE2eeMsg *d = expect_accept (a->data, a->len, what);
        assert_msg_equal (m, d, what);
        gst_e2ee_msg_free (d);
        enc = encode_ok (m, &alice);
        assert_same_bytes (enc, a->data, a->len, what);
        g_bytes_unref (enc);
      } else {
        expect_reject (a->data, a->len, what);
        enc = gst_e2ee_msg_encode (m, &alice, &err);
        fail_unless (enc == NULL, "%s: encoded", what);
        fail_unless (err != NULL, "%s: refused without a GError", what);
        g_clear_error (&err);
      }
      g_free (what);
      g_byte_array_unref (a);
      gst_e2ee_msg_free (m);
    }
  }
}

GST_END_TEST;

/* Offset of the only occurrence of needle in a. */
static gsize
find (GByteArray *a, const gchar *needle)
{
  gsize n = strlen (needle);
  gsize at = G_MAXSIZE;

  for (gsize i = 0; i + n <= a->len; i++) {
    if (memcmp (a->data + i, needle, n) == 0) {
      fail_unless (at == G_MAXSIZE, "marker %s found twice", needle);
      at = i;
    }
  }
  fail_unless (at != G_MAXSIZE, "marker %s not found", needle);
  return at;
}

static void
patch_u16 (GByteArray *a, gsize at, guint v)
{
  a->data[at] = (guint8)(v >> 8);
  a->data[at + 1] = (guint8)v;
}

GST_START_TEST (test_reject_bad_lengths)
{
  GstE2eeMsg *m = make_msg (GST_E2EE_MSG_ANNOUNCE);
  GByteArray *a;

  /* meeting_id (offset 2), instance, sender_id and display_name lengths:
   * 0xffff, and one more than what is left */
  set_str (&m->display_name, g_strdup ("<<NAME>>"));
  set_str (&m->sender_id, g_strdup ("<<SENDER>>"));
  {
    GByteArray *ref = hand_encode (m, alice_sk);
    gsize inst_at = 4 + strlen (m->meeting_id);
    gsize offs[4] = { 2, inst_at, find (ref, "<<SENDER>>") - 2,
      find (ref, "<<NAME>>") - 2 };

    for (guint i = 0; i < G_N_ELEMENTS (offs); i++) {
      guint vals[2] = { 0xffff, (guint)(ref->len - offs[i] - 2 + 1) };
      for (guint k = 0; k < 2; k++) {
        gchar *what = g_strdup_printf ("vec16 at offset %" G_GSIZE_FORMAT
                                       " of length %u (buffer %u)",
            offs[i], vals[k], ref->len);
        a = g_byte_array_new ();
        put_raw (a, ref->data, ref->len);
        patch_u16 (a, offs[i], vals[k]);
        expect_reject (a->data, a->len, what);
        g_byte_array_unref (a);
        g_free (what);
      }
    }
    g_byte_array_unref (ref);
  }
  gst_e2ee_msg_free (m);

  /* KEYS: a box of 47, 49, 0, 0xffff bytes; n one too many or too few */
  m = make_msg (GST_E2EE_MSG_KEYS);
  set_str (&((GstE2eeKeyBox *)g_ptr_array_index (m->boxes, 3))->recipient_id,
      g_strdup ("<<LAST>>"));
  {
    GByteArray *ref = hand_body (m, 1, GST_E2EE_MSG_KEYS);
    gsize box_len_at = find (ref, "<<LAST>>") + 8 + 48;
    gsize n_at =
        4 + strlen (m->meeting_id) + 2 + 24 + 2 + strlen (m->sender_id) + 16;
    guint bad[] = { 0, 47, 49, 0xffff };

    fail_unless_equals_int (ref->data[n_at + 1], 4);
    fail_unless_equals_int (ref->data[box_len_at + 1], 48);
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
      gchar *what = g_strdup_printf ("KEYS with a box of %u bytes", bad[i]);
      a = g_byte_array_new ();
      put_raw (a, ref->data, box_len_at);
      put_u16 (a, bad[i]);
      for (guint j = 0; j < MIN (bad[i], 60u); j++)
        put_u8 (a, (guint8)j);
      hand_sign (a, contexts[GST_E2EE_MSG_KEYS], alice_sk);
      expect_reject (a->data, a->len, what);
      g_byte_array_unref (a);
      g_free (what);
    }
    for (guint v = 3; v <= 5; v += 2) {
      gchar *what = g_strdup_printf ("KEYS with n = %u for 4 boxes", v);
      a = g_byte_array_new ();
      put_raw (a, ref->data, ref->len);
      patch_u16 (a, n_at, v);
      hand_sign (a, contexts[GST_E2EE_MSG_KEYS], alice_sk);
      expect_reject (a->data, a->len, what);
      g_byte_array_unref (a);
      g_free (what);
    }
    g_byte_array_unref (ref);
  }
  gst_e2ee_msg_free (m);

  /* ROSTER: n one too many or too few */
  m = make_msg (GST_E2EE_MSG_ROSTER);
  {
    GByteArray *ref = hand_body (m, 1, GST_E2EE_MSG_ROSTER);
    gsize n_at = 4 + strlen (m->meeting_id) + 2 + 24 + 2 +
        strlen (m->sender_id) + 8 + 32 + 1;

    fail_unless_equals_int (ref->data[n_at + 1], 4);
    for (guint v = 3; v <= 5; v += 2) {
      gchar *what = g_strdup_printf ("ROSTER with n = %u for 4 entries", v);
      a = g_byte_array_new ();
      put_raw (a, ref->data, ref->len);
      patch_u16 (a, n_at, v);
      hand_sign (a, contexts[GST_E2EE_MSG_ROSTER], alice_sk);
      expect_reject (a->data, a->len, what);
      g_byte_array_unref (a);
      g_free (what);
    }
    g_byte_array_unref (ref);
  }
  gst_e2ee_msg_free (m);
}

GST_END_TEST;

/* A str16 holding a NUL or invalid UTF-8 is rejected: a NUL would let two
 * different signed byte strings decode to the same C string. */
GST_START_TEST (test_reject_bad_strings)
{
  static const guint8 bad_bytes[] = { 0x00, 0xff, 0xc3 };
  static const struct
  {
    GstE2eeMsgType type;
    guint which;
  } where[] = {
    { GST_E2EE_MSG_LEAVE, 0 }, /* meeting_id */
    { GST_E2EE_MSG_LEAVE, 1 }, /* sender_id */
    { GST_E2EE_MSG_ANNOUNCE, 2 }, /* display_name */
    { GST_E2EE_MSG_KEYS, 3 }, /* recipient_id */
    { GST_E2EE_MSG_ROSTER, 4 }, /* participant_id */
    { GST_E2EE_MSG_ROSTER, 5 }, /* entry display name */
  };

  for (guint w = 0; w < G_N_ELEMENTS (where); w++) {
    for (guint b = 0; b < G_N_ELEMENTS (bad_bytes); b++) {
      GstE2eeMsg *m = make_msg (where[w].type);
      gchar *marker = g_strdup ("ab<<#>>cd");
      GByteArray *a;
      gchar *what;

      switch (where[w].which) {
        case 0:
          set_str (&m->meeting_id, marker);
          break;
        case 1:
          set_str (&m->sender_id, marker);
          break;
        case 2:
          set_str (&m->display_name, marker);
          break;
        case 3:
          set_str (
              &((GstE2eeKeyBox *)g_ptr_array_index (m->boxes, 0))->recipient_id,
              marker);
          break;
        case 4:
          set_str (&((GstE2eeRosterEntry *)g_ptr_array_index (m->entries, 0))
                        ->participant_id,
              marker);
          break;
        case 5:
          set_str (&((GstE2eeRosterEntry *)g_ptr_array_index (m->entries, 0))
                        ->display_name,
              marker);
          break;
      }
      a = hand_body (m, 1, where[w].type);
      a->data[find (a, "<<#>>") + 2] = bad_bytes[b];
      hand_sign (a, contexts[where[w].type], alice_sk);
      what = g_strdup_printf ("%s with byte 0x%02x in str16 field %u",
          contexts[where[w].type], bad_bytes[b], where[w].which);
      expect_reject (a->data, a->len, what);
      g_free (what);
      g_byte_array_unref (a);
      gst_e2ee_msg_free (m);
    }
  }
}

GST_END_TEST;

/* A KEYS message of exactly total bytes (header "m", 16-byte instance,
 * sender "L"), boxes with recipient ids of up to 64 bytes. */
static GstE2eeMsg *
keys_of_size (gsize total)
{
  GBytes *inst = make_instance (3, 16);
  GstE2eeMsg *m = gst_e2ee_msg_new (GST_E2EE_MSG_KEYS, "m", inst, "L");
  gsize fixed = 4 + 1 + 2 + 16 + 2 + 1 + 8 + 8 + 2 + 64;
  gsize need = total - fixed;
  gsize n = (need + 163) / 164;
  gsize ids = need - 100 * n;

  g_bytes_unref (inst);
  m->epoch = 5;
  m->roster_version = 2;
  for (gsize i = 0; i < n; i++) {
    gsize l = MIN (ids - (n - 1 - i), (gsize)64);
    gchar *id = g_strnfill (l, 'x');
    gchar *num = g_strdup_printf ("%" G_GSIZE_FORMAT, i);
    memcpy (id, num, MIN (strlen (num), l));
    add_box (m, id, (guint)i);
    ids -= l;
    g_free (id);
    g_free (num);
  }
  g_assert (ids == 0);
  return m;
}

GST_START_TEST (test_message_size_limit)
{
  GstE2eeMsg *m = keys_of_size (GST_E2EE_MSG_MAX), *d;
  GByteArray *a = hand_encode (m, alice_sk);
  GBytes *enc;
  GError *err = NULL;

  fail_unless_equals_int (a->len, GST_E2EE_MSG_MAX);
  d = expect_accept (a->data, a->len, "a message of GST_E2EE_MSG_MAX bytes");
  assert_msg_equal (m, d, "GST_E2EE_MSG_MAX");
  gst_e2ee_msg_free (d);
  enc = encode_ok (m, &alice);
  assert_same_bytes (enc, a->data, a->len, "GST_E2EE_MSG_MAX");
  g_bytes_unref (enc);
  g_byte_array_unref (a);
  gst_e2ee_msg_free (m);

  m = keys_of_size (GST_E2EE_MSG_MAX + 1);
  a = hand_encode (m, alice_sk);
  fail_unless_equals_int (a->len, GST_E2EE_MSG_MAX + 1);
  expect_reject (a->data, a->len, "a message of GST_E2EE_MSG_MAX + 1 bytes");
  enc = gst_e2ee_msg_encode (m, &alice, &err);
  fail_unless (
      enc == NULL, "encode made a message of GST_E2EE_MSG_MAX + 1 bytes");
  fail_unless (err != NULL);
  g_clear_error (&err);
  g_byte_array_unref (a);
  gst_e2ee_msg_free (m);

  /* and nothing is read past a huge claimed size */
  {
    guint8 *big = g_malloc0 (GST_E2EE_MSG_MAX + 4096);
    big[0] = 1;
    big[1] = GST_E2EE_MSG_LEAVE;
    expect_reject (big, GST_E2EE_MSG_MAX + 4096, "a 260 KiB buffer of zeros");
    g_free (big);
  }
}

GST_END_TEST;

/* Roster entries: sorted by index (1.7), indices never reused. */
GST_START_TEST (test_roster_order)
{
  GstE2eeMsg *m = make_msg (GST_E2EE_MSG_ROSTER), *d;
  GstE2eeRosterEntry *e1 = g_ptr_array_index (m->entries, 1);
  GstE2eeRosterEntry *e2 = g_ptr_array_index (m->entries, 2);
  GByteArray *a;
  guint16 keep = e2->index;
  GBytes *enc;
  GError *err = NULL;

  /* out of order */
  e2->index = 1;
  a = hand_encode (m, alice_sk);
  expect_reject (a->data, a->len, "ROSTER entries out of index order");
  g_byte_array_unref (a);
  /* duplicate index */
  e2->index = e1->index;
  a = hand_encode (m, alice_sk);
  expect_reject (a->data, a->len, "ROSTER with a duplicate index");
  g_byte_array_unref (a);
  e2->index = keep;
  gst_e2ee_msg_free (m);

  /* entries added out of order: encode either refuses or sorts them */
  {
    guint8 k[32];
    GBytes *inst = make_instance (2, 16);
    fill (k, 32, 1);
    m = gst_e2ee_msg_new (GST_E2EE_MSG_ROSTER, "m", inst, "a");
    g_bytes_unref (inst);
    m->version = 1;
    gst_e2ee_msg_add_entry (m, 7, "c", k, k, "C");
    gst_e2ee_msg_add_entry (m, 2, "b", k, k, "B");
    gst_e2ee_msg_add_entry (m, 0, "a", k, k, "A");
    enc = gst_e2ee_msg_encode (m, &alice, &err);
    if (enc) {
      gsize len;
      const guint8 *data = g_bytes_get_data (enc, &len);
      d = expect_accept (data, len, "ROSTER added out of order");
      fail_unless_equals_int (n_entries (d), 3);
      for (guint i = 0; i < 3; i++)
        fail_unless_equals_int (
            ((GstE2eeRosterEntry *)g_ptr_array_index (d->entries, i))->index,
            i == 0       ? 0
                : i == 1 ? 2
                         : 7);
      gst_e2ee_msg_free (d);
      g_bytes_unref (enc);
    } else {
      fail_unless (err != NULL);
      g_clear_error (&err);
    }
    gst_e2ee_msg_free (m);
  }
}

GST_END_TEST;

/* The signature covers str16(context of the type) || the bytes. */
GST_START_TEST (test_signature_context)
{
  for (guint t = 1; t <= N_TYPES; t++) {
    GstE2eeMsg *m = make_msg (t);
    GByteArray *body = hand_body (m, 1, t);

    for (guint c = 0; c <= N_TYPES + 2; c++) {
      GByteArray *a = g_byte_array_new ();
      GstE2eeMsg *d;

      put_raw (a, body->data, body->len);
      if (c == 0) {
        /* no context at all */
        hand_sign_raw (a, NULL, 0, alice_sk);
      } else if (c == N_TYPES + 1) {
        /* the right context without its length */
        hand_sign_raw (
            a, (const guint8 *)contexts[t], strlen (contexts[t]), alice_sk);
      } else if (c == N_TYPES + 2) {
        /* the right context with a NUL inside the length */
        GByteArray *p = g_byte_array_new ();
        put_str16 (p, contexts[t]);
        put_u8 (p, 0);
        p->data[1]++;
        hand_sign_raw (a, p->data, p->len, alice_sk);
        g_byte_array_unref (p);
      } else {
        hand_sign (a, contexts[c], alice_sk);
      }
      d = expect_accept (a->data, a->len, contexts[t]);
      if (c == t)
        fail_unless (gst_e2ee_msg_verify (d, a->data, a->len, alice.pk),
            "%s: the right context does not verify", contexts[t]);
      else
        fail_if (gst_e2ee_msg_verify (d, a->data, a->len, alice.pk),
            "%s: verifies with the signature of context %u", contexts[t], c);
      gst_e2ee_msg_free (d);
      g_byte_array_unref (a);
    }
    g_byte_array_unref (body);
    gst_e2ee_msg_free (m);
  }

  /* The bytes of a LEAVE, signed as if they were an ANNOUNCE, and an
   * ANNOUNCE signature moved onto the same rest with type byte LEAVE. */
  {
    GstE2eeMsg *m = make_msg (GST_E2EE_MSG_LEAVE), *d;
    GByteArray *a = hand_body (m, 1, GST_E2EE_MSG_LEAVE);
    GByteArray *b = hand_body (m, 1, GST_E2EE_MSG_ANNOUNCE);

    hand_sign (a, contexts[GST_E2EE_MSG_ANNOUNCE], alice_sk);
    d = expect_accept (a->data, a->len, "LEAVE signed as ANNOUNCE");
    fail_if (gst_e2ee_msg_verify (d, a->data, a->len, alice.pk));
    gst_e2ee_msg_free (d);

    hand_sign (b, contexts[GST_E2EE_MSG_ANNOUNCE], alice_sk);
    /* b has an ANNOUNCE type byte and a LEAVE body: not an ANNOUNCE */
    expect_reject (b->data, b->len, "ANNOUNCE type byte with a LEAVE body");
    b->data[1] = GST_E2EE_MSG_LEAVE;
    d = expect_accept (b->data, b->len, "type byte changed to LEAVE");
    fail_if (gst_e2ee_msg_verify (d, b->data, b->len, alice.pk));
    gst_e2ee_msg_free (d);
    g_byte_array_unref (a);
    g_byte_array_unref (b);
    gst_e2ee_msg_free (m);
  }

  /* verify refuses data that is not what was decoded */
  {
    GstE2eeMsg *m = make_msg (GST_E2EE_MSG_ACK), *d;
    GBytes *enc = encode_ok (m, &alice);
    gsize len;
    guint8 *data = g_bytes_unref_to_data (enc, &len);

    d = expect_accept (data, len, "ACK");
    fail_unless (gst_e2ee_msg_verify (d, data, len, alice.pk));
    data[len - 65] ^= 1; /* last byte of the body */
    fail_if (gst_e2ee_msg_verify (d, data, len, alice.pk));
    data[len - 65] ^= 1;
    data[len - 1] ^= 0x80; /* the signature */
    fail_if (gst_e2ee_msg_verify (d, data, len, alice.pk));
    gst_e2ee_msg_free (d);
    g_free (data);
    gst_e2ee_msg_free (m);
  }
}

GST_END_TEST;

GST_START_TEST (test_encode_refuses_non_utf8)
{
  GstE2eeMsg *m = make_msg (GST_E2EE_MSG_ANNOUNCE);
  GError *err = NULL;
  GBytes *enc;

  set_str (&m->display_name, g_strdup ("bad \xff name"));
  enc = gst_e2ee_msg_encode (m, &alice, &err);
  fail_unless (enc == NULL, "encoded a display name that is not UTF-8");
  fail_unless (err != NULL);
  g_clear_error (&err);
  gst_e2ee_msg_free (m);
}

GST_END_TEST;

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
proto_suite (void)
{
  Suite *s = suite_create ("proto");
  TCase *tc = tcase_create ("keyexchange");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, NULL);
  tcase_add_test (tc, test_roundtrip_all_types);
  tcase_add_test (tc, test_decode_hand_encoded);
  tcase_add_test (tc, test_roundtrip_edge_values);
  tcase_add_test (tc, test_bit_flips);
  tcase_add_test (tc, test_reject_truncated_and_trailing);
  tcase_add_test (tc, test_reject_version_and_type);
  tcase_add_test (tc, test_reject_over_limits);
  tcase_add_test (tc, test_reject_bad_lengths);
  tcase_add_test (tc, test_reject_bad_strings);
  tcase_add_test (tc, test_message_size_limit);
  tcase_add_test (tc, test_roster_order);
  tcase_add_test (tc, test_signature_context);
  tcase_add_test (tc, test_encode_refuses_non_utf8);
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

GST_CHECK_MAIN (proto);
