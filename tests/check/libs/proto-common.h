/* Helpers shared by the key-exchange codec tests (proto.c, proto-crypto.c):
 * a hand-written encoder, messages of every type, comparisons.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __PROTO_COMMON_H__
#define __PROTO_COMMON_H__

#include <string.h>
#include <sys/stat.h>

#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <sodium.h>

#include "e2eeproto.h"

G_GNUC_UNUSED static const gchar *const contexts[] = {
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
G_GNUC_UNUSED static guint8 alice_sk[crypto_sign_SECRETKEYBYTES];
G_GNUC_UNUSED static guint8 bob_sk[crypto_sign_SECRETKEYBYTES];
G_GNUC_UNUSED static GstE2eeIdentity alice;
G_GNUC_UNUSED static GstE2eeIdentity bob;

static inline void
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

static inline void
fill (guint8 *p, gsize n, guint seed)
{
  for (gsize i = 0; i < n; i++)
    p[i] = (guint8)(seed * 37 + i * 11 + 1);
}

static inline GBytes *
make_instance (guint seed, gsize len)
{
  guint8 b[64];

  g_assert (len <= sizeof (b));
  fill (b, len, seed);
  return g_bytes_new (b, len);
}

/* --------------------------------------------------------------------------
 * An independent encoder, written from docs/protocol.md 1.3-1.12. */

static inline void
put_raw (GByteArray *a, const void *p, gsize n)
{
  if (n)
    g_byte_array_append (a, p, (guint)n);
}

static inline void
put_u8 (GByteArray *a, guint8 v)
{
  put_raw (a, &v, 1);
}

static inline void
put_u16 (GByteArray *a, guint v)
{
  guint8 b[2] = { (guint8)(v >> 8), (guint8)v };
  put_raw (a, b, 2);
}

static inline void
put_u64 (GByteArray *a, guint64 v)
{
  guint8 b[8];
  for (guint i = 0; i < 8; i++)
    b[i] = (guint8)(v >> (56 - 8 * i));
  put_raw (a, b, 8);
}

static inline void
put_vec16 (GByteArray *a, const void *p, gsize n)
{
  g_assert (n <= 0xffff);
  put_u16 (a, (guint)n);
  put_raw (a, p, n);
}

static inline void
put_str16 (GByteArray *a, const gchar *s)
{
  put_vec16 (a, s, strlen (s));
}

static inline void
put_bytes16 (GByteArray *a, GBytes *b)
{
  gsize n;
  const guint8 *p = g_bytes_get_data (b, &n);
  put_vec16 (a, p, n);
}

/* Everything before the signature, with a chosen version and type byte;
 * the body is the one of m->type. */
static inline GByteArray *
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
static inline void
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
static inline void
hand_sign (GByteArray *a, const gchar *context, const guint8 *sk)
{
  GByteArray *p = g_byte_array_new ();

  put_str16 (p, context);
  hand_sign_raw (a, p->data, p->len, sk);
  g_byte_array_unref (p);
}

static inline GByteArray *
hand_encode (const GstE2eeMsg *m, const guint8 *sk)
{
  GByteArray *a = hand_body (m, 1, (guint8)m->type);
  hand_sign (a, contexts[m->type], sk);
  return a;
}

/* ------------------------------------------------------------ messages */

static inline void
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
static inline GstE2eeMsg *
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

static inline guint
n_boxes (const GstE2eeMsg *m)
{
  return m->boxes ? m->boxes->len : 0;
}

static inline guint
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
static inline void
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

static inline gsize
first_diff (const guint8 *a, gsize an, const guint8 *b, gsize bn)
{
  gsize i;
  for (i = 0; i < MIN (an, bn); i++)
    if (a[i] != b[i])
      return i;
  return i;
}

static inline void
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
static inline GstE2eeMsg *
decode_copy (const guint8 *data, gsize len, GError **err)
{
  guint8 *copy = g_memdup2 (data, len);
  GstE2eeMsg *m =
      gst_e2ee_msg_decode (copy ? copy : (const guint8 *)"", len, err);
  g_free (copy);
  return m;
}

static inline void
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

static inline GstE2eeMsg *
expect_accept (const guint8 *data, gsize len, const gchar *what)
{
  GError *err = NULL;
  GstE2eeMsg *m = decode_copy (data, len, &err);

  fail_unless (
      m != NULL, "%s: rejected: %s", what, err ? err->message : "(no error)");
  fail_unless (err == NULL);
  return m;
}

static inline GBytes *
encode_ok (const GstE2eeMsg *m, const GstE2eeIdentity *id)
{
  GError *err = NULL;
  GBytes *b = gst_e2ee_msg_encode (m, id, &err);

  fail_unless (b != NULL, "%s: encode failed: %s",
      gst_e2ee_msg_type_name (m->type), err ? err->message : "(no error)");
  fail_unless (err == NULL);
  return b;
}

static inline void
set_str (gchar **field, gchar *value)
{
  g_free (*field);
  *field = value;
}

#endif /* __PROTO_COMMON_H__ */
