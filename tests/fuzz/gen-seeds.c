/* Writes the seed corpus of the fuzz targets.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   fuzz-gen-seeds OUTDIR
 *
 * creates OUTDIR/fuzz-sframe/ and OUTDIR/fuzz-e2eedec/ with valid SFrames
 * of every cipher suite (RTP and frame mode for e2eedec) and a few
 * malformed ones, in the input formats of fuzz-sframe.c and
 * fuzz-e2eedec.c (see fuzz-common.h), and OUTDIR/fuzz-proto/ with signed
 * gst-e2ee/1 messages of every type (fuzz-proto.c).  The output is
 * deterministic: the committed corpus in tests/fuzz/corpus/ is regenerated with
 *
 *   build-fuzz/tests/fuzz/fuzz-gen-seeds tests/fuzz/corpus
 *
 * It uses only the SFrame codec (sframe.c); the RTP metadata is built here
 * from the layout documented for rtp-auth-fields, not with the element's
 * code, and the key-exchange messages from docs/protocol.md with libsodium
 * alone, not with e2eeproto.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <sodium.h>

#include "sframe.h"
#include "fuzz-common.h"

static const gchar *outdir;

static void
die (const gchar *what)
{
  fprintf (stderr, "fuzz-gen-seeds: %s\n", what);
  exit (1);
}

static void
save (const gchar *target, const gchar *name, GByteArray *a)
{
  gchar *dir = g_build_filename (outdir, target, NULL);
  gchar *path = g_build_filename (dir, name, NULL);
  GError *err = NULL;

  if (g_mkdir_with_parents (dir, 0755) != 0)
    die (g_strerror (errno));
  if (!g_file_set_contents (path, (const gchar *)a->data, a->len, &err))
    die (err->message);
  g_free (path);
  g_free (dir);
}

static GstE2eeSFrameCipher *
cipher (GstE2eeSFrameSuite suite, guint64 kid)
{
  GstE2eeSFrameCipher *c = gst_e2ee_sframe_cipher_new (suite,
      GST_E2EE_SFRAME_BACKEND_AUTO, kid, fuzz_base_key, sizeof (fuzz_base_key));
  if (!c)
    die ("gst_e2ee_sframe_cipher_new failed");
  return c;
}

/* Appends header || ct || tag of pt to a. */
static void
append_sframe (GByteArray *a, GstE2eeSFrameSuite suite, guint64 kid,
    guint64 ctr, const guint8 *meta, gsize mlen, const guint8 *pt, gsize pt_len)
{
  GstE2eeSFrameCipher *c = cipher (suite, kid);
  gsize cap = pt_len + gst_e2ee_sframe_cipher_overhead (c, ctr);
  guint8 *out = g_malloc (cap);
  gssize n =
      gst_e2ee_sframe_cipher_encrypt (c, ctr, meta, mlen, pt, pt_len, out, cap);

  if (n < 0)
    die ("gst_e2ee_sframe_cipher_encrypt failed");
  g_byte_array_append (a, out, n);
  g_free (out);
  gst_e2ee_sframe_cipher_free (c);
}

static void
fill (guint8 *p, gsize n, guint seed)
{
  for (gsize i = 0; i < n; i++)
    p[i] = (guint8)(seed * 31 + i * 7);
}

static const gchar *const suite_tag[] = { NULL, "s1", "s2", "s3", "s4", "s5" };

/* ------------------------------------------------------------ fuzz-sframe */

static void
sframe_seeds (void)
{
  static const guint64 kids[2] = { FUZZ_SFRAME_KID_SHORT,
    FUZZ_SFRAME_KID_LONG };
  guint8 pt[160], meta[8];

  fill (meta, sizeof (meta), 99);
  for (GstE2eeSFrameSuite s = 1; s <= 5; s++) {
    for (guint k = 0; k < 2; k++) {
      GByteArray *a = g_byte_array_new ();
      guint8 sel = (guint8)((s - 1) | k << 3 | (k ? 0x10 : 0) | 6 << 5);
      guint8 ml = k ? sizeof (meta) : 0;
      guint64 ctr = k ? G_GUINT64_CONSTANT (0x0102030405) : 3;
      gsize len = k ? sizeof (pt) : 40;
      gchar *name = g_strdup_printf (
          "%s-kid%s-valid", suite_tag[s], k ? "long" : "short");

      fill (pt, sizeof (pt), s * 2 + k);
      g_byte_array_append (a, &sel, 1);
      g_byte_array_append (a, &ml, 1);
      g_byte_array_append (a, meta, ml);
      append_sframe (a, s, kids[k], ctr, meta, ml, pt, len);
      save ("fuzz-sframe", name, a);
      g_free (name);
      g_byte_array_unref (a);
    }
  }
  {
    /* truncated extended KID, non-minimal (accepted) CTR, tag only */
    static const guint8 bad1[] = { 0x04, 0x00, 0xb8, 0x01 };
    static const guint8 bad2[] = { 0x00, 0x00, 0x59, 0x00, 0x07, 0xaa };
    static const guint8 bad3[] = { 0x03, 0x00, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9,
      10, 11, 12, 13, 14, 15, 16 };
    GByteArray *a = g_byte_array_new ();
    g_byte_array_append (a, bad1, sizeof (bad1));
    save ("fuzz-sframe", "truncated-kid", a);
    g_byte_array_set_size (a, 0);
    g_byte_array_append (a, bad2, sizeof (bad2));
    save ("fuzz-sframe", "non-minimal-ctr", a);
    g_byte_array_set_size (a, 0);
    g_byte_array_append (a, bad3, sizeof (bad3));
    save ("fuzz-sframe", "tag-only", a);
    g_byte_array_unref (a);
  }
}

/* ----------------------------------------------------------- fuzz-e2eedec */

static void
record (GByteArray *a, guint8 op, const guint8 *body, gsize len)
{
  guint8 hdr[3] = { op, (guint8)(len & 0xff), (guint8)(len >> 8) };
  g_byte_array_append (a, hdr, 3);
  g_byte_array_append (a, body, len);
}

static gsize
varint (guint8 *p, guint64 v)
{
  guint n = 0;
  while (n < 8 && (v >> (8 * n)) != 0)
    n++;
  p[0] = (guint8)n;
  for (guint i = 0; i < n; i++)
    p[1 + i] = (guint8)(v >> (8 * (n - 1 - i)));
  return 1 + n;
}

/* A 12-byte RTP header: V=2, the marker, PT 96. */
static void
rtp_header (
    guint8 h[12], gboolean marker, guint16 seq, guint32 ts, guint32 ssrc)
{
  h[0] = 0x80;
  h[1] = (guint8)((marker ? 0x80 : 0) | 96);
  h[2] = seq >> 8;
  h[3] = seq & 0xff;
  h[4] = ts >> 24;
  h[5] = ts >> 16;
  h[6] = ts >> 8;
  h[7] = ts;
  h[8] = ssrc >> 24;
  h[9] = ssrc >> 16;
  h[10] = ssrc >> 8;
  h[11] = ssrc;
}

/* The canonical metadata of rtp-auth-fields (see GstE2eeRtpAuthFields): M,
 * PT, timestamp, SSRC, sequence, CSRC count and list, in that order. */
static gsize
rtp_meta (const guint8 h[12], guint fields, guint8 *out)
{
  guint8 *p = out;

  if (fields & 1)
    *p++ = h[1] >> 7;
  if (fields & 2)
    *p++ = h[1] & 0x7f;
  if (fields & 4) {
    memcpy (p, h + 4, 4);
    p += 4;
  }
  if (fields & 8) {
    memcpy (p, h + 8, 4);
    p += 4;
  }
  if (fields & 16) {
    memcpy (p, h + 2, 2);
    p += 2;
  }
  if (fields & 32)
    *p++ = h[0] & 0x0f;
  return p - out;
}

/* One buffer e2eedec accepts: an RTP packet with an SFrame payload, or an
 * SFrame. */
static GByteArray *
valid_buffer (gboolean rtp, guint fields, GstE2eeSFrameSuite s, guint64 kid,
    guint64 ctr, gsize pt_len)
{
  GByteArray *a = g_byte_array_new ();
  guint8 pt[512], h[12], meta[16];
  gsize mlen = 0;

  fill (pt, pt_len, (guint)(ctr + kid * 5));
  if (rtp) {
    rtp_header (
        h, ctr & 1, (guint16)(1000 + ctr), 90000 + 3000 * ctr, 0x11223344);
    mlen = rtp_meta (h, fields, meta);
    g_byte_array_append (a, h, 12);
  }
  append_sframe (a, s, kid, ctr, meta, mlen, pt, pt_len);
  return a;
}

static void
rec_valid (GByteArray *a, guint8 op, gboolean rtp, guint fields,
    GstE2eeSFrameSuite s, guint64 kid, guint64 ctr, gsize pt_len)
{
  GByteArray *b = valid_buffer (rtp, fields, s, kid, ctr, pt_len);
  record (a, op, b->data, b->len);
  g_byte_array_unref (b);
}

/* body of a SEAL record: kid, ctr, flags, then a frame or RTP packet */
static void
rec_seal (GByteArray *a, gboolean rtp, guint64 kid, guint64 ctr, guint8 flags,
    gsize pt_len)
{
  guint8 body[600];
  gsize n = varint (body, kid);

  n += varint (body + n, ctr);
  body[n++] = flags;
  if (rtp) {
    rtp_header (body + n, TRUE, 7, 1234, 0xcafe);
    n += 12;
  }
  fill (body + n, pt_len, 77);
  n += pt_len;
  record (a, FUZZ_OP_SEAL, body, n);
}

static void
rec_kid (GByteArray *a, guint8 op, guint64 kid, guint8 extra)
{
  guint8 body[10];
  gsize n = varint (body, kid);
  body[n++] = extra;
  record (a, op, body, n);
}

static void
dec_seeds (void)
{
  for (GstE2eeSFrameSuite s = 1; s <= 5; s++) {
    for (guint rtp = 0; rtp < 2; rtp++) {
      const gchar *mode = rtp ? "rtp" : "frame";
      gchar *name;
      GByteArray *a;
      GByteArray *b;
      guint8 cfg[3];
      guint fields = rtp ? 0x03 : 0;

      /* static key, any KID, default window: valid, replayed, corrupted,
       * sealed, in a buffer list */
      a = g_byte_array_new ();
      cfg[0] = (guint8)(rtp | (s - 1) << 1 | 0 << 4 | 2 << 6);
      cfg[1] = (guint8)fields;
      cfg[2] = 0;
      g_byte_array_append (a, cfg, 3);
      rec_valid (a, FUZZ_OP_RAW, rtp, fields, s, 1, 0, 100);
      rec_valid (a, FUZZ_OP_RAW | FUZZ_OP_META_BIT, rtp, fields, s, 1, 1, 30);
      rec_valid (a, FUZZ_OP_RAW, rtp, fields, s, 1, 0, 100);
      b = valid_buffer (rtp, fields, s, 300, 9, 50);
      b->data[b->len - 1] ^= 1;
      record (a, FUZZ_OP_RAW, b->data, b->len);
      g_byte_array_unref (b);
      rec_seal (a, rtp, 2, 5, 0, 60);
      rec_valid (a, FUZZ_OP_RAW | FUZZ_OP_LIST_BIT, rtp, fields, s, 1, 300, 20);
      rec_valid (a, FUZZ_OP_RAW | FUZZ_OP_LIST_BIT, rtp, fields, s,
          G_GUINT64_CONSTANT (0x123456789a), 2, 20);
      record (a, FUZZ_OP_STATS, NULL, 0);
      name = g_strdup_printf ("%s-%s-static", suite_tag[s], mode);
      save ("fuzz-e2eedec", name, a);
      g_free (name);
      g_byte_array_unref (a);

      /* keyring: known KID, unknown KID held until its key is added, a
       * removed key, a flush */
      a = g_byte_array_new ();
      cfg[0] = (guint8)(rtp | (s - 1) << 1 | 2 << 4 | 1 << 6);
      cfg[1] = (guint8)(rtp ? 0x3f : 0);
      cfg[2] = 1;
      g_byte_array_append (a, cfg, 3);
      rec_valid (a, FUZZ_OP_RAW, rtp, cfg[1], s, 1, 10, 80);
      rec_valid (a, FUZZ_OP_RAW, rtp, cfg[1], s, 9, 0, 80);
      rec_kid (a, FUZZ_OP_KEY_ADD, 9, 0);
      rec_valid (a, FUZZ_OP_RAW, rtp, cfg[1], s, 9, 1, 80);
      rec_kid (a, FUZZ_OP_KEY_REMOVE, 1, 0);
      rec_valid (a, FUZZ_OP_RAW, rtp, cfg[1], s, 1, 11, 80);
      record (a, FUZZ_OP_FLUSH, NULL, 0);
      rec_seal (a, rtp, 3, 70, 0, 30);
      name = g_strdup_printf ("%s-%s-keyring", suite_tag[s], mode);
      save ("fuzz-e2eedec", name, a);
      g_free (name);
      g_byte_array_unref (a);
    }
  }
  {
    /* static key restricted to one KID; caps and property changes */
    GByteArray *a = g_byte_array_new ();
    guint8 cfg[3] = { 1 | 4 << 1 | 1 << 4 | 3 << 6, 0x03, 0 };
    guint8 v;
    g_byte_array_append (a, cfg, 3);
    rec_valid (a, FUZZ_OP_RAW, TRUE, 0x03, 5, FUZZ_DEC_STATIC_KID, 4, 64);
    rec_valid (a, FUZZ_OP_RAW, TRUE, 0x03, 5, 8, 4, 64);
    v = 1;
    record (a, FUZZ_OP_CAPS, &v, 1);
    rec_valid (a, FUZZ_OP_RAW, FALSE, 0, 5, FUZZ_DEC_STATIC_KID, 5, 64);
    rec_kid (a, FUZZ_OP_SET_KID, 8, 0);
    rec_valid (a, FUZZ_OP_RAW, FALSE, 0, 5, 8, 6, 64);
    v = 2;
    record (a, FUZZ_OP_SET_KEY, &v, 1);
    rec_seal (a, FALSE, 8, 1, 1, 40);
    save ("fuzz-e2eedec", "s5-kid-filter-caps-change", a);
    g_byte_array_unref (a);
  }
  /* No FLOOD seed: over 1024 forged KIDs cost e2eedec ~0.1 s under ASan,
   * which would divide the target's speed by 8; FLOOD stays an op the
   * fuzzer can use. */
}

/* ------------------------------------------------------------- fuzz-proto */

/* The keys of fuzz-proto.c (keep in sync): every byte of the signer's
 * Ed25519 seed, of the leader's and the recipient's X25519 secret keys and
 * of the meeting key sealed in the one valid box. */
#define FUZZ_PROTO_SIGNER_SEED 0x5a
#define FUZZ_PROTO_LEADER_DH 0x3c
#define FUZZ_PROTO_RECIPIENT_DH 0x7e
#define FUZZ_PROTO_MK 0x4b

static const gchar *const proto_contexts[] = { NULL, "gst-e2ee/1 announce",
  "gst-e2ee/1 ack", "gst-e2ee/1 keys", "gst-e2ee/1 roster",
  "gst-e2ee/1 heartbeat", "gst-e2ee/1 leave" };

static void
p_u8 (GByteArray *a, guint8 v)
{
  g_byte_array_append (a, &v, 1);
}

static void
p_u16 (GByteArray *a, guint v)
{
  p_u8 (a, (guint8)(v >> 8));
  p_u8 (a, (guint8)v);
}

static void
p_u64 (GByteArray *a, guint64 v)
{
  for (guint i = 0; i < 8; i++)
    p_u8 (a, (guint8)(v >> (56 - 8 * i)));
}

static void
p_raw (GByteArray *a, const void *p, gsize n)
{
  if (n)
    g_byte_array_append (a, p, (guint)n);
}

static void
p_vec16 (GByteArray *a, const void *p, gsize n)
{
  p_u16 (a, (guint)n);
  p_raw (a, p, n);
}

static void
p_str16 (GByteArray *a, const gchar *s)
{
  p_vec16 (a, s, strlen (s));
}

/* bytes of a: version, type, str16 meeting, vec16 instance, str16 sender */
static void
proto_header (GByteArray *a, guint8 type, const gchar *meeting,
    const guint8 *inst, gsize il, const gchar *sender)
{
  p_u8 (a, 1);
  p_u8 (a, type);
  p_str16 (a, meeting);
  p_vec16 (a, inst, il);
  p_str16 (a, sender);
}

/* Appends the signature over str16(context of type) || a. */
static void
proto_sign (GByteArray *a, guint8 type)
{
  guint8 seed[crypto_sign_SEEDBYTES], pk[crypto_sign_PUBLICKEYBYTES];
  guint8 sk[crypto_sign_SECRETKEYBYTES], sig[crypto_sign_BYTES];
  GByteArray *t = g_byte_array_new ();

  memset (seed, FUZZ_PROTO_SIGNER_SEED, sizeof (seed));
  if (crypto_sign_seed_keypair (pk, sk, seed) != 0)
    die ("crypto_sign_seed_keypair failed");
  p_str16 (t, proto_contexts[type]);
  p_raw (t, a->data, a->len);
  crypto_sign_detached (sig, NULL, t->data, t->len, sk);
  p_raw (a, sig, sizeof (sig));
  g_byte_array_unref (t);
}

/* HKDF-SHA256 with a 32-byte output */
static void
proto_hkdf (const guint8 *salt, gsize sl, const guint8 *ikm, gsize ikml,
    const guint8 *info, gsize infol, guint8 out[32])
{
  crypto_auth_hmacsha256_state st;
  guint8 prk[32], one = 1;

  crypto_auth_hmacsha256_init (&st, salt, sl);
  crypto_auth_hmacsha256_update (&st, ikm, ikml);
  crypto_auth_hmacsha256_final (&st, prk);
  crypto_auth_hmacsha256_init (&st, prk, sizeof (prk));
  crypto_auth_hmacsha256_update (&st, info, infol);
  crypto_auth_hmacsha256_update (&st, &one, 1);
  crypto_auth_hmacsha256_final (&st, out);
}

/* One KEYS box entry.  valid: the meeting key FUZZ_PROTO_MK sealed by the
 * fuzz leader to the fuzz recipient (docs/protocol.md 1.10) with a fixed
 * box nonce; otherwise arbitrary bytes. */
static void
proto_box (GByteArray *a, const gchar *meeting, const guint8 *inst, gsize il,
    const gchar *lid, const gchar *rid, guint64 epoch, guint seed,
    gboolean valid)
{
  guint8 rnonce[24], bnonce[24], box[48];

  fill (rnonce, sizeof (rnonce), seed);
  fill (bnonce, sizeof (bnonce), seed + 1);
  fill (box, sizeof (box), seed + 2);
  if (valid) {
    guint8 lsk[32], lpk[32], rsk[32], rpk[32], shared[32], key[32], mk[32];
    GByteArray *info = g_byte_array_new (), *ad = g_byte_array_new ();
    unsigned long long blen;

    memset (lsk, FUZZ_PROTO_LEADER_DH, 32);
    memset (rsk, FUZZ_PROTO_RECIPIENT_DH, 32);
    memset (mk, FUZZ_PROTO_MK, 32);
    if (crypto_scalarmult_base (lpk, lsk) != 0 ||
        crypto_scalarmult_base (rpk, rsk) != 0 ||
        crypto_scalarmult (shared, lsk, rpk) != 0)
      die ("X25519 failed");
    p_raw (info, "gst-e2ee/1 keybox", 17);
    p_raw (info, lpk, 32);
    p_raw (info, rpk, 32);
    proto_hkdf (inst, il, shared, 32, info->data, info->len, key);
    p_str16 (ad, meeting);
    p_vec16 (ad, inst, il);
    p_str16 (ad, lid);
    p_str16 (ad, rid);
    p_u64 (ad, epoch);
    p_raw (ad, rnonce, 24);
    crypto_aead_xchacha20poly1305_ietf_encrypt (
        box, &blen, mk, 32, ad->data, ad->len, NULL, bnonce, key);
    if (blen != sizeof (box))
      die ("key box has the wrong size");
    g_byte_array_unref (info);
    g_byte_array_unref (ad);
  }
  p_str16 (a, rid);
  p_raw (a, rnonce, 24);
  p_raw (a, bnonce, 24);
  p_vec16 (a, box, 48);
}

static void
proto_entry (
    GByteArray *a, guint index, const gchar *id, guint seed, const gchar *name)
{
  guint8 k[32];

  p_u16 (a, index);
  p_str16 (a, id);
  fill (k, 32, seed);
  p_raw (a, k, 32);
  fill (k, 32, seed + 1);
  p_raw (a, k, 32);
  p_str16 (a, name);
}

static void
proto_save (const gchar *name, GByteArray *a, guint8 type)
{
  proto_sign (a, type);
  save ("fuzz-proto", name, a);
  g_byte_array_set_size (a, 0);
}

static void
proto_seeds (void)
{
  static const gchar meeting[] = "meeting-\xce\xa9";
  guint8 inst[32], k[32], n24[24];
  gchar *id64 = g_strnfill (64, 'p'), *m128 = g_strnfill (128, 'm');
  gchar *name128 = g_strnfill (128, 'n');
  GByteArray *a = g_byte_array_new ();
  guint8 pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
  guint8 seed[crypto_sign_SEEDBYTES];

  memset (seed, FUZZ_PROTO_SIGNER_SEED, sizeof (seed));
  crypto_sign_seed_keypair (pk, sk, seed);
  fill (inst, sizeof (inst), 200);

  /* ANNOUNCE */
  proto_header (a, 1, meeting, inst, 16, "alice");
  p_raw (a, pk, 32);
  fill (k, 32, 201);
  p_raw (a, k, 32);
  p_str16 (a, "Alice Zo\xc3\xab");
  fill (n24, 24, 202);
  p_raw (a, n24, 24);
  p_u64 (a, G_GUINT64_CONSTANT (1767225600000));
  proto_save ("announce", a, 1);
  /* ANNOUNCE with every length at its limit */
  proto_header (a, 1, m128, inst, 32, id64);
  p_raw (a, pk, 32);
  p_raw (a, k, 32);
  p_str16 (a, name128);
  p_raw (a, n24, 24);
  p_u64 (a, G_MAXUINT64);
  proto_save ("announce-limits", a, 1);

  /* ACK */
  proto_header (a, 2, meeting, inst, 16, "bob");
  fill (n24, 24, 203);
  p_raw (a, n24, 24);
  p_u64 (a, 7);
  p_u64 (a, 3); /* counter */
  proto_save ("ack", a, 2);

  /* KEYS: a box that opens with the fuzz keys, two that do not */
  proto_header (a, 3, meeting, inst, 24, "alice");
  p_u64 (a, 7);
  p_u64 (a, 3);
  p_u16 (a, 3);
  proto_box (a, meeting, inst, 24, "alice", "bob", 7, 210, TRUE);
  proto_box (a, meeting, inst, 24, "alice", "carol", 7, 220, FALSE);
  proto_box (a, meeting, inst, 24, "alice", id64, 7, 230, FALSE);
  proto_save ("keys", a, 3);
  /* KEYS without boxes */
  proto_header (a, 3, meeting, inst, 16, "alice");
  p_u64 (a, 1);
  p_u64 (a, 1);
  p_u16 (a, 0);
  proto_save ("keys-empty", a, 3);

  /* ROSTER: three entries, locked */
  proto_header (a, 4, meeting, inst, 16, "alice");
  p_u64 (a, 3);
  fill (k, 32, 240);
  p_raw (a, k, 32);
  p_u8 (a, 1);
  p_u16 (a, 3);
  proto_entry (a, 0, "alice", 241, "Alice");
  proto_entry (a, 2, "bob", 243, "Bob \xc3\xa9");
  proto_entry (a, 65535, id64, 245, "");
  proto_save ("roster", a, 4);
  /* ROSTER version 1, no entry */
  proto_header (a, 4, meeting, inst, 16, "alice");
  p_u64 (a, 1);
  memset (k, 0, 32);
  p_raw (a, k, 32);
  p_u8 (a, 0);
  p_u16 (a, 0);
  proto_save ("roster-empty", a, 4);

  /* HEARTBEAT */
  proto_header (a, 5, meeting, inst, 16, "alice");
  p_u64 (a, 42);
  p_u64 (a, 3);
  fill (k, 32, 250);
  p_raw (a, k, 32);
  p_u64 (a, 7);
  p_u64 (a, 6);
  fill (k, 32, 251);
  p_raw (a, k, 32);
  p_u64 (a, 123456789);
  proto_save ("heartbeat", a, 5);

  /* LEAVE */
  proto_header (a, 6, meeting, inst, 16, "carol");
  p_u8 (a, 0);
  proto_save ("leave", a, 6);

  g_byte_array_unref (a);
  g_free (id64);
  g_free (m128);
  g_free (name128);
}

int
main (int argc, char **argv)
{
  if (argc != 2) {
    fprintf (stderr, "usage: %s OUTDIR\n", argv[0]);
    return 2;
  }
  outdir = argv[1];
  if (!gst_e2ee_sframe_init ())
    die ("gst_e2ee_sframe_init failed");
  sframe_seeds ();
  dec_seeds ();
  proto_seeds ();
  return 0;
}
