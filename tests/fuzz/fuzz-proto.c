/* libFuzzer target: the gst-e2ee/1 key-exchange codec (e2eeproto.c).
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Input: one untrusted message, as it would come from the channel.
 *
 *  1. gst_e2ee_msg_decode() on an exactly sized copy: either NULL with a
 *     GError, or a message whose fields are within the limits of
 *     docs/protocol.md 1.3 and whose signed_len leaves exactly the 64-byte
 *     signature;
 *  2. canonical round trip: the decoded message re-encoded with a fixed
 *     identity gives the input back byte for byte up to the signature,
 *     and decodes to the same fields;
 *  3. gst_e2ee_msg_verify() with the fixed identity key succeeds exactly when
 *     the input carries the signature the fixed identity makes (Ed25519 is
 *     deterministic and unforgeable), and never with a key nobody signs
 *     with; gst_e2ee_msg_hash() is SHA-256 of the input;
 *  4. KEYS: gst_e2ee_keybox_open() of every box with fixed recipient and leader
 *     keys either fails without touching the output, or gives the one
 *     meeting key ever sealed with those keys (a seed holds such a box).
 *
 * Any violated property aborts (a libFuzzer crash).  The seed corpus
 * (corpus/fuzz-proto/) is written by gen-seeds.c with the same keys: keep
 * the FUZZ_PROTO_* values below and there in sync.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "e2eeproto.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
  ((cond) ? (void)0 : check_failed (__FILE__, __LINE__, #cond))

static G_GNUC_NORETURN void
check_failed (const char *file, int line, const char *what)
{
  fprintf (stderr, "%s:%d: property violated: %s\n", file, line, what);
  abort ();
}

/* Key material (also in gen-seeds.c): every byte of the Ed25519 seed of
 * the signing identity, of the X25519 secret keys of the leader and the
 * recipient, and of the meeting key in the one valid box. */
#define FUZZ_PROTO_SIGNER_SEED 0x5a
#define FUZZ_PROTO_LEADER_DH 0x3c
#define FUZZ_PROTO_RECIPIENT_DH 0x7e
#define FUZZ_PROTO_MK 0x4b
/* nobody signs with this one */
#define FUZZ_PROTO_OTHER_SEED 0x99

static guint8 signer_sk[crypto_sign_SECRETKEYBYTES];
static GstE2eeIdentity signer;
static guint8 other_pk[crypto_sign_PUBLICKEYBYTES];
static guint8 leader_pk[32];
static guint8 recipient_sk[32];
static GstE2eeDhKey recipient;
static guint8 fuzz_mk[32];

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  guint8 seed[32], sk[64], leader_sk[32];

  (void)argc;
  (void)argv;
  CHECK (sodium_init () >= 0);
  memset (seed, FUZZ_PROTO_SIGNER_SEED, sizeof (seed));
  CHECK (crypto_sign_seed_keypair (signer.pk, signer_sk, seed) == 0);
  signer.sk = signer_sk;
  memset (seed, FUZZ_PROTO_OTHER_SEED, sizeof (seed));
  CHECK (crypto_sign_seed_keypair (other_pk, sk, seed) == 0);
  memset (leader_sk, FUZZ_PROTO_LEADER_DH, sizeof (leader_sk));
  CHECK (crypto_scalarmult_base (leader_pk, leader_sk) == 0);
  memset (recipient_sk, FUZZ_PROTO_RECIPIENT_DH, sizeof (recipient_sk));
  CHECK (crypto_scalarmult_base (recipient.pk, recipient_sk) == 0);
  recipient.sk = recipient_sk;
  memset (fuzz_mk, FUZZ_PROTO_MK, sizeof (fuzz_mk));
  return 0;
}

static gboolean
str_ok (const gchar *s, gsize min, gsize max)
{
  gsize n;

  if (!s)
    return FALSE;
  n = strlen (s);
  return n >= min && n <= max && g_utf8_validate (s, n, NULL);
}

/* The limits of docs/protocol.md 1.3 on a decoded message. */
static void
check_limits (const GstE2eeMsg *m)
{
  gsize il;

  CHECK (m->type >= GST_E2EE_MSG_ANNOUNCE && m->type <= GST_E2EE_MSG_LEAVE);
  CHECK (gst_e2ee_msg_type_name (m->type) != NULL);
  CHECK (str_ok (m->meeting_id, 0, GST_E2EE_MEETING_ID_MAX));
  CHECK (m->instance != NULL);
  il = g_bytes_get_size (m->instance);
  CHECK (il >= GST_E2EE_INSTANCE_MIN && il <= GST_E2EE_INSTANCE_MAX);
  CHECK (str_ok (m->sender_id, 0, GST_E2EE_ID_MAX));
  if (m->type == GST_E2EE_MSG_ANNOUNCE)
    CHECK (str_ok (m->display_name, 0, GST_E2EE_NAME_MAX));
  else
    CHECK (m->display_name == NULL);
  if (m->type == GST_E2EE_MSG_KEYS) {
    CHECK (m->boxes != NULL && m->boxes->len <= GST_E2EE_MAX_ENTRIES);
    for (guint i = 0; i < m->boxes->len; i++) {
      const GstE2eeKeyBox *b = g_ptr_array_index (m->boxes, i);
      CHECK (str_ok (b->recipient_id, 0, GST_E2EE_ID_MAX));
    }
  } else {
    CHECK (m->boxes == NULL || m->boxes->len == 0);
  }
  if (m->type == GST_E2EE_MSG_ROSTER) {
    CHECK (m->entries != NULL && m->entries->len <= GST_E2EE_MAX_ENTRIES);
    for (guint i = 0; i < m->entries->len; i++) {
      const GstE2eeRosterEntry *e = g_ptr_array_index (m->entries, i);
      CHECK (str_ok (e->participant_id, 0, GST_E2EE_ID_MAX));
      CHECK (str_ok (e->display_name, 0, GST_E2EE_NAME_MAX));
      /* sorted by index (1.7) */
      if (i > 0)
        CHECK (
            ((const GstE2eeRosterEntry *)g_ptr_array_index (m->entries, i - 1))
                ->index < e->index);
    }
  } else {
    CHECK (m->entries == NULL || m->entries->len == 0);
  }
}

static guint
len_of (const GPtrArray *a)
{
  return a ? a->len : 0;
}

/* Every field but the signature. */
static void
check_same (const GstE2eeMsg *a, const GstE2eeMsg *b)
{
  CHECK (a->type == b->type);
  CHECK (g_strcmp0 (a->meeting_id, b->meeting_id) == 0);
  CHECK (g_bytes_equal (a->instance, b->instance));
  CHECK (g_strcmp0 (a->sender_id, b->sender_id) == 0);
  CHECK (memcmp (a->identity_key, b->identity_key, GST_E2EE_KEY_LEN) == 0);
  CHECK (memcmp (a->dh_key, b->dh_key, GST_E2EE_KEY_LEN) == 0);
  CHECK (g_strcmp0 (a->display_name, b->display_name) == 0);
  CHECK (a->join_time_ms == b->join_time_ms);
  CHECK (memcmp (a->nonce, b->nonce, GST_E2EE_NONCE_LEN) == 0);
  CHECK (a->acked_epoch == b->acked_epoch);
  CHECK (a->epoch == b->epoch);
  CHECK (a->roster_version == b->roster_version);
  CHECK (len_of (a->boxes) == len_of (b->boxes));
  for (guint i = 0; i < len_of (a->boxes); i++) {
    const GstE2eeKeyBox *x = g_ptr_array_index (a->boxes, i);
    const GstE2eeKeyBox *y = g_ptr_array_index (b->boxes, i);
    CHECK (g_strcmp0 (x->recipient_id, y->recipient_id) == 0);
    CHECK (memcmp (x->recipient_nonce, y->recipient_nonce,
               GST_E2EE_NONCE_LEN) == 0);
    CHECK (memcmp (x->box_nonce, y->box_nonce, GST_E2EE_NONCE_LEN) == 0);
    CHECK (memcmp (x->box, y->box, GST_E2EE_BOX_LEN) == 0);
  }
  CHECK (a->version == b->version);
  CHECK (memcmp (a->prev_hash, b->prev_hash, GST_E2EE_HASH_LEN) == 0);
  CHECK (a->flags == b->flags);
  CHECK (len_of (a->entries) == len_of (b->entries));
  for (guint i = 0; i < len_of (a->entries); i++) {
    const GstE2eeRosterEntry *x = g_ptr_array_index (a->entries, i);
    const GstE2eeRosterEntry *y = g_ptr_array_index (b->entries, i);
    CHECK (x->index == y->index);
    CHECK (g_strcmp0 (x->participant_id, y->participant_id) == 0);
    CHECK (memcmp (x->identity_key, y->identity_key, GST_E2EE_KEY_LEN) == 0);
    CHECK (memcmp (x->dh_key, y->dh_key, GST_E2EE_KEY_LEN) == 0);
    CHECK (g_strcmp0 (x->display_name, y->display_name) == 0);
  }
  CHECK (a->counter == b->counter);
  CHECK (memcmp (a->roster_hash, b->roster_hash, GST_E2EE_HASH_LEN) == 0);
  CHECK (a->send_epoch == b->send_epoch);
  CHECK (a->leader_time_ms == b->leader_time_ms);
  CHECK (a->reason == b->reason);
}

static void
open_boxes (const GstE2eeMsg *m)
{
  for (guint i = 0; i < len_of (m->boxes); i++) {
    const GstE2eeKeyBox *b = g_ptr_array_index (m->boxes, i);
    guint8 mk[32], before[32];

    memset (mk, 0xa5, sizeof (mk));
    memcpy (before, mk, sizeof (mk));
    if (gst_e2ee_keybox_open (&recipient, leader_pk, m->meeting_id, m->instance,
            m->sender_id, b->recipient_id, m->epoch, b, mk))
      CHECK (memcmp (mk, fuzz_mk, 32) == 0);
    else
      CHECK (memcmp (mk, before, 32) == 0);
    /* the leader's own key as the recipient's: never opens */
    memset (mk, 0xa5, sizeof (mk));
    CHECK (!gst_e2ee_keybox_open (&recipient, recipient.pk, m->meeting_id,
        m->instance, m->sender_id, b->recipient_id, m->epoch, b, mk));
    CHECK (memcmp (mk, before, 32) == 0);
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *err = NULL;
  guint8 *copy;
  GstE2eeMsg *m, *m2;
  GBytes *enc;
  const guint8 *e;
  gsize elen;
  guint8 h[32], h2[32];
  gboolean ours;

  /* exactly sized, so that ASan sees any over-read */
  copy = g_malloc (size ? size : 1);
  if (size)
    memcpy (copy, data, size);
  m = gst_e2ee_msg_decode (copy, size, &err);
  if (!m) {
    CHECK (err != NULL && err->message != NULL);
    g_error_free (err);
    g_free (copy);
    return 0;
  }
  CHECK (err == NULL);
  CHECK (size > GST_E2EE_SIG_LEN && size <= GST_E2EE_MSG_MAX);
  CHECK (m->signed_len + GST_E2EE_SIG_LEN == size);
  CHECK (memcmp (m->signature, copy + m->signed_len, GST_E2EE_SIG_LEN) == 0);
  check_limits (m);

  /* canonical: re-encoded, the same bytes up to the signature */
  enc = gst_e2ee_msg_encode (m, &signer, &err);
  CHECK (enc != NULL && err == NULL);
  e = g_bytes_get_data (enc, &elen);
  CHECK (elen == size);
  CHECK (memcmp (e, copy, m->signed_len) == 0);
  m2 = gst_e2ee_msg_decode (e, elen, &err);
  CHECK (m2 != NULL && err == NULL);
  check_same (m, m2);
  CHECK (m2->signed_len == m->signed_len);
  CHECK (gst_e2ee_msg_verify (m2, e, elen, signer.pk));
  CHECK (!gst_e2ee_msg_verify (m2, e, elen, other_pk));

  /* the input verifies under the fixed key exactly when it carries the
   * fixed key's signature */
  ours =
      memcmp (e + m->signed_len, copy + m->signed_len, GST_E2EE_SIG_LEN) == 0;
  CHECK (gst_e2ee_msg_verify (m, copy, size, signer.pk) == ours);
  CHECK (!gst_e2ee_msg_verify (m, copy, size, other_pk));
  /* an identity key taken from the message itself (ANNOUNCE) */
  if (m->type == GST_E2EE_MSG_ANNOUNCE)
    (void)gst_e2ee_msg_verify (m, copy, size, m->identity_key);

  gst_e2ee_msg_hash (copy, size, h);
  crypto_hash_sha256 (h2, copy, size);
  CHECK (memcmp (h, h2, 32) == 0);

  open_boxes (m);

  gst_e2ee_msg_free (m2);
  g_bytes_unref (enc);
  gst_e2ee_msg_free (m);
  g_free (copy);
  return 0;
}
