/* The gst-e2ee/1 key-exchange codec (docs/protocol.md part 1): messages,
 * their round trips, refusals and signatures.  Key boxes, media keys,
 * security code, fingerprints and the identity file: proto-crypto.c.
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
  return s;
}

GST_CHECK_MAIN (proto);
