/* e2eekx internals shared by e2eekx.c (the state machine: life cycle,
 * sending, keys, the public calls), e2eekx-roster.c (the roster, who leads,
 * leading: heartbeats and rekeys) and e2eekx-receive.c (the messages
 * received).
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __E2EE_KX_PRIV_H__
#define __E2EE_KX_PRIV_H__

#include "e2eekx.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (kx_debug);

typedef struct
{
  gchar *id;
  guint8 ik[GST_E2EE_KEY_LEN];
  guint8 dh[GST_E2EE_KEY_LEN];
  gchar *name;
  guint8 nonce[2]
              [GST_E2EE_NONCE_LEN]; /* newest first, as the leader saw them */
  guint n_nonces;
  guint64 acked_epoch;
  guint seq; /* channel order of its ANNOUNCE */
  guint64 ack_counter; /* of its newest ACK: older ones are replays */
  gboolean announced;
  gboolean gone;
  gboolean left; /* its LEAVE, or the channel said so: gone for good */
} Peer;

#define HB_RING 8

/* A heartbeat of the current leader, kept to spot conflicting ones. */
typedef struct
{
  guint64 counter, time;
  guint8 hash[GST_E2EE_HASH_LEN];
  guint8 prev[GST_E2EE_HASH_LEN];
} HbSeen;

typedef struct
{
  guint64 epoch;
  GArray *kids; /* guint64 KIDs installed for it */
} Epoch;

struct _GstE2eeKx
{
  GstE2eeKxConfig cfg;
  gchar *meeting_id, *self_id, *self_name;
  GBytes *instance;
  const GstE2eeIdentity *identity;
  GstE2eeKeyring *keyring;
  GstE2eeKxCallbacks cb;
  gpointer user_data;

  GstE2eeDhKey *dh;
  guint8 my_nonce[2][GST_E2EE_NONCE_LEN];
  gboolean started, left;
  gint64 start_ms;
  gint64 last_ack_ms;
  gint64 now_ms; /* of the current call */

  GHashTable *peers; /* id -> Peer */
  GHashTable *gone_ids; /* ids the channel said are gone (set) */
  guint next_seq;
  guint64 my_ack_counter;

  /* the accepted roster */
  GstE2eeMsg *roster;
  guint8 roster_hash[GST_E2EE_HASH_LEN];
  gchar *leader_id;
  gint my_index; /* -1 when not in the roster */
  gint64 leader_since_ms;
  guint64 member_from_epoch; /* epochs below it were made without us */
  gint64 excluded_since_ms;
  gboolean excluded_told;
  gchar *code_leader; /* the leader that certified send_epoch */

  /* epochs held */
  GArray *epochs; /* Epoch, ascending */
  guint64 epoch, send_epoch;
  guint64 epoch_seen; /* highest epoch of a leader-signed KEYS */
  guint64 hb_epoch_seen; /* highest epoch named by a valid heartbeat */
  guint64 missing_epoch;

  /* following a leader */
  gboolean have_hb;
  guint64 hb_counter, hb_time;
  HbSeen hb_seen[HB_RING];
  guint n_hb_seen;
  gint64 last_hb_ms;

  /* leading */
  gboolean leading;
  guint next_index;
  guint64 my_hb_counter;
  guint8 my_hb_hash[GST_E2EE_HASH_LEN];
  gint64 next_hb_ms, rekey_due_ms, periodic_ms, keys_sent_ms;
  guint64 pending_epoch;
  gboolean membership_changed;
};

/* e2eekx.c */
G_GNUC_INTERNAL void kx_emit (GstE2eeKx *kx, GstStructure *s);
G_GNUC_INTERNAL void kx_protocol_error (
    GstE2eeKx *kx, const gchar *author, const gchar *what);
G_GNUC_INTERNAL void kx_unverified_error (
    GstE2eeKx *kx, const gchar *claimed, const gchar *what);
G_GNUC_INTERNAL void kx_send_msg (GstE2eeKx *kx, GstE2eeMsg *m);
G_GNUC_INTERNAL GstE2eeMsg *kx_new_msg (GstE2eeKx *kx, GstE2eeMsgType type);
G_GNUC_INTERNAL void kx_send_ack (GstE2eeKx *kx);
G_GNUC_INTERNAL Epoch *kx_find_epoch (GstE2eeKx *kx, guint64 e);
G_GNUC_INTERNAL void kx_install_epoch (
    GstE2eeKx *kx, guint64 e, const guint8 mk[GST_E2EE_KEY_LEN]);
G_GNUC_INTERNAL void kx_switch_send (GstE2eeKx *kx, guint64 e, gint64 now_ms);

/* e2eekx-roster.c */
G_GNUC_INTERNAL const GstE2eeRosterEntry *kx_roster_entry (
    GstE2eeMsg *roster, const gchar *id);
G_GNUC_INTERNAL void kx_announce_leader (GstE2eeKx *kx);
G_GNUC_INTERNAL void kx_accept_roster (GstE2eeKx *kx, GstE2eeMsg *roster,
    const guint8 *data, gsize len, gint64 now_ms);
G_GNUC_INTERNAL const gchar *kx_designated_leader (GstE2eeKx *kx);
G_GNUC_INTERNAL gboolean kx_may_succeed (
    GstE2eeKx *kx, const gchar *author, const gchar *leader);
G_GNUC_INTERNAL void kx_send_heartbeat (GstE2eeKx *kx, gint64 now_ms);
G_GNUC_INTERNAL void kx_rekey (GstE2eeKx *kx, gint64 now_ms);
G_GNUC_INTERNAL void kx_become_leader (GstE2eeKx *kx, gint64 now_ms);
G_GNUC_INTERNAL gboolean kx_all_acked (GstE2eeKx *kx);
G_GNUC_INTERNAL void kx_confirm_pending (GstE2eeKx *kx, gint64 now_ms);
G_GNUC_INTERNAL void kx_schedule_rekey (
    GstE2eeKx *kx, guint delay_ms, gint64 now_ms);

/* e2eekx-receive.c */
G_GNUC_INTERNAL void kx_mark_gone (
    GstE2eeKx *kx, const gchar *id, gboolean for_good, gint64 now_ms);
G_GNUC_INTERNAL gboolean kx_my_nonce (GstE2eeKx *kx, const guint8 *n);

G_END_DECLS

#endif /* __E2EE_KX_PRIV_H__ */
