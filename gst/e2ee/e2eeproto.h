/* gst-e2ee/1 key-exchange protocol: messages, identities, key boxes, media
 * keys and the security code (docs/protocol.md, part 1).
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Pure functions over bytes: no GStreamer, no state machine, no I/O except
 * the identity file.  The keyexchange element builds on this.
 */
#ifndef __E2EE_PROTO_H__
#define __E2EE_PROTO_H__

#include "e2ee-prelude.h"
#include <glib.h>

G_BEGIN_DECLS

#define GST_E2EE_PROTO_VERSION 1

#define GST_E2EE_ID_MAX 64 /* participant ids, bytes */
#define GST_E2EE_NAME_MAX 128 /* display names, bytes */
#define GST_E2EE_MEETING_ID_MAX 128 /* meeting ids, bytes */
#define GST_E2EE_INSTANCE_MIN 16
#define GST_E2EE_INSTANCE_MAX 32
#define GST_E2EE_MSG_MAX (256 * 1024)
#define GST_E2EE_KEY_LEN 32 /* Ed25519/X25519 public keys, MK */
#define GST_E2EE_NONCE_LEN 24 /* liveness and box nonces */
#define GST_E2EE_SIG_LEN 64
#define GST_E2EE_HASH_LEN 32
#define GST_E2EE_BOX_LEN (32 + 16) /* MK + Poly1305 tag */
#define GST_E2EE_MAX_ENTRIES 65535 /* boxes or roster entries per message */

typedef enum
{
  GST_E2EE_MSG_ANNOUNCE = 1,
  GST_E2EE_MSG_ACK = 2,
  GST_E2EE_MSG_KEYS = 3,
  GST_E2EE_MSG_ROSTER = 4,
  GST_E2EE_MSG_HEARTBEAT = 5,
  GST_E2EE_MSG_LEAVE = 6,
} GstE2eeMsgType;

/* ---------------------------------------------------------- identities */

/* A long-term Ed25519 identity: pk public, sk (64 bytes) in guarded
 * memory. */
typedef struct
{
  guint8 pk[GST_E2EE_KEY_LEN];
  guint8 *sk;
} GstE2eeIdentity;

GST_E2EE_API
GstE2eeIdentity *gst_e2ee_identity_new (void);
/* Loads the identity from path (one line: 128 hex digits of the 64-byte
 * secret key), or creates it with mode 0600 if the file does not exist.
 * Refuses a file readable by others. */
GST_E2EE_API
GstE2eeIdentity *gst_e2ee_identity_load_or_create (
    const gchar *path, GError **error);
GST_E2EE_API
void gst_e2ee_identity_free (GstE2eeIdentity *id);

/* "xxxx xxxx xxxx xxxx xxxx xxxx xxxx xxxx": the first 16 bytes of
 * SHA-256("gst-e2ee/1 fingerprint" || pk) in hex. */
GST_E2EE_API
gchar *gst_e2ee_fingerprint (const guint8 pk[GST_E2EE_KEY_LEN]);

/* ------------------------------------------------------------ messages */

typedef struct
{
  gchar *recipient_id;
  guint8 recipient_nonce[GST_E2EE_NONCE_LEN];
  guint8 box_nonce[GST_E2EE_NONCE_LEN];
  guint8 box[GST_E2EE_BOX_LEN];
} GstE2eeKeyBox;

typedef struct
{
  guint16 index;
  gchar *participant_id;
  guint8 identity_key[GST_E2EE_KEY_LEN];
  guint8 dh_key[GST_E2EE_KEY_LEN];
  gchar *display_name;
} GstE2eeRosterEntry;

#define GST_E2EE_ROSTER_LOCKED 0x01

/* A decoded message. Fields not used by its type are zero/NULL. */
typedef struct
{
  GstE2eeMsgType type;
  gchar *meeting_id;
  GBytes *instance;
  gchar *sender_id;

  /* ANNOUNCE */
  guint8 identity_key[GST_E2EE_KEY_LEN];
  guint8 dh_key[GST_E2EE_KEY_LEN];
  gchar *display_name;
  guint64 join_time_ms;
  /* ANNOUNCE and ACK */
  guint8 nonce[GST_E2EE_NONCE_LEN];
  /* ACK */
  guint64 acked_epoch;
  /* ACK (+1 per ACK of its author, from 1) and HEARTBEAT (+1 per
   * heartbeat of its leader) */
  /* KEYS and HEARTBEAT */
  guint64 epoch;
  guint64 roster_version;
  /* KEYS: GstE2eeKeyBox* */
  GPtrArray *boxes;
  /* ROSTER */
  guint64 version;
  guint8 prev_hash[GST_E2EE_HASH_LEN]; /* also HEARTBEAT */
  guint8 flags;
  GPtrArray *entries; /* GstE2eeRosterEntry*, sorted by index */
  guint64 counter;
  /* HEARTBEAT */
  guint8 roster_hash[GST_E2EE_HASH_LEN];
  guint64 send_epoch;
  guint64 leader_time_ms;
  /* LEAVE */
  guint8 reason;

  guint8 signature[GST_E2EE_SIG_LEN];
  gsize signed_len; /* bytes before the signature (decode) */
} GstE2eeMsg;

GST_E2EE_API
GstE2eeMsg *gst_e2ee_msg_new (GstE2eeMsgType type, const gchar *meeting_id,
    GBytes *instance, const gchar *sender_id);
GST_E2EE_API
void gst_e2ee_msg_free (GstE2eeMsg *m);
GST_E2EE_API
void gst_e2ee_msg_add_box (GstE2eeMsg *m, const GstE2eeKeyBox *box);
GST_E2EE_API
void gst_e2ee_msg_add_entry (GstE2eeMsg *m, guint16 index,
    const gchar *participant_id, const guint8 identity_key[GST_E2EE_KEY_LEN],
    const guint8 dh_key[GST_E2EE_KEY_LEN], const gchar *display_name);

/* Encodes m canonically and signs it with id (whose public key must be the
 * author's): returns the whole message, signature included. NULL (and
 * error) when a field is out of its limits. */
GST_E2EE_API
GBytes *gst_e2ee_msg_encode (
    const GstE2eeMsg *m, const GstE2eeIdentity *id, GError **error);
/* Parses a message (no signature check): NULL and a precise error when
 * anything is malformed, out of limits, or trailing. */
GST_E2EE_API
GstE2eeMsg *gst_e2ee_msg_decode (const guint8 *data, gsize len, GError **error);
/* Checks the signature of a decoded message (data is what was decoded)
 * under the author's identity key. */
GST_E2EE_API
gboolean gst_e2ee_msg_verify (const GstE2eeMsg *m, const guint8 *data,
    gsize len, const guint8 identity_key[GST_E2EE_KEY_LEN]);
/* SHA-256 of a whole encoded message (roster and heartbeat chains). */
GST_E2EE_API
void gst_e2ee_msg_hash (
    const guint8 *data, gsize len, guint8 out[GST_E2EE_HASH_LEN]);
GST_E2EE_API
const gchar *gst_e2ee_msg_type_name (GstE2eeMsgType type);

/* ------------------------------------------------------ keys and boxes */

/* A fresh per-meeting X25519 key pair (sk in guarded memory). */
typedef struct
{
  guint8 pk[GST_E2EE_KEY_LEN];
  guint8 *sk;
} GstE2eeDhKey;

GST_E2EE_API
GstE2eeDhKey *gst_e2ee_dh_key_new (void);
GST_E2EE_API
void gst_e2ee_dh_key_free (GstE2eeDhKey *k);

/* The key box of docs/protocol.md 1.10, made by the leader (a fresh random
 * box nonce each time). out->recipient_id points to recipient_id, not a
 * copy: gst_e2ee_msg_add_box() copies it. */
GST_E2EE_API
gboolean gst_e2ee_keybox_seal (const GstE2eeDhKey *leader,
    const guint8 recipient_pk[GST_E2EE_KEY_LEN], const gchar *meeting_id,
    GBytes *instance, const gchar *leader_id, const gchar *recipient_id,
    guint64 epoch, const guint8 recipient_nonce[GST_E2EE_NONCE_LEN],
    const guint8 mk[GST_E2EE_KEY_LEN], GstE2eeKeyBox *out);
/* Opened by the recipient; mk is written only when the box verifies. */
GST_E2EE_API
gboolean gst_e2ee_keybox_open (const GstE2eeDhKey *recipient,
    const guint8 leader_pk[GST_E2EE_KEY_LEN], const gchar *meeting_id,
    GBytes *instance, const gchar *leader_id, const gchar *recipient_id,
    guint64 epoch, const GstE2eeKeyBox *box, guint8 mk[GST_E2EE_KEY_LEN]);

/* base(e, i) and KID(e, i) of docs/protocol.md 1.6; FALSE for e >= 2^48. */
GST_E2EE_API
gboolean gst_e2ee_media_key (const guint8 mk[GST_E2EE_KEY_LEN],
    GBytes *instance, guint64 epoch, guint16 index, guint8 out[32]);
GST_E2EE_API
guint64 gst_e2ee_media_kid (guint64 epoch, guint16 index);

/* 40 digits in 8 groups of 5 (docs/protocol.md 1.13). */
GST_E2EE_API
gchar *gst_e2ee_security_code (const gchar *meeting_id, GBytes *instance,
    const guint8 leader_identity_key[GST_E2EE_KEY_LEN]);

G_END_DECLS

#endif /* __E2EE_PROTO_H__ */
