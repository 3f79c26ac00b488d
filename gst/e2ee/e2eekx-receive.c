/* The gst-e2ee/1 key-exchange state machine (docs/protocol.md, part 1):
 * the messages received (ANNOUNCE, ACK, KEYS, ROSTER, HEARTBEAT, LEAVE).
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "e2eekx-priv.h"

#include <string.h>

#include <sodium.h>

#include "sframe.h"

#define GST_CAT_DEFAULT kx_debug

/* ------------------------------------------------------------ receiving */

/* With the leader gone, the designated successor takes over; it is looked
 * for again whenever someone else goes too (the successor may be gone
 * before it could lead). */
static void
leader_check (GstE2eeKx *kx, const gchar *gone_id, gint64 now_ms)
{
  Peer *lp =
      kx->leader_id ? g_hash_table_lookup (kx->peers, kx->leader_id) : NULL;
  const gchar *next;

  if (kx->leading || !lp || !lp->gone)
    return;
  next = kx_designated_leader (kx);
  GST_INFO ("[%s] leader %s gone (%s left), successor %s", kx->self_id,
      kx->leader_id, gone_id, GST_STR_NULL (next));
  if (g_strcmp0 (next, kx->self_id) == 0)
    kx_become_leader (kx, now_ms);
}

/* for_good: its LEAVE, or the channel said so (server ids are never
 * reused in an instance), as opposed to a missed heartbeat: a later roster
 * that still lists it does not bring it back. */
void
kx_mark_gone (GstE2eeKx *kx, const gchar *id, gboolean for_good, gint64 now_ms)
{
  Peer *p = g_hash_table_lookup (kx->peers, id);

  if (g_strcmp0 (id, kx->self_id) == 0)
    return;
  if (p && for_good)
    p->left = TRUE;
  if (!p || p->gone)
    return;
  p->gone = TRUE;
  if (kx->leading) {
    if (kx_roster_entry (kx->roster, id))
      kx_schedule_rekey (kx, kx->cfg.leave_debounce_ms, now_ms);
    return;
  }
  if (g_strcmp0 (id, kx->leader_id) == 0) {
    kx->leader_since_ms = now_ms;
    kx->last_hb_ms = now_ms;
  }
  leader_check (kx, id, now_ms);
}

/* Only the first valid ANNOUNCE of a participant id counts (1.5): a replay
 * changes nothing, and never brings back a participant that is gone. */
static void
on_announce (GstE2eeKx *kx, GstE2eeMsg *m, gint64 now_ms)
{
  Peer *p = g_hash_table_lookup (kx->peers, m->sender_id);

  if (p && p->announced) {
    if (memcmp (p->ik, m->identity_key, GST_E2EE_KEY_LEN) != 0)
      kx_emit (kx,
          gst_structure_new ("keyexchange-identity-conflict", "participant-id",
              G_TYPE_STRING, m->sender_id, NULL));
    return;
  }
  if (p && memcmp (p->ik, m->identity_key, GST_E2EE_KEY_LEN) != 0) {
    /* known from a roster with another identity */
    kx_emit (kx,
        gst_structure_new ("keyexchange-identity-conflict", "participant-id",
            G_TYPE_STRING, m->sender_id, NULL));
    return;
  }
  if (!p) {
    p = g_new0 (Peer, 1);
    p->id = g_strdup (m->sender_id);
    memcpy (p->ik, m->identity_key, GST_E2EE_KEY_LEN);
    p->left = p->gone = g_hash_table_contains (kx->gone_ids, p->id);
    g_hash_table_insert (kx->peers, p->id, p);
  }
  memcpy (p->dh, m->dh_key, GST_E2EE_KEY_LEN);
  g_free (p->name);
  p->name = g_strdup (m->display_name);
  if (p->n_nonces == 0) {
    /* a roster may have told us of it first, and an ACK with a newer
     * nonce may have come before this ANNOUNCE */
    memcpy (p->nonce[0], m->nonce, GST_E2EE_NONCE_LEN);
    p->n_nonces = 1;
  }
  p->announced = TRUE;
  p->seq = kx->next_seq++;
  if (p->gone)
    return;
  /* with the leader and every member gone, the first present announcer
   * leads: this may be it (or us) */
  leader_check (kx, p->id, now_ms);
  if (kx->leading && !kx_roster_entry (kx->roster, p->id))
    kx_schedule_rekey (kx, kx->cfg.join_batch_ms, now_ms);
}

/* ACKs of an author are ordered by their signed counter: an old or
 * replayed one would rewind the liveness nonce and lock the author out of
 * the next key box (1.8), so it is ignored. */
static void
on_ack (GstE2eeKx *kx, GstE2eeMsg *m, Peer *p, gint64 now_ms)
{
  if (m->counter <= p->ack_counter)
    return;
  p->ack_counter = m->counter;
  memcpy (p->nonce[1], p->nonce[0], GST_E2EE_NONCE_LEN);
  memcpy (p->nonce[0], m->nonce, GST_E2EE_NONCE_LEN);
  p->n_nonces = MIN (p->n_nonces + 1, 2u);
  if (m->acked_epoch > p->acked_epoch)
    p->acked_epoch = m->acked_epoch;
  if (kx->leading && kx->pending_epoch && kx_all_acked (kx))
    kx_confirm_pending (kx, now_ms);
}

gboolean
kx_my_nonce (GstE2eeKx *kx, const guint8 *n)
{
  return sodium_memcmp (n, kx->my_nonce[0], GST_E2EE_NONCE_LEN) == 0 ||
      sodium_memcmp (n, kx->my_nonce[1], GST_E2EE_NONCE_LEN) == 0;
}

static void
on_keys (GstE2eeKx *kx, GstE2eeMsg *m, Peer *author, gint64 now_ms)
{
  const GstE2eeKeyBox *mine = NULL;
  guint8 mk[GST_E2EE_KEY_LEN];

  if (g_strcmp0 (m->sender_id, kx->leader_id) != 0) {
    kx_protocol_error (kx, m->sender_id,
        "KEYS from a participant that does "
        "not lead");
    return;
  }
  if (m->epoch <= kx->epoch)
    return; /* old or replayed */
  /* signed by the leader: a successor that never had this epoch still
   * numbers past it, so KIDs stay unique in the instance */
  if (m->epoch > kx->epoch_seen)
    kx->epoch_seen = m->epoch;
  for (guint i = 0; m->boxes && i < m->boxes->len; i++) {
    GstE2eeKeyBox *b = g_ptr_array_index (m->boxes, i);
    if (g_strcmp0 (b->recipient_id, kx->self_id) == 0)
      mine = b;
  }
  if (!mine)
    return; /* not (yet) a member */
  if (!kx->roster || m->roster_version != kx->roster->version ||
      kx->my_index < 0) {
    kx_protocol_error (kx, m->sender_id, "KEYS for a roster we do not hold");
    return;
  }
  if (!kx_my_nonce (kx, mine->recipient_nonce)) {
    kx_protocol_error (kx, m->sender_id, "key box bound to a stale nonce");
    return;
  }
  if (!gst_e2ee_keybox_open (kx->dh, author->dh, kx->meeting_id, kx->instance,
          m->sender_id, kx->self_id, m->epoch, mine, mk)) {
    kx_protocol_error (kx, m->sender_id, "key box does not open");
    return;
  }
  kx_install_epoch (kx, m->epoch, mk);
  sodium_memzero (mk, sizeof (mk));
  kx_send_ack (kx);
}

/* Returns TRUE when m was accepted (and is now owned by kx). */
static gboolean
on_roster (
    GstE2eeKx *kx, GstE2eeMsg *m, const guint8 *data, gsize len, gint64 now_ms)
{
  const GstE2eeRosterEntry *first;
  guint8 h[GST_E2EE_HASH_LEN];
  Peer *lp;

  if (!m->entries || m->entries->len == 0) {
    kx_protocol_error (kx, m->sender_id, "empty roster");
    return FALSE;
  }
  first = g_ptr_array_index (m->entries, 0);
  if (g_strcmp0 (first->participant_id, m->sender_id) != 0) {
    kx_protocol_error (kx, m->sender_id, "roster not led by its author");
    return FALSE;
  }
  /* identities must agree with what participants announced */
  for (guint i = 0; i < m->entries->len; i++) {
    GstE2eeRosterEntry *e = g_ptr_array_index (m->entries, i);
    Peer *p = g_hash_table_lookup (kx->peers, e->participant_id);
    if (p && memcmp (p->ik, e->identity_key, GST_E2EE_KEY_LEN) != 0) {
      kx_protocol_error (kx, m->sender_id, "roster changes an identity key");
      return FALSE;
    }
  }
  if (kx->roster) {
    if (m->version <= kx->roster->version) {
      gst_e2ee_msg_hash (data, len, h);
      if (m->version == kx->roster->version &&
          sodium_memcmp (h, kx->roster_hash, GST_E2EE_HASH_LEN) != 0)
        kx_emit (kx,
            gst_structure_new ("keyexchange-fork", "participant-id",
                G_TYPE_STRING, m->sender_id, "version", G_TYPE_UINT64,
                m->version, NULL));
      return FALSE;
    }
    /* the leader, or its successor (the roster then drops the leader) */
    if (g_strcmp0 (m->sender_id, kx->leader_id) != 0 &&
        (!kx_may_succeed (kx, m->sender_id, kx->leader_id) ||
            kx_roster_entry (m, kx->leader_id))) {
      kx_protocol_error (kx, m->sender_id,
          "roster from a participant that may "
          "not lead");
      return FALSE;
    }
    /* The next version must chain to ours: a different predecessor is a
     * second signed version of ours (a fork). A later version skips some
     * (the board keeps only each author's newest roster, or the channel
     * lost one): nothing signed conflicts, so it is taken as it stands. */
    if (m->version == kx->roster->version + 1 &&
        sodium_memcmp (m->prev_hash, kx->roster_hash, GST_E2EE_HASH_LEN) != 0) {
      kx_emit (kx,
          gst_structure_new ("keyexchange-fork", "participant-id",
              G_TYPE_STRING, m->sender_id, "version", G_TYPE_UINT64, m->version,
              NULL));
      return FALSE;
    }
    if (m->version != kx->roster->version + 1)
      GST_INFO ("[%s] roster %" G_GUINT64_FORMAT " after %" G_GUINT64_FORMAT
                ": versions skipped",
          kx->self_id, m->version, kx->roster->version);
    if (g_strcmp0 (m->sender_id, kx->leader_id) != 0) {
      /* a successor: the old leader must be gone from it */
      Peer *old = g_hash_table_lookup (kx->peers, kx->leader_id);
      if (old)
        old->gone = TRUE;
    }
  }
  for (guint i = 0; i < m->entries->len; i++) {
    GstE2eeRosterEntry *e = g_ptr_array_index (m->entries, i);
    Peer *p = g_hash_table_lookup (kx->peers, e->participant_id);
    if (p && !p->left)
      p->gone = FALSE;
  }
  kx_accept_roster (kx, m, data, len, now_ms);
  /* a leader we know to be gone (its LEAVE, or the channel said so, before
   * its roster reached us): its successor takes over */
  lp = g_hash_table_lookup (kx->peers, kx->leader_id);
  if (lp && lp->gone && !kx->leading)
    leader_check (kx, kx->leader_id, now_ms);
  return TRUE;
}

/* Heartbeats of the current leader that contradict each other: two
 * different ones with one counter, or one whose predecessor is not the
 * heartbeat we hold with the counter before. A gap (dropped) or a late one
 * (reordered) contradicts nothing. */
static gboolean
heartbeat_conflicts (
    GstE2eeKx *kx, const GstE2eeMsg *m, const guint8 h[GST_E2EE_HASH_LEN])
{
  for (guint i = 0; i < MIN (kx->n_hb_seen, (guint)HB_RING); i++) {
    const HbSeen *s = &kx->hb_seen[i];
    if (s->counter == m->counter &&
        sodium_memcmp (s->hash, h, GST_E2EE_HASH_LEN) != 0)
      return TRUE;
    if (s->counter == m->counter + 1 &&
        sodium_memcmp (s->prev, h, GST_E2EE_HASH_LEN) != 0)
      return TRUE;
    if (m->counter == s->counter + 1 &&
        sodium_memcmp (m->prev_hash, s->hash, GST_E2EE_HASH_LEN) != 0)
      return TRUE;
    if ((s->counter < m->counter && m->leader_time_ms < s->time) ||
        (s->counter > m->counter && m->leader_time_ms > s->time))
      return TRUE; /* its monotonic clock went back */
  }
  return FALSE;
}

static void
on_heartbeat (
    GstE2eeKx *kx, GstE2eeMsg *m, const guint8 *data, gsize len, gint64 now_ms)
{
  guint8 h[GST_E2EE_HASH_LEN];
  HbSeen *s;

  if (g_strcmp0 (m->sender_id, kx->leader_id) != 0) {
    kx_protocol_error (kx, m->sender_id,
        "heartbeat from a participant that "
        "does not lead");
    return;
  }
  gst_e2ee_msg_hash (data, len, h);
  if (kx->have_hb && heartbeat_conflicts (kx, m, h)) {
    kx_emit (kx,
        gst_structure_new ("keyexchange-fork", "participant-id", G_TYPE_STRING,
            m->sender_id, "heartbeat", G_TYPE_UINT64, m->counter, NULL));
    return;
  }
  if (kx->have_hb && m->counter <= kx->hb_counter)
    return; /* old, late or replayed: consistent, but nothing new */
  if (kx->roster && m->roster_version == kx->roster->version &&
      sodium_memcmp (m->roster_hash, kx->roster_hash, GST_E2EE_HASH_LEN) != 0) {
    /* the leader signed another roster of this version */
    kx_emit (kx,
        gst_structure_new ("keyexchange-fork", "participant-id", G_TYPE_STRING,
            m->sender_id, "roster-version", G_TYPE_UINT64, m->roster_version,
            NULL));
    return;
  }
  /* a signed sign of life of the leader, newer than any before: the chain
   * goes on from it even across a gap */
  if (kx->have_hb && m->counter != kx->hb_counter + 1)
    GST_INFO ("[%s] heartbeats %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
              " of %s missed",
        kx->self_id, kx->hb_counter + 1, m->counter - 1, m->sender_id);
  kx->have_hb = TRUE;
  kx->hb_counter = m->counter;
  kx->hb_time = m->leader_time_ms;
  s = &kx->hb_seen[kx->n_hb_seen++ % HB_RING];
  if (kx->n_hb_seen >= 2 * HB_RING)
    kx->n_hb_seen -= HB_RING; /* stays >= HB_RING: the ring is full */
  s->counter = m->counter;
  s->time = m->leader_time_ms;
  memcpy (s->hash, h, GST_E2EE_HASH_LEN);
  memcpy (s->prev, m->prev_hash, GST_E2EE_HASH_LEN);
  kx->last_hb_ms = now_ms;
  if (m->epoch > kx->hb_epoch_seen)
    kx->hb_epoch_seen = m->epoch;
  if (!kx->roster || m->roster_version != kx->roster->version)
    return; /* about a roster we do not hold (yet): liveness only */
  if (m->send_epoch > kx->send_epoch) {
    if (kx_find_epoch (kx, m->send_epoch))
      kx_switch_send (kx, m->send_epoch, now_ms);
    else if (kx->my_index >= 0 && m->send_epoch >= kx->member_from_epoch &&
        m->send_epoch > kx->missing_epoch) {
      /* a key of an epoch made for us never reached us: withheld, dropped
       * or tampered with */
      kx->missing_epoch = m->send_epoch;
      kx_emit (kx,
          gst_structure_new ("keyexchange-missing-key", "epoch", G_TYPE_UINT64,
              m->send_epoch, "leader", G_TYPE_STRING, m->sender_id, NULL));
    }
  }
}

/* The identity key a message must be signed with. */
static const guint8 *
author_key (GstE2eeKx *kx, GstE2eeMsg *m, Peer **peer)
{
  Peer *p = g_hash_table_lookup (kx->peers, m->sender_id);
  const GstE2eeRosterEntry *e;

  *peer = p;
  if (m->type == GST_E2EE_MSG_ANNOUNCE)
    return m->identity_key; /* self-signed; checked against history */
  if (m->type == GST_E2EE_MSG_ROSTER && !kx->roster && m->entries &&
      m->entries->len > 0) {
    e = g_ptr_array_index (m->entries, 0);
    if (!p && g_strcmp0 (e->participant_id, m->sender_id) == 0)
      return e->identity_key; /* a first roster vouches for its leader */
  }
  return p ? p->ik : NULL;
}

void
gst_e2ee_kx_receive (
    GstE2eeKx *kx, const guint8 *data, gsize len, gint64 now_ms)
{
  GError *err = NULL;
  GstE2eeMsg *m;
  const guint8 *ik;
  Peer *p;

  if (kx->left)
    return;
  kx->now_ms = now_ms;
  m = gst_e2ee_msg_decode (data, len, &err);
  if (!m) {
    kx_unverified_error (kx, NULL, err->message);
    g_error_free (err);
    return;
  }
  if (g_strcmp0 (m->meeting_id, kx->meeting_id) != 0 ||
      !g_bytes_equal (m->instance, kx->instance)) {
    kx_unverified_error (kx, m->sender_id,
        "message of another meeting or "
        "instance");
    gst_e2ee_msg_free (m);
    return;
  }
  ik = author_key (kx, m, &p);
  if (!ik || !gst_e2ee_msg_verify (m, data, len, ik)) {
    /* nothing proves who made it: the sender field is only a claim */
    kx_unverified_error (kx, m->sender_id,
        ik ? "bad signature" : "message from an unknown participant");
    gst_e2ee_msg_free (m);
    return;
  }
  if (g_strcmp0 (m->sender_id, kx->self_id) == 0 &&
      m->type != GST_E2EE_MSG_ANNOUNCE) {
    gst_e2ee_msg_free (m); /* our own echo: applied when sent */
    return;
  }
  switch (m->type) {
    case GST_E2EE_MSG_ANNOUNCE:
      on_announce (kx, m, now_ms);
      break;
    case GST_E2EE_MSG_ACK:
      if (p)
        on_ack (kx, m, p, now_ms);
      break;
    case GST_E2EE_MSG_KEYS:
      on_keys (kx, m, p, now_ms);
      break;
    case GST_E2EE_MSG_ROSTER:
      if (on_roster (kx, m, data, len, now_ms))
        return; /* kept as the accepted roster */
      break;
    case GST_E2EE_MSG_HEARTBEAT:
      on_heartbeat (kx, m, data, len, now_ms);
      break;
    case GST_E2EE_MSG_LEAVE:
      kx_mark_gone (kx, m->sender_id, TRUE, now_ms);
      break;
  }
  gst_e2ee_msg_free (m);
}
